"""Data for tracking tests: journal systems, accounts and snapshots as a connector would return them."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model

from accounts.models import Journal, JournalAccount, JournalAccountStatus, JournalSystem, Researcher
from manuscripts.connectors.base import ManuscriptSnapshot

_sequence = itertools.count(1)
BASE_TIME = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def make_journal_system(key: str = "demo-ojs", base_url: str = "http://127.0.0.1:9", **fields) -> JournalSystem:
    system = JournalSystem.objects.create(key=key, name_en=fields.pop("name_en", "Demo OJS"),
                                          name_zh_hans=fields.pop("name_zh_hans", "演示 OJS"),
                                          platform=fields.pop("platform", "ojs"), base_url=base_url,
                                          credentials=fields.pop("credentials", {"token": "t0ken-value"}), **fields)
    Journal.objects.create(journal_system=system, key="jas", platform_path="jas", name_en="Journal of Applied Science",
                           name_zh_hans="应用科学学报", issn="1234-5678")
    return system


def make_researcher(name: str = "") -> Researcher:
    number = next(_sequence)
    user = get_user_model().objects.create(username=f"researcher{number}")
    return Researcher.objects.create(user=user, display_name=name or f"Researcher {number}")


def make_account(researcher: Researcher, system: JournalSystem, *, email: str, user_id: str,
                 status: str = JournalAccountStatus.VERIFIED) -> JournalAccount:
    return JournalAccount.objects.create(researcher=researcher, journal_system=system, identity=email,
                                         identity_kind="email", platform_user_id=user_id, email_on_file=email,
                                         status=status,
                                         verification_method="email_code" if status == "verified" else "")


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
