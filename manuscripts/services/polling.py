"""Scheduling and running syncs: per-account syncs, platform-wide polls, leases, retries."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import Error as DatabaseFailure
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import JournalAccount, JournalAccountStatus, JournalSystem
from manuscripts.connectors.base import ConnectorError, PlatformIdentity
from manuscripts.connectors.registry import connector_for, platforms_polled_per_account, platforms_polled_platform_wide
from manuscripts.models import AccountSyncState, SystemPollState
from manuscripts.resilience import platform_call, platform_error_text
from manuscripts.services.platforms import PUBLICATION_SOURCES, platform_config_for
from manuscripts.sync import SyncOutcome, publications_apply, snapshots_apply
from publisher_backend.dispatch import enqueue_on_commit
from publisher_backend.errors import ApiError, Throttled

logger = logging.getLogger(__name__)


class SyncLeaseHeld(Exception):
    """Another worker is syncing this account right now."""


class AccountNotVerified(ApiError):
    status_code = 409
    code = "conflict"


def account_sync_schedule_now(*, account: JournalAccount) -> None:
    """Make a (newly verified or refreshed) account due now and start its sync after commit.

    The request is kept on the sync state, so it is not lost whatever happens to the message: with the
    broker down the poll tick takes the account once the broker is back, and while another sync of the
    account runs, that sync runs once more when it ends.
    """
    AccountSyncState.objects.update_or_create(journal_account=account,
                                              defaults={"next_sync_at": timezone.now(), "sync_requested": True})
    enqueue_on_commit("manuscripts.tasks.sync_account", account.pk)


def account_refresh_request(*, account: JournalAccount) -> None:
    """Pull to refresh: at most once per ACCOUNT_REFRESH_MIN_SECONDS per account."""
    if account.status != JournalAccountStatus.VERIFIED:
        raise AccountNotVerified(_("Verify the account before refreshing it."))
    now = timezone.now()
    with transaction.atomic():
        state, _created = AccountSyncState.objects.select_for_update().get_or_create(journal_account=account)
        if state.refresh_requested_at:
            waited = (now - state.refresh_requested_at).total_seconds()
            if waited < settings.ACCOUNT_REFRESH_MIN_SECONDS:
                raise Throttled(retry_after_seconds=int(settings.ACCOUNT_REFRESH_MIN_SECONDS - waited) + 1,
                                message=_("This account was refreshed a moment ago. Please wait a minute."))
        state.refresh_requested_at = now
        state.save(update_fields=["refresh_requested_at"])
        account_sync_schedule_now(account=account)


def _retry_delay_seconds(consecutive_failures: int, retry_after: float | None) -> float:
    base = settings.SYNC_RETRY_BASE_SECONDS * (2 ** min(consecutive_failures - 1, 10))
    delay = min(base, settings.SYNC_RETRY_MAX_SECONDS)
    delay = random.uniform(delay / 2, delay)  # jitter: failing accounts don't retry in lockstep
    return max(delay, retry_after or 0)


def _lease_seconds(journal_system: JournalSystem) -> float:
    """How long a poll may hold its lease: long enough for a first full-history poll of a big site, after
    which a worker that died mid-poll is replaced."""
    return max(settings.POLL_LEASE_SECONDS, journal_system.timeout_seconds * 10 + 60)


def _claim(account_id: int, lease_seconds: float) -> bool:
    """Take the account's sync lease unless another worker holds it (no long transaction is kept open).
    Taking it serves any sync that was requested until now."""
    now = timezone.now()
    return bool(AccountSyncState.objects.filter(journal_account_id=account_id)
                .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
                .update(claimed_until=now + timedelta(seconds=lease_seconds), sync_requested=False))


def _release_unless_requested(account_id: int, lease_seconds: float) -> bool:
    """At the end of a successful sync: if a sync was requested while it ran, keep the lease (renewed) and
    return True, so the caller syncs again; else release the lease. The row lock orders this against
    `account_sync_schedule_now`: a request is either seen here or finds the lease free and runs itself."""
    now = timezone.now()
    with transaction.atomic():
        requested = (AccountSyncState.objects.select_for_update().filter(journal_account_id=account_id)
                     .values_list("sync_requested", flat=True).first())
        if requested:
            AccountSyncState.objects.filter(journal_account_id=account_id).update(
                sync_requested=False, claimed_until=now + timedelta(seconds=lease_seconds))
            return True
        AccountSyncState.objects.filter(journal_account_id=account_id).update(claimed_until=None)
        return False


def _error_text(journal_system: JournalSystem, exc: Exception) -> str:
    """What admin (and the researcher's sync_error) shows of a failure: the connector's own message, bounded and
    without credentials, else only the kind of error; its details (SQL, values) stay in the worker log."""
    if isinstance(exc, ConnectorError):
        return platform_error_text(journal_system, exc)
    return f"{type(exc).__name__} (internal error, see the worker log)"


def _write_after_failure(write: Callable[[], object]) -> None:
    """Record a failed sync or poll (and release its lease), even when the failure was the database connection
    breaking (a restart, a failover): then once more on a new connection. Inside a caller's transaction the
    connection can't be replaced, and the error is raised."""
    try:
        write()
    except DatabaseFailure:
        if connection.in_atomic_block:
            raise
        logger.warning("recording a failed sync failed; reconnecting to the database once", exc_info=True)
        connection.close()
        write()


def _account_sync_failed(account: JournalAccount, exc: Exception) -> None:
    """Release the lease after any failure and retry with backoff; a requested sync stays requested."""
    retry_after = exc.retry_after_seconds if isinstance(exc, ConnectorError) else None

    def write() -> None:
        states = AccountSyncState.objects.filter(journal_account_id=account.pk)
        failures = (states.values_list("consecutive_failures", flat=True).first() or 0) + 1  # gone if unlinked
        states.update(consecutive_failures=failures, last_error=_error_text(account.journal_system, exc),
                      claimed_until=None,
                      next_sync_at=timezone.now() + timedelta(seconds=_retry_delay_seconds(failures, retry_after)))

    _write_after_failure(write)


def _account_sync_once(account: JournalAccount, state: AccountSyncState) -> SyncOutcome:
    """Read the account's manuscripts from its platform and apply them; the lease stays held."""
    connector = connector_for(platform_config_for(account.journal_system))
    identity = PlatformIdentity(platform_user_id=account.platform_user_id, email=account.email_on_file)
    page = platform_call(account.journal_system, connector.manuscripts_for_identity, identity, state.cursor or None)
    if account.journal_system.platform in PUBLICATION_SOURCES:
        outcome = publications_apply(journal_system=account.journal_system, snapshots=page.snapshots, seen_by=account)
    else:
        outcome = snapshots_apply(journal_system=account.journal_system, snapshots=page.snapshots,
                                  seen_by=account, full_listing=not state.cursor)
    AccountSyncState.objects.filter(pk=state.pk).update(
        cursor=page.next_cursor or state.cursor, last_synced_at=timezone.now(), last_error="",
        consecutive_failures=0,
        next_sync_at=timezone.now() + timedelta(seconds=settings.ACCOUNT_SYNC_INTERVAL_SECONDS))
    return outcome


def account_sync(*, account_id: int) -> SyncOutcome | None:
    """Poll one verified account and apply what changed; None when there is nothing to poll (unlinked,
    not verified, system disabled) or the platform failed. Raises SyncLeaseHeld while another worker
    syncs the account (that worker syncs once more if this call came from a refresh: `sync_requested`).

    Idempotent and safe to run twice: a lease on the sync state keeps two workers apart, and a worker
    killed mid-sync loses nothing (snapshots apply in one transaction; the lease expires). Any error
    releases the lease and schedules a retry with backoff; errors other than the platform's are raised
    again after that, so they are seen.
    """
    account = (JournalAccount.objects.select_related("journal_system")
               .filter(pk=account_id, status=JournalAccountStatus.VERIFIED).first())
    if account is None or not account.journal_system.enabled:
        return None
    AccountSyncState.objects.get_or_create(journal_account=account)
    lease_seconds = _lease_seconds(account.journal_system)
    if not _claim(account.pk, lease_seconds):
        raise SyncLeaseHeld(account.pk)
    while True:
        try:
            state = AccountSyncState.objects.get(journal_account=account)
            outcome = _account_sync_once(account, state)
            sync_again = _release_unless_requested(account.pk, lease_seconds)
        except Exception as exc:
            _account_sync_failed(account, exc)
            if isinstance(exc, ConnectorError):
                logger.warning("sync of account %s failed: %s", account.pk,
                               platform_error_text(account.journal_system, exc))
                return None
            logger.exception("sync of account %s failed", account.pk)
            raise
        if not sync_again:
            return outcome


def accounts_claim_due(*, limit: int) -> list[int]:
    """Claim up to `limit` due accounts for this scheduler tick (the caller enqueues their syncs).

    `SELECT … FOR UPDATE SKIP LOCKED`: schedulers running at once take disjoint rows, and each claimed
    row is pushed out of the due window before the lock is released, so no account is polled twice
    in one cycle.
    """
    now = timezone.now()
    with transaction.atomic():
        due_ids = list(
            AccountSyncState.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(next_sync_at__lte=now, journal_account__status=JournalAccountStatus.VERIFIED,
                    journal_account__journal_system__enabled=True)
            # Accounts polled one by one, and any account whose requested sync has not started (its message
            # was lost with the broker, or it waited for a running sync that died).
            .filter(Q(journal_account__journal_system__platform__in=platforms_polled_per_account())
                    | Q(sync_requested=True))
            .order_by("next_sync_at")
            .values_list("journal_account_id", flat=True)[:limit]
        )
        AccountSyncState.objects.filter(journal_account_id__in=due_ids).update(
            next_sync_at=now + timedelta(seconds=settings.ACCOUNT_SYNC_INTERVAL_SECONDS))
    return due_ids


def journal_system_poll(*, journal_system_id: int) -> SyncOutcome | None:
    """Platform-wide incremental poll (platforms that list changes since a cursor, e.g. OJS).

    One poll per system covers every linked account on it; the cursor only moves after the batch
    is applied, so a crash re-reads the same changes (applying them again writes nothing).
    """
    journal_system = JournalSystem.objects.filter(pk=journal_system_id, enabled=True).first()
    if journal_system is None:
        return None
    state, _created = SystemPollState.objects.get_or_create(journal_system=journal_system)
    now = timezone.now()
    lease = timedelta(seconds=_lease_seconds(journal_system))
    claimed = (SystemPollState.objects.filter(pk=state.pk)
               .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
               .update(claimed_until=now + lease))
    if not claimed:
        return None
    try:
        connector = connector_for(platform_config_for(journal_system))
        page = platform_call(journal_system, connector.changed_since, state.cursor or None)
        outcome = snapshots_apply(journal_system=journal_system, snapshots=page.snapshots)
        SystemPollState.objects.filter(pk=state.pk).update(
            cursor=page.next_cursor or state.cursor, claimed_until=None,
            next_poll_at=timezone.now() + timedelta(seconds=settings.SYSTEM_POLL_INTERVAL_SECONDS))
    except Exception as exc:
        # Any error releases the lease (else the system waits out the lease, an hour) and retries with backoff.
        retry_after = exc.retry_after_seconds if isinstance(exc, ConnectorError) else None
        retry_in = _retry_delay_seconds(state.consecutive_failures + 1, retry_after)
        update = {"claimed_until": None, "next_poll_at": timezone.now() + timedelta(seconds=retry_in)}
        if not isinstance(exc, ConnectorError):  # the platform's own failures are counted by platform_call
            update["last_error"] = _error_text(journal_system, exc)
        _write_after_failure(lambda: SystemPollState.objects.filter(pk=state.pk).update(**update))
        if isinstance(exc, ConnectorError):
            logger.warning("poll of %s failed: %s", journal_system.key, platform_error_text(journal_system, exc))
            return None
        logger.exception("poll of %s failed", journal_system.key)
        raise
    return outcome


def systems_claim_due() -> list[int]:
    """Claim journal systems due for a platform-wide poll (SKIP LOCKED, like accounts)."""
    candidates = JournalSystem.objects.filter(enabled=True, platform__in=platforms_polled_platform_wide())
    for journal_system in candidates.filter(poll_state__isnull=True):
        SystemPollState.objects.get_or_create(journal_system=journal_system)
    now = timezone.now()
    with transaction.atomic():
        due_ids = list(SystemPollState.objects.select_for_update(skip_locked=True, of=("self",))
                       .filter(next_poll_at__lte=now, journal_system__in=candidates)
                       .values_list("journal_system_id", flat=True))
        SystemPollState.objects.filter(journal_system_id__in=due_ids).update(
            next_poll_at=now + timedelta(seconds=settings.SYSTEM_POLL_INTERVAL_SECONDS))
    return due_ids
