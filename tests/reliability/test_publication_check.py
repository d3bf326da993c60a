"""The hourly publication check applies each work Crossref returns right after its lookup: a worker that dies
midway through hundreds of lookups keeps what it found, and the next run goes on after the DOI it reached."""

import signal

import pytest

from accounts.models import Journal, JournalSystem
from manuscripts.models import Manuscript, StatusEvent
from manuscripts.services.publications import publications_check
from manuscripts.sync import snapshots_apply
from manuscripts.tasks import check_publications
from tests.conftest import start_celery_worker, stop_process, wait_until
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher, snapshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

DOIS = [f"10.5555/jas.2026.{number}" for number in range(1, 5)]


@pytest.fixture
def in_production(wechat_sandbox) -> list[int]:
    """Four manuscripts in production with DOIs (checked in this order), each a work on Crossref."""
    crossref = JournalSystem.objects.create(key="crossref", name_en="Crossref", platform="crossref",
                                            base_url=wechat_sandbox.base_url, credentials={"mailto": "ops@example.org"},
                                            rate_limit_per_minute=6000, timeout_seconds=60)
    Journal.objects.create(journal_system=crossref, key="jas", platform_path="1234-5678", name_en="J. Appl. Sci.")
    system = make_journal_system()
    account = make_account(make_researcher("Li Wei"), system, email="li.wei@example.org", user_id="5")
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot(str(number), status="in_production", title=f"Paper {number}", minutes=number)
        for number in range(1, 5)])
    for number, doi in enumerate(DOIS, start=1):
        Manuscript.objects.filter(platform_id=str(number)).update(doi=doi)
        wechat_sandbox.crossref.add_work(doi, f"Paper {number}", "1234-5678", published="2026-11-02")
    return [Manuscript.objects.get(platform_id=str(number)).pk for number in range(1, 5)]


def test_a_check_that_dies_midway_keeps_the_publications_it_found(in_production, wechat_sandbox, private_broker):
    # Crossref answers the first two DOIs, then the third lookup hangs until the worker is killed.
    wechat_sandbox.crossref.inject_fault("timeout", seconds=5, path_contains="jas.2026.3")
    worker = start_celery_worker("pytest-publications-worker", extra_env={"CELERY_BROKER_URL": private_broker.url})
    published = Manuscript.objects.filter(canonical_status="published")
    third_started = Manuscript.objects.filter(doi=DOIS[2], publication_checked_at__isnull=False)
    try:
        check_publications.delay()
        wait_until(lambda: published.count() == 2 and third_started.exists(), timeout=60,
                   message="the first two works to be applied and the third lookup to start")
        stop_process(worker, sig=signal.SIGKILL)
    finally:
        stop_process(worker, sig=signal.SIGKILL)

    assert sorted(published.values_list("pk", flat=True)) == in_production[:2]
    assert StatusEvent.objects.filter(to_status="published").count() == 2

    # The next run goes on after the DOI the killed one reached, and a later one comes back to it: a lookup that
    # hangs until every run is cut short cannot keep the DOIs after it from ever being checked.
    publications_check(limit=1)
    assert sorted(published.values_list("pk", flat=True)) == [*in_production[:2], in_production[3]]
    publications_check(limit=1)
    assert sorted(published.values_list("pk", flat=True)) == in_production
