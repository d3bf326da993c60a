"""Stand-in for ScholarOne Manuscripts' publisher web services (Clarivate), in their wire format.

Faithful to what public sources show (developer.scholarone.com pages and their sample calls, the API Reference
Guide 3.0 mirror; see /work/shared/reference/protocols.md section 5.1), because the connector must meet it:

- ``GET https://mc-api.manuscriptcentral.com/api/s1m/...`` behind **HTTP Digest authentication** with the
  caller profile's API user name and API key: a request without (or with a wrong or expired) ``Authorization``
  gets ``401`` with ``WWW-Authenticate: Digest realm="ScholarOneApiService", nonce="…", stale="false"`` and a
  small ``text/html`` body, exactly the documented exchange (no ``qop`` offered, MD5; an expired nonce with an
  otherwise right answer gets ``stale="true"``). IP allow-listing is not modelled.
- Resources: getSubmissionInfoBasic ``/v3/submissions/basic/metadata/{documentids|submissionids}``,
  getSubmissionInfoFull ``/v9/submissions/full/metadata/{documentids|submissionids}``, getSubmissionVersions
  ``/v2/submissions/full/revisions/{documentids|submissionids}``, getIDsByDate ``/v4/submissions/full/idsByDate``
  (``from_time``/``to_time`` in UTC, e.g. ``2022-06-01T00:00:00Z``; ``criteria`` defaults to ``datetime_added``;
  "fewer than 1000" ids per call), getPersonInfoBasic ``/v3/person/basic/email/search`` (``primary_email``).
- ``site_name`` (the journal's short name) on every call; ``ids`` as quoted, comma-separated values
  (``'WRK4-22-Apr-0006','WRK4-22-Apr-0007'``), at most 25; ``_type=json`` for JSON, XML otherwise; ``external_id``
  echoed as ``profileCallId``; ``locale_id`` accepted and ignored.
- The envelope ``<?xml …?><Response><status>SUCCESS</status><callId>uuid</callId><result xmlns:xsi=…
  xsi:type="…">…</result></Response>``, one ``<result>`` per returned record; documents carry ``documentId``,
  ``documentIdLatest``/``documentIdOriginal``, ``submissionId`` (``WRK4-22-Apr-0006``; a revision is a new document
  ``WRK4-22-Apr-0006.R1``), ``submissionIdLatest``/``Original``, ``revisionNumber``, ``submissionTitle``,
  ``submissionDate``, ``submissionStatus{decisionName, documentStatusId, documentStatusName, inDraftFlag}``.
  Missing values are missing elements in XML and ``null`` in JSON (documented). ``documentStatusId`` 3 is
  "Submitted" and 9 "Invited" (both seen in samples).

Our own assumptions, where no public source showed the real thing (the connector is written against them, so a
real integration must check these first):

- The JSON shape: ``{"Response": {"status", "callId", "result": [...]}}`` with typed scalars. Third-party clients
  read ``Response.result`` this way; no primary JSON sample was found.
- Author records inside getSubmissionInfoFull: ``authors/author`` with ``authorPersonId``, ``authorFirstName``,
  ``authorLastName``, ``authorFullName`` ("Last, First"), ``authorEmailAddress``, ``authorORCIDId``,
  ``authorOrderNumber``, ``isCorresponding``, ``isSubmittingAuthor`` (names from the author services; the
  container is ours).
- ``lastUpdated``, ``decisionDate`` and ``revisionDueDate`` (``YYYY-MM-DD``, set with a revision decision) on a
  document, and the getIDsByDate ``criteria`` values besides the
  documented default: ``datetime_submitted``, ``datetime_decision`` and ``datetime_last_updated``.
- Failures: ``<status>FAILURE</status>`` (``MAINTENANCE`` during maintenance) with ``errorDetails{errorCode,
  errorMessage, callBackTime?, moreInfo{errors{errorCode, errorMessage}}}``. Third-party client code shows
  errorCode 500 = throttled (HTTP 400, with ``callBackTime``), 600–602 = maintenance (HTTP 500) and detail code
  705 = "too many results"; the 70x codes for other bad requests (701 too many ids, 702 unknown site, 703 bad
  parameter) are ours. An unknown id is silently absent from the results.
- Status names and ids other than 3 and 9 (see :data:`STANDARD_STATUSES`); draft documents are "Draft".
- Generated sites (for benchmarks) have no revisions; their manuscript ids look like ``BIG-G-0000042``.

Scripting (Python on ``server.scholarone``, mirrored by JSON routes under ``/__sandbox__/scholarone/``):
``add_site``, ``add_person``, ``add_submission``, ``move``, ``submit_revision``, ``submit_draft``,
``add_generated_site`` / ``change_generated``, ``inject_fault``, ``set_rate_limit``, ``set_credentials``,
``set_clock`` / ``advance_clock``, the call log.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import secrets
import string
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from urllib.request import parse_http_list, parse_keqv_list
from xml.sax.saxutils import escape

from sandbox.faults import Fault, FaultQueue, PlatformSandbox, TokenBucket, admit, fault_kind, utc_seconds
from sandbox.generated import GeneratedCatalog, stable_hash
from sandbox.server import Request, Response, Router

REALM = "ScholarOneApiService"
DEFAULT_USERNAME = "sandbox_api_user"
DEFAULT_API_KEY = "SANDBOX4S1APIKEY"  # the shape of the documented sample key, SRU4DQ5WOJ2PX8CA
MAX_IDS_PER_CALL = 25
MAX_IDS_BY_DATE = 999  # "a maximum of fewer than 1000 document IDs"
XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'

ENDPOINTS = {  # (version, resource) -> the service name the documentation uses
    ("v3", "submissions/basic/metadata/{id_kind}"): "getSubmissionInfoBasic",
    ("v9", "submissions/full/metadata/{id_kind}"): "getSubmissionInfoFull",
    ("v2", "submissions/full/revisions/{id_kind}"): "getSubmissionVersions",
    ("v4", "submissions/full/idsByDate"): "getIDsByDate",
    ("v3", "person/basic/email/search"): "getPersonInfoBasic",
}
ID_KINDS = ("documentids", "submissionids")

INITIAL_STATUS = "Awaiting Admin Processing"
DRAFT_STATUS = "Draft"
# Author-dashboard names the reference lists (journals may rename them: add_site(status_labels=…)) and the usual
# decisions -> documentStatusId. Ids are ours except Submitted (3) and Invited (9), which samples show.
STANDARD_STATUSES: dict[str, int] = {
    DRAFT_STATUS: 1, INITIAL_STATUS: 2, "Submitted": 3, "Awaiting Admin Checklist": 4,
    "Awaiting Editor Assignment": 5, "Awaiting AE Assignment": 6, "Editor Invited": 7, "With Editor": 8,
    "Invited": 9, "Awaiting Reviewer Selection": 10, "Awaiting Reviewer Invitation": 11,
    "Awaiting Reviewer Assignment": 12, "Awaiting Reviewer Scores": 13, "Overdue Reviewer Scores": 14,
    "Awaiting AE Recommendation": 15, "Awaiting Recommendation": 16, "Evaluating Recommendation": 17,
    "Awaiting EIC Decision": 18, "Awaiting Editor Decision": 19, "Awaiting Decision": 20, "Under Review": 21,
    "Accept": 30, "Minor Revision": 31, "Major Revision": 32, "Reject": 33, "Reject & Resubmit": 34,
    "Immediate Reject": 35, "Withdrawn": 36,
}
CUSTOM_STATUS_ID_BASE = 1000  # a journal's own status names get ids from here, per site
CRITERIA = ("datetime_added", "datetime_submitted", "datetime_decision", "datetime_last_updated")

# Failure codes (see the module docstring for which are documented by third parties and which are ours).
CODE_THROTTLED, CODE_MAINTENANCE, CODE_BAD_REQUEST = "500", "600", "700"
DETAIL_TOO_MANY_IDS, DETAIL_UNKNOWN_SITE, DETAIL_BAD_PARAMETER, DETAIL_TOO_MANY_RESULTS = 701, 702, 703, 705

# --- faults ---------------------------------------------------------------------------------------------------

MALFORMED = "malformed"
MAINTENANCE, THROTTLED = "maintenance", "throttled"
FAULT_KINDS = (Fault.TIMEOUT, Fault.SLOW, Fault.HTTP_500, Fault.HTTP_503, Fault.HTTP_429, MALFORMED,
               Fault.RENAMED_FIELD, Fault.MISSING_FIELD, MAINTENANCE, THROTTLED)

# --- generated sites ------------------------------------------------------------------------------------------

PROGRESSION = ("Awaiting Admin Processing", "Awaiting Editor Assignment", "With Editor",
               "Awaiting Reviewer Selection", "Awaiting Reviewer Invitation", "Awaiting Reviewer Assignment",
               "Awaiting Reviewer Scores", "Awaiting AE Recommendation", "Awaiting EIC Decision", "Accept")
REJECTED_STATE = "Reject"
DECISION_STATUSES = frozenset({"Accept", "Minor Revision", "Major Revision", "Reject", "Reject & Resubmit",
                               "Immediate Reject"})
FIRST_NAMES = ("Wei", "Maria", "Hiroshi", "Aisha", "Lars", "Priya", "Jun", "Sofia", "Tomás", "Nadia", "Kwame",
               "Elena", "Minh", "Fatima", "Oliver", "Yuki")
LAST_NAMES = ("Li", "Garcia", "Tanaka", "Okafor", "Nilsson", "Sharma", "Zhang", "Rossi", "Nguyen", "Haddad",
              "Mensah", "Petrova", "Chen", "Silva", "Wang", "Liu")
TITLE_WORDS = (("Adaptive", "Seasonal", "Regional", "Long-term", "Comparative", "Spatial", "Coupled", "Rapid"),
               ("Soil Microbiome Dynamics", "Groundwater Recharge", "Urban Heat Islands", "Nitrogen Cycling",
                "Coastal Erosion", "Pollinator Decline", "Glacier Mass Balance", "Crop Yield Variability"),
               ("in Terraced Rice Paddies", "Across the Loess Plateau", "Under Drought", "in Mountain Catchments",
                "Along the Yangtze Delta", "in Temperate Forests", "on Smallholder Farms", "in Arid Basins"))

PERSON_ID_BASE = 20_000_001
DOCUMENT_ID_BASE = 46_000_001
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class _NoSuchResource(Exception):
    """Answered as Tomcat's 404 page: the path names no service."""


