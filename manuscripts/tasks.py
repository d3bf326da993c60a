import logging

from celery import shared_task
from django.conf import settings

from manuscripts.services import impact, impact_digest, polling, publications, reminders

logger = logging.getLogger(__name__)

# A poll may legitimately run long (a first full-history read of a big site); it must end before its lease.
POLL_TIME_LIMITS = {"soft_time_limit": settings.POLL_LEASE_SECONDS - 120,
                    "time_limit": settings.POLL_LEASE_SECONDS - 60}


@shared_task(ignore_result=True, **POLL_TIME_LIMITS)
def sync_account(account_id: int) -> None:
    try:
        polling.account_sync(account_id=account_id)
    except polling.SyncLeaseHeld:
        # Another worker is syncing the account: a requested sync (refresh, verify) is recorded on the sync
        # state, and that worker runs it when it ends, however long it takes.
        logger.info("account %s is being synced by another worker", account_id)


@shared_task(ignore_result=True, **POLL_TIME_LIMITS)
def poll_journal_system(journal_system_id: int) -> None:
    polling.journal_system_poll(journal_system_id=journal_system_id)


@shared_task(ignore_result=True)
def poll_tick() -> dict:
    """Beat, every minute: claim what is due (systems polled platform-wide, accounts polled one by one)
    and fan the polls out to the workers."""
    system_ids = polling.systems_claim_due()
    for journal_system_id in system_ids:
        poll_journal_system.delay(journal_system_id)
    account_ids = polling.accounts_claim_due(limit=settings.POLL_BATCH_SIZE)
    for account_id in account_ids:
        sync_account.delay(account_id)
    return {"systems": len(system_ids), "accounts": len(account_ids)}


@shared_task(ignore_result=True)
def check_publications() -> int:
    """Beat, hourly: Crossref by DOI for accepted and in-production manuscripts."""
    return publications.publications_check().updated


@shared_task(ignore_result=True, soft_time_limit=1800, time_limit=1900)
def refresh_citations() -> int:
    """Beat, weekly: citations of published manuscripts from Crossref."""
    return impact.citations_refresh()


@shared_task(ignore_result=True, soft_time_limit=1800, time_limit=1900)
def refresh_usage() -> int:
    """Beat, weekly: views and downloads of published manuscripts where the platform reports them (OJS)."""
    return impact.usage_refresh()


@shared_task(ignore_result=True, soft_time_limit=1800, time_limit=1900)
def send_impact_digests() -> int:
    """Beat, on the 1st of each month: the impact digest of the month before (inbox only; idempotent per month)."""
    return impact_digest.impact_digests_send()


@shared_task(ignore_result=True)
def send_due_reminders() -> int:
    """Beat, daily in the Beijing morning: reminders before a due date (manuscripts.services.reminders)."""
    return reminders.due_reminders_send().created
