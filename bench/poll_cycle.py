"""One full poll + sync cycle at scale: 100,000 linked OJS accounts and 1,000,000 manuscripts, 1% changed.

    .venv/bin/python bench/poll_cycle.py [--scale 1.0] [--sites 10] [--changed 0.01] [--sandbox process|thread]

Steps, all in one run:
1. A fresh PostgreSQL database (BENCH_DATABASE_URL, dropped and created), migrated; Redis db 13 (BENCH_REDIS_URL)
   flushed; the sandbox (its own process by default) with ``--sites`` generated OJS journals of
   ``10,000 × scale`` users × 10 submissions each, computed from a seed on request (nothing held in memory) and
   with their rate limits raised; one JournalSystem (platform "ojs", high rate_limit_per_minute) per journal.
2. Our side seeded with COPY from the same seed: users, researchers, verified journal accounts, manuscripts in
   the state the connector reads now (snapshot_digest from the product's own ``snapshot_digest``),
   ManuscriptAccess rows, one StatusEvent each, and each system's poll cursor at the generation time.
3. ``--changed`` of every journal moved one workflow step on in the sandbox.
4. Ingest on exactly the changed rows, each in a transaction rolled back: the baseline with raw psycopg2
   ``executemany`` (UPDATE manuscripts by (journal_system_id, platform_id), INSERT status events, INSERT
   notifications), then the product's ``snapshots_apply`` in this process, one batch per system as a poll makes,
   then the baseline again (the mean of the two is the baseline).
5. The cycle: ``systems_claim_due()`` and ``poll_journal_system.delay()`` for each, consumed by two real Celery
   worker processes (``--pool=solo``) on the benchmark database; timed until every system's lease is released
   and its cursor moved. The workers time ``platform_call`` (HTTP) and ``snapshots_apply`` (our ingest)
   separately and count the SQL statements of the latter.
6. Zero-write check: cursors set back so the same changed items, and up to 500 unchanged seeded ones per
   journal, are read again; no row of manuscripts, status events, accesses or notifications may be written.

Prints seeding time, cycle time against the 5-minute target, HTTP requests and requests/s (the sandbox's call
log), rows written, ingest rates next to the raw baseline (target ≥ 25%), and the zero-write result. Exit status 1
when a correctness check fails (wrong rows written, a poll failed); targets are reported, not enforced.
The workers run ``celery worker`` through ``app.worker_main`` from this file (``--worker``) so that they can
carry the timing wrappers; nothing else differs from ``celery -A publisher_backend worker --pool=solo``.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import environ
import psycopg2
import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.common import (  # noqa: E402
    REDIS_PREFIX,
    columns_with_defaults,
    free_port,
    recreate_database,
    redis_clear,
    redis_env,
    stop_process,
)
from sandbox.ojs import (  # noqa: E402
    REVIEW_STAGES,
    STAGE_SUBMISSION,
    STATUS_PUBLISHED,
    STATUS_QUEUED,
    OjsSandbox,
    _localized,
)

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/scholar_link_poll_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
FIELD_ENCRYPTION_KEY = "1wlejKclvsJ2NGrmoGQCo5OzTjM3J4r3iq7XRFc7Ie4="
BENCH_ENV = {
    "DJANGO_SECRET_KEY": "bench", "DJANGO_DEBUG": "0", "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL,
    "FIELD_ENCRYPTION_KEY": FIELD_ENCRYPTION_KEY, "LOG_LEVEL": "WARNING", "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    # DEBUG off refuses the sandbox's WeChat credentials: bench-only ones (WeChat is not called here).
    "WECHAT_APP_ID": "wxbench000000000003", "WECHAT_APP_SECRET": "bench-secret",
    # The OJS sites are the sandbox's, on loopback: refused unless private addresses are allowed.
    "PLATFORM_ALLOW_PRIVATE_URLS": "true",
    **redis_env(),
}
SEED = 20240601
FULL_USERS_PER_SITE = 10_000
SUBMISSIONS_PER_USER = 10
PLATFORM_RATE_PER_MINUTE = 1_000_000  # our token bucket and the sandbox's limit, both far above what we use
CONNECTOR_TIMEZONE = ZoneInfo("UTC")  # the connector stamps dates with the system's 'timezone' credential
CHUNK_USERS = 2_000  # users (and their manuscripts) per COPY transaction
REREAD_UNCHANGED_MAX = 500  # seeded, unchanged items per journal read again in the zero-write round
CYCLE_TARGET_SECONDS = 300
INGEST_TARGET_RATIO = 0.25
# What the raw baseline gives each notification; the model's defaults fill its other columns.
NOTIFICATION_COLUMNS = ("researcher_id", "kind", "dedupe_key", "title", "body", "payload", "page", "state",
                        "created_at")
TABLES_WATCHED = ("manuscripts_manuscript", "manuscripts_statusevent", "manuscripts_manuscriptaccess",
                  "notifications_notification")


# --- the plan: which journals, how big, generated when -----------------------------------------------------


@dataclass(frozen=True)
class Plan:
    sites: int
    users_per_site: int
    per_user: int
    changed_fraction: float
    clock: datetime  # the sandbox clock (frozen) when the journals are generated
    base_url: str  # the sandbox as the connector reaches it: its URLs (part of each snapshot) contain it

    @property
    def per_site(self) -> int:
        return self.users_per_site * self.per_user

    @property
    def manuscripts(self) -> int:
        return self.sites * self.per_site

    @property
    def accounts(self) -> int:
        return self.sites * self.users_per_site

    def context(self, site: int) -> str:
        return f"bench{site + 1:02d}"

    def seed(self, site: int) -> int:
        return SEED + site

    def user_id(self, site: int, user_index: int) -> int:
        """Our user, researcher and journal-account id for a generated user (the same number for all three)."""
        return site * self.users_per_site + user_index + 1

    def manuscript_id(self, site: int, index: int) -> int:
        """Our manuscript, access and first status-event id for a generated submission."""
        return site * self.per_site + index + 1


def build_mirror(plan: Plan) -> OjsSandbox:
    """The sandbox's journals computed in this process: the same calls in the same order give the same ids."""
    mirror = OjsSandbox()
    mirror.set_clock(plan.clock)
    for site in range(plan.sites):
        mirror.add_generated_site(plan.context(site), seed=plan.seed(site), users=plan.users_per_site,
                                  submissions_per_user=plan.per_user)
    return mirror