class S1Failure(Exception):
    """Answered as ScholarOne's failure envelope with the given HTTP status."""

    def __init__(self, http_status: int, error_code: str, message: str, *, detail_code: int | None = None,
                 call_back_time: datetime | None = None, status: str = "FAILURE") -> None:
        super().__init__(message)
        self.http_status = http_status
        self.error_code = error_code
        self.message = message
        self.detail_code = detail_code
        self.call_back_time = call_back_time
        self.status = status


def _bad_request(detail_code: int, message: str) -> S1Failure:
    return S1Failure(400, CODE_BAD_REQUEST, message, detail_code=detail_code)


# --- state ----------------------------------------------------------------------------------------------------


@dataclass
class _Person:
    person_id: int
    site_name: str
    email: str
    first_name: str
    last_name: str
    orcid: str  # bare iD or ""
    created_at: datetime


@dataclass
class _Authorship:
    person: _Person
    corresponding: bool
    submitting: bool


@dataclass
class _Document:
    """One version (original or revision) of a manuscript: ScholarOne's "document"."""

    document_id: int
    family: _Family
    submission_id: str
    revision_number: int
    title: str
    submission_type: str
    status_name: str
    status_id: int
    decision_name: str | None
    decision_date: datetime | None
    in_draft: bool
    created_at: datetime
    submitted_at: datetime | None
    last_updated: datetime
    abstract: str = ""
    revision_due: date | None = None  # revisionDueDate: by when the authors must revise (our assumption)

    def criterion(self, name: str) -> datetime | None:
        return {"datetime_added": self.created_at, "datetime_submitted": self.submitted_at,
                "datetime_decision": self.decision_date, "datetime_last_updated": self.last_updated}[name]


@dataclass
class _Family:
    """A manuscript and its revisions, oldest first."""

    site_name: str
    original_id: str
    authors: list[_Authorship]
    documents: list[_Document] = field(default_factory=list)


@dataclass
class _Site:
    name: str
    journal_name: str
    prefix: str
    status_labels: dict[str, str]
    max_ids_by_date: int
    print_issn: str | None
    digital_issn: str | None
    # What no public source confirms, scriptable per site to play a real one: the getIDsByDate criteria it
    # accepts, and whether its documents carry lastUpdated.
    criteria: tuple[str, ...] = ()
    last_updated_field: bool = True
    faults: FaultQueue = field(default_factory=FaultQueue)
    rate_limit: TokenBucket | None = None
    custom_status_ids: dict[str, int] = field(default_factory=dict)
    sequence: int = 0
    catalog: _GeneratedCatalog | None = None

    def label(self, standard: str) -> str:
        return self.status_labels.get(standard, standard)

    def status_id(self, name: str) -> int:
        standard = next((k for k, v in self.status_labels.items() if v == name), name)
        if standard in STANDARD_STATUSES:
            return STANDARD_STATUSES[standard]
        return self.custom_status_ids.setdefault(name, CUSTOM_STATUS_ID_BASE + len(self.custom_status_ids))


