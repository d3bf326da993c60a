"""GET/PUT /api/v1/me/interests: the tags researchers may choose (grouped, localized) and the journals they may
follow; a PUT replaces the choice, touching only what the researcher themselves chose."""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from tagging.models import AssignmentSource, JournalFollow, TagAssignment, TagAudit, TagAuditAction, TagGroup
from tagging.services.tags import tag_create, tags_assign
from tests.factories import JournalFactory, JournalSystemFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/interests"


@pytest.fixture
def offered():
    """Two subjects and a role researchers may choose, one staff-only tag, two followable journals and two not."""
    system = JournalSystemFactory(key="demo", name_en="Demo OJS", name_zh_hans="演示期刊平台")
    hidden_system = JournalSystemFactory(key="off", enabled=False)
    return {
        "oncology": tag_create(slug="oncology", name_en="Oncology", name_zh_hans="肿瘤学", group=TagGroup.SUBJECT,
                               self_selectable=True, colour="#E37318"),
        "ecology": tag_create(slug="ecology", name_en="Ecology", name_zh_hans="生态学", group=TagGroup.SUBJECT,
                              self_selectable=True),
        "reviewer": tag_create(slug="reviewer", name_en="Reviewer", name_zh_hans="审稿人", group=TagGroup.ROLE,
                               self_selectable=True),
        "vip": tag_create(slug="vip", name_en="VIP author", group=TagGroup.OTHER),
        "jas": JournalFactory(journal_system=system, key="jas"),
        "ame": JournalFactory(journal_system=system, key="ame", platform_path="ame", name_en="Annals of Marine Ecology",
                              name_zh_hans="海洋生态年鉴"),
        "retired": JournalFactory(journal_system=system, key="old", platform_path="old", enabled=False),
        "elsewhere": JournalFactory(journal_system=hidden_system, key="else", platform_path="else"),
    }


def _client(researcher_client) -> tuple[APIClient, int]:
    client, body = researcher_client
    return client, body["researcher"]["id"]


def _selected(body: dict) -> set[str]:
    return {tag["slug"] for group in body["groups"] for tag in group["tags"] if tag["selected"]}


def test_get_lists_only_self_selectable_tags_grouped_and_only_enabled_journals(researcher_client, offered):
    client, _ = _client(researcher_client)

    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    body = response.json()
    with translation.override("zh-hans"):  # the group labels are the app's translations (学科, 角色 once compiled)
        expected = [("subject", str(TagGroup.SUBJECT.label)), ("role", str(TagGroup.ROLE.label))]
    assert [(group["group"], group["label"]) for group in body["groups"]] == expected
    assert body["groups"][0]["tags"] == [
        {"slug": "ecology", "name": "生态学", "colour": "#0052D9", "selected": False, "removable": True},
        {"slug": "oncology", "name": "肿瘤学", "colour": "#E37318", "selected": False, "removable": True},
    ]
    assert [journal["key"] for journal in body["journals"]] == ["ame", "jas"]
    assert body["journals"][0] == {"id": offered["ame"].pk, "key": "ame", "name": "海洋生态年鉴", "followed": False,
                                   "journal_system": {"id": offered["ame"].journal_system_id, "key": "demo",
                                                      "name": "演示期刊平台"}}


def test_names_and_group_labels_follow_accept_language(researcher_client, offered):
    client, _ = _client(researcher_client)

    body = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").json()

    assert [group["label"] for group in body["groups"]] == ["Subject", "Role"]
    assert [tag["name"] for tag in body["groups"][0]["tags"]] == ["Ecology", "Oncology"]  # sorted in the language
    assert body["journals"][0]["name"] == "Annals of Marine Ecology"


def test_put_assigns_chosen_tags_as_self_and_follows_journals(researcher_client, offered):
    client, researcher_id = _client(researcher_client)

    response = client.put(URL, {"tags": ["oncology", "reviewer"], "journals": [offered["jas"].pk]}, format="json")

    assert response.status_code == 200
    assert _selected(response.json()) == {"oncology", "reviewer"}
    assert [journal["followed"] for journal in response.json()["journals"]] == [False, True]
    assignments = TagAssignment.objects.filter(researcher_id=researcher_id)
    assert {(a.tag.slug, a.source, a.assigned_by) for a in assignments} == {
        ("oncology", AssignmentSource.SELF, f"researcher:{researcher_id}"),
        ("reviewer", AssignmentSource.SELF, f"researcher:{researcher_id}")}
    assert TagAudit.objects.filter(researcher_id=researcher_id, source=AssignmentSource.SELF,
                                   action=TagAuditAction.ADDED).count() == 2
    assert list(JournalFollow.objects.filter(researcher_id=researcher_id).values_list("journal__key", flat=True)) == [
        "jas"]


