"""Polling claims due accounts with SKIP LOCKED, so schedulers never take the same account twice; a sync or
poll releases its lease on any error; a requested sync is claimed whatever the platform."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, connection
from django.utils import timezone

from accounts.models import Journal, JournalAccount, JournalSystem, Researcher
from manuscripts.models import AccountSyncState, SystemPollState
from manuscripts.services.linking import journal_account_link
from manuscripts.services.polling import (
    SyncLeaseHeld,
    account_sync,
    account_sync_schedule_now,
    accounts_claim_due,
    journal_system_poll,
    systems_claim_due,
)
from sandbox.exports import write_export
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher


@pytest.fixture(autouse=True)
def ojs_polled_per_account(monkeypatch):
    """These tests exercise the per-account scheduler; OJS itself is polled platform-wide."""
    monkeypatch.setattr("manuscripts.services.polling.platforms_polled_per_account", lambda: ["ojs"])


def make_due_accounts(count: int, **account_fields) -> list[int]:
    system = make_journal_system()
    ids = []
    for number in range(count):
        account = make_account(make_researcher(), system, email=f"r{number}@example.org", user_id=str(number),
                               **account_fields)
        AccountSyncState.objects.create(journal_account=account, next_sync_at=timezone.now() - timedelta(seconds=1))
        ids.append(account.pk)
    return ids


@pytest.mark.django_db
def test_claim_takes_due_accounts_and_pushes_them_out_of_the_window(settings):
    ids = make_due_accounts(3)

    assert sorted(accounts_claim_due(limit=10)) == sorted(ids)
    assert accounts_claim_due(limit=10) == []
    next_times = AccountSyncState.objects.values_list("next_sync_at", flat=True)
    assert all(at > timezone.now() + timedelta(seconds=settings.ACCOUNT_SYNC_INTERVAL_SECONDS - 5) for at in next_times)


@pytest.mark.django_db
def test_claim_ignores_pending_accounts():
    make_due_accounts(2, status="pending")

    assert accounts_claim_due(limit=10) == []


@pytest.mark.django_db
def test_claim_ignores_disabled_journal_systems():
    make_due_accounts(2)
    JournalSystem.objects.update(enabled=False)

    assert accounts_claim_due(limit=10) == []


@pytest.mark.django_db
def test_claim_respects_the_batch_limit():
    make_due_accounts(5)

    assert len(accounts_claim_due(limit=2)) == 2
    assert len(accounts_claim_due(limit=10)) == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_schedulers_claim_disjoint_sets():
    ids = make_due_accounts(60)
    results: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def scheduler(slot: int) -> None:
        try:
            barrier.wait()
            for _tick in range(4):
                results[slot].extend(accounts_claim_due(limit=10))
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not set(results[0]) & set(results[1])
    assert sorted(results[0] + results[1]) == sorted(ids)


@pytest.mark.django_db
def test_platform_wide_systems_are_claimed_once_per_interval(monkeypatch):
    monkeypatch.setattr("manuscripts.services.polling.platforms_polled_platform_wide", lambda: ["ojs"])
    system = make_journal_system()

    assert systems_claim_due() == [system.pk]
    assert systems_claim_due() == []


@pytest.mark.django_db
def test_a_sync_is_refused_while_another_worker_holds_the_lease():
    (account_id,) = make_due_accounts(1)
    AccountSyncState.objects.filter(journal_account_id=account_id).update(
        claimed_until=timezone.now() + timedelta(minutes=5))

    with pytest.raises(SyncLeaseHeld):
        account_sync(account_id=account_id)


# --- a lease is released on every error ----------------------------------------------------------------------

ORCID = "0000-0002-1825-0097"


def database_refuses_title(title: str) -> None:
    """Make the database itself refuse a manuscript with this title (a CHECK constraint, undone with the test's
    transaction): a real failure inside the apply, of a kind no validation before the write catches."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE manuscripts_manuscript ADD CONSTRAINT test_refused_title CHECK (title <> %s)",
                       [title])


@pytest.mark.django_db
def test_a_failure_while_applying_a_sync_releases_the_lease_and_retries_with_backoff(wechat_sandbox):
    crossref = JournalSystem.objects.create(key="crossref", name_en="Crossref", platform="crossref",
                                            base_url=wechat_sandbox.base_url, credentials={"mailto": "ops@example.org"},
                                            rate_limit_per_minute=600, timeout_seconds=5)
    Journal.objects.create(journal_system=crossref, key="jas", platform_path="1234-5678", name_en="J. Appl. Sci.")
    database_refuses_title("A Paper")
    wechat_sandbox.crossref.add_work("10.5555/jas.2026.1", "A Paper", "1234-5678",
                                     authors=[{"given": "Wei", "family": "Li", "ORCID": ORCID}], published="2026-05")
    researcher = make_researcher()
    Researcher.objects.filter(pk=researcher.pk).update(orcid=ORCID, orcid_verified_at=timezone.now())  # proven
    researcher.refresh_from_db()
    account = journal_account_link(researcher=researcher, journal_system_id=crossref.pk, identity=ORCID)

    with pytest.raises(IntegrityError):
        account_sync(account_id=account.pk)

    state = AccountSyncState.objects.get(journal_account=account)
    assert state.claimed_until is None
    assert state.next_sync_at > timezone.now() + timedelta(seconds=settings.SYNC_RETRY_BASE_SECONDS / 2 - 5)
    assert state.consecutive_failures == 1
    assert state.last_error == "IntegrityError (internal error, see the worker log)"  # no SQL or values in admin
    with pytest.raises(IntegrityError):  # the next attempt runs, it is not refused for an hour as "busy"
        account_sync(account_id=account.pk)


@pytest.mark.django_db
def test_a_failure_while_applying_a_platform_wide_poll_releases_the_lease(tmp_path):
    system = make_journal_system(key="em", platform="editorial_manager", base_url=f"file://{tmp_path}",
                                 credentials={})
    database_refuses_title("Refused by the database")
    write_export(tmp_path, [{"manuscript_id": "EM-1", "journal": "jas", "title": "Refused by the database",
                             "status": "Under Review", "status_date": "2026-10-01T08:00:00+00:00",
                             "submitted_at": "2026-09-01T08:00:00+00:00", "author_emails": ["li@example.org"]}],
                 prefix="em", stamp=datetime(2026, 10, 1, 8, tzinfo=UTC), modified_at=time.time() - 3600)

    with pytest.raises(IntegrityError):
        journal_system_poll(journal_system_id=system.pk)

    state = SystemPollState.objects.get(journal_system=system)
    assert state.claimed_until is None
    assert state.next_poll_at > timezone.now()
    assert state.cursor == ""  # the file is read again next time
    assert state.last_error == "IntegrityError (internal error, see the worker log)"
    with pytest.raises(IntegrityError):
        journal_system_poll(journal_system_id=system.pk)


@pytest.mark.django_db
def test_a_requested_sync_of_any_platform_is_claimed_by_the_tick_when_its_message_was_lost(monkeypatch):
    monkeypatch.setattr("manuscripts.services.polling.platforms_polled_per_account", lambda: [])
    (account_id,) = make_due_accounts(1)  # on a platform polled platform-wide (OJS)
    assert accounts_claim_due(limit=10) == []

    account_sync_schedule_now(account=JournalAccount.objects.get(pk=account_id))

    assert accounts_claim_due(limit=10) == [account_id]
