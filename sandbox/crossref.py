"""Stand-in for the Crossref REST API (https://api.crossref.org), in its wire format.

What is faithful (CrossRef/rest-api-doc @00b1cc2 ``README.md`` and ``api_format.md``; live answers quoted in
the reference, §4), because the connector must meet it:

- ``GET /works`` and ``GET /works/{doi}`` (the DOI percent-encoded as one segment, or with its raw slashes;
  DOIs are case-insensitive). Answers are the envelope ``{"status": "ok", "message-type": "work-list" | "work",
  "message-version": "1.0.0", "message": …}``; a list's message holds ``facets``, ``total-results``, ``items``,
  ``items-per-page``, ``query`` and, when a cursor was asked for, ``next-cursor``.
- Work records as deposited: ``title[]``, ``container-title[]``, ``ISSN[]`` and ``issn-type[]``, ``author[]``
  with the ORCID in URL form, Partial Dates (``{"date-parts": [[2024, 3]]}``) for ``published-online``,
  ``published-print``, ``published`` and ``issued`` (the earlier of print and online), Dates with ``date-parts``,
  ``date-time`` and a millisecond ``timestamp`` for ``created``, ``deposited`` and ``indexed``.
- ``filter=name:value,…`` — one name repeated is ORed, different names ANDed: ``orcid`` (bare or URL form),
  ``doi``, ``issn``, ``type``, ``has-orcid``, and ``from-``/``until-`` ``index``/``update``/``deposit``/
  ``created``/``pub`` dates as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (inclusive; a partial date means the
  period's first day for ``from-`` and its last day for ``until-``; ``update`` is the deposit date). An unknown
  filter is a 400 ``filter-not-available``.
- ``rows`` (default 20, 0 for the summary only, above 1000 a 400 ``integer-not-valid`` with Crossref's message),
  ``offset`` (max 10,000), ``cursor=*`` deep paging with ``next-cursor`` (a page with fewer items than ``rows``
  is the last; a next-cursor beyond it gives empty pages), ``sort`` and ``order``; an unknown parameter is a 400
  ``unknown-parameter``. Validation failures are ``{"status": "failed", "message-type": "validation-failure",
  "message": [{"type", "value", "message"}]}``.
- An unknown DOI is a 404 with the plain-text body ``Resource not found.``; throttling is a 429 with a plain-text
  body. Every answer advertises ``X-Rate-Limit-Limit`` and ``X-Rate-Limit-Interval``.

- ``select=field,…`` on list queries keeps only those fields of each item (an unknown field is a 400
  ``parameter-not-allowed``).
- With :meth:`CrossrefSandbox.enforce_pools` on, the limits in force since 1 December 2025: the public pool 1
  list request a second and 1 at a time (single works 5 a second, 1 at a time), the polite pool (``mailto``
  parameter or ``mailto:`` in the User-Agent) 3 list requests a second and 3 at a time (single works 10, 3);
  beyond them a 429 with ``Retry-After: 1``; answers then advertise the pool's limit in ``X-Rate-Limit-Limit``
  / ``X-Rate-Limit-Interval``.

Sandbox simplifications, said plainly: no ``query``, ``facet`` or ``sample``; cursors are stateless
(they encode where the page ended) and never expire; the wording of validation failures other than Crossref's
``integer-not-valid`` and ``unknown-parameter`` is ours; the default order is by update (deposit) date, newest
first, then DOI.

Scripting (Python on ``server.crossref``, mirrored by JSON routes under ``/__sandbox__/crossref/``):
``add_work``, ``update_work`` (a re-deposit), ``reindex``, ``inject_fault``, ``set_rate_limit``,
``set_clock`` / ``advance_clock``, the call log, ``reset``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.faults import Fault, FaultQueue, PlatformSandbox, TokenBucket, admit, fault_kind, utc_seconds

# sandbox.server imports this module only after defining these primitives.
from sandbox.server import Request, Response, Router, json_response

MESSAGE_VERSION = "1.0.0"
DEFAULT_ROWS, MAX_ROWS, MAX_OFFSET = 20, 1000, 10_000
KNOWN_PARAMETERS = {"filter", "rows", "offset", "cursor", "sort", "order", "mailto", "query", "select", "facet",
                    "sample"}
UNSUPPORTED_PARAMETERS = {"query", "facet", "sample"}  # real Crossref parameters the sandbox lacks
SORTS = {"updated": "deposited", "deposited": "deposited", "indexed": "indexed", "created": "created",
         "published": "issued", "issued": "issued"}
DATE_FILTERS = {"index": "indexed", "update": "deposited", "deposit": "deposited", "created": "created",
                "pub": "issued"}
VALUE_FILTERS = ("orcid", "doi", "issn", "type", "has-orcid")
ADVERTISED_RATE_LIMIT = (50, 1)  # X-Rate-Limit-Limit per X-Rate-Limit-Interval seconds, as Crossref advertised
# Since 1 December 2025 (Crossref blog, "Announcing changes to REST API rate limits", 2025-11-05): requests a
# second and requests at a time, per pool (polite: a mailto parameter or a mailto: in the User-Agent) and per
# kind of route (list queries on /works, single works on /works/{doi}). Metadata Plus is not limited here.
POOL_LIMITS = {("public", "list"): (1, 1), ("public", "work"): (5, 1),
               ("polite", "list"): (3, 3), ("polite", "work"): (10, 3)}
# Fields a list query may select (rest-api-doc README, "Field queries and selecting": the work's top-level keys).
SELECTABLE_FIELDS = {
    "DOI", "ISBN", "ISSN", "URL", "abstract", "accepted", "alternative-id", "approved", "archive", "article-number",
    "assertion", "author", "chair", "clinical-trial-number", "container-title", "content-created",
    "content-domain", "created", "degree", "deposited", "editor", "event", "funder", "group-title", "indexed",
    "is-referenced-by-count", "issn-type", "issue", "issued", "license", "link", "member", "original-title",
    "page", "posted", "prefix", "published", "published-online", "published-print", "publisher",
    "publisher-location", "reference", "references-count", "relation", "score", "short-container-title",
    "short-title", "standards-body", "subject", "subtitle", "title", "translator", "type", "update-policy",
    "update-to", "updated-by", "volume",
}

HTTP_400, MALFORMED_JSON = "400", "malformed_json"
FAULT_KINDS = (Fault.TIMEOUT, Fault.SLOW, HTTP_400, Fault.HTTP_500, Fault.HTTP_503, Fault.HTTP_429, MALFORMED_JSON,
               Fault.MISSING_FIELD)

NOT_FOUND_TEXT = b"Resource not found."
TOO_MANY_TEXT = b"Too Many Requests"  # plain text, as Crossref's throttling answers are not JSON

_ORCID = re.compile(r"(?:(?:https?://)?(?:www\.)?orcid\.org/)?(\d{4}-?\d{4}-?\d{4}-?\d{3}[\dXx])/?", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", re.IGNORECASE)
_FILTER_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")

Parts = list[int]  # Crossref date-parts: [year, month?, day?]


@dataclass
class _Work:
    doi: str
    titles: list[str]
    issns: list[str]
    authors: list[dict[str, Any]]
    type: str
    container_title: str
    publisher: str
    member: str
    created: datetime
    deposited: datetime
    indexed: datetime
    published_online: Parts | None = None
    published_print: Parts | None = None
    issued: Parts | None = None  # explicit; else the earlier of print and online, else the created date
    original_titles: list[str] = field(default_factory=list)
    volume: str = ""
    issue: str = ""
    subjects: list[str] = field(default_factory=list)  # the journal's ASJC categories, where Crossref has them
    cited_by: int = 0  # is-referenced-by-count: other Crossref works whose references cite this one

    def issued_parts(self) -> Parts:
        if self.issued:
            return self.issued
        dated = [parts for parts in (self.published_online, self.published_print) if parts]
        if dated:
            return min(dated, key=_earliest)
        return [self.created.year, self.created.month, self.created.day]

    def orcids(self) -> set[str]:
        return {orcid for orcid in (bare_orcid(author.get("ORCID")) for author in self.authors) if orcid}


class _ValidationFailure(Exception):
    def __init__(self, kind: str, value: Any, message: str) -> None:
        super().__init__(message)
        self.kind, self.value, self.message = kind, value, message


class _NotFound(Exception):
    pass


class CrossrefSandbox(PlatformSandbox):
    """Crossref's works, faults, rate limit and call log, behind one lock.

    :meth:`reset` forgets every work, fault, rate limit and call; the clock (deposit and index stamps) follows
    real time again.
    """

    title = "Crossref"  # the index page's heading

    def _clear(self) -> None:
        super()._clear()
        self._works: dict[str, _Work] = {}  # lower-cased DOI -> work
        self._faults = FaultQueue()
        self._bucket: TokenBucket | None = None
        self._advertised = ADVERTISED_RATE_LIMIT
        self._enforce_pools = False
        self._pool_window = 1.0
        self._pool_admitted: dict[tuple[str, str], list[float]] = {}  # (pool, kind) -> admission times, last second
        self._in_flight: dict[tuple[str, str], int] = {}
        self._most_in_flight: dict[tuple[str, str], int] = {}

    # --- scripting: works ---------------------------------------------------------------------------------

    def add_work(self, doi: str, title: str | list[str], issn: str | list[str], *,
                 authors: Iterable[dict[str, Any]] = (), published: Any = None, published_online: Any = None,
                 published_print: Any = None, issued: Any = None, type: str = "journal-article",
                 container_title: str = "", publisher: str = "Sandbox Press", member: str = "99999",
                 original_title: str | list[str] | None = None, volume: str = "", issue: str = "",
                 deposited: datetime | None = None, indexed: datetime | None = None,
                 subjects: Iterable[str] = ()) -> str:
        """Deposit a work; returns its DOI. Dates (``published`` …) are a date, ``"2024"``, ``"2024-03"``,
        ``"2024-03-05"`` or ``[2024, 3]``; ``published`` is the online date unless online or print is given.
        Authors are ``{"given", "family", "ORCID"}`` (bare or URL iD), ``"sequence"`` optional. Deposit and index
        stamps default to the sandbox clock."""
        bare = _bare_doi(doi)
        if not bare.startswith("10.") or "/" not in bare:
            raise ValueError(f"not a DOI: {doi!r}")
        online = _parts(published_online) or (_parts(published) if published_print is None else None)
        with self._lock:
            now = self._clock.now()
            self._works[bare.lower()] = _Work(
                doi=bare.lower(), titles=_strings(title), issns=[value.upper() for value in _strings(issn)],
                authors=[_author(author, first=index == 0) for index, author in enumerate(authors)],
                type=type, container_title=container_title, publisher=publisher, member=str(member),
                created=utc_seconds(deposited or now), deposited=utc_seconds(deposited or now),
                indexed=utc_seconds(indexed or deposited or now), published_online=online,
                published_print=_parts(published_print), issued=_parts(issued),
                original_titles=_strings(original_title), volume=volume, issue=issue, subjects=list(subjects))
        return bare.lower()

    def update_work(self, doi: str, **changes: Any) -> None:
        """A re-deposit: apply ``add_work``'s keyword changes and stamp deposited and indexed with the clock."""
        allowed = {"title", "issn", "authors", "published_online", "published_print", "issued", "type",
                   "container_title", "original_title", "volume", "issue", "cited_by"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
        with self._lock:
            work = self._work(doi)
            for name, value in changes.items():
                if name == "title":
                    work.titles = _strings(value)
                elif name == "original_title":
                    work.original_titles = _strings(value)
                elif name == "issn":
                    work.issns = [item.upper() for item in _strings(value)]
                elif name == "authors":
                    work.authors = [_author(author, first=index == 0) for index, author in enumerate(value)]
                elif name in ("published_online", "published_print", "issued"):
                    setattr(work, name, _parts(value))
                else:
                    setattr(work, name, value)
            work.deposited = work.indexed = self._clock.now()

    def reindex(self, doi: str) -> None:
        """Crossref re-indexed the work without a metadata change: only ``indexed`` moves."""
        with self._lock:
            self._work(doi).indexed = self._clock.now()

    def work_record(self, doi: str) -> dict[str, Any]:
        """The work as ``GET /works/{doi}`` shows it."""
        with self._lock:
            return _record(self._work(doi))

    # --- scripting: faults, rate limits, inspection --------------------------------------------------------

    def inject_fault(self, kind: str | int, times: int = 1, path_contains: str | None = None, *,
                     seconds: float | None = None, retry_after: int | None = None, field: str | None = None) -> None:
        """Make the next ``times`` API calls (whose path contains ``path_contains``) misbehave.

        Kinds: ``timeout`` (sleep ``seconds`` or :attr:`timeout_fault_seconds`, then answer), ``slow`` (the same
        with :attr:`slow_fault_seconds`), ``400`` (a validation failure), ``500``, ``503`` and ``429`` (with
        ``Retry-After`` when ``retry_after`` is given; 429 always with the X-Rate-Limit headers),
        ``malformed_json`` (the body cut short, as by a broken proxy) and ``missing_field`` (``field``, default
        ``items``, removed from the message and from each item).
        """
        kind = fault_kind(kind, FAULT_KINDS)
        if kind == Fault.MISSING_FIELD:
            field = field or "items"
        with self._lock:
            self._faults.add(Fault(kind, times, path_contains, seconds, retry_after, field))

    def pending_faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return self._faults.pending()

    def set_rate_limit(self, limit: int | None, interval_seconds: int = 1) -> None:
        """Advertise ``limit`` calls per ``interval_seconds`` and enforce it (429 beyond); None: Crossref's usual
        advertisement, not enforced (the default)."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ValueError(f"limit must be a positive integer or None, not {limit!r}")
        if isinstance(interval_seconds, bool) or not isinstance(interval_seconds, int) or interval_seconds < 1:
            raise ValueError(f"interval_seconds must be a positive integer, not {interval_seconds!r}")
        with self._lock:
            if limit is None:
                self._bucket, self._advertised = None, ADVERTISED_RATE_LIMIT
            else:
                per_minute = max(1, round(limit * 60 / interval_seconds))
                self._bucket, self._advertised = TokenBucket(per_minute), (limit, interval_seconds)

    def enforce_pools(self, enabled: bool = True, *, window_seconds: float = 1.0) -> None:
        """Enforce (or stop enforcing) the public and polite pools' limits (see the module docstring).

        ``window_seconds`` stretches the second the rates are counted over, so a test can make sequential calls
        fall in one window however slowly the machine runs them (answers still advertise a one-second interval).
        """
        if window_seconds <= 0:
            raise ValueError(f"window_seconds must be positive, not {window_seconds!r}")
        with self._lock:
            self._enforce_pools = bool(enabled)
            self._pool_window = float(window_seconds)

    def most_in_flight(self, pool: str, kind: str = "list") -> int:
        """The most requests of a pool and route kind ("list" or "work") ever in flight at once since the reset."""
        with self._lock:
            return self._most_in_flight.get((pool, kind), 0)

    def _admit_to_pool(self, key: tuple[str, str]) -> str | None:
        """Under the lock: None when the call may run (it is counted in flight), else what it exceeds."""
        per_second, at_once = POOL_LIMITS[key]
        now = time.monotonic()
        recent = [moment for moment in self._pool_admitted.get(key, []) if moment > now - self._pool_window]
        if self._in_flight.get(key, 0) >= at_once:
            return "pool_concurrency"
        if len(recent) >= per_second:
            return "pool_rate"
        self._pool_admitted[key] = [*recent, now]
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        self._most_in_flight[key] = max(self._most_in_flight.get(key, 0), self._in_flight[key])
        return None

    def calls(self) -> list[dict[str, Any]]:
        """Every API call as {method, path, endpoint, query, status, fault, user_agent, plus_token, pool}, oldest
        first (fault "pool_rate" / "pool_concurrency": refused by the pool's limits)."""
        with self._lock:
            return copy.deepcopy(self._calls)

    def call_count(self, endpoint: str | None = None) -> int:
        """Calls, optionally of one endpoint: ``"GET /works"`` or ``"GET /works/{doi}"``."""
        with self._lock:
            return len(self._logged(endpoint=endpoint))

    def _work(self, doi: str) -> _Work:
        work = self._works.get(_bare_doi(doi).lower())
        if work is None:
            raise KeyError(f"no work {doi!r}; add it with add_work()")
        return work

    # --- routes -----------------------------------------------------------------------------------------------

    def register(self, router: Router) -> None:
        router.add("GET", "/works", self._api("GET /works", self._list_works))
        # One segment (the DOI percent-encoded, as clients should send it) or several (its raw slashes).
        for depth in range(1, 5):
            pattern = "/works/" + "/".join(f"{{part{n}}}" for n in range(depth))
            router.add("GET", pattern, self._api("GET /works/{doi}", self._get_work))
        self._register_control(router)

    def _api(self, endpoint: str, handler: Callable[[Request], Any]) -> Callable[[Request], Response]:
        """Wrap an API handler with the rate limit, faults, Crossref's error formats and the call log."""

        def wrapped(request: Request) -> Response:
            pool = _pool(request)
            pool_key = (pool, "list" if endpoint == "GET /works" else "work")
            limited = pool != "plus"
            with self._lock:
                refused = self._admit_to_pool(pool_key) if self._enforce_pools and limited else None
                wait, fault = admit(self._bucket, self._faults, request.path) if refused is None else (None, None)
                advertised = self._advertised
                if self._bucket is None and self._enforce_pools and limited:
                    advertised = (POOL_LIMITS[pool_key][0], 1)
                epoch = self._epoch
            try:
                if refused is not None:
                    response = _text(429, TOO_MANY_TEXT, {"Retry-After": "1"})
                elif wait is not None:
                    response = _text(429, TOO_MANY_TEXT, {"Retry-After": str(max(1, round(wait)))})
                else:
                    response = self._answer(request, handler, fault, epoch)
            finally:
                if refused is None and self._enforce_pools and limited:
                    with self._lock:
                        self._in_flight[pool_key] = max(0, self._in_flight.get(pool_key, 0) - 1)
            response = replace(response, headers={**response.headers, "X-Rate-Limit-Limit": str(advertised[0]),
                                                  "X-Rate-Limit-Interval": f"{advertised[1]}s"})
            # What the polite pool and Metadata Plus look at (the token itself is not kept).
            self._log_call(request, endpoint, response, fault, wait, epoch=epoch,
                           user_agent=request.headers.get("user-agent", ""),
                           plus_token="crossref-plus-api-token" in request.headers, pool=pool, refused=refused)
            return response

        return wrapped

    def _answer(self, request: Request, handler: Callable[[Request], Any], fault: Fault | None,
                epoch: int) -> Response:
        injected = self._misbehave(fault, _text_error, epoch=epoch)
        if injected is not None:
            return injected
        kind = fault.kind if fault else None
        if kind == HTTP_400:
            return _validation_failure(_ValidationFailure("parameter-not-allowed", "filter",
                                                          "Injected validation failure (sandbox fault)"))
        try:
            with self._lock:
                payload = handler(request)
        except _ValidationFailure as failure:
            return _validation_failure(failure)
        except _NotFound:
            return _text(404, NOT_FOUND_TEXT)
        if fault is not None and fault.edits:
            message = payload.get("message")
            if isinstance(message, dict):
                fault.edit(message)
                for item in message.get("items") or []:
                    fault.edit(item)
        response = json_response(payload)
        if kind == MALFORMED_JSON:
            return replace(response, body=response.body[: max(1, len(response.body) // 2)])
        return response

    def _get_work(self, request: Request) -> dict[str, Any]:
        doi = "/".join(request.path_params[f"part{n}"] for n in range(len(request.path_params)))
        work = self._works.get(_bare_doi(doi).lower())
        if work is None:
            raise _NotFound()
        return _envelope("work", _record(work))

    def _list_works(self, request: Request) -> dict[str, Any]:
        query = request.query
        for name in query:
            if name not in KNOWN_PARAMETERS:
                raise _ValidationFailure("unknown-parameter", name, f"Parameter {name} specified but there is no "
                                         "such parameter available on any route")
            if name in UNSUPPORTED_PARAMETERS:
                raise _ValidationFailure("parameter-not-allowed", name,
                                         f"Parameter {name} is not supported by the sandbox")
        rows = _integer(query.get("rows"), DEFAULT_ROWS, MAX_ROWS, "Integer specified as {value} but must be a "
                        "positive integer less than or equal to 1000. ")
        offset = _integer(query.get("offset"), 0, MAX_OFFSET, "Offset specified as {value} is too large")
        cursor = query.get("cursor")
        if cursor is not None and "offset" in query:
            raise _ValidationFailure("parameter-not-allowed", "offset", "Deep paging with a cursor cannot be "
                                     "combined with offset")
        filters = _filters(query.get("filter", ""))
        matches = [work for work in self._works.values() if _matches(work, filters)]
        sort_key = _sort_key(query.get("sort", "updated"), query.get("order", "desc"))
        matches.sort(key=sort_key)
        message: dict[str, Any] = {"facets": {}, "total-results": len(matches)}
        if cursor is not None:
            if cursor != "*":
                after = _decode_cursor(cursor)
                matches = [work for work in matches if sort_key(work) > after]
            page = matches[:rows]
            message["next-cursor"] = _encode_cursor(sort_key(page[-1])) if page else cursor
        else:
            page = matches[offset:offset + rows]
        selected = [name for name in query.get("select", "").split(",") if name] if "select" in query else None
        for name in selected or []:
            if name not in SELECTABLE_FIELDS:
                raise _ValidationFailure("parameter-not-allowed", name, f"Field {name} is not a valid select field")
        records = [_record(work) for work in page]
        if selected is not None:
            records = [{name: value for name, value in record.items() if name in selected} for record in records]
        message.update({"items": records, "items-per-page": rows,
                        "query": {"start-index": 0 if cursor is not None else offset, "search-terms": None}})
        return _envelope("work-list", message)

    # --- control routes (sandbox only; plain JSON) ------------------------------------------------------------

    def _register_control(self, router: Router) -> None:
        prefix = "/__sandbox__/crossref"
        self._register_common_control(router, prefix)
        router.add("POST", f"{prefix}/works", self._control(
            lambda body, params: {"doi": self.add_work(**_work_options(body))}))
        router.add("POST", f"{prefix}/works/update", self._control(
            lambda body, params: self.update_work(**body) or self.work_record(body["doi"])))
        router.add("POST", f"{prefix}/works/reindex", self._control(
            lambda body, params: self.reindex(body["doi"]) or self.work_record(body["doi"])))
        router.add("GET", f"{prefix}/faults", self._control(lambda body, params: {"faults": self.pending_faults()}))
        router.add("POST", f"{prefix}/faults", self._control(lambda body, params: self.inject_fault(
            body["kind"], int(body.get("times", 1)), body.get("path_contains"),
            **{name: body[name] for name in ("seconds", "retry_after", "field") if name in body},
        ) or {"faults": self.pending_faults()}))
        router.add("POST", f"{prefix}/rate-limit", self._control(lambda body, params: self.set_rate_limit(
            body.get("limit"), int(body.get("interval_seconds", 1))) or {"ok": True}))
        router.add("POST", f"{prefix}/pools", self._control(
            lambda body, params: self.enforce_pools(bool(body.get("enforce", True)),
                                                    window_seconds=float(body.get("window_seconds", 1.0)))
            or {"ok": True}))


# --- wire format ------------------------------------------------------------------------------------------------


def _pool(request: Request) -> str:
    """Which pool a call is in: "plus" (a Metadata Plus token), "polite" (a contact address) or "public"."""
    if "crossref-plus-api-token" in request.headers:
        return "plus"
    if request.query.get("mailto") or "mailto:" in request.headers.get("user-agent", ""):
        return "polite"
    return "public"


def _envelope(message_type: str, message: Any) -> dict[str, Any]:
    return {"status": "ok", "message-type": message_type, "message-version": MESSAGE_VERSION, "message": message}


def _record(work: _Work) -> dict[str, Any]:
    issued = work.issued_parts()
    record: dict[str, Any] = {
        "indexed": _date_stamp(work.indexed),
        "reference-count": 0,
        "publisher": work.publisher,
        "content-domain": {"domain": [], "crossmark-restriction": False},
        "short-container-title": [],
        "DOI": work.doi,
        "type": work.type,
        "created": _date_stamp(work.created),
        "source": "Crossref",
        "is-referenced-by-count": work.cited_by,
        "title": list(work.titles),
        "prefix": work.doi.split("/", 1)[0],
        "author": copy.deepcopy(work.authors),
        "member": work.member,
        "container-title": [work.container_title] if work.container_title else [],
        "original-title": list(work.original_titles),
        "link": [],
        "deposited": _date_stamp(work.deposited),
        "resource": {"primary": {"URL": f"https://journals.example.org/doi/{work.doi}"}},
        "subtitle": [],
        "short-title": [],
        "issued": {"date-parts": [issued]},
        "references-count": 0,
        "URL": f"https://doi.org/{work.doi}",
        "relation": {},
        "ISSN": list(work.issns),
        "issn-type": [{"type": "print" if index == 0 else "electronic", "value": issn}
                      for index, issn in enumerate(work.issns)],
        "subject": list(work.subjects),
        "published": {"date-parts": [issued]},
    }
    if work.published_online:
        record["published-online"] = {"date-parts": [list(work.published_online)]}
    if work.published_print:
        record["published-print"] = {"date-parts": [list(work.published_print)]}
    if work.volume:
        record["volume"] = work.volume
    if work.issue:
        record["issue"] = work.issue
    return record


def _date_stamp(moment: datetime) -> dict[str, Any]:
    moment = moment.astimezone(UTC)
    return {"date-parts": [[moment.year, moment.month, moment.day]],
            "date-time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "timestamp": int(moment.timestamp() * 1000)}


def _validation_failure(failure: _ValidationFailure) -> Response:
    return json_response({"status": "failed", "message-type": "validation-failure",
                          "message": [{"type": failure.kind, "value": failure.value, "message": failure.message}]},
                         status=400)


def _text(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(status, body, "text/plain;charset=utf-8", headers or {})


def _text_error(status: int, reason: str, retry_after: int | None = None) -> Response:
    # Crossref's throttling and failures are plain text ("Too Many Requests" is TOO_MANY_TEXT), not JSON.
    return _text(status, reason.encode(), {"Retry-After": str(retry_after)} if retry_after is not None else {})


# --- queries ------------------------------------------------------------------------------------------------------


def _integer(value: str | None, default: int, maximum: int, message: str) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) > maximum:
        raise _ValidationFailure("integer-not-valid", value, message.format(value=value))
    return int(value)


def _filters(text: str) -> dict[str, list[str]]:
    """``name:value,…`` grouped by name; 400 for a filter the route does not have or a malformed date."""
    grouped: dict[str, list[str]] = {}
    for clause in (part.strip() for part in text.split(",")):
        if not clause:
            continue
        name, _, value = clause.partition(":")
        known = name in VALUE_FILTERS or _date_filter(name) is not None
        if not known:
            valid = ", ".join([*VALUE_FILTERS, *(f"{edge}-{kind}-date" for kind in DATE_FILTERS
                                                 for edge in ("from", "until"))])
            raise _ValidationFailure("filter-not-available", name, f"Filter {name} specified but there is no such "
                                     f"filter for this route. Valid filters for this route are: {valid}")
        if _date_filter(name) is not None:
            _period(value)  # a 400 for a malformed date, before any work is compared
        grouped.setdefault(name, []).append(value)
    return grouped


def _date_filter(name: str) -> tuple[str, str] | None:
    """("from" | "until", work attribute) for a date filter's name, else None."""
    match = re.fullmatch(r"(from|until)-(index|update|deposit|created|pub)-date", name)
    return (match[1], DATE_FILTERS[match[2]]) if match else None


def _matches(work: _Work, filters: dict[str, list[str]]) -> bool:
    for name, values in filters.items():
        dated = _date_filter(name)
        if dated is not None:
            edge, attribute = dated
            day = _earliest(work.issued_parts()) if attribute == "issued" else getattr(work, attribute).date()
            if not all(day >= _period(value)[0] if edge == "from" else day <= _period(value)[1] for value in values):
                return False
        elif not any(_value_matches(work, name, value) for value in values):
            return False
    return True


def _value_matches(work: _Work, name: str, value: str) -> bool:
    if name == "orcid":
        return bool(bare_orcid(value)) and bare_orcid(value) in work.orcids()
    if name == "doi":
        return _bare_doi(value).lower() == work.doi
    if name == "issn":
        return value.strip().upper() in work.issns
    if name == "type":
        return value == work.type
    return (value.lower() in ("true", "1", "t")) == bool(work.orcids())  # has-orcid


def _period(value: str) -> tuple[date, date]:
    """The first and last day a filter date (``2024``, ``2024-03``, ``2024-03-05``) stands for."""
    match = _FILTER_DATE.match(value)
    if not match:
        raise _ValidationFailure("date-not-valid", value, f"Date specified as {value} but must be of the form "
                                 "yyyy, yyyy-MM or yyyy-MM-dd")
    year, month, day = int(match[1]), match[2] and int(match[2]), match[3] and int(match[3])
    try:
        if day:
            return date(year, month, day), date(year, month, day)
        if month:
            following = date(year + month // 12, month % 12 + 1, 1)
            return date(year, month, 1), following - timedelta(days=1)
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        raise _ValidationFailure("date-not-valid", value, f"Date specified as {value} is not a date") from None


def _sort_key(sort: str, order: str) -> Callable[[_Work], tuple[float, str]]:
    if sort not in SORTS:
        raise _ValidationFailure("sort-not-available", sort, f"Sort field {sort} is not available. Valid sort "
                                 f"fields are: {', '.join(SORTS)}")
    if order not in ("asc", "desc"):
        raise _ValidationFailure("order-not-available", order, "Order must be asc or desc")
    sign = 1 if order == "asc" else -1
    attribute = SORTS[sort]

    def key(work: _Work) -> tuple[float, str]:
        if attribute == "issued":
            return sign * _earliest(work.issued_parts()).toordinal(), work.doi
        return sign * getattr(work, attribute).timestamp(), work.doi

    return key


def _encode_cursor(key: tuple[float, str]) -> str:
    # Standard base64 (with "+", "/" and "="), like Crossref's cursors: clients must URL-encode it.
    return base64.b64encode(json.dumps(list(key)).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        number, doi = json.loads(base64.b64decode(cursor, validate=True))
        return float(number), str(doi)
    except (binascii.Error, ValueError, TypeError):
        raise _ValidationFailure("cursor-not-valid", cursor, "Cursor is not valid; start again with cursor=*") \
            from None


# --- values -------------------------------------------------------------------------------------------------------


def bare_orcid(value: Any) -> str:
    """``0000-0002-1825-0097`` from that iD or its orcid.org URL; "" otherwise."""
    match = _ORCID.fullmatch(str(value or "").strip())
    if not match:
        return ""
    digits = match.group(1).replace("-", "").upper()
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:12]}-{digits[12:]}"


def _bare_doi(value: str) -> str:
    return _DOI_PREFIX.sub("", value.strip())


def _author(author: dict[str, Any], *, first: bool) -> dict[str, Any]:
    record: dict[str, Any] = {"given": author.get("given", ""), "family": author.get("family", ""),
                              "sequence": author.get("sequence") or ("first" if first else "additional"),
                              "affiliation": [{"name": a} for a in _strings(author.get("affiliation"))]}
    if not record["given"]:
        del record["given"]
    orcid = bare_orcid(author.get("ORCID"))
    if orcid:
        record["ORCID"] = f"https://orcid.org/{orcid}"
        record["authenticated-orcid"] = bool(author.get("authenticated-orcid", False))
    return record


def _parts(value: Any) -> Parts | None:
    """Date-parts from a date, ``"2024"``/``"2024-03"``/``"2024-03-05"`` or a list of ints; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return [value.year, value.month, value.day]
    if isinstance(value, str):
        match = _FILTER_DATE.match(value.strip())
        if not match:
            raise ValueError(f"not a partial date: {value!r}")
        return [int(part) for part in match.groups() if part]
    parts = [int(part) for part in value]
    if not 1 <= len(parts) <= 3:
        raise ValueError(f"date-parts need a year, then month and day: {value!r}")
    return parts


def _earliest(parts: Parts) -> date:
    year, month, day = (list(parts) + [1, 1])[:3]
    return date(year, month, day)


def _strings(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(item) for item in value]


def _work_options(body: dict[str, Any]) -> dict[str, Any]:
    options = dict(body)
    for name in ("deposited", "indexed"):
        if isinstance(options.get(name), str):
            options[name] = datetime.fromisoformat(options[name])
    return options
