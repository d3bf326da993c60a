"""Article impact: citations of published manuscripts, from Crossref's is-referenced-by-count (the count of
Crossref works whose deposited references cite the DOI; a lower bound of citations elsewhere), and views and
downloads where the manuscript's own platform reports them.

Citations are refreshed weekly (beat) for published manuscripts with a DOI, those counted longest ago first,
through the first enabled Crossref journal system under its rate limit and circuit breaker, CITATION_BATCH DOIs
per request. A run that Crossref stops keeps what it counted; the next run goes on from the DOIs counted longest
ago.

Usage (views, downloads) is refreshed weekly the same way for published manuscripts of journal systems whose
connector reports it (``platforms_with_usage()``: OJS's usage statistics API, read with the system's manager token;
views = abstract-page views, downloads = full-text galley views, see ``connectors/ojs.py``), per journal,
USAGE_BATCH submissions per request, through each system's rate limit and circuit breaker. A system that fails
stops for this run (the others go on) and keeps what it read; its manuscripts stay due. Platforms without a usage
API (ScholarOne, Editorial Manager, Janeway, file exports, Crossref records) keep ``views``/``downloads`` null.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import JournalSystem
from manuscripts.connectors.base import USAGE_BATCH, ConnectorError
from manuscripts.connectors.crossref import CITATION_BATCH
from manuscripts.connectors.registry import connector_for, platforms_with_usage
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


def usage_refresh(*, limit: int | None = None) -> int:
    """Read the views and downloads of published manuscripts not read for USAGE_REFRESH_DAYS on platforms that
    report them; returns how many manuscripts were read. Only manuscripts of an enabled journal system with a
    journal (the platform counts per journal) are read; the others keep null."""
    limit = settings.USAGE_REFRESH_LIMIT if limit is None else limit
    stale_before = timezone.now() - timedelta(days=settings.USAGE_REFRESH_DAYS)
    due = (Manuscript.objects.filter(canonical_status=CanonicalStatus.PUBLISHED, journal__isnull=False,
                                     journal_system__enabled=True, journal_system__platform__in=platforms_with_usage())
           .filter(Q(usage_checked_at__isnull=True) | Q(usage_checked_at__lt=stale_before))
           .order_by(F("usage_checked_at").asc(nulls_first=True), "pk")
           .values_list("pk", "journal_system_id", "journal__platform_path", "platform_id")[:limit])
    by_system: dict[int, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
    for pk, system_id, path, platform_id in due:
        by_system[system_id][path].append((pk, platform_id))
    systems = JournalSystem.objects.prefetch_related("journals").in_bulk(list(by_system))
    read = 0
    for system_id, by_path in by_system.items():
        system = systems[system_id]
        connector = connector_for(platform_config_for(system))
        try:
            for path, rows in by_path.items():
                for start in range(0, len(rows), USAGE_BATCH):
                    batch = rows[start:start + USAGE_BATCH]
                    counts = platform_call(system, connector.usage_counts, path, [pid for _pk, pid in batch])
                    now = timezone.now()
                    Manuscript.objects.bulk_update(
                        [Manuscript(pk=pk, views=counts[pid].views, downloads=counts[pid].downloads,
                                    usage_checked_at=now) for pk, pid in batch],
                        ["views", "downloads", "usage_checked_at"])
                    read += len(batch)
        except ConnectorError as exc:
            logger.warning("usage of %s stopped after %d manuscripts in all: %s", system.key, read, exc)
    return read
