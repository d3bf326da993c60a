"""Shared fixtures: the WeChat sandbox over real HTTP, a clean cache per test (this run's keys only), API
clients, and real Celery worker processes pointed at pytest's test database."""

from __future__ import annotations

import importlib
import itertools
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer
from django.utils import translation
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from sandbox.server import SandboxServer
from tests.tagging.oa_fixtures import oa, oa_server  # noqa: F401  (the Official Account's sandbox)

REPO_ROOT = Path(__file__).resolve().parent.parent
# {event kind: WeChat template id} of the templates fixture: the product loads it and the sandbox knows it.
TEMPLATE_IDS = {row["fields"]["kind"]: row["fields"]["template_id"] for row in json.loads(
    (REPO_ROOT / "notifications" / "fixtures" / "subscription_templates.json").read_text(encoding="utf-8"))}

# CI repeats the same examples (derandomized); local runs explore new ones each time.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")
_codes = itertools.count(1)

# The live server (pytest-django's, session-wide) accepts a burst of connections as gunicorn does: socketserver's
# default backlog of 5 resets clients when a platform calls back many times at once (WeChat Pay's overlapping
# notification retries, tests/payments/test_notify_concurrency.py).
ThreadedWSGIServer.request_queue_size = 128

# Each run writes its cache keys under a prefix of its own (CACHE_KEY_PREFIX plus a random suffix) and clears
# only those, so it never touches another run's keys or the Celery broker's, which may share its Redis
# database. The worker processes the tests start inherit the prefix through the environment. The cache
# handler reads this settings dict whenever it opens a connection, and none is open yet.
RUN_KEY_PREFIX = f"{settings.CACHES['default'].get('KEY_PREFIX') or 'scholarlink-test'}-{secrets.token_hex(4)}"
settings.CACHES["default"]["KEY_PREFIX"] = RUN_KEY_PREFIX
os.environ["CACHE_KEY_PREFIX"] = RUN_KEY_PREFIX

# The Celery broker's keys likewise (kombu's global_keyprefix): `make test` runs two pytest processes, each
# starting worker processes on the same Redis database, and a worker must never take the other process's tasks
# (they name rows of another test database). The worker processes inherit the prefix through the environment.
RUN_BROKER_PREFIX = f"{RUN_KEY_PREFIX}-broker:"
if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    os.environ["CELERY_BROKER_KEY_PREFIX"] = RUN_BROKER_PREFIX
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                                                "global_keyprefix": RUN_BROKER_PREFIX}
    from publisher_backend.celery import app as _celery_app

    _celery_app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS


def broker_key(name: str) -> str:
    """The Redis key under which kombu keeps a queue (or binding) `name` for this run."""
    return RUN_BROKER_PREFIX + name


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """`TEST_DB_SUFFIX=x` gives this run its own test database, so two runs on one machine don't collide; each
    process of a parallel run (pytest-xdist's gw0, gw1) has its own within it."""
    suffix = os.environ.get("TEST_DB_SUFFIX")
    if suffix:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        test_settings = settings.DATABASES["default"].setdefault("TEST", {})
        test_settings["NAME"] = (f"test_{settings.DATABASES['default']['NAME']}_{suffix}"
                                 + (f"_{worker}" if worker else ""))


