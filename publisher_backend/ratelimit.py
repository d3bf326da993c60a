"""Fixed-window rate limits on the shared cache (Redis in production), so every web and worker
process counts against the same limit. `cache.add` + `cache.incr` are atomic in Redis."""

from __future__ import annotations

import time

from django.core.cache import cache

_PERIOD_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'30/min' -> (30, 60). Accepts s|sec|m|min|h|hour|d|day."""
    count, _, period = rate.partition("/")
    try:
        return int(count), _PERIOD_SECONDS[period.strip().lower()]
    except (ValueError, KeyError) as exc:
        raise ValueError(f"Rate {rate!r} is not like '30/min'.") from exc


def rate_limit_hit(*, key: str, rate: str) -> int | None:
    """Count one hit against `key`. Returns None when allowed, else seconds until the window resets."""
    limit, period = parse_rate(rate)
    now = time.time()
    window_start = int(now // period) * period
    cache_key = f"ratelimit:{key}:{window_start}"
    if cache.add(cache_key, 1, timeout=period + 1):
        hits = 1
    else:
        try:
            hits = cache.incr(cache_key)
        except ValueError:  # the window expired between add and incr
            cache.add(cache_key, 1, timeout=period + 1)
            hits = 1
    if hits > limit:
        return max(1, int(window_start + period - now + 0.999))
    return None
