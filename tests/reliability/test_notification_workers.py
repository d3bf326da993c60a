"""Real Celery workers sending subscription messages from one backlog: nothing sent twice by two workers,
nothing lost when a worker is killed with SIGKILL mid-send, and credits never below zero under concurrency."""

import signal
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import WeChatIdentity
from notifications.models import Notification, SubscriptionGrant
from notifications.sender import notifications_send_due
from notifications.services import notifications_create_many, subscriptions_record
from notifications.tasks import send_due
from tests.conftest import TEMPLATE_IDS, start_celery_worker, stop_process, wait_until
from tests.manuscripts.factories import make_researcher

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

STATUS_TEMPLATE = TEMPLATE_IDS["status_changed"]
SEND = "/cgi-bin/message/subscribe/send"
FINAL_STATES = {"sent", "no_credit", "failed"}


def make_backlog(sandbox, *, researchers: int, notices_each: int) -> list[int]:
    """Researchers with as many credits (here and in WeChat) as notices, and the notices, all pending."""
    call_command("loaddata", "subscription_templates", verbosity=0)
    rows = []
    for number in range(researchers):
        researcher = make_researcher()
        user = f"reader{number}"
        WeChatIdentity.objects.create(researcher=researcher, appid=settings.WECHAT_APP_ID,
                                      openid=sandbox.wechat.register_user(user))
        for _ in range(notices_each):
            sandbox.wechat.subscribe(user, {STATUS_TEMPLATE: "accept"})
            subscriptions_record(researcher_id=researcher.pk, results={STATUS_TEMPLATE: "accept"})
        for index in range(notices_each):
            manuscript_id = number * 1000 + index
            rows.append({"researcher_id": researcher.pk, "kind": "status_changed",
                         "dedupe_key": f"status:{manuscript_id}:1:{researcher.pk}", "title": "稿件状态：已录用",
                         "body": f"Manuscript {manuscript_id}",
                         "payload": {"status_phrase": "已录用", "journal": "应用科学学报",
                                     "occurred_at": "2026-12-01T06:30:00+00:00"},
                         "page": f"pages/manuscript/detail?id={manuscript_id}",
                         "thread": f"manuscript:{manuscript_id}"})
    notifications_create_many(notifications=rows)
    return list(Notification.objects.values_list("pk", flat=True))


def worker_env(sandbox, **extra: str) -> dict[str, str]:
    return {"WECHAT_API_BASE": sandbox.base_url, **extra}


def pages_sent(sandbox) -> Counter:
    return Counter(message["page"] for message in sandbox.wechat.sent_messages)


@pytest.fixture
def two_notification_workers(wechat_sandbox):
    workers = [start_celery_worker(f"pytest-notify-{slot}", worker_env(wechat_sandbox), queues="notifications")
               for slot in range(2)]
    yield workers
    for worker in workers:
        stop_process(worker)


def test_two_workers_sending_from_one_backlog_never_send_a_notification_twice(two_notification_workers,
                                                                             wechat_sandbox):
    make_backlog(wechat_sandbox, researchers=30, notices_each=10)
    for _ in range(4):  # several kicks, as many commits would make: both workers pull from the same rows
        send_due.delay()

    wait_until(lambda: Notification.objects.filter(state="sent").count() == 300, timeout=90,
               message="both workers to send the backlog")

    sent = pages_sent(wechat_sandbox)
    assert len(sent) == 300
    assert max(sent.values()) == 1  # no page (no notification) reached WeChat twice
    assert wechat_sandbox.wechat.call_count(SEND) == 300
    assert not SubscriptionGrant.objects.filter(credits__gt=0).exists()  # each credit spent exactly once
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


