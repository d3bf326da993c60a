"""Tags in admin: tag list and tag page with its members, read-only assignments and audit, the audience list with
its filters, bulk tagging for staff allowed to, and tag rules saved from admin."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from tagging.models import AssignmentSource, AudienceMember, RuleKind, TagAssignment, TagAudit, TagAuditAction, TagRule
from tagging.services.rules import tag_rules_evaluate
from tagging.services.tags import tag_create, tags_assign
from tests.factories import ResearcherFactory

pytestmark = pytest.mark.django_db

AUDIENCE = reverse("admin:tagging_audiencemember_changelist")
MEMBER_LINK = re.compile(r'href="/admin/accounts/researcher/\d+/change/"')


def carriers(tag) -> set[int]:
    return set(TagAssignment.objects.filter(tag=tag).values_list("researcher_id", flat=True))


@pytest.fixture
def oncology():
    return tag_create(slug="oncology", name_en="Oncology", name_zh_hans="肿瘤学", group="subject")


@pytest.fixture
def staff_client(staff_client):
    """The superuser's admin, in English (the messages asserted are the English ones)."""
    staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return staff_client


def staff_with(django_user_model, username: str, *codenames: str):
    user = django_user_model.objects.create_user(username, password="a-long-staff-password", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="tagging", codename__in=codenames))
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def tagger(client, django_user_model):
    """Staff who may see the audience and tag it, and nothing else."""
    user = staff_with(django_user_model, "tagger", "view_audiencemember", "tag_researchers")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return user


def test_the_tag_list_shows_group_and_member_count(staff_client, oncology):
    tags_assign(tag=oncology, researcher_ids=[ResearcherFactory().pk, ResearcherFactory().pk],
                source=AssignmentSource.STAFF)
    tag_create(slug="clinician", name_en="Clinician", group="role")

    page = staff_client.get(reverse("admin:tagging_tag_changelist"), {"group__exact": "subject"}).content.decode()

    assert "oncology" in page and "clinician" not in page
    assert '<td class="field-member_count">2</td>' in page


def test_the_tag_page_lists_its_members_a_page_at_a_time_with_their_sources(staff_client, oncology):
    researchers = [ResearcherFactory(display_name=f"Member {n:02d}") for n in range(55)]
    # Newest first: the five a rule tagged first are on the second page.
    tags_assign(tag=oncology, researcher_ids=[r.pk for r in researchers[50:]], source=AssignmentSource.RULE,
                actor="rule:9")
    tags_assign(tag=oncology, researcher_ids=[r.pk for r in researchers[:50]], source=AssignmentSource.STAFF,
                actor="li")
    url = reverse("admin:tagging_tag_change", args=[oncology.pk])

    first = staff_client.get(url).content.decode()
    second = staff_client.get(url, {"members_page": 2}).content.decode()

    assert "55 members" in first and "Page 1 of 2" in first
    assert len(MEMBER_LINK.findall(first)) == 50
    assert len(MEMBER_LINK.findall(second)) == 5
    assert "rule:9" in second and "rule:9" not in first
    assert reverse("admin:accounts_researcher_change", args=[researchers[52].pk]) in second


def test_deleting_a_tag_in_admin_audits_each_member_losing_it(staff_client, oncology):
    member = ResearcherFactory()
    tags_assign(tag=oncology, researcher_ids=[member.pk], source=AssignmentSource.RULE)

    staff_client.post(reverse("admin:tagging_tag_delete", args=[oncology.pk]), {"post": "yes"})

    assert not TagAssignment.objects.exists()
    removal = TagAudit.objects.get(action=TagAuditAction.REMOVED)
    assert (removal.researcher_id, removal.tag_slug, removal.actor) == (member.pk, "oncology", "staff")


def test_an_invalid_colour_is_refused(staff_client):
    response = staff_client.post(reverse("admin:tagging_tag_add"), {
        "slug": "x", "name_en": "X", "group": "other", "colour": "red"})

    assert "Give a hex colour such as #0052D9." in response.content.decode()


