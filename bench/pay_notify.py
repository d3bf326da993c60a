"""WeChat Pay notifications applied per second by one web process, next to the cost of the cryptography alone.

    .venv/bin/python bench/pay_notify.py [--orders 3000] [--clients 8] [--tiny]

1. Migrates a fresh database; seeds `--orders` unpaid orders, each with an open WeChat Pay attempt (bulk
   inserts, no prepay calls).
2. The sandbox's WeChat Pay (in this process) builds one genuine TRANSACTION.SUCCESS notification per order,
   signed with its key and encrypted with the API v3 key, before anything is timed.
3. **Baseline:** `payments.wechatpay.notification_open` alone (serial, timestamp, RSA-SHA256 verification and
   AES-256-GCM decryption), in this process, over every notification: what the cryptography costs.
4. **The product:** gunicorn as production configures it (deploy/gunicorn.conf.py), with one worker process
   (4 threads; `--threads`) on PostgreSQL; `--clients` connections
   POST the notifications to /api/v1/payments/wechat/notify with kept-alive connections (one asyncio thread
   sending prebuilt requests, light on the shared cores). Every one is verified,
   stored as a PaymentEvent and applied under the order's row lock, with its "payment received" notice, and
   the order is marked for `order_paid` (which a worker publishes: payments.events).
5. Then every notification again (WeChat's duplicates): acknowledged, nothing changed.

Prints notifications/s for both and their ratio against the target (≥ 300/s applied by one process). Checks
(exit 1 on failure): every answer 204; every order paid once with its transaction id; one APPLIED event per
order and one DUPLICATE per replay; one notice per order. `--tiny` is the test suite's smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.common import REDIS_PREFIX, bench_env, free_port, recreate_database, redis_clear, stop_process  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/scholar_link_pay_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
KEYS = REPO_ROOT / "tests" / "keys"  # test-only keys: a production-mode process refuses the sandbox's
MCH_ID, API_V3_KEY = "1900000001", "TestOnlyApiV3Key0000000000000000"
CERT_SERIAL, PUBLIC_KEY_ID = "7E57000000000000000000000000000000000001", "PUB_KEY_ID_0000TESTONLY"
APP_ID = "wxbench000000000003"
BENCH_ENV = bench_env(
    database_url=DATABASE_URL, redis_url=REDIS_URL, cache_prefix="pay-bench", app_id=APP_ID,
    WECHATPAY_MCH_ID=MCH_ID, WECHATPAY_API_V3_KEY=API_V3_KEY, WECHATPAY_CERT_SERIAL=CERT_SERIAL,
    WECHATPAY_PRIVATE_KEY_PATH=str(KEYS / "merchant_private_key.pem"), WECHATPAY_PUBLIC_KEY_ID=PUBLIC_KEY_ID,
    WECHATPAY_PUBLIC_KEY_PATH=str(KEYS / "wechatpay_public_key.pem"))
TARGET_PER_SECOND = 300
NOTIFY_PATH = "/api/v1/payments/wechat/notify"


def django_setup() -> None:
    os.environ.update(BENCH_ENV)
    import django

    django.setup()


def seed(count: int) -> list[dict]:
    """`count` unpaid orders, each with an open attempt; the attempts' Transaction as WeChat Pay would report it."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Researcher, User
    from payments.models import ChargeKind, Order, OrderStatus, PaymentAttempt

    now = timezone.now()
    with transaction.atomic():
        ChargeKind.objects.get_or_create(code="apc", defaults={"name_en": "APC", "name_zh_hans": "文章处理费"})
        users = User.objects.bulk_create([User(username=f"payer{n}") for n in range(count)])
        researchers = Researcher.objects.bulk_create([Researcher(user=user, display_name=f"Payer {n}")
                                                      for n, user in enumerate(users)])
        orders = Order.objects.bulk_create([Order(
            researcher=researcher, kind="apc", description="APC", original_amount_fen=100000 + n, amount_fen=100000 + n,
            status=OrderStatus.PAYING, out_trade_no=f"SLBENCH{n:08d}", transfer_reference=f"SLTB{n:08d}",
            expires_at=now + timezone.timedelta(days=30)) for n, researcher in enumerate(researchers)])
        attempts = PaymentAttempt.objects.bulk_create([PaymentAttempt(
            order=order, out_trade_no=f"{order.out_trade_no}P1", payer=order.researcher, openid=f"o-bench-{n}",
            amount_fen=order.amount_fen, prepay_id=f"wx{n:020d}") for n, order in enumerate(orders)])
    return [{"mchid": MCH_ID, "appid": APP_ID, "out_trade_no": attempt.out_trade_no,
             "transaction_id": f"42000{n:015d}", "trade_type": "JSAPI", "trade_state": "SUCCESS",
             "trade_state_desc": "支付成功", "bank_type": "OTHERS", "attach": "",
             "success_time": now.isoformat(timespec="seconds"), "payer": {"openid": attempt.openid},
             "amount": {"total": attempt.amount_fen, "payer_total": attempt.amount_fen, "currency": "CNY",
                        "payer_currency": "CNY"}}
            for n, attempt in enumerate(attempts)]


