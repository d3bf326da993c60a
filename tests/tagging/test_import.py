"""Tag imports (admin): a CSV or XLSX file is previewed row by row (matched / unmatched / invalid, each with its
reason) without changing any tag, then applied all at once — or not at all when any row is bad."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook

from tagging.errors import ImportApplied, ImportFileInvalid, ImportNotApplicable, ImportOutdated
from tagging.models import AssignmentSource, Tag, TagAssignment, TagAudit, TagAuditAction, TagImport
from tagging.services import imports
from tagging.services.imports import MAX_IMPORT_BYTES, tag_import_apply, tag_import_preview
from tagging.services.tags import tag_create, tags_assign
from tests.factories import ResearcherFactory, UserFactory, WeChatIdentityFactory

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"


@pytest.fixture
def people():
    ada = ResearcherFactory(orcid=ORCID)
    bo = ResearcherFactory()
    WeChatIdentityFactory(researcher=bo, unionid="union-bo")
    return {"ada": ada, "bo": bo, "oncology": tag_create(slug="oncology", name_en="Oncology"),
            "reviewer": tag_create(slug="reviewer", name_en="Reviewer")}


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English (admin answers in the staff member's language, zh-hans by default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return UserFactory(username="li.staff", is_staff=True)


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def _verdicts(tag_import: TagImport) -> list[tuple[int, str]]:
    return [(row["line"], row["verdict"]) for row in tag_import.rows]


def _message(tag_import: TagImport, line: int) -> str:
    return next(row["message"] for row in tag_import.rows if row["line"] == line)


def test_preview_matches_by_our_id_orcid_and_unionid_and_writes_no_tag(people, staff):
    content = _csv(f"researcher_id,orcid,unionid,tag,action,expires_at\n"
                   f"{people['ada'].pk},,,oncology,add,\n"
                   f",https://orcid.org/{ORCID},,reviewer,,\n"
                   f",,union-bo,oncology,add,2099-06-30\n")

    tag_import = tag_import_preview(file_name="tags.csv", content=content, uploaded_by=staff)

    assert _verdicts(tag_import) == [(2, "matched"), (3, "matched"), (4, "matched")]
    assert [row["researcher_id"] for row in tag_import.rows] == [people["ada"].pk, people["ada"].pk, people["bo"].pk]
    assert _message(tag_import, 2) == "Adds oncology."
    assert (tag_import.matched, tag_import.unmatched, tag_import.invalid) == (3, 0, 0) and tag_import.can_apply
    assert not TagAssignment.objects.exists() and not TagAudit.objects.exists()  # the dry run changed nothing


def test_each_bad_row_says_why(people, staff):
    tags_assign(tag=people["oncology"], researcher_ids=[people["ada"].pk], source=AssignmentSource.STAFF)
    content = _csv("researcher_id,orcid,unionid,tag,action,expires_at\n"
                   f"{people['ada'].pk},,,no-such-tag,add,\n"              # 2 unknown tag
                   f"{people['ada'].pk},,,oncology,promote,\n"              # 3 unknown action
                   ",0000-0002-1825-0098,,oncology,add,\n"                  # 4 wrong check digit
                   ",,,oncology,add,\n"                                     # 5 nobody named
                   "999999,,,oncology,add,\n"                               # 6 no such researcher
                   ",,union-nobody,reviewer,add,\n"                         # 7 no such unionid
                   f"{people['ada'].pk},,,reviewer,add,2001-01-01\n"        # 8 expiry passed
                   f"{people['ada'].pk},,,reviewer,add,next week\n"         # 9 not a date
                   f"{people['ada'].pk},,union-bo,reviewer,add,\n"          # 10 two different people
                   f"{people['ada'].pk},,,oncology,remove,\n"               # 11 fine: removes staff's tag
                   f",{ORCID},,oncology,add,\n")                            # 12 same researcher and tag as 11

    tag_import = tag_import_preview(file_name="bad.csv", content=content, uploaded_by=staff)

    assert _verdicts(tag_import) == [(2, "invalid"), (3, "invalid"), (4, "invalid"), (5, "invalid"), (6, "unmatched"),
                                     (7, "unmatched"), (8, "invalid"), (9, "invalid"), (10, "invalid"),
                                     (11, "matched"), (12, "invalid")]
    assert _message(tag_import, 2) == 'Unknown tag "no-such-tag": create it first.'
    assert _message(tag_import, 3) == 'Unknown action "promote": use add or remove.'
    assert "check digit" in _message(tag_import, 4)
    assert _message(tag_import, 5) == "No researcher_id, orcid or unionid."
    assert _message(tag_import, 6) == "No researcher with id 999999."
    assert _message(tag_import, 7) == "No researcher with unionid union-nobody."
    assert _message(tag_import, 8) == "The expiry 2001-01-01 has passed."
    assert _message(tag_import, 9) == '"next week" is not a date like 2027-06-30.'
    assert "different researchers" in _message(tag_import, 10)
    assert _message(tag_import, 11) == "Removes oncology."
    assert _message(tag_import, 12) == "Line 11 has the same researcher and tag."
    assert (tag_import.matched, tag_import.unmatched, tag_import.invalid) == (1, 2, 8)


def test_a_file_with_any_bad_row_applies_nothing(people, staff):
    content = _csv(f"researcher_id,tag\n{people['ada'].pk},oncology\n{people['bo'].pk},reviewer\n999999,oncology\n")
    tag_import = tag_import_preview(file_name="tags.csv", content=content, uploaded_by=staff)
    assert not tag_import.can_apply

    with pytest.raises(ImportNotApplicable):
        tag_import_apply(import_id=tag_import.pk, staff_user=staff)

    assert not TagAssignment.objects.exists() and not TagAudit.objects.exists()
    tag_import.refresh_from_db()
    assert tag_import.applied_at is None


def test_apply_tags_through_the_audited_service_as_the_staff_user(people, staff):
    tags_assign(tag=people["reviewer"], researcher_ids=[people["bo"].pk], source=AssignmentSource.RULE, actor="rule:1")
    content = _csv("researcher_id,unionid,tag,action,expires_at\n"
                   f"{people['ada'].pk},,oncology,add,2099-06-30\n"
                   f"{people['bo'].pk},,oncology,,\n"
                   ",union-bo,reviewer,remove,\n")
    tag_import = tag_import_preview(file_name="tags.csv", content=content, uploaded_by=staff)

    assert tag_import_apply(import_id=tag_import.pk, staff_user=staff) == 3

    oncology = {a.researcher_id: a for a in TagAssignment.objects.filter(tag=people["oncology"])}
    assert set(oncology) == {people["ada"].pk, people["bo"].pk}
    assert {(a.source, a.assigned_by) for a in oncology.values()} == {(AssignmentSource.IMPORT, "li.staff")}
    # A date means the end of that day, Beijing time.
    assert timezone.localtime(oncology[people["ada"].pk].expires_at).replace(tzinfo=None) == datetime(2099, 7, 1)
    assert oncology[people["bo"].pk].expires_at is None
    assert not TagAssignment.objects.filter(tag=people["reviewer"]).exists()  # an import removes what a rule gave
    audits = TagAudit.objects.filter(source=AssignmentSource.IMPORT)
    assert sorted(audits.values_list("tag_slug", "action", "actor", "staff_user")) == [
        ("oncology", TagAuditAction.ADDED, "li.staff", staff.pk),
        ("oncology", TagAuditAction.ADDED, "li.staff", staff.pk),
        ("reviewer", TagAuditAction.REMOVED, "li.staff", staff.pk)]
    tag_import.refresh_from_db()
    assert tag_import.applied_at is not None and tag_import.changed == 3


def test_an_import_applies_once(people, staff):
    content = _csv(f"researcher_id,tag\n{people['ada'].pk},oncology\n")
    tag_import = tag_import_preview(file_name="t.csv", content=content, uploaded_by=staff)
    tag_import_apply(import_id=tag_import.pk, staff_user=staff)

    with pytest.raises(ImportApplied):
        tag_import_apply(import_id=tag_import.pk, staff_user=staff)
    assert TagAudit.objects.count() == 1


def test_a_tag_deleted_since_the_preview_rolls_everything_back(people, staff):
    content = _csv(f"researcher_id,tag\n{people['ada'].pk},oncology\n{people['ada'].pk},reviewer\n")
    tag_import = tag_import_preview(file_name="t.csv", content=content, uploaded_by=staff)
    Tag.objects.filter(slug="reviewer").delete()

    with pytest.raises(ImportOutdated, match="reviewer"):
        tag_import_apply(import_id=tag_import.pk, staff_user=staff)

    assert not TagAssignment.objects.exists()
    tag_import.refresh_from_db()
    assert tag_import.applied_at is None


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "utf-16"])
def test_csv_in_utf8_with_bom_gbk_or_utf16_with_chinese_headers(people, staff, encoding):
    content = _csv(f"研究者ID;标签;操作\n{people['ada'].pk};oncology;添加\n{people['bo'].pk};reviewer;\n", encoding)

    tag_import = tag_import_preview(file_name="标签.csv", content=content, uploaded_by=staff)

    assert _verdicts(tag_import) == [(2, "matched"), (3, "matched")]
    assert [row["action_parsed"] for row in tag_import.rows] == ["add", "add"]


def test_gbk_text_in_cells_is_read_as_chinese(people, staff):
    tag_create(slug="肿瘤", name_en="Tumour")  # a slug in Chinese, as staff may type it
    content = _csv(f"researcher_id,tag\n{people['ada'].pk},肿瘤\n", "gbk")

    tag_import = tag_import_preview(file_name="t.csv", content=content, uploaded_by=staff)

    assert tag_import.rows[0]["tag"] == "肿瘤" and tag_import.rows[0]["verdict"] == "matched"


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_numeric_ids_and_date_cells(people, staff):
    expires = date.today() + timedelta(days=30)
    content = _xlsx([["Researcher ID", "ORCID", "Tag", "Action", "Expires at"],
                     [people["ada"].pk, None, "oncology", "add", expires],
                     [None, ORCID, "reviewer", None, None],
                     [None, None, None, None, None],
                     [424242, None, "oncology", "add", None]])

    tag_import = tag_import_preview(file_name="tags.xlsx", content=content, uploaded_by=staff)

    assert _verdicts(tag_import) == [(2, "matched"), (3, "matched"), (5, "unmatched")]
    assert tag_import.rows[0]["expires_at_parsed"].startswith((expires + timedelta(days=1)).isoformat())


@pytest.mark.parametrize("file_name", ["t.csv", "t.xlsx"])
def test_a_file_with_too_many_rows_is_refused(people, staff, monkeypatch, file_name):
    monkeypatch.setattr(imports, "MAX_IMPORT_ROWS", 3)
    rows = [["researcher_id", "tag"]] + [[people["ada"].pk, "oncology"]] * 4
    content = _xlsx(rows) if file_name.endswith(".xlsx") else _csv("".join(f"{a},{b}\n" for a, b in rows))

    with pytest.raises(ImportFileInvalid, match="more than 3 rows"):
        tag_import_preview(file_name=file_name, content=content, uploaded_by=staff)


@pytest.mark.parametrize(("file_name", "content", "problem"), [
    ("t.csv", b"", "empty"),
    ("t.csv", b"name,email\nAda,ada@example.org\n", "name the columns"),
    ("t.csv", b"researcher_id,tag\n,\n", "no rows below it"),
    ("t.xlsx", b"PK\x03\x04 not really a workbook", "could not be opened"),
    ("t.csv", b"researcher_id,tag\n\xff\xff,oncology\n", "neither UTF-8 nor GBK"),
    ("t.csv", b"x" * (MAX_IMPORT_BYTES + 1), "larger than 5 MB"),
])
def test_an_unreadable_file_is_refused_with_a_reason(staff, file_name, content, problem):
    with pytest.raises(ImportFileInvalid, match=problem):
        tag_import_preview(file_name=file_name, content=content, uploaded_by=staff)
    assert not TagImport.objects.exists()
