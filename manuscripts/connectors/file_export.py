"""Editorial Manager, Janeway and in-house systems, through the publisher's scheduled export of submissions.

Why files. Editorial Manager does have machine interfaces, through Aries: "EM Web Services" answer GET
requests for a submission's metadata by document id or manuscript number (XML or JSON, with credentials Aries
registers for the publication), and "EM Notification Services" send webhooks to endpoints the publication
configures, at workflow events — decisions, task status (ActionManager events), submissions and transfers
(emhelp.editorialmanager.com, "EM Web Services and EM Notification Services"; both are enabled per publication
by the Aries Account Coordinator). Their message formats are not public (Aries gives its specification to
customers under confidentiality), so we cannot build against them from sources; the place for a connector that
receives those notifications is :class:`manuscripts.connectors.base.PushConnector` and the registry's
``PUSH_CONNECTORS``. Janeway's REST API lists published articles only (reference, §5.3). So, for both, the
publisher exports its submissions on a schedule — with the authors' e-mail addresses and the status each author
sees — into a folder we read (or staff upload an export in admin); this keeps working alongside a push
connector, as the full picture a webhook may miss. Linking works as on every platform: the code goes to the
e-mail address the export has on file.

THE FILE FORMAT IS OUR OWN: no vendor defines one. ``deploy/exports/README.md`` specifies it, with a sample
per format, and ``sandbox/exports.py`` writes it. In short:

- CSV (UTF-8, a BOM is allowed, comma-separated, one header row) or JSON Lines (one object per line), one row
  per submission with the fields of :data:`COLUMNS`; :data:`REQUIRED_COLUMNS` must be present, extra columns
  are ignored. ``status`` holds the platform's own words; ``status_date`` and ``submitted_at`` are ISO 8601
  with a UTC offset; ``author_emails`` and ``author_orcids`` are ``;``-separated (JSON Lines may give arrays)
  and paired by position, so the n-th ORCID iD belongs to the n-th e-mail address.
- ``due_date`` (optional, ``YYYY-MM-DD``) is the day the journal needs the authors' part by: Editorial Manager's
  revision due date (EM sets one per revision when the journal configures it: its "Author Revision Reminders"
  report "is based on revision due dates and will skip revisions with no due date", Elsevier support, "How can I
  send revision reminders to authors in Editorial Manager?"), Janeway's revision request ``date_due`` (a required
  field of ``RevisionRequest``, openlibhums/janeway ``src/review/models.py``; its REST API does not expose it).
  ``action`` (optional) says what is needed when the status alone does not (``revision``, ``files``, ``proofs``:
  :class:`manuscripts.status.ActionKind`); empty, a revision-requested status means "revision".
- The folder is the journal system's ``base_url``, a file URL of an absolute folder: ``file:///srv/exports/em``
  (or ``file://localhost/srv/exports/em``).
- Files are named ``<anything>-<YYYYMMDDTHHMMSSZ>.csv`` or ``.jsonl`` and read in the order of that UTC stamp
  (then of the name); the cursor is the name of the newest file read. A file is read only once complete:
  writers write ``<name>.part`` and rename it when done, and a file modified in the last ``settle_seconds``
  (credentials, default 5) is left for the next poll. Either kind of unfinished file also holds back every
  file after it, so the cursor never passes a file that has not been read. A file dropped later with an older
  stamp than the cursor is never read: give it a new stamp.
- Platform ids are ``<journal>:<manuscript_id>``: Editorial Manager numbers manuscripts per journal site.

Bad input is never a crash. A file whose header lacks a required column, that is not UTF-8, that breaks CSV
quoting, or in which not one row is readable raises :class:`PlatformDataError` naming the file (and line): the
feed stops at that file, visibly in admin, until it is replaced or removed. A single malformed row is skipped
and reported — logged with ``file:line`` and kept in :attr:`FileExportConnector.problems` — so one bad row
does not stop a publisher's whole feed.

Status words map to the canonical status through data: :data:`EDITORIAL_MANAGER_STATUSES`,
:data:`JANEWAY_STAGES` and, for the generic ``file_export`` platform, both of them plus our own canonical codes
(:data:`CANONICAL_CODES`). Matching ignores case, dashes, underscores and spacing ("Completed – Accept" with an en
dash or a hyphen). A journal's customised words go in the credentials' ``status_map`` (words -> canonical
code). Words no table knows map to :data:`FALLBACK_STATUS`, keeping the words as the raw status, and are logged.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext

from manuscripts.connectors.base import (
    ConnectorError,
    ManuscriptSnapshot,
    PlatformConfig,
    PlatformDataError,
    PlatformIdentity,
    PlatformUnavailable,
    SnapshotPage,
)
from manuscripts.connectors.common import ConfiguredConnector, bare_orcid, title_language
from manuscripts.status import ActionKind, CanonicalStatus

logger = logging.getLogger(__name__)

PLATFORMS = ("editorial_manager", "janeway", "file_export")

COLUMNS = ("manuscript_id", "journal", "title", "title_zh", "status", "status_date", "submitted_at",
           "author_emails", "author_orcids", "doi", "published_on", "due_date", "action")
REQUIRED_COLUMNS = ("manuscript_id", "journal", "title", "status", "status_date", "submitted_at", "author_emails")

EMAIL = re.compile(r"[^@\s;]+@[^@\s;]+")
EXPORT_NAME = re.compile(r"^(?P<prefix>.+)-(?P<stamp>\d{8}T\d{6}Z)\.(?P<format>csv|jsonl)$", re.IGNORECASE)
PART_SUFFIX = ".part"
DEFAULT_SETTLE_SECONDS = 5.0
DEFAULT_MAX_FILES_PER_POLL = 20
PROBLEMS_LOGGED_PER_FILE = 10  # then one summary line: a file of broken rows must not flood the log

S = CanonicalStatus
# The author has not finished submitting (building or approving the submission PDF): not with the journal yet.
# Such a row yields no manuscript — unless it has a submission date, when it is a revision being prepared.
NOT_SUBMITTED = None
# What words that no table knows mean: the journal has the manuscript, and that is all we can say.
FALLBACK_STATUS = S.WITH_EDITOR

# Editorial Manager's default author-visible statuses (reference §5.2: Aries/Elsevier help, Cochrane's EM
# knowledge base). Journals may reword them: their words go in the credentials' status_map.
EDITORIAL_MANAGER_STATUSES: dict[str, CanonicalStatus | None] = {
    "Incomplete": NOT_SUBMITTED,
    "Needs Approval": NOT_SUBMITTED,
    "Author Invited": NOT_SUBMITTED,  # invited submissions: the author is still drafting
    "Submitted to Journal": S.SUBMITTED,
    "Manuscript Submitted": S.SUBMITTED,
    # Returned before any editor took it (incomplete files or declarations): the author must act and resubmit.
    "Sent Back to Author": S.REVISION_REQUESTED,
    "With Editor": S.WITH_EDITOR,
    "Editor Invited": S.WITH_EDITOR,
    "Editor Assigned": S.WITH_EDITOR,
    "Editor Declined Invitation": S.WITH_EDITOR,
    # Reviewers invited: peer review has begun, as OJS's "Waiting for reviewers to be assigned" does.
    "Reviewer(s) Invited": S.UNDER_REVIEW,
    "Reviewers Invited": S.UNDER_REVIEW,
    "Reviewer Invited": S.UNDER_REVIEW,
    "Under Review": S.UNDER_REVIEW,
    # All reviews in: the decision is the editor's now (as OJS's "reviews completed").
    "Required Reviews Completed": S.WITH_EDITOR,
    "Required Reviews Complete": S.WITH_EDITOR,
    "Decision in Process": S.WITH_EDITOR,
    "Revise": S.REVISION_REQUESTED,
    "Minor Revision": S.REVISION_REQUESTED,
    "Major Revision": S.REVISION_REQUESTED,
    "Revision Needs Approval": S.REVISION_REQUESTED,  # the author is approving the revised PDF
    "Revised Manuscript Submitted": S.REVISION_SUBMITTED,
    "Revision Submitted to Journal": S.REVISION_SUBMITTED,
    "Accept": S.ACCEPTED,
    # The final disposition: accepted and handed to production, which EM does not track. Crossref marks it
    # published once the DOI is deposited.
    "Completed – Accept": S.ACCEPTED,
    "Reject": S.REJECTED,
    "Completed – Reject": S.REJECTED,
    "Withdrawn": S.WITHDRAWN,
    "Completed – Withdrawn": S.WITHDRAWN,
    "Complete – Withdrawn": S.WITHDRAWN,  # Cochrane's wording
}

# Janeway's article stages: the stored values and their display labels (openlibhums/janeway
# src/submission/models.py STAGE_* and STAGE_CHOICES).
JANEWAY_STAGES: dict[str, CanonicalStatus | None] = {
    "Unsubmitted": NOT_SUBMITTED,
    "Unassigned": S.SUBMITTED,
    "Assigned": S.WITH_EDITOR,
    "Assigned to Editor": S.WITH_EDITOR,
    "Under Review": S.UNDER_REVIEW,
    "Peer Review": S.UNDER_REVIEW,
    # Janeway returns a revised article to "Under Review" only when the editor acts, so the author's upload
    # itself is not a stage: "Under Revision" covers both requested and submitted revisions.
    "Under Revision": S.REVISION_REQUESTED,
    "Revision": S.REVISION_REQUESTED,
    "Rejected": S.REJECTED,
    "Accepted": S.ACCEPTED,
    # Copyediting follows acceptance, as in the OJS table; typesetting and proofs are "in production".
    "Editor Copyediting": S.ACCEPTED,
    "Author Copyediting": S.ACCEPTED,
    "Final Copyediting": S.ACCEPTED,
    "Typesetting": S.IN_PRODUCTION,
    "typesetting_plugin": S.IN_PRODUCTION,
    "Proofing": S.IN_PRODUCTION,
    "pre_publication": S.IN_PRODUCTION,
    "Pre Publication": S.IN_PRODUCTION,
    "Published": S.PUBLISHED,
    "preprint_review": S.UNDER_REVIEW,
    "Preprint Review": S.UNDER_REVIEW,
    "preprint_published": S.PUBLISHED,
    "Preprint Published": S.PUBLISHED,
    # Janeway has no withdrawn stage: editors archive a submission to close it without a decision.
    "Archived": S.WITHDRAWN,
}


def status_key(words: str) -> str:
    """Words as the tables match them: case, dashes, underscores and spacing do not matter."""
    text = unicodedata.normalize("NFKC", words).casefold()
    return " ".join(part for part in re.split(r"[\s_\-\u2010-\u2015\u2212]+", text) if part)


def _keyed(*tables: Mapping[str, CanonicalStatus | None]) -> dict[str, CanonicalStatus | None]:
    """One lookup table from several; two rows that match the same words must agree."""
    keyed: dict[str, CanonicalStatus | None] = {}
    for table in tables:
        for words, canonical in table.items():
            key = status_key(words)
            if key in keyed and keyed[key] != canonical:
                raise ValueError(f"status words {words!r} map to both {keyed[key]} and {canonical}")
            keyed[key] = canonical
    return keyed


# Our own codes ("under_review", …), for in-house systems that export them directly.
CANONICAL_CODES: dict[str, CanonicalStatus | None] = {status.value: status for status in CanonicalStatus}

# Platform -> words as status_key() has them -> canonical status. The generic platform knows every table.
STATUS_TABLES: dict[str, dict[str, CanonicalStatus | None]] = {
    "editorial_manager": _keyed(EDITORIAL_MANAGER_STATUSES),
    "janeway": _keyed(JANEWAY_STAGES),
    "file_export": _keyed(CANONICAL_CODES, EDITORIAL_MANAGER_STATUSES, JANEWAY_STAGES),
}


def known_status(platform: str, words: str, overrides: Mapping[str, CanonicalStatus] | None = None) -> bool:
    key = status_key(words)
    return key in (overrides or {}) or key in STATUS_TABLES[platform]


def map_status(platform: str, words: str,
               overrides: Mapping[str, CanonicalStatus] | None = None) -> CanonicalStatus | None:
    """The canonical status for a platform's words; None (:data:`NOT_SUBMITTED`) for a submission the author has
    not finished; :data:`FALLBACK_STATUS` for words no table knows. ``overrides`` are keyed by :func:`status_key`.
    """
    key = status_key(words)
    if overrides and key in overrides:
        return overrides[key]
    return STATUS_TABLES[platform].get(key, FALLBACK_STATUS)


def export_file_key(name: str) -> tuple[str, str] | None:
    """How export files sort — (UTC stamp, name) — or None for a name that is not an export file's."""
    match = EXPORT_NAME.match(name)
    if not match:
        return None
    stamp = match["stamp"].upper()
    try:
        datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")
    except ValueError:
        return None
    return stamp, name


