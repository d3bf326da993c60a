"""Shares over HTTP: who may share what, the opaque id and scene, the public record and nothing more, delete."""

from __future__ import annotations

import json
import re

import pytest
from rest_framework.test import APIClient

from manuscripts.models import Manuscript
from sharing.api import PUBLIC_FIELDS
from sharing.models import Share
from tests.factories import ResearcherFactory
from tests.sharing.conftest import add_coauthor, authored_manuscript, client_for, create_share

pytestmark = pytest.mark.django_db

SCENE_RE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}")  # wxacode.getUnlimited's scene
ALLOWED_NESTED = {"journal": {"name"}, "sharer": {"display_name"}}


def assert_only_allowed_fields(body: dict, *, coauthors: bool) -> None:
    """Every key (nested ones too) of a public share is on the allowed list, and each value has its type."""
    expected = set(PUBLIC_FIELDS) - (set() if coauthors else {"coauthors"})
    assert set(body) == expected
    for key, allowed in ALLOWED_NESTED.items():
        assert set(body[key]) == allowed and all(isinstance(value, str) for value in body[key].values())
    for key in ("id", "title", "milestone", "milestone_label"):
        assert isinstance(body[key], str)
    assert body["date"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["date"])
    assert body["doi"] is None or isinstance(body["doi"], str)
    if coauthors:
        assert all(isinstance(name, str) for name in body["coauthors"])


@pytest.mark.parametrize("status", ["accepted", "in_production", "published"])
def test_a_researcher_shares_an_accepted_in_production_or_published_manuscript(sharer, sharer_client, status):
    manuscript = authored_manuscript(sharer, status=status)

    response = create_share(sharer_client, manuscript, show_coauthors=False)

    assert response.status_code == 201
    body = response.json()
    share = Share.objects.get()
    assert (body["id"], body["scene"], share.researcher, share.manuscript) == (share.pk, share.scene, sharer,
                                                                               manuscript)


@pytest.mark.parametrize("status", ["submitted", "under_review", "revision_requested", "rejected", "withdrawn"])
def test_a_manuscript_before_acceptance_cannot_be_shared(sharer, sharer_client, status):
    manuscript = authored_manuscript(sharer, status=status)

    response = create_share(sharer_client, manuscript)

    assert response.status_code == 409 and response.json()["code"] == "not_shareable"
    assert not Share.objects.exists()


def test_another_researchers_manuscript_cannot_be_shared(sharer_client):
    someone_elses = authored_manuscript(ResearcherFactory(), status="published")

    response = create_share(sharer_client, someone_elses)

    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not Share.objects.exists()


def test_a_manuscript_seen_through_an_unverified_account_cannot_be_shared(sharer, sharer_client):
    manuscript = authored_manuscript(sharer)
    sharer.journal_accounts.update(status="pending")

    assert create_share(sharer_client, manuscript).status_code == 404


def test_sharing_needs_a_token():
    manuscript = authored_manuscript(ResearcherFactory())

    assert create_share(APIClient(), manuscript).status_code == 401


def test_show_coauthors_must_be_a_boolean(sharer, sharer_client):
    response = create_share(sharer_client, authored_manuscript(sharer), show_coauthors="perhaps")

    assert response.status_code == 400 and "show_coauthors" in response.json()["fields"]


def test_share_ids_are_opaque_and_scenes_fit_wxacode(sharer, sharer_client):
    manuscript = authored_manuscript(sharer)

    bodies = [create_share(sharer_client, manuscript).json() for _ in range(5)]

    ids = [body["id"] for body in bodies]
    assert len(set(ids)) == 5
    for body in bodies:
        assert len(body["id"]) >= 16 and not body["id"].isdigit() and str(manuscript.pk) != body["id"]
        assert SCENE_RE.fullmatch(body["scene"]) and len(body["scene"]) <= 32
    assert len({body["scene"] for body in bodies}) == 5


def test_the_scene_resolves_to_the_share(sharer, sharer_client):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()

    response = APIClient().get(f"/api/v1/shares/by-scene/{share['scene']}")

    assert response.status_code == 200 and response.json()["id"] == share["id"]
    assert_only_allowed_fields(response.json(), coauthors=False)
    assert APIClient().get("/api/v1/shares/by-scene/s=nothing-here").status_code == 404


