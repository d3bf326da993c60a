"""Calling a journal platform politely and safely, from any number of workers.

Every HTTP request to a platform first takes a token from the journal system's token bucket in Redis
(its `rate_limit_per_minute`, shared by all workers, never faster than the platform itself allows: the limits
its connector states and the limit it advertises in its answers), and, where the platform caps concurrent
requests (Crossref), a slot of a Redis semaphore shared by all workers whose slots expire, so a worker that
dies holding one frees it. Connectors reach both through their config's request gate (:class:`PlatformGate`).
Every connector call goes through `platform_call`, which
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
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import timedelta
from functools import lru_cache
from typing import TypeVar

import redis
from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from accounts.models import JournalSystem
from manuscripts.connectors.base import ConnectorError, PlatformUnavailable, RequestLimits
from manuscripts.connectors.http import ERROR_TEXT_CHARS, safe_error_text
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


# Atomic counting semaphore with expiring slots: drop expired holders, then take a slot if one is free.
_SEMAPHORE_ACQUIRE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 60)
  return 1
end
return 0
"""
SLOT_POLL_SECONDS = 0.05  # how often a caller waiting for a concurrency slot asks again
ADVERTISED_LIMIT_TTL_SECONDS = 3600  # an advertised limit is followed this long after the platform last said it
# We aim a little below a platform's own limit: requests spaced at exactly its rate can arrive closer together
# than they left (network jitter) and be counted in one window.
PLATFORM_LIMIT_MARGIN = 0.8


@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def _advertised_key(journal_system: JournalSystem) -> str:
    return f"platform-advertised-per-second:{journal_system.pk}"


def advertise_limit(journal_system: JournalSystem, limits: RequestLimits) -> None:
    """Remember what the platform advertised (X-Rate-Limit-*), for every worker, for the next requests."""
    if limits.per_second:
        cache.set(_advertised_key(journal_system), float(limits.per_second), ADVERTISED_LIMIT_TTL_SECONDS)


def effective_per_minute(journal_system: JournalSystem, limits: RequestLimits | None = None) -> float:
    """The system's rate: its configured rate_limit_per_minute, never above what the platform allows (the limits
    its connector states, the limit it last advertised)."""
    candidates = [float(max(journal_system.rate_limit_per_minute, 1))]
    if limits is not None and limits.per_second:
        candidates.append(limits.per_second * 60 * PLATFORM_LIMIT_MARGIN)
    advertised = cache.get(_advertised_key(journal_system))
    if advertised:
        candidates.append(float(advertised) * 60 * PLATFORM_LIMIT_MARGIN)
    return min(candidates)


def token_wait_seconds(journal_system: JournalSystem, limits: RequestLimits | None = None) -> float:
    """Take one token from the system's bucket; 0 when taken, else how long until one is free (not taken).

    Where the platform caps requests a second (``limits`` or an advertised limit), the bucket holds one token:
    requests are spaced evenly, so no one-second window ever sees more than the cap.
    """
    per_minute = effective_per_minute(journal_system, limits)
    capped = per_minute < max(journal_system.rate_limit_per_minute, 1)
    if not settings.REDIS_URL:
        # Embedded mode (make run) has no Redis: a per-minute window on the shared database cache.
        retry_after = rate_limit_hit(key=f"platform:{journal_system.pk}", rate=f"{max(1, int(per_minute))}/min")
        return float(retry_after or 0)
    capacity = 1 if capped or (limits is not None and limits.per_second) \
        else max(1, min(int(per_minute), settings.PLATFORM_BURST))
    # Under the cache's key prefix, like every key we write, so runs and deployments sharing a Redis stay apart.
    wait = _redis(settings.REDIS_URL).eval(_TOKEN_BUCKET, 1, cache.make_key(f"platform-bucket:{journal_system.pk}"),
                                           capacity, per_minute / 60.0)
    return float(wait)


