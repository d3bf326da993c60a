"""Scriptable misbehaviour shared by the journal-platform stand-ins: a clock, injected faults, a rate limit.

Each platform module keeps its own wire format for the answers (OJS sends HTML error pages, ScholarOne its
``<Response>`` envelope); what is common is *when* to misbehave, which lives here:

- :class:`SandboxClock` — real time unless frozen, plus an offset; whole seconds, aware, UTC.
- :class:`FaultQueue` — faults injected per site, consumed by the next matching calls.
- :class:`TokenBucket` — a per-site rate limit refilled evenly over a minute.

Thread safety is the caller's: platform modules hold their own lock around these objects.
(``sandbox/ojs.py`` predates this module and keeps its own copies of the same patterns.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


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


@dataclass
class Fault:
    """One injected misbehaviour, for the next ``remaining`` calls whose path contains ``path_contains``."""

    kind: str
    remaining: int
    path_contains: str | None = None
    seconds: float | None = None  # timeout / slow: how long to sleep
    retry_after: int | None = None  # 429 / 503 / throttling: what to tell the client
    field_name: str | None = None  # renamed_field / missing_field
    new_name: str | None = None  # renamed_field

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in {
            "kind": self.kind, "remaining": self.remaining, "path_contains": self.path_contains,
            "seconds": self.seconds, "retry_after": self.retry_after, "field": self.field_name,
            "new_name": self.new_name}.items() if v is not None}


@dataclass
class FaultQueue:
    """Faults in injection order; the first one matching a call is consumed by it."""

    faults: list[Fault] = field(default_factory=list)

    def add(self, fault: Fault) -> None:
        if isinstance(fault.remaining, bool) or not isinstance(fault.remaining, int) or fault.remaining < 1:
            raise ValueError(f"times must be a positive integer, not {fault.remaining!r}")
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
