"""Every benchmark in bench/ runs at a tiny scale in the suite, so that a schema change cannot silently break one.

Correctness only: each script runs as a subprocess with ``--tiny`` and must exit 0, print its figures and pass
its own checks. No timing is asserted. Each gets a database named after this run's test database (dropped and
created by the script, dropped again here), never the developer's benchmark databases or another run's. In
Redis it shares this run's database but keeps to a key prefix of its own (BENCH_REDIS_PREFIX: its cache keys
and its Celery broker's queues), deletes only those keys and never flushes the database, which may hold other
runs' keys and a broker's queues.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import redis
from django.conf import settings

from tests.conftest import REPO_ROOT, _test_database_url

pytestmark = pytest.mark.slow

# script: lines its output must contain (its figures, then its checks)
BENCHMARKS = {
    "login_latency": [
        "raw jscode2session (baseline): median",
        "POST /api/v1/auth/login:       median",
        "ratio login/baseline:",
        "checks: a token per login, one researcher per WeChat user: PASS",
    ],
    "poll_cycle": [
        "== poll cycle: 2 OJS journal systems, 10 linked accounts, 100 manuscripts, 10 changed (10.0%) ==",
        "cycle, claim → every system polled and synced by 1 workers:",
        "ingest, raw executemany baseline",
        "zero-write re-poll: 20 snapshots read again",
        "checks: changed manuscripts, status events, notifications, zero-write re-poll: PASS",
    ],
    "pay_notify": [
        "== 60 genuine payment notifications, 8 clients ==",
        "verify + decrypt alone (baseline, 1 thread):",
        "notify applied, 1 web process:",
        "duplicates acknowledged, 1 web process:",
        "checks: every order paid once, one event per delivery, one notice per order, each marked for order_paid: PASS",
    ],
    "analytics": [
        "== audience analytics: 2,000 researchers,",
        "count(*) over researchers (baseline): median",
        "researchers_by_region              cold: median",
        "journal_acceptance                 cold: median",
        "whole dashboard: cold",
        "checks: figures equal hand-written SQL, cached read without SQL: PASS",
    ],
    "notify_send": [
        "== notification sender: 200 pending status-change notices → WeChat sandbox over HTTP ==",
        "raw HTTP loop (baseline, 1 session, 1 message in flight):",
        "sender, 1 process (",
        "sender, 2 processes:",
        "checks: every notice sent exactly once (database states, msgids, credits, sandbox messages): PASS",
    ],
    "segments": [
        "== segments: 2,000 researchers,",
        "researchers' facts rebuilt in",
        "(ours: segment_count, one query; hand-written SQL for the same segment on the researchers' facts and on "
        "the source tables; ratio: ours to the faster of the two (the baseline)",
        "worst count:",
        "checks: every segment count equals both hand-written queries' (so the rebuilt facts agree with the source "
        "tables): PASS",
    ],
}


def _drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


# The variables pyproject's [tool.pytest.ini_options] env gives the test run ("D:NAME=value" or "NAME=value").
_TEST_RUN_SETTINGS = {entry.removeprefix("D:").split("=", 1)[0] for entry in tomllib.loads(
    (REPO_ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["env"]}


@pytest.fixture
def bench_env(request, db, tmp_path: Path) -> Iterator[dict[str, str]]:
    """BENCH_DATABASE_URL, BENCH_REDIS_URL and BENCH_REDIS_PREFIX of this run, for the benchmark the test names."""
    script = request.node.callspec.id
    database_url = f"{_test_database_url()}_bench_{script}"
    assert database_url.rsplit("/", 1)[1].startswith("test_"), database_url  # pytest-django's name, never a real one
    env = {
        # As from a developer's shell: none of the settings the test run itself is given (pyproject's pytest
        # env), so a benchmark that depends on one of them (say PLATFORM_ALLOW_PRIVATE_URLS) fails here too.
        **{name: value for name, value in os.environ.items() if name not in _TEST_RUN_SETTINGS},
        "BENCH_DATABASE_URL": database_url,
        "BENCH_REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "BENCH_REDIS_PREFIX": f"{settings.CACHES['default']['KEY_PREFIX']}-bench-{script}-{secrets.token_hex(4)}:",
        "TMPDIR": str(tmp_path),  # the scripts' log directories
        "PYTHONUNBUFFERED": "1",
    }
    yield env
    _drop_database(database_url)


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    yield client
    client.close()


@pytest.mark.parametrize("script", list(BENCHMARKS))
def test_benchmark_runs_at_tiny_scale(script: str, bench_env: dict[str, str], redis_client: redis.Redis) -> None:
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache"), "the benchmarks need REDIS_URL"
    someone_elses = bench_env["BENCH_REDIS_PREFIX"].rstrip(":") + "-sentinel"  # another's key, not under the prefix
    redis_client.set(someone_elses, "kept", ex=300)
    try:
        result = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / f"{script}.py"), "--tiny"],
                                cwd=REPO_ROOT, env=bench_env, capture_output=True, text=True, timeout=180)
        kept = redis_client.get(someone_elses)
    finally:
        redis_client.delete(someone_elses)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"bench/{script}.py --tiny exited {result.returncode}:\n{output[-6000:]}"
    missing = [line for line in BENCHMARKS[script] if line not in result.stdout]
    assert not missing, f"bench/{script}.py --tiny did not print {missing}:\n{output[-6000:]}"
    assert "PROBLEM:" not in result.stdout, output[-6000:]
    # It kept to its prefix: another key in the database survived, and none of its own outlived it.
    assert kept == b"kept"
    assert not list(redis_client.scan_iter(match=bench_env["BENCH_REDIS_PREFIX"].replace("[", "\\[") + "*"))
