"""ScholarOne Manuscripts (Clarivate), through the publisher's web services: HTTP Digest, XML (or JSON).

Wire facts this module relies on (developer.scholarone.com and the API Reference Guide; ``sandbox/scholarone.py``
says which parts are documented and which are our assumptions — check those first against a real caller profile):

- ``{base}/api/s1m/...`` (base ``https://mc-api.manuscriptcentral.com``) with HTTP Digest authentication: the
  caller profile's API user name and API key (credentials ``username`` and ``api_key``); the publisher must also
  have our server's IP address registered. A refused answer is a 401 with a new challenge.
- Every call names the journal by ``site_name`` (the journal's platform path here) and answers
  ``<Response><status>SUCCESS</status><callId>…</callId><result …>…</result></Response>``; ``_type=json`` gives
  the same as JSON (credentials ``format: json``). A failure is ``status`` FAILURE (or MAINTENANCE) with
  ``errorDetails``: errorCode 500 means throttled and 600–602 maintenance, both with a ``callBackTime``; detail
  code 705 means the date range matched too many documents.
- There is no "list everything changed since" call and no author-facing API. getIDsByDate lists the documents
  of a date range (fewer than 1000 per call: a range that matches more fails with 705, so we halve it), by the
  ``criteria`` date — ``datetime_last_updated`` by default (credentials ``ids_by_date_criteria``). getSubmission
  InfoFull gives a document's status and authors, at most 25 ids per call.
- **Not confirmed by any public source** (developer.scholarone.com documents ``criteria`` with the default
  ``datetime_added`` only, and no ``lastUpdated`` field): the criteria value ``datetime_last_updated`` and the
  document field ``lastUpdated``. So "Test connection" asks each site for the configured criteria and reports
  what it answers (a refusal names the criteria and the site's own message), and says whether its documents
  carry ``lastUpdated``; a document without it takes the newest date it does carry (``decisionDate``,
  ``submissionDate``) as its last activity. README lists what to confirm with Clarivate.
- The range runs from the cursor (our own clock at the previous poll) minus ``clock_skew_seconds`` (default 120:
  ScholarOne's clock and ours differ, and a change stamped just before our last read must not be lost) to our
  clock now; re-read documents produce the same snapshot, which the sync service ignores. The first poll reads
  from ``history_start`` (default 2000-01-01).

Revisions. ScholarOne makes each revision a new document: ``WRK4-22-Apr-0006`` is followed by
``WRK4-22-Apr-0006.R1`` with revisionNumber 1, and every document points at the family's original and latest
one. Authors think of one manuscript whose status moves on: "revision requested" after the decision on the
original, "revision submitted" when the R1 arrives, then its review and decision. So a snapshot is one family
(``platform_id`` is the original's submission id) showing its latest *submitted* version: the author's draft of
a revision stays invisible until submitted, and a revision's statuses before any editorial step ("Awaiting
Admin Processing", "With Editor"…) read as revision submitted.

Identities. ScholarOne finds people by primary e-mail (getPersonInfoBasic), not by user name or ORCID iD; the
person id it returns is the platform user id, and manuscripts are matched to it by the authors' person ids and
e-mail addresses on each submission. A person is an account on one site: we use the first site that knows the
address; manuscripts on other sites still match by e-mail.

Revision due dates. ScholarOne journals set how many days authors have to revise ("days to revise", shown in the
Author Center beside a revision's "Create a Revision" link and in decision letters), but **no public source shows the
web-services field that carries it**: developer.scholarone.com's getSubmissionInfoFull page and the API Reference
Guide 3.0 list no due-date element for authors, and searches found no sample with one. We read
:data:`REVISION_DUE_FIELD` (``revisionDueDate``, our assumption, like ``lastUpdated``) from the document whose
decision asks for the revision, as a date (``2026-12-20``) or a UTC date and time (its UTC day); a document without
it gives "revision requested" with no date. "Test connection" does not check it: README lists it among what to
confirm with Clarivate.

The mapping from ScholarOne's status names to our canonical status is the data table :data:`STATUS_TABLE`.
Journals rename statuses freely; an unknown name keeps its words as ``raw_status``, maps to
:data:`FALLBACK_STATUS` and is logged.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import requests
from django.utils import timezone
from django.utils.translation import gettext
from requests.auth import HTTPDigestAuth

from manuscripts.connectors.base import (
    ConnectorError,
    ManuscriptSnapshot,
    PlatformAuthError,
    PlatformConfig,
    PlatformDataError,
    PlatformIdentity,
    PlatformUnavailable,
    SnapshotPage,
)
from manuscripts.connectors.common import ConfiguredConnector, parse_cursor, required_field
from manuscripts.connectors.http import PlatformHttpClient, snippet
from manuscripts.status import CanonicalStatus

logger = logging.getLogger(__name__)

PLATFORM = "scholarone"
MAX_IDS_PER_CALL = 25
DEFAULT_CLOCK_SKEW_SECONDS = 120
DEFAULT_HISTORY_START = "2000-01-01T00:00:00Z"
DEFAULT_CRITERIA = "datetime_last_updated"
DOCUMENTED_CRITERIA = "datetime_added"  # the only criteria value developer.scholarone.com shows
# A document's last activity: lastUpdated (not confirmed by a public source), else the newest of these it carries.
LAST_ACTIVITY_FALLBACKS = ("decisionDate", "submissionDate")
# The date by which the authors must submit their revision (not confirmed by a public source: module docstring).
REVISION_DUE_FIELD = "revisionDueDate"
IDS_BY_DATE = "/api/s1m/v4/submissions/full/idsByDate"
SUBMISSION_INFO_FULL = "/api/s1m/v9/submissions/full/metadata/documentids"
SUBMISSION_VERSIONS = "/api/s1m/v2/submissions/full/revisions/submissionids"
PERSON_BY_EMAIL = "/api/s1m/v3/person/basic/email/search"
CODE_THROTTLED = "500"
CODES_MAINTENANCE = frozenset({"600", "601", "602"})
DETAIL_TOO_MANY_RESULTS = "705"
REVISION_SUFFIX = re.compile(r"\.R\d+$")

S = CanonicalStatus

# documentStatusName (or decisionName) -> canonical status. Keys are ScholarOne's default author-dashboard and
# decision names as the reference lists them, plus the spellings seen in samples ("Submitted", "Accepted",
# "Immediate Reject", "Make Recommendation", "Revision"); lookups ignore case and runs of spaces.
STATUS_TABLE: dict[str, CanonicalStatus] = {
    # Received, no editor working on it yet.
    "Submitted": S.SUBMITTED,
    "Awaiting Admin Processing": S.SUBMITTED,
    "Awaiting Admin Checklist": S.SUBMITTED,
    "Awaiting Editor Assignment": S.SUBMITTED,
    "Awaiting AE Assignment": S.SUBMITTED,
    "Awaiting EIC Assignment": S.SUBMITTED,
    "Editor Invited": S.SUBMITTED,  # invited, not yet agreed to handle it
    # An editor is reading it or deciding.
    "With Editor": S.WITH_EDITOR,
    "Awaiting AE Recommendation": S.WITH_EDITOR,
    "Awaiting Recommendation": S.WITH_EDITOR,
    "Evaluating Recommendation": S.WITH_EDITOR,
    "Make Recommendation": S.WITH_EDITOR,
    "Awaiting EIC Decision": S.WITH_EDITOR,
    "Awaiting Editor Decision": S.WITH_EDITOR,
    "Awaiting Decision": S.WITH_EDITOR,
    # Peer review, from finding reviewers (as OJS's "waiting for reviewers to be assigned") to their reports.
    "Awaiting Reviewer Selection": S.UNDER_REVIEW,
    "Awaiting Reviewer Invitation": S.UNDER_REVIEW,
    "Awaiting Reviewer Assignment": S.UNDER_REVIEW,
    "Awaiting Reviewer Scores": S.UNDER_REVIEW,
    "Overdue Reviewer Scores": S.UNDER_REVIEW,
    "Under Review": S.UNDER_REVIEW,  # some journals use it for editorial triage too: raw_status keeps the words
    # Decisions.
    "Accept": S.ACCEPTED,
    "Accepted": S.ACCEPTED,
    "Minor Revision": S.REVISION_REQUESTED,
    "Major Revision": S.REVISION_REQUESTED,
    "Revision": S.REVISION_REQUESTED,
    "Revise": S.REVISION_REQUESTED,
    "Revise and Resubmit": S.REVISION_REQUESTED,
    # Rejected as it stands but invited back: what the author must do next is revise and submit again.
    "Reject & Resubmit": S.REVISION_REQUESTED,
    "Reject and Resubmit": S.REVISION_REQUESTED,
    "Reject": S.REJECTED,
    "Rejected": S.REJECTED,
    "Immediate Reject": S.REJECTED,
    "Reject without Review": S.REJECTED,
    "Decline": S.REJECTED,
    "Withdrawn": S.WITHDRAWN,
    "Manuscript Withdrawn": S.WITHDRAWN,
}
# A name no table row knows: the journal's own step somewhere inside its workflow. "With the editor" promises
# nothing (no decision, no review) and the platform's words are kept beside it.
FALLBACK_STATUS = S.WITH_EDITOR
# A revision back with the journal before anyone reviews it again is, to its authors, "revision submitted".
REVISION_RESTATED = {S.SUBMITTED: S.REVISION_SUBMITTED, S.WITH_EDITOR: S.REVISION_SUBMITTED}
# Documents that are not (yet) with the journal: an unsubmitted draft, an invited manuscript's stub.
NOT_SUBMITTED = frozenset({"draft", "invited"})


def normalize_status(name: str) -> str:
    return " ".join(name.split()).casefold()


_STATUS_LOOKUP = {normalize_status(name): canonical for name, canonical in STATUS_TABLE.items()}


@dataclass(frozen=True)
class MappedStatus:
    canonical: CanonicalStatus
    known: bool  # False: neither the status nor the decision name is in the table (FALLBACK_STATUS)


def map_status(status_name: str, decision_name: str | None = None, revision_number: int = 0) -> MappedStatus:
    """The canonical status of a document's documentStatusName (else its decisionName) in its revision."""
    canonical = _STATUS_LOOKUP.get(normalize_status(status_name))
    if canonical is None and decision_name:
        canonical = _STATUS_LOOKUP.get(normalize_status(decision_name))
    known = canonical is not None
    canonical = canonical or FALLBACK_STATUS
    if revision_number > 0:
        canonical = REVISION_RESTATED.get(canonical, canonical)
    return MappedStatus(canonical, known)


