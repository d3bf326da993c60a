"""Following the shared manuscript's journal from the share page: a signed-in researcher only, through tagging's
journal follows (the interests page shows it), idempotent, 404 once the share is gone."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tagging.models import JournalFollow
from tests.factories import ResearcherFactory
from tests.sharing.conftest import authored_manuscript, client_for, create_share

pytestmark = pytest.mark.django_db


def follow(client: APIClient, share_id: str):
    return client.post(f"/api/v1/shares/{share_id}/follow-journal")


def test_a_visitor_follows_the_shared_manuscripts_journal(sharer, sharer_client):
    manuscript = authored_manuscript(sharer)
    share = create_share(sharer_client, manuscript).json()
    visitor = ResearcherFactory()
    client = client_for(visitor)

    assert follow(client, share["id"]).status_code == 204

    assert list(JournalFollow.objects.filter(researcher=visitor).values_list("journal_id", flat=True)) == [
        manuscript.journal_id]
    interests = client.get("/api/v1/me/interests").json()
    assert [journal["followed"] for journal in interests["journals"] if journal["id"] == manuscript.journal_id] == [
        True]


def test_following_twice_changes_nothing_and_keeps_other_follows(sharer, sharer_client):
    manuscript = authored_manuscript(sharer)
    other = authored_manuscript(ResearcherFactory())
    share = create_share(sharer_client, manuscript).json()
    visitor = ResearcherFactory()
    JournalFollow.objects.create(researcher=visitor, journal=other.journal)

    assert follow(client_for(visitor), share["id"]).status_code == 204
    assert follow(client_for(visitor), share["id"]).status_code == 204

    assert sorted(JournalFollow.objects.filter(researcher=visitor).values_list("journal_id", flat=True)) == sorted(
        [manuscript.journal_id, other.journal_id])


def test_following_needs_a_token(sharer, sharer_client):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()

    response = follow(APIClient(), share["id"])

    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert not JournalFollow.objects.exists()


def test_a_deleted_or_unknown_share_is_404(sharer, sharer_client):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()
    sharer_client.delete(f"/api/v1/shares/{share['id']}")
    client = client_for(ResearcherFactory())

    assert follow(client, share["id"]).status_code == 404
    assert follow(client, "AAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    assert not JournalFollow.objects.exists()


def test_a_disabled_journal_cannot_be_followed(sharer, sharer_client):
    manuscript = authored_manuscript(sharer)
    share = create_share(sharer_client, manuscript).json()
    manuscript.journal.enabled = False
    manuscript.journal.save(update_fields=["enabled"])

    response = follow(client_for(ResearcherFactory()), share["id"])

    assert response.status_code == 400 and "journals" in response.json()["fields"]
    assert not JournalFollow.objects.exists()


def test_the_follow_service_says_whether_the_follow_is_new(sharer):
    from tagging.services.interests import journal_follow

    journal = authored_manuscript(sharer).journal
    visitor = ResearcherFactory()

    assert journal_follow(researcher=visitor, journal_id=journal.pk) is True
    assert journal_follow(researcher=visitor, journal_id=journal.pk) is False
    assert JournalFollow.objects.filter(researcher=visitor).count() == 1
