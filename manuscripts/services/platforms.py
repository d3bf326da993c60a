"""The connector configuration of a journal system."""

from __future__ import annotations

from accounts.models import JournalSystem
from manuscripts.connectors.base import PlatformConfig
from manuscripts.resilience import PlatformGate

# Platforms that describe published works only (bibliographic sources), not submissions.
PUBLICATION_SOURCES = ("crossref",)


def platform_config_for(journal_system: JournalSystem) -> PlatformConfig:
    return PlatformConfig(
        key=journal_system.key,
        platform=journal_system.platform,
        base_url=journal_system.base_url,
        credentials=journal_system.credentials or {},
        timeout_seconds=journal_system.timeout_seconds,
        journal_paths={journal.key: journal.platform_path for journal in journal_system.journals.all()},
        request_gate=PlatformGate(journal_system),
    )
