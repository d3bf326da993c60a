"""Crossref, through its public REST API: which of a researcher's works our journals have published, with DOI
and publication date.

Crossref knows no workflow: a record exists once the publisher deposits the DOI, usually on publication. So
every snapshot here is a published work, found by the author's ORCID iD (Crossref has no e-mail addresses).
Wire facts this module relies on (CrossRef/rest-api-doc ``README.md`` and ``api_format.md``; reference §4; see
also ``sandbox/crossref.py``):

- ``GET {base}/works?filter=…&rows=…&cursor=*``, then ``cursor=<next-cursor>`` until a page holds fewer items
  than ``rows`` (max 1000). Filters of one name are ORed, of different names ANDed: ``orcid:{iD}`` with one
  ``issn:`` per journal of this system keeps the listing to our journals, ``type:journal-article`` to articles.
- ``GET {base}/works/{doi}``, the DOI percent-encoded as one path segment; an unknown DOI is a 404 with the
  plain-text body ``Resource not found.``; a rejected parameter a 400 ``validation-failure`` JSON listing the
  problems; throttling a 429, with ``X-Rate-Limit-Limit`` / ``X-Rate-Limit-Interval`` advertising the limit
  (keep the journal system's rate limit below it).
- The polite pool: a ``mailto`` parameter and a ``User-Agent`` naming a contact (credentials ``mailto``,
  required); a Metadata Plus token (credentials ``plus_token``) goes in ``Crossref-Plus-API-Token``.
- Limits since 1 December 2025 (Crossref blog, "Announcing changes to REST API rate limits", 2025-11-05):
  the public pool allows 1 list request a second and 1 at a time (single works: 5 a second, 1 at a time), the
  polite pool 3 list requests a second and 3 at a time (single works: 10 a second, 3 at a time). We always
  use the polite pool and state these as :data:`LIST_LIMITS` / :data:`WORK_LIMITS`; the request gate spaces
  requests and holds a concurrency slot shared by all workers, and follows ``X-Rate-Limit-Limit`` /
  ``X-Rate-Limit-Interval`` ("the interval is always in seconds": rest-api-doc README, "Rate limits") when an
  answer carries them. A 429 is retried with backoff (Retry-After when sent) by ``platform_call``.
- ``select=`` trims list answers to the fields read here (:data:`SELECT_FIELDS`; rest-api-doc README,
  "Field queries and selecting"); single-work answers are whole records (``select`` is for lists).
- Incremental listing uses ``from-index-date``, not ``from-update-date``: Crossref's notes on incremental
  updates say the index date is the one guaranteed to move with every change (the update date is the deposit
  date, which a late-indexed deposit can carry from before our last poll). The cursor is the newest ``indexed``
  instant seen; the filter takes its day, inclusive, so the last day is read again (which writes nothing).
- Dates: publication dates are Partial Dates, ``{"date-parts": [[year, month?, day?]]}``; a missing month or day
  counts as 1, as Crossref's own date filters do. ``published_on`` is the earlier of ``published-online`` and
  ``published-print``, else ``published``, else ``issued``.

Configuration: ``base_url`` is the API origin (``https://api.crossref.org``); the journal system's journals
carry their ISSNs as platform path (at least one: the listing keeps to them); credentials: ``mailto``
(required), optional ``plus_token`` and ``rows`` (page size, default 100). Snapshots are keyed by the
lower-cased DOI.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from django.utils.translation import gettext

from manuscripts.connectors.base import (
    ConnectorError,
    ManuscriptSnapshot,
    PlatformAuthError,
    PlatformConfig,
    PlatformDataError,
    PlatformIdentity,
    RequestLimits,
    SnapshotPage,
)
from manuscripts.connectors.common import ConfiguredConnector, bare_orcid, parse_cursor, plain_text, title_language
from manuscripts.connectors.http import USER_AGENT, HttpAnswer, PlatformHttpClient
from manuscripts.status import CanonicalStatus

PLATFORM = "crossref"
PAGE_SIZE = 100
MAX_ROWS = 1000  # Crossref's limit
CITATION_BATCH = 50  # DOIs asked for in one citation request (one filter value each)
MAX_PAGES = 100  # a listing of one author longer than this is not an author's: stop rather than loop
RAW_STATUS = "Published (Crossref)"
WORK_TYPE = "journal-article"
ISSN_RE = re.compile(r"^\d{4}-\d{3}[\dX]$")
DOI_PREFIX_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", re.IGNORECASE)
# Where a publication date may be, in order of preference after the earlier of online and print.
PUBLICATION_DATE_FIELDS = ("published-online", "published-print", "published", "issued")
# The polite pool's limits (see the module docstring); Metadata Plus has its own, higher ones.
LIST_LIMITS = RequestLimits(per_second=3, concurrent=3)
WORK_LIMITS = RequestLimits(per_second=10, concurrent=3)
# Every field this module reads of a listed work.
SELECT_FIELDS = ("DOI", "title", "original-title", "ISSN", "author", "URL", "created", "deposited", "indexed",
                 *PUBLICATION_DATE_FIELDS)
MAILTO_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CrossrefConnector(ConfiguredConnector):
    """The Connector for Crossref; see the module docstring. Polled per linked ORCID iD.

    Construction never fails (as for OJS): a configuration that cannot work raises its ConnectorError, not
    retryable, from every call instead.
    """

    platform = PLATFORM
    supports_platform_changes = False

    def __init__(self, config: PlatformConfig) -> None:
        self.config = config
        self.base_url = config.base_url.rstrip("/")
        credentials = config.credentials or {}
        # ISSN as Crossref writes it (upper-case X) -> the journal's platform path as configured
        self.journal_path_by_issn = {str(path).strip().upper(): str(path).strip()
                                     for path in config.journal_paths.values() if path}
        self.issns = list(self.journal_path_by_issn)
        self.mailto = str(credentials.get("mailto") or "").strip()
        self.rows = PAGE_SIZE
        self.configuration_error: ConnectorError | None = None
        rows = credentials.get("rows", PAGE_SIZE)
        if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= MAX_ROWS:
            self.configuration_error = ConnectorError(
                f"journal system {config.key!r}: credentials 'rows' must be 1 to {MAX_ROWS}, not {rows!r}")
        else:
            self.rows = rows
        invalid = [issn for issn in self.issns if not ISSN_RE.match(issn)]
        if invalid:
            self.configuration_error = ConnectorError(
                f"journal system {config.key!r}: journal paths must be ISSNs (1234-567X): {', '.join(invalid)}")
        if not self.issns:
            self.configuration_error = ConnectorError(
                f"journal system {config.key!r} has no journals with an ISSN as platform path")
        if not MAILTO_RE.match(self.mailto):
            self.configuration_error = ConnectorError(
                f"journal system {config.key!r}: Crossref needs a contact address in credentials 'mailto' "
                "(its etiquette, and the polite pool's limits)")
        headers = {}
        if self.mailto:
            product = USER_AGENT.split(" ", 1)[0]  # "ScholarLink/1.0"
            headers["User-Agent"] = f"{product} (mailto:{self.mailto})"
        plus_token = str(credentials.get("plus_token") or "").strip()
        if plus_token:
            headers["Crossref-Plus-API-Token"] = f"Bearer {plus_token}"
        # Metadata Plus has its own limits, which Crossref advertises in X-Rate-Limit-*.
        self.list_limits, self.work_limits = (RequestLimits(), RequestLimits()) if plus_token \
            else (LIST_LIMITS, WORK_LIMITS)
        self.http = PlatformHttpClient(platform="Crossref", timeout_seconds=config.timeout_seconds, headers=headers,
                                       request_gate=config.request_gate)

    # --- the Connector interface -----------------------------------------------------------------------------

    def test_connection(self) -> str:
        """One listing of zero rows: how many articles Crossref holds for the system's ISSNs."""
        listing = self._works({"filter": self._filter(), "rows": 0})
        pool = gettext("polite pool as %(mailto)s") % {"mailto": self.mailto}
        return gettext("Connected to Crossref at %(base_url)s (%(pool)s): %(count)d articles for ISSN %(issns)s.") % {
            "base_url": self.base_url, "pool": pool, "count": _total(listing), "issns": ", ".join(self.issns)}

    def find_identity(self, identity: str) -> PlatformIdentity | None:
        """The ORCID iD, if any article of our journals lists it; e-mails and usernames: None (Crossref has none).

        The identity has no e-mail address: Crossref gives none, so it is verified by ORCID match or by staff.
        """
        orcid = bare_orcid(identity)
        if not orcid:
            return None
        listing = self._works({"filter": self._filter(orcid=orcid), "rows": 1})
        items = _items(listing)
        if not items:
            return None
        author = next((a for a in _authors(items[0]) if bare_orcid(a.get("ORCID")) == orcid), {})
        display_name = " ".join(str(author.get(part) or "").strip() for part in ("given", "family")).strip()
        return PlatformIdentity(platform_user_id=orcid, email="", display_name=display_name, orcid=orcid)

    def manuscripts_for_identity(self, identity: PlatformIdentity, cursor: str | None) -> SnapshotPage:
        """The ORCID iD's articles in our journals indexed since the cursor (all of them for None)."""
        orcid = bare_orcid(identity.platform_user_id) or bare_orcid(identity.orcid)
        if not orcid:
            raise ConnectorError(f"not an ORCID iD: {identity.platform_user_id!r}")
        since = parse_cursor(cursor, "Crossref", error=ConnectorError)
        self._check_configuration()
        params: dict[str, Any] = {"filter": self._filter(orcid=orcid, indexed_since=since), "rows": self.rows,
                                  "cursor": "*"}
        snapshots: list[ManuscriptSnapshot] = []
        newest = since
        for _page in range(MAX_PAGES):
            listing = self._works(params)
            items = _items(listing)
            for work in items:
                snapshot = self._snapshot(work)
                snapshots.append(snapshot)
                indexed = _instant(work, "indexed")
                if indexed is not None and (newest is None or indexed > newest):
                    newest = indexed
            if len(items) < self.rows:
                break
            next_cursor = listing.get("next-cursor")
            if not isinstance(next_cursor, str) or not next_cursor:
                raise PlatformDataError("Crossref's answer to GET /works has a full page but no 'next-cursor'")
            params["cursor"] = next_cursor
        else:
            raise PlatformDataError(f"Crossref listed more than {MAX_PAGES * self.rows} works for ORCID iD {orcid}")
        return SnapshotPage(snapshots=snapshots, next_cursor=newest.isoformat() if newest else cursor)

    def changed_since(self, cursor: str | None) -> SnapshotPage:
        raise ConnectorError("Crossref is polled per linked ORCID iD, not platform-wide")

    # --- by DOI -------------------------------------------------------------------------------------------------

    def snapshot_for_doi(self, doi: str) -> ManuscriptSnapshot | None:
        """The work with this DOI (any case, bare or as a doi.org URL); None when Crossref does not know it.

        Not limited to our journals: it answers for any Crossref DOI, e.g. one an OJS manuscript carries.
        """
        self._check_configuration()
        bare = DOI_PREFIX_RE.sub("", doi.strip())
        if not bare.startswith("10."):
            raise ConnectorError(f"not a DOI: {doi!r}")
        answer = self._get(f"/works/{quote(bare, safe='')}", {}, what="GET /works/{doi}", limits=self.work_limits)
        if answer is None:
            return None
        return self._snapshot(_message(answer, "work", "GET /works/{doi}"))

    def citation_counts(self, dois: list[str]) -> dict[str, int]:
        """{lower-cased DOI: is-referenced-by-count} for these DOIs, in one list request (``filter=doi:…`` ORed,
        ``select=DOI,is-referenced-by-count``; at most CITATION_BATCH). A DOI Crossref does not know is absent.
        ``is-referenced-by-count`` counts the Crossref works whose deposited references cite this one
        (rest-api-doc ``api_format.md``, "Work": "Count of inbound references deposited with Crossref"), so it is
        a lower bound of the citations elsewhere (Web of Science, Scopus)."""
        self._check_configuration()
        bare = [DOI_PREFIX_RE.sub("", doi.strip()) for doi in dois[:CITATION_BATCH]]
        bare = [doi for doi in bare if doi.startswith("10.")]
        if not bare:
            return {}
        answer = self._get("/works", {"filter": ",".join(f"doi:{doi}" for doi in bare), "rows": len(bare),
                                      "select": "DOI,is-referenced-by-count"},
                           what="GET /works (citations)", limits=self.list_limits)
        if answer is None:
            raise ConnectorError(f"Crossref at {self.base_url} has no /works (HTTP 404): check the base URL")
        counts: dict[str, int] = {}
        for work in _message(answer, "work-list", "GET /works").get("items") or []:
            count = work.get("is-referenced-by-count") if isinstance(work, dict) else None
            if isinstance(work.get("DOI"), str) and isinstance(count, int) and not isinstance(count, bool):
                counts[work["DOI"].lower()] = max(count, 0)
        return counts

    # --- requests -------------------------------------------------------------------------------------------

    def _filter(self, *, orcid: str | None = None, indexed_since: datetime | None = None) -> str:
        filters = [f"orcid:{orcid}"] if orcid else []
        filters += [f"issn:{issn}" for issn in self.issns]
        filters.append(f"type:{WORK_TYPE}")
        if indexed_since is not None:
            filters.append(f"from-index-date:{indexed_since.astimezone(UTC).date().isoformat()}")
        return ",".join(filters)

    def _works(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_configuration()
        answer = self._get("/works", {**params, "select": ",".join(SELECT_FIELDS)}, what="GET /works",
                           limits=self.list_limits)
        if answer is None:
            raise ConnectorError(f"Crossref at {self.base_url} has no /works (HTTP 404): check the base URL")
        return _message(answer, "work-list", "GET /works")

    def _get(self, path: str, params: dict[str, Any], *, what: str, limits: RequestLimits) -> HttpAnswer | None:
        """A 2xx answer, or None for a 404; raises for everything else."""
        answer = self.http.get(self.base_url + path, {**params, "mailto": self.mailto}, limits=limits)
        if answer.ok:
            return answer
        if answer.status == 404:
            return None
        if answer.status in (401, 403):
            raise PlatformAuthError(f"Crossref refused {what} (HTTP {answer.status}): check credentials 'plus_token'")
        payload = answer.payload
        if answer.status == 400 and isinstance(payload, dict) and payload.get("message-type") == "validation-failure":
            problems = payload.get("message") if isinstance(payload.get("message"), list) else []
            described = "; ".join(f"{p.get('type')}: {p.get('message')}" for p in problems if isinstance(p, dict))
            raise ConnectorError(f"Crossref rejected {what}: {described or 'validation failure'}")
        raise ConnectorError(f"Crossref answered {what} with HTTP {answer.status}")

    def author_profile(self, orcid: str, *, rows: int = PAGE_SIZE) -> dict[str, Any]:
        """What Crossref holds of one author across every publisher (enrichment, not tracking): the number of
        works listing this ORCID iD (``total-results`` of ``filter=orcid:{iD}``) and the subjects of the most
        recent ``rows`` of them, most frequent first. ``subject`` is the journal-level (ASJC) category Crossref
        adds to works where it has one (CrossRef/rest-api-doc issues #249, #376: present for many journals, not
        all), so the list may be empty."""
        self._check_configuration()
        bare = bare_orcid(orcid)
        if not bare:
            return {"works": 0, "subjects": []}
        answer = self._get("/works", {"filter": f"orcid:{bare}", "rows": rows, "select": "DOI,subject",
                                      "sort": "published", "order": "desc"},
                           what="GET /works", limits=self.list_limits)
        if answer is None:
            raise ConnectorError(f"Crossref at {self.base_url} has no /works (HTTP 404): check the base URL")
        message = _message(answer, "work-list", "GET /works")
        counts: dict[str, int] = {}
        for work in message.get("items") or []:
            subjects = work.get("subject") if isinstance(work, dict) else None
            for subject in subjects if isinstance(subjects, list) else []:
                if isinstance(subject, str) and subject.strip():
                    counts[subject.strip()] = counts.get(subject.strip(), 0) + 1
        total = message.get("total-results")
        return {"works": total if isinstance(total, int) and total >= 0 else 0,
                "subjects": sorted(counts, key=lambda name: (-counts[name], name))}

    # --- values -------------------------------------------------------------------------------------------------

    def _snapshot(self, work: dict[str, Any]) -> ManuscriptSnapshot:
        doi = _string(work, "DOI", "Crossref work")
        what = f"Crossref work {doi}"
        issns = [str(issn).strip().upper() for issn in work.get("ISSN") or [] if isinstance(issn, str)]
        journal_path = next((self.journal_path_by_issn[issn] for issn in issns if issn in self.journal_path_by_issn),
                            issns[0] if issns else "")
        published_on = publication_date(work)
        last_activity = _instant(work, "deposited") or _instant(work, "created")
        if last_activity is None:
            raise PlatformDataError(f"{what} has neither 'deposited' nor 'created' date")
        orcids = tuple(dict.fromkeys(orcid for orcid in (bare_orcid(a.get("ORCID")) for a in _authors(work))
                                     if orcid))
        return ManuscriptSnapshot(
            platform_id=doi.lower(),  # DOIs are case-insensitive
            journal_path=journal_path,
            titles=titles_from(work) or {"en": doi},
            canonical_status=CanonicalStatus.PUBLISHED.value,
            raw_status=RAW_STATUS,
            last_activity_at=last_activity,
            status_changed_at=datetime(published_on.year, published_on.month, published_on.day, tzinfo=UTC)
            if published_on else None,
            author_emails=(),
            author_user_ids=orcids,
            doi=doi,
            published_on=published_on,
            url=str(work.get("URL") or f"https://doi.org/{doi}"),
        )


def partial_date(value: Any) -> date | None:
    """A Crossref Partial Date (``{"date-parts": [[2024, 3, 5]]}``, month and day optional) as a date; a missing
    month or day counts as 1. None when absent or unreadable (Crossref data is often incomplete)."""
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if not (isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]):
        return None
    numbers: list[int] = []
    for part in parts[0][:3]:
        if isinstance(part, bool) or not isinstance(part, int | str) or not str(part).strip().isdigit():
            break
        numbers.append(int(part))
    if not numbers:
        return None
    year, month, day = (numbers + [1, 1])[:3]
    for candidate in ((year, month, day), (year, month, 1), (year, 1, 1)):  # a day or month out of range: drop it
        try:
            return date(*candidate)
        except ValueError:
            continue
    return None


