"""Segments: each term of the grammar, its checks (every problem named with where it is and the value), its limits,
one SQL query per count, saved segments, and the staff API's `segments/preview` (key, scope, shape)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import JournalAccountStatus
from manuscripts.models import ManuscriptAccess
from tagging.errors import SegmentInvalid
from tagging.models import AssignmentSource, Segment
from tagging.services.segments import (
    MAX_DEPTH,
    MAX_TERMS,
    segment_count,
    segment_create,
    segment_parse,
    segment_researchers,
    segment_sample,
    segment_update,
)
from tagging.services.staff_api import api_key_create
from tagging.services.tags import tag_create, tags_assign
from tests.factories import (
    JournalAccountFactory,
    JournalFactory,
    JournalSystemFactory,
    ManuscriptFactory,
    ResearcherFactory,
)

pytestmark = pytest.mark.django_db

PREVIEW = "/api/v1/staff/segments/preview"


@pytest.fixture(autouse=True)
def _english():
    """Messages checked outside a request are read in English (requests choose by Accept-Language)."""
    with translation.override("en"):
        yield


def members(expression) -> set[int]:
    return set(segment_researchers(expression).values_list("pk", flat=True))


def problems(expression) -> list[str]:
    with pytest.raises(SegmentInvalid) as raised:
        segment_parse(expression)
    return raised.value.fields["expression"]


def author_of(researcher, manuscript, *, status=JournalAccountStatus.VERIFIED):
    account = JournalAccountFactory(researcher=researcher, journal_system=manuscript.journal_system, status=status)
    ManuscriptAccess.objects.create(manuscript=manuscript, journal_account=account)
    return account


# --- terms ------------------------------------------------------------------------------------------------------


def test_tag_term_holds_the_researchers_carrying_it_and_not_an_expired_assignment():
    tag = tag_create(slug="oncology", name_en="Oncology")
    carrier, expired, other = ResearcherFactory(), ResearcherFactory(), ResearcherFactory()
    tags_assign(tag=tag, researcher_ids=[carrier.pk], source=AssignmentSource.STAFF)
    tags_assign(tag=tag, researcher_ids=[expired.pk], source=AssignmentSource.STAFF,
                expires_at=timezone.now() - timedelta(minutes=1))

    assert members({"tag": "oncology"}) == {carrier.pk}
    assert members({"not": {"tag": "oncology"}}) == {expired.pk, other.pk}


def test_journal_and_status_terms_read_manuscripts_seen_through_a_verified_account():
    jas = JournalFactory(key="jas")
    author, pending, stranger = ResearcherFactory(), ResearcherFactory(), ResearcherFactory()
    accepted = ManuscriptFactory(journal_system=jas.journal_system, journal=jas, canonical_status="accepted")
    author_of(author, accepted)
    author_of(pending, accepted, status=JournalAccountStatus.PENDING)
    ManuscriptFactory(journal_system=jas.journal_system, journal=jas, canonical_status="rejected")

    assert members({"journal": "jas"}) == {author.pk}
    assert members({"status": "accepted"}) == {author.pk}
    assert members({"status": "rejected"}) == set()
    assert stranger.pk in members({"not": {"journal": "jas"}})


def test_a_bare_journal_key_names_that_key_in_every_system_and_a_qualified_one_names_one():
    east, west = JournalSystemFactory(key="east"), JournalSystemFactory(key="west")
    in_east, in_west = ResearcherFactory(), ResearcherFactory()
    author_of(in_east, ManuscriptFactory(journal_system=east, journal=JournalFactory(journal_system=east, key="jas")))
    author_of(in_west, ManuscriptFactory(journal_system=west, journal=JournalFactory(journal_system=west, key="jas")))

    assert members({"journal": "jas"}) == {in_east.pk, in_west.pk}
    assert members({"journal": "west/jas"}) == {in_west.pk}
    assert problems({"journal": "north/jas"}) == ["journal: No journal “north/jas”."]


def test_platform_term_needs_a_verified_account_on_that_platform():
    on_ojs, pending, on_scholarone = ResearcherFactory(), ResearcherFactory(), ResearcherFactory()
    JournalAccountFactory(researcher=on_ojs, journal_system=JournalSystemFactory(platform="ojs"))
    JournalAccountFactory(researcher=pending, journal_system=JournalSystemFactory(platform="ojs"),
                          status=JournalAccountStatus.PENDING)
    JournalAccountFactory(researcher=on_scholarone, journal_system=JournalSystemFactory(platform="scholarone"))

    assert members({"platform": "ojs"}) == {on_ojs.pk}


def test_language_and_active_since_terms():
    now = timezone.now()
    recent = ResearcherFactory(language="en", last_seen_at=now - timedelta(days=1))
    old = ResearcherFactory(language="zh-hans", last_seen_at=now - timedelta(days=60))
    never = ResearcherFactory(language="en", last_seen_at=None)
    since = (now - timedelta(days=30)).isoformat()

    assert members({"language": "en"}) == {recent.pk, never.pk}
    assert members({"active_since": since}) == {recent.pk}
    assert members({"not": {"active_since": since}}) == {old.pk, never.pk}  # never seen is not active
    assert members({"active_since": (now - timedelta(days=30)).date().isoformat()}) == {recent.pk}


def test_empty_all_is_everyone_and_empty_any_is_nobody():
    everyone = {ResearcherFactory().pk, ResearcherFactory().pk}

    assert members({"all": []}) == everyone
    assert members({"any": []}) == set()
    assert members({"not": {"any": []}}) == everyone
    assert members({"not": {"all": []}}) == set()
    assert segment_count({"any": []}) == 0


def test_combinations():
    tag_create(slug="a", name_en="A")
    tag_create(slug="b", name_en="B")
    from tagging.models import Tag

    both, only_a, only_b, neither = (ResearcherFactory(language=language) for language in ("en", "en", "zh-hans",
                                                                                              "en"))
    tags_assign(tag=Tag.objects.get(slug="a"), researcher_ids=[both.pk, only_a.pk], source=AssignmentSource.STAFF)
    tags_assign(tag=Tag.objects.get(slug="b"), researcher_ids=[both.pk, only_b.pk], source=AssignmentSource.STAFF)

    assert members({"all": [{"tag": "a"}, {"tag": "b"}]}) == {both.pk}
    assert members({"any": [{"tag": "a"}, {"tag": "b"}]}) == {both.pk, only_a.pk, only_b.pk}
    assert members({"any": [{"tag": "b"}, {"language": "en"}]}) == {both.pk, only_a.pk, only_b.pk, neither.pk}
    assert members({"all": [{"language": "en"}, {"not": {"any": [{"tag": "a"}, {"tag": "b"}]}}]}) == {neither.pk}


# --- checks -----------------------------------------------------------------------------------------------------


def test_every_unknown_value_is_named_with_where_it_is():
    tag_create(slug="known", name_en="Known")

    assert problems({"all": [{"tag": "known"}, {"tag": "nope"},
                             {"not": {"any": [{"journal": "xyz"}, {"status": "lost"}]}},
                             {"platform": "myspace"}, {"language": "fr"}, {"active_since": "yesterday"}]}) == [
        "all[1].tag: No tag “nope”.",
        "all[2].not.any[0].journal: No journal “xyz”.",
        "all[2].not.any[1].status: No manuscript status “lost”; one of: submitted, with_editor, under_review, "
        "revision_requested, revision_submitted, accepted, in_production, published, rejected, withdrawn.",
        "all[3].platform: No platform “myspace”; one of: ojs, scholarone, editorial_manager, janeway, crossref, "
        "file_export.",
        "all[4].language: No language “fr”; one of: zh-hans, en.",
        "all[5].active_since: “yesterday” is not an ISO-8601 date or date and time.",
    ]


@pytest.mark.parametrize("expression, message", [
    ([], "An expression is an object with exactly one key"),
    ({"tag": "a", "journal": "b"}, "An expression is an object with exactly one key"),
    ({"every": []}, "An expression is an object with exactly one key"),
    ({"all": {"tag": "a"}}, "all: “all” takes a list of expressions."),
    ({"any": [{"tag": 5}]}, "any[0].tag: “tag” takes a text value"),
    ({"not": [{"tag": "a"}]}, "not: An expression is an object with exactly one key"),
    ({"language": ""}, "language: “language” takes a text value"),
])
def test_malformed_shapes_are_named(expression, message):
    assert any(text.startswith(message) for text in problems(expression)), problems(expression)


def test_depth_and_size_limits_refuse_before_any_query():
    deep: dict = {"language": "en"}
    for _level in range(10_000):  # far beyond MAX_DEPTH: refused without recursing through it
        deep = {"not": deep}
    wide = {"any": [{"language": "en"}] * 1_000_000}

    with CaptureQueriesContext(connection) as queries:
        assert problems(deep) == [f"The expression is nested more than {MAX_DEPTH} levels deep."]
        assert problems(wide) == [f"The expression has more than {MAX_TERMS} operators."]
        assert problems({"tag": "x" * 1_000_000})[0].startswith("tag: “tag” takes a text value of at most")
    assert len(queries) == 0


def test_counting_a_parsed_segment_is_one_query_and_sampling_one_more():
    tag = tag_create(slug="t", name_en="T")
    researchers = [ResearcherFactory(language="en") for _ in range(25)]
    tags_assign(tag=tag, researcher_ids=[r.pk for r in researchers[:22]], source=AssignmentSource.STAFF)
    JournalFactory(key="jas")
    expression = {"all": [{"tag": "t"}, {"language": "en"}, {"not": {"journal": "jas"}}, {"platform": "ojs"},
                          {"any": [{"status": "accepted"}, {"not": {"active_since": "2026-01-01"}}]}]}
    simple = {"all": [{"tag": "t"}, {"language": "en"}]}

    with CaptureQueriesContext(connection) as parsing:
        parsed = segment_parse(expression)
    with CaptureQueriesContext(connection) as counting:
        segment_count(parsed)
    with CaptureQueriesContext(connection) as sampling:
        sample = segment_sample(segment_parse(simple))

    assert len(parsing) == 2  # the tags named, the journals named
    assert len(counting) == 1
    assert len(sampling) == 2  # the tag, then the sample
    assert len(sample) == 20 and set(sample) <= {r.pk for r in researchers[:22]}


# --- saved segments ---------------------------------------------------------------------------------------------


def test_a_segment_is_saved_only_with_a_valid_expression():
    tag_create(slug="t", name_en="T")
    segment = segment_create(name="Readers of T", expression={"tag": "t"}, journal=JournalFactory())

    with pytest.raises(SegmentInvalid):
        segment_create(name="Broken", expression={"tag": "missing"})
    with pytest.raises(SegmentInvalid):
        segment_update(segment=segment, expression={"tag": "missing"})

    segment.refresh_from_db()
    assert segment.expression == {"tag": "t"}
    assert list(Segment.objects.values_list("name", flat=True)) == ["Readers of T"]


# --- staff API --------------------------------------------------------------------------------------------------


def staff_client(client_factory, *scopes: str):
    _key, raw_key = api_key_create(name="CRM", scopes=list(scopes))
    client_factory.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client_factory


def test_preview_counts_and_samples(api_client):
    tag = tag_create(slug="t", name_en="T")
    carriers = [ResearcherFactory() for _ in range(23)]
    ResearcherFactory()
    tags_assign(tag=tag, researcher_ids=[r.pk for r in carriers], source=AssignmentSource.STAFF)
    client = staff_client(api_client, "segments:read")

    response = client.post(PREVIEW, {"expression": {"tag": "t"}}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 23
    assert len(body["sample"]) == 20 and set(body["sample"]) <= {r.pk for r in carriers}


def test_preview_names_the_unknown_tag_in_the_requests_language(api_client):
    client = staff_client(api_client, "segments:read")

    english = client.post(PREVIEW, {"expression": {"any": [{"tag": "ghost"}]}}, format="json",
                          HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.post(PREVIEW, {"expression": {"any": [{"tag": "ghost"}]}}, format="json",
                          HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == 400
    assert english.json()["code"] == "segment_invalid"
    assert english.json()["fields"] == {"expression": ["any[0].tag: No tag “ghost”."]}
    assert chinese.status_code == 400
    assert "ghost" in chinese.json()["fields"]["expression"][0]
    assert chinese.json()["fields"]["expression"][0] != english.json()["fields"]["expression"][0]


def test_preview_without_a_key_is_401_and_with_another_scope_403(api_client):
    assert api_client.post(PREVIEW, {"expression": {"all": []}}, format="json").status_code == 401
    client = staff_client(api_client, "researchers:read", "tags:write")

    response = client.post(PREVIEW, {"expression": {"all": []}}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_preview_refuses_a_missing_expression_a_huge_body_and_absurd_nesting(api_client):
    client = staff_client(api_client, "segments:read")

    missing = client.post(PREVIEW, {}, format="json")
    huge = client.post(PREVIEW, json.dumps({"expression": {"tag": "x" * 200_000}}), content_type="application/json")
    # Under the size limit, but nested beyond what Python's JSON parser recurses through.
    nested = client.post(PREVIEW, '{"expression": ' + "[" * 30_000 + "]" * 30_000 + "}",
                         content_type="application/json")

    assert missing.status_code == 400 and list(missing.json()["fields"]) == ["expression"]
    assert huge.status_code == 400 and list(huge.json()["fields"]) == ["expression"]
    assert nested.status_code == 400


# --- admin ------------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", password="a-long-boss-password"))
    return client


def test_admin_refuses_to_save_an_invalid_expression_and_names_the_value(admin_client_logged_in):
    response = admin_client_logged_in.post("/admin/tagging/segment/add/", {
        "name": "Ghosts", "description": "", "journal": "", "expression": '{"tag": "ghost"}'},
        HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200  # the form again, with the problem
    assert "No tag “ghost”." in response.content.decode()
    assert not Segment.objects.exists()


def test_admin_saves_a_segment_and_shows_its_count_and_members(admin_client_logged_in):
    tag = tag_create(slug="t", name_en="T")
    carrier = ResearcherFactory(display_name="Ada Carrier")
    tags_assign(tag=tag, researcher_ids=[carrier.pk], source=AssignmentSource.STAFF)

    response = admin_client_logged_in.post("/admin/tagging/segment/add/", {
        "name": "T carriers", "description": "", "journal": "", "expression": '{"tag": "t"}'})
    segment = Segment.objects.get()
    page = admin_client_logged_in.get(f"/admin/tagging/segment/{segment.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert segment.created_by.username == "boss"
    assert "1 researchers" in page.content.decode()
    assert f"/admin/accounts/researcher/{carrier.pk}/change/" in page.content.decode()
    assert "Ada Carrier" in page.content.decode()


def test_admin_preview_counts_what_is_typed_and_names_problems(admin_client_logged_in):
    tag = tag_create(slug="t", name_en="T")
    tags_assign(tag=tag, researcher_ids=[ResearcherFactory().pk, ResearcherFactory().pk],
                source=AssignmentSource.STAFF)

    good = admin_client_logged_in.get("/admin/tagging/segment/preview/", {"expression": '{"tag": "t"}'})
    bad = admin_client_logged_in.get("/admin/tagging/segment/preview/", {"expression": '{"tag": "x"}'},
                                     HTTP_ACCEPT_LANGUAGE="en")
    not_json = admin_client_logged_in.get("/admin/tagging/segment/preview/", {"expression": "{"})
    posted = admin_client_logged_in.post("/admin/tagging/segment/preview/", {"expression": '{"tag": "t"}'})

    assert good.status_code == 200 and good.json()["count"] == 2 and len(good.json()["members"]) == 2
    assert bad.status_code == 400 and bad.json()["problems"] == ["tag: No tag “x”."]
    assert not_json.status_code == 400
    assert posted.status_code == 405
