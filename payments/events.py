"""Domain events of payments, for higher apps (tagging: its rules and webhooks), heard in a worker.

- ``order_paid(order_id=…)``: an order has been settled (WeChat Pay, agreement, bank transfer or waiver). Heard
  once per order.

The outbox is the order row: `order_settle` marks it `paid_event_pending` in the settling transaction and kicks
`payments.tasks.publish_paid_orders` after commit; the task sends `order_paid` for each marked order inside the
transaction that clears its mark, so what the receivers write (tag assignments, webhook deliveries) commits
together with the mark: a crash between settling and hearing loses nothing, and nothing is heard twice. A
payment notification therefore answers WeChat Pay without running the receivers (bench/pay_notify.py); the
beat sweep publishes what a lost kick left.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction
from django.dispatch import Signal

from payments.models import Order
from publisher_backend.dispatch import enqueue_on_commit

logger = logging.getLogger(__name__)

order_paid = Signal()

PAID_ORDERS_KICK = "payments.publish_paid_orders"  # the coalesce key of the publisher's kicks


def paid_orders_publish_after_commit() -> None:
    """Have a worker publish the orders marked `paid_event_pending` once this transaction commits (one message
    for a burst of payments)."""
    enqueue_on_commit("payments.tasks.publish_paid_orders", coalesce_key=PAID_ORDERS_KICK)


class _ReceiverDatabaseError(Exception):
    """A receiver's write failed: that order's savepoint is rolled back and it stays marked for the next run."""


def _order_paid_send(order_id: int) -> None:
    for receiver, result in order_paid.send_robust(sender=None, order_id=order_id):
        if isinstance(result, Exception):
            logger.error("order_paid receiver %r failed for order %s", receiver, order_id, exc_info=result)
            if isinstance(result, DatabaseError):
                raise _ReceiverDatabaseError from result


def paid_orders_publish(*, batch_size: int = 100) -> int:
    """Send `order_paid` for every order marked pending, oldest first; returns how many were published.

    Each batch is claimed with row locks that skip locked rows (two workers never send one order twice) and each
    order is sent in its own savepoint: a receiver's database error rolls back only that order's writes, logs,
    and leaves it marked for the next run; a receiver's other errors are logged (as Django's send_robust does)."""
    published, after_id = 0, 0
    while True:
        with transaction.atomic():
            order_ids = list(Order.objects.filter(paid_event_pending=True, pk__gt=after_id).order_by("pk")
                             .select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch_size])
            heard = []
            for order_id in order_ids:
                try:
                    with transaction.atomic():
                        _order_paid_send(order_id)
                except _ReceiverDatabaseError:
                    continue
                heard.append(order_id)
            Order.objects.filter(pk__in=heard).update(paid_event_pending=False)
        published += len(heard)
        if len(order_ids) < batch_size:
            return published
        after_id = order_ids[-1]
