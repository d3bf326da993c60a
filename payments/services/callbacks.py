"""WeChat Pay's notifications (payments and refunds): verified, kept as received, applied exactly once.

What reaches here was verified by `wechatpay.notification_open` (serial, timestamp, signature, then the AES-GCM
resource); a notification that fails any check raises NotificationRejected and touches nothing. A verified
one is stored as a `PaymentEvent` in the same transaction that applies it, under the order's row lock, so 32
concurrent deliveries of one success settle the order once and make one "payment received" notice. Duplicates
and events that arrive out of order are acknowledged and change nothing; an event that disagrees with our order
(mchid, appid, amount, currency, out_trade_no) is kept, flagged for staff, and never settles anything.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Researcher
from notifications.services import notification_create
from payments import wechatpay
from payments.models import (
    EventOutcome,
    EventSource,
    Order,
    OrderStatus,
    PaymentAttempt,
    PaymentEvent,
    Refund,
    RefundStatus,
)
from payments.services.paying import attempt_apply_transaction
from publisher_backend.rows import row_attnames, row_instance

logger = logging.getLogger(__name__)


def _text(value: Any, limit: int = 64) -> str:
    return value[:limit] if isinstance(value, str) else ""


# What applying a notification reads (attempt_apply_transaction, order_settle): only these columns are fetched
# (tests/payments/test_notify.py counts the statements).
_ATTEMPT_COLUMNS = ("id", "out_trade_no", "amount_fen", "status", "transaction_id", "payer_id", "order_id")
_ORDER_COLUMNS = ("id", "researcher_id", "status", "amount_fen", "discount_fen", "description", "out_trade_no",
                  "transaction_id", "paid_at", "needs_attention", "settled_by", "payer_id", "expires_at")


@cache
def _attempt_lock_plan() -> tuple[list[str], list[str], str]:
    """The attempt's and its order's columns (in the models' field order, as row_instance takes them) and the one
    statement that reads them with the author's language and locks the order. Written out rather than built by
    the ORM on every notification: compiling it cost more CPU than the rest of the request (bench/pay_notify.py)."""
    quote = connection.ops.quote_name

    def column(alias: str, model, name: str) -> str:
        return f"{alias}.{quote(model._meta.get_field(name).column)}"

    attempt_names, order_names = row_attnames(PaymentAttempt, _ATTEMPT_COLUMNS), row_attnames(Order, _ORDER_COLUMNS)
    columns = ([column("a", PaymentAttempt, name) for name in attempt_names]
               + [column("o", Order, name) for name in order_names] + [column("r", Researcher, "language")])
    lock = " FOR UPDATE OF o" if connection.features.has_select_for_update_of else ""
    statement = (f"SELECT {', '.join(columns)} FROM {quote(PaymentAttempt._meta.db_table)} a "
                 f"JOIN {quote(Order._meta.db_table)} o "
                 f"ON {column('o', Order, 'id')} = {column('a', PaymentAttempt, 'order')} "
                 f"LEFT JOIN {quote(Researcher._meta.db_table)} r "
                 f"ON {column('r', Researcher, 'id')} = {column('o', Order, 'researcher')} "
                 f"WHERE {column('a', PaymentAttempt, 'out_trade_no')} = %s LIMIT 1{lock}")
    return attempt_names, order_names, statement


def _attempt_with_locked_order(out_trade_no: str) -> PaymentAttempt | None:
    """The attempt with this out_trade_no, its order locked (select_for_update) and the order's author's language
    loaded (for the notice), as model instances; None if there is no such attempt."""
    attempt_names, order_names, statement = _attempt_lock_plan()
    with connection.cursor() as cursor:
        cursor.execute(statement, [out_trade_no])
        row = cursor.fetchone()
    if row is None:
        return None
    attempt = row_instance(PaymentAttempt, attempt_names, row[:len(attempt_names)])
    order = row_instance(Order, order_names, row[len(attempt_names):-1])
    if order.researcher_id is not None:
        order.researcher = row_instance(Researcher, ["id", "language"], [order.researcher_id, row[-1]])
    attempt.order = order
    return attempt


def payment_notification_receive(*, headers: Any, body: bytes) -> str:
    """Verify and apply one payment notification; returns the outcome. Raises wechatpay.NotificationRejected."""
    envelope = wechatpay.notification_open(headers=headers, body=body)
    resource = envelope["resource"]
    event_id, event_type = _text(envelope.get("id")), _text(envelope.get("event_type"))
    raw_body = body.decode("utf-8", errors="replace")
    out_trade_no = _text(resource.get("out_trade_no"), 32)
    with transaction.atomic():
        # One statement finds the attempt and locks its order (with the author, for the notice's language). The
        # attempt's columns may predate a delivery this one waited for; the outcome is decided on the order's,
        # which the lock re-reads (payments.services.paying.attempt_apply_transaction).
        attempt = _attempt_with_locked_order(out_trade_no)
        order = attempt.order if attempt else None
        if attempt is None:
            PaymentEvent.objects.create(source=EventSource.PAYMENT_NOTIFY, event_id=event_id, event_type=event_type,
                                        out_trade_no=out_trade_no, raw_body=raw_body, resource=resource,
                                        outcome=EventOutcome.UNKNOWN_ORDER, flagged=True,
                                        detail="no payment attempt with this out_trade_no")
            logger.warning("payment notification for unknown out_trade_no %r", out_trade_no)
            return EventOutcome.UNKNOWN_ORDER
        return attempt_apply_transaction(attempt=attempt, order=order, wechat_transaction=resource,
                                         source=EventSource.PAYMENT_NOTIFY, raw_body=raw_body, event_id=event_id,
                                         event_type=event_type)


def refund_notification_receive(*, headers: Any, body: bytes) -> str:
    """Verify and apply one refund notification; returns the outcome. Raises wechatpay.NotificationRejected."""
    envelope = wechatpay.notification_open(headers=headers, body=body)
    resource = envelope["resource"]
    event_id, event_type = _text(envelope.get("id")), _text(envelope.get("event_type"))
    raw_body = body.decode("utf-8", errors="replace")
    out_refund_no = _text(resource.get("out_refund_no"))
    with transaction.atomic():
        refund = Refund.objects.filter(out_refund_no=out_refund_no).only("order_id").first()
        if refund is None:
            PaymentEvent.objects.create(source=EventSource.REFUND_NOTIFY, event_id=event_id, event_type=event_type,
                                        out_trade_no=_text(resource.get("out_trade_no"), 32), raw_body=raw_body,
                                        resource=resource, outcome=EventOutcome.UNKNOWN_ORDER, flagged=True,
                                        detail="no refund with this out_refund_no")
            logger.warning("refund notification for unknown out_refund_no %r", out_refund_no)
            return EventOutcome.UNKNOWN_ORDER
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        refund = Refund.objects.select_related("attempt").get(pk=refund.pk)
        return refund_apply_result(refund=refund, order=order, wechat_refund=resource,
                                   source=EventSource.REFUND_NOTIFY, raw_body=raw_body, event_id=event_id,
                                   event_type=event_type)


def refund_apply_result(*, refund: Refund, order: Order, wechat_refund: dict, source: str, raw_body: str = "",
                        event_id: str = "", event_type: str = "") -> str:
    """Apply WeChat Pay's word on one refund (a notification's or a query's) to the locked order, once.

    SUCCESS moves the refund to succeeded and adds its amount to the order's refunded total (refunded or
    partially refunded), and tells the author; CLOSED and ABNORMAL are recorded (ABNORMAL flagged for staff)."""
    amount = wechat_refund.get("amount") if isinstance(wechat_refund.get("amount"), dict) else {}
    expected_trade_no = refund.attempt.out_trade_no if refund.attempt else ""
    mismatches = [name for name, expected, got in (
        ("mchid", settings.WECHATPAY_MCH_ID, wechat_refund.get("mchid", settings.WECHATPAY_MCH_ID)),
        ("out_trade_no", expected_trade_no, wechat_refund.get("out_trade_no")),
        ("amount", refund.amount_fen, amount.get("refund")),
    ) if expected != got]
    # Notifications name the state refund_status; the refund API's answers name it status.
    state = wechat_refund.get("refund_status") or wechat_refund.get("status")
    flagged = False
    if mismatches:
        outcome, detail, flagged = EventOutcome.MISMATCH, "mismatch: " + ", ".join(mismatches), True
    elif refund.status != RefundStatus.PROCESSING:
        outcome, detail = EventOutcome.DUPLICATE, f"refund already {refund.status}"
    elif state == "SUCCESS":
        refund.status = RefundStatus.SUCCEEDED
        refund.refund_id = _text(wechat_refund.get("refund_id"))
        refund.succeeded_at = timezone.now()
        refund.save(update_fields=["status", "refund_id", "succeeded_at"])
        if refund.attempt is not None and refund.attempt.transaction_id == order.transaction_id:
            order.refunded_fen += refund.amount_fen
            order.status = (OrderStatus.REFUNDED if order.refunded_fen >= order.amount_fen
                            else OrderStatus.PARTIALLY_REFUNDED)
            order.save(update_fields=["refunded_fen", "status", "updated_at"])
        _refund_done_notify(order=order, refund=refund)
        outcome, detail = EventOutcome.APPLIED, "refunded"
    elif state in ("CLOSED", "ABNORMAL"):
        refund.status = RefundStatus.CLOSED if state == "CLOSED" else RefundStatus.ABNORMAL
        refund.save(update_fields=["status"])
        flagged = state == "ABNORMAL"
        outcome, detail = EventOutcome.APPLIED, f"refund {state}"
    else:
        outcome, detail = EventOutcome.IGNORED, f"refund status {state}"
    if flagged and not order.needs_attention:
        order.needs_attention = True
        order.save(update_fields=["needs_attention", "updated_at"])
    PaymentEvent.objects.create(order=order, source=source, event_id=event_id, event_type=event_type,
                                out_trade_no=expected_trade_no, raw_body=raw_body, resource=wechat_refund,
                                outcome=outcome, detail=detail[:300], flagged=flagged)
    return outcome


def _refund_done_notify(*, order: Order, refund: Refund) -> None:
    if not order.researcher_id:
        return
    language = Researcher.objects.filter(pk=order.researcher_id).values_list("language", flat=True).first()
    with translation.override(language or "zh-hans"):
        notification_create(
            researcher_id=order.researcher_id, kind="refund_done", dedupe_key=f"refund_done:{refund.pk}",
            title=_("Refund done"), body=order.description, page=f"packages/payments/order?id={order.pk}",
            thread=f"order:{order.pk}",
            payload={"order_id": order.pk, "amount_fen": refund.amount_fen, "order_no": order.out_trade_no,
                     "reason": refund.reason, "refunded_at": timezone.localtime(refund.succeeded_at).isoformat()})
