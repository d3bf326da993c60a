"""Scriptable misbehaviour shared by the journal-platform stand-ins: a clock, injected faults, a rate limit.

Each platform module keeps its own wire format for the answers (OJS sends HTML error pages, ScholarOne its
``<Response>`` envelope, Crossref plain text); what is common is *when* and *how* to misbehave, which lives here:

- :class:`SandboxClock` — real time unless frozen, plus an offset; whole seconds, aware, UTC.
- :class:`FaultQueue` — faults injected per site, consumed by the next matching calls.
- :class:`TokenBucket` — a per-site rate limit refilled evenly over a minute; :func:`admit` asks it, then the
  fault queue, for one call.
- :class:`PlatformSandbox` — the base of each stand-in: one lock around its state, the clock, the fault delays
  and HTTP faults, the call log and the JSON control routes every stand-in has.

The clock, queue and bucket are not thread-safe on their own: :class:`PlatformSandbox` holds its lock around them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

# sandbox.server imports the platform modules, and through them this one, only after defining these primitives.
from sandbox.server import Request, Response, Router, json_response


class SandboxClock:
    """The sandbox's notion of now: real time unless :meth:`set` froze it, plus any :meth:`advance`."""

    def __init__(self) -> None:
        self._frozen_at: datetime | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        base = self._frozen_at if self._frozen_at is not None else datetime.now(UTC)
        return (base + self._offset).replace(microsecond=0)

    def set(self, when: datetime | None) -> None:
        """Freeze at ``when`` (naive means UTC); None follows real time again. Any advance is forgotten."""
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        self._frozen_at = when.astimezone(UTC) if when is not None else None
        self._offset = timedelta(0)

    def advance(self, seconds: float) -> datetime:
        self._offset += timedelta(seconds=seconds)
        return self.now()


def utc_seconds(value: datetime) -> datetime:
    """A scripted date as the sandbox keeps dates: aware (naive means UTC), in UTC, whole seconds."""
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).astimezone(UTC).replace(microsecond=0)


def fault_kind(kind: str | int, kinds: tuple[str, ...]) -> str:
    """``kind`` as a fault kind name (``500`` may be given as a number); ValueError unless it is one of ``kinds``."""
    kind = str(kind)
    if kind not in kinds:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(kinds)}")
    return kind


@dataclass
class Fault:
    """One injected misbehaviour, for the next ``remaining`` calls whose path contains ``path_contains``."""

    # The kinds every stand-in understands; each platform adds its own (malformed bodies, maintenance…).
    TIMEOUT, SLOW, HTTP_500, HTTP_503, HTTP_429 = "timeout", "slow", "500", "503", "429"
    RENAMED_FIELD, MISSING_FIELD = "renamed_field", "missing_field"
    HTTP_ERRORS = {HTTP_500: (500, "Internal Server Error"), HTTP_503: (503, "Service Unavailable"),
                   HTTP_429: (429, "Too Many Requests")}

    # A redirect to ``location`` (302): clients must not follow it (a platform must not steer our requests).
    REDIRECT = "redirect"

    kind: str
    remaining: int
    path_contains: str | None = None
    seconds: float | None = None  # timeout / slow: how long to sleep
    retry_after: int | None = None  # 429 / 503 / throttling: what to tell the client
    field_name: str | None = None  # renamed_field / missing_field
    new_name: str | None = None  # renamed_field
    location: str | None = None  # redirect

    def __post_init__(self) -> None:
        if isinstance(self.remaining, bool) or not isinstance(self.remaining, int) or self.remaining < 1:
            raise ValueError(f"times must be a positive integer, not {self.remaining!r}")

    @property
    def edits(self) -> bool:
        """Whether the fault changes the answer's objects (renamed_field, missing_field): see :meth:`edit`."""
        return self.kind in (self.RENAMED_FIELD, self.MISSING_FIELD)

    def edit(self, obj: dict[str, Any]) -> None:
        """What a renamed_field or missing_field fault does to one object of the answer (other kinds: nothing)."""
        if self.kind == self.RENAMED_FIELD and self.field_name in obj and self.new_name:
            obj[self.new_name] = obj.pop(self.field_name)
        elif self.kind == self.MISSING_FIELD:
            obj.pop(self.field_name, None)

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in {
            "kind": self.kind, "remaining": self.remaining, "path_contains": self.path_contains,
            "seconds": self.seconds, "retry_after": self.retry_after, "field": self.field_name,
            "new_name": self.new_name, "location": self.location}.items() if v is not None}


