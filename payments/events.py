"""Domain events of payments, for higher apps (tagging's webhooks): sent after commit.

- ``order_paid(order_id=…)``: an order has just been settled (WeChat Pay, agreement, bank transfer or waiver).
  Sent once per order: only the transition to paid publishes it (payments.services.settlement).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

order_paid = Signal()


def order_paid_publish(*, order_id: int) -> None:
    def send() -> None:
        for receiver, result in order_paid.send_robust(sender=None, order_id=order_id):
            if isinstance(result, Exception):
                logger.error("order_paid receiver %r failed for order %s", receiver, order_id, exc_info=result)

    transaction.on_commit(send)