def publication_date(work: dict[str, Any]) -> date | None:
    """The earlier of published-online and published-print; else published; else issued."""
    online, printed = partial_date(work.get("published-online")), partial_date(work.get("published-print"))
    if online or printed:
        return min(day for day in (online, printed) if day)
    return partial_date(work.get("published")) or partial_date(work.get("issued"))


def titles_from(work: dict[str, Any]) -> dict[str, str]:
    """{language: plain title} from ``title[]`` then ``original-title[]`` — Crossref tags no language, so Chinese
    script means zh-hans and anything else en; inline markup (JATS, MathML) and entities are removed."""
    titles: dict[str, str] = {}
    for name in ("title", "original-title"):
        values = work.get(name)
        for value in values if isinstance(values, list) else []:
            text = plain_text(value) if isinstance(value, str) else ""
            if text:
                titles.setdefault(title_language(text), text)
    return titles


def _message(answer: HttpAnswer, message_type: str, what: str) -> dict[str, Any]:
    payload = answer.payload
    if not isinstance(payload, dict) or payload.get("status") != "ok":
        status = payload.get("status") if isinstance(payload, dict) else type(payload).__name__
        raise PlatformDataError(f"Crossref's answer to {what} is not an 'ok' envelope (status: {status!r})")
    if payload.get("message-type") != message_type:
        raise PlatformDataError(f"Crossref's answer to {what} is a {payload.get('message-type')!r}, "
                                f"not a {message_type!r}")
    message = payload.get("message")
    if not isinstance(message, dict):
        raise PlatformDataError(f"Crossref's answer to {what} has no 'message' object")
    return message


def _items(listing: dict[str, Any]) -> list[dict[str, Any]]:
    items = listing.get("items")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        present = ", ".join(sorted(listing))
        raise PlatformDataError(f"Crossref's work list has no list of 'items' (it has: {present})")
    return items


def _total(listing: dict[str, Any]) -> int:
    total = listing.get("total-results")
    if isinstance(total, bool) or not isinstance(total, int):
        raise PlatformDataError(f"Crossref's work list has no 'total-results' number: {total!r}")
    return total


def _authors(work: dict[str, Any]) -> list[dict[str, Any]]:
    authors = work.get("author")
    return [author for author in authors if isinstance(author, dict)] if isinstance(authors, list) else []


def _string(obj: dict[str, Any], name: str, what: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value.strip():
        raise PlatformDataError(f"{what} has no {name!r} (it has: {', '.join(sorted(obj))})")
    return value.strip()


def _instant(work: dict[str, Any], name: str) -> datetime | None:
    """A Crossref Date's ``date-time`` (``2024-03-05T10:20:30Z``), aware; None when absent or unreadable."""
    value = work.get(name)
    text = value.get("date-time") if isinstance(value, dict) else None
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
