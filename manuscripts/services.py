"""Writes for manuscript tracking: linking through a connector, syncing accounts, polling."""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import linking
from accounts.models import IdentityKind, JournalAccount, JournalAccountStatus, JournalSystem, Researcher
from manuscripts.connectors.base import ConnectorError, PlatformConfig, PlatformIdentity
from manuscripts.connectors.registry import connector_for, platforms_polled_per_account, platforms_polled_platform_wide
from manuscripts.models import AccountSyncState, Manuscript, SystemPollState
from manuscripts.resilience import platform_call, take_token
from manuscripts.status import CanonicalStatus
from manuscripts.sync import SyncOutcome, publications_apply, snapshots_apply
from notifications.services import notification_create
from publisher_backend.errors import ApiError, Throttled, UpstreamUnavailable

logger = logging.getLogger(__name__)


# Platforms that describe published works only (bibliographic sources), not submissions.
PUBLICATION_SOURCES = ("crossref",)


class JournalSystemInvalid(ApiError):
    code = "invalid"


class SyncLeaseHeld(Exception):
    """Another worker is syncing this account right now."""


class AccountNotVerified(ApiError):
    status_code = 409
    code = "conflict"


def platform_config_for(journal_system: JournalSystem) -> PlatformConfig:
    return PlatformConfig(
        key=journal_system.key,
        platform=journal_system.platform,
        base_url=journal_system.base_url,
        credentials=journal_system.credentials or {},
        timeout_seconds=journal_system.timeout_seconds,
        journal_paths={journal.key: journal.platform_path for journal in journal_system.journals.all()},
        request_gate=partial(take_token, journal_system),
    )


def journal_account_link(*, researcher: Researcher, journal_system_id: int, identity: str) -> JournalAccount:
    """Flow 2, first step: find the identity on the platform, then start the e-mail proof."""
    journal_system = JournalSystem.objects.filter(pk=journal_system_id, enabled=True).first()
    if journal_system is None:
        raise JournalSystemInvalid(fields={"journal_system": [_("Choose one of the journal systems offered.")]})
    identity_kind, normalized = linking.identity_classify(identity)
    connector = connector_for(platform_config_for(journal_system))
    try:
        found = connector.find_identity(normalized)
    except ConnectorError as exc:
        logger.warning("identity lookup on %s failed: %s", journal_system.key, exc)
        raise UpstreamUnavailable(_("The journal system cannot be reached right now. Please try again later.")) from exc
    account = linking.journal_account_start(
        researcher=researcher, journal_system=journal_system, identity_kind=identity_kind, identity=normalized,
        found=linking.FoundIdentity(platform_user_id=found.platform_user_id, email=found.email.lower(),
                                    orcid=found.orcid) if found else None,
    )
    if found and journal_system.platform in PUBLICATION_SOURCES and identity_kind == IdentityKind.ORCID:
        # A public bibliographic record has no e-mail to prove with; its own ORCID match is the proof,
        # and the account is marked so (it only shows published, public works).
        account = linking.journal_account_verify_by_orcid_match(account=account)
        journal_account_verified(account=account)
    return account


@transaction.atomic
def journal_account_verified(*, account: JournalAccount) -> None:
    """A researcher proved an account theirs: read its manuscripts now and tell them (inbox, WeChat)."""
    account_sync_schedule_now(account=account)
    language = account.researcher.language
    system_name = account.journal_system.localized_name(language)
    with translation.override(language):
        title = _("Journal account linked: %(system)s") % {"system": system_name}
        body = _("We will follow the manuscripts of %(identity)s and tell you when their status changes.") % {
            "identity": account.identity}
    notification_create(researcher_id=account.researcher_id, kind="account_linked",
                        dedupe_key=f"account_linked:{account.pk}:{account.verified_at.isoformat()}",
                        title=title, body=body, page="pages/accounts/list",
                        payload={"journal_account_id": account.pk, "journal": system_name})


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
            consecutive_failures=failures, last_error=str(exc)[:500], claimed_until=None,
            next_sync_at=now + timedelta(seconds=_retry_delay_seconds(failures, exc.retry_after_seconds)))
        logger.warning("sync of account %s failed (%s): %s", account.pk, type(exc).__name__, exc)
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


class ExportFileInvalid(ApiError):
    code = "invalid"


EXPORT_PLATFORMS = ("file_export", "editorial_manager", "janeway")
EXPORT_SUFFIXES = (".csv", ".jsonl")


def export_folder(journal_system: JournalSystem) -> Path:
    """The folder a file-export journal system reads (its base URL is file:///absolute/folder)."""
    parsed = urlsplit(journal_system.base_url)
    if journal_system.platform not in EXPORT_PLATFORMS or parsed.scheme != "file":
        raise ExportFileInvalid(_("This journal system does not read export files."))
    return Path(unquote(parsed.path))


def export_file_store(*, journal_system: JournalSystem, file_name: str, chunks: Iterable[bytes]) -> Path:
    """Store an uploaded export where the connector picks it up, then poll the system after commit.

    Written as `<name>.part` and renamed when complete, so a poll never reads half a file; named
    `<name>-<UTC time>.<csv|jsonl>` so files are read in upload order.
    """
    folder = export_folder(journal_system)
    suffix = Path(file_name).suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise ExportFileInvalid(_("Upload a .csv or .jsonl export file."))
    folder.mkdir(parents=True, exist_ok=True)
    stem = slugify(Path(file_name).stem) or "export"
    target = folder / f"{stem}-{timezone.now():%Y%m%dT%H%M%SZ}{suffix}"
    partial = target.with_name(target.name + ".part")
    with partial.open("wb") as destination:
        for chunk in chunks:
            destination.write(chunk)
    os.replace(partial, target)
    journal_system_id = journal_system.pk

    def enqueue() -> None:
        from manuscripts.tasks import poll_journal_system

        poll_journal_system.delay(journal_system_id)

    transaction.on_commit(enqueue)
    return target


def publications_check(*, limit: int = 500) -> SyncOutcome:
    """Ask each enabled bibliographic source (Crossref) whether accepted or in-production manuscripts with
    a DOI are published yet, and mark those that are. Bounded by `limit` manuscripts per run."""
    total = SyncOutcome()
    waiting = list(Manuscript.objects.filter(
        canonical_status__in=[CanonicalStatus.ACCEPTED, CanonicalStatus.IN_PRODUCTION], missing_since__isnull=True)
        .exclude(doi="").order_by("last_activity_at").values_list("doi", flat=True)[:limit])
    for source in JournalSystem.objects.filter(enabled=True, platform__in=PUBLICATION_SOURCES):
        connector = connector_for(platform_config_for(source))
        works = []
        for doi in waiting:
            try:
                work = platform_call(source, connector.snapshot_for_doi, doi)
            except ConnectorError as exc:
                logger.warning("publication check of %s on %s failed: %s", doi, source.key, exc)
                break
            if work is not None:
                works.append(work)
        if works:
            outcome = publications_apply(journal_system=source, snapshots=works)
            total.updated += outcome.updated
            total.events += outcome.events
            total.notifications += outcome.notifications
    return total
