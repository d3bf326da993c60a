"""Reads for manuscript tracking: what a researcher sees, always scoped to their verified accounts."""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from accounts.models import JournalAccount, JournalAccountStatus, Researcher
from manuscripts.models import Manuscript, ManuscriptAccess, StatusEvent
from manuscripts.services.platforms import PUBLICATION_SOURCES
from manuscripts.status import CanonicalStatus


def manuscripts_for_researcher(*, researcher: Researcher, filters: dict | None = None) -> QuerySet[Manuscript]:
    """Manuscripts listed on any of the researcher's verified accounts, newest activity first.

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
    manuscripts = (Manuscript.objects.filter(Exists(visible_through))
                   .annotate(editorial_view=Exists(editorial_accesses))
                   .select_related("journal", "journal_system")
                   .order_by("-last_activity_at", "-id"))
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
    readers = JournalAccount.objects.filter(
        manuscript_accesses__manuscript_id=manuscript_id, status=JournalAccountStatus.VERIFIED,
        journal_system_id=Manuscript.objects.filter(pk=manuscript_id).values("journal_system_id")[:1],
    ).order_by("verified_at", "id").values_list("researcher_id", "researcher__language")
    return list(dict.fromkeys(readers))  # first verified first, each researcher once


def manuscript_ids_authored_by(*, researcher: Researcher) -> QuerySet[Manuscript]:
    """The ids of manuscripts the researcher sees as an author (an editorial view), as a subquery."""
    return manuscripts_for_researcher(researcher=researcher).filter(editorial_view=True).values("pk")


def manuscript_for_payments(*, manuscript_id: int) -> Manuscript | None:
    """A manuscript with its journal, for charges that belong to it (payments)."""
    return Manuscript.objects.select_related("journal").filter(pk=manuscript_id).first()


def manuscripts_for_staff() -> QuerySet[Manuscript]:
    """Every manuscript with its journal and journal system, for other systems (staff API, exports)."""
    return Manuscript.objects.select_related("journal", "journal_system")


def manuscript_timelines(*, manuscript_ids) -> dict[int, list[StatusEvent]]:
    """{manuscript id: its status events, oldest first} for these manuscripts, in one query."""
    timelines: dict[int, list[StatusEvent]] = {pk: [] for pk in manuscript_ids}
    for event in StatusEvent.objects.filter(manuscript_id__in=manuscript_ids).order_by("occurred_at", "id"):
        timelines[event.manuscript_id].append(event)
    return timelines


def manuscript_author_ids(*, manuscript_ids) -> dict[int, list[int]]:
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
