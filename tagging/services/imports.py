"""Tag imports: staff upload a CSV or XLSX file in admin, preview how every row matches, then apply it.

Invariants:
- Preview writes nothing but the import row: each file row gets a verdict — matched (a researcher found, the row
  valid), unmatched (no researcher has that id, ORCID iD or unionid) or invalid (unknown tag, bad action, bad
  date, …) — with a message saying why.
- All or nothing: a file with any unmatched or invalid row applies nothing; an applicable one is applied in ONE
  transaction, through `tags_assign` / `tags_remove` (audited, webhooks), source "import", actor the staff user's
  username. If a tag or a researcher disappeared since the preview, everything rolls back. An import applies once.
- "remove" takes the tag off whoever put it there: it is a staff decision, like removing it in admin. "add" on a
  researcher who carries the tag already changes nothing (the existing assignment and its expiry stay).
- Files: XLSX (first sheet) or CSV as UTF-8 with or without BOM, UTF-16 with BOM, or GBK/GB18030 (what Excel saves
  on a Chinese Windows); comma, tab or semicolon separated. Columns are found by their header names (below),
  English or Chinese; at most MAX_IMPORT_BYTES and MAX_IMPORT_ROWS.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import researcher_ids_by_reference
from accounts.validators import normalize_orcid, validate_orcid
from tagging.errors import ImportApplied, ImportFileInvalid, ImportNotApplicable, ImportOutdated
from tagging.models import AssignmentSource, Tag, TagAssignment, TagImport
from tagging.services.tags import tags_assign, tags_remove

MATCHED, UNMATCHED, INVALID = "matched", "unmatched", "invalid"
VERDICTS = (MATCHED, UNMATCHED, INVALID)
ADD, REMOVE = "add", "remove"
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
REFERENCE_KINDS = ("id", "orcid", "unionid")  # as accounts.selectors.researcher_ids_by_reference names them

# Header names, compared after _header_key (case, spaces, "_", "-" and "." ignored).
COLUMN_NAMES = {
    "id": ["researcherid", "researcher", "id", "研究者id", "用户id"],
    "orcid": ["orcid", "orcidid", "orcidid号"],
    "unionid": ["unionid", "wechatunionid", "微信unionid"],
    "tag": ["tag", "tagslug", "slug", "标签"],
    "action": ["action", "操作"],
    "expires_at": ["expiresat", "expires", "expiry", "到期", "到期时间", "过期时间", "有效期至"],
}
ACTION_WORDS = {"": ADD, "add": ADD, "+": ADD, "添加": ADD, "增加": ADD,
                "remove": REMOVE, "-": REMOVE, "删除": REMOVE, "移除": REMOVE}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-.:#*]", "", unicodedata.normalize("NFKC", str(text)).casefold())


def _decoded(content: bytes) -> str:
    if content.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileInvalid(_("The file is neither UTF-8 nor GBK text, nor an XLSX workbook."))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):  # a date cell is a datetime at midnight: keep it a date (its end counts)
        return value.date().isoformat() if value.time() == time.min else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id Excel stored as a number
    return str(value).strip()


def _sheet_rows(content: bytes) -> list[tuple[int, list[str]]]:
    """(line, cells) of an XLSX workbook's first sheet."""
    from openpyxl import load_workbook  # only imports need it: keep it out of every process's start-up

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportFileInvalid(_("The workbook could not be opened: %(problem)s") % {"problem": error}) from error
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if line > MAX_IMPORT_ROWS + 1:
                raise _too_many_rows()
            rows.append((line, [_cell_text(value) for value in values]))
        return rows
    finally:
        workbook.close()


