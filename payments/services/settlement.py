"""The one way an order becomes paid, whoever settles it (WeChat Pay, an agreement, a bank transfer, a waiver)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Researcher
from notifications.services import notification_create
from payments.events import paid_orders_publish_after_commit
from payments.models import OPEN_STATUSES, Order, OrderStatus, SettledBy
from publisher_backend.rows import row_update


def order_settle(*, order: Order, settled_by: str, transaction_id: str = "", paid_at: datetime | None = None,
                 payer_id: int | None = None, notify: bool = True) -> None:
    """Mark `order` paid. The caller holds the order's row lock (select_for_update) inside its transaction and has
    checked the order is open: this writes the transition once, tells the author ("payment received", one per
    order: its dedupe key is the order's) and marks the order for `order_paid`, which a worker publishes after
    commit (payments.events)."""
    if order.status not in OPEN_STATUSES:
        raise ValueError(f"order {order.pk} is {order.status}, not open")
    order.status = OrderStatus.PAID
    order.settled_by = settled_by
    order.transaction_id = transaction_id
    order.paid_at = paid_at or timezone.now()
    order.payer_id = payer_id if payer_id and payer_id != order.researcher_id else None
    order.paid_event_pending = True
    row_update(order, ["status", "settled_by", "transaction_id", "paid_at", "payer", "amount_fen", "discount_fen",
                       "paid_event_pending", "updated_at"])
    if notify and order.researcher_id:
        language = (order.researcher.language if Order.researcher.is_cached(order) and order.researcher
                    else Researcher.objects.filter(pk=order.researcher_id).values_list("language", flat=True).first())
        with translation.override(language or "zh-hans"):
            notification_create(
                researcher_id=order.researcher_id, kind="payment_received", dedupe_key=f"payment_received:{order.pk}",
                title=_("Payment received"), body=order.description,
                page=f"packages/payments/order?id={order.pk}", thread=f"order:{order.pk}",
                payload={"order_id": order.pk, "amount_fen": order.amount_fen, "order_no": order.out_trade_no,
                         "settled_by": str(SettledBy(settled_by).label),
                         "paid_at": timezone.localtime(order.paid_at).isoformat()})
    paid_orders_publish_after_commit()