class _GeneratedCatalog(GeneratedCatalog):
    """A large site computed from a seed (see :mod:`sandbox.generated`); nothing per person or manuscript is
    stored. Manuscript ``j`` belongs to person ``j // per_author``; positions rank "last updated, newest first",
    so the documents of any date range are a run of positions found by bisection.
    """

    def __init__(self, site: _Site, *, seed: int, authors: int, per_author: int, person_base: int,
                 document_base: int, now: datetime) -> None:
        if authors < 0 or per_author < 0:
            raise ValueError("authors and submissions_per_author must not be negative")
        super().__init__(seed=seed, people=authors, per_person=per_author, now=now)
        self.site = site
        self.authors = authors
        self.per_author = per_author
        self.person_base = person_base
        self.document_base = document_base

    def key(self, criterion: str) -> Callable[[int], datetime]:
        return self.updated_at if criterion in ("datetime_last_updated", "datetime_decision") else self.submitted_at

    def positions_between(self, criterion: str, start: datetime, end: datetime) -> range:
        """The positions whose ``criterion`` date lies in [start, end] (dates fall as positions rise)."""
        key = self.key(criterion)

        def first(predicate: Callable[[datetime], bool]) -> int:
            lo, hi = 0, self.total
            while lo < hi:
                middle = (lo + hi) // 2
                if predicate(key(middle)):
                    hi = middle
                else:
                    lo = middle + 1
            return lo

        return range(first(lambda when: when <= end), first(lambda when: when < start))

    def person(self, index: int) -> _Person:
        h = stable_hash(self.seed, "person", index)
        return _Person(self.person_base + index, self.site.name, self.email(index), FIRST_NAMES[h % 16],
                       LAST_NAMES[(h >> 8) % 16], "", self.base_time - timedelta(days=400))

    def email(self, index: int) -> str:
        return f"a{index:0{self.width}d}@{self.site.name}.example.org".lower()

    def person_index(self, email: str) -> int | None:
        match = re.fullmatch(r"a(\d+)@" + re.escape(self.site.name.lower()) + r"\.example\.org", email.lower())
        if not match or len(match.group(1)) != self.width:
            return None
        index = int(match.group(1))
        return index if index < self.authors else None

    def submission_id(self, index: int) -> str:
        return f"{self.site.prefix}-G-{index:07d}"

    def index_of_submission(self, submission_id: str) -> int | None:
        match = re.fullmatch(re.escape(self.site.prefix) + r"-G-(\d{7})", submission_id)
        index = int(match.group(1)) if match else -1
        return index if 0 <= index < self.total else None

    def index_of_document(self, document_id: int) -> int | None:
        index = document_id - self.document_base
        return index if 0 <= index < self.total else None

    def document(self, index: int) -> _Document:
        position = self.position_of(index)
        h = stable_hash(self.seed, "submission", index)
        if h % 10 == 0:
            standard = REJECTED_STATE
        else:
            standard = PROGRESSION[min((h >> 4) % (len(PROGRESSION) - 1) + self.changes(position),
                                        len(PROGRESSION) - 1)]
        status = self.site.label(standard)
        updated = self.updated_at(position)
        submitted = self.submitted_at(position)
        person = self.person(index // self.per_author)
        family = _Family(self.site.name, self.submission_id(index), [_Authorship(person, True, True)])
        title = " ".join(words[(h >> (12 + 4 * n)) % len(words)] for n, words in enumerate(TITLE_WORDS))
        decided = standard in DECISION_STATUSES
        document = _Document(
            document_id=self.document_base + index, family=family, submission_id=family.original_id,
            revision_number=0, title=title, submission_type="Original Article", status_name=status,
            status_id=self.site.status_id(status), decision_name=status if decided else None,
            decision_date=updated if decided else None, in_draft=False, created_at=submitted,
            submitted_at=submitted, last_updated=updated,
        )
        family.documents.append(document)
        return document


# --- the sandbox ----------------------------------------------------------------------------------------------


class ScholarOneSandbox(PlatformSandbox):
    """ScholarOne Manuscripts' web services for several sites (journals), behind one caller profile and one lock.

    :meth:`reset` forgets every site, person, manuscript, fault, rate limit, nonce and call; the caller profile
    (user name and API key) is configuration and is kept.
    """

    title = "ScholarOne"  # the index page's heading

    def __init__(self, username: str = DEFAULT_USERNAME, api_key: str = DEFAULT_API_KEY) -> None:
        self.username = username
        self.api_key = api_key
        self.nonce_lifetime_seconds = 300.0
        self.max_ids_per_call = MAX_IDS_PER_CALL
        super().__init__()

    def _clear(self) -> None:
        super()._clear()
        self._sites: dict[str, _Site] = {}
        self._persons: dict[int, _Person] = {}
        self._families: dict[tuple[str, str], _Family] = {}
        self._documents: dict[int, _Document] = {}
        self._by_submission_id: dict[tuple[str, str], _Document] = {}
        self._nonces: dict[str, float] = {}  # nonce -> monotonic time issued
        self._next_id = {"person": PERSON_ID_BASE, "document": DOCUMENT_ID_BASE}

    def set_credentials(self, username: str, api_key: str) -> None:
        """The caller profile's API user name and key that Digest authentication accepts."""
        with self._lock:
            self.username, self.api_key = username, api_key
            self._nonces.clear()

    # --- scripting: sites, persons, manuscripts ---------------------------------------------------------------

    def add_site(self, site_name: str, *, journal_name: str | None = None, prefix: str | None = None,
                 status_labels: dict[str, str] | None = None, max_ids_by_date: int = MAX_IDS_BY_DATE,
                 print_issn: str | None = None, digital_issn: str | None = None,
                 criteria: Iterable[str] | None = None, last_updated_field: bool = True) -> str:
        """A journal answering to ``site_name``.

        ``criteria`` narrows the getIDsByDate criteria the site accepts (default: all of :data:`CRITERIA`; the
        documented default ``datetime_added`` always); ``last_updated_field=False`` leaves ``lastUpdated`` out of
        its documents. Neither is confirmed by a public source: these play a site that differs from our guess.

        ``status_labels`` renames standard statuses for this journal (``{"Awaiting Reviewer Scores": "Under
        Review"}``), as journals configure their author-dashboard names; ``max_ids_by_date`` lowers getIDsByDate's
        limit so tests can reach it; ``prefix`` starts manuscript ids (default: the site name, upper-cased).
        """
        if not re.fullmatch(r"[A-Za-z0-9_-]+", site_name):
            raise ValueError(f"invalid site name {site_name!r}")
        if isinstance(max_ids_by_date, bool) or not isinstance(max_ids_by_date, int) or max_ids_by_date < 1:
            raise ValueError(f"max_ids_by_date must be a positive integer, not {max_ids_by_date!r}")
        with self._lock:
            if site_name in self._sites:
                raise ValueError(f"site {site_name!r} already exists")
            self._sites[site_name] = _Site(
                name=site_name, journal_name=journal_name or site_name.replace("_", " ").title(),
                prefix=prefix or site_name.upper(), status_labels=dict(status_labels or {}),
                max_ids_by_date=max_ids_by_date, print_issn=print_issn, digital_issn=digital_issn,
                criteria=tuple(dict.fromkeys(("datetime_added", *(CRITERIA if criteria is None else criteria)))),
                last_updated_field=last_updated_field,
            )
            return site_name

    def add_person(self, site_name: str, *, email: str, first_name: str, last_name: str = "", orcid: str = "") -> int:
        """A user account on a site (authors, co-authors included, are persons in ScholarOne); returns personId.

        The same e-mail on the same site (case-insensitive) is the same person: its id is returned.
        """
        email = email.strip()
        if "@" not in email:
            raise ValueError(f"not an e-mail address: {email!r}")
        if orcid and not re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", orcid):
            raise ValueError(f"not an ORCID iD: {orcid!r}")
        with self._lock:
            self._site(site_name)
            existing = self._person_by_email(site_name, email)
            if existing is not None:
                return existing.person_id
            person = _Person(self._take_id("person"), site_name, email, first_name, last_name, orcid,
                             self._clock.now())
            self._persons[person.person_id] = person
            return person.person_id

    def add_submission(self, site_name: str, *, title: str, authors: Iterable[int | dict[str, str]],
                       status: str | None = None, submission_type: str = "Original Article",
                       submitted_at: datetime | None = None, corresponding: int = 0, abstract: str = "",
                       draft: bool = False) -> str:
        """A manuscript submitted now (or at ``submitted_at``); returns its submission id, e.g. ``JAS-26-Oct-0001``.

        ``authors`` in order: person ids, or dicts (``email``, ``first_name``, ``last_name``, ``orcid``) that
        find or create the person. The first is the submitting author; ``corresponding`` indexes the
        corresponding one. ``status`` defaults to "Awaiting Admin Processing" (a standard name is shown in the
        site's own words); ``draft`` leaves it unsubmitted ("Draft", ``inDraftFlag`` true).
        """
        if not title.strip():
            raise ValueError("a manuscript needs a title")
        with self._lock:
            site = self._site(site_name)
            people = [self._persons_for(site_name, author) for author in authors]
            if not people:
                raise ValueError("a manuscript needs at least one author")
            if not 0 <= corresponding < len(people):
                raise ValueError(f"corresponding must index one of the {len(people)} authors")
            when = utc_seconds(submitted_at) if submitted_at else self._clock.now()
            site.sequence += 1
            original_id = f"{site.prefix}-{when:%y}-{MONTHS[when.month - 1]}-{site.sequence:04d}"
            family = _Family(site_name, original_id, [
                _Authorship(person, n == corresponding, n == 0) for n, person in enumerate(people)])
            status_name = site.label(DRAFT_STATUS if draft else (status or INITIAL_STATUS))
            self._add_document(site, family, 0, title, submission_type, status_name, draft, when, abstract)
            self._families[(site_name, original_id)] = family
            return original_id

    def move(self, site_name: str, submission_id: str, status: str | None = None, *,
             decision: str | None = None, revision_due: date | None = None) -> dict[str, Any]:
        """Change one document's status as the journal's staff would; returns its new state.

        ``status`` is the new documentStatusName (a standard name shows in the site's own words; any other
        text is a journal-specific status); it clears an earlier decision, as rescinding one does. ``decision``
        ("Accept", "Minor Revision", "Major Revision", "Reject", "Reject & Resubmit", "Withdrawn"…) records
        decisionName and decisionDate and, unless ``status`` is also given, shows as the status — as the author
        dashboard shows decisions. ``revision_due`` (with a revision decision) is the day the authors must revise
        by, sent as ``revisionDueDate`` (our assumption: no public source shows the field); any other move clears
        it. ``lastUpdated`` becomes the sandbox clock.
        """
        if status is None and decision is None:
            raise ValueError("give a status, a decision or both")
        if revision_due is not None and decision is None:
            raise ValueError("a revision due date comes with a decision")
        with self._lock:
            site = self._site(site_name)
            document = self._manual_document(site_name, submission_id)
            if document.in_draft:
                raise ValueError(f"{submission_id} is a draft: submit it with submit_draft() first")
            now = self._clock.now()
            if decision is not None:
                document.decision_name = site.label(decision)
                document.decision_date = now
                document.status_name = site.label(status) if status is not None else document.decision_name
            else:
                document.decision_name = document.decision_date = None
                document.status_name = site.label(status)
            document.status_id = site.status_id(document.status_name)
            document.revision_due = revision_due
            document.last_updated = now
            return self._state(document)

    def submit_revision(self, site_name: str, submission_id: str, *, title: str | None = None,
                        draft: bool = False, status: str | None = None) -> str:
        """The author's next revision of the manuscript ``submission_id`` belongs to; returns e.g. ``…-0006.R1``.

        A new document with the next revisionNumber; ``draft`` leaves it in the author's drafts ("Draft",
        ``inDraftFlag`` true) until :meth:`submit_draft`. The title defaults to the previous version's.
        """
        with self._lock:
            site = self._site(site_name)
            family = self._manual_document(site_name, submission_id).family
            latest = family.documents[-1]
            if latest.in_draft:
                raise ValueError(f"{latest.submission_id} is still a draft: submit it with submit_draft() first")
            number = latest.revision_number + 1
            status_name = site.label(DRAFT_STATUS if draft else (status or INITIAL_STATUS))
            document = self._add_document(site, family, number, title or latest.title, latest.submission_type,
                                          status_name, draft, self._clock.now(), latest.abstract)
            return document.submission_id

    def submit_draft(self, site_name: str, submission_id: str, status: str | None = None) -> dict[str, Any]:
        """Submit a draft original or revision: it leaves the drafts, "Awaiting Admin Processing" by default."""
        with self._lock:
            site = self._site(site_name)
            document = self._manual_document(site_name, submission_id)
            if not document.in_draft:
                raise ValueError(f"{submission_id} is not a draft")
            now = self._clock.now()
            document.in_draft = False
            document.status_name = site.label(status or INITIAL_STATUS)
            document.status_id = site.status_id(document.status_name)
            document.submitted_at = document.last_updated = now
            return self._state(document)

    def submission_state(self, site_name: str, submission_id: str) -> dict[str, Any]:
        with self._lock:
            site = self._site(site_name)
            document = self._by_submission_id.get((site_name, submission_id))
            if document is None and site.catalog is not None:
                index = site.catalog.index_of_submission(submission_id)
                document = site.catalog.document(index) if index is not None else None
            if document is None:
                raise KeyError(f"no manuscript {submission_id!r} on site {site_name!r}")
            return self._state(document)

    # --- scripting: generated sites ------------------------------------------------------------------------------

    def add_generated_site(self, site_name: str, *, seed: int, authors: int, submissions_per_author: int,
                           changed_fraction: float = 0.0, **site_options: Any) -> str:
        """A site whose persons and manuscripts are computed from ``seed`` on request (no memory per item).

        Person ids and document ids are reserved as contiguous ranges; ``changed_fraction`` runs a first change
        round at once (see :meth:`change_generated`). Generated manuscripts have no revisions. Change rounds
        should be at least ``changed / max_ids_by_date`` seconds apart, or one second holds more documents
        than one getIDsByDate call may return.
        """
        with self._lock:
            self.add_site(site_name, **site_options)
            site = self._sites[site_name]
            catalog = _GeneratedCatalog(site, seed=seed, authors=authors, per_author=submissions_per_author,
                                        person_base=self._next_id["person"],
                                        document_base=self._next_id["document"], now=self._clock.now())
            self._next_id["person"] += catalog.authors
            self._next_id["document"] += catalog.total
            site.catalog = catalog
            if changed_fraction:
                catalog.change(changed_fraction, self._clock.now())
            return site_name

    def change_generated(self, site_name: str, fraction: float) -> int:
        """Move ``fraction`` of a generated site's manuscripts one workflow step on, stamped now; how many."""
        with self._lock:
            return self._catalog(site_name).change(fraction, self._clock.now())

    def generated_person(self, site_name: str, index: int) -> dict[str, Any]:
        with self._lock:
            catalog = self._catalog(site_name)
            if not 0 <= index < catalog.authors:
                raise KeyError(f"no generated person {index} on {site_name!r}")
            person = catalog.person(index)
            return {"person_id": person.person_id, "email": person.email}

    def generated_submission_ids(self, site_name: str, author_index: int) -> list[str]:
        with self._lock:
            catalog = self._catalog(site_name)
            start = author_index * catalog.per_author
            return [catalog.submission_id(j) for j in range(start, start + catalog.per_author)]

    def changed_generated_submission_ids(self, site_name: str) -> list[str]:
        """The manuscripts any change round moved (the first positions), for assertions."""
        with self._lock:
            catalog = self._catalog(site_name)
            changed = max((count for count, _ in catalog.rounds), default=0)
            return sorted(catalog.submission_id(catalog.index_at(p)) for p in range(changed))

    # --- scripting: faults, rate limits, inspection ------------------------------------------------------------

    def inject_fault(self, site_name: str, kind: str | int, times: int = 1, path_contains: str | None = None, *,
                     seconds: float | None = None, retry_after: int | None = None, field: str | None = None,
                     new_name: str | None = None) -> None:
        """Make the next ``times`` authenticated calls for a site (whose path contains ``path_contains``) misbehave.

        Kinds: ``timeout`` / ``slow`` (sleep ``seconds`` or :attr:`timeout_fault_seconds` /
        :attr:`slow_fault_seconds`, then answer), ``500`` and ``503`` (Tomcat's HTML error page; 503 with
        Retry-After when given), ``429`` (from the gateway in front, Retry-After default 30), ``maintenance``
        (HTTP 500, status MAINTENANCE, errorCode 600 and callBackTime), ``throttled`` (HTTP 400, errorCode 500
        and callBackTime ``retry_after`` seconds ahead, default 30), ``malformed`` (the body cut in half),
        ``renamed_field`` (``field`` -> ``new_name``, default documentStatusName -> statusName) and
        ``missing_field`` (default ``documentIdLatest``), applied to every object of the answer.
        """
        kind = fault_kind(kind, FAULT_KINDS)
        if kind == Fault.RENAMED_FIELD:
            field, new_name = field or "documentStatusName", new_name or "statusName"
        if kind == Fault.MISSING_FIELD:
            field = field or "documentIdLatest"
        if kind in (Fault.HTTP_429, THROTTLED, MAINTENANCE) and retry_after is None:
            retry_after = 30
        with self._lock:
            self._site(site_name).faults.add(Fault(kind, times, path_contains, seconds, retry_after, field, new_name))

    def pending_faults(self, site_name: str) -> list[dict[str, Any]]:
        with self._lock:
            return self._site(site_name).faults.pending()

    def set_rate_limit(self, site_name: str, per_minute: int | None) -> None:
        """Throttle a site beyond ``per_minute`` calls (a token bucket of that size): ScholarOne's throttling
        failure, HTTP 400 with errorCode 500 and a callBackTime. None turns it off (the default)."""
        with self._lock:
            self._site(site_name).rate_limit = TokenBucket(per_minute) if per_minute is not None else None

    def calls(self, site_name: str | None = None) -> list[dict[str, Any]]:
        """Every call as {site_name, method, path, endpoint, query, status, fault, authenticated}, oldest first.

        Digest challenges (the unauthenticated first request, a wrong key) are logged with ``authenticated``
        false.
        """
        with self._lock:
            return [copy.deepcopy(call) for call in self._logged(site_name=site_name)]

    def call_count(self, site_name: str | None = None, endpoint: str | None = None, *,
                   challenges: bool = False) -> int:
        """Authenticated calls (plus Digest challenges if ``challenges``), optionally of one service name."""
        with self._lock:
            return sum(1 for call in self._logged(site_name=site_name, endpoint=endpoint)
                       if challenges or call["authenticated"])

    # --- internals ------------------------------------------------------------------------------------------

    def _take_id(self, kind: str) -> int:
        value = self._next_id[kind]
        self._next_id[kind] += 1
        return value

    def _site(self, site_name: str) -> _Site:
        site = self._sites.get(site_name)
        if site is None:
            raise KeyError(f"no site {site_name!r}; add it with add_site()")
        return site

    def _catalog(self, site_name: str) -> _GeneratedCatalog:
        catalog = self._site(site_name).catalog
        if catalog is None:
            raise ValueError(f"site {site_name!r} is not generated")
        return catalog

    def _person_by_email(self, site_name: str, email: str) -> _Person | None:
        wanted = email.strip().lower()
        return next((p for p in self._persons.values()
                     if p.site_name == site_name and p.email.lower() == wanted), None)

    def _persons_for(self, site_name: str, author: int | dict[str, str]) -> _Person:
        if isinstance(author, dict):
            person_id = self.add_person(site_name, email=author["email"], first_name=author.get("first_name", ""),
                                        last_name=author.get("last_name", ""), orcid=author.get("orcid", ""))
            return self._persons[person_id]
        person = self._persons.get(author)
        if person is None or person.site_name != site_name:
            raise KeyError(f"no person {author} on site {site_name!r}")
        return person

    def _manual_document(self, site_name: str, submission_id: str) -> _Document:
        document = self._by_submission_id.get((site_name, submission_id))
        if document is None:
            raise KeyError(f"no manuscript {submission_id!r} on site {site_name!r} (generated manuscripts "
                           "change only through change_generated)")
        return document

    def _add_document(self, site: _Site, family: _Family, number: int, title: str, submission_type: str,
                      status_name: str, draft: bool, when: datetime, abstract: str) -> _Document:
        document = _Document(
            document_id=self._take_id("document"), family=family,
            submission_id=family.original_id if number == 0 else f"{family.original_id}.R{number}",
            revision_number=number, title=title, submission_type=submission_type, status_name=status_name,
            status_id=site.status_id(status_name), decision_name=None, decision_date=None, in_draft=draft,
            created_at=when, submitted_at=None if draft else when, last_updated=when, abstract=abstract,
        )
        family.documents.append(document)
        self._documents[document.document_id] = document
        self._by_submission_id[(site.name, document.submission_id)] = document
        return document

    def _state(self, document: _Document) -> dict[str, Any]:
        return {
            "submission_id": document.submission_id, "document_id": document.document_id,
            "revision_number": document.revision_number, "status": document.status_name,
            "status_id": document.status_id, "decision": document.decision_name,
            "decision_date": _iso(document.decision_date), "in_draft": document.in_draft,
            "submitted_at": _iso(document.submitted_at), "last_updated": _iso(document.last_updated),
            "latest_submission_id": document.family.documents[-1].submission_id,
        }

    def _find_documents(self, site: _Site, id_kind: str, ids: list[str]) -> list[tuple[int, _Document]]:
        """(input index, document) for each id that names a document of the site; unknown ids are skipped."""
        found = []
        for index, value in enumerate(ids):
            document = None
            if id_kind == "documentids":
                if not value.isdigit():
                    raise _bad_request(DETAIL_BAD_PARAMETER, f"Document ids must be numeric: {value}")
                document = self._documents.get(int(value))
                if document is not None and document.family.site_name != site.name:
                    document = None
                if document is None and site.catalog is not None:
                    generated = site.catalog.index_of_document(int(value))
                    document = site.catalog.document(generated) if generated is not None else None
            else:
                document = self._by_submission_id.get((site.name, value))
                if document is None and site.catalog is not None:
                    generated = site.catalog.index_of_submission(value)
                    document = site.catalog.document(generated) if generated is not None else None
            if document is not None:
                found.append((index, document))
        return found

    # --- routes ---------------------------------------------------------------------------------------------------

    def register(self, router: Router) -> None:
        handlers = {
            "getSubmissionInfoBasic": self._submission_info_basic,
            "getSubmissionInfoFull": self._submission_info_full,
            "getSubmissionVersions": self._submission_versions,
            "getIDsByDate": self._ids_by_date,
            "getPersonInfoBasic": self._person_info_basic,
        }
        for (version, resource), endpoint in ENDPOINTS.items():
            router.add("GET", f"/api/s1m/{version}/{resource}", self._api(endpoint, handlers[endpoint]))
        # Anything else under the API is Tomcat's 404 page, after authentication like the rest.
        for depth in ("{a}", "{a}/{b}", "{a}/{b}/{c}", "{a}/{b}/{c}/{d}", "{a}/{b}/{c}/{d}/{e}",
                      "{a}/{b}/{c}/{d}/{e}/{f}"):
            router.add("GET", f"/api/s1m/{depth}", self._api("unknown", self._unknown_resource))
        self._register_control(router)

    def _api(self, endpoint: str, handler: Callable[[Request, _Site], _Result]) -> Callable[[Request], Response]:
        """Wrap a service with Digest authentication, the site lookup, throttling, faults, the envelope and the log."""

        def wrapped(request: Request) -> Response:
            as_json = request.query.get("_type", "").lower() == "json"
            site_name = request.query.get("site_name", "")
            fault: Fault | None = None
            wait: float | None = None
            with self._lock:
                challenge = self._authenticate(request)
                site = self._sites.get(site_name)
                if challenge is None and site is not None:
                    wait, fault = admit(site.rate_limit, site.faults, request.path)
                now = self._clock.now()
                epoch = self._epoch
            if challenge is not None:
                response = challenge
            elif endpoint == "unknown":
                response = _tomcat_error(404, "Not Found")
            elif site is None:
                message = f"Invalid site_name: {site_name}" if site_name else "site_name is required"
                response = self._envelope(request, as_json, None, _bad_request(DETAIL_UNKNOWN_SITE, message))
            elif wait is not None:
                response = self._envelope(request, as_json, None, _throttled(now + timedelta(seconds=wait)))
            else:
                response = self._answer(request, site, handler, fault, as_json, now, epoch)
            self._log_call(request, endpoint, response, fault, wait, epoch=epoch, site={"site_name": site_name},
                           authenticated=challenge is None)
            return response

        return wrapped

    def _answer(self, request: Request, site: _Site, handler: Callable[[Request, _Site], _Result],
                fault: Fault | None, as_json: bool, now: datetime, epoch: int) -> Response:
        injected = self._misbehave(fault, _tomcat_error, epoch=epoch)
        if injected is not None:
            return injected
        kind = fault.kind if fault else None
        if kind == MAINTENANCE:
            return self._envelope(request, as_json, None, S1Failure(
                500, CODE_MAINTENANCE, "The site is undergoing scheduled maintenance.", status="MAINTENANCE",
                call_back_time=now + timedelta(seconds=fault.retry_after)))
        if kind == THROTTLED:
            return self._envelope(request, as_json, None, _throttled(now + timedelta(seconds=fault.retry_after)))
        try:
            with self._lock:
                result = handler(request, site)
            response = self._envelope(request, as_json, result, None, fault)
        except S1Failure as failure:
            response = self._envelope(request, as_json, None, failure, fault)
        except _NoSuchResource:
            return _tomcat_error(404, "Not Found")
        if kind == MALFORMED:
            return Response(response.status, response.body[:len(response.body) // 2], response.content_type,
                            response.headers)
        return response

    def _envelope(self, request: Request, as_json: bool, result: _Result | None, failure: S1Failure | None,
                  fault: Fault | None = None) -> Response:
        envelope: dict[str, Any] = {"status": failure.status if failure else "SUCCESS", "callId": str(uuid.uuid4())}
        if request.query.get("external_id"):
            envelope["profileCallId"] = request.query["external_id"]
        if result is not None:
            envelope["result"] = result.records
        if failure is not None:
            envelope["errorDetails"] = {
                "errorCode": failure.error_code, "errorMessage": failure.message,
                "callBackTime": _iso(failure.call_back_time),
                "moreInfo": {"errors": {"errorCode": failure.detail_code, "errorMessage": failure.message}}
                if failure.detail_code is not None else None,
            }
        if fault is not None and fault.edits:
            _rewrite(envelope, fault.edit)
        status = failure.http_status if failure else 200
        if as_json:
            return Response(status, json.dumps({"Response": envelope}, ensure_ascii=False).encode("utf-8"),
                            "application/json")
        return Response(status, _xml_document(envelope, result.xsi_type if result else "").encode("utf-8"),
                        "application/xml")

    # --- Digest authentication (RFC 2617 without qop, as ScholarOne's documented challenge offers) ---------------

    def _authenticate(self, request: Request) -> Response | None:
        """None when the request carries a valid Digest answer for the caller profile; else the 401 to send."""
        header = request.headers.get("authorization", "")
        if not header[:7].lower() == "digest ":
            return self._challenge(stale=False)
        try:
            answer = parse_keqv_list(parse_http_list(header[7:]))
        except ValueError:
            return self._challenge(stale=False)
        nonce = answer.get("nonce", "")
        issued = self._nonces.get(nonce)
        if (answer.get("username") != self.username or answer.get("realm") != REALM or issued is None
                or answer.get("algorithm", "MD5").upper() != "MD5" or not _uri_matches(answer.get("uri", ""), request)):
            return self._challenge(stale=False)
        expected = _digest_response(self.username, self.api_key, request.method, answer)
        if expected is None or not hmac.compare_digest(expected, answer.get("response", "")):
            return self._challenge(stale=False)
        if time.monotonic() - issued > self.nonce_lifetime_seconds:
            del self._nonces[nonce]
            return self._challenge(stale=True)  # right key, old nonce: the client retries with the new one
        return None

    def _challenge(self, *, stale: bool) -> Response:
        now = time.monotonic()
        if len(self._nonces) > 10_000:
            self._nonces = {n: t for n, t in self._nonces.items() if now - t <= self.nonce_lifetime_seconds}
        nonce = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self._nonces[nonce] = now
        challenge = f'Digest realm="{REALM}", nonce="{nonce}", stale="{"true" if stale else "false"}"'
        return Response(401, b"<html><body>401</body></html>\r\n", "text/html", {"WWW-Authenticate": challenge})

    # --- services ---------------------------------------------------------------------------------------------

    def _unknown_resource(self, request: Request, site: _Site) -> _Result:
        raise _NoSuchResource()

    def _requested(self, request: Request, site: _Site) -> list[tuple[int, _Document]]:
        id_kind = request.path_params.get("id_kind", "")
        if id_kind not in ID_KINDS:
            raise _NoSuchResource()
        ids = _quoted_ids(request.query.get("ids", ""))
        if len(ids) > self.max_ids_per_call:
            raise _bad_request(DETAIL_TOO_MANY_IDS, f"The number of ids ({len(ids)}) exceeds the maximum of "
                                                    f"{self.max_ids_per_call} per call")
        return self._find_documents(site, id_kind, ids)

    def _submission_info_full(self, request: Request, site: _Site) -> _Result:
        return _Result("submissionInfoFullOutput",
                       [_full_record(document, site, index) for index, document in self._requested(request, site)])

    def _submission_info_basic(self, request: Request, site: _Site) -> _Result:
        return _Result("submissionInfoBasicOutput",
                       [_basic_record(document, index) for index, document in self._requested(request, site)])

    def _submission_versions(self, request: Request, site: _Site) -> _Result:
        records = []
        for index, document in self._requested(request, site):
            for version in document.family.documents:
                records.append({"addedDate": _s1_date(version.created_at), "documentId": version.document_id,
                                "inputIndex": index, "revisionNumber": version.revision_number,
                                "submissionId": version.submission_id, "submissionStatus": _status(version)})
        return _Result("submissionVersionOutput", records)

    def _ids_by_date(self, request: Request, site: _Site) -> _Result:
        query = request.query
        start, end = _required_time(query, "from_time"), _required_time(query, "to_time")
        if start > end:
            raise _bad_request(DETAIL_BAD_PARAMETER, "from_time must not be after to_time")
        criterion = query.get("criteria") or "datetime_added"
        if criterion not in site.criteria:
            raise _bad_request(DETAIL_BAD_PARAMETER, f"Unknown criteria {criterion}; expected one of "
                                                     f"{', '.join(site.criteria)}")
        statuses = {s.strip().upper() for s in query.get("document_status", "").split(",") if s.strip()}
        manual = [d for d in self._documents.values() if d.family.site_name == site.name
                  and (when := d.criterion(criterion)) is not None and start <= when <= end
                  and _document_status_matches(d, statuses)]
        positions = site.catalog.positions_between(criterion, start, end) if site.catalog else range(0)
        if len(manual) + len(positions) > site.max_ids_by_date:
            raise S1Failure(400, CODE_BAD_REQUEST, "Too many results: the date range matches more documents than "
                                                   "one call may return. Use a shorter date range.",
                            detail_code=DETAIL_TOO_MANY_RESULTS)
        generated = [site.catalog.document(site.catalog.index_at(p)) for p in positions] if site.catalog else []
        generated = [d for d in generated if (criterion != "datetime_decision" or d.decision_date is not None)
                     and _document_status_matches(d, statuses)]
        documents = sorted(manual + generated, key=lambda d: d.document_id)
        return _Result("idsByDateOutput", {"submission": [_ids_record(d) for d in documents]})

    def _person_info_basic(self, request: Request, site: _Site) -> _Result:
        email = request.query.get("primary_email", "").strip()
        if not email:
            raise _bad_request(DETAIL_BAD_PARAMETER, "primary_email is required")
        person = self._person_by_email(site.name, email)
        if person is None and site.catalog is not None:
            index = site.catalog.person_index(email)
            person = site.catalog.person(index) if index is not None else None
        records = [] if person is None else [{
            "accountCreatedDate": _iso(person.created_at), "activeFlag": True, "firstName": person.first_name,
            "lastName": person.last_name, "orcidId": person.orcid or None, "personId": person.person_id,
            "primaryEmailAddress": person.email, "userId": person.email,
        }]
        return _Result("personInfoBasicOutput", records)

    # --- control routes (sandbox only; plain JSON) ------------------------------------------------------------

    def _register_control(self, router: Router) -> None:
        prefix = "/__sandbox__/scholarone"
        site = f"{prefix}/sites/{{site}}"
        manuscript = f"{site}/submissions/{{submission_id}}"
        self._register_common_control(router, prefix)
        self._register_site_fault_control(router, site, "site")
        routes: list[tuple[str, str, Callable[[dict[str, Any], dict[str, str]], Any]]] = [
            ("POST", f"{prefix}/credentials", lambda body, params: self.set_credentials(
                body["username"], body["api_key"]) or {"ok": True}),
            ("POST", f"{prefix}/sites", lambda body, params: {"site_name": self.add_site(
                body["site_name"], **_pick(body, "journal_name", "prefix", "status_labels", "max_ids_by_date",
                                           "print_issn", "digital_issn", "criteria", "last_updated_field"))}),
            ("POST", f"{site}/persons", lambda body, params: {"person_id": self.add_person(
                params["site"], **_pick(body, "email", "first_name", "last_name", "orcid"))}),
            ("POST", f"{site}/submissions", lambda body, params: {"submission_id": self.add_submission(
                params["site"], **_submission_options(body))}),
            ("GET", manuscript, lambda body, params: self.submission_state(params["site"], params["submission_id"])),
            ("POST", f"{manuscript}/move", lambda body, params: self.move(
                params["site"], params["submission_id"], body.get("status"), decision=body.get("decision"),
                revision_due=date.fromisoformat(body["revision_due"]) if body.get("revision_due") else None)),
            ("POST", f"{manuscript}/revisions", lambda body, params: {"submission_id": self.submit_revision(
                params["site"], params["submission_id"], **_pick(body, "title", "draft", "status"))}),
            ("POST", f"{manuscript}/submit-draft", lambda body, params: self.submit_draft(
                params["site"], params["submission_id"], body.get("status"))),
            ("POST", f"{site}/generated", lambda body, params: {"site_name": self.add_generated_site(
                params["site"], seed=int(body["seed"]), authors=int(body["authors"]),
                submissions_per_author=int(body["submissions_per_author"]),
                changed_fraction=float(body.get("changed_fraction", 0.0)),
                **_pick(body, "journal_name", "prefix", "status_labels", "max_ids_by_date"))}),
            ("POST", f"{site}/generated/change", lambda body, params: {
                "changed": self.change_generated(params["site"], float(body["fraction"]))}),
        ]
        for method, path, action in routes:
            router.add(method, path, self._control(action))


@dataclass(frozen=True)
class _Result:
    xsi_type: str  # the result element's xsi:type (ScholarOne names them; ours follow the samples' pattern)
    records: list[dict[str, Any]] | dict[str, Any]  # one <result> per record, or a single <result>


# --- records --------------------------------------------------------------------------------------------------


def _status(document: _Document) -> dict[str, Any]:
    return {"decisionName": document.decision_name, "documentStatusId": document.status_id,
            "documentStatusName": document.status_name, "inDraftFlag": document.in_draft}


def _author_record(number: int, authorship: _Authorship) -> dict[str, Any]:
    person = authorship.person
    return {
        "authorOrderNumber": number, "authorPersonId": person.person_id, "authorFirstName": person.first_name,
        "authorLastName": person.last_name or None, "authorFullName": _full_name(person),
        "authorEmailAddress": person.email, "authorORCIDId": person.orcid or None,
        "isCorresponding": authorship.corresponding, "isSubmittingAuthor": authorship.submitting,
    }


def _full_record(document: _Document, site: _Site, index: int) -> dict[str, Any]:
    family = document.family
    latest, original = family.documents[-1], family.documents[0]
    record = {
        "inputIndex": index,
        "documentId": document.document_id,
        "documentIdLatest": latest.document_id,
        "documentIdOriginal": original.document_id,
        "submissionId": document.submission_id,
        "submissionIdLatest": latest.submission_id,
        "submissionIdOriginal": family.original_id,
        "revisionNumber": document.revision_number,
        "journalName": site.journal_name,
        "journalPrintIssn": site.print_issn,
        "journalDigitalIssn": site.digital_issn,
        "submissionTitle": document.title,
        "submissionType": document.submission_type,
        "submissionDate": _iso(document.submitted_at),
        "decisionDate": _iso(document.decision_date),
        "lastUpdated": _iso(document.last_updated),
        "revisionDueDate": document.revision_due.isoformat() if document.revision_due else None,
        "abstractText": document.abstract or None,
        "submissionStatus": _status(document),
        "authors": {"author": [_author_record(n, a) for n, a in enumerate(family.authors, start=1)]},
    }
    if not site.last_updated_field:
        del record["lastUpdated"]
    return record


def _basic_record(document: _Document, index: int) -> dict[str, Any]:
    lead = next((a for a in document.family.authors if a.corresponding), document.family.authors[0]).person
    return {
        "inputIndex": index, "documentId": document.document_id, "submissionId": document.submission_id,
        "revisionNumber": document.revision_number, "submissionTitle": document.title,
        "submissionType": document.submission_type, "submissionDate": _iso(document.submitted_at),
        "authorFullName": _full_name(lead), "authorPersonId": lead.person_id, "authorORCIDId": lead.orcid or None,
        "submissionStatus": _status(document),
    }


def _ids_record(document: _Document) -> dict[str, Any]:
    family = document.family
    latest, original = family.documents[-1], family.documents[0]
    submitting = next((a for a in family.authors if a.submitting), family.authors[0]).person
    return {
        "datetimeCreated": _iso(document.created_at), "documentId": document.document_id,
        "documentIdLatest": latest.document_id, "documentIdOriginal": original.document_id,
        "documentStatusName": document.status_name, "submissionId": document.submission_id,
        "submissionIdLatest": latest.submission_id, "submissionIdOriginal": family.original_id,
        "submittingAuthorId": submitting.person_id,
    }


def _document_status_matches(document: _Document, statuses: set[str]) -> bool:
    if not statuses:
        return True
    kinds = {"DOCUMENT_STATUS_DRAFT"} if document.in_draft else {"DOCUMENT_STATUS_SUBMITTED"}
    if document.revision_number > 0:
        kinds.add("DOCUMENT_STATUS_REVISION")
    return bool(kinds & statuses)


def _full_name(person: _Person) -> str:
    return f"{person.last_name}, {person.first_name}" if person.last_name else person.first_name


# --- wire helpers -----------------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _s1_date(value: datetime) -> str:
    """The other date format ScholarOne answers with (getSubmissionVersions' addedDate): UTC, milliseconds."""
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond // 1000:03d}"


def _required_time(query: dict[str, str], name: str) -> datetime:
    raw = query.get(name, "").strip().strip("'\"")
    if not raw:
        raise _bad_request(DETAIL_BAD_PARAMETER, f"{name} is required")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _bad_request(DETAIL_BAD_PARAMETER, f"{name} is not a UTC date and time: {raw}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _quoted_ids(raw: str) -> list[str]:
    """``'A','B'`` or ``"A","B"`` -> ["A", "B"]; each id must be quoted, as the documentation requires."""
    ids = []
    for part in raw.split(","):
        part = part.strip()
        if len(part) < 3 or part[0] != part[-1] or part[0] not in "'\"":
            raise _bad_request(DETAIL_BAD_PARAMETER, f"Each id must be surrounded by single or double quotes: "
                                                     f"{part or raw}")
        ids.append(part[1:-1])
    return ids


def _uri_matches(uri: str, request: Request) -> bool:
    """The Digest ``uri`` names this request: same path and the same query parameters."""
    parts = urlsplit(uri)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return parts.path == request.path and query == request.query


def _digest_response(username: str, password: str, method: str, answer: dict[str, str]) -> str | None:
    def md5(text: str) -> str:
        return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()

    ha1 = md5(f"{username}:{REALM}:{password}")
    ha2 = md5(f"{method}:{answer.get('uri', '')}")
    qop = answer.get("qop")
    if qop is None:
        return md5(f"{ha1}:{answer.get('nonce', '')}:{ha2}")
    if qop == "auth":  # not offered, but a client may still answer RFC 2617-style
        return md5(f"{ha1}:{answer.get('nonce', '')}:{answer.get('nc', '')}:{answer.get('cnonce', '')}:auth:{ha2}")
    return None


def _throttled(call_back: datetime) -> S1Failure:
    return S1Failure(400, CODE_THROTTLED, "The request rate limit for this profile has been exceeded.",
                     call_back_time=call_back)


def _tomcat_error(status: int, reason: str, retry_after: int | None = None) -> Response:
    body = (f"<!doctype html><html lang=\"en\"><head><title>HTTP Status {status} – {reason}</title></head>"
            f"<body><h1>HTTP Status {status} – {reason}</h1></body></html>")
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Response(status, body.encode("utf-8"), "text/html;charset=utf-8", headers)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_lines(tag: str, value: Any, depth: int, attributes: str = "") -> list[str]:
    pad = "    " * depth
    if value is None:
        return []  # "No element (assume null values for missing elements)"
    if isinstance(value, list):
        return [line for item in value for line in _xml_lines(tag, item, depth, attributes)]
    if isinstance(value, dict):
        children = [line for key, child in value.items() for line in _xml_lines(key, child, depth + 1)]
        if not children:
            return [f"{pad}<{tag}{attributes}/>"]
        return [f"{pad}<{tag}{attributes}>", *children, f"{pad}</{tag}>"]
    return [f"{pad}<{tag}{attributes}>{escape(_scalar(value))}</{tag}>"]


def _xml_document(envelope: dict[str, Any], xsi_type: str) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', "<Response>"]
    for key, value in envelope.items():
        attributes = f' {XSI} xsi:type="{xsi_type}"' if key == "result" else ""
        lines += _xml_lines(key, value, 1, attributes)
    lines.append("</Response>")
    return "\n".join(lines)


def _rewrite(payload: Any, change: Callable[[dict[str, Any]], Any]) -> None:
    if isinstance(payload, dict):
        change(payload)
        for value in list(payload.values()):
            _rewrite(value, change)
    elif isinstance(payload, list):
        for item in payload:
            _rewrite(item, change)


def _pick(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: body[name] for name in names if name in body}


def _submission_options(body: dict[str, Any]) -> dict[str, Any]:
    options = _pick(body, "title", "authors", "status", "submission_type", "submitted_at", "corresponding",
                    "abstract", "draft")
    if isinstance(options.get("submitted_at"), str):
        options["submitted_at"] = datetime.fromisoformat(options["submitted_at"])
    return options
