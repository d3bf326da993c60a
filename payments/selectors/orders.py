"""Which orders a researcher sees, and the share links that let someone else see one."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import Researcher
from manuscripts.selectors import manuscript_ids_authored_by
from payments.models import OPEN_STATUSES, ChargeKind, Order, OrderShare


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


def orders_for_staff() -> QuerySet[Order]:
    """Every order with its journal, for other systems (staff API, exports)."""
    return Order.objects.select_related("journal")