class _TooManyResults(ConnectorError):
    """getIDsByDate's failure 705: the date range must be narrowed (a ConnectorError wherever else it escapes)."""


class ScholarOneConnector(ConfiguredConnector):
    """The Connector for ScholarOne Manuscripts; see the module docstring.

    Construction never fails, so callers may build a connector outside their error handling; a configuration
    that cannot work raises its ConnectorError, not retryable, from every call instead. ``clock`` is our side's
    now (default: Django's); tests pass the sandbox's.
    """

    platform = PLATFORM
    supports_platform_changes = True

    def __init__(self, config: PlatformConfig, *, clock: Callable[[], datetime] | None = None) -> None:
        self.config = config
        self.base_url = config.base_url.rstrip("/")
        self.sites = list(dict.fromkeys(path for path in config.journal_paths.values() if path))
        self.clock = clock or timezone.now
        credentials = config.credentials
        self.username = str(credentials.get("username") or "").strip()
        api_key = str(credentials.get("api_key") or "").strip()
        response_format = str(credentials.get("format") or "xml").lower()
        self.as_json = response_format == "json"
        self.criteria = str(credentials.get("ids_by_date_criteria") or DEFAULT_CRITERIA)
        self.configuration_error: ConnectorError | None = None
        self.clock_skew = timedelta(seconds=DEFAULT_CLOCK_SKEW_SECONDS)
        self.history_start = parse_s1_datetime(DEFAULT_HISTORY_START)
        key = config.key
        try:
            self.clock_skew = timedelta(seconds=float(credentials.get("clock_skew_seconds",
                                                                      DEFAULT_CLOCK_SKEW_SECONDS)))
            if self.clock_skew < timedelta(0):
                raise ValueError
        except (TypeError, ValueError):
            self.configuration_error = ConnectorError(
                f"journal system {key!r}: 'clock_skew_seconds' must be a number of seconds, not "
                f"{credentials.get('clock_skew_seconds')!r}")
        try:
            self.history_start = parse_s1_datetime(str(credentials.get("history_start") or DEFAULT_HISTORY_START))
        except ValueError:
            self.configuration_error = ConnectorError(
                f"journal system {key!r}: 'history_start' is not a date: {credentials.get('history_start')!r}")
        if response_format not in ("xml", "json"):
            self.configuration_error = ConnectorError(
                f"journal system {key!r}: 'format' must be xml or json, not {response_format!r}")
        if not self.sites:
            self.configuration_error = ConnectorError(f"journal system {key!r} has no journals with a ScholarOne "
                                                      "site name")
        if not self.username or not api_key:
            self.configuration_error = PlatformAuthError(
                f"journal system {key!r} has no ScholarOne API credentials (credentials 'username' and 'api_key')")
        session = requests.Session()
        session.auth = HTTPDigestAuth(self.username, api_key)
        self.http = PlatformHttpClient(
            platform="ScholarOne", timeout_seconds=config.timeout_seconds, session=session, expect_json=False,
            request_gate=config.request_gate,
            headers={"Accept": "application/json" if self.as_json else "application/xml"})
        self._reported_unknown: set[tuple[str, str]] = set()

    # --- the Connector interface -----------------------------------------------------------------------------

    def test_connection(self) -> str:
        """Per site, one getIDsByDate call over the last day with the configured criteria (what the site answers
        to it is the point: the value is our assumption), then one document's full record, to say whether the
        site's documents carry ``lastUpdated``."""
        self._check_configuration()
        now = self._now()
        reached = []
        for site in self.sites:
            try:
                records = self._ids_by_date(site, now - timedelta(days=1), now)
            except (PlatformUnavailable, PlatformAuthError):
                raise
            except ConnectorError as error:
                raise ConnectorError(
                    f"ScholarOne site {site!r} did not accept getIDsByDate criteria {self.criteria!r}: {error}. "
                    f"Set credentials 'ids_by_date_criteria' to a value the site accepts ({DOCUMENTED_CRITERIA!r} "
                    "is the documented default) and confirm with Clarivate which one follows every change"
                ) from None
            carried = gettext("no documents in the last day to check lastUpdated")
            if records:
                sample = self._full(site, {_text(records[0].get("documentId"))})
                document = next(iter(sample.values()), None)
                if document is not None:
                    carried = gettext("documents carry lastUpdated") if _text(document.get("lastUpdated")).strip() \
                        else gettext("documents lack lastUpdated: the newest date they carry is used")
            reached.append(f"{site} ({len(records)}; {carried})")
        return gettext("Connected to ScholarOne Manuscripts at %(base_url)s with getIDsByDate criteria %(criteria)s. "
                       "Sites reached (documents updated in the last day): %(sites)s.") % {
            "base_url": self.base_url, "criteria": self.criteria, "sites": ", ".join(reached)}

    def find_identity(self, identity: str) -> PlatformIdentity | None:
        """The person whose primary e-mail address this is, on the first site that has one.

        ScholarOne searches people by e-mail (or person id) only: a user name or ORCID iD finds nobody here.
        """
        self._check_configuration()
        typed = identity.strip()
        if "@" not in typed or any(ch.isspace() for ch in typed):
            return None
        for site in self.sites:
            what = f"ScholarOne's getPersonInfoBasic answer for site {site!r}"
            response = self._call(site, PERSON_BY_EMAIL, {"primary_email": typed}, "getPersonInfoBasic")
            for person in _records(response.get("result"), what):
                email = _text(required_field(person, "primaryEmailAddress", what)).strip()
                if email.lower() != typed.lower():
                    continue
                names = (_text(person.get("firstName")).strip(), _text(person.get("lastName")).strip())
                return PlatformIdentity(
                    platform_user_id=_text(required_field(person, "personId", what)).strip(),
                    email=email,
                    display_name=" ".join(name for name in names if name),
                    orcid=_bare_orcid(person.get("orcidId")),
                )
        return None

    def manuscripts_for_identity(self, identity: PlatformIdentity, cursor: str | None) -> SnapshotPage:
        """The identity's manuscripts changed since the cursor: every change, kept where they are an author.

        ScholarOne cannot list one author's manuscripts, so this reads the same changes as :meth:`changed_since`
        (from ``history_start`` without a cursor) and keeps those listing the person id or e-mail address.
        """
        return self._changed(cursor, author=identity)

    def changed_since(self, cursor: str | None) -> SnapshotPage:
        return self._changed(cursor, author=None)

    # --- polling ------------------------------------------------------------------------------------------------

    def _changed(self, cursor: str | None, *, author: PlatformIdentity | None) -> SnapshotPage:
        self._check_configuration()
        until = self._now()
        since = parse_cursor(cursor, "ScholarOne")
        start = min(since - self.clock_skew, until) if since else min(self.history_start, until)
        snapshots: list[ManuscriptSnapshot] = []
        for site in self.sites:
            records = self._ids_by_date(site, start, until)
            snapshots += self._snapshots(site, records)
        if author is not None:
            email = author.email.strip().lower()
            snapshots = [s for s in snapshots
                         if (email and email in s.author_emails) or author.platform_user_id in s.author_user_ids]
        return SnapshotPage(snapshots=snapshots, next_cursor=until.isoformat())

    def _ids_by_date(self, site: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Every getIDsByDate record of [start, end], halving any range that matches too many documents."""
        what = f"ScholarOne's getIDsByDate answer for site {site!r}"
        records: dict[str, dict[str, Any]] = {}
        windows = [(start, end)]
        while windows:
            low, high = windows.pop()
            try:
                response = self._call(site, IDS_BY_DATE, {
                    "from_time": _s1_time(low), "to_time": _s1_time(high), "criteria": self.criteria,
                }, "getIDsByDate")
            except _TooManyResults:
                span = int((high - low).total_seconds())
                if span < 2:
                    raise ConnectorError(
                        f"ScholarOne site {site!r} updated more documents within one second ({_s1_time(low)}) "
                        "than getIDsByDate may return") from None
                middle = low + timedelta(seconds=span // 2)
                # Both halves hold the middle instant: a time stamped between whole seconds is in one of them.
                windows += [(middle, high), (low, middle)]
                continue
            result = required_field(response, "result", what)
            listing = result.get("submission") if isinstance(result, dict) else None
            for record in _records(listing, what):
                records[_text(required_field(record, "documentId", what))] = record
        return list(records.values())

    def _snapshots(self, site: str, records: list[dict[str, Any]]) -> list[ManuscriptSnapshot]:
        what = f"ScholarOne's getIDsByDate answer for site {site!r}"
        families: dict[str, tuple[str, str]] = {}  # original submission id -> (latest, original document id)
        for record in records:
            family = _text(required_field(record, "submissionIdOriginal", what))
            latest = _text(required_field(record, "documentIdLatest", what))
            original = _text(required_field(record, "documentIdOriginal", what))
            known = families.get(family)
            if known is None or _as_int(latest) > _as_int(known[0]):
                families[family] = (latest, original)
        wanted = {latest for latest, _ in families.values()} | {original for _, original in families.values()}
        documents = self._full(site, wanted)
        # A family whose latest document is the author's draft of a revision shows its last submitted version,
        # which getSubmissionVersions names.
        drafts = [family for family, (latest, _) in families.items()
                  if latest in documents and not _is_submitted(documents[latest], site)
                  and _revision_number(documents[latest], site) > 0]
        chosen = {family: latest for family, (latest, _) in families.items()}
        if drafts:
            for family, document_id in self._latest_submitted(site, drafts).items():
                chosen[family] = document_id
            documents.update(self._full(site, set(chosen.values()) - set(documents)))
        snapshots = []
        for family, (_, original_id) in sorted(families.items()):
            document = documents.get(chosen[family])
            if document is None or not _is_submitted(document, site):
                continue  # deleted since it was listed, or never submitted
            snapshots.append(self._snapshot(site, family, document, documents.get(original_id, document)))
        return snapshots

    def _snapshot(self, site: str, family: str, document: dict[str, Any],
                  original: dict[str, Any]) -> ManuscriptSnapshot:
        what = f"ScholarOne document {document.get('documentId')} on site {site!r}"
        status = required_field(document, "submissionStatus", what)
        status_name = _text(required_field(status, "documentStatusName", f"{what}, submissionStatus")).strip()
        decision_name = _text(status.get("decisionName")).strip()
        revision = _revision_number(document, site)
        mapped = map_status(status_name, decision_name, revision)
        if not mapped.known and (site, normalize_status(status_name)) not in self._reported_unknown:
            self._reported_unknown.add((site, normalize_status(status_name)))
            logger.warning("ScholarOne site %r: unknown status %r (decision %r) on %s shown as %s", site,
                           status_name, decision_name or None, family, mapped.canonical.value)
        updated = [_last_activity(doc, what) for doc in (document, original)]
        decision_date = _datetime(document, "decisionDate", what)
        if decision_name and normalize_status(decision_name) == normalize_status(status_name):
            changed_at = decision_date
        elif mapped.canonical == S.REVISION_SUBMITTED:
            changed_at = _datetime(document, "submissionDate", what)
        else:
            changed_at = None
        author_list = required_field(document, "authors", what)  # "" (XML) or null (JSON) when there are none
        authors = _records(author_list.get("author") if isinstance(author_list, dict) else None, f"{what}, authors")
        emails = tuple(dict.fromkeys(_text(a.get("authorEmailAddress")).strip().lower() for a in authors
                                     if _text(a.get("authorEmailAddress")).strip()))
        person_ids = tuple(dict.fromkeys(_text(a.get("authorPersonId")).strip() for a in authors
                                         if _text(a.get("authorPersonId")).strip()))
        title = " ".join(_text(document.get("submissionTitle")).split()) or family
        revision_requested = mapped.canonical == S.REVISION_REQUESTED
        return ManuscriptSnapshot(
            platform_id=family,
            journal_path=site,
            titles={_title_language(title): title},
            canonical_status=mapped.canonical.value,
            raw_status=status_name,
            last_activity_at=max(updated),
            submitted_at=_datetime(original, "submissionDate", what),
            status_changed_at=changed_at,
            author_emails=emails,
            author_user_ids=person_ids,
            due_date=_day(document, REVISION_DUE_FIELD, what) if revision_requested else None,
        )

    def _full(self, site: str, document_ids: set[str]) -> dict[str, dict[str, Any]]:
        """getSubmissionInfoFull for these documents, 25 at a time; absent ids are absent from the answer."""
        what = f"ScholarOne's getSubmissionInfoFull answer for site {site!r}"
        found: dict[str, dict[str, Any]] = {}
        for batch in _batches(sorted(document_ids, key=_as_int)):
            response = self._call(site, SUBMISSION_INFO_FULL, {"ids": _quoted(batch)}, "getSubmissionInfoFull")
            for record in _records(response.get("result"), what):
                found[_text(required_field(record, "documentId", what))] = record
        return found

    def _latest_submitted(self, site: str, families: list[str]) -> dict[str, str]:
        """family -> its latest submitted version's document id, from getSubmissionVersions."""
        what = f"ScholarOne's getSubmissionVersions answer for site {site!r}"
        best: dict[str, tuple[int, str]] = {}
        for batch in _batches(sorted(families)):
            response = self._call(site, SUBMISSION_VERSIONS, {"ids": _quoted(batch)}, "getSubmissionVersions")
            for version in _records(response.get("result"), what):
                if not _is_submitted(version, site):
                    continue
                family = REVISION_SUFFIX.sub("", _text(required_field(version, "submissionId", what)))
                number = _revision_number(version, site)
                if family in families and (family not in best or number > best[family][0]):
                    best[family] = (number, _text(required_field(version, "documentId", what)))
        return {family: document_id for family, (_, document_id) in best.items()}

    # --- requests -------------------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.clock().astimezone(UTC).replace(microsecond=0)

    def _call(self, site: str, path: str, params: dict[str, Any], service: str) -> dict[str, Any]:
        """The ``Response`` object of a successful call; every failure raised as its ConnectorError."""
        query = {**params, "site_name": site, "external_id": f"scholar-link:{self.config.key}"}
        if self.as_json:
            query["_type"] = "json"
        answer = self.http.get(f"{self.base_url}{path}", query)
        where = f"{service} for site {site!r}"
        if answer.status in (401, 403):
            raise PlatformAuthError(f"ScholarOne refused our API credentials (user {self.username!r}) on {where}: "
                                    f"HTTP {answer.status}; check the API key and that our IP address is registered")
        if answer.status == 404:
            raise ConnectorError(f"ScholarOne at {self.base_url} has no {path} (HTTP 404 on {where})")
        try:
            response = parse_response(answer.content, as_json=self.as_json, what=f"ScholarOne's answer to {where}")
        except PlatformDataError:
            if answer.ok:
                raise
            raise ConnectorError(f"ScholarOne answered {where} with HTTP {answer.status}") from None
        status = _text(required_field(response, "status", f"ScholarOne's answer to {where}"))
        if status == "SUCCESS" and answer.ok:
            return response
        details = response.get("errorDetails") if isinstance(response.get("errorDetails"), dict) else {}
        code = _text(details.get("errorCode"))
        more = details.get("moreInfo") if isinstance(details.get("moreInfo"), dict) else {}
        detail_codes = {_text(error.get("errorCode")) for error in _records(more.get("errors"), where)}
        message = _text(details.get("errorMessage")) or status
        retry_after = self._seconds_until(details.get("callBackTime"))
        if status == "MAINTENANCE" or code in CODES_MAINTENANCE:
            raise PlatformUnavailable(f"ScholarOne is under maintenance ({where}): {message}",
                                      retry_after_seconds=retry_after)
        if code == CODE_THROTTLED:
            raise PlatformUnavailable(f"ScholarOne throttled us on {where}: {message}", retry_after_seconds=retry_after)
        if DETAIL_TOO_MANY_RESULTS in detail_codes:
            raise _TooManyResults(message)
        codes = "/".join(c for c in (code, *sorted(detail_codes)) if c)
        raise ConnectorError(f"ScholarOne refused {where}: {message} (status {status}, HTTP {answer.status}"
                             + (f", error {codes})" if codes else ")"))

    def _seconds_until(self, value: Any) -> float | None:
        if not _text(value).strip():
            return None
        try:
            when = parse_s1_datetime(_text(value))
        except ValueError:
            return None
        return max(0.0, (when - self._now()).total_seconds())


# --- reading ScholarOne's answers -----------------------------------------------------------------------------


def parse_response(content: bytes, *, as_json: bool, what: str) -> dict[str, Any]:
    """The ``Response`` object of an answer, XML or JSON, as nested dicts and lists.

    XML leaves are strings ("" for an empty element) and a repeated element is a list; JSON leaves keep their
    JSON types. Readers take either (:func:`_text`, :func:`_records`).
    """
    if as_json:
        try:
            document = json.loads(content)
        except ValueError:
            raise PlatformDataError(f"{what} is not JSON: {snippet(content)!r}") from None
        response = required_field(document, "Response", what)
        if not isinstance(response, dict):
            raise PlatformDataError(f"{what}: 'Response' is not an object")
        return response
    # ScholarOne never sends a DTD; refusing one keeps entity expansion (XML bombs) out of the parser.
    if re.search(rb"<!(DOCTYPE|ENTITY)", content, re.IGNORECASE):
        raise PlatformDataError(f"{what} declares a DTD, which ScholarOne never sends")
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise PlatformDataError(f"{what} is not well-formed XML ({error}): {snippet(content)!r}") from None
    if root.tag != "Response":
        raise PlatformDataError(f"{what}: the root element is <{root.tag}>, not <Response>")
    tree = _element(root)
    return tree if isinstance(tree, dict) else {}


def _element(element: ElementTree.Element) -> dict[str, Any] | str:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    tree: dict[str, Any] = {}
    for child in children:
        value = _element(child)
        if child.tag in tree:
            if not isinstance(tree[child.tag], list):
                tree[child.tag] = [tree[child.tag]]
            tree[child.tag].append(value)
        else:
            tree[child.tag] = value
    return tree


def _records(value: Any, what: str) -> list[dict[str, Any]]:
    """A repeated element as a list of objects: XML gives one object alone, nothing as "" or absent."""
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, dict) for item in items):
        raise PlatformDataError(f"{what}: expected records, got {type(items[0]).__name__}")
    return items


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return ""
    return str(value)