def snapshot_of(mirror: OjsSandbox, plan: Plan, site: int, index: int):
    """The ManuscriptSnapshot the OJS connector makes of generated submission ``index`` as the sandbox shows it now.

    Built from the sandbox's generated data with the connector's own mapping (``map_status``, ``titles_from``)
    instead of through its JSON, which would cost ~0.3 ms per item; ``check_seed_fidelity`` compares the two
    through real HTTP before the cycle, and the zero-write round re-reads seeded items through the workers.
    """
    from manuscripts.connectors.base import ManuscriptSnapshot
    from manuscripts.connectors.ojs import map_status, titles_from

    context = plan.context(site)
    catalog = mirror._site(context).catalog
    submission = catalog.submission(index)
    stage_status = None
    if submission.status == STATUS_QUEUED and submission.stage_id in REVIEW_STAGES:
        rounds = [r for r in submission.rounds if r.stage_id == submission.stage_id]
        stage_status = rounds[-1].status_id if rounds else None
    elif submission.status == STATUS_QUEUED and submission.stage_id == STAGE_SUBMISSION:
        stage_status = None if submission.editor_assigned else 1
    canonical, raw_status = map_status(submission.status, submission.stage_id, stage_status)
    published = submission.status == STATUS_PUBLISHED
    site_base = f"{plan.base_url}/index.php/{context}"
    return ManuscriptSnapshot(
        platform_id=str(submission.id),
        journal_path=context,
        titles=titles_from(_localized(submission.title, catalog.site.locales)),
        canonical_status=canonical.value,
        raw_status=raw_status,
        last_activity_at=submission.date_last_activity.astimezone(CONNECTOR_TIMEZONE),
        submitted_at=submission.date_submitted.astimezone(CONNECTOR_TIMEZONE),
        author_emails=tuple(dict.fromkeys(c.email.strip().lower() for c in submission.contributors if c.email)),
        doi=(submission.doi or "") if published else "",
        published_on=submission.date_published if published else None,
        url=f"{site_base}/article/view/{submission.id}" if published
        else f"{site_base}/authorDashboard/submission/{submission.id}",
    )


# --- small helpers -------------------------------------------------------------------------------------------




def pg_connect(url: str = DATABASE_URL, dbname: str | None = None):
    config = environ.Env.db_url_config(url)
    return psycopg2.connect(host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"] or None,
                            password=config["PASSWORD"] or None, dbname=dbname or config["NAME"])




def copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class CopyBuffer:
    """Rows for one model's table in COPY text format, sent with copy_expert.

    The benchmark gives ``columns``; every other column of the model gets the model's default in each row.
    """

    def __init__(self, model, columns: tuple[str, ...]) -> None:
        default_columns, defaults = columns_with_defaults(model, columns)
        self.table, self.columns = model._meta.db_table, columns + default_columns
        self.defaults_text = "".join("\t" + copy_text(value) for value in defaults)
        self.buffer = io.StringIO()
        self.rows = 0

    def add(self, *values: Any) -> None:
        self.buffer.write("\t".join(map(copy_text, values)))
        self.buffer.write(self.defaults_text)
        self.buffer.write("\n")
        self.rows += 1

    def send(self, cursor) -> None:
        if self.rows:
            self.buffer.seek(0)
            cursor.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", self.buffer)
        self.buffer = io.StringIO()
        self.rows = 0