def test_assignments_and_audit_are_read_only_and_filter_by_source(staff_client, oncology):
    by_staff, by_rule = ResearcherFactory(display_name="Staff Pick"), ResearcherFactory(display_name="Rule Pick")
    tags_assign(tag=oncology, researcher_ids=[by_staff.pk], source=AssignmentSource.STAFF)
    tags_assign(tag=oncology, researcher_ids=[by_rule.pk], source=AssignmentSource.RULE)

    assignments = staff_client.get(reverse("admin:tagging_tagassignment_changelist"),
                                   {"source__exact": "rule"}).content.decode()
    audit = staff_client.get(reverse("admin:tagging_tagaudit_changelist"), {"q": "Staff Pick"}).content.decode()

    assert "Rule Pick" in assignments and "Staff Pick" not in assignments
    assert "Staff Pick" in audit and "Rule Pick" not in audit
    assert staff_client.get(reverse("admin:tagging_tagassignment_add")).status_code == 403
    assert staff_client.get(reverse("admin:tagging_tagaudit_add")).status_code == 403
    assignment = TagAssignment.objects.get(researcher=by_staff)
    staff_client.post(reverse("admin:tagging_tagassignment_delete", args=[assignment.pk]), {"post": "yes"})
    assert TagAssignment.objects.filter(pk=assignment.pk).exists()


def test_the_audience_filters_by_tag_group_and_institution(staff_client, oncology):
    tagged = ResearcherFactory(display_name="Tagged One", institution="Peking University")
    ResearcherFactory(display_name="Untagged One", institution="")
    tags_assign(tag=oncology, researcher_ids=[tagged.pk], source=AssignmentSource.STAFF)

    by_tag = staff_client.get(AUDIENCE, {"tag": "oncology"}).content.decode()
    by_group = staff_client.get(AUDIENCE, {"tag_group": "role"}).content.decode()
    no_institution = staff_client.get(AUDIENCE, {"institution": "empty"}).content.decode()

    assert "Tagged One" in by_tag and "Untagged One" not in by_tag
    assert "Tagged One" not in by_group
    assert "Untagged One" in no_institution and "Tagged One" not in no_institution


def test_staff_allowed_to_tag_add_a_tag_to_the_selection_through_the_form_page(client, tagger, oncology):
    chosen, other = ResearcherFactory(), ResearcherFactory()

    form_page = client.post(AUDIENCE, {"action": "add_tag", "_selected_action": [chosen.pk]})
    assert form_page.status_code == 200
    assert 'name="tag"' in form_page.content.decode() and not TagAssignment.objects.exists()

    applied = client.post(AUDIENCE, {"action": "add_tag", "_selected_action": [chosen.pk], "apply": "yes",
                                     "select_across": "0", "tag": oncology.pk}, follow=True)

    assert "Tag oncology added to 1 researcher (1 selected)." in applied.content.decode()
    assert carriers(oncology) == {chosen.pk} and other.pk not in carriers(oncology)
    assignment = TagAssignment.objects.get()
    assert (assignment.source, assignment.assigned_by) == (AssignmentSource.STAFF, "tagger")
    audit = TagAudit.objects.get()
    assert (audit.action, audit.actor, audit.staff_user_id) == (TagAuditAction.ADDED, "tagger", tagger.pk)


def test_selecting_all_tags_the_whole_filtered_list(client, tagger, oncology):
    english = [ResearcherFactory(language="en") for _ in range(3)]
    ResearcherFactory(language="zh-hans")

    client.post(f"{AUDIENCE}?language__exact=en", {"action": "add_tag", "select_across": "1", "apply": "yes",
                                                   "_selected_action": [english[0].pk], "tag": oncology.pk})

    assert carriers(oncology) == {researcher.pk for researcher in english}


def test_staff_remove_a_tag_whatever_gave_it(client, tagger, oncology):
    by_rule, by_self = ResearcherFactory(), ResearcherFactory()
    tags_assign(tag=oncology, researcher_ids=[by_rule.pk], source=AssignmentSource.RULE, actor="rule:1")
    tags_assign(tag=oncology, researcher_ids=[by_self.pk], source=AssignmentSource.SELF)

    client.post(AUDIENCE, {"action": "remove_tag", "_selected_action": [by_rule.pk, by_self.pk], "apply": "yes",
                           "select_across": "0", "tag": oncology.pk})

    assert carriers(oncology) == set()
    assert set(TagAudit.objects.filter(action=TagAuditAction.REMOVED).values_list("source", "actor")) == {
        (AssignmentSource.STAFF, "tagger")}


