"""Fixtures of the reliability tests: a broker of the test's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.broker import PrivateRedis, celery_broker


@pytest.fixture
def private_broker() -> Iterator[PrivateRedis]:
    """A running redis-server of this test's own as this process's Celery broker (the cache stays on REDIS_URL);
    the test may stop, hang and start it. Messages left in it die with it."""
    broker = PrivateRedis().start()
    try:
        with celery_broker(broker.url):
            yield broker
    finally:
        broker.stop()
