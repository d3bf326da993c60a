"""A sync whose database connection breaks midway (a restart, a failover) still releases its lease: the next
attempt comes after the backoff, not after the lease's hour."""

import threading

import pytest
from django.db import Error as DatabaseFailure
from django.db import connection
from django.utils import timezone

from manuscripts.models import AccountSyncState
from manuscripts.services.polling import account_sync
from tests.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_sync_whose_database_connection_breaks_releases_its_lease(ojs_account, wechat_sandbox):
    _client, account, _author = ojs_account
    wechat_sandbox.ojs.inject_fault("jas", "slow", seconds=5, path_contains="/submissions")
    backend_pids: list[int] = []
    errors: list[Exception] = []

    def sync() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend_pids.append(cursor.fetchone()[0])
            account_sync(account_id=account.pk)
        except Exception as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            connection.close()

    running = threading.Thread(target=sync)
    running.start()
    try:
        wait_until(lambda: AccountSyncState.objects.filter(journal_account=account,
                                                           claimed_until__isnull=False).exists(),
                   message="the sync to take its lease")
        with connection.cursor() as cursor:  # as a database restart would, while the sync waits on the platform
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pids[0]])
    finally:
        running.join()

    assert len(errors) == 1 and isinstance(errors[0], DatabaseFailure)  # raised, so it is seen in the log
    state = AccountSyncState.objects.get(journal_account=account)
    assert state.claimed_until is None
    assert state.consecutive_failures == 1
    assert state.next_sync_at > timezone.now()