def test_staff_without_the_tagging_permission_get_no_tag_actions_and_change_nothing(client, django_user_model,
                                                                                  oncology):
    viewer = staff_with(django_user_model, "viewer", "view_audiencemember")
    client.force_login(viewer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    researcher = ResearcherFactory()

    listing = client.get(AUDIENCE).content.decode()
    client.post(AUDIENCE, {"action": "add_tag", "_selected_action": [researcher.pk], "apply": "yes",
                           "select_across": "0", "tag": oncology.pk})

    assert "add_tag" not in listing
    assert not TagAssignment.objects.exists()


def test_the_audience_shows_each_researchers_tags_and_cannot_edit_profiles(staff_client, oncology):
    researcher = ResearcherFactory(display_name="Shown")
    tags_assign(tag=oncology, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF)

    listing = staff_client.get(AUDIENCE).content.decode()
    profile = staff_client.get(reverse("admin:tagging_audiencemember_change", args=[researcher.pk]))
    staff_client.post(reverse("admin:tagging_audiencemember_change", args=[researcher.pk]),
                      {"display_name": "Renamed"})

    assert ">oncology</span>" in listing
    assert profile.status_code == 200 and ">oncology</span>" in profile.content.decode()
    assert AudienceMember.objects.get(pk=researcher.pk).display_name == "Shown"


def test_a_rule_saved_in_admin_is_evaluated_in_the_background(staff_client, oncology,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as after_commit:
        response = staff_client.post(reverse("admin:tagging_tagrule_add"), {
            "tag": oncology.pk, "kind": RuleKind.LANGUAGE, "language": "en", "enabled": "on"})

    assert response.status_code == 302
    rule = TagRule.objects.get()
    assert rule.evaluation_state == "queued"
    assert [(callback.task_name, callback.args) for callback in after_commit
            if hasattr(callback, "task_name")] == [("tagging.tasks.tag_rules_evaluate", (oncology.pk,))]


def test_a_rule_with_missing_parameters_is_refused_in_admin(staff_client, oncology):
    response = staff_client.post(reverse("admin:tagging_tagrule_add"), {
        "tag": oncology.pk, "kind": RuleKind.PLATFORM_LINKED, "enabled": "on"})

    assert response.status_code == 200
    assert "This kind of rule needs it." in response.content.decode()
    assert not TagRule.objects.exists()


def test_deleting_a_rule_in_admin_re_evaluates_its_tag(staff_client, oncology, django_capture_on_commit_callbacks):
    rule = TagRule.objects.create(tag=oncology, kind=RuleKind.LANGUAGE, language="en")

    with django_capture_on_commit_callbacks() as after_commit:
        staff_client.post(reverse("admin:tagging_tagrule_delete", args=[rule.pk]), {"post": "yes"})

    assert not TagRule.objects.exists()
    assert [callback.task_name for callback in after_commit if hasattr(callback, "task_name")] == [
        "tagging.tasks.tag_rules_evaluate"]


def test_staff_may_give_a_tag_until_a_date_and_not_one_already_past(client, tagger, oncology):
    researcher = ResearcherFactory()
    form = {"action": "add_tag", "_selected_action": [researcher.pk], "apply": "yes", "select_across": "0",
            "tag": oncology.pk}

    refused = client.post(AUDIENCE, {**form, "expires_at_0": "2020-01-01", "expires_at_1": "00:00:00"})
    assert "Give a time in the future, or leave it empty." in refused.content.decode()
    assert not TagAssignment.objects.exists()

    client.post(AUDIENCE, {**form, "expires_at_0": "2099-01-01", "expires_at_1": "00:00:00"})
    assert timezone.localtime(TagAssignment.objects.get().expires_at).date().isoformat() == "2099-01-01"


def test_the_rule_list_shows_each_rules_last_evaluation(staff_client, oncology):
    ResearcherFactory(language="en")
    TagRule.objects.create(tag=oncology, kind=RuleKind.LANGUAGE, language="en")
    tag_rules_evaluate(tag_id=oncology.pk)

    listing = staff_client.get(reverse("admin:tagging_tagrule_changelist")).content.decode()

    assert "Language is: English" in listing
    assert "Done: 1 / 1 (+1 / −0)" in listing
