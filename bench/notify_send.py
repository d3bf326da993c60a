"""Sender throughput: 10,000 pending notifications sent as WeChat subscription messages through the WeChat
sandbox over HTTP, next to a raw loop of plain HTTP POSTs to the same endpoint in the same run.

    .venv/bin/python bench/notify_send.py [--count 10000] [--raw 3000] [--workers 2] [--profile] [--no-check]

Steps, all in one run:
1. A fresh PostgreSQL database (BENCH_DATABASE_URL, dropped and created), migrated, with the subscription
   templates fixture (``loaddata subscription_templates``); Redis db 12 (BENCH_REDIS_URL) flushed, for the
   cache that holds the shared access token; the sandbox (``python -m sandbox``) in its own process, as
   WeChat is another machine, reached through WECHAT_API_BASE.
2. ``--count / 10`` researchers, each with a WeChat identity (the sandbox's openid) and 10 consent credits,
   granted at the sandbox (one "accept" per credit through ``POST /__sandbox__/wechat/subscriptions``, as
   wx.requestSubscribeMessage reports them) and in our SubscriptionGrant rows; ``--count`` pending
   status-change notices (bulk inserts), 10 per researcher, each for a different manuscript: nothing coalesces.
3. The baseline: ``--raw`` plain POSTs from one ``requests.Session`` to ``/cgi-bin/message/subscribe/send``,
   with the same JSON body shape and the same access token as the sender's, to users of their own; once
   before the sender and once after (the mean of the two is the baseline).
4. The product: one batch (``NOTIFY_BATCH_SIZE``) sent inline with its SQL statements counted
   (CaptureQueriesContext); with ``--profile``, 10 more batches inline under cProfile; then
   ``notifications_send_due()`` with its production defaults, called until nothing is due, timed.
5. With ``--workers N`` (default 2; 0 or 1 skips it), a new backlog of ``--count`` notices sent by N processes
   started at once, each running the same loop.
6. Checks after each round: every notice ``sent`` with its own msgid, no credit left over, and the sandbox holds
   exactly one message per notice (by its page, which names the manuscript): none lost, none sent twice.

Prints messages/s for the sender and the raw loop, their ratio, SQL statements per message, the CPU the sending
process(es), the sandbox and the rest of the machine (PostgreSQL, Redis) spent per message (from /proc), the
sender's time split between ``claim_due`` and, on its send threads, HTTP (``deliver``) and the outcome's UPDATE
(``record``), and the load average. Targets on this 2-core machine: the sender ≥ 500 messages/s and ≥ 50% of the
raw loop. Exit status 1 when a target is missed (``--no-check``: only reported) or a check fails (always).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import queue
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.common import REDIS_PREFIX, bench_env, free_port, recreate_database, redis_clear, stop_process  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/scholar_link_notify_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
APP_ID, APP_SECRET = "wxbench000000000002", "bench-secret"
BENCH_ENV = bench_env(database_url=DATABASE_URL, redis_url=REDIS_URL, cache_prefix="notify-bench", app_id=APP_ID,
                      app_secret=APP_SECRET)
NOTICES_PER_RESEARCHER = 10
PROFILE_BATCHES = 10
RAW_WARM_UP = 200  # raw messages sent before the first measured loop
TARGET_PER_SECOND = 500
TARGET_RATIO = 0.5
OTHER_WORK_WARNING_CORES = 0.15
SEND_PATH = "/cgi-bin/message/subscribe/send"
SEND_TIMEOUT_SECONDS = 3600  # one sender pass may take the whole backlog: the bench, not the beat, decides


# --- small helpers -------------------------------------------------------------------------------------------






def django_setup() -> None:
    os.environ.update(BENCH_ENV)
    import django

    django.setup()




def fmt(number: float) -> str:
    return f"{number:,.0f}"


# --- CPU accounting (Linux /proc): who used the two cores while the sender ran --------------------------------


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads) so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> tuple[float, float]:
    """CPU seconds all cores spent busy (not idle, I/O wait or stolen) and stolen by the hypervisor, so far."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    ticks = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / ticks, steal / ticks


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuSplit:
    """CPU seconds over one measured interval."""

    sender: float  # the sending side: the sender processes, or this one for the raw loop
    sandbox: float
    rest: float  # PostgreSQL, Redis and anything else on the machine
    stolen: float  # by the hypervisor: time the benchmark wanted a core and did not get one
    seconds: float

    def per_message(self, messages: int, client: str = "sender processes") -> str:
        per = 1_000_000 / max(messages, 1)
        return (f"{client} {self.sender * per:,.0f} µs, sandbox {self.sandbox * per:,.0f} µs, "
                f"rest (PostgreSQL, Redis) {self.rest * per:,.0f} µs; cores busy "
                f"{(self.sender + self.sandbox + self.rest) / self.seconds:.2f}, stolen by the hypervisor "
                f"{self.stolen / self.seconds:.2f}")


