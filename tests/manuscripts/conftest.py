"""Fixtures of the connector tests (the sandbox server itself is ``server`` in ``tests/conftest.py``)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

import pytest


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
