"""Login latency: POST /api/v1/auth/login through a real gunicorn server, against the WeChat sandbox,
on PostgreSQL and Redis, next to a raw jscode2session call to the same sandbox in the same run.

    .venv/bin/python bench/login_latency.py [--logins 300] [--tiny]

Prints median and p95 for both, their ratio (our overhead on top of WeChat's round trip) and the
number of SQL queries one login costs. Checks that every login answered a token of its own and that one
WeChat user is always the same researcher (exit status 1 otherwise). ``--tiny`` is the test suite's smoke run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.common import REDIS_PREFIX, free_port, recreate_database, redis_clear, redis_env, stop_process  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/scholar_link_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
APP_ID, APP_SECRET = "wxbench000000000001", "bench-secret"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logins", type=int, default=300)
    parser.add_argument("--tiny", action="store_true",
                        help="a smoke run (the test suite's): 20 logins; the checks as usual, the figures meaningless")
    args = parser.parse_args()
    if args.tiny:
        args.logins = 20
    if args.logins < 1:
        parser.error("--logins must be ≥ 1")
    return run(args)


def run(args: argparse.Namespace) -> int:

    sandbox = SandboxServer(port=0, wechat_app_id=APP_ID, wechat_app_secret=APP_SECRET, quiet=True).start()
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "bench", "DJANGO_DEBUG": "0", "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL,
        "FIELD_ENCRYPTION_KEY": "1wlejKclvsJ2NGrmoGQCo5OzTjM3J4r3iq7XRFc7Ie4=", "WECHAT_APP_ID": APP_ID,
        "WECHAT_APP_SECRET": APP_SECRET, "WECHAT_API_BASE": sandbox.base_url,
        "LOGIN_RATE_PER_CLIENT": "1000000/min", "LOGIN_RATE_PER_WECHAT_USER": "1000000/min",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1", **redis_env(),
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # the benchmark speaks plain http to gunicorn
    }
    recreate_database(DATABASE_URL)
    redis_clear(REDIS_URL)  # logins enqueue record_login tasks: none of an earlier run's may be waiting
    print("migrating the benchmark database…", flush=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO_ROOT, env=env, check=True)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "publisher_backend.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--log-level", "warning"],
        cwd=REPO_ROOT, env=env, start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    researcher_of: dict[str, set[int]] = {}  # WeChat user → the researcher ids its logins answered
    tokens: set[str] = set()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base_url}/healthz", timeout=5).status_code in (200, 503):
                    break
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start within 30 s") from None
                time.sleep(0.2)
        session = requests.Session()
        for warmup in range(20):
            session.post(f"{base_url}/api/v1/auth/login", json={"code": f"warm{warmup % 5}-{warmup}"}, timeout=10)

        raw_ms, login_ms = [], []
        for n in range(args.logins):
            user = f"bench{n % 50}"
            started = time.perf_counter()
            raw = session.get(f"{sandbox.base_url}/sns/jscode2session", params={
                "appid": APP_ID, "secret": APP_SECRET, "js_code": f"{user}-raw{n}", "grant_type": "authorization_code",
            }, timeout=10)
            raw_ms.append((time.perf_counter() - started) * 1000)
            assert "openid" in raw.json(), raw.text

            started = time.perf_counter()
            response = session.post(f"{base_url}/api/v1/auth/login", json={"code": f"{user}-{n}"}, timeout=10)
            login_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            body = response.json()
            researcher_of.setdefault(user, set()).add(body["researcher"]["id"])
            tokens.add(body["token"])
            if (n + 1) % 100 == 0:
                print(f"  {n + 1}/{args.logins} logins", flush=True)
    finally:
        stop_process(server, timeout=20)
        sandbox.stop()
        if REDIS_PREFIX:  # in a shared Redis database nothing of the run stays behind
            redis_clear(REDIS_URL)

    raw_median, login_median = statistics.median(raw_ms), statistics.median(login_ms)
    print(f"raw jscode2session (baseline): median {raw_median:.2f} ms, p95 {percentile(raw_ms, 0.95):.2f} ms")
    print(f"POST /api/v1/auth/login:       median {login_median:.2f} ms, p95 {percentile(login_ms, 0.95):.2f} ms")
    print(f"ratio login/baseline: {login_median / raw_median:.1f}x "
          f"(our own work per login: {login_median - raw_median:.2f} ms)")
    print("SQL statements per returning user's login: 3 (asserted in tests/accounts/test_login.py)")
    problems = []
    if len(tokens) != args.logins:
        problems.append(f"{len(tokens)} distinct tokens for {args.logins} logins")
    if any(len(ids) != 1 for ids in researcher_of.values()):
        problems.append(f"a WeChat user became several researchers: {researcher_of}")
    if len(set().union(*researcher_of.values())) != len(researcher_of):
        problems.append("two WeChat users became one researcher")
    print(f"checks: a token per login, one researcher per WeChat user: {'PASS' if not problems else 'FAIL'}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
