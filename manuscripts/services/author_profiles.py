"""What bibliographic sources (Crossref) say of an author as a whole: works count and subjects (enrichment)."""

from __future__ import annotations

import logging

from accounts.models import JournalSystem
from manuscripts.connectors.base import ConnectorError
from manuscripts.connectors.registry import connector_for
from manuscripts.resilience import platform_call
from manuscripts.services.platforms import PUBLICATION_SOURCES, platform_config_for

logger = logging.getLogger(__name__)


class AuthorProfileUnavailable(Exception):
    """No bibliographic source is configured, or it failed (rate limit, circuit open, an error answer)."""


def author_publication_profile(*, orcid: str) -> dict:
    """{"works": n, "subjects": [names, most frequent first], "source": journal system key} from the first
    enabled bibliographic source, under its rate limit and circuit breaker. Raises AuthorProfileUnavailable."""
    source = (JournalSystem.objects.filter(enabled=True, platform__in=PUBLICATION_SOURCES)
              .order_by("pk").first())
    if source is None:
        raise AuthorProfileUnavailable("no enabled Crossref journal system")
    connector = connector_for(platform_config_for(source))
    try:
        profile = platform_call(source, connector.author_profile, orcid, attempts=1)
    except ConnectorError as exc:
        raise AuthorProfileUnavailable(str(exc)) from exc
    return {**profile, "source": source.key}
