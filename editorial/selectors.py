"""Reads for the editorial dashboard and per-journal staff permissions.

Every figure comes from another app's selector that aggregates in SQL (GROUP BY, one query per figure where
the figure allows; notifications' delivery stats take two), never loading researchers or manuscripts into
Python. Figures are cached for settings.EDITORIAL_DASHBOARD_CACHE_SECONDS (five minutes by default) under
`editorial:dashboard:v<N>:<figure>`, inside the deployment's CACHE_KEY_PREFIX. Per-journal figures are
counted and cached for every journal once; each viewer then gets only the rows of their journals
(`journals_for_staff`), so the cache holds one copy whoever looks.

Conversations (waiting, median first response) are not built yet: `conversation_figures` is the extension
point and returns None, which the dashboard shows as "—".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Journal
from accounts.selectors import journals_all, researchers_new_and_active_by_week, verified_accounts_by_platform
from editorial.models import JournalStaff
from manuscripts.selectors import manuscript_counts_by_journal_and_status, status_median_days_by_journal
from notifications.selectors import delivery_stats
from payments.selectors.totals import revenue_and_open_orders_by_journal

CACHE_VERSION = 1
WEEKS = 12
NOTIFICATION_DAYS = 30


def journals_for_staff(user) -> QuerySet[Journal]:
    """The journals this staff member works for: every journal for a superuser, else those a `JournalStaff`
    row ties them to; none for anyone inactive or not staff."""
    if not (user.is_active and user.is_staff):
        return journals_all().none()
    if user.is_superuser:
        return journals_all()
    return journals_all().filter(pk__in=JournalStaff.objects.filter(user=user).values("journal_id"))


def dashboard_cache_key(figure: str) -> str:
    return f"editorial:dashboard:v{CACHE_VERSION}:{figure}"


def _cached(figure: str, compute: Callable[[], Any]) -> Any:
    key = dashboard_cache_key(figure)
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, settings.EDITORIAL_DASHBOARD_CACHE_SECONDS)
    return found


def _this_monday() -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday())


def researchers_by_week(*, weeks: int = WEEKS) -> list[dict]:
    """The last `weeks` ISO weeks (this one last), each {"week": "2026-W49", "starts_on", "new", "active"}:
    researchers created in the week and researchers last seen in it; empty weeks as 0."""

    def compute() -> list[dict]:
        first = _this_monday() - timedelta(weeks=weeks - 1)
        zone = timezone.get_current_timezone()
        since = timezone.make_aware(datetime.combine(first, time.min), zone)
        counts = {(row["kind"], row["week"]): row["researchers"]
                  for row in researchers_new_and_active_by_week(since=since)}
        rows = []
        for index in range(weeks):
            monday = first + timedelta(weeks=index)
            year, week, _ = monday.isocalendar()
            rows.append({"week": f"{year}-W{week:02d}", "starts_on": monday.isoformat(),
                         "new": counts.get(("new", monday), 0), "active": counts.get(("active", monday), 0)})
        return rows

    return _cached(f"researchers_by_week:{weeks}", compute)


def linked_accounts_by_platform() -> list[dict]:
    """[{"platform", "accounts", "researchers"}]: verified linked accounts per platform."""
    return _cached("linked_accounts", verified_accounts_by_platform)


def notifications_by_template(*, days: int = NOTIFICATION_DAYS) -> list[dict]:
    """Per template, what the sender settled in the last `days` days: sent, no credit, skipped, failed."""
    return _cached(f"notifications:{days}",
                   lambda: delivery_stats(since=timezone.now() - timedelta(days=days)))


def _for(rows: list[dict], journal_ids: set[int]) -> list[dict]:
    return [row for row in rows if row["journal_id"] in journal_ids]


def manuscripts_by_status(*, journal_ids: set[int]) -> list[dict]:
    """[{"journal_id", "status", "manuscripts"}] of these journals."""
    return _for(_cached("manuscripts_by_status", manuscript_counts_by_journal_and_status), journal_ids)


def median_days_in_status(*, journal_ids: set[int]) -> list[dict] | None:
    """[{"journal_id", "status", "median_days", "stays"}] of these journals; None where the database cannot
    compute medians (SQLite, `make run`): the dashboard shows "—"."""
    def compute():
        found = status_median_days_by_journal()
        return "unavailable" if found is None else found

    rows = _cached("median_days", compute)
    return None if rows == "unavailable" else _for(rows, journal_ids)


def revenue_by_journal(*, journal_ids: set[int]) -> list[dict]:
    """[{"journal_id", "paid_orders", "paid_fen", "refunded_fen", "open_orders", "open_fen"}] of these journals."""
    return _for(_cached("revenue", revenue_and_open_orders_by_journal), journal_ids)


def conversation_figures(*, journal_ids: set[int]) -> list[dict] | None:
    """Extension point: conversations waiting for an answer and the median first-response time per journal.
    Conversations do not exist yet, so there is nothing to count: None (the dashboard shows "—")."""
    return None