def _as_int(value: str) -> int:
    return int(value) if value.isdigit() else -1


def _revision_number(document: dict[str, Any], site: str) -> int:
    value = _text(document.get("revisionNumber")).strip() or "0"
    if not value.isdigit():
        raise PlatformDataError(f"ScholarOne document {document.get('documentId')} on site {site!r}: "
                                f"'revisionNumber' is not a number: {value!r}")
    return int(value)


def _is_submitted(document: dict[str, Any], site: str) -> bool:
    what = f"ScholarOne document {document.get('documentId')} on site {site!r}"
    status = required_field(document, "submissionStatus", what)
    draft = _text(required_field(status, "inDraftFlag", f"{what}, submissionStatus")).strip().lower() == "true"
    name = normalize_status(_text(required_field(status, "documentStatusName", f"{what}, submissionStatus")))
    return not draft and name not in NOT_SUBMITTED


def parse_s1_datetime(value: str) -> datetime:
    """ScholarOne's dates: ``2024-05-10T11:47:48Z`` or ``2022-02-16 12:29:11.822``; without a zone, UTC."""
    moment = datetime.fromisoformat(value.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _datetime(obj: dict[str, Any], name: str, what: str, *, required: bool = False) -> datetime | None:
    value = _text(required_field(obj, name, what) if required else obj.get(name)).strip()
    if not value:
        if required:
            raise PlatformDataError(f"{what} has an empty {name!r}")
        return None
    try:
        return parse_s1_datetime(value)
    except ValueError:
        raise PlatformDataError(f"{what}: {name!r} is not a date and time: {value!r}") from None


def _day(obj: dict[str, Any], name: str, what: str) -> date | None:
    """A day: ``2026-12-20`` as written, or a date and time (UTC without a zone) as its UTC day."""
    value = _text(obj.get(name)).strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else parse_s1_datetime(value).date()
    except ValueError:
        raise PlatformDataError(f"{what}: {name!r} is not a date: {value!r}") from None


def _last_activity(document: dict[str, Any], what: str) -> datetime:
    """``lastUpdated``, else the newest of :data:`LAST_ACTIVITY_FALLBACKS` the document carries (see the module
    docstring: ``lastUpdated`` is not confirmed by a public source)."""
    updated = _datetime(document, "lastUpdated", what)
    if updated is not None:
        return updated
    carried = [moment for name in LAST_ACTIVITY_FALLBACKS if (moment := _datetime(document, name, what))]
    if not carried:
        raise PlatformDataError(f"{what} has no date of activity (none of 'lastUpdated', "
                                f"{', '.join(repr(name) for name in LAST_ACTIVITY_FALLBACKS)})")
    return max(carried)


def _s1_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _quoted(ids: list[str]) -> str:
    return ",".join(f"'{value}'" for value in ids)


def _batches(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), MAX_IDS_PER_CALL):
        yield ids[start:start + MAX_IDS_PER_CALL]


def _bare_orcid(value: Any) -> str:
    match = re.search(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dXx])", _text(value))
    return match.group(1).upper() if match else ""


def _title_language(title: str) -> str:
    # ScholarOne titles carry no language; a Chinese title is told by its characters, anything else is English.
    return "zh-hans" if re.search(r"[\u3400-\u4dbf\u4e00-\u9fff]", title) else "en"
