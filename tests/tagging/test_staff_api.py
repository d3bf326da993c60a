"""The staff API's keys, scopes, rate limit, tags and tag assignments (DESIGN Contract: Staff API)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tagging.models import AssignmentSource, Tag, TagAssignment, TagAudit
from tagging.services.staff_api import api_key_create, api_key_revoke
from tagging.services.tags import tag_create, tags_assign
from tests.factories import ResearcherFactory, WeChatIdentityFactory
from tests.tagging.staff_api_helpers import key_client

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"  # ORCID's own example iD (its check digit is right)


@pytest.fixture
def oncology():
    return tag_create(slug="oncology", name_en="Oncology", name_zh_hans="肿瘤学")


def _assign(client, tag: str, researchers: list[dict], action: str = "add"):
    return client.post("/api/v1/staff/tag-assignments", {"tag": tag, "action": action, "researchers": researchers},
                       format="json")


# --- keys and scopes -----------------------------------------------------------------------------------------

def test_no_key_is_401():
    response = APIClient().get("/api/v1/staff/researchers")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_unknown_or_revoked_key_is_401():
    key, raw_key = api_key_create(name="CRM", scopes=["researchers:read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}x")
    assert client.get("/api/v1/staff/researchers").status_code == 401

    api_key_revoke(key=key)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert client.get("/api/v1/staff/researchers").status_code == 401


def test_a_researchers_bearer_token_is_not_a_key(researcher_client):
    client, _body = researcher_client

    assert client.get("/api/v1/staff/researchers").status_code == 401
    assert _assign(client, "oncology", [{"id": 1}]).status_code == 401


def test_a_read_key_cannot_write(oncology):
    reader = key_client("researchers:read")

    response = _assign(reader, "oncology", [{"id": ResearcherFactory().pk}])

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not TagAssignment.objects.exists()
    assert reader.post("/api/v1/staff/tags", {"slug": "x", "name": {"en": "X"}}, format="json").status_code == 403


@pytest.mark.parametrize(("path", "scope"), [
    ("/api/v1/staff/researchers", "researchers:read"),
    ("/api/v1/staff/manuscripts", "manuscripts:read"),
    ("/api/v1/staff/orders", "orders:read"),
    ("/api/v1/staff/exports/orders?format=jsonl", "orders:read"),
])
def test_each_list_needs_its_own_read_scope(path, scope):
    assert key_client("tags:write").get(path).status_code == 403
    assert key_client(scope).get(path).status_code == 200


def test_each_key_is_rate_limited_on_its_own(settings):
    settings.STAFF_API_RATE = "3/min"
    busy, other = key_client("researchers:read", name="busy"), key_client("researchers:read", name="other")

    statuses = [busy.get("/api/v1/staff/researchers").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    throttled = busy.get("/api/v1/staff/researchers")
    assert throttled.json()["code"] == "throttled" and int(throttled["Retry-After"]) >= 1
    assert other.get("/api/v1/staff/researchers").status_code == 200


# --- tags ------------------------------------------------------------------------------------------------------

def test_creating_a_tag_then_the_same_slug_again_is_a_conflict():
    writer = key_client("tags:write")
    body = {"slug": "clinician", "name": {"en": "Clinician", "zh-hans": "临床医生"}, "group": "role"}

    created = writer.post("/api/v1/staff/tags", body, format="json")
    again = writer.post("/api/v1/staff/tags", {**body, "name": {"en": "Other"}}, format="json")

    assert created.status_code == 201
    assert created.json() == {"id": Tag.objects.get().pk, "slug": "clinician",
                              "name": {"en": "Clinician", "zh-hans": "临床医生"}, "group": "role"}
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert Tag.objects.get().name_en == "Clinician"


def test_a_bad_tag_is_a_400_naming_each_field():
    response = key_client("tags:write").post("/api/v1/staff/tags", {"slug": "no spaces", "name": {},
                                                                     "group": "planet"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"slug", "name.en", "group"}
    assert not Tag.objects.exists()


# --- tag assignments -------------------------------------------------------------------------------------------

def test_assignments_match_by_id_orcid_and_unionid_and_report_the_rest(oncology):
    by_id = ResearcherFactory()
    by_orcid = ResearcherFactory(orcid=ORCID)
    by_unionid = WeChatIdentityFactory(unionid="o-union-7").researcher
    entries = [{"id": by_id.pk}, {"orcid": "https://orcid.org/0000-0002-1825-0097"}, {"unionid": "o-union-7"},
               {"id": 999_999}, {"unionid": "o-nobody"}]

    response = _assign(key_client("tags:write", name="CRM"), "oncology", entries)

    assert response.status_code == 200
    assert response.json() == {"matched": 3, "changed": 3, "unmatched": [{"id": 999_999}, {"unionid": "o-nobody"}]}
    assignments = TagAssignment.objects.filter(tag=oncology)
    assert {a.researcher_id for a in assignments} == {by_id.pk, by_orcid.pk, by_unionid.pk}
    assert {(a.source, a.assigned_by) for a in assignments} == {(AssignmentSource.API, "CRM")}
    assert set(TagAudit.objects.values_list("actor", flat=True)) == {"CRM"}


def test_repeating_an_assignment_changes_nothing(oncology):
    writer, researcher = key_client("tags:write"), ResearcherFactory()

    first = _assign(writer, "oncology", [{"id": researcher.pk}])
    second = _assign(writer, "oncology", [{"id": researcher.pk}])

    assert first.json()["changed"] == 1
    assert second.json() == {"matched": 1, "changed": 0, "unmatched": []}
    assert TagAssignment.objects.count() == 1 and TagAudit.objects.count() == 1


def test_removing_takes_the_tag_off_once(oncology):
    writer, researcher = key_client("tags:write"), ResearcherFactory()
    tags_assign(tag=oncology, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF, actor="li")

    first = _assign(writer, "oncology", [{"id": researcher.pk}], action="remove")
    second = _assign(writer, "oncology", [{"id": researcher.pk}], action="remove")

    assert first.json()["changed"] == 1 and second.json()["changed"] == 0
    assert not TagAssignment.objects.exists()


def test_an_unknown_tag_is_a_400_naming_it():
    response = _assign(key_client("tags:write"), "no-such-tag", [{"id": ResearcherFactory().pk}])

    assert response.status_code == 400
    assert "no-such-tag" in response.json()["fields"]["tag"][0]


@pytest.mark.parametrize("researchers", [
    [],
    [{}],
    [{"id": 1, "orcid": ORCID}],
    [{"email": "x@example.org"}],
    [{"id": "7"}],
    [{"id": True}],
    [{"id": 0}],
    [{"orcid": "0000-0002-1825-0098"}],  # wrong check digit
    [{"unionid": ""}],
    "everyone",
])
def test_bad_entries_are_a_400_naming_researchers(oncology, researchers):
    response = _assign(key_client("tags:write"), "oncology", researchers)

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"researchers"}
    assert not TagAssignment.objects.exists()


def test_a_bad_action_and_a_missing_tag_are_named():
    response = key_client("tags:write").post("/api/v1/staff/tag-assignments",
                                             {"action": "toggle", "researchers": [{"id": 1}]}, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"tag", "action"}


def test_a_request_is_bounded(oncology, settings):
    settings.STAFF_API_MAX_ASSIGNMENT_ENTRIES = 3

    response = _assign(key_client("tags:write"), "oncology", [{"id": n} for n in range(1, 5)])

    assert response.status_code == 400
    assert "3" in response.json()["fields"]["researchers"][0]
