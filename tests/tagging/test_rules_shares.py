"""The "shared manuscripts at least N times" rule: counts the shares a researcher created and still has, through
sharing's selector in SQL; re-evaluated when sharing announces a share made or deleted, and by the nightly run."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from sharing.models import Share, new_share_id, scene_for
from tagging.models import RuleKind, TagAssignment, TagRule
from tagging.services.rules import rule_matches, tag_rules_evaluate
from tagging.services.tags import tag_create
from tagging.tasks import rules_nightly
from tests.accounts.tasks_inline import tasks_inline
from tests.factories import ResearcherFactory
from tests.sharing.conftest import authored_manuscript, client_for, create_share

pytestmark = pytest.mark.django_db


def carriers(tag) -> set[int]:
    return set(TagAssignment.objects.filter(tag=tag).values_list("researcher_id", flat=True))


def shares(researcher, count: int) -> None:
    """`count` shares of one accepted manuscript, written directly (no event: only the nightly run sees them)."""
    manuscript = authored_manuscript(researcher)
    for _ in range(count):
        share_id = new_share_id()
        Share.objects.create(id=share_id, scene=scene_for(share_id), researcher=researcher, manuscript=manuscript)


@pytest.fixture
def tag():
    return tag_create(slug="ambassador", name_en="Ambassador", name_zh_hans="推广者")


def test_the_rule_holds_for_researchers_with_at_least_n_shares(tag):
    twice, once, never = ResearcherFactory(), ResearcherFactory(), ResearcherFactory()
    shares(twice, 2)
    shares(once, 1)
    rule = TagRule.objects.create(tag=tag, kind=RuleKind.SHARED_AT_LEAST, times=2)

    assert set(rule_matches(rule=rule).values_list("pk", flat=True)) == {twice.pk}
    assert tag_rules_evaluate(tag_id=tag.pk) == (1, 0)
    assert carriers(tag) == {twice.pk}
    assert never.pk not in carriers(tag)


def test_sharing_the_nth_time_tags_the_sharer_and_deleting_a_share_untags(tag, django_capture_on_commit_callbacks):
    sharer = ResearcherFactory()
    manuscript = authored_manuscript(sharer)
    client = client_for(sharer)
    TagRule.objects.create(tag=tag, kind=RuleKind.SHARED_AT_LEAST, times=2)

    with django_capture_on_commit_callbacks(execute=True):
        first = create_share(client, manuscript)
    assert first.status_code == 201 and carriers(tag) == set()

    with django_capture_on_commit_callbacks(execute=True):
        assert create_share(client, manuscript).status_code == 201
    assert carriers(tag) == {sharer.pk}

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/shares/{first.json()['id']}").status_code == 204
    assert carriers(tag) == set()


def test_a_share_event_changes_no_one_else(tag, django_capture_on_commit_callbacks):
    bystander = ResearcherFactory()
    shares(bystander, 3)  # qualifies, but nothing announced it
    sharer = ResearcherFactory()
    TagRule.objects.create(tag=tag, kind=RuleKind.SHARED_AT_LEAST, times=1)

    with django_capture_on_commit_callbacks(execute=True):
        create_share(client_for(sharer), authored_manuscript(sharer))

    assert carriers(tag) == {sharer.pk}


def test_the_nightly_run_catches_shares_no_event_announced(tag):
    researcher = ResearcherFactory()
    TagRule.objects.create(tag=tag, kind=RuleKind.SHARED_AT_LEAST, times=3)
    shares(researcher, 3)

    with tasks_inline():
        rules_nightly.delay()
    assert carriers(tag) == {researcher.pk}

    Share.objects.filter(researcher=researcher).first().delete()
    with tasks_inline():
        rules_nightly.delay()
    assert carriers(tag) == set()


@pytest.mark.parametrize(("parameters", "errors"), [
    ({}, {"times": ["This kind of rule needs it."]}),
    ({"times": 0}, {"times": ["Give between 1 and 10000 times."]}),
    ({"times": 2, "months": 3}, {"months": ["Leave it empty: this kind of rule does not use it."]}),
])
def test_the_rule_needs_a_number_of_times_of_at_least_one(tag, parameters, errors):
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            TagRule(tag=tag, kind=RuleKind.SHARED_AT_LEAST, **parameters).full_clean()

        assert refused.value.message_dict == errors


def test_admin_refuses_zero_times_and_describes_the_rule(tag, staff_client):
    add = reverse("admin:tagging_tagrule_add")
    refused = staff_client.post(add, {"tag": tag.pk, "kind": RuleKind.SHARED_AT_LEAST, "times": 0, "enabled": "on"},
                                HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "Give between 1 and 10000 times." in refused.content.decode()
    assert not TagRule.objects.exists()

    saved = staff_client.post(add, {"tag": tag.pk, "kind": RuleKind.SHARED_AT_LEAST, "times": 5, "enabled": "on"})
    assert saved.status_code == 302
    with translation.override("en"):
        assert TagRule.objects.get().describe() == "Shared manuscripts at least N times: 5 times"
