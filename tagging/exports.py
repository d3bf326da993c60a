"""Files of a dataset (tagging.selectors.datasets) as CSV, XLSX or JSON Lines, produced as a stream of byte
chunks in constant memory, for a 1M-row table as for a 10-row one.

- CSV: UTF-8 with a byte-order mark (Excel then reads Chinese correctly), one header line, streamed as produced.
- JSON Lines: one JSON object per line, the staff API's item shape, streamed as produced.
- XLSX: openpyxl's write-only workbook keeps rows in a temporary file, not in memory; a workbook is a zip that is
  complete only at the end, so the file is built on disk first and then streamed. A sheet holds at most
  1,048,576 rows: longer exports continue on a second sheet.

Spreadsheet cells that would start a formula (=, +, -, @, tab, carriage return) get a leading apostrophe, so a
display name such as `=HYPERLINK(…)` stays text in Excel (CSV injection).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tagging.selectors.datasets import Dataset, dataset_rows

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "jsonl": ("application/x-ndjson", "jsonl"),
}
XLSX_MAX_ROWS = 1_048_576  # per sheet, header included
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LINES_PER_CHUNK = 500
_FILE_CHUNK_BYTES = 64 * 1024


def _cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv_chunks(dataset: Dataset, rows: Iterator[dict]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in dataset.columns])
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
    lines = 0
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([_cell(column.value(row)) for column in dataset.columns])
        lines += 1
        if lines == _LINES_PER_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            lines = 0
    if lines:
        yield buffer.getvalue().encode("utf-8")


def _jsonl_chunks(rows: Iterator[dict]) -> Iterator[bytes]:
    lines: list[str] = []
    for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        if len(lines) == _LINES_PER_CHUNK:
            yield ("\n".join(lines) + "\n").encode("utf-8")
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode("utf-8")


def _xlsx_value(value):
    value = _cell(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _xlsx_chunks(dataset: Dataset, rows: Iterator[dict]) -> Iterator[bytes]:
    header = [column.header for column in dataset.columns]
    with tempfile.TemporaryFile() as workbook_file:
        workbook = Workbook(write_only=True)
        sheet, sheets, sheet_rows = None, 0, XLSX_MAX_ROWS
        for row in rows:
            if sheet_rows == XLSX_MAX_ROWS:
                sheets += 1
                sheet = workbook.create_sheet(dataset.name if sheets == 1 else f"{dataset.name} ({sheets})")
                sheet.append(header)
                sheet_rows = 1
            sheet.append([_xlsx_value(column.value(row)) for column in dataset.columns])
            sheet_rows += 1
        if sheet is None:
            workbook.create_sheet(dataset.name).append(header)
        workbook.save(workbook_file)
        workbook_file.seek(0)
        while chunk := workbook_file.read(_FILE_CHUNK_BYTES):
            yield chunk


def export_chunks(*, dataset: Dataset, file_format: str, chunk_size: int) -> Iterator[bytes]:
    """The export of `dataset` in `file_format` (a key of FORMATS), as byte chunks."""
    rows = dataset_rows(dataset, chunk_size=chunk_size)
    if file_format == "csv":
        return _csv_chunks(dataset, rows)
    if file_format == "jsonl":
        return _jsonl_chunks(rows)
    if file_format == "xlsx":
        return _xlsx_chunks(dataset, rows)
    raise ValueError(file_format)


def export_filename(*, dataset: Dataset, file_format: str, at) -> str:
    return f"{dataset.name}-{at:%Y%m%d-%H%M%S}.{FORMATS[file_format][1]}"


def export_response(*, dataset: Dataset, file_format: str, chunk_size: int, now) -> StreamingHttpResponse:
    content_type = FORMATS[file_format][0]
    response = StreamingHttpResponse(export_chunks(dataset=dataset, file_format=file_format, chunk_size=chunk_size),
                                     content_type=content_type)
    filename = export_filename(dataset=dataset, file_format=file_format, at=now)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
