"""The sync service: apply a connector's snapshots to our manuscripts, idempotently (flow 3).

Knows no platform. In one transaction per batch it upserts manuscripts, writes a StatusEvent for every
real transition and a notification for the researchers who see the manuscript. The same snapshot
twice writes nothing; an older snapshot never overwrites a newer one; a manuscript that disappears
from a full listing is marked, not deleted; several transitions of one manuscript in one batch make
one notification (for the latest). What the journal waits for from the authors and by when (``action``,
``due_date``) are stored with the rest: a due date that changes while the status stays is an update of the row,
with no status event and no notification (the reminder task, manuscripts.services.reminders, reads the new
date). Once the batch commits, its transitions go to higher apps as one
``manuscript_status_changed`` event (manuscripts/events.py).

A snapshot is fitted to our columns before anything is written (``snapshot_fitted``): text a person reads
(titles, the platform's status words) is cut to its column with "…", while a snapshot whose identifying values
do not fit (a platform id, DOI or URL longer than its column, an unknown status, a naive time) is refused, logged
and counted on the journal system's poll state. So one record no row can hold never fails its whole batch, and a
poll moves past it instead of retrying the same batch for ever.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from psycopg2.extras import Json, execute_values

from accounts.models import Journal, JournalAccount, JournalAccountStatus, JournalSystem
from manuscripts.connectors.base import ManuscriptSnapshot
from manuscripts.connectors.http import safe_error_text
from manuscripts.events import StatusChange, manuscript_status_changed_publish
from manuscripts.models import Manuscript, ManuscriptAccess, StatusEvent, SystemPollState
from manuscripts.services.platforms import PUBLICATION_SOURCES
from manuscripts.status import (
    PROGRESS_ORDER,
    STATUS_PHRASES,
    ActionKind,
    CanonicalStatus,
    manuscript_action,
    status_label,
)
from notifications.services import notifications_create_many
from publisher_backend.rows import row_values

logger = logging.getLogger(__name__)

@dataclass
class SyncOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0  # older than what we have
    events: int = 0
    notifications: int = 0
    marked_missing: int = 0
    refused: int = 0  # snapshots no row can hold (snapshot_fitted), left out of the batch
    manuscript_ids: list[int] = field(default_factory=list)


class UnstorableSnapshot(ValueError):
    """A snapshot that no manuscript row can hold as the platform gave it; the message says which value and why."""


REFUSALS_LOGGED_PER_BATCH = 5  # then one line with the number of the others


def _max_length(name: str) -> int:
    return Manuscript._meta.get_field(name).max_length


def _shown(value: str) -> str:
    """A value quoted in a refusal: bounded (a refused id may be thousands of characters long)."""
    return repr(value if len(value) <= 60 else value[:59] + "…")


def _cut_text(text: str, limit: int) -> str:
    """Text a person reads, as a column of `limit` characters holds it: NUL characters (which PostgreSQL text and
    JSON cannot hold) removed, and cut with "…"."""
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _checked_identifier(snapshot: ManuscriptSnapshot, name: str, label: str) -> str:
    """An identifying value as it is: cutting a platform id, DOI or URL would make it name something else."""
    value = getattr(snapshot, name)
    if "\x00" in value:
        raise UnstorableSnapshot(f"{label} {_shown(value)} contains a NUL character")
    if len(value) > _max_length(name):
        raise UnstorableSnapshot(f"{label} {_shown(value)} has {len(value)} characters, more than the "
                                 f"{_max_length(name)} we store")
    return value


def snapshot_fitted(snapshot: ManuscriptSnapshot) -> ManuscriptSnapshot:
    """The snapshot as our columns store it; UnstorableSnapshot when it cannot be stored without becoming wrong.

    Titles and the platform's status words are cut to their columns (a researcher would rather see their
    manuscript under a cut title than not at all). The platform id, DOI and URL are refused when too long: a cut
    id would be another manuscript's, a cut DOI another work's (publications match by DOI), a cut URL a dead link.
    An empty platform id, a status we do not know or a time without a zone is a connector's bug, refused too.
    """
    if not _checked_identifier(snapshot, "platform_id", "platform id"):
        raise UnstorableSnapshot("an empty platform id")  # every record without one would be the same manuscript
    where = f"platform id {_shown(snapshot.platform_id)}: "
    try:
        _checked_identifier(snapshot, "doi", "DOI")
        _checked_identifier(snapshot, "url", "URL")
    except UnstorableSnapshot as refusal:
        raise UnstorableSnapshot(where + str(refusal)) from None
    if snapshot.canonical_status not in CanonicalStatus.values:
        raise UnstorableSnapshot(f"{where}unknown status {_shown(str(snapshot.canonical_status))}")
    if snapshot.action and snapshot.action not in ActionKind.values:
        raise UnstorableSnapshot(f"{where}unknown action {_shown(str(snapshot.action))}")
    if snapshot.due_date is not None and (isinstance(snapshot.due_date, datetime) or
                                          not isinstance(snapshot.due_date, date)):
        raise UnstorableSnapshot(f"{where}due_date is {snapshot.due_date!r}, not a day")
    for name in ("last_activity_at", "submitted_at", "status_changed_at"):
        moment = getattr(snapshot, name)
        if (moment is None and name == "last_activity_at") or (moment is not None and timezone.is_naive(moment)):
            raise UnstorableSnapshot(f"{where}{name} is {moment!r}, not a time with its zone")
    title_length = _max_length("title")
    return replace(
        snapshot,
        titles={language.replace("\x00", ""): _cut_text(title, title_length)
                for language, title in snapshot.titles.items()},
        raw_status=_cut_text(snapshot.raw_status, _max_length("raw_status")),
        # Only compared with our linked accounts, never stored: an address with NUL can match none.
        author_emails=tuple(email for email in snapshot.author_emails if "\x00" not in email),
        author_user_ids=tuple(user_id for user_id in snapshot.author_user_ids if "\x00" not in user_id),
    )


def _publication_fitted(snapshot: ManuscriptSnapshot) -> ManuscriptSnapshot:
    """A published work as publications_apply reads it before knowing whether it becomes a row of its own: the DOI
    (stored on the manuscript it marks published) must fit, the status words are cut. A work that becomes its own
    row is fitted whole by snapshots_apply."""
    _checked_identifier(snapshot, "doi", "DOI")
    return replace(snapshot, raw_status=_cut_text(snapshot.raw_status, _max_length("raw_status")))


def _storable(journal_system: JournalSystem, snapshots: list[ManuscriptSnapshot], outcome: SyncOutcome, *,
              fit: Callable[[ManuscriptSnapshot], ManuscriptSnapshot] = snapshot_fitted,
              ) -> tuple[list[ManuscriptSnapshot], set[str]]:
    """The snapshots fitted to our columns, and the platform ids of those refused. Each refusal is logged and
    counted on the system's poll state (in the caller's transaction), its reason bounded and without credentials."""
    fitted: list[ManuscriptSnapshot] = []
    reasons: list[str] = []
    refused_ids: set[str] = set()
    for snapshot in snapshots:
        try:
            fitted.append(fit(snapshot))
        except UnstorableSnapshot as refusal:
            reasons.append(safe_error_text(str(refusal), credentials=journal_system.credentials or {}))
            refused_ids.add(snapshot.platform_id)
    if not reasons:
        return fitted, refused_ids
    for reason in reasons[:REFUSALS_LOGGED_PER_BATCH]:
        logger.warning("journal system %s: snapshot refused, the rest of its batch applies: %s",
                       journal_system.key, reason)
    if len(reasons) > REFUSALS_LOGGED_PER_BATCH:
        logger.warning("journal system %s: %d more snapshots refused", journal_system.key,
                       len(reasons) - REFUSALS_LOGGED_PER_BATCH)
    SystemPollState.objects.get_or_create(journal_system=journal_system)
    SystemPollState.objects.filter(pk=journal_system.pk).update(
        refused_total=F("refused_total") + len(reasons), last_refused_at=timezone.now(),
        last_refused_reason=reasons[-1])
    outcome.refused += len(reasons)
    return fitted, refused_ids


# Snapshot fields added after digests were first stored: left out of the digest while empty, so a platform that
# never carries them does not rewrite every manuscript once (its snapshots digest as before).
_DIGESTED_WHEN_SET = ("action", "due_date")


def snapshot_digest(snapshot: ManuscriptSnapshot) -> str:
    values = asdict(snapshot)
    for name in _DIGESTED_WHEN_SET:
        if not values[name]:
            del values[name]
    document = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(document.encode()).hexdigest()


def _preferred_title(titles: dict[str, str]) -> str:
    return titles.get("en") or titles.get("zh-hans") or next(iter(titles.values()), "")


def _manuscript_fields(snapshot: ManuscriptSnapshot, journal_id: int | None) -> dict:
    action = manuscript_action(snapshot.canonical_status, snapshot.action)
    return {
        "journal_id": journal_id,
        "title": _preferred_title(snapshot.titles),
        "titles": snapshot.titles,
        "canonical_status": snapshot.canonical_status,
        "raw_status": snapshot.raw_status,
        "submitted_at": snapshot.submitted_at,
        "last_activity_at": snapshot.last_activity_at,
        "status_changed_at": snapshot.status_changed_at,
        "doi": snapshot.doi,
        "published_on": snapshot.published_on,
        "url": snapshot.url,
        # A due date means something only while the journal waits on the authors.
        "action": action,
        "due_date": snapshot.due_date if action else None,
        "snapshot_digest": snapshot_digest(snapshot),
        "missing_since": None,
    }


def _is_older(snapshot: ManuscriptSnapshot, manuscript: Manuscript) -> bool:
    published = CanonicalStatus.PUBLISHED
    if manuscript.canonical_status == published and snapshot.canonical_status != published:
        # Publication (often learnt from Crossref before the submission system catches up) is not undone
        # by a platform that still shows the production stage.
        return True
    if snapshot.last_activity_at != manuscript.last_activity_at:
        return snapshot.last_activity_at < manuscript.last_activity_at
    # Same activity time: a status earlier in the workflow does not replace a later one.
    return PROGRESS_ORDER[snapshot.canonical_status] < PROGRESS_ORDER[manuscript.canonical_status]


def _notify_transitions(transitions: list[tuple[Manuscript, StatusEvent]],
                        journal_name_by_language: dict[str, str]) -> int:
    """One notification per researcher who sees each manuscript through a verified account, for the given
    (latest) event: one query for all readers, one INSERT for all notifications."""
    if not transitions:
        return 0
    readers: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for manuscript_id, researcher_id, language, platform, account_system_id, manuscript_system_id in (
            JournalAccount.objects.filter(manuscript_accesses__manuscript_id__in=[m.pk for m, _event in transitions],
                                          status=JournalAccountStatus.VERIFIED)
            .values_list("manuscript_accesses__manuscript_id", "researcher_id", "researcher__language",
                         "journal_system__platform", "journal_system_id",
                         "manuscript_accesses__manuscript__journal_system_id").distinct()):
        # A reader who reaches another platform's manuscript only through a public record (Crossref) sees its
        # public facts only, so never hears of its editorial changes (identity item of issue 9).
        if platform in PUBLICATION_SOURCES and account_system_id != manuscript_system_id:
            continue
        if (researcher_id, language) not in readers[manuscript_id]:
            readers[manuscript_id].append((researcher_id, language))
    titles: dict[tuple[str, str], str] = {}
    notifications = []
    for manuscript, event in transitions:
        for researcher_id, language in readers[manuscript.pk]:
            if (language, event.to_status) not in titles:
                with translation.override(language):
                    titles[language, event.to_status] = _("Manuscript status: %(status)s") % {
                        "status": status_label(event.to_status)}
            notifications.append({
                "researcher_id": researcher_id, "kind": "status_changed",
                "dedupe_key": f"status:{manuscript.pk}:{event.pk}:{researcher_id}",
                "title": titles[language, event.to_status], "body": manuscript.title[:200],
                "payload": {"manuscript_id": manuscript.pk, "from_status": event.from_status,
                            "to_status": event.to_status, "platform_status": event.raw_status,
                            "status_phrase": STATUS_PHRASES[event.to_status],
                            "journal": journal_name_by_language.get(language, ""),
                            # Beijing time, like every timestamp the API shows (the inbox shows this payload).
                            "occurred_at": timezone.localtime(event.occurred_at).isoformat()},
                "page": f"pages/manuscript/detail?id={manuscript.pk}",
                "thread": f"manuscript:{manuscript.pk}",
            })
    return notifications_create_many(notifications=notifications)


_UPDATED_FIELDS = ("journal_id", "title", "titles", "canonical_status", "raw_status", "submitted_at",
                   "last_activity_at", "status_changed_at", "doi", "published_on", "url", "action", "due_date",
                   "snapshot_digest", "missing_since", "updated_at")
_POSTGRES_CASTS = {"journal_id": "bigint", "titles": "jsonb", "submitted_at": "timestamptz",
                   "last_activity_at": "timestamptz", "status_changed_at": "timestamptz", "published_on": "date",
                   "due_date": "date", "missing_since": "timestamptz", "updated_at": "timestamptz"}


def _update_many(manuscripts: list[Manuscript]) -> None:
    """Write changed manuscripts in one statement per 500 rows (PostgreSQL: UPDATE … FROM VALUES; 5x faster
    than Django's bulk_update, which the embedded SQLite path uses)."""
    if not manuscripts:
        return
    if connection.vendor != "postgresql":
        Manuscript.objects.bulk_update(manuscripts, _UPDATED_FIELDS, batch_size=200)
        return
    assignments = ", ".join(f"{name} = v.{name}" for name in _UPDATED_FIELDS)
    template = "(%s, " + ", ".join(f"%s::{_POSTGRES_CASTS[name]}" if name in _POSTGRES_CASTS else "%s"
                                   for name in _UPDATED_FIELDS) + ")"
    rows = [(m.pk, *[Json(m.titles) if name == "titles" else getattr(m, name) for name in _UPDATED_FIELDS])
            for m in manuscripts]
    with connection.cursor() as cursor, connection.wrap_database_errors:
        execute_values(cursor.cursor, f"UPDATE manuscripts_manuscript AS m SET {assignments} FROM (VALUES %s) "
                       f"AS v(id, {', '.join(_UPDATED_FIELDS)}) WHERE m.id = v.id", rows, template=template,
                       page_size=500)


def _journal_id(journals: dict[str, Journal], snapshot: ManuscriptSnapshot) -> int | None:
    journal = journals.get(snapshot.journal_path)
    return journal.pk if journal else None


def _insert_new(manuscripts: list[Manuscript]) -> dict[str, Manuscript]:
    """INSERT … ON CONFLICT (journal_system, platform_id) DO NOTHING; returns the rows this transaction inserted,
    by platform id, with their ids. A row a concurrent transaction inserted first is left out (the insert waits
    for that transaction, then skips), never an IntegrityError. Rows go in platform-id order, so two syncs
    inserting overlapping batches wait on each other instead of deadlocking."""
    if not manuscripts:
        return {}
    manuscripts = sorted(manuscripts, key=lambda m: m.platform_id)
    fields = [f for f in Manuscript._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    rows = [row_values(m, fields, add=True) for m in manuscripts]
    statement = (f"INSERT INTO {quote(Manuscript._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                 "VALUES {values} ON CONFLICT (journal_system_id, platform_id) DO NOTHING RETURNING id, platform_id")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with connection.wrap_database_errors:  # psycopg2's own cursor: its errors as Django's (DataError…)
                inserted = execute_values(cursor.cursor, statement.format(values="%s"), rows, page_size=500,
                                          fetch=True)
        else:  # the embedded SQLite (make run): one writer at a time, one row per statement
            inserted = []
            for row in rows:
                cursor.execute(statement.format(values=f"({', '.join(['%s'] * len(fields))})"), row)
                inserted += cursor.fetchall()
    by_platform_id = {m.platform_id: m for m in manuscripts}
    for manuscript_id, platform_id in inserted:
        by_platform_id[platform_id].pk = manuscript_id
    return {platform_id: by_platform_id[platform_id] for _id, platform_id in inserted}


def snapshots_apply(*, journal_system: JournalSystem, snapshots: list[ManuscriptSnapshot],
                    seen_by: JournalAccount | None = None, full_listing: bool = False) -> SyncOutcome:
    """Apply snapshots from one journal system in one transaction (rows locked while applied).

    `seen_by`: the linked account whose listing produced the snapshots (it is an author of each).
    `full_listing`: the snapshots are everything the platform lists for `seen_by`; its other
    manuscripts are marked missing (not those whose snapshot was refused: the platform still lists them).
    Snapshots no row can hold are refused and counted (`snapshot_fitted`); the others apply.
    """
    outcome = SyncOutcome()
    with transaction.atomic():
        snapshots, refused_ids = _storable(journal_system, snapshots, outcome)
        return _apply(journal_system, snapshots, seen_by=seen_by, full_listing=full_listing, outcome=outcome,
                      refused_ids=refused_ids)


def _apply(journal_system: JournalSystem, snapshots: list[ManuscriptSnapshot], *, seen_by: JournalAccount | None,
           full_listing: bool, outcome: SyncOutcome, refused_ids: set[str]) -> SyncOutcome:
    """snapshots_apply's work on fitted snapshots, inside its transaction."""
    now = timezone.now()
    by_platform_id: dict[str, list[ManuscriptSnapshot]] = defaultdict(list)
    for snapshot in snapshots:
        by_platform_id[snapshot.platform_id].append(snapshot)
    for versions in by_platform_id.values():
        versions.sort(key=lambda s: (s.last_activity_at, PROGRESS_ORDER[s.canonical_status]))

    existing = {m.platform_id: m for m in Manuscript.objects.select_for_update()
                .filter(journal_system=journal_system, platform_id__in=list(by_platform_id))}
    journals = {journal.platform_path: journal for journal in journal_system.journals.all()}
    # New manuscripts are inserted from their oldest snapshot. One that another transaction (a co-author's
    # sync) inserted meanwhile is skipped by the insert, then read and updated like any existing row.
    created = _insert_new([
        Manuscript(journal_system=journal_system, platform_id=platform_id,
                   **_manuscript_fields(versions[0], _journal_id(journals, versions[0])))
        for platform_id, versions in by_platform_id.items() if platform_id not in existing])
    inserted_elsewhere = [platform_id for platform_id in by_platform_id
                          if platform_id not in existing and platform_id not in created]
    if inserted_elsewhere:
        existing.update((m.platform_id, m) for m in Manuscript.objects.select_for_update()
                        .filter(journal_system=journal_system, platform_id__in=inserted_elsewhere))
    emails = {email for s in snapshots for email in s.author_emails}
    user_ids = {user_id for s in snapshots for user_id in s.author_user_ids}
    matching_accounts = list(JournalAccount.objects.filter(journal_system=journal_system)
                             .filter(Q(email_on_file__in=emails) | Q(platform_user_id__in=user_ids))
                             .exclude(platform_user_id="")) if emails or user_ids else []

    wanted_access: set[tuple[int, int]] = set()
    transitions: dict[int, tuple[Manuscript, list[StatusEvent]]] = {}
    changed_manuscripts: list[Manuscript] = []
    all_events: list[StatusEvent] = []
    for platform_id, versions in by_platform_id.items():
        new_events: list[StatusEvent] = []
        changed = False
        if platform_id in created:
            manuscript, first = created[platform_id], versions[0]
            outcome.created += 1
            new_events.append(StatusEvent(
                manuscript=manuscript, from_status="", to_status=first.canonical_status,
                raw_status=first.raw_status, seen_at=now,
                occurred_at=first.status_changed_at or first.submitted_at or first.last_activity_at))
            later_versions = versions[1:]
        else:
            manuscript, later_versions = existing[platform_id], versions
        for snapshot in later_versions:
            digest = snapshot_digest(snapshot)
            if manuscript.snapshot_digest == digest and manuscript.missing_since is None:
                outcome.unchanged += 1
                continue
            if _is_older(snapshot, manuscript):
                outcome.stale += 1
                continue
            previous_status = manuscript.canonical_status
            for name, value in _manuscript_fields(snapshot, _journal_id(journals, snapshot)).items():
                setattr(manuscript, name, value)
            changed = True
            if snapshot.canonical_status != previous_status:
                event = StatusEvent(manuscript=manuscript, from_status=previous_status,
                                    to_status=snapshot.canonical_status, raw_status=snapshot.raw_status,
                                    occurred_at=snapshot.status_changed_at or snapshot.last_activity_at,
                                    seen_at=now)
                new_events.append(event)
                transitions.setdefault(manuscript.pk, (manuscript, []))[1].append(event)
        if changed:
            manuscript.updated_at = now
            changed_manuscripts.append(manuscript)
            outcome.updated += 1
        all_events.extend(new_events)
        outcome.events += len(new_events)
        outcome.manuscript_ids.append(manuscript.pk)

        latest = versions[-1]
        for account in matching_accounts:
            if account.email_on_file in latest.author_emails or account.platform_user_id in latest.author_user_ids:
                wanted_access.add((account.pk, manuscript.pk))
        if seen_by is not None:
            wanted_access.add((seen_by.pk, manuscript.pk))

    _update_many(changed_manuscripts)
    StatusEvent.objects.bulk_create(all_events)
    manuscript_status_changed_publish(changes=[
        StatusChange(manuscript_id=event.manuscript.pk, from_status=event.from_status, to_status=event.to_status,
                     occurred_at=event.occurred_at) for event in all_events])
    if wanted_access:
        have = set(ManuscriptAccess.objects.filter(
            manuscript_id__in=outcome.manuscript_ids,
            journal_account_id__in={account_id for account_id, _m in wanted_access},
        ).values_list("journal_account_id", "manuscript_id"))
        missing_rows = [ManuscriptAccess(journal_account_id=account_id, manuscript_id=manuscript_id)
                        for account_id, manuscript_id in wanted_access - have]
        ManuscriptAccess.objects.bulk_create(missing_rows, ignore_conflicts=True)

    # The readers are known now that access rows exist: one notification per manuscript, for its latest change.
    journal_names = {"zh-hans": journal_system.localized_name("zh-hans"), "en": journal_system.localized_name("en")}
    outcome.notifications += _notify_transitions(
        [(manuscript, events[-1]) for manuscript, events in transitions.values()], journal_names)

    if full_listing and seen_by is not None:
        outcome.marked_missing = (Manuscript.objects
                                  .filter(accesses__journal_account=seen_by, missing_since__isnull=True)
                                  .exclude(pk__in=outcome.manuscript_ids)
                                  .exclude(journal_system=journal_system, platform_id__in=refused_ids)
                                  .update(missing_since=now))
    return outcome


def _title_key(title: str) -> str:
    """Titles compared without case, punctuation or spacing ("Soil: A Study" == "soil a study")."""
    return re.sub(r"[\W_]+", "", title.casefold())


def _publication_target(snapshot: ManuscriptSnapshot, journal_system: JournalSystem,
                        seen_by: JournalAccount | None) -> Manuscript | None:
    """The manuscript another platform tracks that this published work is: same DOI, else same title among
    the manuscripts the researcher already sees."""
    others = Manuscript.objects.select_for_update().exclude(journal_system=journal_system)
    if snapshot.doi:
        by_doi = others.filter(doi__iexact=snapshot.doi).first()
        if by_doi is not None:
            return by_doi
    if seen_by is None:
        return None
    wanted = {_title_key(title) for title in snapshot.titles.values() if title}
    visible = others.filter(accesses__journal_account__researcher_id=seen_by.researcher_id,
                            accesses__journal_account__status=JournalAccountStatus.VERIFIED,
                            doi="").exclude(canonical_status__in=[CanonicalStatus.REJECTED, CanonicalStatus.WITHDRAWN])
    for candidate in visible:
        titles = [candidate.title, *(candidate.titles or {}).values()]
        if wanted & {_title_key(title) for title in titles if title}:
            return candidate
    return None


def publications_apply(*, journal_system: JournalSystem, snapshots: list[ManuscriptSnapshot],
                       seen_by: JournalAccount | None = None) -> SyncOutcome:
    """Published works from a bibliographic source (Crossref): mark the manuscripts other platforms track
    as published, filling DOI and publication date; works no platform tracks are kept as their own rows.

    One transaction; a work already applied writes nothing; a work no row can hold is refused and counted
    (`snapshot_fitted`), the others apply.
    """
    outcome = SyncOutcome()
    unmatched: list[ManuscriptSnapshot] = []
    now = timezone.now()
    journal_names = {"zh-hans": journal_system.localized_name("zh-hans"), "en": journal_system.localized_name("en")}
    with transaction.atomic():
        snapshots, _refused_ids = _storable(journal_system, snapshots, outcome, fit=_publication_fitted)
        for snapshot in snapshots:
            target = _publication_target(snapshot, journal_system, seen_by)
            if target is None:
                unmatched.append(snapshot)
                continue
            outcome.manuscript_ids.append(target.pk)
            # The reader's access comes first: a work the other platform already shows as published, with the
            # same facts, changes nothing else but is still the reader's to see.
            if seen_by is not None:  # ON CONFLICT DO NOTHING: a co-author's sync may add the same row at once
                ManuscriptAccess.objects.bulk_create([ManuscriptAccess(journal_account=seen_by, manuscript=target)],
                                                     ignore_conflicts=True)
            changed_fields = {"doi": target.doi or snapshot.doi, "published_on": snapshot.published_on}
            if target.canonical_status == CanonicalStatus.PUBLISHED and all(
                    getattr(target, name) == value for name, value in changed_fields.items()):
                outcome.unchanged += 1
                continue
            previous_status = target.canonical_status
            for name, value in changed_fields.items():
                setattr(target, name, value)
            target.canonical_status = CanonicalStatus.PUBLISHED
            target.action, target.due_date = "", None  # a published article waits on nobody
            target.raw_status = snapshot.raw_status
            target.last_activity_at = max(target.last_activity_at, now)
            target.status_changed_at = now
            target.save()
            outcome.updated += 1
            if previous_status != CanonicalStatus.PUBLISHED:
                event = StatusEvent.objects.create(manuscript=target, from_status=previous_status,
                                                   to_status=CanonicalStatus.PUBLISHED,
                                                   raw_status=snapshot.raw_status, occurred_at=now, seen_at=now)
                outcome.events += 1
                outcome.notifications += _notify_transitions([(target, event)], journal_names)
                manuscript_status_changed_publish(changes=[StatusChange(
                    manuscript_id=target.pk, from_status=previous_status, to_status=event.to_status,
                    occurred_at=event.occurred_at)])
        if unmatched:
            rest = snapshots_apply(journal_system=journal_system, snapshots=unmatched, seen_by=seen_by)
            for name in ("created", "updated", "unchanged", "stale", "events", "notifications", "refused"):
                setattr(outcome, name, getattr(outcome, name) + getattr(rest, name))
            outcome.manuscript_ids += rest.manuscript_ids
    return outcome
