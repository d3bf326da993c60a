"""Reminders before a due date passes: the ``due_reminder`` notice (daily, from beat).

A manuscript waits on its authors while it has an ``action`` (a revision, files, proofs); where its platform says
by when, it has a ``due_date`` too (manuscripts.sync stores both, and clears the date with the action). Once a day
this finds those due within the largest of ``REMINDER_DAYS_BEFORE`` (e.g. 7 and 1 days) and reminds each researcher
who sees the manuscript as an author (a verified account on its own journal system, as ``manuscript_readers``).

The contract:

- **One notice per (manuscript, due date, threshold, researcher)**: its dedupe key says exactly that, and the
  notification's dedupe key is a unique column, so a rerun, a second worker running the task at the same time, or a
  retry after a crash creates nothing twice (``notification_create`` answers None for a key that exists). A due
  date that moves is a new date: its reminders are new.
- The threshold is the nearest one reached: 5 days before with "7,1" is the 7-day reminder; the day before and the
  day itself are the 1-day reminder. A run that missed days sends only the nearest, never a late "a week left".
- **Never after the date has passed** (today, Beijing time, is after it), **never for a manuscript no longer waiting
  on its authors** (no action: a revision submitted, a decision since), nor for one its platform no longer lists.
- **Consent**: a researcher who switched "Due date reminder" off in notification settings gets no notice at all;
  for the others the notice goes to the inbox and, with a subscription credit, to WeChat (the sender's rules).
- Manuscripts are read in batches, each batch's rows locked with SKIP LOCKED, so two workers share the work instead
  of waiting on each other (the dedupe key, not the lock, is what makes the result exact).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from manuscripts.models import Manuscript
from manuscripts.selectors import readers_by_manuscript
from manuscripts.status import action_needed
from notifications.models import EventKind
from notifications.selectors import researcher_ids_with_kind_off
from notifications.services import notification_create

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
KIND = EventKind.DUE_REMINDER


@dataclass
class ReminderOutcome:
    manuscripts: int = 0  # due within the largest threshold and waiting on their authors
    created: int = 0  # new notices
    already_sent: int = 0  # dedupe keys that existed (a rerun, another worker)
    opted_out: int = 0  # researchers who switched the kind off


def reminder_threshold(*, days_left: int, thresholds: list[int]) -> int | None:
    """The nearest threshold reached ``days_left`` days before the due date; None when none is (too early) or the
    date has passed (``days_left`` below 0)."""
    if days_left < 0:
        return None
    reached = [threshold for threshold in thresholds if days_left <= threshold]
    return min(reached) if reached else None


def reminder_title(*, days_left: int, action: str) -> str:
    """The notice's title in the active language."""
    needed = action_needed(action)
    if days_left == 0:
        return _("Due today: %(action)s") % {"action": needed}
    if days_left == 1:
        return _("Due tomorrow: %(action)s") % {"action": needed}
    return _("Due in %(days)d days: %(action)s") % {"days": days_left, "action": needed}


def _remind(manuscript: Manuscript, *, today: date, thresholds: list[int],
            readers: list[tuple[int, str]], opted_out: set[int], outcome: ReminderOutcome) -> None:
    days_left = (manuscript.due_date - today).days
    threshold = reminder_threshold(days_left=days_left, thresholds=thresholds)
    if threshold is None:
        return
    for researcher_id, language in readers:
        if researcher_id in opted_out:
            outcome.opted_out += 1
            continue
        with translation.override(language):
            title = reminder_title(days_left=days_left, action=manuscript.action)
            needed = action_needed(manuscript.action)
            journal = manuscript.journal.localized_name(language) if manuscript.journal else ""
        manuscript_title = manuscript.localized_title(language)  # as the manuscripts API shows it
        created = notification_create(
            researcher_id=researcher_id, kind=KIND,
            dedupe_key=f"due:{manuscript.pk}:{manuscript.due_date.isoformat()}:{threshold}:{researcher_id}",
            title=title, body=manuscript_title[:200],
            payload={"manuscript_id": manuscript.pk, "manuscript_number": manuscript.manuscript_number,
                     "action": manuscript.action, "action_needed": needed,
                     "due_date": manuscript.due_date.isoformat(), "days_left": days_left,
                     "threshold_days": threshold, "journal": journal},
            page=f"pages/manuscript/detail?id={manuscript.pk}", thread=f"manuscript:{manuscript.pk}")
        if created is None:
            outcome.already_sent += 1
        else:
            outcome.created += 1


def due_reminders_send(*, today: date | None = None, thresholds: list[int] | None = None) -> ReminderOutcome:
    """Create the due-date reminders of ``today`` (Beijing time by default); see the module docstring.

    Idempotent: run it any number of times a day, from any number of workers. Notices are created in one
    transaction per batch and go to WeChat after it commits (``notification_create`` kicks the sender then).
    """
    today = today or timezone.localdate()
    thresholds = sorted(settings.REMINDER_DAYS_BEFORE if thresholds is None else thresholds, reverse=True)
    outcome = ReminderOutcome()
    if not thresholds:
        return outcome
    due = (Manuscript.objects.exclude(action="")
           .filter(due_date__gte=today, due_date__lte=today + timedelta(days=max(thresholds)),
                   missing_since__isnull=True)
           .order_by("pk"))
    after = 0
    while True:
        with transaction.atomic():
            batch = list(due.filter(pk__gt=after).select_for_update(skip_locked=True, of=("self",))
                         .select_related("journal", "journal_system")[:BATCH_SIZE])
            if not batch:
                break
            after = batch[-1].pk
            readers = readers_by_manuscript(manuscript_ids=[manuscript.pk for manuscript in batch])
            opted_out = researcher_ids_with_kind_off(
                kind=KIND, researcher_ids={researcher_id for found in readers.values() for researcher_id, _ in found})
            for manuscript in batch:
                outcome.manuscripts += 1
                _remind(manuscript, today=today, thresholds=thresholds, readers=readers[manuscript.pk],
                        opted_out=opted_out, outcome=outcome)
    logger.info("due reminders for %s: %d manuscripts, %d notices created, %d already sent, %d opted out",
                today, outcome.manuscripts, outcome.created, outcome.already_sent, outcome.opted_out)
    return outcome
