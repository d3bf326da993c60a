"""Enrichment: a researcher's works count and subjects from Crossref, looked up by their proven ORCID iD only
(a typed iD is anyone's: it would credit a stranger's works to whoever typed it). On demand from admin and
nightly for those not looked up for ENRICHMENT_REFRESH_DAYS, a bounded number per run (Crossref's polite pool
allows 3 list requests a second, shared with tracking)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.selectors import researchers_with_proven_orcid
from manuscripts.services.author_profiles import AuthorProfileUnavailable, author_publication_profile
from tagging.models import ResearcherEnrichment

logger = logging.getLogger(__name__)


def researcher_enrich(*, researcher_id: int) -> ResearcherEnrichment | None:
    """Look the researcher up now; None when they have no proven ORCID iD. A failed look-up keeps the previous
    figures and records the error."""
    orcid = researchers_with_proven_orcid().filter(pk=researcher_id).values_list("orcid", flat=True).first()
    if not orcid:
        return None
    enrichment, _created = ResearcherEnrichment.objects.get_or_create(researcher_id=researcher_id)
    try:
        profile = author_publication_profile(orcid=orcid)
    except AuthorProfileUnavailable as exc:
        enrichment.error = str(exc)[:300]
        enrichment.save(update_fields=["error"])
        raise
    enrichment.works_count = profile["works"]
    enrichment.subjects = profile["subjects"][:20]
    enrichment.source = profile["source"]
    enrichment.enriched_at = timezone.now()
    enrichment.error = ""
    enrichment.save()
    return enrichment


def researchers_enrich_due(*, limit: int | None = None) -> dict[str, int]:
    """Nightly: look up researchers with a proven iD never looked up or not for ENRICHMENT_REFRESH_DAYS, oldest
    first, at most `limit`; stops at the first failure of the source (it would fail for the rest too)."""
    limit = settings.ENRICHMENT_BATCH if limit is None else limit
    stale_before = timezone.now() - timedelta(days=settings.ENRICHMENT_REFRESH_DAYS)
    due = (researchers_with_proven_orcid()
           .filter(Q(enrichment__isnull=True) | Q(enrichment__enriched_at__isnull=True)
                   | Q(enrichment__enriched_at__lt=stale_before))
           .order_by("enrichment__enriched_at", "pk").values_list("pk", flat=True)[:limit])
    done = 0
    for researcher_id in list(due):
        try:
            researcher_enrich(researcher_id=researcher_id)
        except AuthorProfileUnavailable as exc:
            logger.warning("enrichment stopped after %d researchers: %s", done, exc)
            return {"enriched": done, "stopped": 1}
        done += 1
    return {"enriched": done, "stopped": 0}
