from dataclasses import asdict

from celery import shared_task

from payments.services.reconciliation import payments_reconcile
from payments.services.refunds import second_payment_refund


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=270)
def reconcile() -> dict:
    """Beat: apply WeChat Pay's state to prepays and refunds left open, close expired unpaid orders."""
    return asdict(payments_reconcile())


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def refund_second_payment(attempt_id: int) -> None:
    """A payment of an order already settled another way goes back to its payer (once)."""
    second_payment_refund(attempt_id=attempt_id)
