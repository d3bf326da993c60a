"""A rule saved in admin is evaluated by a real worker process after the commit, with its progress on the rule."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tagging.models import RuleKind, TagAssignment, TagRule
from tagging.services.tags import tag_create
from tests.conftest import wait_until
from tests.factories import ResearcherFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_rule_saved_in_admin_is_evaluated_by_a_worker(celery_worker_process, staff_client):
    tag = tag_create(slug="english-speakers", name_en="English speakers")
    english = [ResearcherFactory(language="en") for _ in range(3)]
    ResearcherFactory(language="zh-hans")

    response = staff_client.post(reverse("admin:tagging_tagrule_add"), {
        "tag": tag.pk, "kind": RuleKind.LANGUAGE, "language": "en", "enabled": "on"})
    assert response.status_code == 302

    rule = wait_until(lambda: TagRule.objects.filter(evaluation_state="done").first(), message="the evaluation")
    assert set(TagAssignment.objects.filter(tag=tag).values_list("researcher_id", flat=True)) == {
        researcher.pk for researcher in english}
    assert (rule.evaluation_processed, rule.evaluation_total, rule.evaluation_added) == (3, 3, 3)
