"""Paying an order with WeChat Pay (flow 5), by its author or by whoever opens its share link.

Each payer gets a `PaymentAttempt` with its own out_trade_no and prepay: WeChat binds a prepay to the openid it
was made for, so a colleague paying a shared order cannot reuse the author's. Paying again reuses the payer's
live prepay (same amount, still valid for a few minutes). Before a new attempt, every other open attempt is
closed at WeChat Pay, under the order's row lock: two payers can never both complete a payment, and a close that
WeChat refuses because the order was paid meanwhile applies that payment instead (then the caller gets 409).
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Researcher
from accounts.selectors import wechat_recipients
from payments import wechatpay
from payments.errors import OrderClosed, OrderExpired, OrderPaid, PaymentsUnavailable
from payments.models import (
    OPEN_STATUSES,
    AttemptStatus,
    EventOutcome,
    EventSource,
    Order,
    OrderShare,
    OrderStatus,
    PaymentAttempt,
    PaymentEvent,
)
from payments.services.settlement import order_settle
from publisher_backend.dispatch import enqueue_on_commit
from publisher_backend.rows import row_insert, row_update

logger = logging.getLogger(__name__)

BEIJING_OFFSET = timedelta(hours=8)
# A live prepay is reused only if it stays valid long enough for the payer to finish.
PREPAY_REUSE_MARGIN = timedelta(minutes=5)


def order_refuse_unless_open(order: Order) -> None:
    """409 order_paid or order_closed unless the order is still to be paid."""
    if order.status not in OPEN_STATUSES:
        raise OrderClosed() if order.status == OrderStatus.CLOSED else OrderPaid()


def order_refuse_unpayable(order: Order) -> None:
    """order_refuse_unless_open, and 409 order_expired past its expiry: what anyone about to pay is told."""
    order_refuse_unless_open(order)
    if order.is_expired:
        raise OrderExpired()


def _rfc3339_beijing(moment) -> str:
    return timezone.localtime(moment, timezone.get_fixed_timezone(BEIJING_OFFSET)).isoformat(timespec="seconds")


def attempt_apply_transaction(*, attempt: PaymentAttempt, order: Order, wechat_transaction: dict,
                              source: str, raw_body: str = "", event_id: str = "", event_type: str = "") -> str:
    """Apply what WeChat Pay says of one attempt (a notification's or a query's Transaction) to the locked order.

    Checks mchid, appid, out_trade_no, amount and currency against the attempt (wechatpayv3 checks none). A
    mismatch is kept and flagged and never settles. SUCCESS settles an open order once; a success for an order
    settled another way is a second payment: kept, flagged, and refunded in full after commit. Whether it was applied
    already is also read on the order's transaction id, since the locked order is current even where the attempt
    was read before the lock was granted. Returns the outcome.
    """
    amount = wechat_transaction.get("amount") if isinstance(wechat_transaction.get("amount"), dict) else {}
    mismatches = [name for name, expected, got in (
        ("mchid", settings.WECHATPAY_MCH_ID, wechat_transaction.get("mchid")),
        ("appid", settings.WECHAT_APP_ID, wechat_transaction.get("appid")),
        ("out_trade_no", attempt.out_trade_no, wechat_transaction.get("out_trade_no")),
        ("amount", attempt.amount_fen, amount.get("total")),
        ("currency", "CNY", amount.get("currency", "CNY")),
    ) if expected != got]
    trade_state = wechat_transaction.get("trade_state")
    flagged = False
    if mismatches:
        outcome, detail, flagged = EventOutcome.MISMATCH, "mismatch: " + ", ".join(mismatches), True
    elif trade_state != "SUCCESS":
        outcome, detail = EventOutcome.IGNORED, f"trade_state {trade_state}"
    elif attempt.status == AttemptStatus.PAID or (
            order.transaction_id and order.transaction_id == wechat_transaction.get("transaction_id")):
        outcome, detail = EventOutcome.DUPLICATE, "already applied"
    elif order.status in OPEN_STATUSES:
        _attempt_mark_paid(attempt, transaction_id=wechat_transaction.get("transaction_id"))
        order_settle(order=order, settled_by="wechat_pay", transaction_id=attempt.transaction_id,
                     paid_at=_parsed_time(wechat_transaction.get("success_time")), payer_id=attempt.payer_id)
        outcome, detail = EventOutcome.APPLIED, "paid"
    else:
        # The order was settled another way (another attempt, a bank transfer): this money goes back, after commit.
        _attempt_mark_paid(attempt, transaction_id=wechat_transaction.get("transaction_id"))
        enqueue_on_commit("payments.tasks.refund_second_payment", attempt.pk)
        outcome, detail, flagged = EventOutcome.MISMATCH, f"second payment of an order already {order.status}", True
    if flagged and not order.needs_attention:
        order.needs_attention = True
        order.save(update_fields=["needs_attention", "updated_at"])
    row_insert(PaymentEvent(order=order, source=source, event_id=event_id[:64], event_type=event_type[:64],
                            out_trade_no=attempt.out_trade_no, raw_body=raw_body, resource=wechat_transaction,
                            outcome=outcome, detail=detail[:300], flagged=flagged))
    if flagged:
        logger.warning("payment %s for order %s flagged: %s", attempt.out_trade_no, order.pk, detail)
    return outcome


def _attempt_mark_paid(attempt: PaymentAttempt, *, transaction_id: object) -> None:
    attempt.status = AttemptStatus.PAID
    attempt.transaction_id = str(transaction_id or "")[:64]
    row_update(attempt, ["status", "transaction_id"])


def _parsed_time(value):
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def attempts_close_open(*, order: Order) -> None:
    """Close every open attempt of the locked `order` at WeChat Pay, before its amount or payer changes or it is
    settled another way. Raises OrderPaid when WeChat Pay refuses because an attempt was paid meanwhile: the
    caller's transaction then rolls back, and `order_attempts_check` (or the notification, or
    reconciliation) applies that payment. WeChat Pay unreachable raises PaymentsUnavailable."""
    for attempt in order.attempts.filter(status=AttemptStatus.OPEN):
        try:
            wechatpay.transaction_close(out_trade_no=attempt.out_trade_no)
        except wechatpay.WeChatPayRefused as refusal:
            if refusal.code == "ORDERPAID":
                raise OrderPaid() from refusal
            logger.warning("closing %s refused: %s", attempt.out_trade_no, refusal)
        except wechatpay.WeChatPayUnavailable as error:
            raise PaymentsUnavailable() from error
        attempt.status = AttemptStatus.CLOSED
        attempt.save(update_fields=["status"])


def order_attempts_check(*, order_id: int) -> None:
    """Ask WeChat Pay about the order's open attempts and apply what it says, in a transaction of its own: after a
    close found the order paid meanwhile (whose own transaction rolled back), or while a payer waits."""
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            for attempt in order.attempts.filter(status=AttemptStatus.OPEN):
                attempt_reconcile_locked(attempt=attempt, order=order)
    except (wechatpay.WeChatPayUnavailable, wechatpay.WeChatPayRefused) as error:
        logger.warning("order %s was paid meanwhile, but WeChat Pay did not say how (%s); reconciliation will",
                       order_id, error)


def order_payment_check(*, order: Order) -> Order:
    """While a payer waits for the confirmation (the Mini Program polls the order after wx.requestPayment), ask
    WeChat Pay about an order in `paying` rather than wait for its notification: at most once per
    PAYMENTS_PAYING_CHECK_SECONDS per order, whoever asks. Returns the order as it is now."""
    if order.status != OrderStatus.PAYING or not wechatpay.wechatpay_enabled():
        return order
    try:
        first = cache.add(f"payments:paying-check:{order.pk}", 1, timeout=settings.PAYMENTS_PAYING_CHECK_SECONDS)
    except Exception:  # noqa: BLE001 - without the cache, don't ask: the notification and reconciliation will
        logger.warning("paying check for order %s skipped: the cache is unreachable", order.pk, exc_info=True)
        return order
    if first:
        order_attempts_check(order_id=order.pk)
        order.refresh_from_db()
    return order


def attempt_reconcile_locked(*, attempt: PaymentAttempt, order: Order) -> str:
    """Ask WeChat Pay about one attempt and apply the answer; "paid", "closed" or "open"."""
    found = wechatpay.transaction_query(out_trade_no=attempt.out_trade_no)
    attempt.checked_at = timezone.now()
    attempt.save(update_fields=["checked_at"])
    if found is None:
        attempt.status = AttemptStatus.CLOSED
        attempt.save(update_fields=["status"])
        return "closed"
    trade_state = found.get("trade_state")
    if trade_state in ("SUCCESS", "REFUND"):
        found = {**found, "trade_state": "SUCCESS"}  # refunded later still means it was paid
        attempt_apply_transaction(attempt=attempt, order=order, wechat_transaction=found, source=EventSource.QUERY)
        return "paid" if attempt.status == AttemptStatus.PAID else "open"
    PaymentEvent.objects.create(order=order, source=EventSource.QUERY, out_trade_no=attempt.out_trade_no,
                                resource=found, outcome=EventOutcome.IGNORED, detail=f"trade_state {trade_state}")
    if trade_state in ("CLOSED", "REVOKED", "PAYERROR"):
        attempt.status = AttemptStatus.CLOSED
        attempt.save(update_fields=["status"])
        return "closed"
    return "open"


def _attempt_create(*, order: Order, payer: Researcher, openid: str) -> PaymentAttempt:
    """A new attempt for `payer` with its WeChat Pay prepay (the order is locked, other attempts closed)."""
    prepay_expires_at = min(timezone.now() + timedelta(seconds=settings.PAYMENTS_PREPAY_TTL_SECONDS),
                            order.expires_at)
    attempt = PaymentAttempt.objects.create(
        order=order, out_trade_no=f"{order.out_trade_no}P{order.attempts.count() + 1}", payer=payer, openid=openid,
        amount_fen=order.amount_fen, prepay_expires_at=prepay_expires_at)
    try:
        attempt.prepay_id = wechatpay.prepay_create(
            out_trade_no=attempt.out_trade_no, description=order.description, amount_fen=order.amount_fen,
            openid=openid, time_expire=_rfc3339_beijing(prepay_expires_at), notify_url=wechatpay.notify_url("payment"))
    except wechatpay.WeChatPayUnavailable as error:
        raise PaymentsUnavailable() from error
    except wechatpay.WeChatPayRefused as refusal:
        logger.error("prepay for %s refused: %s", attempt.out_trade_no, refusal)
        raise PaymentsUnavailable() from refusal
    attempt.save(update_fields=["prepay_id"])
    return attempt


def order_pay(*, order_id: int, payer: Researcher) -> dict[str, str]:
    """The wx.requestPayment object for `payer` to pay the order (its author, or whoever holds its share link;
    the caller checked which). Reuses the payer's live prepay; otherwise closes other open attempts and makes a
    new prepay, all under the order's row lock. 409 for a paid, closed or expired order; 503 when WeChat Pay is
    off or unreachable (nothing changes)."""
    if not wechatpay.wechatpay_enabled():
        raise PaymentsUnavailable()
    openid = wechat_recipients(researcher_ids=[payer.pk], appid=settings.WECHAT_APP_ID).get(payer.pk, ("", ""))[0]
    if not openid:
        raise PaymentsUnavailable()
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            order_refuse_unpayable(order)
            live = (order.attempts.filter(status=AttemptStatus.OPEN, payer=payer, openid=openid,
                                          amount_fen=order.amount_fen,
                                          prepay_expires_at__gt=timezone.now() + PREPAY_REUSE_MARGIN)
                    .exclude(prepay_id="").first())
            if live is None:
                attempts_close_open(order=order)
                live = _attempt_create(order=order, payer=payer, openid=openid)
            if order.status == OrderStatus.CREATED:
                order.status = OrderStatus.PAYING
                order.save(update_fields=["status", "updated_at"])
    except OrderPaid:
        order_attempts_check(order_id=order_id)  # a close found it paid meanwhile: apply that payment
        raise
    return wechatpay.request_payment_params(prepay_id=live.prepay_id)


def order_share_create(*, order: Order) -> OrderShare:
    """The order's live share link (made once; the same link while it lives). It expires with the order."""
    now = timezone.now()
    order_refuse_unpayable(order)
    with transaction.atomic():
        Order.objects.select_for_update().filter(pk=order.pk).first()
        share = OrderShare.objects.filter(order=order, revoked_at__isnull=True).first()
        if share is not None and share.expires_at > now:
            return share
        if share is not None:
            share.revoked_at = now
            share.save(update_fields=["revoked_at"])
        return OrderShare.objects.create(
            order=order, token=secrets.token_urlsafe(24),
            expires_at=min(now + timedelta(days=settings.PAYMENTS_SHARE_TTL_DAYS), order.expires_at))


def order_share_revoke(*, order: Order) -> int:
    """Revoke the order's live share link; how many were revoked (0 or 1)."""
    return OrderShare.objects.filter(order=order, revoked_at__isnull=True).update(revoked_at=timezone.now())
