"""The tag import in admin: upload → preview (nothing written) → apply, as staff do it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tagging.models import AssignmentSource, TagAssignment, TagImport
from tagging.services.imports import MAX_IMPORT_BYTES, import_rows_read, tag_import_preview
from tagging.services.tags import tag_create
from tests.factories import ResearcherFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    tag_create(slug="oncology", name_en="Oncology")
    return ResearcherFactory(orcid="0000-0002-1825-0097")


def _upload(client, content: bytes, name: str = "tags.csv"):
    return client.post(reverse("admin:tagging_tagimport_import"), {"file": SimpleUploadedFile(name, content)},
                       HTTP_ACCEPT_LANGUAGE="en")


def test_upload_previews_then_apply_tags(staff_client, ada):
    response = _upload(staff_client, f"orcid,tag\n{ada.orcid},oncology\n,oncology\n".encode())
    tag_import = TagImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("admin:tagging_tagimport_preview",
                                                                   args=[tag_import.pk])
    assert not TagAssignment.objects.exists()

    preview = staff_client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No researcher_id, orcid or unionid." in preview
    assert reverse("admin:tagging_tagimport_apply", args=[tag_import.pk]) not in preview  # a bad row: no apply

    good = _upload(staff_client, f"orcid,tag\n{ada.orcid},oncology\n".encode())
    preview = staff_client.get(good.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    apply_url = reverse("admin:tagging_tagimport_apply", args=[TagImport.objects.latest("pk").pk])
    assert apply_url in preview and "Adds oncology." in preview

    applied = staff_client.post(apply_url)

    assert applied.status_code == 302
    assignment = TagAssignment.objects.get()
    assert (assignment.researcher_id, assignment.source, assignment.assigned_by) == (ada.pk, AssignmentSource.IMPORT,
                                                                                     "staff")


def test_an_unreadable_or_oversized_upload_shows_why_under_the_field(staff_client, ada):
    unreadable = _upload(staff_client, b"name,email\nAda,ada@example.org\n")
    too_big = _upload(staff_client, b"x" * (MAX_IMPORT_BYTES + 1))

    assert unreadable.status_code == 200 and "The first row must name the columns" in unreadable.content.decode()
    assert too_big.status_code == 200 and "larger than 5 MB" in too_big.content.decode()
    assert not TagImport.objects.exists()


def test_the_example_file_is_one_the_import_reads(staff_client):
    response = staff_client.get(reverse("admin:tagging_tagimport_example"))

    assert response.status_code == 200
    rows = import_rows_read(file_name="example.csv", content=response.content)
    assert [row["tag"] for row in rows] == ["oncology", "reviewer", "ecology"]
    assert [row["action"] for row in rows] == ["add", "add", "remove"]


def test_staff_who_may_only_view_cannot_apply(client, django_user_model, ada):
    viewer = django_user_model.objects.create_user("viewer", password="a-long-viewer-password", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_tagimport"))
    tag_import = tag_import_preview(file_name="t.csv", content=f"orcid,tag\n{ada.orcid},oncology\n".encode(),
                                    uploaded_by=viewer)
    client.force_login(viewer)

    assert client.get(reverse("admin:tagging_tagimport_preview", args=[tag_import.pk])).status_code == 200
    assert client.post(reverse("admin:tagging_tagimport_apply", args=[tag_import.pk])).status_code == 403
    assert not TagAssignment.objects.exists()