def _csv_rows(content: bytes) -> list[tuple[int, list[str]]]:
    """(line, cells) of a CSV file, with the delimiter whose first row has a tag column."""
    text = _decoded(content)
    first_line = text.split("\n", 1)[0]
    delimiter = next((candidate for candidate in (",", "\t", ";") if candidate in first_line), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows = []
    try:
        for cells in reader:
            if len(rows) > MAX_IMPORT_ROWS:
                raise _too_many_rows()
            rows.append((reader.line_num, [cell.strip() for cell in cells]))
    except csv.Error as error:
        raise ImportFileInvalid(_("Line %(line)s: %(problem)s") % {
            "line": reader.line_num, "problem": error}) from error
    return rows


def _too_many_rows() -> ImportFileInvalid:
    return ImportFileInvalid(_("The file has more than %(rows)s rows: split it into smaller files.") % {
        "rows": f"{MAX_IMPORT_ROWS:,}"})


def _columns(header: list[str]) -> dict[str, int]:
    keys = [_header_key(cell) for cell in header]
    found = {}
    for kind, names in COLUMN_NAMES.items():
        index = next((keys.index(name) for name in names if name in keys), None)
        if index is not None:
            found[kind] = index
    if "tag" not in found or not any(kind in found for kind in REFERENCE_KINDS):
        raise ImportFileInvalid(_("The first row must name the columns: tag, and at least one of researcher_id, "
                                  "orcid or unionid (action and expires_at are optional)."))
    return found


def import_rows_read(*, file_name: str, content: bytes) -> list[dict]:
    """The file's data rows as {line, id, orcid, unionid, tag, action, expires_at} texts (blank rows left out).
    ImportFileInvalid when the file can't be read or has no header row."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFileInvalid(_("The file is larger than %(size)s MB.") % {"size": MAX_IMPORT_BYTES // 2**20})
    is_workbook = content.startswith(b"PK\x03\x04") or file_name.lower().endswith((".xlsx", ".xlsm"))
    rows = _sheet_rows(content) if is_workbook else _csv_rows(content)
    rows = [(line, cells) for line, cells in rows if any(cells)]
    if not rows:
        raise ImportFileInvalid(_("The file is empty."))
    columns = _columns(rows[0][1])

    def cell(cells: list[str], kind: str) -> str:
        index = columns.get(kind)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    if len(rows) == 1:
        raise ImportFileInvalid(_("The file has a header row but no rows below it."))
    return [{"line": line, **{kind: cell(cells, kind)[:200] for kind in COLUMN_NAMES}} for line, cells in rows[1:]]


def _expiry(text: str) -> datetime:
    """An expiry as typed: a date means the end of that day (Beijing time); a datetime is taken as written."""
    for date_format in _DATE_FORMATS:
        try:
            day = datetime.strptime(text, date_format).date()
        except ValueError:
            continue
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    for date_format in _DATETIME_FORMATS:
        try:
            return timezone.make_aware(datetime.strptime(text, date_format))
        except ValueError:
            continue
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(text) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _row_problems(row: dict, tags: dict[str, Tag], now: datetime) -> tuple[list[str], dict]:
    """(what is wrong with the row, its parsed values: references, action, expires_at)."""
    problems, parsed = [], {"references": {}}
    if row["id"]:
        if row["id"].isdigit():
            parsed["references"]["id"] = str(int(row["id"]))
        else:
            problems.append(_('"%(value)s" is not a researcher id (a number).') % {"value": row["id"]})
    if row["orcid"]:
        orcid = normalize_orcid(row["orcid"])
        try:
            validate_orcid(orcid)
        except ValidationError as error:
            problems.append(" ".join(str(message) for message in error.messages))
        else:
            parsed["references"]["orcid"] = orcid
    if row["unionid"]:
        parsed["references"]["unionid"] = row["unionid"]
    if not row["id"] and not row["orcid"] and not row["unionid"]:
        problems.append(_("No researcher_id, orcid or unionid."))
    if not row["tag"]:
        problems.append(_("No tag."))
    elif row["tag"] not in tags:
        problems.append(_('Unknown tag "%(slug)s": create it first.') % {"slug": row["tag"]})
    action = ACTION_WORDS.get(row["action"].casefold())
    if action is None:
        problems.append(_('Unknown action "%(action)s": use add or remove.') % {"action": row["action"]})
    parsed["action"] = action
    parsed["expires_at"] = None
    if row["expires_at"]:
        try:
            expires_at = _expiry(row["expires_at"])
        except ValueError:
            problems.append(_('"%(value)s" is not a date like 2027-06-30.') % {"value": row["expires_at"]})
        else:
            if expires_at <= now:
                problems.append(_("The expiry %(value)s has passed.") % {"value": row["expires_at"]})
            elif action == REMOVE:
                problems.append(_("An expiry belongs to an added tag, not a removed one."))
            parsed["expires_at"] = expires_at
    return problems, parsed


def import_rows_match(*, rows: list[dict]) -> list[dict]:
    """Each row with its verdict, researcher_id, action, expires_at (ISO or null) and message. Reads only."""
    now = timezone.now()
    tags = {tag.slug: tag for tag in Tag.objects.filter(slug__in={row["tag"] for row in rows if row["tag"]})}
    checked = [(row, *_row_problems(row, tags, now)) for row in rows]
    wanted = defaultdict(set)
    for _row, _problems, parsed in checked:
        for kind, value in parsed["references"].items():
            wanted[kind].add(value)
    found = researcher_ids_by_reference(ids=wanted["id"], orcids=wanted["orcid"], unionids=wanted["unionid"])
    carried = set()
    verdicts, seen = [], {}
    matched_ids = set(found.values())
    if matched_ids and tags:
        carried = set(TagAssignment.objects.filter(researcher_id__in=matched_ids, tag__in=tags.values())
                      .values_list("researcher_id", "tag__slug"))
    for row, problems, parsed in checked:
        researcher_ids = {found.get((kind, value)) for kind, value in parsed["references"].items()}
        researcher_id = next(iter(researcher_ids)) if len(researcher_ids) == 1 else None
        verdict, message = MATCHED, ""
        if problems:
            verdict, message = INVALID, " ".join(problems)
        elif None in researcher_ids:
            missing = [f"{kind} {value}" for kind, value in parsed["references"].items()
                       if (kind, value) not in found]
            verdict, message = UNMATCHED, _("No researcher with %(references)s.") % {"references": ", ".join(missing)}
        elif researcher_id is None:
            verdict, message = INVALID, _("The id, ORCID iD and unionid of this row belong to different researchers.")
        elif (researcher_id, row["tag"]) in seen:
            verdict, message = INVALID, _("Line %(line)s has the same researcher and tag.") % {
                "line": seen[(researcher_id, row["tag"])]}
        else:
            seen[(researcher_id, row["tag"])] = row["line"]
            carries = (researcher_id, row["tag"]) in carried
            if parsed["action"] == ADD:
                message = (_("Carries %(tag)s already: no change.") if carries else _("Adds %(tag)s.")) % {
                    "tag": row["tag"]}
            else:
                message = (_("Removes %(tag)s.") if carries else _("Does not carry %(tag)s: no change.")) % {
                    "tag": row["tag"]}
        verdicts.append({**row, "verdict": verdict, "message": str(message),
                         "researcher_id": researcher_id if verdict == MATCHED else None,
                         "action_parsed": parsed["action"],
                         "expires_at_parsed": parsed["expires_at"].isoformat() if parsed["expires_at"] else None})
    return verdicts


def tag_import_preview(*, file_name: str, content: bytes, uploaded_by) -> TagImport:
    """Read an uploaded file and keep its rows with their verdicts; no tag changes. ImportFileInvalid (400) when
    the file can't be read."""
    rows = import_rows_match(rows=import_rows_read(file_name=file_name, content=content))
    counts = {verdict: sum(1 for row in rows if row["verdict"] == verdict) for verdict in VERDICTS}
    return TagImport.objects.create(file_name=file_name[:200], rows=rows, matched=counts[MATCHED],
                                    unmatched=counts[UNMATCHED], invalid=counts[INVALID], uploaded_by=uploaded_by)


def tag_import_apply(*, import_id: int, staff_user) -> int:
    """Apply every row of a previewed import in one transaction; returns how many tags were put on or taken off.
    ImportApplied (409) the second time; ImportNotApplicable (400) when a row is unmatched or invalid (nothing is
    applied); ImportOutdated (409, nothing applied) when a tag or a researcher is gone since the preview."""
    actor = staff_user.get_username()
    with transaction.atomic():
        tag_import = TagImport.objects.select_for_update().get(pk=import_id)
        if tag_import.applied_at is not None:
            raise ImportApplied()
        if not tag_import.can_apply:
            raise ImportNotApplicable()
        rows = tag_import.rows
        tags = {tag.slug: tag for tag in Tag.objects.filter(slug__in={row["tag"] for row in rows})}
        researcher_ids = {row["researcher_id"] for row in rows}
        still_there = researcher_ids_by_reference(ids=[str(pk) for pk in researcher_ids])
        gone_tags = sorted({row["tag"] for row in rows} - set(tags))
        gone_researchers = sorted(researcher_ids - set(still_there.values()))
        if gone_tags or gone_researchers:
            raise ImportOutdated(_("Nothing was applied: since the preview, these were deleted: %(gone)s. Upload the "
                                   "file again.") % {"gone": ", ".join(
                                       [*gone_tags, *(f"#{pk}" for pk in gone_researchers)])})
        # One call per tag, action and expiry; tags in slug order, so two imports never deadlock on tag rows.
        batches: dict[tuple[str, str, str | None], list[int]] = defaultdict(list)
        for row in rows:
            batches[(row["tag"], row["action_parsed"], row["expires_at_parsed"])].append(row["researcher_id"])
        changed = 0
        for (slug, action, expires_at), ids in sorted(batches.items(), key=lambda item: (item[0][0], item[0][1],
                                                                                          item[0][2] or "")):
            if action == ADD:
                changed += len(tags_assign(tag=tags[slug], researcher_ids=ids, source=AssignmentSource.IMPORT,
                                           actor=actor, staff_user=staff_user,
                                           expires_at=datetime.fromisoformat(expires_at) if expires_at else None))
            else:
                changed += len(tags_remove(tag=tags[slug], researcher_ids=ids, source=AssignmentSource.IMPORT,
                                           actor=actor, staff_user=staff_user))
        tag_import.applied_at = timezone.now()
        tag_import.changed = changed
        tag_import.save(update_fields=["applied_at", "changed"])
    return changed
