"""The one HTTP client for journal platforms: a requests session with the journal system's timeout.

It turns transport trouble into the errors of :mod:`manuscripts.connectors.base` — timeouts, refused
connections, 5xx and 429 (with the Retry-After the platform sent) become :class:`PlatformUnavailable`, a
redirect a (not retryable) :class:`ConnectorError`, a success whose body is not JSON :class:`PlatformDataError`
— and hands every other answer (4xx) back to the connector, which knows its platform's error format. It never
retries: the caller retries with backoff and keeps the circuit breaker, so retries never stack.

Platforms that answer in another format (ScholarOne's XML) build it with ``expect_json=False`` and parse
``HttpAnswer.content`` themselves; platforms with another authentication scheme (ScholarOne's HTTP Digest)
pass a session whose ``auth`` is set.

Where a base URL may point is guarded (SSRF): every connection resolves the host itself and checks the very
address it connects to (:func:`accounts.validators.platform_address_refusal`: no private, loopback or
link-local address unless PLATFORM_ALLOW_PRIVATE_URLS, https outside DEBUG), so a name that resolves to a
public address when saved and to 127.0.0.1 later (DNS rebinding) is refused; redirects are never followed
(a 3xx goes back to the connector as an answer), and proxies from the environment are not used.
:func:`safe_error_text` is what an error may show in admin: bounded, without credentials.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from accounts.validators import platform_address_refusal
from manuscripts.connectors.base import (
    ConnectorError,
    PlatformDataError,
    PlatformUnavailable,
    RequestGate,
    RequestLimits,
)
from publisher_backend.outbound import guarded_session as outbound_guarded_session

USER_AGENT = "ScholarLink/1.0 (+journal status sync)"
SNIPPET_CHARS = 120  # of an unreadable body, quoted in error messages
ERROR_TEXT_CHARS = 300  # of an error shown in admin (last_error, Test connection)


class AddressRefused(ConnectorError):
    """The base URL leads to an address we do not call (private network, or plain http on the internet)."""


def guarded_session(session: requests.Session | None = None) -> requests.Session:
    """``session`` (or a new one) that connects only where platforms may be (publisher_backend.outbound, with
    :func:`accounts.validators.platform_address_refusal`), and ignores proxy variables."""
    return outbound_guarded_session(address_refusal=platform_address_refusal, refused_error=AddressRefused,
                                    session=session)


# What carries a credential in an error text: URL user info, token-like query parameters, authorization
# schemes, HTTP Digest fields, JWTs (OJS API tokens are JWTs).
_SECRET_PATTERNS = (
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s@]+@", re.IGNORECASE), r"\1***@"),
    (re.compile(r"([?&;]\s*(?:api_?token|access_?token|token|api_?key|apikey|key|password|passwd|secret|"
                r"signature|sig|auth)=)[^&\s'\"]*", re.IGNORECASE), r"\1***"),
    (re.compile(r"\b(Bearer|Basic|Digest|Api-Key|Token)\s+[^\s,;'\"]+", re.IGNORECASE), r"\1 ***"),
    (re.compile(r"\b(response|username|cnonce|nonce|opaque)=\"[^\"]*\"", re.IGNORECASE), r'\1="***"'),
    (re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*"), "***"),
)


# Credentials that are settings, not secrets: shown as they are (a contact address, a time zone…). Every other
# credential value counts as a secret, whatever its name.
NON_SECRET_CREDENTIALS = frozenset({"mailto", "timezone", "version", "format", "rows", "ids_by_date_criteria",
                                    "history_start", "clock_skew_seconds", "settle_seconds", "status_map"})


def _secret_values(credentials: Any) -> Iterable[str]:
    if isinstance(credentials, dict):
        for name, value in credentials.items():
            if name not in NON_SECRET_CREDENTIALS:
                yield from _secret_values(value)
    elif isinstance(credentials, list | tuple):
        for value in credentials:
            yield from _secret_values(value)
    elif isinstance(credentials, str | int) and not isinstance(credentials, bool) and len(str(credentials)) >= 4:
        yield str(credentials)


def safe_error_text(text: str, *, credentials: Any = None, limit: int = ERROR_TEXT_CHARS) -> str:
    """An error as admin may show and store it: every credential value of the journal system and anything shaped
    like one (tokens in URLs, ``apiToken=`` parameters, Authorization values, Digest fields, JWTs) replaced by
    ``***``, white space folded, cut at ``limit`` characters. A platform may echo what we sent in its error
    message, so this runs on the whole text, whatever produced it."""
    for value in sorted(set(_secret_values(credentials)), key=len, reverse=True):
        text = text.replace(value, "***")
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass(frozen=True)
class HttpAnswer:
    """A non-failing answer: a 2xx with its JSON, or a 3xx/4xx for the connector to interpret."""

    status: int
    payload: Any  # the parsed JSON body; None when a non-2xx body is not JSON, or when JSON is not expected
    text: str
    headers: CaseInsensitiveDict
    content: bytes = b""  # the raw body, for platforms that do not answer in JSON

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PlatformHttpClient:
    """GETs JSON from one platform with one timeout; see the module docstring for what it raises."""

    def __init__(self, *, platform: str, timeout_seconds: float, headers: dict[str, str] | None = None,
                 session: requests.Session | None = None, expect_json: bool = True,
                 request_gate: RequestGate | None = None, limits: RequestLimits | None = None) -> None:
        self.platform = platform
        self.request_gate = request_gate  # the journal system's rate limit and concurrency, around each request
        self.limits = limits or RequestLimits()  # what the platform itself allows
        self.timeout_seconds = timeout_seconds
        self.expect_json = expect_json  # False: the body is left to the connector (content), never parsed here
        self.session = guarded_session(session)
        self.session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})})

    def get(self, url: str, params: dict[str, Any] | None = None, *, limits: RequestLimits | None = None) -> HttpAnswer:
        """GET ``url``; ``limits`` overrides the client's for this request (a platform that limits its routes
        differently, as Crossref does lists and single works)."""
        where = _without_query(url)  # never echo query strings: some platforms take credentials there
        turn = self.request_gate(limits or self.limits) if self.request_gate is not None else nullcontext()
        try:
            with turn:
                response = self.session.get(url, params=params, timeout=self.timeout_seconds,
                                            allow_redirects=False)
        except AddressRefused as error:
            raise AddressRefused(f"{self.platform}: GET {where} refused: {error}") from None
        except requests.Timeout:
            raise PlatformUnavailable(
                f"{self.platform} did not answer within {self.timeout_seconds:g} s: GET {where}") from None
        except requests.ConnectionError as error:
            raise PlatformUnavailable(f"{self.platform} could not be reached: GET {where} ({_reason(error)})") from None
        except requests.RequestException as error:
            raise PlatformUnavailable(f"{self.platform} request failed: GET {where} ({_reason(error)})") from None
        status = response.status_code
        body = response.content
        advertised = advertised_limits(response.headers)
        if advertised is not None and self.request_gate is not None:
            self.request_gate.advise(advertised)
        text = body.decode("utf-8", errors="replace")
        if status == 429 or status >= 500:
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            label = "rate-limited us" if status == 429 else "failed"
            raise PlatformUnavailable(
                f"{self.platform} {label}: HTTP {status} for GET {where}"
                + (f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""),
                retry_after_seconds=retry_after,
            )
        if 300 <= status < 400:
            location = response.headers.get("Location") or ""
            raise ConnectorError(
                f"{self.platform} answered GET {where} with a redirect (HTTP {status}"
                + (f" to {_without_query(location)}" if location else "")
                + "); redirects are not followed: correct the journal system's base URL")
        try:
            # From bytes: JSON is UTF-8 whatever the Content-Type says (or omits), and PHP may send a BOM.
            payload = json.loads(body) if body.strip() and self.expect_json else None
        except ValueError:
            if 200 <= status < 300:
                raise PlatformDataError(
                    f"{self.platform} answered GET {where} with a body that is not JSON: {snippet(text)!r}"
                ) from None
            payload = None
        if 200 <= status < 300 and (payload is None if self.expect_json else not body.strip()):
            raise PlatformDataError(f"{self.platform} answered GET {where} with an empty body")
        return HttpAnswer(status=status, payload=payload, text=text, headers=response.headers, content=body)

    def close(self) -> None:
        self.session.close()


def advertised_limits(headers: CaseInsensitiveDict) -> RequestLimits | None:
    """``X-Rate-Limit-Limit: 3`` with ``X-Rate-Limit-Interval: 1s`` as 3 requests a second (Crossref's rest-api-doc
    README, "Rate limits": the interval is always in seconds); None when absent or unreadable."""
    limit, interval = headers.get("X-Rate-Limit-Limit"), headers.get("X-Rate-Limit-Interval")
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*s?\s*", interval or "")
    try:
        count, seconds = float(limit or ""), float(match.group(1)) if match else 0.0
    except ValueError:
        return None
    if count <= 0 or seconds <= 0:
        return None
    return RequestLimits(per_second=count / seconds)


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]  # never the user info either
    return f"{parts.scheme}://{host}{parts.path}"


def snippet(body: str | bytes) -> str:
    """An unreadable body as quoted in error messages: white space folded, cut at SNIPPET_CHARS."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS] + "…"


def _reason(error: Exception) -> str:
    # requests nests the useful part (e.g. "Connection refused") deep in urllib3's message.
    message = str(error)
    for marker in ("Connection refused", "Name or service not known", "Temporary failure in name resolution",
                   "Connection reset", "Remote end closed connection"):
        if marker in message:
            return marker
    return type(error).__name__
