"""Putting tags on researchers and taking them off: idempotent, audited, visible to the staff API's clock."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tagging.errors import TagExists
from tagging.models import ApiKey, AssignmentSource, TagAssignment, TagAudit, TagAuditAction
from tagging.services.staff_api import api_key_authenticate, api_key_hash
from tagging.services.tags import tag_create, tags_assign, tags_remove
from tests.factories import ResearcherFactory

pytestmark = pytest.mark.django_db


def test_assigning_twice_changes_nothing_and_each_change_is_audited():
    tag = tag_create(slug="oncology", name_en="Oncology", name_zh_hans="肿瘤学")
    ada, bo = ResearcherFactory(), ResearcherFactory()
    before = ada.updated_at

    assert tags_assign(tag=tag, researcher_ids=[ada.pk, bo.pk], source=AssignmentSource.STAFF, actor="li") == sorted(
        [ada.pk, bo.pk])
    assert tags_assign(tag=tag, researcher_ids=[ada.pk, bo.pk], source=AssignmentSource.API, actor="crm") == []

    assert TagAssignment.objects.filter(tag=tag).count() == 2
    assert set(TagAssignment.objects.values_list("source", flat=True)) == {AssignmentSource.STAFF}
    assert TagAudit.objects.filter(action=TagAuditAction.ADDED).count() == 2
    ada.refresh_from_db()
    assert ada.updated_at > before


def test_removing_only_what_a_source_gave_leaves_the_rest():
    tag = tag_create(slug="reviewer", name_en="Reviewer")
    by_rule, by_staff = ResearcherFactory(), ResearcherFactory()
    tags_assign(tag=tag, researcher_ids=[by_rule.pk], source=AssignmentSource.RULE, actor="rule:1")
    tags_assign(tag=tag, researcher_ids=[by_staff.pk], source=AssignmentSource.STAFF, actor="li")

    removed = tags_remove(tag=tag, researcher_ids=[by_rule.pk, by_staff.pk], source=AssignmentSource.RULE,
                          actor="rule:1", only_source=AssignmentSource.RULE)

    assert removed == [by_rule.pk]
    assert list(TagAssignment.objects.values_list("researcher_id", flat=True)) == [by_staff.pk]
    assert TagAudit.objects.filter(action=TagAuditAction.REMOVED, researcher=by_rule).count() == 1
    assert tags_remove(tag=tag, researcher_ids=[by_rule.pk], source=AssignmentSource.STAFF) == []


def test_a_taken_slug_is_a_conflict():
    tag_create(slug="clinician", name_en="Clinician")
    with pytest.raises(TagExists):
        tag_create(slug="clinician", name_en="Clinician again")


def test_the_key_command_prints_the_key_last_and_stores_only_its_hash():
    out, err = io.StringIO(), io.StringIO()
    call_command("staff_api_key_create", "CRM", "--scopes", "researchers:read,tags:write", stdout=out, stderr=err)
    raw_key = out.getvalue().strip().splitlines()[-1]

    key = ApiKey.objects.get()
    assert key.key_hash == api_key_hash(raw_key) and raw_key not in (key.prefix, key.key_hash, key.name)
    assert key.scopes == ["researchers:read", "tags:write"]
    assert api_key_authenticate(raw_key=raw_key) == key
    assert api_key_authenticate(raw_key=raw_key + "x") is None


def test_the_key_command_refuses_unknown_scopes():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="orders:write"):
        call_command("staff_api_key_create", "CRM", "--scopes", "orders:write", stdout=io.StringIO())
    assert not ApiKey.objects.exists()