def test_put_replaces_the_choice_and_repeating_it_changes_nothing(researcher_client, offered):
    client, researcher_id = _client(researcher_client)
    client.put(URL, {"tags": ["oncology", "ecology"], "journals": [offered["jas"].pk, offered["ame"].pk]},
               format="json")

    for _attempt in range(2):
        response = client.put(URL, {"tags": ["ecology"], "journals": [offered["ame"].pk]}, format="json")
        assert response.status_code == 200

    assert _selected(response.json()) == {"ecology"}
    assert set(JournalFollow.objects.filter(researcher_id=researcher_id).values_list("journal_id", flat=True)) == {
        offered["ame"].pk}
    audits = TagAudit.objects.filter(researcher_id=researcher_id)
    assert sorted(audits.values_list("tag_slug", "action")) == [
        ("ecology", TagAuditAction.ADDED), ("oncology", TagAuditAction.ADDED), ("oncology", TagAuditAction.REMOVED)]


def test_unticking_keeps_a_tag_someone_else_gave(researcher_client, offered):
    client, researcher_id = _client(researcher_client)
    tags_assign(tag=offered["oncology"], researcher_ids=[researcher_id], source=AssignmentSource.STAFF, actor="li")
    tags_assign(tag=offered["vip"], researcher_ids=[researcher_id], source=AssignmentSource.STAFF, actor="li")
    before = client.get(URL).json()
    assert {tag["slug"]: tag["removable"] for tag in before["groups"][0]["tags"]} == {"oncology": False,
                                                                                     "ecology": True}

    response = client.put(URL, {"tags": [], "journals": []}, format="json")

    assert response.status_code == 200
    assert _selected(response.json()) == {"oncology"}  # staff's, still there
    assert set(TagAssignment.objects.filter(researcher_id=researcher_id).values_list("tag__slug", "source")) == {
        ("oncology", AssignmentSource.STAFF), ("vip", AssignmentSource.STAFF)}
    assert not TagAudit.objects.filter(researcher_id=researcher_id, action=TagAuditAction.REMOVED).exists()


def test_ticking_a_tag_already_given_by_staff_keeps_it_as_staff_gave_it(researcher_client, offered):
    client, researcher_id = _client(researcher_client)
    tags_assign(tag=offered["oncology"], researcher_ids=[researcher_id], source=AssignmentSource.STAFF, actor="li")

    client.put(URL, {"tags": ["oncology"], "journals": []}, format="json")

    assert TagAssignment.objects.get(researcher_id=researcher_id).source == AssignmentSource.STAFF
    assert TagAudit.objects.filter(researcher_id=researcher_id).count() == 1


@pytest.mark.parametrize("slug", ["vip", "no-such-tag", ""])
def test_a_tag_not_offered_is_a_400_naming_it_and_changes_nothing(researcher_client, offered, slug):
    client, researcher_id = _client(researcher_client)

    response = client.put(URL, {"tags": ["oncology", slug], "journals": [offered["jas"].pk]}, format="json",
                          HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"] == {"tags": [f"Not a research interest you can choose: {slug}."]}
    assert not TagAssignment.objects.filter(researcher_id=researcher_id).exists()
    assert not JournalFollow.objects.exists()


@pytest.mark.parametrize("journal", ["retired", "elsewhere", None])
def test_a_journal_not_offered_is_a_400_naming_it(researcher_client, offered, journal):
    client, researcher_id = _client(researcher_client)
    journal_id = offered[journal].pk if journal else 987654

    response = client.put(URL, {"tags": ["oncology"], "journals": [journal_id]}, format="json",
                          HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["journals"]
    assert str(journal_id) in response.json()["fields"]["journals"][0]
    assert not TagAssignment.objects.filter(researcher_id=researcher_id).exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"tags": ["x"] * 201, "journals": []}, "tags"),
    ({"tags": [], "journals": [1] * 201}, "journals"),
    ({"tags": ["x" * 65], "journals": []}, "tags"),
    ({"tags": [7], "journals": []}, "tags"),
    ({"tags": [], "journals": ["7"]}, "journals"),
    ({"tags": []}, "journals"),
    ({"tags": "oncology", "journals": []}, "tags"),
])
def test_malformed_or_oversized_bodies_are_400s(researcher_client, offered, body, field):
    client, _ = _client(researcher_client)

    response = client.put(URL, body, format="json")

    assert response.status_code == 400
    assert [name.split(".")[0] for name in response.json()["fields"]] == [field]  # "tags" or "tags.0"


def test_without_a_token_it_is_401(offered):
    assert APIClient().get(URL).status_code == 401
    assert APIClient().put(URL, {"tags": [], "journals": []}, format="json").status_code == 401


def test_no_choices_offered_yet_is_an_empty_page(researcher_client):
    client, _ = _client(researcher_client)

    assert client.get(URL).json() == {"groups": [], "journals": []}
