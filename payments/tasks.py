from dataclasses import asdict

from celery import shared_task

from payments.services.reconciliation import payments_reconcile


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=270)
def reconcile() -> dict:
    """Beat: apply WeChat Pay's state to prepays and refunds left open, close expired unpaid orders."""
    return asdict(payments_reconcile())
