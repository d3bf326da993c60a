"""Article impact: citations of published manuscripts, from Crossref's is-referenced-by-count (the count of
Crossref works whose deposited references cite the DOI; a lower bound of citations elsewhere).

Refreshed weekly (beat) for published manuscripts with a DOI, those counted longest ago first, through the first
enabled Crossref journal system under its rate limit and circuit breaker, CITATION_BATCH DOIs per request. A run
that Crossref stops keeps what it counted; the next run goes on from the DOIs counted longest ago.
Views and downloads are not counted: see README ("Article impact") for what each platform offers.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import JournalSystem
from manuscripts.connectors.base import ConnectorError
from manuscripts.connectors.crossref import CITATION_BATCH
from manuscripts.connectors.registry import connector_for
from manuscripts.models import Manuscript
from manuscripts.resilience import platform_call
from manuscripts.services.platforms import PUBLICATION_SOURCES, platform_config_for
from manuscripts.status import CanonicalStatus

logger = logging.getLogger(__name__)


def citations_refresh(*, limit: int | None = None) -> int:
    """Count the citations of published manuscripts not counted for CITATIONS_REFRESH_DAYS; returns how many
    manuscripts were counted (a DOI Crossref does not know is stamped as counted, its count left as it was)."""
    limit = settings.CITATIONS_REFRESH_LIMIT if limit is None else limit
    source = (JournalSystem.objects.filter(enabled=True, platform__in=PUBLICATION_SOURCES).order_by("pk").first())
    if source is None:
        return 0
    stale_before = timezone.now() - timedelta(days=settings.CITATIONS_REFRESH_DAYS)
    due = list(Manuscript.objects.filter(canonical_status=CanonicalStatus.PUBLISHED).exclude(doi="")
               .filter(Q(citations_checked_at__isnull=True) | Q(citations_checked_at__lt=stale_before))
               .order_by(F("citations_checked_at").asc(nulls_first=True), "pk")
               .values_list("pk", "doi")[:limit])
    connector = connector_for(platform_config_for(source))
    counted = 0
    for start in range(0, len(due), CITATION_BATCH):
        batch = due[start:start + CITATION_BATCH]
        try:
            counts = platform_call(source, connector.citation_counts, [doi for _pk, doi in batch])
        except ConnectorError as exc:
            logger.warning("citation counts stopped after %d manuscripts: %s", counted, exc)
            break
        now = timezone.now()
        for pk, doi in batch:
            count = counts.get(doi.lower())
            changes = {"citations_checked_at": now, **({"citations": count} if count is not None else {})}
            Manuscript.objects.filter(pk=pk).update(**changes)
        counted += len(batch)
    return counted
