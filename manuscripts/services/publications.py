"""The hourly check of accepted manuscripts against bibliographic sources (Crossref by DOI)."""

from __future__ import annotations

import logging

from django.db.models import F
from django.utils import timezone

from accounts.models import JournalSystem
from manuscripts.connectors.base import ConnectorError
from manuscripts.connectors.registry import connector_for
from manuscripts.models import Manuscript
from manuscripts.resilience import platform_call
from manuscripts.services.platforms import PUBLICATION_SOURCES, platform_config_for
from manuscripts.status import CanonicalStatus
from manuscripts.sync import SyncOutcome, publications_apply

logger = logging.getLogger(__name__)


def publications_check(*, limit: int = 500) -> SyncOutcome:
    """Ask each enabled bibliographic source (Crossref) whether accepted or in-production manuscripts with
    a DOI are published yet, and mark those that are. Bounded by `limit` manuscripts per run.

    Each work found is applied (and committed) right after its lookup: a run of hundreds of lookups that
    stops midway (a time limit, a worker restart, a platform failure) keeps what it found.

    Fair: a run takes the DOIs looked up longest ago (never first), and each DOI is stamped when its lookup
    starts, so the next run goes on after the last DOI this one reached, even one whose lookup hangs until the run
    is cut short. Runs that keep being cut short still reach every DOI in turn.
    """
    total = SyncOutcome()
    waiting = list(Manuscript.objects.filter(
        canonical_status__in=[CanonicalStatus.ACCEPTED, CanonicalStatus.IN_PRODUCTION], missing_since__isnull=True)
        .exclude(doi="").order_by(F("publication_checked_at").asc(nulls_first=True), "last_activity_at", "pk")
        .values_list("doi", flat=True)[:limit])
    for source in JournalSystem.objects.filter(enabled=True, platform__in=PUBLICATION_SOURCES):
        connector = connector_for(platform_config_for(source))
        for doi in waiting:
            Manuscript.objects.filter(doi=doi).update(publication_checked_at=timezone.now())
            try:
                work = platform_call(source, connector.snapshot_for_doi, doi)
            except ConnectorError as exc:
                logger.warning("publication check of %s on %s failed: %s", doi, source.key, exc)
                break
            if work is None:
                continue
            outcome = publications_apply(journal_system=source, snapshots=[work])
            total.updated += outcome.updated
            total.events += outcome.events
            total.notifications += outcome.notifications
    return total
