"""What was paid, per day and per journal, for staff's totals page.

An order counts on the day it was paid, in the current time zone (settings.TIME_ZONE, Beijing time): a payment
at 00:30 in Beijing is that day's, not the UTC day before. Waived orders are left out (nothing was paid); what
was refunded is counted against the day and journal of the payment it returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Journal
from payments.models import OPEN_STATUSES, SETTLED_STATUSES, Order, SettledBy


@dataclass(frozen=True)
class PaidTotals:
    orders: int
    paid_fen: int
    refunded_fen: int

    @property
    def net_fen(self) -> int:
        return self.paid_fen - self.refunded_fen


@dataclass(frozen=True)
class OrderTotals:
    by_day: list[tuple[date, PaidTotals]]
    by_journal: list[tuple[Journal | None, PaidTotals]]
    overall: PaidTotals


def _paid_between(*, since: date, until: date) -> QuerySet[Order]:
    zone = timezone.get_current_timezone()
    starts = timezone.make_aware(datetime.combine(since, time.min), zone)
    ends = timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min), zone)
    return (Order.objects.filter(status__in=SETTLED_STATUSES, paid_at__gte=starts, paid_at__lt=ends)
            .exclude(settled_by=SettledBy.WAIVED))


def _totals(row: dict) -> PaidTotals:
    return PaidTotals(orders=row["orders"], paid_fen=row["paid_fen"] or 0, refunded_fen=row["refunded_fen"] or 0)


_SUMS = {"orders": Count("pk"), "paid_fen": Sum("amount_fen"), "refunded_fen": Sum("refunded_fen")}


def order_totals(*, since: date, until: date) -> OrderTotals:
    """Orders paid from `since` to `until` (both included, local days): count, paid and refunded fen, per day
    (oldest first), per journal (most paid first) and overall."""
    paid = _paid_between(since=since, until=until)
    by_day = (paid.annotate(day=TruncDate("paid_at", tzinfo=timezone.get_current_timezone()))
              .values("day").annotate(**_SUMS).order_by("day"))
    by_journal = list(paid.values("journal_id").annotate(**_SUMS).order_by("-paid_fen", "journal_id"))
    journals = Journal.objects.in_bulk([row["journal_id"] for row in by_journal if row["journal_id"]])
    overall = paid.aggregate(**_SUMS)
    return OrderTotals(by_day=[(row["day"], _totals(row)) for row in by_day],
                       by_journal=[(journals.get(row["journal_id"]), _totals(row)) for row in by_journal],
                       overall=_totals(overall))


def revenue_and_open_orders_by_journal() -> list[dict]:
    """[{"journal_id", "paid_orders", "paid_fen", "refunded_fen", "open_orders", "open_fen"}] per journal with
    an order, in one grouped query: what was paid over all time (waived orders left out; refunds kept apart, so
    net is paid less refunded) and the orders still awaiting payment (created or paying) with their amount due."""
    settled = Q(status__in=SETTLED_STATUSES) & ~Q(settled_by=SettledBy.WAIVED)
    open_ = Q(status__in=OPEN_STATUSES)
    rows = (Order.objects.filter(journal__isnull=False).order_by().values("journal_id")
            .annotate(paid_orders=Count("pk", filter=settled), paid_fen=Sum("amount_fen", filter=settled),
                      refunded_fen=Sum("refunded_fen", filter=settled), open_orders=Count("pk", filter=open_),
                      open_fen=Sum("amount_fen", filter=open_))
            .order_by("journal_id"))
    return [{**row, "paid_fen": row["paid_fen"] or 0, "refunded_fen": row["refunded_fen"] or 0,
             "open_fen": row["open_fen"] or 0} for row in rows]