class CpuMeter:
    def __init__(self, sandbox_pid: int) -> None:
        self.sandbox_pid = sandbox_pid
        self.start = (*machine_cpu_seconds(), process_cpu_seconds(sandbox_pid), time.perf_counter())

    def split(self, sender_seconds: float) -> CpuSplit:
        busy, stolen = machine_cpu_seconds()
        sandbox = process_cpu_seconds(self.sandbox_pid) - self.start[2]
        return CpuSplit(sender=sender_seconds, sandbox=sandbox,
                        rest=max(busy - self.start[0] - sender_seconds - sandbox, 0.0),
                        stolen=stolen - self.start[1], seconds=time.perf_counter() - self.start[3])


# --- the sandbox ---------------------------------------------------------------------------------------------


def start_sandbox(log_dir: Path) -> tuple[subprocess.Popen, str]:
    """``python -m sandbox`` in its own process: WeChat does not share our cores' GIL either."""
    port = free_port()
    log = open(log_dir / "sandbox.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port), "--smtp-port",
         str(free_port()), "--quiet"], cwd=REPO_ROOT, env={**os.environ, **BENCH_ENV}, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base_url}/__sandbox__/health", timeout=1).ok:
                return process, base_url
        except requests.ConnectionError:
            time.sleep(0.1)
    stop_process(process)
    raise RuntimeError(f"the sandbox did not start; see {log_dir / 'sandbox.log'}")


def grant_quota(session: requests.Session, sandbox_url: str, user: str, template_id: str, times: int) -> str:
    """What wx.requestSubscribeMessage reports to WeChat: one "accept" per tap. Returns the user's openid."""
    for _ in range(times):
        answer = session.post(f"{sandbox_url}/__sandbox__/wechat/subscriptions",
                              json={"user": user, "results": {template_id: "accept"}}, timeout=10)
        answer.raise_for_status()
    return answer.json()["openid"]


def sandbox_messages(session: requests.Session, sandbox_url: str) -> list[dict]:
    answer = session.get(f"{sandbox_url}/__sandbox__/wechat/messages", timeout=120)
    answer.raise_for_status()
    return answer.json()["messages"]


# --- seeding -------------------------------------------------------------------------------------------------


