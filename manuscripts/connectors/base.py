"""The one small interface every journal-platform connector implements.

A connector knows one platform's wire format and nothing of our database: it receives the journal
system's settings as a plain `PlatformConfig`, answers in plain dataclasses, and raises the errors
below. The sync service knows no platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True)
class RequestLimits:
    """What a platform allows one client: requests a second and requests at the same time (None: no limit of its
    own beyond the journal system's configured rate). Connectors state their platform's published limits;
    platforms that advertise a limit in their answers (Crossref's X-Rate-Limit-*) are followed as well."""

    per_second: float | None = None
    concurrent: int | None = None


class RequestGate(Protocol):
    """How every HTTP request to a platform waits its turn, shared by all workers (manuscripts.resilience)."""

    def __call__(self, limits: RequestLimits) -> AbstractContextManager[None]:
        """Wait for a token of the system's rate limit (never faster than ``limits``) and, when ``limits`` caps
        concurrency, for a slot that the returned context holds until the request is done."""

    def advise(self, limits: RequestLimits) -> None:
        """The platform advertised its limit in an answer: follow it from now on."""


@dataclass(frozen=True)
class PlatformConfig:
    """What a connector needs of a JournalSystem row (credentials already decrypted)."""

    key: str
    platform: str
    base_url: str
    credentials: dict
    timeout_seconds: float = 10.0
    # journal key -> the platform's journal/context identifier (OJS context path, ScholarOne site name…)
    journal_paths: dict[str, str] = field(default_factory=dict)
    # Entered around every HTTP request to the platform: the journal system's shared rate limit and
    # concurrency wait here.
    request_gate: RequestGate | None = None


@dataclass(frozen=True)
class PlatformIdentity:
    """A user as the platform knows them. `email` is the address on file: linking codes go there."""

    platform_user_id: str
    email: str
    display_name: str = ""
    orcid: str = ""


@dataclass(frozen=True)
class ManuscriptSnapshot:
    """One manuscript as the platform shows it now."""

    platform_id: str  # unique within the journal system
    journal_path: str  # the platform's journal/context identifier
    titles: dict[str, str]  # language ("en", "zh-hans", …) -> title; at least one entry
    canonical_status: str  # a manuscripts.status.CanonicalStatus value
    raw_status: str  # the platform's own words, as an author would see them
    last_activity_at: datetime  # the platform's last activity on the manuscript (aware)
    submitted_at: datetime | None = None
    status_changed_at: datetime | None = None  # when the platform says the current status began, if it says
    author_emails: tuple[str, ...] = ()  # lower-cased; who may see it through a linked account
    author_user_ids: tuple[str, ...] = ()  # the platform's user ids of the authors, where it has them
    doi: str = ""
    published_on: date | None = None
    url: str = ""
    # What the journal waits for from the authors (a manuscripts.status.ActionKind value; "" when the platform
    # does not say: the sync service derives "revision" from a revision_requested status) and by when, where the
    # platform carries a date (ScholarOne's and Editorial Manager's revision due dates; OJS has none for authors).
    action: str = ""
    due_date: date | None = None


USAGE_BATCH = 100  # at most this many platform ids in one usage_counts call (OJS answers 100 a page)


@dataclass(frozen=True)
class UsageCounts:
    """A published article's lifetime usage as its platform counts it: ``views`` of its landing (abstract) page
    and ``downloads`` of its full-text files (galleys). Only platforms whose connector has ``supports_usage``."""

    views: int
    downloads: int


@dataclass(frozen=True)
class SnapshotPage:
    """Manuscripts changed since a cursor, and the cursor to save for next time."""

    snapshots: list[ManuscriptSnapshot]
    next_cursor: str | None


class ConnectorError(Exception):
    """Base of every connector failure. `retryable` failures are retried with backoff."""

    retryable = False

    def __init__(self, message: str, *, retry_after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class PlatformUnavailable(ConnectorError):
    """Timeout, connection refused, 5xx, 429 (with retry_after_seconds when the platform says)."""

    retryable = True


class PlatformAuthError(ConnectorError):
    """Our credentials were refused: staff must fix the journal system's settings."""


class PlatformDataError(ConnectorError):
    """The platform answered something we cannot read (malformed JSON, renamed fields)."""

    retryable = True


class Connector(Protocol):
    platform: str
    # True when the platform can list every manuscript changed since a cursor (polled once per
    # journal system); False when it must be polled per linked account.
    supports_platform_changes: bool

    def __init__(self, config: PlatformConfig) -> None: ...

    def test_connection(self) -> str:
        """A short human-readable success message; raises ConnectorError otherwise."""

    def find_identity(self, identity: str) -> PlatformIdentity | None:
        """The platform user for an e-mail, username or ORCID iD typed by a researcher; None if unknown."""

    def manuscripts_for_identity(self, identity: PlatformIdentity, cursor: str | None) -> SnapshotPage:
        """Manuscripts this user is an author of, changed since `cursor` (None: all of them)."""

    def changed_since(self, cursor: str | None) -> SnapshotPage:
        """Every manuscript changed since `cursor` across the system's journals (platform-wide polling)."""


class PushConnector(Protocol):
    """A platform that tells us about changes (webhooks) instead of waiting to be polled.

    The place for Editorial Manager's "EM Notification Services" (decision, task-status, submission and transfer
    events, sent to an endpoint the publication configures; see ``file_export``'s docstring) once its message
    format is in hand: no platform has one yet, and the registry's ``PUSH_CONNECTORS`` is empty, so nothing
    receives webhooks today. What one must do:

    - ``verify`` an incoming request before anything is read from it (the platform's signature or shared secret,
      from the journal system's credentials) and raise :class:`PlatformAuthError` otherwise;
    - turn a verified body into snapshots with ``snapshots_from``, in the same :class:`ManuscriptSnapshot` shape
      the pollers produce, so the sync service applies them like a poll (idempotent, older never over newer);
    - leave polling (or exports) in place: a missed webhook is caught by the next full read.

    The receiving endpoint belongs in ``manuscripts`` (one URL per journal system), answering fast and applying
    the snapshots in a task after commit.
    """

    platform: str

    def __init__(self, config: PlatformConfig) -> None: ...

    def verify(self, *, headers: Mapping[str, str], body: bytes) -> None:
        """Raise PlatformAuthError unless the request provably comes from the platform."""

    def snapshots_from(self, *, headers: Mapping[str, str], body: bytes) -> list[ManuscriptSnapshot]:
        """The manuscripts a verified notification is about, as snapshots."""
