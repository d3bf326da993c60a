"""Reads for manuscript tracking: what a researcher sees, always scoped to their verified accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import JournalAccount, JournalAccountStatus, Researcher
from manuscripts.models import Manuscript, ManuscriptAccess, StatusEvent, title_in
from manuscripts.services.platforms import PUBLICATION_SOURCES
from manuscripts.status import CanonicalStatus

# The researcher's list orders: `activity` (the default) and `action_first` (what waits on them first).
ORDER_ACTIVITY, ORDER_ACTION_FIRST = "activity", "action_first"


def manuscripts_for_researcher(*, researcher: Researcher, filters: dict | None = None) -> QuerySet[Manuscript]:
    """Manuscripts listed on any of the researcher's verified accounts, newest platform activity first (the
    Contract's default order). With `filters["order"] == "action_first"` (the home page's list), those waiting on
    the researcher (an action, seen through an editorial platform) come first, soonest due date first and undated
    after dated, then newest activity first.

    Each carries `editorial_view`: True when a verified account on an editorial platform (OJS, ScholarOne…)
    lists the researcher on it. A manuscript reached only through a public bibliographic record (a Crossref
    account, matched by DOI) has it False and is shown with its public facts only (serializers).

    Filters: status (canonical code; public-only manuscripts count as published), journal (id), account (id),
    search (title text).
    """
    filters = filters or {}
    verified_accesses = ManuscriptAccess.objects.filter(
        manuscript=OuterRef("pk"), journal_account__researcher=researcher,
        journal_account__status=JournalAccountStatus.VERIFIED,
    )
    visible_through = verified_accesses
    if filters.get("account"):
        visible_through = visible_through.filter(journal_account_id=filters["account"])
    editorial_accesses = verified_accesses.exclude(journal_account__journal_system__platform__in=PUBLICATION_SOURCES)
    # A public record alone (editorial_view False) never shows an editorial action.
    waits_on_researcher = Q(editorial_view=True) & ~Q(action="")
    manuscripts = (Manuscript.objects.filter(Exists(visible_through))
                   .annotate(editorial_view=Exists(editorial_accesses),
                             # Since when it is in its status: the platform's word, else the timeline's last change.
                             status_since=Coalesce("status_changed_at", Subquery(
                                 StatusEvent.objects.filter(manuscript=OuterRef("pk")).order_by("-occurred_at")
                                 .values("occurred_at")[:1])))
                   .alias(action_first=Case(When(waits_on_researcher, then=Value(0)), default=Value(1),
                                            output_field=IntegerField()),
                          action_due=Case(When(waits_on_researcher, then=F("due_date")), default=None,
                                          output_field=DateField()))
                   .select_related("journal", "journal_system"))
    # All in SQL, so pages stay stable; id last makes the order total.
    if filters.get("order") == ORDER_ACTION_FIRST:
        # What waits on the researcher first, soonest due first (undated after dated), then the usual order.
        manuscripts = manuscripts.order_by("action_first", F("action_due").asc(nulls_last=True),
                                           "-last_activity_at", "-id")
    else:
        manuscripts = manuscripts.order_by("-last_activity_at", "-id")
    if filters.get("status"):
        seen_as = Q(canonical_status=filters["status"], editorial_view=True)
        if filters["status"] == CanonicalStatus.PUBLISHED:
            seen_as |= Q(editorial_view=False)
        manuscripts = manuscripts.filter(seen_as)
    if filters.get("journal"):
        manuscripts = manuscripts.filter(journal_id=filters["journal"])
    if filters.get("search"):
        manuscripts = manuscripts.filter(title__icontains=filters["search"])
    return manuscripts


def manuscript_with_timeline(*, researcher: Researcher, manuscript_id: int) -> Manuscript | None:
    return (manuscripts_for_researcher(researcher=researcher)
            .prefetch_related(Prefetch("events", queryset=StatusEvent.objects.order_by("-occurred_at", "-id")))
            .filter(pk=manuscript_id).first())


def journal_accounts_for_researcher(*, researcher: Researcher) -> QuerySet[JournalAccount]:
    return (JournalAccount.objects.filter(researcher=researcher)
            .select_related("journal_system", "sync_state")
            .annotate(manuscript_count=Count("manuscript_accesses"))
            .order_by("-created_at"))


def manuscript_readers(*, manuscript_id: int) -> list[tuple[int, str]]:
    """(researcher id, language) of everyone who sees the manuscript as an author: through a verified account on
    its own journal system (a reader through a public record only, such as Crossref, is not an author here)."""
    return readers_by_manuscript(manuscript_ids=[manuscript_id])[manuscript_id]


def readers_by_manuscript(*, manuscript_ids) -> dict[int, list[tuple[int, str]]]:
    """{manuscript id: [(researcher id, language)]} as `manuscript_readers`, for many manuscripts in one query:
    first verified first, each researcher once."""
    readers: dict[int, list[tuple[int, str]]] = {pk: [] for pk in manuscript_ids}
    rows = (ManuscriptAccess.objects
            .filter(manuscript_id__in=list(readers), journal_account__status=JournalAccountStatus.VERIFIED,
                    journal_account__journal_system_id=F("manuscript__journal_system_id"))
            .order_by("manuscript_id", "journal_account__verified_at", "journal_account_id")
            .values_list("manuscript_id", "journal_account__researcher_id", "journal_account__researcher__language"))
    for manuscript_id, researcher_id, language in rows:
        if (researcher_id, language) not in readers[manuscript_id]:
            readers[manuscript_id].append((researcher_id, language))
    return readers


def manuscript_ids_authored_by(*, researcher: Researcher) -> QuerySet[Manuscript]:
    """The ids of manuscripts the researcher sees as an author (an editorial view), as a subquery."""
    return manuscripts_for_researcher(researcher=researcher).filter(editorial_view=True).values("pk")


def manuscript_for_payments(*, manuscript_id: int) -> Manuscript | None:
    """A manuscript with its journal, for charges that belong to it (payments)."""
    return Manuscript.objects.select_related("journal").filter(pk=manuscript_id).first()


def journal_ids_by_researcher(*, researcher_ids, journal_ids) -> dict[int, set[int]]:
    """{researcher id: the ids among `journal_ids` of journals where they have a manuscript}, through verified
    accounts, in one query (campaigns pick a journal's variant with it)."""
    pairs = (ManuscriptAccess.objects.filter(journal_account__researcher_id__in=researcher_ids,
                                             journal_account__status=JournalAccountStatus.VERIFIED,
                                             manuscript__journal_id__in=journal_ids)
             .values_list("journal_account__researcher_id", "manuscript__journal_id").distinct())
    found: dict[int, set[int]] = {}
    for researcher_id, journal_id in pairs:
        found.setdefault(researcher_id, set()).add(journal_id)
    return found


def manuscript_accesses_of_researcher(*, researcher, journal_ids=None, status: str | None = None,
                                      ) -> QuerySet[ManuscriptAccess]:
    """The researcher's (a researcher or an OuterRef to one) ways into manuscripts: one row per manuscript listed
    on one of their verified accounts, as the Mini Program shows them; optionally only manuscripts of these
    journals (ids) or with this canonical status (the status its journal platform reports). A queryset to wrap
    in Exists (segments)."""
    accesses = ManuscriptAccess.objects.filter(journal_account__researcher=researcher,
                                               journal_account__status=JournalAccountStatus.VERIFIED)
    if journal_ids is not None:
        accesses = accesses.filter(manuscript__journal_id__in=journal_ids)
    if status is not None:
        accesses = accesses.filter(manuscript__canonical_status=status)
    return accesses


# Tagging rules read who matches through these, as subqueries of researcher ids (one SQL statement per rule).
# An author here is as in `manuscript_readers`: a verified account on the manuscript's own journal system.

def _author_accesses():
    return ManuscriptAccess.objects.filter(journal_account__status=JournalAccountStatus.VERIFIED,
                                           journal_account__journal_system_id=F("manuscript__journal_system_id"))


def researcher_ids_with_manuscript_in(*, journal_id: int) -> QuerySet:
    """Authors of a manuscript in this journal, whatever its status (a subquery of researcher ids)."""
    return _author_accesses().filter(manuscript__journal_id=journal_id).values("journal_account__researcher_id")


# Accepted, or further along the way to publication: a platform may skip "accepted" on its way to production.
ACCEPTANCE_STATUSES = (CanonicalStatus.ACCEPTED, CanonicalStatus.IN_PRODUCTION, CanonicalStatus.PUBLISHED)


def researcher_ids_with_acceptance_since(*, since, journal_id: int | None = None) -> QuerySet:
    """Authors of a manuscript whose timeline reached accepted, in production or published at or after `since`
    (the platform's time of the transition), optionally in one journal (a subquery of researcher ids)."""
    reached = StatusEvent.objects.filter(manuscript_id=OuterRef("manuscript_id"), to_status__in=ACCEPTANCE_STATUSES,
                                         occurred_at__gte=since)
    accesses = _author_accesses().filter(Exists(reached))
    if journal_id is not None:
        accesses = accesses.filter(manuscript__journal_id=journal_id)
    return accesses.values("journal_account__researcher_id")


def manuscript_author_ids(*, manuscript_ids) -> list[int]:
    """The researchers who are authors of any of these manuscripts, each once."""
    return sorted(set(_author_accesses().filter(manuscript_id__in=manuscript_ids)
                      .values_list("journal_account__researcher_id", flat=True)))


def authorships_verified() -> QuerySet[ManuscriptAccess]:
    """Who authors what, as the product counts it: a verified linked account on the manuscript's own journal
    system that the platform lists on the manuscript (a public record alone, such as Crossref, is not an
    authorship). Unordered, for aggregates: `journal_account__researcher_id`, `manuscript__journal_id`, …"""
    return ManuscriptAccess.objects.filter(
        journal_account__status=JournalAccountStatus.VERIFIED,
        journal_account__journal_system_id=F("manuscript__journal_system_id"),
    ).order_by()


def researcher_ids_with_published_manuscripts(*, after_id: int = 0, limit: int) -> list[int]:
    """The next `limit` researchers (by id, above `after_id`) who author a published manuscript
    (`authorships_verified`): the monthly impact digest walks them in batches."""
    return list(authorships_verified().filter(manuscript__canonical_status=CanonicalStatus.PUBLISHED,
                                              journal_account__researcher_id__gt=after_id)
                .order_by("journal_account__researcher_id")
                .values_list("journal_account__researcher_id", flat=True).distinct()[:limit])


@dataclass(frozen=True)
class PublishedAuthorship:
    """A researcher's published manuscript with its impact numbers (null: not counted, or not reported)."""

    researcher_id: int
    language: str
    manuscript_id: int
    default_title: str
    titles: dict
    published_on: date | None
    citations: int | None
    views: int | None
    downloads: int | None

    def title(self, language: str) -> str:
        return title_in(self.titles, self.default_title, language)


def published_authorships(*, researcher_ids) -> list[PublishedAuthorship]:
    """Every published manuscript these researchers author, each (researcher, manuscript) once, in one query."""
    rows = (authorships_verified().filter(journal_account__researcher_id__in=list(researcher_ids),
                                          manuscript__canonical_status=CanonicalStatus.PUBLISHED)
            .order_by("journal_account__researcher_id", "manuscript_id")
            .values_list("journal_account__researcher_id", "journal_account__researcher__language", "manuscript_id",
                         "manuscript__title", "manuscript__titles", "manuscript__published_on",
                         "manuscript__citations", "manuscript__views", "manuscript__downloads"))
    found: dict[tuple[int, int], PublishedAuthorship] = {}
    for researcher_id, language, manuscript_id, title, titles, published_on, citations, views, downloads in rows:
        # Two verified accounts of one researcher may both be listed on the manuscript: one authorship.
        found.setdefault((researcher_id, manuscript_id), PublishedAuthorship(
            researcher_id, language, manuscript_id, title, titles or {}, published_on, citations, views, downloads))
    return list(found.values())


def manuscripts_with_verified_author() -> QuerySet[Manuscript]:
    """Manuscripts at least one researcher of ours authors (`authorships_verified`): the Mini Program's
    population of manuscripts, unordered, for aggregates."""
    return Manuscript.objects.filter(Exists(authorships_verified().filter(manuscript=OuterRef("pk")))).order_by()


def manuscripts_journal_and_authors(*, manuscript_ids) -> dict[int, tuple[str | None, list[int]]]:
    """{manuscript id: (its journal's key or None, the ids of researchers who see it as authors)} in two
    queries, authors as manuscript_readers counts them (a verified account on the manuscript's own system)."""
    manuscript_ids = list(manuscript_ids)
    found: dict[int, tuple[str | None, list[int]]] = {
        pk: (journal_key, []) for pk, journal_key in
        Manuscript.objects.filter(pk__in=manuscript_ids).values_list("pk", "journal__key")}
    accesses = (ManuscriptAccess.objects
                .filter(manuscript_id__in=manuscript_ids, journal_account__status=JournalAccountStatus.VERIFIED,
                        journal_account__journal_system_id=F("manuscript__journal_system_id"))
                .order_by("journal_account__verified_at", "journal_account_id")
                .values_list("manuscript_id", "journal_account__researcher_id"))
    for manuscript_id, researcher_id in accesses:
        authors = found[manuscript_id][1]
        if researcher_id not in authors:
            authors.append(researcher_id)
    return found


def manuscripts_for_staff() -> QuerySet[Manuscript]:
    """Every manuscript with its journal and journal system, for other systems (staff API, exports)."""
    return Manuscript.objects.select_related("journal", "journal_system")


def manuscript_timelines(*, manuscript_ids) -> dict[int, list[StatusEvent]]:
    """{manuscript id: its status events, oldest first} for these manuscripts, in one query."""
    timelines: dict[int, list[StatusEvent]] = {pk: [] for pk in manuscript_ids}
    for event in StatusEvent.objects.filter(manuscript_id__in=manuscript_ids).order_by("occurred_at", "id"):
        timelines[event.manuscript_id].append(event)
    return timelines


def authors_by_manuscript(*, manuscript_ids) -> dict[int, list[int]]:
    """{manuscript id: ids of the researchers a verified account on its own journal system lists as authors}."""
    authors: dict[int, list[int]] = {pk: [] for pk in manuscript_ids}
    rows = (ManuscriptAccess.objects.filter(manuscript_id__in=manuscript_ids,
                                            journal_account__status=JournalAccountStatus.VERIFIED,
                                            journal_account__journal_system_id=F("manuscript__journal_system_id"))
            .order_by("manuscript_id", "journal_account__researcher_id")
            .values_list("manuscript_id", "journal_account__researcher_id").distinct())
    for manuscript_id, researcher_id in rows:
        authors[manuscript_id].append(researcher_id)
    return authors


def manuscript_counts_by_journal_and_status() -> list[dict]:
    """[{"journal_id", "status", "manuscripts"}]: manuscripts per journal and canonical status, one grouped query
    (manuscripts without a journal are left out)."""
    return list(Manuscript.objects.filter(journal__isnull=False).order_by()
                .values("journal_id", status=F("canonical_status")).annotate(manuscripts=Count("id"))
                .order_by("journal_id", "status"))


# Each event opens a stay in its `to_status` that the manuscript's next event closes (LEAD over the manuscript's
# events by time); a stay not closed yet (the current status) is left out. Median in days per journal and status.
_STATUS_DAYS_SQL = """
SELECT m.journal_id, stays.to_status,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY stays.days) AS median_days, count(*) AS stays
FROM (SELECT e.manuscript_id, e.to_status,
             EXTRACT(EPOCH FROM (LEAD(e.occurred_at) OVER (PARTITION BY e.manuscript_id
                                                           ORDER BY e.occurred_at, e.id) - e.occurred_at)) / 86400.0
             AS days
      FROM {event} e) stays
JOIN {manuscript} m ON m.id = stays.manuscript_id
WHERE stays.days IS NOT NULL AND m.journal_id IS NOT NULL
GROUP BY m.journal_id, stays.to_status
ORDER BY m.journal_id, stays.to_status
"""


def status_median_days_by_journal() -> list[dict] | None:
    """[{"journal_id", "status", "median_days", "stays"}]: per journal and canonical status, the median time
    (days, float) manuscripts stayed in that status before their next status event, from the timelines; one
    query (PostgreSQL's percentile_cont over LEAD). None on a database without percentile_cont (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_STATUS_DAYS_SQL.format(event=StatusEvent._meta.db_table,
                                               manuscript=Manuscript._meta.db_table))
        return [{"journal_id": journal_id, "status": status, "median_days": float(median), "stays": stays}
                for journal_id, status, median, stays in cursor.fetchall()]
