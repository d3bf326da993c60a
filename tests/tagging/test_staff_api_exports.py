"""Exports: researchers with tags, manuscripts with status history and orders as CSV (UTF-8 with BOM), XLSX and
JSON Lines, streamed in constant memory, from the staff API and from admin; and API keys in admin."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Researcher, User
from manuscripts.models import StatusEvent
from tagging.exports import export_chunks
from tagging.models import ApiKey, AssignmentSource, TagAssignment
from tagging.selectors.datasets import DATASETS
from tagging.services.staff_api import api_key_authenticate
from tagging.services.tags import tag_create, tags_assign
from tests.factories import BASE_TIME, ManuscriptFactory, OrderFactory, ResearcherFactory
from tests.tagging.staff_api_helpers import key_client

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def tagged_researchers():
    ada = ResearcherFactory(display_name="李雷 Ada", language="en", orcid="0000-0002-1825-0097")
    bo = ResearcherFactory(display_name="=HYPERLINK(\"http://evil.example\")")
    tags_assign(tag=tag_create(slug="oncology", name_en="Oncology"), researcher_ids=[ada.pk, bo.pk],
                source=AssignmentSource.STAFF)
    tags_assign(tag=tag_create(slug="reviewer", name_en="Reviewer"), researcher_ids=[ada.pk],
                source=AssignmentSource.STAFF)
    return ada, bo


def _body(response) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content)


def test_csv_has_a_bom_and_parses_back_with_formulas_neutralised(tagged_researchers):
    ada, bo = tagged_researchers

    response = key_client("researchers:read").get("/api/v1/staff/exports/researchers?format=csv")
    body = _body(response)

    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="researchers-' in response["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["id"] for row in rows] == [str(ada.pk), str(bo.pk)]
    assert rows[0]["display_name"] == "李雷 Ada" and rows[0]["tags"] == "oncology;reviewer"
    assert rows[0]["orcid"] == "0000-0002-1825-0097"
    assert rows[1]["display_name"] == "'=HYPERLINK(\"http://evil.example\")"


def test_jsonl_lines_are_the_staff_apis_items(tagged_researchers):
    reader = key_client("researchers:read")

    body = _body(reader.get("/api/v1/staff/exports/researchers?format=jsonl"))

    lines = [json.loads(line) for line in body.decode("utf-8").splitlines()]
    items = reader.get("/api/v1/staff/researchers").json()["results"]
    assert lines == sorted(items, key=lambda item: item["id"])  # exports go by id, lists by change


def test_xlsx_parses_back(tagged_researchers):
    ada, bo = tagged_researchers

    response = key_client("researchers:read").get("/api/v1/staff/exports/researchers?format=xlsx")
    workbook = load_workbook(io.BytesIO(_body(response)), read_only=True)

    assert response["Content-Type"] == XLSX
    rows = list(workbook["researchers"].iter_rows(values_only=True))
    assert rows[0] == ("id", "display_name", "language", "orcid", "tags", "updated_at")
    assert rows[1][:5] == (ada.pk, "李雷 Ada", "en", "0000-0002-1825-0097", "oncology;reviewer")
    assert rows[2][1] == "'=HYPERLINK(\"http://evil.example\")"  # text, not a formula


def test_an_empty_export_is_a_header_only():
    body = _body(key_client("orders:read").get("/api/v1/staff/exports/orders?format=xlsx"))

    rows = list(load_workbook(io.BytesIO(body), read_only=True)["orders"].iter_rows(values_only=True))
    assert len(rows) == 1 and rows[0][0] == "id"


def test_manuscripts_export_carries_the_status_history():
    manuscript = ManuscriptFactory()
    StatusEvent.objects.create(manuscript=manuscript, to_status="under_review", raw_status="Under review",
                               occurred_at=BASE_TIME)

    body = _body(key_client("manuscripts:read").get("/api/v1/staff/exports/manuscripts?format=csv"))

    [row] = csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
    assert row["id"] == str(manuscript.pk) and row["status"] == "under_review"
    assert json.loads(row["status_history"]) == [{"from": None, "to": "under_review", "platform_status":
                                                  "Under review", "occurred_at": "2026-10-01T09:00:00Z"}]


def test_orders_export_in_fen():
    order = OrderFactory()

    body = _body(key_client("orders:read").get("/api/v1/staff/exports/orders?format=jsonl"))

    [line] = [json.loads(text) for text in body.decode().splitlines()]
    assert line["id"] == order.pk and line["amount_fen"] == 250000 and line["currency"] == "CNY"


def test_an_unknown_dataset_is_404_and_an_unknown_format_400():
    client = key_client("researchers:read")

    assert client.get("/api/v1/staff/exports/secrets?format=csv").status_code == 404
    response = client.get("/api/v1/staff/exports/researchers?format=pdf")
    assert response.status_code == 400 and set(response.json()["fields"]) == {"format"}


def _add_researchers(count: int, tag) -> None:
    start = User.objects.count()
    users = User.objects.bulk_create([User(username=f"bulk{start + n}") for n in range(count)], batch_size=2000)
    researchers = Researcher.objects.bulk_create(
        [Researcher(user=user, display_name=f"Researcher {user.pk} 研究者", orcid="0000-0002-1825-0097")
         for user in users], batch_size=2000)
    TagAssignment.objects.bulk_create([TagAssignment(researcher=researcher, tag=tag, source=AssignmentSource.IMPORT)
                                       for researcher in researchers], batch_size=2000)


def _export_size(file_format: str) -> int:
    return sum(len(chunk) for chunk in export_chunks(dataset=DATASETS["researchers"], file_format=file_format,
                                                     chunk_size=500))


def _peak_bytes(file_format: str) -> tuple[int, int]:
    """(peak traced memory, bytes produced) while the researchers export runs to its end."""
    tracemalloc.start()
    try:
        produced = sum(len(chunk) for chunk in export_chunks(dataset=DATASETS["researchers"],
                                                             file_format=file_format, chunk_size=500))
        return tracemalloc.get_traced_memory()[1], produced
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_the_table_grows():
    tag = tag_create(slug="bulk", name_en="Bulk")
    _add_researchers(1_000, tag)
    for file_format in ("csv", "jsonl", "xlsx"):
        _export_size(file_format)  # warm up: modules, caches
    small = {file_format: _peak_bytes(file_format) for file_format in ("csv", "jsonl", "xlsx")}

    _add_researchers(5_000, tag)
    large = {file_format: _peak_bytes(file_format) for file_format in ("csv", "jsonl", "xlsx")}

    for file_format in small:
        small_peak, small_size = small[file_format]
        large_peak, large_size = large[file_format]
        assert large_size > 5 * small_size, file_format  # six times the rows, roughly six times the file
        assert large_peak < small_peak * 1.5 + 512 * 1024, (file_format, small_peak, large_peak)


# --- admin -----------------------------------------------------------------------------------------------------

def test_admin_exports_page_lists_what_the_staff_member_may_export(client, django_user_model, tagged_researchers):
    staff = django_user_model.objects.create_user("clerk", password="a-long-clerk-password", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_researcher"]))
    client.force_login(staff)
    download = reverse("admin:tagging_export_download")

    page = client.get(reverse("admin:tagging_exports"))
    allowed = client.get(f"{download}?dataset=researchers&format=csv")
    refused = client.get(f"{download}?dataset=orders&format=csv")

    assert page.status_code == 200
    assert "dataset=researchers" in page.content.decode() and "dataset=orders" not in page.content.decode()
    rows = list(csv.DictReader(io.StringIO(b"".join(allowed.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2
    assert refused.status_code == 403


def test_admin_exports_need_a_view_permission(client, django_user_model):
    staff = django_user_model.objects.create_user("nobody", password="a-long-nobody-password", is_staff=True)
    client.force_login(staff)

    assert client.get(reverse("admin:tagging_exports")).status_code == 403


def test_a_key_created_in_admin_is_shown_once_and_stored_hashed(staff_client):
    response = staff_client.post(reverse("admin:tagging_apikey_add"),
                                 {"name": "Warehouse", "scopes": ["researchers:read", "orders:read"]}, follow=True)

    key = ApiKey.objects.get()
    [message] = [str(message) for message in response.context["messages"] if "<code>" in str(message)]
    raw_key = message.split("<code>")[1].split("</code>")[0]
    assert key.scopes == ["orders:read", "researchers:read"] and key.created_by.username == "staff"
    assert api_key_authenticate(raw_key=raw_key) == key and raw_key not in (key.key_hash, key.prefix)
    assert raw_key not in staff_client.get(reverse("admin:tagging_apikey_change", args=[key.pk])).content.decode()


def test_revoking_a_key_in_admin_shuts_it_out(staff_client):
    client = key_client("researchers:read")
    key = ApiKey.objects.get()

    staff_client.post(reverse("admin:tagging_apikey_changelist"), {"action": "revoke", "_selected_action": [key.pk]})

    assert client.get("/api/v1/staff/researchers").status_code == 401
