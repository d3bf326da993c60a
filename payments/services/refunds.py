"""Refunds, asked by staff (reason required, audited), fully or in part, of an order paid with WeChat Pay.

The refund row is committed before WeChat Pay is called, so a call whose answer is lost is never forgotten: the
refund stays `processing` and reconciliation asks WeChat Pay about it (re-sending the same out_refund_no, which
WeChat Pay treats as the same refund, if it never arrived). The amount asked can never exceed what was paid
less what is refunded or still processing, checked under the order's row lock.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from payments import wechatpay
from payments.errors import PaymentInvalid
from payments.formatting import fen_as_yuan
from payments.models import (
    AttemptStatus,
    AuditAction,
    EventOutcome,
    EventSource,
    Order,
    OrderAudit,
    OrderStatus,
    PaymentAttempt,
    PaymentEvent,
    Refund,
    RefundStatus,
    SettledBy,
)
from payments.services.callbacks import refund_apply_result

logger = logging.getLogger(__name__)


def refundable_fen(*, order: Order) -> int:
    """What can still be refunded: paid, less refunded and less refunds still processing."""
    processing = (order.refunds.filter(status=RefundStatus.PROCESSING).aggregate(total=Sum("amount_fen"))["total"]
                  or 0)
    return max(order.amount_fen - order.refunded_fen - processing, 0)


def refund_create(*, order_id: int, amount_fen: int, reason: str, actor) -> Refund:
    """Refund `amount_fen` of a WeChat Pay order. Raises PaymentInvalid (with the reason) for a refund that
    can't be made; returns the refund, `processing` until WeChat Pay's notification (or succeeded at once)."""
    reason = (reason or "").strip()
    if not reason:
        raise PaymentInvalid(fields={"reason": [_("Say why.")]})
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise PaymentInvalid(fields={"amount_fen": [_("Enter a positive whole number of fen.")]})
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status not in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED):
            raise PaymentInvalid(_("Only a paid order can be refunded."))
        if order.settled_by != SettledBy.WECHAT_PAY:
            raise PaymentInvalid(_("This order was not paid with WeChat Pay; refund it the way it was paid."))
        if amount_fen > refundable_fen(order=order):
            raise PaymentInvalid(fields={"amount_fen": [
                _("At most %(yuan)s can be refunded.") % {"yuan": fen_as_yuan(refundable_fen(order=order))}]})
        attempt = order.attempts.filter(status=AttemptStatus.PAID, transaction_id=order.transaction_id).first()
        if attempt is None:
            raise PaymentInvalid(_("The WeChat Pay payment of this order is not on record."))
        refund = Refund.objects.create(order=order, attempt=attempt, amount_fen=amount_fen, reason=reason[:80],
                                       out_refund_no=f"{order.out_trade_no}R{order.refunds.count() + 1}",
                                       requested_by=actor)
        OrderAudit.objects.create(order=order, actor=actor, action=AuditAction.REFUND_REQUESTED, amount_fen=amount_fen,
                                  reason=reason[:300])
    refund_send(refund=refund)
    refund.refresh_from_db()
    return refund


SECOND_PAYMENT_REASON = "重复支付，原路退回 (paid twice)"


def second_payment_refund(*, attempt_id: int) -> Refund | None:
    """Give back a WeChat Pay payment of an order that was already settled another way (another payer, a bank
    transfer, an agreement): the whole attempt, once (its refund number is fixed, so a replay finds it). Asked
    after the commit that flagged it (payments.tasks.refund_second_payment); None when there is nothing to give
    back."""
    with transaction.atomic():
        attempt = PaymentAttempt.objects.filter(pk=attempt_id, status=AttemptStatus.PAID).first()
        if attempt is None:
            return None
        order = Order.objects.select_for_update().get(pk=attempt.order_id)
        if attempt.transaction_id == order.transaction_id:
            return None  # this payment settled the order: staff refund it like any other
        refund, created = Refund.objects.get_or_create(
            out_refund_no=f"{attempt.out_trade_no}R1",
            defaults={"order": order, "attempt": attempt, "amount_fen": attempt.amount_fen,
                      "reason": SECOND_PAYMENT_REASON})
        if created:
            OrderAudit.objects.create(order=order, action=AuditAction.REFUND_REQUESTED, amount_fen=attempt.amount_fen,
                                      reason=f"{SECOND_PAYMENT_REASON}: {attempt.out_trade_no}")
    if refund.status == RefundStatus.PROCESSING:
        refund_send(refund=refund)
        refund.refresh_from_db()
    return refund


def refund_send(*, refund: Refund) -> None:
    """Ask WeChat Pay for a committed refund (again, with the same out_refund_no, if need be). A refusal closes
    the refund and raises PaymentInvalid; no answer leaves it processing for reconciliation."""
    attempt = refund.attempt
    try:
        answer = wechatpay.refund_create(out_trade_no=attempt.out_trade_no, out_refund_no=refund.out_refund_no,
                                         refund_fen=refund.amount_fen, total_fen=attempt.amount_fen,
                                         reason=refund.reason, notify_url=wechatpay.notify_url("refund"))
    except wechatpay.WeChatPayUnavailable as error:
        logger.warning("refund %s: WeChat Pay did not answer (%s); reconciliation will ask", refund.out_refund_no,
                       error)
        return
    except wechatpay.WeChatPayRefused as refusal:
        with transaction.atomic():
            Refund.objects.filter(pk=refund.pk, status=RefundStatus.PROCESSING).update(status=RefundStatus.CLOSED)
            PaymentEvent.objects.create(order_id=refund.order_id, source=EventSource.REFUND_REQUEST,
                                        out_trade_no=attempt.out_trade_no, outcome=EventOutcome.FAILED,
                                        resource={"code": refusal.code, "message": refusal.message},
                                        detail=str(refusal)[:300])
        raise PaymentInvalid(_("WeChat Pay refused the refund: %(message)s") % {"message": refusal.message}) \
            from refusal
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        locked = Refund.objects.select_related("attempt").get(pk=refund.pk)
        if (answer.get("status") or "PROCESSING") == "PROCESSING":
            PaymentEvent.objects.create(order=order, source=EventSource.REFUND_REQUEST,
                                        out_trade_no=attempt.out_trade_no, resource=answer,
                                        outcome=EventOutcome.IGNORED, detail="refund processing")
        else:
            refund_apply_result(refund=locked, order=order, wechat_refund=answer, source=EventSource.REFUND_REQUEST)
