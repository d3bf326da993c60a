"""Change feeds for other systems: keyset pages ordered by (updated_at, id) that miss nothing.

A client reads a list page by page (`next`), keeps the greatest `updated_at` it received, and later asks again
with `updated_since=<that value>`. For that to miss nothing, a page may only hold rows no transaction can still
"slip in behind": a row committed later with an `updated_at` older than what the client has already read would
never be seen again. So every page stops at a **horizon**:

    horizon = the start of the oldest transaction still running on this database (other than our own),
              or the database's clock when none runs

and holds only rows with `updated_at < horizon`.

Why that is exact (PostgreSQL): researchers are stamped with `clock_timestamp()` while the writing transaction
runs (accounts.services.researchers_touch), so a stamp is always later than that transaction's `xact_start`,
which PostgreSQL publishes in pg_stat_activity when the transaction begins, before any of its statements run.
Take a writer whose stamp t is below the horizon H read at moment M (H ≤ M). The writer stamped before M, so it
had begun before M; had it still been running at M, its xact_start (≤ t) would have pulled H down to at most t.
So it had ended before M, and PostgreSQL makes a commit visible before it clears the transaction from
pg_stat_activity. The rows are read afterwards, in a new statement (READ COMMITTED: a new snapshot), so the
writer's row is in it. Rows at or above the horizon wait for a later page or a later call: the client's
position never passes them.

The horizon is read in its own statement before the rows are read; run it under READ COMMITTED (Django's default),
not inside a REPEATABLE READ transaction whose snapshot would predate it. Sessions of other database roles show
no `xact_start` without the pg_read_all_stats role: grant it to the application's role if another role writes
these tables. A transaction left open (idle in transaction) holds the horizon back until it ends: the feed is
late, never wrong.

Tables stamped by the application's clock (Django's auto_now: manuscripts, orders) get the same horizon, less
STAFF_API_APP_CLOCK_MARGIN_SECONDS for the time between the application reading its clock and its transaction
reaching the database, and for clock drift: near-exact rather than exact.

SQLite (the embedded development database) has no pg_stat_activity: the horizon is the current time.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

ORDER_FIELD = "updated_at"


class InvalidCursor(ValueError):
    pass


def write_horizon(*, app_clock: bool = False) -> datetime:
    """The instant below which every row's `updated_at` is final (see the module's docstring)."""
    if connection.vendor != "postgresql":
        horizon = timezone.now()
    else:
        with connection.cursor() as cursor:
            # Activity is read once per transaction and kept: start from a fresh reading.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT LEAST(CLOCK_TIMESTAMP(), MIN(xact_start)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend' AND xact_start IS NOT NULL")
            horizon = cursor.fetchone()[0]
    if app_clock:
        horizon -= timedelta(seconds=settings.STAFF_API_APP_CLOCK_MARGIN_SECONDS)
    return horizon


@dataclass(frozen=True)
class Position:
    """Where a page starts: after (or, going back, before) the row with this (updated_at, id)."""

    updated_at: datetime
    id: int
    backwards: bool = False

    def encode(self) -> str:
        raw = json.dumps({"t": self.updated_at.isoformat(), "i": self.id, "b": int(self.backwards)},
                         separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Position:
        try:
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            updated_at = parse_datetime(raw["t"])
            row_id, backwards = raw["i"], raw["b"]
        except (ValueError, TypeError, KeyError, binascii.Error) as exc:
            raise InvalidCursor(token) from exc
        if (updated_at is None or timezone.is_naive(updated_at) or isinstance(row_id, bool)
                or not isinstance(row_id, int) or backwards not in (0, 1)):
            raise InvalidCursor(token)
        return cls(updated_at=updated_at, id=row_id, backwards=bool(backwards))


@dataclass
class FeedPage:
    rows: list
    next: Position | None
    previous: Position | None


def feed_page(*, queryset: QuerySet, position: Position | None, page_size: int,
              updated_since: datetime | None = None, app_clock: bool = False) -> FeedPage:
    """One page of `queryset` in (updated_at, id) order, from `position`, below the write horizon.

    Rows inserted or updated while a client pages are never skipped: a page starts strictly after the last
    (updated_at, id) the client saw, and a row that changes gets a later updated_at, so it comes again later.
    """
    rows = queryset.filter(**{f"{ORDER_FIELD}__lt": write_horizon(app_clock=app_clock)})
    if updated_since is not None:
        rows = rows.filter(**{f"{ORDER_FIELD}__gte": updated_since})
    if position is None:
        found = list(rows.order_by(ORDER_FIELD, "id")[:page_size + 1])
        more_after, more_before = len(found) > page_size, False
        found = found[:page_size]
    elif not position.backwards:
        after = Q(**{f"{ORDER_FIELD}__gt": position.updated_at}) | Q(**{ORDER_FIELD: position.updated_at,
                                                                      "id__gt": position.id})
        found = list(rows.filter(after).order_by(ORDER_FIELD, "id")[:page_size + 1])
        more_after, more_before = len(found) > page_size, True
        found = found[:page_size]
    else:
        before = Q(**{f"{ORDER_FIELD}__lt": position.updated_at}) | Q(**{ORDER_FIELD: position.updated_at,
                                                                       "id__lt": position.id})
        found = list(rows.filter(before).order_by(f"-{ORDER_FIELD}", "-id")[:page_size + 1])
        more_after, more_before = True, len(found) > page_size
        found = list(reversed(found[:page_size]))
    if not found:
        # Going back past the start, or forward past the end: the client may still step back to where it was.
        return FeedPage(rows=[], next=None, previous=Position(position.updated_at, position.id, True)
                        if position is not None and not position.backwards else None)
    first, last = found[0], found[-1]
    return FeedPage(
        rows=found,
        next=Position(getattr(last, ORDER_FIELD), last.id) if more_after else None,
        previous=Position(getattr(first, ORDER_FIELD), first.id, backwards=True) if more_before else None,
    )
