"""Vouchers: a code that takes a percentage or a fixed amount off one order.

Invariants:
- One voucher per order (VoucherRedemption is one-to-one with the order; the order row is locked throughout).
- A voucher is never used more than `max_uses` times, whatever runs concurrently: the use is counted with a
  conditional UPDATE (`used_count < max_uses`), which waits for a concurrent redemption's commit and then
  counts nothing once the voucher is used up (and a CheckConstraint backs it).
- The discount never takes the order below zero; percent discounts round down to the fen. Live WeChat Pay
  prepays are closed before the amount changes (a prepay carries the old amount). An order the voucher makes
  free is settled at once (settled_by "waived").
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Researcher
from payments.errors import OrderPaid, VoucherRefused
from payments.models import (
    AuditAction,
    Order,
    OrderAudit,
    OrderStatus,
    SettledBy,
    Voucher,
    VoucherKind,
    VoucherRedemption,
)
from payments.services.paying import attempts_close_open, order_attempts_check, order_refuse_unpayable
from payments.services.settlement import order_settle
from publisher_backend.errors import Throttled
from publisher_backend.ratelimit import rate_limit_hit

NOT_FOUND = _("This voucher code is not valid.")
EXPIRED = _("This voucher has expired.")
USED_UP = _("This voucher has been used up.")
OTHER_JOURNAL = _("This voucher is for another journal.")
ALREADY_APPLIED = _("This order already has a voucher.")


def voucher_code_normalized(code: str) -> str:
    """Codes are stored in capitals without spaces; researchers type them any way."""
    return "".join(code.split()).upper()


def voucher_discount_fen(*, voucher: Voucher, amount_fen: int) -> int:
    """What `voucher` takes off an amount: percent rounds down to the fen; never more than the amount."""
    if voucher.kind == VoucherKind.PERCENT:
        discount = amount_fen * (voucher.percent_off or 0) // 100
    else:
        discount = voucher.amount_off_fen or 0
    return max(0, min(discount, amount_fen))


def voucher_attempt_limit(*, researcher: Researcher) -> None:
    """Count one voucher attempt of the researcher: 429 beyond PAYMENTS_VOUCHER_ATTEMPTS (codes are short
    enough to guess)."""
    retry_after = rate_limit_hit(key=f"voucher:researcher:{researcher.pk}", rate=settings.PAYMENTS_VOUCHER_ATTEMPTS)
    if retry_after:
        raise Throttled(retry_after_seconds=retry_after,
                        message=_("Too many voucher attempts. Please try again later."))


def voucher_apply(*, order_id: int, code: str) -> Order:
    """Apply the voucher `code` to the order (the caller checked the researcher may see it). Locks the order;
    409 for an order no longer payable; 400 fields.code when the code is unknown, inactive, expired, for another
    journal, used up, or the order has a voucher already. The discount is taken off the original amount and
    capped at what is still due; audited; an order left at 0 is settled as waived. When closing a live prepay
    finds the order paid meanwhile, nothing changes, that payment is applied and OrderPaid (409) is raised."""
    normalized = voucher_code_normalized(code)
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            order_refuse_unpayable(order)
            if VoucherRedemption.objects.filter(order=order).exists():
                raise VoucherRefused(ALREADY_APPLIED)
            voucher = Voucher.objects.filter(code=normalized, active=True).first() if normalized else None
            if voucher is None:
                raise VoucherRefused(NOT_FOUND)
            if voucher.expires_at <= timezone.now():
                raise VoucherRefused(EXPIRED)
            if voucher.journal_id is not None and voucher.journal_id != order.journal_id:
                raise VoucherRefused(OTHER_JOURNAL)
            if voucher.used_count >= voucher.max_uses:
                raise VoucherRefused(USED_UP)
            discount_fen = min(voucher_discount_fen(voucher=voucher, amount_fen=order.original_amount_fen),
                               order.amount_fen)
            attempts_close_open(order=order)
            counted = Voucher.objects.filter(pk=voucher.pk, used_count__lt=F("max_uses")).update(
                used_count=F("used_count") + 1)
            if not counted:  # the last use went to a concurrent redemption, committed while we waited
                raise VoucherRefused(USED_UP)
            VoucherRedemption.objects.create(voucher=voucher, order=order, discount_fen=discount_fen)
            order.discount_fen += discount_fen
            order.amount_fen -= discount_fen
            order.status = OrderStatus.CREATED  # open prepays were closed: paying starts again at the new amount
            order.save(update_fields=["discount_fen", "amount_fen", "status", "updated_at"])
            reason = f"voucher {voucher.code}"
            OrderAudit.objects.create(order=order, action=AuditAction.VOUCHER, amount_fen=discount_fen, reason=reason)
            if order.amount_fen == 0:
                OrderAudit.objects.create(order=order, action=AuditAction.WAIVED, amount_fen=0, reason=reason)
                order_settle(order=order, settled_by=SettledBy.WAIVED, notify=False)
    except OrderPaid:
        order_attempts_check(order_id=order_id)  # a close found it paid meanwhile: apply that payment
        raise
    return order
