"""What every benchmark needs: a free port, a fresh database of its own, Redis keys of its own, and a clean stop
of a child."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from typing import Any

import environ
import psycopg2
import redis

# Set when the benchmark shares a Redis database (a test run's, tests/test_benchmarks.py): its cache keys and its
# Celery broker's keys go under this prefix, and only those are deleted, never the whole database.
REDIS_PREFIX = os.environ.get("BENCH_REDIS_PREFIX", "")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def recreate_database(url: str) -> None:
    """A fresh, empty benchmark database (never the test or production one: it is named in BENCH_DATABASE_URL)."""
    config = environ.Env.db_url_config(url)
    admin = psycopg2.connect(host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"] or None,
                             password=config["PASSWORD"] or None, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
        cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()


def redis_env() -> dict[str, str]:
    """Environment for every process of the benchmark: with BENCH_REDIS_PREFIX, the cache and the broker use it."""
    if not REDIS_PREFIX:
        return {}
    return {"CACHE_KEY_PREFIX": f"{REDIS_PREFIX}cache", "CELERY_BROKER_KEY_PREFIX": f"{REDIS_PREFIX}broker:"}


def bench_env(*, database_url: str, redis_url: str, cache_prefix: str, app_id: str,
              app_secret: str = "bench-secret", **extra: str) -> dict[str, str]:
    """The environment of a benchmark's Django processes: production mode (DEBUG off) on the benchmark's own
    database and Redis, test-only secrets, plain http; `extra` adds or overrides variables."""
    return {
        "DJANGO_SECRET_KEY": "bench", "DJANGO_DEBUG": "0", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": cache_prefix, "FIELD_ENCRYPTION_KEY": "1wlejKclvsJ2NGrmoGQCo5OzTjM3J4r3iq7XRFc7Ie4=",
        "WECHAT_APP_ID": app_id, "WECHAT_APP_SECRET": app_secret, "LOG_LEVEL": "WARNING",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SETTINGS_MODULE": "publisher_backend.settings",
        "DJANGO_SECURE_SSL_REDIRECT": "0", **extra, **redis_env(),
    }


def redis_clear(url: str) -> None:
    """No key of an earlier run left: the benchmark's own database flushed (BENCH_REDIS_URL), or, with
    BENCH_REDIS_PREFIX, the keys under the prefix deleted and nothing else."""
    client = redis.Redis.from_url(url)
    try:
        if not REDIS_PREFIX:
            client.flushdb()
            return
        pattern = "".join(f"\\{char}" if char in "*?[]\\" else char for char in REDIS_PREFIX) + "*"
        keys = list(client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start:start + 1000])
    finally:
        client.close()


def stop_process(process: subprocess.Popen | None, timeout: float = 15) -> None:
    """SIGTERM to the child's process group, SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass


def json_ready(value: Any) -> Any:
    """A dict or list as JSON text (what a jsonb column takes from COPY or a plain parameter); others unchanged."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def columns_with_defaults(model, given: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The model's other concrete columns and their defaults, for raw INSERTs and COPYs that name only ``given``.

    Django keeps field defaults in Python, not in the table, so a raw write that omits a column the product has
    just added (``attempts`` on notifications, say) fails with a NotNullViolation. Writing every column the
    model has, with the model's own default where the benchmark gives none, keeps the raw rows what the ORM
    would write. Needs django.setup().
    """
    rest = [field for field in model._meta.concrete_fields
            if field.column not in given and not field.primary_key]
    unknown = set(given) - {field.column for field in model._meta.concrete_fields}
    if unknown:
        raise RuntimeError(f"{model._meta.db_table} has no column {sorted(unknown)}: update the benchmark")
    return tuple(field.column for field in rest), tuple(json_ready(field.get_default()) for field in rest)
