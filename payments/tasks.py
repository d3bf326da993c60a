from dataclasses import asdict

from celery import shared_task

from payments.events import PAID_ORDERS_KICK, paid_orders_publish
from payments.services.reconciliation import payments_reconcile
from payments.services.refunds import second_payment_refund
from publisher_backend.dispatch import coalesced_task_started


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=270)
def reconcile() -> dict:
    """Beat: apply WeChat Pay's state to prepays and refunds left open, close expired unpaid orders."""
    return asdict(payments_reconcile())


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def refund_second_payment(attempt_id: int) -> None:
    """A payment of an order already settled another way goes back to its payer (once)."""
    second_payment_refund(attempt_id=attempt_id)


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=270)
def publish_paid_orders() -> int:
    """Tell the apps that hear `order_paid` about settled orders: kicked after each settlement, and swept by beat."""
    coalesced_task_started(PAID_ORDERS_KICK)
    return paid_orders_publish()
