"""Reconciliation (flow 5): WeChat Pay's own records repair ours when a notification never came.

- A payment attempt still open `PAYMENTS_RECONCILE_AFTER_SECONDS` after its prepay is queried by out_trade_no and
  the real state applied (a success settles the order exactly as a notification would; a closed or expired
  prepay is closed). An order row another worker holds is skipped, not waited for, and tried next time.
- An unpaid order past its expiry is closed: its open prepays are closed at WeChat Pay first (a close refused
  because the payer just paid applies that payment instead).
- A refund still processing is queried, and re-sent under the same out_refund_no if WeChat Pay never got it.
Run by beat (`payments.tasks.reconcile`) and by `manage.py payments_reconcile --from … --to …`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from payments import wechatpay
from payments.errors import OrderPaid, PaymentInvalid, PaymentsUnavailable
from payments.models import (
    OPEN_STATUSES,
    AttemptStatus,
    AuditAction,
    EventSource,
    Order,
    OrderAudit,
    OrderStatus,
    PaymentAttempt,
    Refund,
    RefundStatus,
)
from payments.services.callbacks import refund_apply_result
from payments.services.paying import attempt_reconcile_locked, attempts_close_open, order_attempts_check
from payments.services.refunds import refund_send

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass
class ReconcileSummary:
    attempts_checked: int = 0
    orders_paid: int = 0
    attempts_closed: int = 0
    orders_closed: int = 0
    refunds_checked: int = 0
    refunds_settled: int = 0
    skipped_busy: int = 0
    errors: list[str] = field(default_factory=list)


def _locked_order(order_id: int) -> Order | None:
    """The order, locked; None when another transaction holds it (a notification being applied)."""
    return Order.objects.select_for_update(skip_locked=True).filter(pk=order_id).first()


def attempt_reconcile(*, attempt_id: int, summary: ReconcileSummary) -> None:
    attempt = PaymentAttempt.objects.filter(pk=attempt_id, status=AttemptStatus.OPEN).first()
    if attempt is None:
        return
    try:
        with transaction.atomic():
            order = _locked_order(attempt.order_id)
            if order is None:
                summary.skipped_busy += 1
                return
            attempt = PaymentAttempt.objects.get(pk=attempt_id)
            if attempt.status != AttemptStatus.OPEN:
                return
            summary.attempts_checked += 1
            state = attempt_reconcile_locked(attempt=attempt, order=order)
            if state == "open" and attempt.prepay_expires_at and attempt.prepay_expires_at <= timezone.now():
                wechatpay.transaction_close(out_trade_no=attempt.out_trade_no)
                attempt.status = AttemptStatus.CLOSED
                attempt.save(update_fields=["status"])
                state = "closed"
            if state == "paid":
                summary.orders_paid += 1
            elif state == "closed":
                summary.attempts_closed += 1
                if (order.status == OrderStatus.PAYING
                        and not order.attempts.filter(status=AttemptStatus.OPEN).exists()):
                    order.status = OrderStatus.CREATED
                    order.save(update_fields=["status", "updated_at"])
    except (wechatpay.WeChatPayUnavailable, wechatpay.WeChatPayRefused, DatabaseError) as error:
        summary.errors.append(f"{attempt.out_trade_no}: {error}")
        logger.warning("reconciling %s failed: %s", attempt.out_trade_no, error)


def order_close_expired(*, order_id: int, summary: ReconcileSummary) -> None:
    try:
        with transaction.atomic():
            order = _locked_order(order_id)
            if order is None:
                summary.skipped_busy += 1
                return
            if order.status not in OPEN_STATUSES or not order.is_expired:
                return
            attempts_close_open(order=order)
            order.status = OrderStatus.CLOSED
            order.save(update_fields=["status", "updated_at"])
            OrderAudit.objects.create(order=order, action=AuditAction.CLOSED, reason="expired")
            summary.orders_closed += 1
    except OrderPaid:  # the payer paid just before the close (rolled back): apply that payment instead
        order_attempts_check(order_id=order_id)
        summary.orders_paid += 1
    except PaymentsUnavailable as error:
        summary.errors.append(f"order {order_id}: {error}")


def refund_reconcile(*, refund_id: int, summary: ReconcileSummary) -> None:
    refund = Refund.objects.select_related("attempt").filter(pk=refund_id, status=RefundStatus.PROCESSING).first()
    if refund is None:
        return
    summary.refunds_checked += 1
    try:
        found = wechatpay.refund_query(out_refund_no=refund.out_refund_no)
        if found is None:
            refund_send(refund=refund)  # never reached WeChat Pay: ask again, same out_refund_no
            return
        with transaction.atomic():
            order = _locked_order(refund.order_id)
            if order is None:
                summary.skipped_busy += 1
                return
            locked = Refund.objects.select_related("attempt").get(pk=refund_id)
            if (found.get("status") or "PROCESSING") != "PROCESSING":
                refund_apply_result(refund=locked, order=order, wechat_refund=found, source=EventSource.QUERY)
                summary.refunds_settled += 1
    except (wechatpay.WeChatPayUnavailable, wechatpay.WeChatPayRefused, PaymentInvalid, DatabaseError) as error:
        # A refusal on re-send (PaymentInvalid) has closed the refund and recorded WeChat Pay's words already.
        summary.errors.append(f"{refund.out_refund_no}: {error}")


def payments_reconcile(*, since: datetime | None = None, until: datetime | None = None,
                       progress: Progress | None = None) -> ReconcileSummary:
    """Reconcile attempts and refunds made in [since, until) (all when not given) that have been open long
    enough, and close expired unpaid orders. `progress(done, total)` is called as it goes."""
    now = timezone.now()
    settled_before = now - timedelta(seconds=settings.PAYMENTS_RECONCILE_AFTER_SECONDS)
    attempts = PaymentAttempt.objects.filter(status=AttemptStatus.OPEN, created_at__lte=settled_before)
    refunds = Refund.objects.filter(status=RefundStatus.PROCESSING, created_at__lte=settled_before)
    expired = Order.objects.filter(status__in=OPEN_STATUSES, expires_at__lte=now)
    if not wechatpay.wechatpay_enabled():  # nothing can be asked; expired orders without a prepay still close
        attempts, refunds = attempts.none(), refunds.none()
        expired = expired.exclude(attempts__status=AttemptStatus.OPEN)
    if since is not None:
        attempts, refunds, expired = (attempts.filter(created_at__gte=since), refunds.filter(created_at__gte=since),
                                      expired.filter(created_at__gte=since))
    if until is not None:
        attempts, refunds, expired = (attempts.filter(created_at__lt=until), refunds.filter(created_at__lt=until),
                                      expired.filter(created_at__lt=until))
    work = ([(attempt_reconcile, "attempt_id", pk) for pk in attempts.order_by("created_at").values_list("pk",
                                                                                                       flat=True)]
            + [(order_close_expired, "order_id", pk) for pk in expired.order_by("expires_at").values_list("pk",
                                                                                                         flat=True)]
            + [(refund_reconcile, "refund_id", pk) for pk in refunds.order_by("created_at").values_list("pk",
                                                                                                      flat=True)])
    summary = ReconcileSummary()
    for done, (step, name, pk) in enumerate(work, start=1):
        step(**{name: pk}, summary=summary)
        if progress is not None:
            progress(done, len(work))
    return summary