def seed_backlog(*, count: int, prefix: str, first_manuscript: int, session: requests.Session,
                 sandbox_url: str, template_id: str) -> None:
    """Researchers ``<prefix>N`` with identities and credits (WeChat's and ours) and ``count`` pending notices."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Researcher, User, WeChatIdentity
    from notifications.models import Notification, SubscriptionGrant

    shares = [min(NOTICES_PER_RESEARCHER, count - start) for start in range(0, count, NOTICES_PER_RESEARCHER)]
    openids = []
    for number, share in enumerate(shares):
        openids.append(grant_quota(session, sandbox_url, f"{prefix}{number}", template_id, share))
        if (number + 1) % 250 == 0:
            print(f"  {prefix}: {number + 1:,}/{len(shares):,} researchers subscribed at the sandbox", flush=True)
    now = timezone.now()
    with transaction.atomic():
        users = User.objects.bulk_create([User(username=f"{prefix}{number}") for number in range(len(shares))])
        researchers = Researcher.objects.bulk_create(
            [Researcher(user=user, display_name=user.username, language="zh-hans") for user in users])
        WeChatIdentity.objects.bulk_create(
            [WeChatIdentity(researcher=researcher, appid=settings.WECHAT_APP_ID, openid=openid)
             for researcher, openid in zip(researchers, openids, strict=True)])
        SubscriptionGrant.objects.bulk_create(
            [SubscriptionGrant(researcher=researcher, template_id=template_id, credits=share, last_result="accept")
             for researcher, share in zip(researchers, shares, strict=True)])
        notices = []
        manuscript_id = first_manuscript
        for researcher, share in zip(researchers, shares, strict=True):
            for _ in range(share):
                manuscript_id += 1
                notices.append(Notification(
                    researcher=researcher, kind="status_changed",
                    dedupe_key=f"status:{manuscript_id}:accepted:{researcher.pk}",
                    title="稿件状态：已录用", body=f"干旱胁迫下土壤微生物组的变化 {manuscript_id}",
                    payload={"manuscript_id": manuscript_id, "from_status": "under_review", "to_status": "accepted",
                             "status_phrase": "已录用", "journal": "应用科学学报",
                             "occurred_at": "2026-12-01T06:30:00+00:00"},
                    page=f"pages/manuscript/detail?id={manuscript_id}", thread=f"manuscript:{manuscript_id}",
                    created_at=now, next_attempt_at=now))
        Notification.objects.bulk_create(notices, batch_size=2_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_notification, notifications_subscriptiongrant, "
                       "accounts_wechatidentity, accounts_researcher")


# --- the baseline --------------------------------------------------------------------------------------------


def raw_bodies(openids: list[str], template_id: str, messages: int) -> list[dict]:
    """The body the sender builds for a status change (as notifications.sender.message_body makes it)."""
    return [{"touser": openids[n % len(openids)], "template_id": template_id, "miniprogram_state": "formal",
             "lang": "zh_CN",
             "data": {"thing1": {"value": f"干旱胁迫下土壤微生物组的变化 {n}"[:20]}, "phrase2": {"value": "已录用"},
                      "thing3": {"value": "应用科学学报"}, "time4": {"value": "2026年12月1日 14:30"}},
             "page": f"pages/manuscript/detail?id={n}"}
            for n in range(messages)]


def raw_loop(session: requests.Session, sandbox_url: str, token: str, bodies: list[dict],
             sandbox_pid: int) -> tuple[float, CpuSplit]:
    """Plain POSTs of ready-made bodies, one after another, answers checked: messages per second, CPU used."""
    url = f"{sandbox_url}{SEND_PATH}"
    meter, cpu_before = CpuMeter(sandbox_pid), own_cpu_seconds()
    started = time.perf_counter()
    for body in bodies:
        answer = session.post(url, params={"access_token": token}, json=body, timeout=10)
        if answer.json().get("errcode") != 0:
            raise RuntimeError(f"raw loop: the sandbox refused a message: {answer.text}")
    rate = len(bodies) / (time.perf_counter() - started)
    return rate, meter.split(own_cpu_seconds() - cpu_before)


# --- the product ---------------------------------------------------------------------------------------------


def send_until_done(**options) -> int:
    """What the Celery task does (``notifications_send_due()``), repeated until a pass finds nothing due."""
    from notifications.sender import notifications_send_due

    sent = 0
    while True:
        report = notifications_send_due(max_seconds=SEND_TIMEOUT_SECONDS, **options)
        sent += report.sent
        if report.handled == 0:
            return sent


class PhaseTimes:
    """Time spent in the sender's steps, by wrapping them in ``notifications.sender`` for one round.

    ``claim_due`` runs in the pass's own thread while the send threads wait; ``deliver`` (the HTTP call
    through wechatpy) and ``record`` (the outcome's UPDATE) run on the send threads, so their sums are
    thread-seconds. The wrappers cost about a microsecond per call.
    """

    STEPS = ("claim_due", "deliver", "record")

    def __init__(self) -> None:
        self.calls = dict.fromkeys(self.STEPS, 0)
        self.seconds = dict.fromkeys(self.STEPS, 0.0)
        self.lock = threading.Lock()
        self.originals: dict = {}

    def __enter__(self) -> PhaseTimes:
        from notifications import sender

        for name in self.STEPS:
            self.originals[name] = getattr(sender, name)
            setattr(sender, name, self._timed(name, self.originals[name]))
        return self

    def __exit__(self, *exc_info) -> None:
        from notifications import sender

        for name, original in self.originals.items():
            setattr(sender, name, original)

    def _timed(self, name: str, original):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                with self.lock:
                    self.calls[name] += 1
                    self.seconds[name] += elapsed

        return timed

    def summary(self, messages: int, wall_seconds: float) -> str:
        claim = self.seconds["claim_due"]
        per = 1000 / max(messages, 1)
        return (f"claim_due {claim:.2f} s of {wall_seconds:.2f} s ({claim / wall_seconds:.0%}, send threads idle; "
                f"{self.calls['claim_due']} claims, {claim * per:.2f} ms per message); on the send threads "
                f"deliver (HTTP) {self.seconds['deliver'] * per:.2f} ms and record (UPDATE) "
                f"{self.seconds['record'] * per:.2f} ms per message")


def sender_process(ready, start, results) -> None:
    """One of ``--workers`` processes (spawned, so nothing is shared with the parent): the same loop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    django_setup()
    from django.db import connection

    connection.ensure_connection()
    ready.set()
    start.wait()
    cpu_before = own_cpu_seconds()
    sent = send_until_done()
    results.put((os.getpid(), sent, time.monotonic(), own_cpu_seconds() - cpu_before))


def collect(results, processes: list) -> list[tuple]:
    """Each sender process's (pid, sent, finished at, CPU seconds); fails at once if one of them died."""
    finished: list[tuple] = []
    deadline = time.monotonic() + SEND_TIMEOUT_SECONDS
    while len(finished) < len(processes):
        try:
            finished.append(results.get(timeout=1))
        except queue.Empty:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the sender processes did not finish within {SEND_TIMEOUT_SECONDS} s") from None
            if any(process.exitcode not in (None, 0) for process in processes):
                raise RuntimeError("a sender process failed; see its traceback above") from None
    for process in processes:
        process.join(timeout=30)
    return finished


def statement_kinds(captured: list[dict]) -> str:
    """"UPDATE notifications_notification ×101, SELECT accounts_wechatidentity ×1, …" for captured queries."""
    kinds: Counter = Counter()
    for query in captured:
        sql = query["sql"].lstrip()
        verb = sql.split(None, 1)[0].upper() if sql else "?"
        table = re.search(r'(?:FROM|UPDATE|INTO)\s+"?(\w+)"?', sql, re.IGNORECASE)
        kinds[f"{verb} {table.group(1)}" if table and verb != "SET" else verb] += 1
    return ", ".join(f"{kind} ×{count}" for kind, count in kinds.most_common())


def print_profile(profile: cProfile.Profile, path: Path, messages: int) -> None:
    profile.dump_stats(str(path))
    for order, lines in (("tottime", 18), ("cumulative", 30)):
        buffer = io.StringIO()
        pstats.Stats(profile, stream=buffer).strip_dirs().sort_stats(order).print_stats(lines)
        text = buffer.getvalue()
        print(f"-- profile of {messages} messages sent inline, by {order} --")
        print(text[text.index("ncalls"):].rstrip())


# --- checks --------------------------------------------------------------------------------------------------


def check_round(label: str, *, prefix: str, count: int, messages: list[dict]) -> list[str]:
    """Every notice of the round sent once, with its own msgid, no credit left; the sandbox agrees."""
    from django.db.models import Count, Sum

    from notifications.models import Notification, SubscriptionGrant

    problems = []
    notices = Notification.objects.filter(researcher__user__username__startswith=prefix)
    states = dict(notices.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    if states != {"sent": count}:
        problems.append(f"{label}: notice states {states}, expected {{'sent': {count}}}")
    msgids = set(notices.values_list("msgid", flat=True))
    if len(msgids) != count or "" in msgids:
        problems.append(f"{label}: {len(msgids)} distinct msgids for {count} notices")
    left = SubscriptionGrant.objects.filter(researcher__user__username__startswith=prefix).aggregate(
        left=Sum("credits"))["left"]
    if left != 0:
        problems.append(f"{label}: {left} credits left over, expected 0")
    ours = [message for message in messages if message["user"].startswith(prefix)]
    pages = {message["page"] for message in ours}
    if len(ours) != count or len(pages) != count:
        problems.append(f"{label}: the sandbox holds {len(ours)} messages for {len(pages)} distinct notices, "
                        f"expected {count} and {count}")
    if {str(message["msgid"]) for message in ours} != msgids:
        problems.append(f"{label}: the msgids we stored differ from the sandbox's")
    return problems


# --- the run -------------------------------------------------------------------------------------------------


class Resources:
    """What the run started; closed on every exit, Ctrl-C included."""

    def __init__(self) -> None:
        self.sandbox: subprocess.Popen | None = None
        self.processes: list[multiprocessing.Process] = []

    def close(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join(timeout=15)
        stop_process(self.sandbox)
        if REDIS_PREFIX:  # in a shared Redis database nothing of the run stays behind
            redis_clear(REDIS_URL)


def run(args: argparse.Namespace, log_dir: Path, resources: Resources) -> int:
    load_at_start = os.getloadavg()[0]
    recreate_database(DATABASE_URL)
    print("migrating the benchmark database…", flush=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO_ROOT,
                   env={**os.environ, **BENCH_ENV}, check=True)
    redis_clear(REDIS_URL)
    resources.sandbox, sandbox_url = start_sandbox(log_dir)
    os.environ["WECHAT_API_BASE"] = sandbox_url  # inherited by the sender processes
    django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import NotificationTemplate
    from notifications.sender import notifications_send_due
    from publisher_backend.wechat import http_session_read_environment_once, wechat_client

    call_command("loaddata", "subscription_templates", verbosity=0)
    template_id = NotificationTemplate.objects.get(kind="status_changed").template_id
    # The product's HTTP client settings, so that the baseline differs only in what the sender adds.
    session = requests.Session()
    http_session_read_environment_once(session, sandbox_url)
    print(f"{fmt(args.count)} pending notices for {fmt(-(-args.count // NOTICES_PER_RESEARCHER))} researchers; "
          f"sandbox at {sandbox_url} in its own process; sender batch {settings.NOTIFY_BATCH_SIZE}, "
          f"{settings.NOTIFY_SEND_THREADS} send threads per process; logs in {log_dir}", flush=True)
    clock = time.perf_counter()
    seed_backlog(count=args.count, prefix="bench", first_manuscript=0, session=session, sandbox_url=sandbox_url,
                 template_id=template_id)
    raw_users = max(args.raw // NOTICES_PER_RESEARCHER, 1)
    raw_quota = -(-(RAW_WARM_UP + 2 * args.raw) // raw_users)  # the warm-up and both rounds
    raw_openids = [grant_quota(session, sandbox_url, f"raw{number}", template_id, raw_quota)
                   for number in range(raw_users)]
    print(f"seeded in {time.perf_counter() - clock:.1f} s", flush=True)

    token = wechat_client().access_token  # fetched once through stable_token; the sender reads it from the cache
    bodies = raw_bodies(raw_openids, template_id, args.raw)
    sandbox_pid = resources.sandbox.pid
    raw_loop(session, sandbox_url, token, bodies[:RAW_WARM_UP], sandbox_pid)  # warm-up: connection, code paths
    raw_before, raw_cpu = raw_loop(session, sandbox_url, token, bodies, sandbox_pid)
    print(f"raw loop: {fmt(raw_before)} messages/s", flush=True)

    # One batch inline, its SQL counted; then (--profile) ten more under cProfile; neither is in the timing.
    # Batches small enough to leave the timed round at least as much as the untimed ones took.
    batch_size = min(settings.NOTIFY_BATCH_SIZE, args.count // (2 + (PROFILE_BATCHES if args.profile else 0)))
    with CaptureQueriesContext(connection) as queries:
        sample = notifications_send_due(batch_size=batch_size, threads=1, max_batches=1).sent
    queries_per_message = len(queries.captured_queries) / max(sample, 1)
    query_kinds = statement_kinds(queries.captured_queries)
    profiled = 0
    profile = None
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        profiled = notifications_send_due(batch_size=batch_size, threads=1, max_batches=PROFILE_BATCHES).sent
        profile.disable()

    print(f"sender, 1 process: {fmt(args.count - sample - profiled)} messages…", flush=True)
    meter = CpuMeter(sandbox_pid)
    cpu_before = own_cpu_seconds()
    with PhaseTimes() as phases:
        started = time.perf_counter()
        sent = send_until_done()
        seconds = time.perf_counter() - started
    cpu = meter.split(own_cpu_seconds() - cpu_before)
    sender_rate = sent / seconds

    raw_after, _cpu = raw_loop(session, sandbox_url, token, bodies, sandbox_pid)
    raw_rate = statistics.mean([raw_before, raw_after])
    problems = check_round("1 process", prefix="bench", count=args.count,
                           messages=sandbox_messages(session, sandbox_url))

    parallel = None
    if args.workers > 1:
        seed_backlog(count=args.count, prefix="par", first_manuscript=10 * args.count, session=session,
                     sandbox_url=sandbox_url, template_id=template_id)
        print(f"sender, {args.workers} processes: {fmt(args.count)} messages…", flush=True)
        connection.close()
        context = multiprocessing.get_context("spawn")
        start, results = context.Event(), context.Queue()
        ready = [context.Event() for _ in range(args.workers)]
        resources.processes = [context.Process(target=sender_process, args=(ready[n], start, results))
                               for n in range(args.workers)]
        for process in resources.processes:
            process.start()
        for event in ready:
            if not event.wait(60):
                raise RuntimeError("a sender process did not start within 60 s")
        meter = CpuMeter(sandbox_pid)
        started_at = time.monotonic()
        start.set()
        finished = collect(results, resources.processes)
        parallel_seconds = max(done_at for _pid, _sent, done_at, _cpu in finished) - started_at
        parallel_cpu = meter.split(sum(cpu_seconds for *_rest, cpu_seconds in finished))
        shares = sorted(sent_by for _pid, sent_by, _done, _cpu in finished)
        parallel = (args.count / parallel_seconds, shares, parallel_cpu)
        problems += check_round(f"{args.workers} processes", prefix="par", count=args.count,
                                messages=sandbox_messages(session, sandbox_url))

    # --- summary ---
    ratio = sender_rate / raw_rate
    targets = [(sender_rate >= TARGET_PER_SECOND, f"sender ≥ {TARGET_PER_SECOND} messages/s"),
               (ratio >= TARGET_RATIO, f"sender ≥ {TARGET_RATIO:.0%} of the raw loop")]
    print()
    print(f"== notification sender: {fmt(args.count)} pending status-change notices → WeChat sandbox over HTTP ==")
    print(f"raw HTTP loop (baseline, 1 session, 1 message in flight): {fmt(raw_rate)} messages/s "
          f"(mean of {fmt(raw_before)} before and {fmt(raw_after)} after the sender; {fmt(args.raw)} each)")
    print(f"  CPU per message: {raw_cpu.per_message(args.raw, 'raw loop')}")
    print(f"sender, 1 process ({settings.NOTIFY_SEND_THREADS} send threads): {fmt(sender_rate)} messages/s "
          f"({fmt(sent)} in {seconds:.2f} s, after {sample + profiled} sent untimed)")
    print(f"  ratio sender/raw: {ratio:.0%}")
    print(f"  SQL statements per message: {queries_per_message:.2f} (one batch of {batch_size}, inline: "
          f"{query_kinds})")
    print(f"  CPU per message: {cpu.per_message(sent)}")
    print(f"  time: {phases.summary(sent, seconds)}")
    if parallel is not None:
        parallel_rate, shares, parallel_cpu = parallel
        print(f"sender, {args.workers} processes: {fmt(parallel_rate)} messages/s = "
              f"{parallel_rate / sender_rate:.2f}× one process; messages per process {shares}")
        print(f"  CPU per message: {parallel_cpu.per_message(args.count)}")
    print(f"checks: every notice sent exactly once (database states, msgids, credits, sandbox messages): "
          f"{'PASS' if not problems else 'FAIL'}")
    print(f"load average (1 min) at start {load_at_start:.1f}, at the end {os.getloadavg()[0]:.1f} "
          f"({os.cpu_count()} cores; anything else running skews every figure)")
    others = raw_cpu.rest / raw_cpu.seconds  # the raw loop uses neither PostgreSQL nor Redis: this is other work
    if others > OTHER_WORK_WARNING_CORES:
        print(f"WARNING: other work used {others:.2f} cores during the first raw loop; every figure is skewed")
    for ok, target in targets:
        print(f"target {target}: {'PASS' if ok else 'MISSED'}")
    if profile is not None:
        print_profile(profile, log_dir / "sender.prof", profiled)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    missed = not all(ok for ok, _target in targets)
    return 1 if problems or (missed and not args.no_check) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="pending notices (default 10,000)")
    parser.add_argument("--raw", type=int, default=3_000, help="messages in each raw-loop round (default 3,000)")
    parser.add_argument("--workers", type=int, default=2, help="sender processes in the second round (< 2: skip it)")
    parser.add_argument("--profile", action="store_true",
                        help=f"send {PROFILE_BATCHES} batches inline under cProfile before the timed round")
    parser.add_argument("--no-check", action="store_true", help="report missed targets without failing")
    parser.add_argument("--tiny", action="store_true",
                        help="a smoke run (the test suite's): 200 notices, raw loops of 100, 2 sender processes, "
                             "targets only reported; the checks as at full scale, the figures meaningless")
    args = parser.parse_args()
    if args.tiny:
        args.count, args.raw, args.workers, args.no_check = 200, 100, 2, True
    minimum = (2 + PROFILE_BATCHES if args.profile else 2) * 100
    if args.count < minimum or args.raw < 100 or args.workers < 0:
        parser.error(f"--count must be ≥ {minimum} (a sample, then the timed round), --raw ≥ 100, --workers ≥ 0")

    os.chdir(REPO_ROOT)  # django.setup() puts the working directory first on sys.path: make it this checkout
    log_dir = Path(tempfile.mkdtemp(prefix="notify_send_bench_"))
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM cleans up like Ctrl-C
    resources = Resources()
    try:
        return run(args, log_dir, resources)
    except KeyboardInterrupt:
        print("interrupted; stopping the sender processes and the sandbox", flush=True)
        return 130
    finally:
        resources.close()


if __name__ == "__main__":
    sys.exit(main())
