"""A Redis broker of a test's own, which the test stops, hangs and starts again, and a way to point this
process's Celery producer at it (only the broker: the cache, rate limits and platform buckets stay on
REDIS_URL)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from celery import current_app

from tests.conftest import free_port, wait_until


class PrivateRedis:
    """`redis-server` on a free port, without persistence: stopping it loses its queues, as a crash would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, timeout=10, message=f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        """Down: connections to the port are refused."""
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)  # a hung server must be able to exit
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    @contextmanager
    def hung(self) -> Iterator[None]:
        """Up but not answering (as a broker behind a dead NAT entry or stuck on its disk): the kernel still
        accepts connections, nothing replies."""
        os.kill(self._process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self._process.pid, signal.SIGCONT)

    def _answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
        except redis.ConnectionError:
            return False


def _drop_broker_connections() -> None:
    """Make the producer look its connection pool up again, so the next message goes to the configured broker.
    (kombu keeps one pool per broker URL for the process: the pools are left open for the next user.)"""
    current_app._pool = None
    current_app.amqp._producer_pool = None


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Send this process's Celery messages to `url` inside the block."""
    previous = current_app.conf.broker_url
    current_app.conf.broker_url = url
    _drop_broker_connections()
    try:
        yield
    finally:
        current_app.conf.broker_url = previous
        _drop_broker_connections()
