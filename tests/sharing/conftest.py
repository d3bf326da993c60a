"""Shares' fixtures: researchers with manuscripts they author through verified accounts, and API clients."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from manuscripts.models import ManuscriptAccess, StatusEvent
from tests.factories import JournalAccountFactory, JournalSystemFactory, ManuscriptFactory, ResearcherFactory

ACCEPTED_AT = datetime(2026, 9, 14, 3, 0, tzinfo=UTC)  # 11:00 in Beijing: the 14th in any case


def client_for(researcher) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=researcher.user)
    return client


def authored_manuscript(researcher, *, status: str = "accepted", system=None, **fields):
    """A manuscript the researcher authors: their verified account on its journal system lists it; its timeline
    reached `status` at ACCEPTED_AT."""
    system = system or JournalSystemFactory()
    account = JournalAccountFactory(researcher=researcher, journal_system=system)
    manuscript = ManuscriptFactory(journal_system=system, canonical_status=status, **fields)
    ManuscriptAccess.objects.create(journal_account=account, manuscript=manuscript)
    StatusEvent.objects.create(manuscript=manuscript, from_status="under_review", to_status=status,
                               occurred_at=ACCEPTED_AT)
    return manuscript


def add_coauthor(manuscript, researcher) -> None:
    account = JournalAccountFactory(researcher=researcher, journal_system=manuscript.journal_system)
    ManuscriptAccess.objects.create(journal_account=account, manuscript=manuscript)


@pytest.fixture
def sharer():
    return ResearcherFactory(display_name="李华")


@pytest.fixture
def sharer_client(sharer) -> APIClient:
    return client_for(sharer)


@pytest.fixture
def share_page(wechat_sandbox):
    """The WeChat sandbox with the share page released (app.json lists it: the sandbox reads its pages there)."""
    pages = wechat_sandbox.wechat.pages
    wechat_sandbox.wechat.pages = pages | {settings.SHARE_MINIPROGRAM_PAGE}
    yield wechat_sandbox
    wechat_sandbox.wechat.pages = pages


def create_share(client: APIClient, manuscript, **body):
    return client.post(f"/api/v1/manuscripts/{manuscript.pk}/shares", body, format="json")
