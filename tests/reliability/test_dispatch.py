"""Services enqueue after commit by task name: every name they use is a task the workers know."""

import threading
from collections.abc import Iterator

import pytest
import redis
from celery import current_app
from django.core.cache import cache

from accounts.models import Researcher
from manuscripts.services.polling import account_sync_schedule_now
from notifications.services import SENDER_KICK, sender_kick_on_commit
from publisher_backend.dispatch import TaskAfterCommit, coalesced_kicks_sent, coalesced_task_started
from tests.conftest import broker_key
from tests.manuscripts.factories import make_account, make_journal_system
from tests.reliability.broker import PrivateRedis, celery_broker

pytestmark = pytest.mark.django_db


def test_the_tasks_services_enqueue_by_name_are_registered(login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as after_commit:
        login("alice")
        account = make_account(Researcher.objects.get(), make_journal_system(), email="a@example.org", user_id="1")
        account_sync_schedule_now(account=account)
        sender_kick_on_commit()

    current_app.loader.import_default_modules()  # what a worker imports at start
    # Domain events (a new researcher) are published after commit too; here, only the tasks.
    tasks = [callback for callback in after_commit if isinstance(callback, TaskAfterCommit)]
    names = [callback.task_name for callback in tasks]
    assert names == ["accounts.tasks.record_login", "manuscripts.tasks.sync_account", "notifications.tasks.send_due"]
    assert set(names) <= set(current_app.tasks)
    assert tasks[1].args == (account.pk,)



@pytest.fixture
def private_server() -> Iterator[PrivateRedis]:
    """This process's Celery messages go to a redis-server of the test's own."""
    server = PrivateRedis().start()
    try:
        with celery_broker(server.url):
            yield server
            assert coalesced_kicks_sent(timeout=15)  # nothing of this test is sent to the next one's broker
    finally:
        server.stop()


@pytest.fixture
def private_broker(private_server) -> redis.Redis:
    """A client of the private broker, to read its queues."""
    return redis.Redis.from_url(private_server.url)


def _kicks_waiting(broker: redis.Redis) -> int:
    return broker.llen(broker_key("notifications"))  # the sender's queue (CELERY_TASK_ROUTES), as kombu keeps it


def test_a_burst_of_commits_kicks_the_sender_once_while_a_kick_waits(private_broker,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            sender_kick_on_commit()
    assert coalesced_kicks_sent()
    assert _kicks_waiting(private_broker) == 1

    # The waiting kick's worker starts: commits after that may not be seen by it, so they kick again.
    coalesced_task_started(SENDER_KICK)
    with django_capture_on_commit_callbacks(execute=True):
        sender_kick_on_commit()
        sender_kick_on_commit()
    assert coalesced_kicks_sent()
    assert _kicks_waiting(private_broker) == 2


def test_a_kick_never_holds_up_the_request_that_committed(private_server, private_broker,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as after_commit:
        sender_kick_on_commit()
    with private_server.hung():
        # The on-commit callback returns at once; this process's kicker thread waits on the broker instead.
        committed = threading.Thread(target=after_commit[0])
        committed.start()
        committed.join(timeout=1.0)
        assert not committed.is_alive()
        assert not coalesced_kicks_sent(timeout=0.2)
    assert coalesced_kicks_sent(timeout=15)
    assert _kicks_waiting(private_broker) == 1


def test_a_lost_kick_silences_nothing_once_its_mark_expires(private_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sender_kick_on_commit()
    assert coalesced_kicks_sent()
    private_broker.delete(broker_key("notifications"))  # the broker lost it
    cache.delete("dispatch:waiting:notifications.send_due")  # what the mark's expiry (COALESCE_SECONDS) does
    with django_capture_on_commit_callbacks(execute=True):
        sender_kick_on_commit()
    assert coalesced_kicks_sent()
    assert _kicks_waiting(private_broker) == 1
