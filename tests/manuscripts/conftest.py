"""Fixtures of the connector tests (the sandbox server itself is ``server`` in ``tests/conftest.py``)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

import pytest

from accounts.models import Journal, JournalSystem


@pytest.fixture
def refused_url() -> str:
    """The base URL of a local port nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass(frozen=True)
class TransportFault:
    """A fault a platform sandbox injects at the HTTP level, and what a connector with a 0.3 s timeout must make
    of it: PlatformUnavailable (retryable) whose message has ``complaint`` and whose retry_after_seconds is
    ``retry_after``."""

    kind: str | int
    options: dict[str, Any] = field(default_factory=dict)
    complaint: str = ""
    retry_after: float | None = None
    by_identity: bool = False  # met by find_identity (its user search), else by changed_since


@pytest.fixture(params=[
    pytest.param(TransportFault("timeout", {"seconds": 2.0}, "did not answer within 0.3 s"), id="timeout"),
    pytest.param(TransportFault(500, complaint="HTTP 500"), id="500"),
    pytest.param(TransportFault(503, complaint="HTTP 503"), id="503"),
    pytest.param(TransportFault(503, {"retry_after": 45}, "HTTP 503", retry_after=45), id="503-with-retry-after"),
    pytest.param(TransportFault(429, {"retry_after": 7}, "rate-limited", retry_after=7, by_identity=True),
                 id="429-with-retry-after"),
])
def transport_fault(request: pytest.FixtureRequest) -> TransportFault:
    """Each HTTP-level fault in turn: a test that takes it runs once per fault, on its own platform."""
    return request.param


@pytest.fixture
def english():
    """Messages in English (the product's default language is zh-hans)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def crossref(wechat_sandbox):
    """A Crossref journal system at the sandbox (through its base URL, as in production), with one journal."""
    system = JournalSystem.objects.create(key="crossref", name_en="Crossref", platform="crossref",
                                          base_url=wechat_sandbox.base_url, credentials={"mailto": "ops@example.org"},
                                          rate_limit_per_minute=600, timeout_seconds=5)
    Journal.objects.create(journal_system=system, key="jas", platform_path="1234-5678", name_en="J. Appl. Sci.")
    return system