@contextmanager
def concurrency_slot(journal_system: JournalSystem, concurrent: int) -> Iterator[None]:
    """Hold one of ``concurrent`` slots of the system's semaphore in Redis, shared by all workers, while the block
    runs. A slot expires after PLATFORM_SLOT_TTL_SECONDS (beyond any request's timeout), so a worker killed
    while holding one does not block the others for longer. Waits at most PLATFORM_MAX_TOKEN_WAIT_SECONDS,
    then raises RateLimitWait. Embedded mode (no Redis, one worker) has no semaphore."""
    if not settings.REDIS_URL:
        yield
        return
    client = _redis(settings.REDIS_URL)
    key, holder = cache.make_key(f"platform-slots:{journal_system.pk}"), uuid.uuid4().hex
    ttl = max(settings.PLATFORM_SLOT_TTL_SECONDS, journal_system.timeout_seconds * 2)
    deadline = time.monotonic() + settings.PLATFORM_MAX_TOKEN_WAIT_SECONDS
    while not client.eval(_SEMAPHORE_ACQUIRE, 1, key, concurrent, ttl, holder):
        if time.monotonic() + SLOT_POLL_SECONDS > deadline:
            raise RateLimitWait(f"{journal_system.key} already has {concurrent} requests in flight",
                                retry_after_seconds=SLOT_POLL_SECONDS)
        time.sleep(SLOT_POLL_SECONDS)
    try:
        yield
    finally:
        client.zrem(key, holder)


class PlatformGate:
    """The request gate of one journal system (see ``RequestGate``): its token bucket, capped by the platform's
    limits, then its concurrency slot where the platform caps concurrency."""

    def __init__(self, journal_system: JournalSystem) -> None:
        self.journal_system = journal_system

    def __call__(self, limits: RequestLimits) -> AbstractContextManager[None]:
        return self._turn(limits)

    @contextmanager
    def _turn(self, limits: RequestLimits) -> Iterator[None]:
        # The slot first, the token last: a token taken before waiting for a slot would let requests that waited
        # leave together, closer than the rate allows.
        slot = concurrency_slot(self.journal_system, limits.concurrent) if limits.concurrent else nullcontext()
        with slot:
            take_token(self.journal_system, limits)
            yield

    def advise(self, limits: RequestLimits) -> None:
        advertise_limit(self.journal_system, limits)


def take_token(journal_system: JournalSystem, limits: RequestLimits | None = None) -> None:
    """Wait for one token of the system's bucket (called before each HTTP request to the platform)."""
    deadline = time.monotonic() + settings.PLATFORM_MAX_TOKEN_WAIT_SECONDS
    while True:
        wait = token_wait_seconds(journal_system, limits)
        if wait <= 0:
            return
        if time.monotonic() + wait > deadline:
            raise RateLimitWait(f"rate limit of {journal_system.key} reached", retry_after_seconds=wait)
        time.sleep(wait)


def platform_error_text(journal_system: JournalSystem, exc: Exception, *, limit: int = ERROR_TEXT_CHARS) -> str:
    """A failure as admin shows and stores it (last_error, Test connection): the error's kind and message,
    bounded, without the system's credentials or anything shaped like one (see ``safe_error_text``)."""
    return safe_error_text(f"{type(exc).__name__}: {exc}", credentials=journal_system.credentials or {},
                           limit=limit)


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


def platform_call(journal_system: JournalSystem, call: Callable[..., Result], *args,
                  attempts: int | None = None, **kwargs) -> Result:
    """Run one connector call under the system's rate limit, circuit breaker and retry policy.

    `attempts` (default PLATFORM_RETRY_ATTEMPTS) bounds the tries; a call made while a researcher waits passes 1,
    so a failing platform answers at once instead of holding a web worker through backoff and Retry-After.
    """
    state, _created = SystemPollState.objects.get_or_create(journal_system=journal_system)
    if state.circuit_open_until and state.circuit_open_until > timezone.now():
        raise CircuitOpen(f"{journal_system.key} is paused after repeated failures",
                          retry_after_seconds=(state.circuit_open_until - timezone.now()).total_seconds())
    attempts = attempts or settings.PLATFORM_RETRY_ATTEMPTS
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
