"""Data for tracking tests: journal systems, accounts and snapshots as a connector would return them."""

from __future__ import annotations

from datetime import timedelta

from accounts.models import JournalAccount, JournalAccountStatus, JournalSystem, Researcher
from manuscripts.connectors.base import ManuscriptSnapshot
from tests.factories import (
    BASE_TIME,
    JournalAccountFactory,
    JournalFactory,
    JournalSystemFactory,
    ResearcherFactory,
)

__all__ = ["BASE_TIME", "make_account", "make_journal_system", "make_researcher", "snapshot"]


# The builders below predate tests/factories.py; they stay as thin wrappers so their callers keep working.

def make_journal_system(key: str = "demo-ojs", base_url: str = "http://127.0.0.1:9", **fields) -> JournalSystem:
    """A journal system with its journal "jas"."""
    system = JournalSystemFactory(key=key, base_url=base_url, **fields)
    JournalFactory(journal_system=system)
    return system


def make_researcher(name: str = "") -> Researcher:
    return ResearcherFactory(display_name=name) if name else ResearcherFactory()


def make_account(researcher: Researcher, system: JournalSystem, *, email: str, user_id: str,
                 status: str = JournalAccountStatus.VERIFIED) -> JournalAccount:
    return JournalAccountFactory(researcher=researcher, journal_system=system, identity=email,
                                 platform_user_id=user_id, status=status)


def snapshot(platform_id: str = "1042", *, status: str = "under_review", raw: str = "Under review",
             minutes: int = 0, emails: tuple[str, ...] = ("li.wei@example.org",), user_ids: tuple[str, ...] = (),
             title: str = "Soil Microbiome Shifts Under Drought", **fields) -> ManuscriptSnapshot:
    activity = BASE_TIME + timedelta(minutes=minutes)
    return ManuscriptSnapshot(
        platform_id=platform_id, journal_path=fields.pop("journal_path", "jas"),
        titles=fields.pop("titles", {"en": title, "zh-hans": "干旱下土壤微生物组的变化"}),
        canonical_status=status, raw_status=raw, last_activity_at=activity,
        submitted_at=fields.pop("submitted_at", BASE_TIME - timedelta(days=30)),
        status_changed_at=fields.pop("status_changed_at", activity), author_emails=emails, author_user_ids=user_ids,
        **fields,
    )
