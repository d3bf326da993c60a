"""Scheduling and running syncs: per-account syncs, platform-wide polls, leases, retries."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
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
from publisher_backend.errors import ApiError, Throttled

logger = logging.getLogger(__name__)


class SyncLeaseHeld(Exception):
    """Another worker is syncing this account right now."""


class AccountNotVerified(ApiError):
    status_code = 409
    code = "conflict"


def account_sync_schedule_now(*, account: JournalAccount) -> None:
    """Make a (newly verified or refreshed) account due now and start its sync after commit."""
    AccountSyncState.objects.update_or_create(journal_account=account, defaults={"next_sync_at": timezone.now()})
    account_id = account.pk

    def enqueue() -> None:
        from manuscripts.tasks import sync_account

        sync_account.delay(account_id)

    transaction.on_commit(enqueue)


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
    """Take the account's sync lease unless another worker holds it (no long transaction is kept open)."""
    now = timezone.now()
    return bool(AccountSyncState.objects.filter(journal_account_id=account_id)
                .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
                .update(claimed_until=now + timedelta(seconds=lease_seconds)))


def account_sync(*, account_id: int) -> SyncOutcome | None:
    """Poll one verified account and apply what changed; None when there is nothing to poll (unlinked,
    not verified, system disabled). Raises SyncLeaseHeld while another worker syncs the account.

    Idempotent and safe to run twice: a lease on the sync state keeps two workers apart, and a worker
    killed mid-sync loses nothing (snapshots apply in one transaction; the lease expires).
    """
    account = (JournalAccount.objects.select_related("journal_system")
               .filter(pk=account_id, status=JournalAccountStatus.VERIFIED).first())
    if account is None or not account.journal_system.enabled:
        return None
    AccountSyncState.objects.get_or_create(journal_account=account)
    if not _claim(account.pk, _lease_seconds(account.journal_system)):
        raise SyncLeaseHeld(account.pk)
    state = AccountSyncState.objects.get(journal_account=account)
    connector = connector_for(platform_config_for(account.journal_system))
    identity = PlatformIdentity(platform_user_id=account.platform_user_id, email=account.email_on_file)
    now = timezone.now()
    try:
        page = platform_call(account.journal_system, connector.manuscripts_for_identity, identity,
                             state.cursor or None)
    except ConnectorError as exc:
        failures = state.consecutive_failures + 1
        AccountSyncState.objects.filter(pk=state.pk).update(
            consecutive_failures=failures, last_error=platform_error_text(account.journal_system, exc),
            claimed_until=None,
            next_sync_at=now + timedelta(seconds=_retry_delay_seconds(failures, exc.retry_after_seconds)))
        logger.warning("sync of account %s failed: %s", account.pk, platform_error_text(account.journal_system, exc))
        return None
    if account.journal_system.platform in PUBLICATION_SOURCES:
        outcome = publications_apply(journal_system=account.journal_system, snapshots=page.snapshots, seen_by=account)
    else:
        outcome = snapshots_apply(journal_system=account.journal_system, snapshots=page.snapshots,
                                  seen_by=account, full_listing=not state.cursor)
    AccountSyncState.objects.filter(pk=state.pk).update(
        cursor=page.next_cursor or state.cursor, last_synced_at=timezone.now(), last_error="",
        consecutive_failures=0, claimed_until=None,
        next_sync_at=timezone.now() + timedelta(seconds=settings.ACCOUNT_SYNC_INTERVAL_SECONDS))
    return outcome


def accounts_claim_due(*, limit: int) -> list[int]:
    """Claim up to `limit` due accounts for this scheduler tick.

    `SELECT … FOR UPDATE SKIP LOCKED`: schedulers running at once take disjoint rows, and each claimed
    row is pushed out of the due window before the lock is released, so no account is polled twice
    in one cycle.
    """
    now = timezone.now()
    with transaction.atomic():
        due_ids = list(
            AccountSyncState.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(next_sync_at__lte=now, journal_account__status=JournalAccountStatus.VERIFIED,
                    journal_account__journal_system__enabled=True,
                    journal_account__journal_system__platform__in=platforms_polled_per_account())
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
    connector = connector_for(platform_config_for(journal_system))
    try:
        page = platform_call(journal_system, connector.changed_since, state.cursor or None)
    except ConnectorError as exc:
        retry_in = _retry_delay_seconds(state.consecutive_failures + 1, exc.retry_after_seconds)
        SystemPollState.objects.filter(pk=state.pk).update(
            claimed_until=None, next_poll_at=timezone.now() + timedelta(seconds=retry_in))
        logger.warning("poll of %s failed (%s): %s", journal_system.key, type(exc).__name__, exc)
        return None
    outcome = snapshots_apply(journal_system=journal_system, snapshots=page.snapshots)
    SystemPollState.objects.filter(pk=state.pk).update(
        cursor=page.next_cursor or state.cursor, claimed_until=None,
        next_poll_at=timezone.now() + timedelta(seconds=settings.SYSTEM_POLL_INTERVAL_SECONDS))
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