def test_the_public_share_needs_no_token_and_shows_exactly_the_allowed_fields(sharer, sharer_client):
    manuscript = authored_manuscript(sharer, title="干旱胁迫下土壤微生物组的变化")
    share = create_share(sharer_client, manuscript).json()

    response = APIClient().get(f"/api/v1/shares/{share['id']}", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    body = response.json()
    assert_only_allowed_fields(body, coauthors=False)
    assert body == {
        "id": share["id"], "title": "干旱胁迫下土壤微生物组的变化", "journal": {"name": "应用科学学报"},
        "milestone": "accepted", "milestone_label": "已录用", "date": "2026-09-14", "doi": None,
        "sharer": {"display_name": "李华"},
    }


def test_the_public_share_follows_accept_language(sharer, sharer_client):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()

    body = APIClient().get(f"/api/v1/shares/{share['id']}", HTTP_ACCEPT_LANGUAGE="en").json()

    assert (body["journal"]["name"], body["milestone_label"]) == ("Journal of Applied Science", "Accepted")


def test_a_stale_token_does_not_hide_the_public_share(sharer, sharer_client):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer no-such-token")

    assert client.get(f"/api/v1/shares/{share['id']}").status_code == 200


def test_the_public_share_holds_nothing_of_accounts_platforms_or_review(sharer, sharer_client):
    manuscript = authored_manuscript(sharer, raw_status="Awaiting Reviewer Scores", url="https://ojs.example.org/w/9")
    share = create_share(sharer_client, manuscript).json()

    text = json.dumps(APIClient().get(f"/api/v1/shares/{share['id']}").json(), ensure_ascii=False)

    account = sharer.journal_accounts.get()
    for secret in (account.identity, account.email_on_file, account.platform_user_id, manuscript.platform_id,
                   manuscript.raw_status, manuscript.url, str(sharer.pk), str(manuscript.pk)):
        assert f'"{secret}"' not in text and secret not in json.loads(text).values()
    assert "@" not in text


def test_the_doi_shows_only_once_published(sharer, sharer_client):
    manuscript = authored_manuscript(sharer, status="in_production", doi="10.5555/jas.2026.9")
    share = create_share(sharer_client, manuscript).json()
    assert APIClient().get(f"/api/v1/shares/{share['id']}").json()["doi"] is None

    Manuscript.objects.filter(pk=manuscript.pk).update(canonical_status="published")

    body = APIClient().get(f"/api/v1/shares/{share['id']}").json()
    assert (body["milestone"], body["doi"]) == ("published", "10.5555/jas.2026.9")
    assert_only_allowed_fields(body, coauthors=False)


def test_the_date_is_the_day_the_timeline_reached_the_milestone(sharer, sharer_client):
    manuscript = authored_manuscript(sharer, status="published", published_on=None)

    share = create_share(sharer_client, manuscript).json()

    assert APIClient().get(f"/api/v1/shares/{share['id']}").json()["date"] == "2026-09-14"


def test_coauthors_show_only_when_chosen(sharer, sharer_client):
    manuscript = authored_manuscript(sharer)
    add_coauthor(manuscript, ResearcherFactory(display_name="Wang Fang"))
    add_coauthor(manuscript, ResearcherFactory(display_name=""))  # no name to show
    hidden = create_share(sharer_client, manuscript, show_coauthors=False).json()
    shown = create_share(sharer_client, manuscript, show_coauthors=True).json()

    hidden_body = APIClient().get(f"/api/v1/shares/{hidden['id']}").json()
    shown_body = APIClient().get(f"/api/v1/shares/{shown['id']}").json()

    assert_only_allowed_fields(hidden_body, coauthors=False)
    assert_only_allowed_fields(shown_body, coauthors=True)
    assert shown_body["coauthors"] == ["Wang Fang"]
    assert "Wang Fang" not in json.dumps(hidden_body)


def test_an_unknown_share_is_404():
    assert APIClient().get("/api/v1/shares/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404


def test_the_sharer_deletes_the_share_and_then_it_is_gone(sharer, sharer_client, share_page):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()
    assert APIClient().get(f"/api/v1/shares/{share['id']}/poster.png").status_code == 200

    assert sharer_client.delete(f"/api/v1/shares/{share['id']}").status_code == 204

    assert APIClient().get(f"/api/v1/shares/{share['id']}").status_code == 404
    assert APIClient().get(f"/api/v1/shares/{share['id']}/poster.png").status_code == 404
    assert APIClient().get(f"/api/v1/shares/by-scene/{share['scene']}").status_code == 404
    assert sharer_client.delete(f"/api/v1/shares/{share['id']}").status_code == 404


def test_nobody_else_can_delete_a_share(sharer, sharer_client):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()

    assert client_for(ResearcherFactory()).delete(f"/api/v1/shares/{share['id']}").status_code == 404
    assert APIClient().delete(f"/api/v1/shares/{share['id']}").status_code == 404
    assert Share.objects.filter(pk=share["id"]).exists()


def test_public_reads_are_rate_limited_per_client_address(sharer, sharer_client, settings):
    settings.SHARE_PUBLIC_RATE = "3/min"
    share = create_share(sharer_client, authored_manuscript(sharer)).json()
    url = f"/api/v1/shares/{share['id']}"

    statuses = [APIClient().get(url, REMOTE_ADDR="198.51.100.7").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert APIClient().get(url, REMOTE_ADDR="198.51.100.8").status_code == 200


def test_the_sharer_lists_their_shares_of_a_manuscript(sharer, sharer_client):
    manuscript = authored_manuscript(sharer)
    first = create_share(sharer_client, manuscript).json()
    second = create_share(sharer_client, manuscript, show_coauthors=True).json()

    body = sharer_client.get(f"/api/v1/manuscripts/{manuscript.pk}/shares").json()

    assert [item["id"] for item in body["results"]] == [second["id"], first["id"]]
    assert body["results"][0]["open_count"] == 0 and body["results"][0]["show_coauthors"] is True
    assert client_for(ResearcherFactory()).get(f"/api/v1/manuscripts/{manuscript.pk}/shares").status_code == 404

