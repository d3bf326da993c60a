"""Polling claims due accounts with SKIP LOCKED, so schedulers never take the same account twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import JournalSystem
from manuscripts.models import AccountSyncState
from manuscripts.services.polling import accounts_claim_due, systems_claim_due
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
def test_a_sync_asked_for_while_another_runs_is_retried_not_dropped(settings):
    from manuscripts.services.polling import SyncLeaseHeld, account_sync

    (account_id,) = make_due_accounts(1)
    AccountSyncState.objects.filter(journal_account_id=account_id).update(
        claimed_until=timezone.now() + timedelta(minutes=5))

    with pytest.raises(SyncLeaseHeld):
        account_sync(account_id=account_id)
