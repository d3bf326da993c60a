"""Every write to what the staff API shows of a researcher moves `updated_at` (with the database's clock), so
`updated_since` brings it: first login, profile edits, an ORCID iD proven, an edit in admin, tags."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Researcher
from tagging.models import AssignmentSource
from tagging.services.tags import tag_create, tags_assign, tags_remove
from tests.accounts.test_orcid_proof import ORCID, orcid_sandbox, prove  # noqa: F401  (orcid_sandbox: a fixture)
from tests.factories import ResearcherFactory

pytestmark = pytest.mark.django_db


def _database_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT CLOCK_TIMESTAMP()")
        return cursor.fetchone()[0]


def _moved(researcher: Researcher, since) -> bool:
    return Researcher.objects.get(pk=researcher.pk).updated_at > since


def test_a_first_login_stamps_the_new_researcher_with_the_database_clock(login):
    before = _database_now()

    body = login("newcomer")

    assert _moved(Researcher(pk=body["researcher"]["id"]), before)


def test_a_profile_edit_moves_it(researcher_client):
    client, body = researcher_client
    before = _database_now()

    assert client.patch("/api/v1/me", {"display_name": "Li Lei"}, format="json").status_code == 200

    assert _moved(Researcher(pk=body["researcher"]["id"]), before)


def test_a_proven_orcid_id_moves_it(orcid_sandbox, signed_in):  # noqa: F811
    api = signed_in("alice")
    researcher = Researcher.objects.get(pk=api.get("/api/v1/me").json()["id"])
    before = _database_now()

    assert prove(api, Client(), orcid=ORCID).status_code == 200

    assert _moved(researcher, before)


def test_an_edit_in_admin_moves_it(staff_client):
    researcher = ResearcherFactory(display_name="Before")
    before = _database_now()

    response = staff_client.post(reverse("admin:accounts_researcher_change", args=[researcher.pk]), {
        "display_name": "After", "institution": "", "language": "en", "orcid": "",
        "wechat_identities-TOTAL_FORMS": "0", "wechat_identities-INITIAL_FORMS": "0"})

    assert response.status_code == 302, response.content
    assert _moved(researcher, before)


def test_tags_added_and_removed_move_it():
    researcher, tag = ResearcherFactory(), tag_create(slug="oncology", name_en="Oncology")
    before = _database_now()
    tags_assign(tag=tag, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF)
    assert _moved(researcher, before)

    before = _database_now()
    tags_remove(tag=tag, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF)
    assert _moved(researcher, before)
