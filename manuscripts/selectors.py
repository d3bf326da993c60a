"""Reads for manuscript tracking: what a researcher sees, always scoped to their verified accounts."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from accounts.models import JournalAccount, JournalAccountStatus, Researcher
from manuscripts.models import Manuscript, ManuscriptAccess, StatusEvent


def manuscripts_for_researcher(*, researcher: Researcher, filters: dict | None = None) -> QuerySet[Manuscript]:
    """Manuscripts listed on any of the researcher's verified accounts, newest activity first.

    Filters: status (canonical code), journal (id), account (id), search (title text).
    """
    filters = filters or {}
    visible_through = ManuscriptAccess.objects.filter(
        manuscript=OuterRef("pk"), journal_account__researcher=researcher,
        journal_account__status=JournalAccountStatus.VERIFIED,
    )
    if filters.get("account"):
        visible_through = visible_through.filter(journal_account_id=filters["account"])
    manuscripts = (Manuscript.objects.filter(Exists(visible_through))
                   .select_related("journal", "journal_system")
                   .order_by("-last_activity_at", "-id"))
    if filters.get("status"):
        manuscripts = manuscripts.filter(canonical_status=filters["status"])
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