def raw_requests(host: str, port: int, notifications: list[tuple[dict, bytes]]) -> list[bytes]:
    """Each notification as the bytes of its HTTP/1.1 POST, built before anything is timed."""
    requests_bytes = []
    for headers, body in notifications:
        head = [f"POST {NOTIFY_PATH} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}",
                *(f"{name}: {value}" for name, value in headers.items())]
        requests_bytes.append(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    return requests_bytes


def post_all(base_url: str, notifications: list[tuple[dict, bytes]], clients: int) -> tuple[float, list[int]]:
    """POST every notification over `clients` kept-alive connections, one request in flight on each;
    (seconds, statuses). One thread drives them all (asyncio): the client shares the machine's two cores with
    the server and PostgreSQL, and client threads would contend for their own GIL and take CPU from both."""
    host, port = base_url.removeprefix("http://").split(":")
    requests_bytes = raw_requests(host, int(port), notifications)
    statuses: list[int] = [0] * len(requests_bytes)
    next_index = iter(range(len(requests_bytes)))

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for index in next_index:
                writer.write(requests_bytes[index])
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = next((int(line.split(":", 1)[1]) for line in lines
                               if line.lower().startswith("content-length:")), 0)
                if length:
                    await reader.readexactly(length)
                statuses[index] = int(lines[0].split()[1])
        finally:
            writer.close()

    async def run_clients() -> None:
        await asyncio.gather(*(client() for _ in range(clients)))

    started = time.perf_counter()
    asyncio.run(run_clients())
    return time.perf_counter() - started, statuses


def children_cpu_seconds(parent_pid: int) -> float | None:
    """CPU seconds (user + system) used so far by the processes whose parent is `parent_pid` (gunicorn's workers),
    read from /proc; None where there is no /proc. Less sensitive than throughput to what else the machine runs."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent_pid:  # after the name: state, ppid, …, utime (12th), stime (13th)
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4,
                        help="threads of the one gunicorn worker process (production's: deploy/gunicorn.conf.py)")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes (the target is for one)")
    parser.add_argument("--tiny", action="store_true", help="the smoke run: 60 orders; targets only reported")
    args = parser.parse_args()
    if args.tiny:
        args.orders = 60
    os.chdir(REPO_ROOT)
    recreate_database(DATABASE_URL)
    redis_clear(REDIS_URL)
    env = {**os.environ, **BENCH_ENV}
    print("migrating the benchmark database…", flush=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO_ROOT, env=env, check=True)
    django_setup()

    from sandbox.wechatpay import WeChatPaySandbox

    wechatpay = WeChatPaySandbox(mch_id=MCH_ID, app_id=APP_ID, api_v3_key=API_V3_KEY, merchant_serial=CERT_SERIAL,
                                 public_key_id=PUBLIC_KEY_ID, keys_dir=KEYS)
    transactions = seed(args.orders)
    notifications = [wechatpay.notification(resource=resource) for resource in transactions]
    print(f"== {args.orders} genuine payment notifications, {args.clients} clients ==", flush=True)

    from payments.wechatpay import notification_open

    started = time.perf_counter()
    for headers, body in notifications:
        notification_open(headers=headers, body=body)
    crypto_seconds = time.perf_counter() - started

    port = free_port()
    server = subprocess.Popen(
        # Production's gunicorn configuration (gthread, access log formatted), with one worker process that is
        # not recycled mid-run (max_requests would restart it and drop the connections it holds).
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "publisher_backend.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", str(args.threads),
         "--log-level", "warning", "--access-logfile", os.devnull, "--max-requests", "0"],
        cwd=REPO_ROOT, env=env, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{base_url}/healthz", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start within 30 s") from None
                time.sleep(0.2)
        cpu_before = children_cpu_seconds(server.pid)
        applied_seconds, applied_statuses = post_all(base_url, notifications, args.clients)
        cpu_applied = children_cpu_seconds(server.pid)
        replay_seconds, replay_statuses = post_all(base_url, notifications, args.clients)
        cpu_replayed = children_cpu_seconds(server.pid)
    finally:
        stop_process(server, timeout=20)
        if REDIS_PREFIX:
            redis_clear(REDIS_URL)

    count = len(notifications)
    crypto_rate, applied_rate, replay_rate = count / crypto_seconds, count / applied_seconds, count / replay_seconds
    print(f"verify + decrypt alone (baseline, 1 thread): {crypto_rate:,.0f}/s ({1000 / crypto_rate:.2f} ms each)")
    processes = f"{args.workers} web process{'es' if args.workers > 1 else ''}:"
    verdict = ("met" if applied_rate >= TARGET_PER_SECOND else "MISSED") if args.workers == 1 else "set for one"
    print(f"notify applied, {processes:<29}{applied_rate:,.0f}/s "
          f"(target ≥ {TARGET_PER_SECOND}/s per process: {verdict})")
    print(f"duplicates acknowledged, {processes:<20}{replay_rate:,.0f}/s")
    print(f"ratio applied/baseline: {applied_rate / crypto_rate:.2f}")
    if cpu_before is not None:
        print(f"web process CPU per notification: applied {1000 * (cpu_applied - cpu_before) / count:.2f} ms, "
              f"duplicate {1000 * (cpu_replayed - cpu_applied) / count:.2f} ms")

    from notifications.models import Notification
    from payments.models import EventOutcome, Order, OrderStatus, PaymentEvent

    problems = []
    if set(applied_statuses) != {204} or set(replay_statuses) != {204}:
        problems.append(f"answers other than 204: {sorted(set(applied_statuses) | set(replay_statuses))}")
    paid = Order.objects.filter(status=OrderStatus.PAID).count()
    if paid != count:
        problems.append(f"{paid} of {count} orders paid")
    wrong = [resource["out_trade_no"] for resource in transactions
             if Order.objects.filter(attempts__out_trade_no=resource["out_trade_no"],
                                     transaction_id=resource["transaction_id"]).count() != 1]
    if wrong:
        problems.append(f"{len(wrong)} orders without their transaction id, e.g. {wrong[:3]}")
    outcomes = {outcome: PaymentEvent.objects.filter(outcome=outcome).count()
                for outcome in (EventOutcome.APPLIED, EventOutcome.DUPLICATE)}
    if outcomes != {EventOutcome.APPLIED: count, EventOutcome.DUPLICATE: count}:
        problems.append(f"events {outcomes}, expected {count} applied and {count} duplicates")
    notices = Notification.objects.filter(kind="payment_received").count()
    if notices != count:
        problems.append(f"{notices} payment-received notices for {count} orders")
    # No worker runs here: each order waits, marked, for order_paid's publisher (payments.events).
    marked = Order.objects.filter(paid_event_pending=True).count()
    if marked != count:
        problems.append(f"{marked} of {count} paid orders marked for order_paid")
    print(f"checks: every order paid once, one event per delivery, one notice per order, each marked for "
          f"order_paid: "
          f"{'PASS' if not problems else 'FAIL'}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
