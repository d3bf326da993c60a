"""Creating orders (by staff, or by the APC rule when a manuscript is accepted), discounting and waiving them.

Every change of what an order asks for is written to `OrderAudit` with who did it and why. Amounts are integer
fen. The APC rule makes one order per manuscript (its `rule_key` is unique), whatever the number of co-authors,
syncs or replayed events, and tells each author through `notification_create` (dedupe key per order and author).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Journal, Researcher
from manuscripts.events import StatusChange
from manuscripts.selectors import manuscript_for_payments, manuscript_readers
from manuscripts.status import CanonicalStatus
from notifications.services import notification_create
from payments.errors import OrderPaid, PaymentInvalid
from payments.models import OPEN_STATUSES, AuditAction, ChargeKind, Order, OrderAudit, OrderStatus, SettledBy
from payments.selectors.orders import charge_label
from payments.services.paying import attempts_close_open, order_attempts_check
from payments.services.settlement import order_settle

logger = logging.getLogger(__name__)

# Order numbers and transfer references: letters and digits nobody confuses when copying them by hand.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _random_code(length: int) -> str:
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(length))


def charge_amount_fen(*, journal: Journal | None, kind: str) -> int | None:
    """What the journal charges for `kind`, from its configured charges (journals_import / admin)."""
    for charge in (journal.charges if journal else None) or []:
        if isinstance(charge, dict) and charge.get("kind") == kind and isinstance(charge.get("amount_fen"), int):
            return charge["amount_fen"]
    return None


def order_create(*, researcher: Researcher, kind: str, amount_fen: int, journal: Journal | None = None,
                 manuscript_id: int | None = None, description: str = "", reason: str = "", created_by=None,
                 rule_key: str | None = None, expires_at=None) -> Order:
    """Create an unpaid order (audited). Raises PaymentInvalid for an unknown kind or an amount that is not a
    positive integer of fen; IntegrityError when `rule_key` exists already (callers that replay catch it)."""
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise PaymentInvalid(fields={"amount_fen": [_("Enter a positive whole number of fen.")]})
    if not ChargeKind.objects.filter(code=kind).exists():
        raise PaymentInvalid(fields={"kind": [_("Unknown charge kind.")]})
    now = timezone.now()
    if not description:
        description = charge_label(kind=kind, language="zh-hans")
        if journal is not None:
            description = f"{journal.localized_name('zh-hans')} {description}"
    with transaction.atomic():
        order = Order.objects.create(
            researcher=researcher, kind=kind, journal=journal, manuscript_id=manuscript_id,
            description=description[:127], original_amount_fen=amount_fen, amount_fen=amount_fen,
            out_trade_no=f"SL{timezone.localdate():%y%m%d}{_random_code(8)}",
            transfer_reference=f"SLT{_random_code(8)}", rule_key=rule_key, created_by=created_by,
            expires_at=expires_at or now + timedelta(days=settings.PAYMENTS_ORDER_TTL_DAYS))
        OrderAudit.objects.create(order=order, actor=created_by, action=AuditAction.CREATED, amount_fen=amount_fen,
                                  reason=reason[:300])
    return order


def apc_orders_for_status_changes(*, changes: list[StatusChange]) -> int:
    """The APC rule: for each manuscript that reached `accepted`, create its journal's APC order once and tell
    its authors that payment is due. Returns how many orders were new. Idempotent (rule_key, dedupe keys)."""
    created = 0
    for change in changes:
        if change.to_status != CanonicalStatus.ACCEPTED:
            continue
        manuscript = manuscript_for_payments(manuscript_id=change.manuscript_id)
        amount_fen = charge_amount_fen(journal=manuscript.journal if manuscript else None, kind="apc")
        if manuscript is None or amount_fen is None:
            continue
        readers = manuscript_readers(manuscript_id=manuscript.pk)
        if not readers:
            continue
        rule_key = f"apc:manuscript:{manuscript.pk}"
        with transaction.atomic():
            order = Order.objects.filter(rule_key=rule_key).first()
            if order is None:
                try:
                    with transaction.atomic():
                        order = order_create(
                            researcher=Researcher.objects.get(pk=readers[0][0]), kind="apc", amount_fen=amount_fen,
                            journal=manuscript.journal, manuscript_id=manuscript.pk, rule_key=rule_key,
                            reason="accepted", description=f"APC {manuscript.journal.localized_name('zh-hans')}")
                    created += 1
                except IntegrityError:  # another worker's replay made it first
                    order = Order.objects.get(rule_key=rule_key)
            if order.status in OPEN_STATUSES:
                _payment_due_notify(order=order, title=manuscript.title, readers=readers)
    return created


def payment_due_payload(*, order: Order, language: str) -> dict:
    """What a "payment due" notice carries (its template's keywords read these: amount_fen, due_date, …)."""
    return {"order_id": order.pk, "amount_fen": order.amount_fen, "order_no": order.out_trade_no,
            "due_date": timezone.localdate(order.expires_at).isoformat(),
            "journal": order.journal.localized_name(language) if order.journal else ""}


def _payment_due_notify(*, order: Order, title: str, readers: list[tuple[int, str]]) -> None:
    for researcher_id, language in readers:
        with translation.override(language):
            notification_create(
                researcher_id=researcher_id, kind="payment_due", dedupe_key=f"payment_due:{order.pk}:{researcher_id}",
                title=_("Payment due: %(charge)s") % {"charge": charge_label(kind=order.kind, language=language)},
                body=title[:200], page=f"packages/payments/order?id={order.pk}", thread=f"order:{order.pk}",
                payload=payment_due_payload(order=order, language=language))


@contextmanager
def _payment_found_applied(order_id: int) -> Iterator[None]:
    """Around a change that closes prepays first: if a close finds the order paid meanwhile, the change's
    transaction rolls back and that payment is applied (OrderPaid still reaches the caller)."""
    try:
        yield
    except OrderPaid:
        order_attempts_check(order_id=order_id)
        raise


def order_discount(*, order_id: int, discount_fen: int, reason: str, actor) -> Order:
    """Staff lower what an unpaid order asks (audited, reason required). Any open WeChat Pay prepay is closed
    first, since it was made for the old amount."""
    if not reason.strip():
        raise PaymentInvalid(fields={"reason": [_("Say why.")]})
    with _payment_found_applied(order_id), transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status not in OPEN_STATUSES:
            raise PaymentInvalid(_("Only an unpaid order can be discounted."))
        if not isinstance(discount_fen, int) or discount_fen < 0 or discount_fen > order.original_amount_fen:
            raise PaymentInvalid(fields={"discount_fen": [_("Enter a whole number of fen, at most the amount.")]})
        attempts_close_open(order=order)
        order.discount_fen = discount_fen
        order.amount_fen = order.original_amount_fen - discount_fen
        order.status = OrderStatus.CREATED
        order.save(update_fields=["discount_fen", "amount_fen", "status", "updated_at"])
        OrderAudit.objects.create(order=order, actor=actor, action=AuditAction.DISCOUNTED, amount_fen=discount_fen,
                                  reason=reason[:300])
    return order


def order_waive(*, order_id: int, reason: str, actor) -> Order:
    """Staff waive an unpaid order: nothing is due and it counts as settled (audited, reason required)."""
    if not reason.strip():
        raise PaymentInvalid(fields={"reason": [_("Say why.")]})
    with _payment_found_applied(order_id), transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status not in OPEN_STATUSES:
            raise PaymentInvalid(_("Only an unpaid order can be waived."))
        attempts_close_open(order=order)
        order.discount_fen = order.original_amount_fen
        order.amount_fen = 0
        OrderAudit.objects.create(order=order, actor=actor, action=AuditAction.WAIVED,
                                  amount_fen=order.original_amount_fen, reason=reason[:300])
        order_settle(order=order, settled_by=SettledBy.WAIVED, notify=False)
    return order