def export_folder(base_url: str) -> Path:
    """The folder of a ``file:///absolute/folder`` URL; ValueError for anything else."""
    parts = urlsplit(base_url.strip())
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        raise ValueError(f"not a file:///absolute/folder URL: {base_url!r}")
    return Path(unquote(parts.path))


@dataclass(frozen=True)
class ExportFile:
    name: str
    path: Path
    key: tuple[str, str]  # export_file_key() of the finished file's name
    format: str  # "csv" | "jsonl"
    complete: bool  # False: still being written (.part, or modified within settle_seconds)


@dataclass(frozen=True)
class ExportRow:
    """One readable row: its snapshot (None for a submission not finished yet) and its authors."""

    snapshot: ManuscriptSnapshot | None
    authors: tuple[tuple[str, str], ...]  # (lower-cased e-mail, bare ORCID iD); either may be ""


class RowError(ValueError):
    """A row that cannot be read; the message says why (the caller adds file and line)."""


class FileExportConnector(ConfiguredConnector):
    """The Connector for export files (Editorial Manager, Janeway, generic); see the module docstring.

    Like the OJS connector, construction never fails: a configuration that cannot work raises its
    ConnectorError, not retryable, from every call instead.
    """

    platform = "file_export"  # the instance's platform is its journal system's: editorial_manager, janeway, …
    supports_platform_changes = True

    def __init__(self, config: PlatformConfig) -> None:
        self.config = config
        self.platform = config.platform if config.platform in PLATFORMS else "file_export"
        self.journal_paths = frozenset(path for path in config.journal_paths.values() if path)
        self.problems: list[str] = []  # rows skipped by the last calls, as "file line N: why"
        self.unknown_statuses: set[str] = set()  # words mapped through FALLBACK_STATUS
        self.configuration_error: ConnectorError | None = None
        self.folder = Path("/nonexistent")
        self.settle_seconds = DEFAULT_SETTLE_SECONDS
        self.max_files_per_poll = DEFAULT_MAX_FILES_PER_POLL
        self.status_overrides: dict[str, CanonicalStatus] = {}
        credentials = config.credentials or {}
        try:
            self.folder = export_folder(config.base_url)
            self.settle_seconds = _number(credentials, "settle_seconds", DEFAULT_SETTLE_SECONDS, minimum=0)
            self.max_files_per_poll = int(_number(credentials, "max_files_per_poll", DEFAULT_MAX_FILES_PER_POLL,
                                                  minimum=1))
            self.status_overrides = _status_overrides(credentials.get("status_map"))
        except ValueError as error:
            self.configuration_error = ConnectorError(f"journal system {config.key!r}: {error}")

    # --- the Connector interface -----------------------------------------------------------------------------

    def test_connection(self) -> str:
        """The folder is there and readable; how many export files it holds, and any that wait or are misnamed."""
        files, misnamed = self._listing()
        complete = [file for file in files if file.complete]
        message = gettext("Export folder %(folder)s is readable: %(count)d export files.") % {
            "folder": self.folder, "count": len(complete)}
        if complete:
            message += " " + gettext("Newest: %(name)s.") % {"name": complete[-1].name}
        waiting = [file.name for file in files if not file.complete]
        if waiting:
            message += " " + gettext("Still being written: %(names)s.") % {"names": ", ".join(waiting)}
        if misnamed:
            message += " " + gettext("Not named <name>-<YYYYMMDDTHHMMSSZ>.csv|jsonl, so never read: %(names)s.") % {
                "names": ", ".join(misnamed)}
        return message

    def find_identity(self, identity: str) -> PlatformIdentity | None:
        """An author by e-mail or ORCID iD, newest files first; usernames: None (exports carry none).

        An ORCID iD is found with the e-mail address it is paired with, so the code goes there; an iD the export
        pairs with no address anywhere yields an identity without e-mail (staff or ORCID-match verification).
        """
        typed = identity.strip()
        orcid = bare_orcid(typed)
        if not orcid and "@" not in typed:
            return None
        email = "" if orcid else typed.lower()
        files, _misnamed = self._listing()
        orcid_seen = False
        for file in reversed([file for file in files if file.complete]):
            for row in self._rows(file):
                for author_email, author_orcid in row.authors:
                    if orcid and author_orcid == orcid:
                        if author_email:
                            return PlatformIdentity(platform_user_id=author_email, email=author_email, orcid=orcid)
                        orcid_seen = True
                    elif email and author_email == email:
                        return PlatformIdentity(platform_user_id=email, email=email, orcid=author_orcid)
        if orcid_seen:
            return PlatformIdentity(platform_user_id=orcid, email="", orcid=orcid)
        return None

    def manuscripts_for_identity(self, identity: PlatformIdentity, cursor: str | None) -> SnapshotPage:
        """The identity's manuscripts in every file after the cursor (all files for None), matched by the
        identity's e-mail address or ORCID iD among the row's authors."""
        addresses = {value.strip().lower() for value in (identity.platform_user_id, identity.email)} - {""}
        orcids = {bare_orcid(identity.orcid), bare_orcid(identity.platform_user_id)} - {""}
        if not addresses and not orcids:
            raise ConnectorError(f"no e-mail address or ORCID iD to look for: {identity.platform_user_id!r}")

        def is_author(row: ExportRow) -> bool:
            return any(email in addresses or orcid in orcids for email, orcid in row.authors)

        return self._changed(cursor, limit=None, keep=is_author)

    def changed_since(self, cursor: str | None) -> SnapshotPage:
        """Every row of the next files after the cursor, at most ``max_files_per_poll`` files a call."""
        return self._changed(cursor, limit=self.max_files_per_poll, keep=None)

    # --- files ------------------------------------------------------------------------------------------------

    def _changed(self, cursor: str | None, *, limit: int | None,
                 keep: Callable[[ExportRow], bool] | None) -> SnapshotPage:
        after = self._cursor_key(cursor)
        files, _misnamed = self._listing()
        pending: list[ExportFile] = []
        for file in files:
            if after is not None and file.key <= after:
                continue
            if not file.complete or (limit is not None and len(pending) >= limit):
                break  # an unfinished file holds back every file after it: the cursor must not pass it
            pending.append(file)
        latest: dict[str, ManuscriptSnapshot] = {}
        snapshots: list[ManuscriptSnapshot] = []
        for file in pending:
            for row in self._rows(file):
                snapshot = row.snapshot
                if snapshot is None or (keep is not None and not keep(row)):
                    continue
                if latest.get(snapshot.platform_id) == snapshot:
                    continue  # the same row again (full daily exports repeat unchanged submissions)
                latest[snapshot.platform_id] = snapshot
                snapshots.append(snapshot)
        return SnapshotPage(snapshots=snapshots, next_cursor=pending[-1].name if pending else cursor)

    def _cursor_key(self, cursor: str | None) -> tuple[str, str] | None:
        if not cursor:
            return None
        key = export_file_key(cursor)
        if key is None:
            raise ConnectorError(f"journal system {self.config.key!r}: the saved cursor {cursor!r} is not an export "
                                 "file name; clear it to read the folder from the start")
        return key

    def _listing(self) -> tuple[list[ExportFile], list[str]]:
        """Export files in reading order (complete or not), and the names of misnamed .csv/.jsonl files."""
        self._check_configuration()
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            raise PlatformUnavailable(f"export folder {self.folder} does not exist") from None
        except NotADirectoryError:
            raise PlatformUnavailable(f"export folder {self.folder} is not a folder") from None
        except PermissionError:
            raise PlatformUnavailable(f"export folder {self.folder} is not readable") from None
        except OSError as error:
            raise PlatformUnavailable(f"export folder {self.folder} cannot be listed: {error.strerror}") from None
        now = time.time()
        files: list[ExportFile] = []
        misnamed: list[str] = []
        for entry in entries:
            name = entry.name
            target = name.removesuffix(PART_SUFFIX)
            key = export_file_key(target)
            if key is None:
                if target.lower().endswith((".csv", ".jsonl")):
                    misnamed.append(name)
                continue
            try:
                if not entry.is_file():
                    continue
                modified = entry.stat().st_mtime
            except OSError:
                continue  # removed while we listed
            complete = name == target and now - modified >= self.settle_seconds
            files.append(ExportFile(name=name, path=Path(entry.path), key=key,
                                    format=target.rsplit(".", 1)[1].lower(), complete=complete))
        files.sort(key=lambda file: file.key)
        return files, sorted(misnamed)

    def _rows(self, file: ExportFile) -> Iterator[ExportRow]:
        """The file's readable rows, streamed; skipped rows go to :attr:`problems`. Raises PlatformDataError for
        a file that cannot be read as a whole."""
        try:
            handle = file.path.open(encoding="utf-8-sig", newline="")  # utf-8-sig: spreadsheets write a BOM
        except FileNotFoundError:
            raise PlatformUnavailable(f"export file {file.name} was removed while we read the folder") from None
        except OSError as error:
            raise PlatformUnavailable(f"export file {file.name} cannot be read: {error.strerror}") from None
        readable, skipped, line = 0, [], 0
        with handle:
            records = _csv_records(file.name, handle) if file.format == "csv" else _jsonl_records(handle)
            try:
                for line, record in records:
                    try:
                        if isinstance(record, RowError):
                            raise record
                        if not isinstance(record, dict):
                            raise RowError(f"not an object but {type(record).__name__}")
                        row = self._row(record)
                    except RowError as error:
                        skipped.append(f"{file.name} line {line}: {error}")
                        if len(skipped) <= PROBLEMS_LOGGED_PER_FILE:
                            logger.warning("export row skipped: %s", skipped[-1])
                        continue
                    readable += 1
                    yield row
            except UnicodeDecodeError:
                raise PlatformDataError(f"export file {file.name}: not UTF-8 text (after line {line})") from None
            except OSError as error:
                raise PlatformUnavailable(f"export file {file.name} cannot be read: {error.strerror}") from None
        self.problems.extend(skipped)
        if len(skipped) > PROBLEMS_LOGGED_PER_FILE:
            logger.warning("export file %s: %d more rows skipped", file.name, len(skipped) - PROBLEMS_LOGGED_PER_FILE)
        if skipped and not readable:
            raise PlatformDataError(f"export file {file.name}: no row is readable ({len(skipped)} rows; the first "
                                    f"problem: {skipped[0]})")

    # --- rows -------------------------------------------------------------------------------------------------

    def _row(self, values: dict[str, Any]) -> ExportRow:
        manuscript_id = _text(values, "manuscript_id", required=True)
        journal = _text(values, "journal", required=True)
        words = _text(values, "status", required=True)
        status_date = _moment(values, "status_date", required=True)
        submitted_at = _moment(values, "submitted_at")
        # Paired by position: an empty entry is an author without an address (or without an iD).
        emails = [email.lower() for email in _list(values, "author_emails")]
        for email in emails:
            if email and not EMAIL.fullmatch(email):
                raise RowError(f"author_emails: {email!r} is not an e-mail address")
        orcids = []
        for value in _list(values, "author_orcids"):
            orcid = bare_orcid(value)
            if value and not orcid:
                raise RowError(f"author_orcids: {value!r} is not an ORCID iD")
            orcids.append(orcid)
        authors = tuple(zip_longest(emails, orcids, fillvalue=""))
        if journal not in self.journal_paths and self.journal_paths:
            return ExportRow(snapshot=None, authors=authors)  # a journal this system does not track
        canonical = map_status(self.platform, words, self.status_overrides)
        if not known_status(self.platform, words, self.status_overrides) and words not in self.unknown_statuses:
            self.unknown_statuses.add(words)
            logger.warning("journal system %s: unknown status %r shown as %s", self.config.key, words,
                           FALLBACK_STATUS.value)
        if canonical is NOT_SUBMITTED:
            if submitted_at is None:
                return ExportRow(snapshot=None, authors=authors)
            canonical = S.REVISION_REQUESTED  # submitted before: the author is preparing a revision
        title = _text(values, "title") or f"#{manuscript_id}"
        title_zh = _text(values, "title_zh")
        titles = {"zh-hans": title_zh} if title_zh else {}
        titles.setdefault(title_language(title), title)
        snapshot = ManuscriptSnapshot(
            platform_id=f"{journal}:{manuscript_id}",
            journal_path=journal,
            titles=titles,
            canonical_status=canonical.value,
            raw_status=words,
            last_activity_at=status_date,
            submitted_at=submitted_at,
            status_changed_at=status_date,
            author_emails=tuple(dict.fromkeys(email for email in emails if email)),
            author_user_ids=tuple(dict.fromkeys(orcid for orcid in orcids if orcid)),
            doi=_doi(_text(values, "doi")),
            published_on=_day(values, "published_on"),
            action=_action(values),
            due_date=_day(values, "due_date"),
        )
        return ExportRow(snapshot=snapshot, authors=authors)


