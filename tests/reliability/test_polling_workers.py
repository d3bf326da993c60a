"""Real worker processes polling journal systems: two workers never poll one system twice in a cycle,
and a worker killed with SIGKILL mid-poll loses nothing."""

import signal
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Journal, JournalSystem
from manuscripts.models import Manuscript, StatusEvent, SystemPollState
from manuscripts.services.polling import journal_system_poll, systems_claim_due
from manuscripts.tasks import poll_journal_system
from tests.conftest import start_celery_worker, stop_process, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

SUBMISSIONS_PER_SITE = 3


def make_sites(sandbox, count: int) -> list[JournalSystem]:
    systems = []
    for number in range(count):
        path = f"j{number}"
        token = sandbox.ojs.add_site(path, manager_token=f"token-{path}")
        author = sandbox.ojs.add_user(path, username=f"author{number}", email=f"author{number}@example.org",
                                      given_name="Author", family_name=str(number))
        for index in range(SUBMISSIONS_PER_SITE):
            sandbox.ojs.add_submission(path, title=f"Paper {number}-{index}", authors=[author], stage_id=3,
                                       review_round_status=7)
        system = JournalSystem.objects.create(key=f"site-{path}", name_en=f"Site {path}", platform="ojs",
                                              base_url=sandbox.base_url, credentials={"token": token},
                                              rate_limit_per_minute=6000, timeout_seconds=5)
        Journal.objects.create(journal_system=system, key=path, platform_path=path, name_en=f"Journal {path}")
        systems.append(system)
    return systems


@pytest.fixture
def second_worker(celery_worker_process):
    process = start_celery_worker("pytest-second-worker")
    yield process
    stop_process(process)


def test_two_workers_poll_each_system_once_per_cycle_without_duplicate_events(second_worker, wechat_sandbox):
    systems = make_sites(wechat_sandbox, 6)
    claimed: list[list[int]] = [[], []]

    def scheduler(slot: int) -> None:
        try:
            claimed[slot] = systems_claim_due()
            for journal_system_id in claimed[slot]:
                poll_journal_system.delay(journal_system_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    expected = len(systems) * SUBMISSIONS_PER_SITE
    wait_until(lambda: StatusEvent.objects.count() >= expected and not SystemPollState.objects.filter(
        claimed_until__isnull=False).exists(), timeout=60, message="both workers to finish the cycle")
    assert sorted(claimed[0] + claimed[1]) == sorted(system.pk for system in systems)
    for system in systems:
        path = system.journals.get().platform_path
        assert wechat_sandbox.ojs.call_count(path, "GET /submissions") == 1, path
    assert Manuscript.objects.count() == expected
    assert StatusEvent.objects.count() == expected  # one initial event each, none twice


def test_worker_killed_mid_poll_loses_nothing_and_the_system_is_polled_again(celery_worker_process,
                                                                             wechat_sandbox):
    (system,) = make_sites(wechat_sandbox, 1)
    JournalSystem.objects.filter(pk=system.pk).update(timeout_seconds=60)  # the worker waits on the platform
    path = system.journals.get().platform_path
    wechat_sandbox.ojs.inject_fault(path, "slow", seconds=20, path_contains="/submissions")
    doomed = start_celery_worker("pytest-doomed-worker", queues="doomed")
    try:
        poll_journal_system.apply_async(args=(system.pk,), queue="doomed")
        wait_until(lambda: SystemPollState.objects.filter(pk=system.pk, claimed_until__isnull=False).exists(),
                   timeout=30, message="the doomed worker to claim the system")
        time.sleep(0.5)  # inside the platform call now
        stop_process(doomed, sig=signal.SIGKILL)
    finally:
        stop_process(doomed, sig=signal.SIGKILL)

    state = SystemPollState.objects.get(pk=system.pk)
    assert state.claimed_until is not None  # the dead worker's lease is still held
    assert Manuscript.objects.count() == 0  # nothing half-written
    calls_before = wechat_sandbox.ojs.call_count(path)
    assert journal_system_poll(journal_system_id=system.pk) is None  # while the lease holds, nobody polls
    assert wechat_sandbox.ojs.call_count(path) == calls_before

    SystemPollState.objects.filter(pk=system.pk).update(claimed_until=timezone.now())  # the lease expires
    poll_journal_system.delay(system.pk)

    wait_until(lambda: Manuscript.objects.count() == SUBMISSIONS_PER_SITE, timeout=30,
               message="the surviving worker to poll the system again")
    assert StatusEvent.objects.count() == SUBMISSIONS_PER_SITE
    assert all(m.title and m.canonical_status == "under_review" for m in Manuscript.objects.all())
