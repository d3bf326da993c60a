"""The arithmetic behind the platform stand-ins' generated (very large) journals, shared by OJS and ScholarOne.

A generated journal holds ``total`` manuscripts computed from a seed on request; nothing per person or
manuscript is stored. Manuscript ``j`` (0-based) has a *position* ``p`` — its rank in "last updated, newest
first" — an affine permutation of ``j`` drawn from the seed, and both of its dates are non-increasing functions
of ``p``: any page of a date-ordered listing, and the manuscripts of any date range, are a run of positions
found directly or by bisection. A change round (:meth:`GeneratedCatalog.change`) moves the first ``k``
positions one workflow step on and stamps them between the previous round and now, so the changed subset sorts
first by construction.

Each platform module subclasses :class:`GeneratedCatalog` with its own people, manuscripts and wire names.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta


def stable_hash(*parts: object) -> int:
    """A 64-bit hash of ``parts`` that is the same in every process (unlike ``hash()``)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class GeneratedCatalog:
    """Positions, change rounds and the two dates of ``people * per_person`` generated manuscripts."""

    STEP = timedelta(minutes=1)  # between consecutive unchanged positions

    def __init__(self, *, seed: int, people: int, per_person: int, now: datetime) -> None:
        self.seed = seed
        self.total = people * per_person
        self.base_time = now - timedelta(days=1)  # the newest unchanged "last updated"
        self.width = max(6, len(str(max(people - 1, 0))))  # digits of a person's number in names and e-mails
        self.rounds: list[tuple[int, datetime]] = []  # (changed positions, when), in time order
        total = max(self.total, 1)
        multiplier = stable_hash(seed, "multiplier") % total or 1
        while math.gcd(multiplier, total) != 1:
            multiplier = multiplier % total + 1
        self.multiplier = multiplier
        self.shift = stable_hash(seed, "shift") % total
        self.inverse = pow(multiplier, -1, total) if total > 1 else 0

    # positions

    def index_at(self, position: int) -> int:
        return (self.multiplier * position + self.shift) % self.total

    def position_of(self, index: int) -> int:
        return (self.inverse * (index - self.shift)) % self.total

    # change rounds

    def change(self, fraction: float, now: datetime) -> int:
        """Move the first ``fraction`` of positions one step on, stamped up to ``now``; returns how many."""
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"fraction must be between 0 and 1, not {fraction!r}")
        if self.rounds and now < self.rounds[-1][1]:
            raise ValueError("the sandbox clock went back since the last change round")
        changed = round(self.total * fraction)
        if changed:
            self.rounds.append((changed, now))
        return changed

    def changes(self, position: int) -> int:
        """How many change rounds moved this position on."""
        return sum(1 for changed, _ in self.rounds if position < changed)

    # dates (each platform names them in its own words)

    def updated_at(self, position: int) -> datetime:
        """When the manuscript last changed: within its last change round's window, else before ``base_time``."""
        for number in range(len(self.rounds) - 1, -1, -1):
            changed, when = self.rounds[number]
            if position < changed:
                previous = self.rounds[number - 1][1] if number else self.base_time
                window = max(0, int((when - previous).total_seconds()) - 1)
                return when - timedelta(seconds=position * window // changed)
        return self.base_time - self.STEP * position

    def submitted_at(self, position: int) -> datetime:
        return self.base_time - timedelta(days=30) - self.STEP * position
