from celery import shared_task
from django.conf import settings

from manuscripts import services


@shared_task(ignore_result=True)
def sync_account(account_id: int) -> None:
    services.account_sync(account_id=account_id)


@shared_task(ignore_result=True)
def poll_due_accounts() -> int:
    """Beat, every minute: claim due accounts and fan their syncs out to the workers."""
    account_ids = services.accounts_claim_due(limit=settings.POLL_BATCH_SIZE)
    for account_id in account_ids:
        sync_account.delay(account_id)
    return len(account_ids)