# --- reading files --------------------------------------------------------------------------------------------


def _csv_records(file_name: str, lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str] | RowError]]:
    """(first line, record) for each CSV record; PlatformDataError for a broken header or broken quoting."""
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise PlatformDataError(f"export file {file_name} line 1: the header is not valid CSV ({error})") from None
    if not header or not any(cell.strip() for cell in header):
        raise PlatformDataError(f"export file {file_name} line 1: no header row (expected: {', '.join(COLUMNS)})")
    names = [cell.strip().lower() for cell in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    duplicated = sorted({name for name in names if name and names.count(name) > 1})
    if missing or duplicated:
        problem = f"lacks column(s) {', '.join(missing)}" if missing else f"repeats {', '.join(duplicated)}"
        hint = " — the format is comma-separated, this header looks semicolon-separated" \
            if len(header) == 1 and ";" in header[0] else ""
        raise PlatformDataError(f"export file {file_name} line 1: the header {problem} "
                                f"(it has: {', '.join(name for name in names if name)}){hint}")
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise PlatformDataError(f"export file {file_name} line {reader.line_num}: broken CSV quoting "
                                    f"({error}); nothing after it can be read reliably") from None
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (a trailing newline, an empty spreadsheet row)
        if len(cells) != len(names):
            yield start, RowError(f"{len(cells)} fields, the header has {len(names)}")
            continue
        yield start, dict(zip(names, cells, strict=True))


def _jsonl_records(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except ValueError as error:
            yield number, RowError(f"not JSON ({error.args[0] if error.args else error})")


# --- values -----------------------------------------------------------------------------------------------------


def _text(values: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = values.get(name)
    if value is None:
        value = ""
    elif isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError(f"{name} is not text: {value!r}")
    text = str(value).strip()
    if required and not text:
        raise RowError(f"{name} is empty" if name in values else f"{name} is missing")
    return text


def _list(values: dict[str, Any], name: str) -> list[str]:
    """A ``;``-separated field (or, in JSON Lines, an array of strings), empty entries kept in place."""
    value = values.get(name)
    if isinstance(value, list):
        if not all(isinstance(item, str) or item is None for item in value):
            raise RowError(f"{name} is not a list of text: {value!r}")
        items = [(item or "").strip() for item in value]
    else:
        items = [item.strip() for item in _text(values, name).split(";")]
    while items and not items[-1]:
        items.pop()
    return items


def _moment(values: dict[str, Any], name: str, *, required: bool = False) -> datetime | None:
    text = _text(values, name, required=required)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RowError(f"{name} is not an ISO 8601 date and time: {text!r}") from None
    if moment.tzinfo is None:
        raise RowError(f"{name} has no UTC offset (e.g. 2026-10-01T08:00:00+08:00): {text!r}")
    return moment


def _day(values: dict[str, Any], name: str) -> date | None:
    text = _text(values, name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"{name} is not a date (YYYY-MM-DD): {text!r}") from None


def _action(values: dict[str, Any]) -> str:
    action = _text(values, "action").lower()
    if action and action not in ActionKind.values:
        raise RowError(f"action {action!r} is not one of {', '.join(ActionKind.values)}")
    return action


def _doi(value: str) -> str:
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", value.strip(), flags=re.IGNORECASE)


def _number(credentials: dict[str, Any], name: str, default: float, *, minimum: float) -> float:
    value = credentials.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"credentials {name!r} must be a number, not {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"credentials {name!r} must be a number, not {value!r}") from None
    if number < minimum:
        raise ValueError(f"credentials {name!r} must be at least {minimum:g}, not {value!r}")
    return number


def _status_overrides(status_map: Any) -> dict[str, CanonicalStatus]:
    """A journal's own words -> canonical status, from the credentials' ``status_map``."""
    if status_map in (None, ""):
        return {}
    if not isinstance(status_map, dict):
        raise ValueError("credentials 'status_map' must map status words to canonical statuses")
    overrides = {}
    for words, code in status_map.items():
        try:
            overrides[status_key(str(words))] = CanonicalStatus(code)
        except ValueError:
            raise ValueError(f"credentials 'status_map': {words!r} maps to {code!r}, which is not one of "
                             f"{', '.join(CanonicalStatus.values)}") from None
    return overrides
