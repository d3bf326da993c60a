"""Reads for shares: the public record (only what the sharer agreed to show), the sharer's own shares with
their open counts, and share counts for other apps (tagging rules: "shared N times")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.selectors import researcher_display_names
from manuscripts.selectors import ACCEPTANCE_STATUSES, manuscript_readers, manuscript_timelines
from manuscripts.status import CanonicalStatus
from sharing.models import Share, ShareOpen

SHAREABLE_STATUSES = frozenset(ACCEPTANCE_STATUSES)


@dataclass(frozen=True)
class PublicShare:
    """What anyone may see of a share, in the request's language (journal name, milestone label)."""

    id: str
    scene: str
    title: str
    journal_name: str
    milestone: str
    milestone_label: str
    date: date | None
    doi: str | None
    sharer_display_name: str
    coauthors: tuple[str, ...] | None  # None: the sharer chose not to show them


def share_live(*, share_id: str) -> Share | None:
    """The share with its manuscript, journal and sharer, or None (deleted or never existed)."""
    return (Share.objects.select_related("manuscript", "manuscript__journal", "researcher")
            .filter(pk=share_id).first())


def share_journal_id(*, share_id: str) -> int | None:
    """The journal of a live share's manuscript (the share page's "follow this journal"), or None for an unknown
    or deleted share, or a manuscript that names no journal."""
    share = share_live(share_id=share_id)
    return share.manuscript.journal_id if share is not None else None


def share_by_scene(*, scene: str) -> Share | None:
    return Share.objects.filter(scene=scene).first()


def share_milestone(share: Share) -> str:
    """The manuscript's status when it is still one worth sharing; otherwise the furthest acceptance milestone
    its timeline reached (a later move the platform reports, e.g. a correction, never unpublishes a share)."""
    manuscript = share.manuscript
    if manuscript.canonical_status in SHAREABLE_STATUSES:
        return manuscript.canonical_status
    reached = [event.to_status for event in manuscript_timelines(manuscript_ids=[manuscript.pk])[manuscript.pk]
               if event.to_status in SHAREABLE_STATUSES]
    return max(reached, key=list(CanonicalStatus).index) if reached else CanonicalStatus.ACCEPTED


def _milestone_day(share: Share, milestone: str) -> date | None:
    """The day the manuscript reached the milestone: its latest transition there in the status timeline, else
    the publication date (published) or the last status change the platform reported."""
    manuscript = share.manuscript
    events = [event for event in manuscript_timelines(manuscript_ids=[manuscript.pk])[manuscript.pk]
              if event.to_status == milestone]
    if events:
        return timezone.localdate(events[-1].occurred_at)
    if milestone == CanonicalStatus.PUBLISHED and manuscript.published_on:
        return manuscript.published_on
    moment = manuscript.status_changed_at or manuscript.last_activity_at
    return timezone.localdate(moment) if moment else None


def share_coauthor_names(share: Share) -> tuple[str, ...]:
    """Co-authors as the platform lists them on the manuscript, seen through our researchers: the display names
    of the other researchers whose verified account on the manuscript's journal system lists them on it (the
    platforms' snapshots carry no author names). Researchers without a display name are left out."""
    author_ids = [researcher_id for researcher_id, _language in manuscript_readers(manuscript_id=share.manuscript_id)
                  if researcher_id != share.researcher_id]
    names = researcher_display_names(researcher_ids=author_ids)
    return tuple(names[pk] for pk in author_ids if names.get(pk))


def share_public(*, share: Share, language: str) -> PublicShare:
    manuscript = share.manuscript
    milestone = share_milestone(share)
    title = manuscript.localized_title(language)
    return PublicShare(
        id=share.pk,
        scene=share.scene,
        title=title,
        journal_name=manuscript.journal.localized_name(language) if manuscript.journal_id else "",
        milestone=milestone,
        milestone_label=str(CanonicalStatus(milestone).label),
        date=_milestone_day(share, milestone),
        doi=(manuscript.doi or None) if milestone == CanonicalStatus.PUBLISHED else None,
        sharer_display_name=share.researcher.display_name,
        coauthors=share_coauthor_names(share) if share.show_coauthors else None,
    )


def shares_of_manuscript(*, researcher, manuscript_id: int) -> QuerySet[Share]:
    """The researcher's own shares of one manuscript, newest first, each with `open_count`."""
    return (Share.objects.filter(researcher=researcher, manuscript_id=manuscript_id)
            .annotate(open_count=Count("opens")).order_by("-created_at", "pk"))


def share_open_counts_by_researcher(*, researcher_ids) -> dict[int, int]:
    """{sharer id: counted opens across all their shares} (attribution per sharer)."""
    rows = (Share.objects.filter(researcher_id__in=list(researcher_ids)).values("researcher_id")
            .annotate(opens=Count("opens")).order_by())
    counts = dict.fromkeys(researcher_ids, 0)
    counts.update({row["researcher_id"]: row["opens"] for row in rows})
    return counts


def sharer_open_total() -> Coalesce:
    """For a query over shares: the opens counted across all the shares of each row's sharer (attribution per
    sharer, as `share_open_counts_by_researcher`), 0 for none."""
    per_sharer = (ShareOpen.objects.filter(share__researcher_id=OuterRef("researcher_id")).order_by()
                  .values("share__researcher_id").annotate(opens=Count("pk")).values("opens")[:1])
    return Coalesce(Subquery(per_sharer, output_field=IntegerField()), 0)


def researcher_ids_with_shares(*, at_least: int = 1) -> QuerySet:
    """Researchers who shared at least `at_least` times (a subquery of researcher ids, for tagging rules)."""
    return (Share.objects.values("researcher_id").annotate(shares=Count("pk")).filter(shares__gte=at_least)
            .values("researcher_id"))


def shares_of_researcher(*, researcher) -> QuerySet[Share]:
    """All the researcher's shares with their manuscript and open counts, oldest first (the privacy export)."""
    return (Share.objects.filter(researcher=researcher).select_related("manuscript")
            .annotate(open_count=Count("opens")).order_by("created_at", "pk"))
