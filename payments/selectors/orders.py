"""Which orders a researcher sees, and the share links that let someone else see one."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Researcher
from manuscripts.selectors import manuscript_ids_authored_by
from payments.models import OPEN_STATUSES, ChargeKind, Order, OrderShare, OrderStatus, SettledBy


def orders_for_researcher(*, researcher: Researcher, status: str | None = None) -> QuerySet[Order]:
    """Orders the researcher is the author of, paid for someone else, or that belong to a manuscript they see as
    an author (each co-author sees the manuscript's APC order). Unpaid first, then newest."""
    orders = (Order.objects.filter(Q(researcher=researcher) | Q(payer=researcher)
                                   | Q(manuscript_id__in=manuscript_ids_authored_by(researcher=researcher)))
              .select_related("journal", "manuscript", "payer", "researcher")
              .annotate(unpaid_first=Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1),
                                          output_field=IntegerField()))
              .order_by("unpaid_first", "-created_at", "-id"))
    if status:
        orders = orders.filter(status=status)
    return orders


def order_for_researcher(*, researcher: Researcher, order_id: int) -> Order | None:
    return orders_for_researcher(researcher=researcher).filter(pk=order_id).first()


def order_share_live(*, token: str) -> OrderShare | None:
    """The share link behind `token` while it lives (not revoked, not expired), with its order."""
    return (OrderShare.objects.select_related("order", "order__journal", "order__manuscript", "order__researcher")
            .filter(token=token, revoked_at__isnull=True, expires_at__gt=timezone.now()).first())


def order_share_for(*, order: Order) -> OrderShare | None:
    return OrderShare.objects.filter(order=order, revoked_at__isnull=True, expires_at__gt=timezone.now()).first()


def charge_kinds_by_code() -> dict[str, ChargeKind]:
    return {charge_kind.code: charge_kind for charge_kind in ChargeKind.objects.all()}


def charge_label(*, kind: str, language: str, charge_kinds: dict[str, ChargeKind] | None = None) -> str:
    """The charge kind's name in `language` (its code when staff removed it); pass `charge_kinds` when labelling
    many orders, so the table is read once."""
    charge_kind = (charge_kinds if charge_kinds is not None else charge_kinds_by_code()).get(kind)
    return charge_kind.localized_name(language) if charge_kind else kind


# Tagging rules read who paid through these. Who paid an order: its payer when someone else paid, else its author.
# Waived orders were paid by nobody; refunded in full counts as not paid.
_PAID_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)


def _paid_orders(*, kind: str):
    return Order.objects.filter(kind=kind, status__in=_PAID_STATUSES).exclude(settled_by=SettledBy.WAIVED)


def researcher_ids_who_paid(*, kind: str = "apc", journal_id: int | None = None) -> QuerySet:
    """Researchers who paid an order of this charge kind (optionally of one journal): a subquery of ids."""
    orders = _paid_orders(kind=kind)
    if journal_id is not None:
        orders = orders.filter(journal_id=journal_id)
    return (orders.annotate(paid_by_id=Coalesce("payer_id", "researcher_id")).filter(paid_by_id__isnull=False)
            .values("paid_by_id"))


def order_payer_ids(*, order_ids) -> list[int]:
    """Who paid these orders (payer, else author), each once."""
    return sorted({payer or author for payer, author in
                   Order.objects.filter(pk__in=order_ids).values_list("payer_id", "researcher_id")
                   if payer or author})


def order_with_journal(*, order_id: int) -> Order | None:
    """An order with its journal, for what other systems are told when it is paid (tagging's webhooks)."""
    return Order.objects.select_related("journal").filter(pk=order_id).first()


def orders_for_staff() -> QuerySet[Order]:
    """Every order with its journal, for other systems (staff API, exports)."""
    return Order.objects.select_related("journal")
