"""The poster: a real PNG drawn with a CJK font, a Mini Program code whose scene is the share's, and a cache
keyed by what is drawn."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw
from rest_framework.test import APIClient

from manuscripts.models import Manuscript
from sandbox.png import render_code
from sharing.models import SharePoster
from sharing.poster import HEIGHT, WIDTH, PosterContent, poster_font, render_poster, wrap_text
from tests.sharing.conftest import authored_manuscript, create_share

pytestmark = pytest.mark.django_db

WXACODE = "/wxa/getwxacodeunlimit"
MISSING = "\U0010fffd"  # a private-use code point no font draws: its render is the missing-glyph box


def poster(share_id: str, language: str = "zh-hans"):
    return APIClient().get(f"/api/v1/shares/{share_id}/poster.png", HTTP_ACCEPT_LANGUAGE=language)


def ink(text: str, size: int = 48) -> Image.Image:
    font = poster_font(size)
    image = Image.new("L", (size * (len(text) + 1), size * 2), 0)
    ImageDraw.Draw(image).text((size // 2, size // 2), text, font=font, fill=255)
    return image


def same_pixels(first: Image.Image, second: Image.Image) -> bool:
    return ImageChops.difference(first, second).getbbox() is None


def test_the_poster_is_a_png_of_the_poster_size(sharer, sharer_client, share_page):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()

    response = poster(share["id"])

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT))


def test_the_posters_code_comes_from_wxacode_with_the_shares_scene(sharer, sharer_client, share_page):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()

    image = Image.open(io.BytesIO(poster(share["id"]).content)).convert("L")

    assert share_page.wechat.call_count(WXACODE) == 1
    # The sandbox's code depends only on page and scene: the poster holds that very code (scaled).
    expected = Image.open(io.BytesIO(render_code(f"{settings.SHARE_MINIPROGRAM_PAGE}\n{share['scene']}".encode(),
                                                 430))).convert("L").resize((280, 280))
    code_box = ((WIDTH - 280) // 2, HEIGHT - 280 - 110, (WIDTH + 280) // 2, HEIGHT - 110)
    difference = ImageChops.difference(image.crop(code_box), expected)
    assert sum(difference.histogram()[64:]) < 280 * 280 // 50  # the same modules, up to resampling edges


def test_chinese_glyphs_are_really_drawn():
    tofu = ink(MISSING)
    for character in "录用应用科学学报":
        assert not same_pixels(ink(character), tofu), character
        assert ink(character).getbbox() is not None
    assert not same_pixels(ink("录"), ink("用"))


def test_the_drawn_chinese_title_is_not_a_row_of_missing_glyph_boxes():
    code = render_code(b"x", 430)
    fixed = {"journal_name": "应用科学学报", "milestone_label": "已录用", "date_text": "2026-09-14",
             "sharer_name": "李华", "caption": "微信扫码查看"}
    content = PosterContent(title="干旱胁迫下土壤微生物组的变化", **fixed)
    tofu_content = PosterContent(title=MISSING * 14, **fixed)

    drawn = Image.open(io.BytesIO(render_poster(content, code)))
    boxes = Image.open(io.BytesIO(render_poster(tofu_content, code)))

    assert ImageChops.difference(drawn, boxes).getbbox() is not None


def test_the_poster_is_cached_until_its_content_changes(sharer, sharer_client, share_page):
    manuscript = authored_manuscript(sharer, status="accepted")
    share = create_share(sharer_client, manuscript).json()
    first = poster(share["id"]).content

    assert poster(share["id"]).content == first
    assert (share_page.wechat.call_count(WXACODE), SharePoster.objects.count()) == (1, 1)

    Manuscript.objects.filter(pk=manuscript.pk).update(canonical_status="published")
    published = poster(share["id"]).content

    assert published != first
    assert (share_page.wechat.call_count(WXACODE), SharePoster.objects.count()) == (2, 2)
    assert poster(share["id"]).content == published
    assert share_page.wechat.call_count(WXACODE) == 2


def test_each_language_has_its_poster(sharer, sharer_client, share_page):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()

    assert poster(share["id"], "zh-hans").content != poster(share["id"], "en").content
    assert SharePoster.objects.count() == 2


def test_wechat_unavailable_is_503_and_nothing_is_cached(sharer, sharer_client, share_page):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()
    share_page.wechat.inject_fault(WXACODE, -1)

    response = poster(share["id"])

    assert response.status_code == 503 and response.json()["code"] == "upstream_unavailable"
    assert not SharePoster.objects.exists()
    assert poster(share["id"]).status_code == 200


def test_a_refused_token_is_refreshed_once(sharer, sharer_client, share_page):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()
    share_page.wechat.inject_fault(WXACODE, 40001)

    assert poster(share["id"]).status_code == 200
    assert share_page.wechat.call_count(WXACODE) == 2


def test_an_unreleased_share_page_is_an_upstream_failure(sharer, sharer_client, wechat_sandbox):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()
    released = wechat_sandbox.wechat.pages
    wechat_sandbox.wechat.pages = released - {settings.SHARE_MINIPROGRAM_PAGE}  # WeChat answers 41030
    try:
        assert poster(share["id"]).status_code == 503
    finally:
        wechat_sandbox.wechat.pages = released


def test_chinese_titles_wrap_between_characters_and_english_between_words():
    font = poster_font(40, "Bold")

    chinese = wrap_text("干旱胁迫下土壤微生物组的变化：一项长期田间试验，结果与讨论", font, 400)
    english = wrap_text("Soil Microbiome Shifts Under Drought in Semi-arid Grasslands", font, 400)

    assert len(chinese) > 1 and all(font.getlength(line) <= 400 for line in chinese + english)
    assert "".join(chinese) == "干旱胁迫下土壤微生物组的变化：一项长期田间试验，结果与讨论"
    assert not any(line[0] in "，。：" for line in chinese)
    assert " ".join(english).split() == "Soil Microbiome Shifts Under Drought in Semi-arid Grasslands".split()
    words = set("Soil Microbiome Shifts Under Drought in Semi-arid Grasslands".split())
    assert all(word in words for line in english for word in line.split())


def test_a_long_title_ends_with_an_ellipsis():
    font = poster_font(40, "Bold")

    lines = wrap_text("很长的标题" * 40, font, 400, max_lines=3)

    assert len(lines) == 3 and lines[-1].endswith("…")


@settings_hypothesis(max_examples=40, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(["干旱", "胁迫", "，", "。", "（", "）", "Soil", "microbiome", " ", "drought,",
                                 "Pneumonoultramicroscopicsilicovolcanoconiosis", "：", "2026"]), max_size=30))
def test_wrapped_lines_fit_and_keep_every_character(pieces):
    font = poster_font(40, "Bold")
    text = "".join(pieces)

    lines = wrap_text(text, font, 300)

    assert all(font.getlength(line) <= 300 for line in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())


def test_only_the_newest_posters_of_a_share_are_kept(sharer, sharer_client, share_page):
    from sharing.services import POSTERS_KEPT_PER_SHARE

    manuscript = authored_manuscript(sharer)
    share = create_share(sharer_client, manuscript).json()
    for number in range(POSTERS_KEPT_PER_SHARE + 2):
        Manuscript.objects.filter(pk=manuscript.pk).update(title=f"Title {number}", titles={})
        assert poster(share["id"], "en").status_code == 200

    assert SharePoster.objects.count() == POSTERS_KEPT_PER_SHARE
    assert share_page.wechat.call_count(WXACODE) == POSTERS_KEPT_PER_SHARE + 2
    assert poster(share["id"], "en").status_code == 200  # the newest is served from the store
    assert share_page.wechat.call_count(WXACODE) == POSTERS_KEPT_PER_SHARE + 2
