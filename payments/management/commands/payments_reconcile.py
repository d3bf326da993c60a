"""Reconcile payments with WeChat Pay, all or a date range (`--from 2026-11-01 --to 2026-12-01`).

It asks WeChat Pay about what is still open, with a progress bar, and ends with a summary line.
"""

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from payments.services.reconciliation import payments_reconcile

BAR_WIDTH = 30


def _moment(value: str, *, end: bool) -> datetime:
    """A date (the whole day, Beijing time) or an ISO date-time."""
    try:
        day = parse_date(value)  # before parse_datetime, which reads a bare date as its midnight
        parsed = datetime.combine(day, time.max if end else time.min) if day else parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD) or an ISO date-time.")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = ("Ask WeChat Pay about prepays and refunds made in a date range that are still open, apply what it says, "
            "and close expired unpaid orders. Without --from/--to: everything open.")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="since", help="first day (YYYY-MM-DD) or date-time, inclusive")
        parser.add_argument("--to", dest="until", help="last day (YYYY-MM-DD, inclusive) or date-time (exclusive)")

    def handle(self, *args, since, until, **options):
        since_at = _moment(since, end=False) if since else None
        until_at = _moment(until, end=True) if until else None
        if since_at and until_at and until_at <= since_at:
            raise CommandError("--to must be after --from.")

        def progress(done: int, total: int) -> None:
            filled = BAR_WIDTH * done // total
            self.stdout.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}", ending="")
            if done == total:
                self.stdout.write("")

        summary = payments_reconcile(since=since_at, until=until_at, progress=progress)
        for error in summary.errors:
            self.stderr.write(f"  could not reconcile {error}")
        line = (f"Checked {summary.attempts_checked} open payments ({summary.orders_paid} found paid, "
                f"{summary.attempts_closed} closed), closed {summary.orders_closed} expired orders, checked "
                f"{summary.refunds_checked} refunds ({summary.refunds_settled} settled); "
                f"{summary.skipped_busy} busy, {len(summary.errors)} errors.")
        self.stdout.write(self.style.SUCCESS(line) if not summary.errors else self.style.WARNING(line))