def clear_run_cache() -> int:
    """Delete this run's cache keys and nothing else (SCAN + DEL over "<prefix>:*", never FLUSHDB: the
    database may hold other runs' keys and the Celery broker's queues). Returns how many were deleted."""
    if not settings.REDIS_URL:  # the database cache lives in this run's own test database
        cache.clear()
        return 0
    client = cache._cache.get_client(write=True)  # Django's RedisCache: the redis-py client it uses
    pattern = re.sub(r"([*?\[\]\\])", r"\\\1", cache.key_prefix) + ":*"
    deleted, batch = 0, []
    for key in client.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) == 1000:
            deleted += client.delete(*batch)
            batch = []
    if batch:
        deleted += client.delete(*batch)
    return deleted


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Rate-limit counters, tokens and flags live in the cache (Redis): every test starts without this run's.
    A kick an earlier test committed is sent first (this process's kicker thread), so its mark is cleared too."""
    from publisher_backend.dispatch import coalesced_kicks_sent

    coalesced_kicks_sent()
    clear_run_cache()
    yield


@pytest.fixture(autouse=True)
def _migration_rows_and_default_language(request) -> Iterator[None]:
    """Every test starts as the product does after `migrate`, in the default language.

    The charge kinds that payments' migration 0003 adds are back if a transactional test's flush removed them: a
    serial run orders transactional tests last (pytest-django), but in a parallel run a worker takes whole files,
    and a later file's tests may follow one. And a language a test activated in this thread is not inherited."""
    translation.activate(settings.LANGUAGE_CODE)
    database = next((name for name in ("transactional_db", "db") if name in request.fixturenames), None)
    if database or request.node.get_closest_marker("django_db"):
        if database:
            request.getfixturevalue(database)
        from payments.models import ChargeKind

        if not ChargeKind.objects.exists():
            add_charge_kinds = importlib.import_module("payments.migrations.0003_charge_kinds").add_charge_kinds
            add_charge_kinds(django_apps, None)
    yield
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _run_cache_removed_at_the_end() -> Iterator[None]:
    """No key of this run outlives it (its prefix is random, so no later run would ever clear them)."""
    yield
    clear_run_cache()


# The tests' WeChat Pay merchant (test-only values; the sandbox answers as this merchant and the product's tests
# configure the same). Its keys are tests/keys: the product holds merchant_private_key.pem and
# wechatpay_public_key.pem, the sandbox the other two.
TEST_WECHATPAY_MCH_ID = "1900000001"
TEST_WECHATPAY_API_V3_KEY = "TestOnlyApiV3Key0000000000000000"
TEST_WECHATPAY_CERT_SERIAL = "7E57000000000000000000000000000000000001"
TEST_WECHATPAY_PUBLIC_KEY_ID = "PUB_KEY_ID_0000TESTONLY"
TEST_WECHATPAY_KEYS_DIR = REPO_ROOT / "tests" / "keys"
TEST_WECHATPAY_SANDBOX = {
    "wechatpay_mch_id": TEST_WECHATPAY_MCH_ID,
    "wechatpay_api_v3_key": TEST_WECHATPAY_API_V3_KEY,
    "wechatpay_merchant_serial": TEST_WECHATPAY_CERT_SERIAL,
    "wechatpay_public_key_id": TEST_WECHATPAY_PUBLIC_KEY_ID,
    "wechatpay_keys_dir": TEST_WECHATPAY_KEYS_DIR,
}


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer(host="127.0.0.1", port=0, wechat_app_id=settings.WECHAT_APP_ID,
                           wechat_app_secret=settings.WECHAT_APP_SECRET, quiet=True,
                           **TEST_WECHATPAY_SANDBOX).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """A sandbox of the test module's own, without Django settings: the journal-platform tests reset what they use."""
    sandbox = SandboxServer(port=0, quiet=True).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def wechat_sandbox(sandbox_server: SandboxServer, settings) -> SandboxServer:
    """The sandbox, reset, with the product pointed at it through WECHAT_API_BASE (the production path)."""
    sandbox_server.reset()
    settings.WECHAT_API_BASE = sandbox_server.base_url
    return sandbox_server


def free_port() -> int:
    """A port nothing listens on right now (bind, read, release): for servers to start, or to stand for a
    stopped dependency."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wechat_code(user: str) -> str:
    """A fresh wx.login code for a sandbox user: the part before '-' is the user."""
    return f"{user}-{next(_codes)}"


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def login(api_client: APIClient, wechat_sandbox: SandboxServer):
    """Log a sandbox WeChat user in through the real endpoint; returns the JSON body."""

    def _login(user: str = "alice", **headers: str) -> dict:
        response = api_client.post("/api/v1/auth/login", {"code": wechat_code(user)}, format="json", **headers)
        assert response.status_code == 200, response.content
        return response.json()

    return _login


@pytest.fixture
def signed_in(login):
    """API clients for sandbox WeChat users, signed in through the real login endpoint."""

    def _client(user: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(user)['token']}")
        return client

    return _client


@pytest.fixture
def researcher_client(login) -> tuple[APIClient, dict]:
    """An API client signed in as sandbox user alice, and the login body."""
    body = login("alice")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    return client, body


@pytest.fixture
def staff_client(client, django_user_model):
    """Django's test client signed in to admin as a superuser."""
    staff = django_user_model.objects.create_user("staff", password="a-long-staff-password", is_staff=True,
                                                  is_superuser=True)
    client.force_login(staff)
    return client


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def start_celery_worker(name: str, extra_env: dict[str, str] | None = None, queues: str = "celery") -> subprocess.Popen:
    """A real `celery worker --pool=solo` process on the test database and the test Redis."""
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "DJANGO_DEBUG": "0",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "publisher_backend", "worker", "--pool=solo",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-Q", queues, "-n", f"{name}@%h"],
        cwd=REPO_ROOT, env=env, start_new_session=True,
    )
    return process