def sandbox_post(base_url: str, path: str, body: dict) -> dict:
    response = requests.post(f"{base_url}/__sandbox__/ojs{path}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def sandbox_calls(base_url: str) -> list[dict]:
    response = requests.get(f"{base_url}/__sandbox__/ojs/calls", timeout=60)
    response.raise_for_status()
    return response.json()["calls"]


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher_backend.settings")
    import django

    django.setup()




def ignore_sigint() -> None:
    """In seeding processes: Ctrl-C is the parent's to handle (it terminates the pool)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def fmt(number: float) -> str:
    return f"{number:,.0f}"


# --- seeding (runs in child processes, one per core) ---------------------------------------------------------


def seed_sites(plan: Plan, sites: list[int], system_ids: dict[int, tuple[int, int]],
               seeded_at: datetime) -> tuple[int, float]:
    """COPY our side of the given journals: every row computed from the seed, in chunks of CHUNK_USERS users.

    Returns the manuscripts written and the seconds spent in COPY (the rest is generation).
    """
    django_setup()
    from accounts.models import JournalAccount, Researcher, User
    from manuscripts.models import Manuscript, ManuscriptAccess, StatusEvent
    from manuscripts.sync import _manuscript_fields

    mirror = build_mirror(plan)
    connection = pg_connect()
    users = CopyBuffer(User, (
        "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
        "is_active", "date_joined"))
    researchers = CopyBuffer(Researcher, (
        "id", "user_id", "display_name", "institution", "language", "orcid", "created_at", "login_count"))
    accounts = CopyBuffer(JournalAccount, (
        "id", "researcher_id", "journal_system_id", "identity", "identity_kind", "platform_user_id", "email_on_file",
        "status", "verification_method", "code_hash", "code_attempts", "manual_review_note", "verified_at",
        "created_at"))
    manuscripts = CopyBuffer(Manuscript, (
        "id", "journal_system_id", "journal_id", "platform_id", "title", "titles", "canonical_status", "raw_status",
        "submitted_at", "last_activity_at", "status_changed_at", "doi", "published_on", "url", "snapshot_digest",
        "missing_since", "created_at", "updated_at"))
    accesses = CopyBuffer(ManuscriptAccess, ("id", "journal_account_id", "manuscript_id", "created_at"))
    events = CopyBuffer(StatusEvent, (
        "id", "manuscript_id", "from_status", "to_status", "raw_status", "occurred_at", "seen_at"))
    buffers = (users, researchers, accounts, manuscripts, accesses, events)
    written, copy_seconds = 0, 0.0
    with connection, connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        for site in sites:
            context = plan.context(site)
            system_id, journal_id = system_ids[site]
            started = time.perf_counter()
            for user_index in range(plan.users_per_site):
                generated = mirror.generated_user(context, user_index)
                our_id = plan.user_id(site, user_index)
                email = generated["email"].lower()
                users.add(our_id, "!bench", None, False, generated["username"], "", "", email, False, True,
                          seeded_at)
                researchers.add(our_id, our_id, generated["username"], "", ("zh-hans", "en")[user_index % 2], "",
                                seeded_at, 0)
                accounts.add(our_id, our_id, system_id, email, "email", str(generated["id"]), email, "verified",
                             "email_code", "", 0, "", seeded_at, seeded_at)
                for index in range(user_index * plan.per_user, (user_index + 1) * plan.per_user):
                    snapshot = snapshot_of(mirror, plan, site, index)
                    fields = _manuscript_fields(snapshot, journal_id)
                    manuscript_id = plan.manuscript_id(site, index)
                    manuscripts.add(
                        manuscript_id, system_id, fields["journal_id"], snapshot.platform_id, fields["title"],
                        fields["titles"], fields["canonical_status"], fields["raw_status"], fields["submitted_at"],
                        fields["last_activity_at"], fields["status_changed_at"], fields["doi"],
                        fields["published_on"], fields["url"], fields["snapshot_digest"], None, seeded_at, seeded_at)
                    accesses.add(manuscript_id, our_id, manuscript_id, seeded_at)
                    events.add(manuscript_id, manuscript_id, "", snapshot.canonical_status, fields["raw_status"],
                               snapshot.status_changed_at or snapshot.submitted_at or snapshot.last_activity_at,
                               seeded_at)
                if (user_index + 1) % CHUNK_USERS == 0 or user_index + 1 == plan.users_per_site:
                    written += manuscripts.rows
                    copy_started = time.perf_counter()
                    for buffer in buffers:
                        buffer.send(cursor)
                    connection.commit()
                    copy_seconds += time.perf_counter() - copy_started
            elapsed = time.perf_counter() - started
            print(f"  seeded {context}: {fmt(plan.users_per_site)} accounts, {fmt(plan.per_site)} manuscripts in "
                  f"{elapsed:.1f} s", flush=True)
    connection.close()
    return written, copy_seconds


# --- the workers' instrumentation (``--worker``) -----------------------------------------------------------


def run_worker(name: str, timing_path: str) -> None:
    """A Celery worker with timing wrappers around platform_call (HTTP) and snapshots_apply (our ingest)."""
    django_setup()
    from celery.signals import worker_ready
    from django.db import connection

    from manuscripts.services import polling as services
    from publisher_backend.celery import app

    timing = open(timing_path, "a", buffering=1)  # noqa: SIM115 - open for the worker's lifetime

    def record(**fields: Any) -> None:
        timing.write(json.dumps({"worker": name, **fields}) + "\n")

    original_apply, original_call = services.snapshots_apply, services.platform_call

    def timed_apply(**kwargs: Any):
        statements = [0]

        def count(execute, sql, params, many, context):
            statements[0] += 1
            return execute(sql, params, many, context)

        started, clock = time.time(), time.perf_counter()
        try:
            with connection.execute_wrapper(count):
                outcome = original_apply(**kwargs)
        except BaseException as exc:
            record(kind="error", system=kwargs["journal_system"].pk, error=f"snapshots_apply: {exc!r}"[:500])
            raise
        record(kind="apply", system=kwargs["journal_system"].pk, snapshots=len(kwargs["snapshots"]),
               seconds=time.perf_counter() - clock, start=started, end=time.time(), statements=statements[0],
               created=outcome.created, updated=outcome.updated, unchanged=outcome.unchanged, stale=outcome.stale,
               events=outcome.events, notifications=outcome.notifications)
        return outcome

    def timed_call(journal_system, call, *args: Any, **kwargs: Any):
        started, clock = time.time(), time.perf_counter()
        try:
            return original_call(journal_system, call, *args, **kwargs)
        except BaseException as exc:
            record(kind="error", system=journal_system.pk, error=f"platform_call: {exc!r}"[:500])
            raise
        finally:
            record(kind="platform_call", system=journal_system.pk, seconds=time.perf_counter() - clock,
                   start=started, end=time.time())

    services.snapshots_apply = timed_apply
    services.platform_call = timed_call
    worker_ready.connect(lambda **_: record(kind="ready"), weak=False)
    app.worker_main(["worker", "--pool=solo", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
                     "--without-heartbeat", "-Q", "celery", "-n", f"{name}@%h"])


def read_timings(paths: list[Path], offsets: dict[Path, int] | None = None) -> list[dict]:
    """Timing records written since ``offsets`` (file sizes taken earlier)."""
    records = []
    for path in paths:
        if not path.exists():
            continue
        with path.open() as handle:
            handle.seek((offsets or {}).get(path, 0))
            records.extend(json.loads(line) for line in handle if line.strip())
    return records


def timing_offsets(paths: list[Path]) -> dict[Path, int]:
    return {path: path.stat().st_size if path.exists() else 0 for path in paths}


# --- measuring -------------------------------------------------------------------------------------------------


def current_xid(cursor) -> int:
    """This transaction's 32-bit xid: rows whose xmin is at least this were written after it."""
    cursor.execute("SELECT txid_current() % 4294967296")
    return cursor.fetchone()[0]


def rows_written_since(cursor, xid: int) -> dict[str, int]:
    """Rows inserted or updated (new tuple versions) since ``xid``, per watched table."""
    written = {}
    for table in TABLES_WATCHED:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE xmin::text::bigint >= %s", [xid])
        written[table] = cursor.fetchone()[0]
    return written


def table_counts(cursor) -> dict[str, int]:
    counts = {}
    for table in TABLES_WATCHED:
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cursor.fetchone()[0]
    return counts


@dataclass
class RoundResult:
    seconds: float
    records: list[dict]
    calls: Counter
    written: dict[str, int]
    added: dict[str, int]

    def total(self, kind: str, name: str) -> float:
        return sum(r[name] for r in self.records if r["kind"] == kind)


def poll_round(label: str, *, system_ids: list[int], sandbox_url: str, workers: list[subprocess.Popen],
               timing_paths: list[Path], timeout: float, db) -> RoundResult:
    """Claim every due system, hand the polls to the workers, and wait until each is done (bounded)."""
    from django.utils import timezone

    from manuscripts.models import SystemPollState
    from manuscripts.services.polling import systems_claim_due
    from manuscripts.tasks import poll_journal_system

    start_cursors = dict(SystemPollState.objects.values_list("journal_system_id", "cursor"))
    calls_before = len(sandbox_calls(sandbox_url))
    offsets = timing_offsets(timing_paths)
    with db.cursor() as cursor:
        xid = current_xid(cursor)
        db.commit()
        counts_before = table_counts(cursor)
        db.commit()
    started_at = timezone.now()
    clock = time.perf_counter()
    claimed = systems_claim_due()
    if sorted(claimed) != sorted(system_ids):
        raise RuntimeError(f"{label}: claimed {sorted(claimed)}, expected every system {sorted(system_ids)}")
    for system_id in claimed:
        poll_journal_system.delay(system_id)
    deadline = clock + timeout
    next_report = clock + 5
    while True:
        states = list(SystemPollState.objects.values_list("journal_system_id", "cursor", "claimed_until",
                                                          "last_failure_at", "last_error"))
        failed = [f"system {s[0]}: {s[4]}" for s in states if s[3] is not None and s[3] >= started_at]
        failed += [f"system {r['system']}: {r['error']}" for r in read_timings(timing_paths, offsets)
                   if r["kind"] == "error"]
        if failed:
            raise RuntimeError(f"{label}: polls failed: " + "; ".join(failed))
        if any(worker.poll() is not None for worker in workers):
            raise RuntimeError(f"{label}: a worker exited")
        done = [s for s in states if s[2] is None and s[1] != start_cursors[s[0]]]
        now = time.perf_counter()
        if len(done) == len(system_ids):
            break
        if now > deadline:
            raise TimeoutError(f"{label}: {len(done)}/{len(system_ids)} systems done after {timeout:.0f} s")
        if now >= next_report:
            applied = [r for r in read_timings(timing_paths, offsets) if r["kind"] == "apply"]
            print(f"  {label}: {len(done)}/{len(system_ids)} systems done, {now - clock:.0f} s, "
                  f"{fmt(sum(r['snapshots'] for r in applied))} snapshots applied", flush=True)
            next_report = now + 5
        time.sleep(0.1)
    seconds = time.perf_counter() - clock
    calls = sandbox_calls(sandbox_url)[calls_before:]
    with db.cursor() as cursor:
        written = rows_written_since(cursor, xid)
        counts_after = table_counts(cursor)
        db.commit()
    records = read_timings(timing_paths, offsets)
    return RoundResult(
        seconds=seconds, records=records, calls=Counter(call["endpoint"] for call in calls), written=written,
        added={table: counts_after[table] - counts_before[table] for table in TABLES_WATCHED},
    )


def check_seed_fidelity(plan: Plan, journal_systems: list, db, per_site: int = 20) -> int:
    """The product's connector over real HTTP on the newest unchanged items: their digests must equal the seeded."""
    from manuscripts.connectors.registry import connector_for
    from manuscripts.services.platforms import platform_config_for
    from manuscripts.sync import snapshot_digest

    mirror = build_mirror(plan)
    checked = 0
    for site, journal_system in enumerate(journal_systems):
        catalog = mirror._site(plan.context(site)).catalog
        count = min(per_site, plan.per_site)
        cursor_at = catalog.last_modified(count - 1)
        page = connector_for(platform_config_for(journal_system)).changed_since(cursor_at.isoformat())
        digests = {s.platform_id: snapshot_digest(s) for s in page.snapshots}
        with db.cursor() as cursor:
            cursor.execute("SELECT platform_id, snapshot_digest FROM manuscripts_manuscript "
                           "WHERE journal_system_id = %s AND platform_id = ANY(%s)",
                           [journal_system.pk, list(digests)])
            seeded = dict(cursor.fetchall())
        db.commit()
        if len(digests) != count or seeded != digests:
            wrong = sorted(pid for pid in digests if seeded.get(pid) != digests[pid])
            raise RuntimeError(f"{journal_system.key}: the connector read {len(digests)} items (expected {count}); "
                               f"seeded digests differ for {wrong[:5]}")
        checked += count
    return checked


@dataclass
class RawRows:
    """The changed rows as the raw baseline writes them, and what the workers must leave behind."""

    updates: list[tuple]
    events: list[tuple]
    notifications: list[tuple]  # NOTIFICATION_COLUMNS, then notification_default_columns
    expected: list[tuple[int, int, str]]  # (site, index, snapshot digest) of every changed manuscript
    notification_default_columns: tuple[str, ...] = ()


def raw_rows(plan: Plan, mirror: OjsSandbox, changed: dict[int, int], system_ids: dict[int, tuple[int, int]],
             db) -> RawRows:
    """The changed manuscripts' new state (from the sandbox's data) and the events and notifications it makes."""
    from manuscripts.sync import _manuscript_fields
    from notifications.models import Notification

    now = datetime.now(UTC)
    default_columns, defaults = columns_with_defaults(Notification, NOTIFICATION_COLUMNS)
    rows = RawRows([], [], [], [], default_columns)
    with db.cursor() as cursor:
        for site, count in changed.items():
            catalog = mirror._site(plan.context(site)).catalog
            system_id, journal_id = system_ids[site]
            indexes = [catalog.index_at(position) for position in range(count)]
            cursor.execute("SELECT id, canonical_status FROM manuscripts_manuscript WHERE id = ANY(%s)",
                           [[plan.manuscript_id(site, index) for index in indexes]])
            before = dict(cursor.fetchall())
            for index in indexes:
                snapshot = snapshot_of(mirror, plan, site, index)
                fields = _manuscript_fields(snapshot, journal_id)
                manuscript_id = plan.manuscript_id(site, index)
                rows.expected.append((site, index, fields["snapshot_digest"]))
                rows.updates.append((
                    fields["title"], json.dumps(fields["titles"], ensure_ascii=False), fields["canonical_status"],
                    fields["raw_status"], fields["submitted_at"], fields["last_activity_at"],
                    fields["status_changed_at"], fields["doi"], fields["published_on"], fields["url"],
                    fields["snapshot_digest"], now, system_id, snapshot.platform_id))
                if before[manuscript_id] != snapshot.canonical_status:
                    rows.events.append((manuscript_id, before[manuscript_id], snapshot.canonical_status,
                                        fields["raw_status"], snapshot.status_changed_at or snapshot.last_activity_at,
                                        now))
                    researcher_id = plan.user_id(site, index // plan.per_user)
                    rows.notifications.append((
                        researcher_id, "status_changed", f"bench-baseline:{manuscript_id}:{researcher_id}",
                        f"Manuscript status: {snapshot.canonical_status}", fields["title"][:200],
                        json.dumps({"manuscript_id": manuscript_id, "from_status": before[manuscript_id],
                                    "to_status": snapshot.canonical_status, "platform_status": fields["raw_status"],
                                    "occurred_at": snapshot.last_activity_at.isoformat()}),
                        f"pages/manuscript/detail?id={manuscript_id}", "pending", now, *defaults))
    db.commit()
    return rows


def raw_write(rows: RawRows, db) -> float:
    """The baseline: the rows with raw executemany in one transaction, rolled back; returns the seconds taken."""
    with db.cursor() as cursor:
        started = time.perf_counter()
        cursor.executemany(
            "UPDATE manuscripts_manuscript SET title = %s, titles = %s, canonical_status = %s, raw_status = %s, "
            "submitted_at = %s, last_activity_at = %s, status_changed_at = %s, doi = %s, published_on = %s, "
            "url = %s, snapshot_digest = %s, missing_since = NULL, updated_at = %s "
            "WHERE journal_system_id = %s AND platform_id = %s", rows.updates)
        cursor.executemany(
            "INSERT INTO manuscripts_statusevent (manuscript_id, from_status, to_status, raw_status, occurred_at, "
            "seen_at) VALUES (%s, %s, %s, %s, %s, %s)", rows.events)
        columns = NOTIFICATION_COLUMNS + rows.notification_default_columns
        cursor.executemany(
            f"INSERT INTO notifications_notification ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})", rows.notifications)
        seconds = time.perf_counter() - started
    db.rollback()
    vacuum_written(db)
    return seconds


def vacuum_written(db) -> None:
    """Clear the rolled-back tuples so that the next measurement starts from the same tables."""
    db.autocommit = True
    with db.cursor() as cursor:
        cursor.execute("VACUUM manuscripts_manuscript, manuscripts_statusevent, notifications_notification")
    db.autocommit = False


def isolated_apply(plan: Plan, mirror: OjsSandbox, changed: dict[int, int], journal_systems: list,
                   db) -> tuple[float, int, int]:
    """The product's snapshots_apply in this process on the changed snapshots, one batch per system as a poll
    makes it, each rolled back: our ingest under the same conditions as the raw baseline (nothing else running).

    Returns the seconds inside snapshots_apply, the manuscripts it updated and the SQL statements it ran.
    """
    from django.db import connection, transaction

    from manuscripts.sync import snapshots_apply

    seconds, updated, statements = 0.0, 0, [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    for site, journal_system in enumerate(journal_systems):
        catalog = mirror._site(plan.context(site)).catalog
        # the connector's order: lastModified descending, i.e. by position
        snapshots = [snapshot_of(mirror, plan, site, catalog.index_at(position)) for position in range(changed[site])]
        with transaction.atomic(), connection.execute_wrapper(count):
            clock = time.perf_counter()
            outcome = snapshots_apply(journal_system=journal_system, snapshots=snapshots)
            seconds += time.perf_counter() - clock
            transaction.set_rollback(True)
        updated += outcome.updated
    vacuum_written(db)
    return seconds, updated, statements[0]


def warm_up(plan: Plan, mirror: OjsSandbox, changed: dict[int, int], db) -> None:
    """Read the changed manuscripts and their accounts once, so neither ingest measurement pays a cold cache."""
    ids = [plan.manuscript_id(site, mirror._site(plan.context(site)).catalog.index_at(position))
           for site, count in changed.items() for position in range(count)]
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM manuscripts_manuscript m JOIN manuscripts_manuscriptaccess a "
                       "ON a.manuscript_id = m.id JOIN accounts_journalaccount j ON j.id = a.journal_account_id "
                       "JOIN accounts_researcher r ON r.id = j.researcher_id WHERE m.id = ANY(%s)", [ids])
    db.commit()


# --- the run ---------------------------------------------------------------------------------------------------


def start_sandbox(mode: str, log_dir: Path):
    """The sandbox in its own process (default: its own core) or in a thread of this one."""
    if mode == "thread":
        from sandbox.server import SandboxServer

        server = SandboxServer(port=0, quiet=True).start()
        return server, None, server.base_url
    port = free_port()
    log = open(log_dir / "sandbox.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port), "--smtp-port",
         str(free_port()), "--quiet"], cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base_url}/__sandbox__/health", timeout=1).ok:
                return None, process, base_url
        except requests.ConnectionError:
            time.sleep(0.1)
    stop_process(process)
    raise RuntimeError(f"the sandbox did not start; see {log_dir / 'sandbox.log'}")


def start_workers(count: int, log_dir: Path, env: dict[str, str]) -> tuple[list[subprocess.Popen], list[Path]]:
    workers, timing_paths = [], []
    for number in range(1, count + 1):
        name = f"bench-worker-{number}"
        timing_path = log_dir / f"{name}.timing.jsonl"
        log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        workers.append(subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--timing-file", str(timing_path)],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        timing_paths.append(timing_path)
    return workers, timing_paths


def wait_workers_ready(workers: list[subprocess.Popen], timing_paths: list[Path], log_dir: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        ready = {r["worker"] for r in read_timings(timing_paths) if r["kind"] == "ready"}
        if len(ready) == len(workers):
            return
        if any(worker.poll() is not None for worker in workers):
            raise RuntimeError(f"a worker exited at start; see the logs in {log_dir}")
        time.sleep(0.2)
    raise TimeoutError(f"the workers were not ready within 90 s; see the logs in {log_dir}")


class Resources:
    """What the run started; closed on every exit, Ctrl-C included."""

    def __init__(self) -> None:
        self.server = None
        self.sandbox_process: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def close(self) -> None:
        for worker in self.workers:
            stop_process(worker)
        stop_process(self.sandbox_process)
        if self.server is not None:
            self.server.stop()
        if REDIS_PREFIX:  # in a shared Redis database nothing of the run stays behind
            redis_clear(REDIS_URL)


def run(args: argparse.Namespace, env: dict[str, str], log_dir: Path, resources: Resources) -> int:
    users_per_site = max(1, round(FULL_USERS_PER_SITE * args.scale))
    load_at_start = os.getloadavg()[0]
    recreate_database(DATABASE_URL)
    print("migrating the benchmark database…", flush=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO_ROOT, env=env,
                   check=True)
    redis_clear(REDIS_URL)
    resources.server, resources.sandbox_process, base_url = start_sandbox(args.sandbox, log_dir)
    resources.workers, timing_paths = start_workers(args.workers, log_dir, env)

    plan = Plan(sites=args.sites, users_per_site=users_per_site, per_user=SUBMISSIONS_PER_USER,
                changed_fraction=args.changed, clock=datetime.now(UTC).replace(microsecond=0), base_url=base_url)
    print(f"{plan.sites} generated OJS journals × {fmt(plan.users_per_site)} users × {plan.per_user} submissions = "
          f"{fmt(plan.accounts)} linked accounts, {fmt(plan.manuscripts)} manuscripts; sandbox in a {args.sandbox}; "
          f"{len(resources.workers)} workers; logs in {log_dir}", flush=True)
    sandbox_post(base_url, "/clock", {"now": plan.clock.isoformat()})
    tokens = []
    for site in range(plan.sites):
        context = plan.context(site)
        tokens.append(sandbox_post(base_url, f"/sites/{context}/generated", {
            "seed": plan.seed(site), "users": plan.users_per_site, "submissions_per_user": plan.per_user,
        })["manager_token"])
        sandbox_post(base_url, f"/sites/{context}/rate-limit", {"per_minute": PLATFORM_RATE_PER_MINUTE})
    mirror = build_mirror(plan)

    django_setup()
    from django.db import connections
    from django.utils import timezone

    from accounts.models import Journal, JournalSystem
    from manuscripts.models import SystemPollState
    from publisher_backend.celery import app  # noqa: F401 - tasks are sent through the configured app

    journal_systems, system_ids = [], {}
    for site in range(plan.sites):
        context = plan.context(site)
        journal_system = JournalSystem.objects.create(
            key=f"bench-ojs-{site + 1:02d}", name_en=f"Bench OJS {site + 1}", name_zh_hans=f"基准 OJS {site + 1}",
            platform="ojs", base_url=base_url, credentials={"token": tokens[site]},
            rate_limit_per_minute=PLATFORM_RATE_PER_MINUTE, timeout_seconds=10.0)
        journal = Journal.objects.create(journal_system=journal_system, key=context, platform_path=context,
                                         name_en=f"Journal {context}", name_zh_hans=f"期刊 {context}")
        journal_systems.append(journal_system)
        system_ids[site] = (journal_system.pk, journal.pk)

    # --- seeding ---
    print("seeding our side with COPY…", flush=True)
    connections.close_all()
    seeded_at = timezone.now()
    clock = time.perf_counter()
    processes = min(2, plan.sites)
    groups = [list(range(plan.sites))[n::processes] for n in range(processes)]
    with multiprocessing.get_context("spawn").Pool(processes, initializer=ignore_sigint) as pool:
        results = pool.starmap(seed_sites, [(plan, group, system_ids, seeded_at) for group in groups])
    seed_seconds = time.perf_counter() - clock
    seeded = sum(written for written, _copy in results)
    copy_share = sum(copy for _written, copy in results) / (seed_seconds * processes)
    db = pg_connect()
    with db.cursor() as cursor:
        for table in ("accounts_user", "accounts_researcher", "accounts_journalaccount", "manuscripts_manuscript",
                      "manuscripts_manuscriptaccess", "manuscripts_statusevent"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    db.commit()
    for site, journal_system in enumerate(journal_systems):
        SystemPollState.objects.create(
            journal_system=journal_system, next_poll_at=timezone.now(),
            cursor=mirror._site(plan.context(site)).catalog.base_time.astimezone(UTC).isoformat())
    clock = time.perf_counter()
    db.autocommit = True
    with db.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    db.autocommit = False
    vacuum_seconds = time.perf_counter() - clock
    print(f"seeded {fmt(seeded)} manuscripts in {seed_seconds:.1f} s ({fmt(seeded / seed_seconds)}/s; generation "
          f"and COPY in {processes} processes, {copy_share:.0%} of their time waiting on COPY), VACUUM ANALYZE "
          f"{vacuum_seconds:.1f} s", flush=True)
    fidelity_checked = check_seed_fidelity(plan, journal_systems, db)
    print(f"seed fidelity: {fidelity_checked} items read through the connector over HTTP match the seeded digests",
          flush=True)
    wait_workers_ready(resources.workers, timing_paths, log_dir)

    # --- the change, and the raw baseline on the same rows ---
    sandbox_post(base_url, "/clock", {"advance_seconds": 60})
    mirror.advance_clock(60)
    changed = {}
    for site in range(plan.sites):
        context = plan.context(site)
        changed[site] = sandbox_post(base_url, f"/sites/{context}/generated/change",
                                     {"fraction": plan.changed_fraction})["changed"]
        if mirror.change_generated(context, plan.changed_fraction) != changed[site]:
            raise RuntimeError(f"{context}: the sandbox and this process disagree on the change")
    total_changed = sum(changed.values())
    print(f"changed {fmt(total_changed)} submissions in the sandbox ({plan.changed_fraction:.1%}); "
          "raw executemany baseline…", flush=True)
    warm_up(plan, mirror, changed, db)
    rows = raw_rows(plan, mirror, changed, system_ids, db)
    raw_first = raw_write(rows, db)
    print(f"  raw executemany: {fmt(len(rows.updates))} updates + {fmt(len(rows.events))} events + "
          f"{fmt(len(rows.notifications))} notifications in {raw_first:.2f} s", flush=True)
    alone_seconds, alone_updated, alone_statements = isolated_apply(plan, mirror, changed, journal_systems, db)
    alone_rate = alone_updated / alone_seconds
    print(f"  snapshots_apply in this process, same rows, rolled back: {fmt(alone_updated)} in {alone_seconds:.2f} s "
          f"= {fmt(alone_rate)} manuscripts/s", flush=True)
    raw_second = raw_write(rows, db)
    raw_rate = 2 * len(rows.updates) / (raw_first + raw_second)
    print(f"  raw executemany again: {raw_second:.2f} s; baseline (mean of both) {fmt(raw_rate)} manuscripts/s",
          flush=True)

    # --- the cycle ---
    all_ids = [system_id for system_id, _journal in system_ids.values()]
    print("poll + sync cycle…", flush=True)
    cycle = poll_round("cycle", system_ids=all_ids, sandbox_url=base_url, workers=resources.workers,
                       timing_paths=timing_paths, timeout=args.timeout, db=db)
    problems = []
    with db.cursor() as cursor:
        cursor.execute("SELECT id, snapshot_digest FROM manuscripts_manuscript WHERE id = ANY(%s)",
                       [[plan.manuscript_id(site, index) for site, index, _digest in rows.expected]])
        stored = dict(cursor.fetchall())
    db.commit()
    mismatched = sum(1 for site, index, digest in rows.expected
                     if stored.get(plan.manuscript_id(site, index)) != digest)
    if mismatched:
        problems.append(f"{mismatched} changed manuscripts do not hold the expected snapshot after the cycle")
    if cycle.written["manuscripts_manuscript"] != total_changed:
        problems.append(f"the cycle wrote {cycle.written['manuscripts_manuscript']} manuscript rows, "
                        f"expected {total_changed}")
    if cycle.added["manuscripts_statusevent"] != len(rows.events):
        problems.append(f"the cycle added {cycle.added['manuscripts_statusevent']} status events, "
                        f"expected {len(rows.events)}")
    if cycle.added["notifications_notification"] != len(rows.notifications):
        problems.append(f"the cycle added {cycle.added['notifications_notification']} notifications, "
                        f"expected {len(rows.notifications)}")

    # --- zero-write re-poll: the same changed items and as many unchanged seeded ones read again ---
    reread = 0
    for site, journal_system in enumerate(journal_systems):
        catalog = mirror._site(plan.context(site)).catalog
        unchanged = min(changed[site], REREAD_UNCHANGED_MAX, plan.per_site - changed[site])
        reread += changed[site] + unchanged
        SystemPollState.objects.filter(journal_system=journal_system).update(
            next_poll_at=timezone.now(),
            cursor=catalog.last_modified(changed[site] + unchanged - 1).astimezone(UTC).isoformat())
    print(f"zero-write re-poll ({fmt(reread)} items read again)…", flush=True)
    again = poll_round("re-poll", system_ids=all_ids, sandbox_url=base_url, workers=resources.workers,
                       timing_paths=timing_paths, timeout=args.timeout, db=db)
    zero_written = sum(again.written.values()) + sum(abs(n) for n in again.added.values())
    if zero_written:
        problems.append(f"the re-poll of unchanged snapshots wrote rows: {again.written}, added {again.added}")
    if again.total("apply", "unchanged") != reread:
        problems.append(f"the re-poll found {again.total('apply', 'unchanged'):.0f} unchanged snapshots, "
                        f"expected {reread}")

    # --- summary ---
    apply_seconds = cycle.total("apply", "seconds")
    call_seconds = cycle.total("platform_call", "seconds")
    applied = cycle.total("apply", "updated")
    ingest_rate = applied / apply_seconds if apply_seconds else 0.0
    ratio, alone_ratio = ingest_rate / raw_rate, alone_rate / raw_rate
    requests_made = sum(cycle.calls.values())
    per_worker = Counter(r["worker"] for r in cycle.records if r["kind"] == "apply")
    statements = cycle.total("apply", "statements")
    print()
    print(f"== poll cycle: {plan.sites} OJS journal systems, {fmt(plan.accounts)} linked accounts, "
          f"{fmt(plan.manuscripts)} manuscripts, {fmt(total_changed)} changed ({plan.changed_fraction:.1%}) ==")
    print(f"seeding (not timed in the cycle): generate + COPY {seed_seconds:.1f} s, VACUUM ANALYZE "
          f"{vacuum_seconds:.1f} s")
    print(f"cycle, claim → every system polled and synced by {len(resources.workers)} workers: {cycle.seconds:.1f} s "
          f"(target < {CYCLE_TARGET_SECONDS} s: {'PASS' if cycle.seconds < CYCLE_TARGET_SECONDS else 'FAIL'}); "
          f"polls per worker: {dict(sorted(per_worker.items()))}")
    print(f"  in platform_call (HTTP + parsing) {call_seconds:.1f} s = "
          f"{call_seconds / max(requests_made, 1) * 1000:.1f} ms per request; in snapshots_apply {apply_seconds:.1f} s "
          "(both summed over the workers)")
    print(f"  HTTP requests to the sandbox: {fmt(requests_made)} = {fmt(requests_made / cycle.seconds)}/s over the "
          f"cycle (" + ", ".join(f"{endpoint} {fmt(n)}" for endpoint, n in sorted(cycle.calls.items())) + ")")
    print(f"  rows written: manuscripts {fmt(cycle.written['manuscripts_manuscript'])} updated, status events "
          f"{fmt(cycle.added['manuscripts_statusevent'])}, notifications "
          f"{fmt(cycle.added['notifications_notification'])}, accesses "
          f"{fmt(cycle.added['manuscripts_manuscriptaccess'])}")
    print(f"  SQL statements in snapshots_apply: {fmt(statements)} = {statements / max(applied, 1):.1f} per changed "
          "manuscript")
    print(f"ingest, raw executemany baseline (same rows, same run, mean of {raw_first:.2f} s and {raw_second:.2f} s): "
          f"{fmt(raw_rate)} manuscripts/s")
    print(f"  snapshots_apply alone (same conditions as the baseline): {fmt(alone_rate)}/s = {alone_ratio:.0%} of raw "
          f"(target ≥ {INGEST_TARGET_RATIO:.0%}: {'PASS' if alone_ratio >= INGEST_TARGET_RATIO else 'FAIL'}); "
          f"{alone_statements / max(alone_updated, 1):.1f} SQL statements per manuscript")
    print(f"  snapshots_apply inside the cycle (workers, sharing 2 cores with HTTP and the sandbox): "
          f"{fmt(ingest_rate)}/s = {ratio:.0%} of raw "
          f"(target ≥ {INGEST_TARGET_RATIO:.0%}: {'PASS' if ratio >= INGEST_TARGET_RATIO else 'FAIL'})")
    print(f"zero-write re-poll: {fmt(reread)} snapshots read again ({fmt(total_changed)} changed + "
          f"{fmt(reread - total_changed)} seeded, unchanged) in {again.seconds:.1f} s: {zero_written} rows written "
          f"({'PASS' if not zero_written else 'FAIL'})")
    print(f"load average (1 min) at start {load_at_start:.1f}, at the end {os.getloadavg()[0]:.1f} "
          f"({os.cpu_count()} cores; anything else running skews every figure); logs: {log_dir}")
    print(f"checks: changed manuscripts, status events, notifications, zero-write re-poll: "
          f"{'PASS' if not problems else 'FAIL'}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of 10,000 users per journal (1.0: 100,000 accounts, 1,000,000 manuscripts)")
    parser.add_argument("--sites", type=int, default=10, help="generated OJS journals, one journal system each")
    parser.add_argument("--changed", type=float, default=0.01, help="fraction of submissions changed in the sandbox")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sandbox", choices=("process", "thread"), default="process",
                        help="run the sandbox in its own process (default) or in a thread of this one")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a poll round may take at most")
    parser.add_argument("--tiny", action="store_true",
                        help="a smoke run (the test suite's): 2 journals × 5 users × 10 submissions, 10%% changed, "
                             "1 worker; the checks as at full scale, the figures meaningless")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--timing-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args.worker, args.timing_file)
        return 0
    if args.tiny:
        args.scale, args.sites, args.changed, args.workers, args.timeout = 0.0005, 2, 0.1, 1, 120
    if not 0 < args.scale <= 10 or not 0 < args.changed <= 0.5 or not 1 <= args.sites <= 99 or args.workers < 1:
        parser.error("--scale must be in (0, 10], --changed in (0, 0.5], --sites in [1, 99], --workers ≥ 1")

    os.chdir(REPO_ROOT)  # django.setup() puts the working directory first on sys.path: make it this checkout
    env = {**os.environ, **BENCH_ENV}
    os.environ.update(BENCH_ENV)
    log_dir = Path(tempfile.mkdtemp(prefix="poll_cycle_bench_"))
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM cleans up like Ctrl-C
    resources = Resources()
    try:
        return run(args, env, log_dir, resources)
    except KeyboardInterrupt:
        print("interrupted; stopping the workers and the sandbox", flush=True)
        return 130
    finally:
        resources.close()


if __name__ == "__main__":
    raise SystemExit(main())
