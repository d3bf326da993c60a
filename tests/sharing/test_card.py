"""The share card (the image of a chat card or Moments post): a 5:4 PNG of the public record's milestone, journal
and title, "cited N times" only once published and cited, cached by what it shows, gone with the share; the card
and the poster draw nothing but the public record."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.conf import settings
from django.utils import translation
from PIL import Image
from rest_framework.test import APIClient

from manuscripts.models import Manuscript
from sandbox.png import render_code
from sharing.models import Share
from sharing.poster import CARD_HEIGHT, CARD_WIDTH, CardContent, PosterContent, render_card, render_poster
from sharing.services import share_card_content
from tests.factories import ResearcherFactory
from tests.sharing.conftest import add_coauthor, authored_manuscript, create_share

pytestmark = pytest.mark.django_db


def card(share_id: str, language: str = "zh-hans", **query):
    return APIClient().get(f"/api/v1/shares/{share_id}/card.png", query, HTTP_ACCEPT_LANGUAGE=language)


def public(share_id: str, language: str = "zh-hans") -> dict:
    return APIClient().get(f"/api/v1/shares/{share_id}", HTTP_ACCEPT_LANGUAGE=language).json()


def card_from_public(body: dict, citations_text: str = "") -> bytes:
    """The card drawn from nothing but the public record (and a citations line)."""
    return render_card(CardContent(milestone_label=body["milestone_label"], journal_name=body["journal"]["name"],
                                   title=body["title"], citations_text=citations_text))


def test_the_card_is_a_5_to_4_png_without_a_token(sharer, sharer_client):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()

    response = card(share["id"])

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("PNG", (CARD_WIDTH, CARD_HEIGHT))
    assert CARD_WIDTH * 4 == CARD_HEIGHT * 5


def test_the_card_draws_the_public_record_and_nothing_else(sharer, sharer_client):
    manuscript = authored_manuscript(sharer, raw_status="Awaiting Reviewer Scores", url="https://ojs.example.org/w/9",
                                     doi="10.5555/jas.2026.9")
    add_coauthor(manuscript, ResearcherFactory(display_name="Wang Fang"))
    share = create_share(sharer_client, manuscript, show_coauthors=True).json()

    assert card(share["id"]).content == card_from_public(public(share["id"]))
    assert card(share["id"], "en").content == card_from_public(public(share["id"], "en"))


def test_the_poster_draws_the_public_record_and_the_code_and_nothing_else(sharer, sharer_client, share_page):
    manuscript = authored_manuscript(sharer, raw_status="Awaiting Reviewer Scores", url="https://ojs.example.org/w/9")
    share = create_share(sharer_client, manuscript).json()
    body = public(share["id"])

    poster = APIClient().get(f"/api/v1/shares/{share['id']}/poster.png", HTTP_ACCEPT_LANGUAGE="zh-hans").content

    code = render_code(f"{settings.SHARE_MINIPROGRAM_PAGE}\n{share['scene']}".encode(), 430)
    expected = render_poster(PosterContent(journal_name=body["journal"]["name"], title=body["title"],
                                           milestone_label=body["milestone_label"], date_text=body["date"],
                                           sharer_name=body["sharer"]["display_name"], caption="微信扫码查看文章"),
                             code)
    assert poster == expected


def test_a_published_and_cited_manuscripts_card_says_how_often(sharer, sharer_client):
    manuscript = authored_manuscript(sharer, status="published", doi="10.5555/jas.2026.9",
                                     published_on=date(2026, 9, 20))
    share = create_share(sharer_client, manuscript).json()
    uncited = card(share["id"]).content

    Manuscript.objects.filter(pk=manuscript.pk).update(citations=7)

    assert card(share["id"]).content == card_from_public(public(share["id"]), "被引 7 次")
    assert card(share["id"], "en").content == card_from_public(public(share["id"], "en"), "Cited 7 times")
    assert card(share["id"]).content != uncited


@pytest.mark.parametrize(("status", "citations"), [("published", 0), ("published", None), ("accepted", 5),
                                                   ("in_production", 5)])
def test_no_citations_line_before_publication_or_without_citations(sharer, sharer_client, status, citations):
    manuscript = authored_manuscript(sharer, status=status, citations=citations)
    share = Share.objects.get(pk=create_share(sharer_client, manuscript).json()["id"])

    with translation.override("en"):
        content = share_card_content(share=share, language="en")

    assert content.citations_text == ""
    assert card(share.pk).content == card_from_public(public(share.pk))


def test_lang_names_the_cards_language_for_wechat_which_sends_no_accept_language(sharer, sharer_client):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()

    english = card(share["id"], "zh-hans", lang="en").content

    assert english == card_from_public(public(share["id"], "en"))
    assert english != card(share["id"], "zh-hans").content
    assert card(share["id"], "en", lang="xx").content == english  # an unknown lang: Accept-Language


def test_the_card_is_rendered_once_per_content(sharer, sharer_client, monkeypatch):
    from sharing import services

    renders = []
    real_render = services.render_card
    monkeypatch.setattr(services, "render_card", lambda content: renders.append(content) or real_render(content))
    manuscript = authored_manuscript(sharer)
    share = create_share(sharer_client, manuscript).json()

    first = card(share["id"]).content
    assert card(share["id"]).content == first
    assert len(renders) == 1

    Manuscript.objects.filter(pk=manuscript.pk).update(title="Another title", titles={})
    assert card(share["id"]).content != first
    assert len(renders) == 2


def test_a_deleted_or_unknown_shares_card_is_404(sharer, sharer_client):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()
    assert card(share["id"]).status_code == 200

    assert sharer_client.delete(f"/api/v1/shares/{share['id']}").status_code == 204

    assert card(share["id"]).status_code == 404
    assert card("AAAAAAAAAAAAAAAAAAAAAA").status_code == 404


def test_the_card_is_rate_limited_with_the_other_public_reads(sharer, sharer_client, settings):
    settings.SHARE_PUBLIC_RATE = "2/min"
    share = create_share(sharer_client, authored_manuscript(sharer)).json()

    statuses = [APIClient().get(f"/api/v1/shares/{share['id']}/card.png", REMOTE_ADDR="198.51.100.9").status_code
                for _ in range(3)]

    assert statuses == [200, 200, 429]
