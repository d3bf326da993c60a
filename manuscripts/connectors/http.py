"""The one HTTP client for journal platforms: a requests session with the journal system's timeout.

It turns transport trouble into the errors of :mod:`manuscripts.connectors.base` — timeouts, refused
connections, 5xx and 429 (with the Retry-After the platform sent) become :class:`PlatformUnavailable`, a
success whose body is not JSON becomes :class:`PlatformDataError` — and hands every other answer (3xx, 4xx)
back to the connector, which knows its platform's error format. It never retries: the caller retries with
backoff and keeps the circuit breaker, so retries never stack.

Platforms that answer in another format (ScholarOne's XML) build it with ``expect_json=False`` and parse
``HttpAnswer.content`` themselves; platforms with another authentication scheme (ScholarOne's HTTP Digest)
pass a session whose ``auth`` is set.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from manuscripts.connectors.base import PlatformDataError, PlatformUnavailable

USER_AGENT = "ScholarLink/1.0 (+journal status sync)"
SNIPPET_CHARS = 120  # of an unreadable body, quoted in error messages


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
                 request_gate: Callable[[], None] | None = None) -> None:
        self.platform = platform
        self.request_gate = request_gate  # the journal system's rate limit: one token per request
        self.timeout_seconds = timeout_seconds
        self.expect_json = expect_json  # False: the body is left to the connector (content), never parsed here
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})})

    def get(self, url: str, params: dict[str, Any] | None = None) -> HttpAnswer:
        where = _without_query(url)  # never echo query strings: some platforms take credentials there
        if self.request_gate is not None:
            self.request_gate()
        try:
            response = self.session.get(url, params=params, timeout=self.timeout_seconds)
        except requests.Timeout:
            raise PlatformUnavailable(
                f"{self.platform} did not answer within {self.timeout_seconds:g} s: GET {where}") from None
        except requests.ConnectionError as error:
            raise PlatformUnavailable(f"{self.platform} could not be reached: GET {where} ({_reason(error)})") from None
        except requests.RequestException as error:
            raise PlatformUnavailable(f"{self.platform} request failed: GET {where} ({_reason(error)})") from None
        status = response.status_code
        body = response.content
        text = body.decode("utf-8", errors="replace")
        if status == 429 or status >= 500:
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            label = "rate-limited us" if status == 429 else "failed"
            raise PlatformUnavailable(
                f"{self.platform} {label}: HTTP {status} for GET {where}"
                + (f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""),
                retry_after_seconds=retry_after,
            )
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


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


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