def wait_until(predicate, *, timeout: float = 20.0, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {message}")


def backends_waiting_on_a_lock() -> int:
    """How many sessions of this test database wait on a lock right now (PostgreSQL)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def contend_with_an_open_transaction(holder, contender, *, waits_for: str) -> None:
    """Run `holder()` inside a transaction in one thread and keep it open; meanwhile run `contender()` in another
    thread, see it really wait on a lock the holder took (`waits_for` says what it waits for), then let the
    holder commit. Any error in either thread fails the caller. Needs django_db(transaction=True)."""
    import threading

    from django.db import connection, transaction

    held, may_commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                holder()
                held.set()
                may_commit.wait(timeout=30)
        except BaseException as error:  # noqa: BLE001 - raised in the caller below
            errors.append(error)
        finally:
            held.set()
            connection.close()

    def contend() -> None:
        try:
            contender()
        except BaseException as error:  # noqa: BLE001 - raised in the caller below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=hold), threading.Thread(target=contend)]
    threads[0].start()
    held.wait(timeout=30)
    threads[1].start()
    try:
        wait_until(backends_waiting_on_a_lock, timeout=30, message=waits_for)
    finally:
        may_commit.set()
        for thread in threads:
            thread.join()
    assert errors == []


def stop_process(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:
    """One worker process for the session (each start costs seconds on two cores)."""
    process = start_celery_worker("pytest-worker")
    yield process
    stop_process(process)
    with django_db_blocker.unblock():
        other_sessions_closed()


def other_sessions_closed(timeout: float = 10.0) -> bool:
    """Wait until no session but this process's own is connected to the test database: a stopped worker's
    PostgreSQL backend exits a moment after the worker, and the test database can't be dropped before."""
    from django.db import connection

    def closed() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid()")
            return cursor.fetchone()[0] == 0

    try:
        wait_until(closed, timeout=timeout, message="the test database's other sessions to close")
    except AssertionError:
        return False
    return True


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse two tests with one node id: pytest-xdist (make test) schedules by node id and would run only one."""
    seen, repeated = set(), set()
    for item in items:
        (repeated if item.nodeid in seen else seen).add(item.nodeid)
    if repeated:
        raise pytest.UsageError(f"tests with the same node id (give them parameters): {sorted(repeated)}")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail fast, saying what to start, when PostgreSQL or Redis is not running."""
    from django.core.management import CommandError, call_command

    try:
        call_command("check_services", stdout=open(os.devnull, "w"))  # noqa: SIM115
    except CommandError as exc:
        pytest.exit(str(exc), returncode=3)


@pytest.fixture
def sandbox_with_smtp(settings) -> Iterator[SandboxServer]:
    """Opt-in: a sandbox of the test's own whose mail catcher also listens for SMTP, with the product pointed
    at it — WeChat through WECHAT_API_BASE and Django's e-mail through the SMTP backend instead of
    pytest-django's locmem — so a test (or a JS end-to-end test) reads mailed codes over HTTP at
    `GET /__sandbox__/mail/latest?to=`, as a person reads their mail. Don't combine with `wechat_sandbox`."""
    server = SandboxServer(host="127.0.0.1", port=0, smtp_port=0, wechat_app_id=settings.WECHAT_APP_ID,
                           wechat_app_secret=settings.WECHAT_APP_SECRET, quiet=True, **TEST_WECHATPAY_SANDBOX).start()
    settings.WECHAT_API_BASE = server.base_url
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.smtp_port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    yield server
    server.stop()