@dataclass
class FaultQueue:
    """Faults in injection order; the first one matching a call is consumed by it."""

    faults: list[Fault] = field(default_factory=list)

    def add(self, fault: Fault) -> None:
        self.faults.append(fault)

    def take(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.path_contains is None or fault.path_contains in path:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        return [fault.describe() for fault in self.faults]


@dataclass
class TokenBucket:
    """``per_minute`` calls a minute, refilled evenly, bursting up to ``per_minute``; monotonic time."""

    per_minute: int
    tokens: float = -1.0
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if isinstance(self.per_minute, bool) or not isinstance(self.per_minute, int) or self.per_minute < 1:
            raise ValueError(f"per_minute must be a positive integer, not {self.per_minute!r}")
        if self.tokens < 0:
            self.tokens = float(self.per_minute)

    def take(self, now: float | None = None) -> float | None:
        """None when a call may pass (and one token is spent); else the seconds until one may."""
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        self.tokens = min(float(self.per_minute), self.tokens + (now - self.updated) * rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return (1.0 - self.tokens) / rate


def admit(rate_limit: TokenBucket | None, faults: FaultQueue, path: str) -> tuple[float | None, Fault | None]:
    """One API call to a site: (seconds to wait when the rate limit refuses it, else None; the fault it consumes).

    A refused call consumes no fault.
    """
    wait = rate_limit.take() if rate_limit is not None else None
    return wait, faults.take(path) if wait is None else None


class PlatformSandbox:
    """The base of a journal-platform stand-in: its lock, clock, fault delays, call log and control routes.

    Subclasses keep their state in :meth:`_clear` (calling this one's) and take :attr:`_lock` around it.
    """

    def __init__(self) -> None:
        # Longer than any sensible client timeout (connectors default to 10 s; tests use fractions of that).
        self.timeout_fault_seconds = 10.0
        self.slow_fault_seconds = 0.3
        self._lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        self._calls: list[dict[str, Any]] = []
        self._clock = SandboxClock()
        # Which reset the state belongs to. A call admitted before a reset (one sleeping on a timeout fault,
        # say) must neither answer from nor be logged into the state scripted after it: see `_epoch_changed`.
        self._epoch = getattr(self, "_epoch", 0) + 1

    def reset(self) -> None:
        """Forget everything scripted, every fault, rate limit and call; the clock follows real time again."""
        with self._lock:
            self._clear()

    # --- clock --------------------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox clock (aware, UTC, whole seconds): real time unless set, plus any advance."""
        with self._lock:
            return self._clock.now()

    def set_clock(self, when: datetime | None) -> None:
        """Freeze the clock at ``when`` (naive means UTC); None lets it follow real time again."""
        with self._lock:
            self._clock.set(when)

    def advance_clock(self, seconds: float) -> datetime:
        with self._lock:
            return self._clock.advance(seconds)

    # --- the call log -------------------------------------------------------------------------------------

    def calls(self) -> list[dict[str, Any]]:
        """Every logged API call, oldest first; each stand-in says which fields it logs (and may filter)."""
        with self._lock:
            return [dict(call) for call in self._calls]

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def _logged(self, **wanted: Any) -> list[dict[str, Any]]:
        """The logged calls whose fields equal every given value that is not None; under the lock."""
        return [call for call in self._calls if all(value is None or call[name] == value
                                                     for name, value in wanted.items())]

    def _log_call(self, request: Request, endpoint: str, response: Response, fault: Fault | None,
                  wait: float | None, *, epoch: int, site: dict[str, str] | None = None, refused: str | None = None,
                  **extra: Any) -> None:
        """Log an API call: the site's key first (``site``), then the request, the answer and what misbehaved
        (``refused``: which of the platform's limits refused it; else the fault's kind, or "rate_limit"), then the
        platform's ``extra`` fields. ``epoch`` is
        :attr:`_epoch` when the call was admitted: a call admitted before a reset is not logged after it."""
        with self._lock:
            if epoch != self._epoch:
                return
            self._calls.append({
                **(site or {}), "method": request.method, "path": request.path, "endpoint": endpoint,
                "query": dict(request.query), "status": response.status,
                "fault": refused or (fault.kind if fault else ("rate_limit" if wait is not None else None)), **extra,
            })

    # --- misbehaving ------------------------------------------------------------------------------------------

    def _misbehave(self, fault: Fault | None, error_page: Callable[[int, str, int | None], Response], *,
                   epoch: int) -> Response | None:
        """Sleep for a timeout or slow fault (call it outside the lock); an HTTP fault's error page, in the
        platform's own format (Retry-After for 503 and 429 when the fault has one); else None: answer.

        A call that slept through a reset (``epoch``, as for :meth:`_log_call`, no longer current) answers 503
        instead of reading the state scripted after the reset."""
        kind = fault.kind if fault else None
        if kind in (Fault.TIMEOUT, Fault.SLOW):
            default = self.timeout_fault_seconds if kind == Fault.TIMEOUT else self.slow_fault_seconds
            time.sleep(fault.seconds if fault.seconds is not None else default)
            with self._lock:
                if epoch != self._epoch:
                    return error_page(503, "Service Unavailable", None)
        if kind == Fault.REDIRECT:
            return Response(302, b"", "text/html; charset=utf-8", {"Location": fault.location or "/"})
        if kind in Fault.HTTP_ERRORS:
            status, reason = Fault.HTTP_ERRORS[kind]
            return error_page(status, reason, fault.retry_after if kind != Fault.HTTP_500 else None)
        return None

    # --- control routes (sandbox only; plain JSON) ------------------------------------------------------------

    def _register_common_control(self, router: Router, prefix: str) -> None:
        """Reset, the clock and the call log under ``prefix``."""
        router.add("POST", f"{prefix}/reset", self._control(lambda body, params: self.reset() or {"ok": True}))
        router.add("GET", f"{prefix}/clock", self._control(lambda body, params: {"now": self.now().isoformat()}))
        router.add("POST", f"{prefix}/clock", self._control(self._clock_route))
        router.add("GET", f"{prefix}/calls", self._control(lambda body, params: {"calls": self.calls()}))

    def _register_site_fault_control(self, router: Router, site_route: str, param: str) -> None:
        """A site's faults (``GET``/``POST {site_route}/faults``) and rate limit (``POST …/rate-limit``), the site
        named by the route's ``{param}``."""
        router.add("GET", f"{site_route}/faults", self._control(
            lambda body, params: {"faults": self.pending_faults(params[param])}))
        router.add("POST", f"{site_route}/faults", self._control(lambda body, params: self.inject_fault(
            params[param], body["kind"], int(body.get("times", 1)), body.get("path_contains"),
            **{name: body[name] for name in ("seconds", "retry_after", "field", "new_name", "location")
               if name in body},
        ) or {"faults": self.pending_faults(params[param])}))
        router.add("POST", f"{site_route}/rate-limit", self._control(
            lambda body, params: self.set_rate_limit(params[param], body.get("per_minute")) or {"ok": True}))

    def _control(self, action: Callable[[dict[str, Any], dict[str, str]], Any]) -> Callable[[Request], Response]:
        """A control route: ``action(body, path parameters)`` answered as JSON; 404 for a missing key, 400 for
        a bad value."""

        def handler(request: Request) -> Response:
            try:
                body = request.json() if request.body else {}
                if not isinstance(body, dict):
                    raise ValueError("expected a JSON object")
                return json_response(action(body, request.path_params))
            except KeyError as error:
                return json_response({"error": f"not found or missing: {error}"}, status=404)
            except (ValueError, TypeError) as error:
                return json_response({"error": str(error)}, status=400)

        return handler

    def _clock_route(self, body: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        if "now" in body:
            self.set_clock(datetime.fromisoformat(body["now"]) if body["now"] else None)
        if "advance_seconds" in body:
            self.advance_clock(float(body["advance_seconds"]))
        return {"now": self.now().isoformat()}
