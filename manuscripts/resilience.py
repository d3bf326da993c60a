"""Calling a journal platform politely and safely, from any number of workers.

Every HTTP request to a platform first takes a token from the journal system's token bucket in Redis
(its `rate_limit_per_minute`, shared by all workers; connectors call `take_token` through their
config's request gate), and every connector call goes through `platform_call`, which
- refuses at once while the system's circuit breaker is open (after CIRCUIT_FAILURE_THRESHOLD
  consecutive failures the system is paused for CIRCUIT_COOLDOWN_SECONDS; the first call after
  that is the trial that closes it again or re-opens it);
- retries retryable failures (timeouts, 5xx, 429, malformed answers) with exponential backoff and
  jitter, honouring Retry-After, up to PLATFORM_RETRY_ATTEMPTS;
- counts calls and failures per system for the admin (error rate, last success, circuit state).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import TypeVar

import redis
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from accounts.models import JournalSystem
from manuscripts.connectors.base import ConnectorError, PlatformUnavailable
from manuscripts.connectors.http import safe_error_text
from manuscripts.models import SystemPollState
from publisher_backend.ratelimit import rate_limit_hit

logger = logging.getLogger(__name__)
Result = TypeVar("Result")


class CircuitOpen(PlatformUnavailable):
    """The journal system is paused after repeated failures; try again after the cool-down."""


class RateLimitWait(PlatformUnavailable):
    """No token within PLATFORM_MAX_TOKEN_WAIT_SECONDS: reschedule instead of blocking a worker."""


# Atomic token bucket on Redis' own clock: refill by elapsed time, take one token or say how long to wait.
_TOKEN_BUCKET = """
local capacity = tonumber(ARGV[1])
local per_second = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * per_second)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / per_second end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / per_second) + 60)
return tostring(wait)
"""


@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def token_wait_seconds(journal_system: JournalSystem) -> float:
    """Take one token from the system's bucket; 0 when taken, else how long until one is free (not taken)."""
    per_minute = max(journal_system.rate_limit_per_minute, 1)
    if not settings.REDIS_URL:
        # Embedded mode (make run) has no Redis: a per-minute window on the shared database cache.
        retry_after = rate_limit_hit(key=f"platform:{journal_system.pk}", rate=f"{per_minute}/min")
        return float(retry_after or 0)
    capacity = max(1, min(per_minute, settings.PLATFORM_BURST))
    wait = _redis(settings.REDIS_URL).eval(_TOKEN_BUCKET, 1, f"platform-bucket:{journal_system.pk}",
                                           capacity, per_minute / 60.0)
    return float(wait)


def take_token(journal_system: JournalSystem) -> None:
    """Wait for one token of the system's bucket (called before each HTTP request to the platform)."""
    deadline = time.monotonic() + settings.PLATFORM_MAX_TOKEN_WAIT_SECONDS
    while True:
        wait = token_wait_seconds(journal_system)
        if wait <= 0:
            return
        if time.monotonic() + wait > deadline:
            raise RateLimitWait(f"rate limit of {journal_system.key} reached", retry_after_seconds=wait)
        time.sleep(wait)


def platform_error_text(journal_system: JournalSystem, exc: Exception) -> str:
    """A failure as admin shows and stores it (last_error, Test connection): the error's kind and message,
    bounded, without the system's credentials or anything shaped like one (see ``safe_error_text``)."""
    return safe_error_text(f"{type(exc).__name__}: {exc}", credentials=journal_system.credentials or {})


def _record_success(journal_system: JournalSystem) -> None:
    SystemPollState.objects.filter(pk=journal_system.pk).update(
        calls_total=F("calls_total") + 1, consecutive_failures=0, circuit_open_until=None,
        last_success_at=timezone.now())


def _record_failure(journal_system: JournalSystem, exc: ConnectorError) -> None:
    now = timezone.now()
    state = SystemPollState.objects.get(pk=journal_system.pk)
    failures = state.consecutive_failures + 1
    changes = {"calls_total": F("calls_total") + 1, "failures_total": F("failures_total") + 1,
               "consecutive_failures": F("consecutive_failures") + 1, "last_failure_at": now,
               "last_error": platform_error_text(journal_system, exc)}
    if failures >= settings.CIRCUIT_FAILURE_THRESHOLD:
        changes["circuit_open_until"] = now + timedelta(seconds=settings.CIRCUIT_COOLDOWN_SECONDS)
        logger.warning("circuit opened for %s after %s failures", journal_system.key, failures)
    SystemPollState.objects.filter(pk=journal_system.pk).update(**changes)


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter; never shorter than the platform's Retry-After."""
    ceiling = min(settings.PLATFORM_RETRY_BASE_SECONDS * (2 ** attempt), settings.PLATFORM_RETRY_MAX_SECONDS)
    return max(random.uniform(0, ceiling), min(retry_after or 0, settings.PLATFORM_RETRY_MAX_SECONDS))


def platform_call(journal_system: JournalSystem, call: Callable[..., Result], *args, **kwargs) -> Result:
    """Run one connector call under the system's rate limit, circuit breaker and retry policy."""
    state, _created = SystemPollState.objects.get_or_create(journal_system=journal_system)
    if state.circuit_open_until and state.circuit_open_until > timezone.now():
        raise CircuitOpen(f"{journal_system.key} is paused after repeated failures",
                          retry_after_seconds=(state.circuit_open_until - timezone.now()).total_seconds())
    attempts = settings.PLATFORM_RETRY_ATTEMPTS
    for attempt in range(attempts):
        try:
            result = call(*args, **kwargs)
        except RateLimitWait:
            raise  # our own limit, not the platform failing: reschedule, and leave the circuit alone
        except ConnectorError as exc:
            if not exc.retryable or attempt == attempts - 1:
                _record_failure(journal_system, exc)
                raise
            delay = backoff_seconds(attempt, exc.retry_after_seconds)
            logger.info("retrying %s in %.2fs after %s", journal_system.key, delay,
                        platform_error_text(journal_system, exc))
            time.sleep(delay)
        else:
            _record_success(journal_system)
            return result
    raise AssertionError("unreachable: the last attempt returns or raises")
