"""Which connector serves a journal system: ``connector_for(config)`` by ``config.platform``."""

from __future__ import annotations

from manuscripts.connectors.base import Connector, PlatformConfig, PushConnector
from manuscripts.connectors.crossref import CrossrefConnector
from manuscripts.connectors.file_export import FileExportConnector
from manuscripts.connectors.ojs import OjsConnector
from manuscripts.connectors.scholarone import ScholarOneConnector

CONNECTORS: dict[str, type[Connector]] = {
    "ojs": OjsConnector,
    "editorial_manager": FileExportConnector, "janeway": FileExportConnector, "file_export": FileExportConnector,
    "crossref": CrossrefConnector,
    "scholarone": ScholarOneConnector,
}


# Platforms that notify us (webhooks), by platform: see base.PushConnector. Empty until one is built against a
# platform's documented message format (Editorial Manager's Notification Services are the first candidate);
# every platform above is still polled, so a push connector only ever adds to what polling finds.
PUSH_CONNECTORS: dict[str, type[PushConnector]] = {}


def push_connector_for(config: PlatformConfig) -> PushConnector | None:
    """The push connector for the journal system's platform, or None when the platform is only polled."""
    connector_class = PUSH_CONNECTORS.get(config.platform)
    return connector_class(config) if connector_class is not None else None


def platforms_polled_platform_wide() -> list[str]:
    """Platforms whose connector lists every change since a cursor: polled once per journal system."""
    return [platform for platform, connector in CONNECTORS.items() if connector.supports_platform_changes]


def platforms_polled_per_account() -> list[str]:
    return [platform for platform, connector in CONNECTORS.items() if not connector.supports_platform_changes]


def platforms_with_usage() -> list[str]:
    """Platforms whose connector reports views and downloads of published articles (``usage_counts``); the
    others (ScholarOne, Editorial Manager, Janeway, file exports, Crossref) give authors no usage API."""
    return [platform for platform, connector in CONNECTORS.items() if getattr(connector, "supports_usage", False)]


def connector_for(config: PlatformConfig) -> Connector:
    """A connector for the journal system; ValueError for a platform without one."""
    try:
        connector_class = CONNECTORS[config.platform]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise ValueError(f"no connector for platform {config.platform!r} (available: {known})") from None
    return connector_class(config)