def test_a_worker_killed_mid_send_loses_nothing_and_its_rows_are_recovered_after_the_lease(wechat_sandbox):
    notification_ids = make_backlog(wechat_sandbox, researchers=4, notices_each=5)
    # WeChat hangs on the first messages (one per sender thread) long enough to kill the worker while
    # every thread waits for an answer.
    in_flight = settings.NOTIFY_SEND_THREADS
    wechat_sandbox.wechat.timeout_fault_seconds = 4.0
    wechat_sandbox.wechat.inject_fault(SEND, "timeout", times=in_flight)
    worker = start_celery_worker("pytest-notify-doomed", worker_env(wechat_sandbox, WECHAT_TIMEOUT_SECONDS="30"),
                                 queues="notifications")
    try:
        send_due.delay()
        wait_until(lambda: Notification.objects.filter(state="sending").count() == len(notification_ids)
                   and not wechat_sandbox.wechat.pending_faults(), timeout=60,
                   message="the worker to claim the backlog and every thread to wait on WeChat")
        stop_process(worker, sig=signal.SIGKILL)
    finally:
        stop_process(worker, sig=signal.SIGKILL)

    # Nothing was lost: every row is still there, waiting for its lease to end.
    assert Notification.objects.filter(state="sending").count() == len(notification_ids)
    # The hung calls complete inside WeChat after all: the messages in flight may go out twice.
    wait_until(lambda: len(wechat_sandbox.wechat.sent_messages) == in_flight, timeout=10,
               message="the late deliveries")
    assert notifications_send_due().handled == 0  # leases still run: nobody takes the rows yet

    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))  # the lease ends
    report = notifications_send_due()

    assert report.recovered == len(notification_ids)
    states = Counter(Notification.objects.values_list("state", flat=True))
    assert set(states) <= FINAL_STATES  # none left pending or sending
    # The messages in flight were delivered late. Sent again, each either meets 43101 (that acceptance is
    # used up: no duplicate) or, with quota to spare, goes out a second time and uses the acceptance another
    # notice of that researcher needed, which then stays in the inbox as no_credit.
    assert states["sent"] >= len(notification_ids) - in_flight and states["no_credit"] <= in_flight
    assert set(Notification.objects.values_list("recoveries", flat=True)) == {1}
    sent = pages_sent(wechat_sandbox)
    duplicates = sum(count - 1 for count in sent.values())
    assert duplicates <= in_flight  # at most the messages in flight went out twice
    assert len(sent) >= len(notification_ids) - duplicates
    assert not SubscriptionGrant.objects.filter(credits__lt=0).exists()


def test_concurrent_acceptances_and_senders_never_overdraw_a_credit(wechat_sandbox):
    call_command("loaddata", "subscription_templates", verbosity=0)
    researcher = make_researcher()
    WeChatIdentity.objects.create(researcher=researcher, appid=settings.WECHAT_APP_ID,
                                  openid=wechat_sandbox.wechat.register_user("busy"))
    notifications_create_many(notifications=[
        {"researcher_id": researcher.pk, "kind": "status_changed", "dedupe_key": f"status:{index}",
         "title": "稿件状态", "payload": {"status_phrase": "审稿中"}, "page": f"pages/manuscript/detail?id={index}"}
        for index in range(60)])
    errors: list[BaseException] = []

    def accepting() -> None:
        try:
            for _ in range(30):
                wechat_sandbox.wechat.subscribe("busy", {STATUS_TEMPLATE: "accept"})
                subscriptions_record(researcher_id=researcher.pk, results={STATUS_TEMPLATE: "accept"})
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    def sending() -> None:
        try:
            for _ in range(20):
                notifications_send_due(batch_size=3)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=accepting), threading.Thread(target=sending), threading.Thread(target=sending)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    grant = SubscriptionGrant.objects.get(researcher=researcher)
    sent = Notification.objects.filter(researcher=researcher, state="sent").count()
    assert grant.credits >= 0
    assert sent + grant.credits == 30  # every acceptance either paid for one message or is still there
    assert len(wechat_sandbox.wechat.sent_messages) == sent
