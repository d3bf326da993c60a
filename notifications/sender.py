"""The sender: pending notifications → WeChat subscription messages (DESIGN flow 4).

One pass (`notifications_send_due`) repeats two steps until nothing is due:

1. **Claim** a batch in one transaction: `SELECT … FOR UPDATE SKIP LOCKED` over rows that are due
   (pending, retry, or `sending` whose lease ran out because a worker died), so several workers never
   take the same row. For each row it applies the researcher's preferences (switched off → skipped,
   no credit spent; quiet hours → wait), merges pending notices of one thread (one manuscript) into the
   newest, spends one consent credit atomically (none → no_credit, kept in the inbox), and marks the row
   `sending` with a lease.
2. **Send** each claimed row through wechatpy against `WECHAT_API_BASE` and record the outcome on that
   row at once. WeChat's answers:

   - 40001/40014/42001: the token was refused: refresh it (under the shared lock) and send once more;
   - 43101: the user has no quota after all: that template's credits are zeroed, the row is no_credit;
   - 43108 ("Cannot make concurrent calls to the same OpenID, please try again"): another message to the
     same user was in flight. Nothing is wrong with this one: it is retried within seconds on its own
     backoff (`NOTIFY_BUSY_RETRY_SECONDS`, doubling to `NOTIFY_BUSY_RETRY_MAX_SECONDS`, with jitter; the
     pass waits for it when it has nothing else to do), counted in `busy_retries` and never towards
     `NOTIFY_MAX_ATTEMPTS`, so it never ends in failed;
   - 45009 ("reach max api daily quota limit"): the Mini Program's daily quota of subscription messages is
     used up. Every further send today would fail alike, so the row waits for the quota to reset at the
     next midnight Beijing time (plus up to `NOTIFY_QUOTA_RESET_JITTER_SECONDS`, so held rows don't all
     go at 00:00:00), not counted as an attempt; and the pass stops sending: a shared flag in the cache
     holds every worker's sends until that midnight;
   - 43107 (subscription messages banned for the Mini Program or the template), 45168 (a value hit
     WeChat's content check for sensitive words), 47003/40037/41030/40003 and other errors: failed at once
     (the same message would be refused again), with WeChat's errmsg kept and a reason per errcode
     (`WeChatErrcode`) shown in admin;
   - 45011, -1, timeouts, network errors: retry later with exponential backoff and jitter, at most
     `NOTIFY_MAX_ATTEMPTS` sends, then failed.

Sources: WeChat's subscribeMessage.send page (developers.weixin.qq.com/miniprogram/dev/server/API/
mp-message-management/subscribe-message/api_sendmessage: body, keyword rules including `enum.DATA`, 40003,
40037, 43101, 47003, 41030) and its error table as mirrored by Tencent Cloud's Mini Program platform
(tencentcloud.com/document/product/1219/67648: 43107 "subscription message capability banned — check
whether the account or the template is banned", 43108 "concurrent message sending", 45168 "sensitive
words"); the 43108 errmsg as WeChat sends it is quoted in a developers.weixin.qq.com community thread;
45009's errmsg "reach max api daily quota limit" and its "daily" scope from WeChat's API-limits page
(developers.weixin.qq.com/doc/service/Message_Management/API_Call_Limits.html, 每日限额). The reset hour is
not printed there: midnight Beijing time is what the team's reference (protocols.md §1.3) records.

Notices created inbox-only (`notifications_create_many(..., inbox_only=True)`: campaigns, which WeChat does
not allow in subscription messages) are settled as skipped from the start; the claim never takes a settled row.

A worker killed mid-send loses nothing: its rows stay `sending` until the lease ends, then the next pass
takes them again (counted in `recoveries`). Because each outcome is written right after its send, the
only message that can go out twice is the one in flight when the worker died: at most one duplicate per
crash. A failed send gives its credit back (WeChat did not deliver it); a sent or no_credit one does not.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.models import F, Min
from django.utils import timezone

from accounts.selectors import wechat_recipients
from notifications.formatting import BEIJING, fit_keyword_value, keyword_type_of
from notifications.models import (
    SENDER_STATES,
    Notification,
    NotificationPreference,
    NotificationState,
    NotificationTemplate,
    WeChatErrcode,
)
from notifications.services import (
    notification_wanted,
    quiet_until,
    subscription_credit_refund,
    subscription_credits_spend_many,
    subscription_credits_void,
)
from publisher_backend.wechat import WeChatClientException, wechat_client

logger = logging.getLogger(__name__)

SUBSCRIBE_SEND_PATH = "cgi-bin/message/subscribe/send"
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
NO_QUOTA = WeChatErrcode.NO_SUBSCRIPTION.value
CONCURRENT_SEND = WeChatErrcode.CONCURRENT_SEND.value
DAILY_QUOTA = WeChatErrcode.DAILY_QUOTA.value
# Transient: WeChat is busy or rate-limiting us; the same message may well go through later.
RETRYABLE_ERRORS = frozenset({-1, 45011})
NETWORK_ERRCODE = WeChatErrcode.NO_ANSWER.value  # our own code for "no answer", never sent by WeChat
# Set when WeChat answers 45009, until the next midnight Beijing time: every worker holds its sends.
DAILY_QUOTA_USED_UP_KEY = "notifications:wechat-daily-quota-used-up"
WECHAT_LANG = {"zh-hans": "zh_CN", "en": "en_US"}
# Event fields every notification has; the rest come from its payload.
_NOTIFICATION_FIELDS = ("title", "body", "created_at")


@dataclass
class Claimed:
    notification: Notification
    template: NotificationTemplate
    openid: str
    language: str


@dataclass
class SendReport:
    """What one pass did, by outcome (for logs, the task result and the benchmark)."""

    sent: int = 0
    no_credit: int = 0
    failed: int = 0
    retry: int = 0
    skipped: int = 0
    coalesced: int = 0
    deferred: int = 0
    recovered: int = 0
    released: int = 0
    errcodes: dict[int, int] = field(default_factory=dict)
    # Whether WeChat answered 43108 in this pass: then the pass waits for those retries (seconds away).
    busy_retried: bool = field(default=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    # Outcomes that leave a row handled for this pass (a recovery is also counted by its outcome).
    HANDLED = ("sent", "no_credit", "failed", "retry", "skipped", "coalesced", "deferred", "released")

    def add(self, other: SendReport) -> None:
        for name in (*self.HANDLED, "recovered"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for errcode, count in other.errcodes.items():
            self.errcodes[errcode] = self.errcodes.get(errcode, 0) + count
        self.busy_retried = self.busy_retried or other.busy_retried

    def count(self, outcome: str, errcode: int | None = None) -> None:
        """One more of `outcome` (sender threads share a batch's report)."""
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)
            if errcode is not None:
                self.errcodes[errcode] = self.errcodes.get(errcode, 0) + 1

    @property
    def handled(self) -> int:
        return sum(getattr(self, name) for name in self.HANDLED)

    def as_dict(self) -> dict:
        return {**{name: getattr(self, name) for name in (*self.HANDLED, "recovered")},
                "errcodes": {str(code): count for code, count in sorted(self.errcodes.items())}}


# --- keyword values -------------------------------------------------------------------------------------

def _event_value(notification: Notification, field_name: str, keyword_type: str) -> object:
    if field_name in _NOTIFICATION_FIELDS:
        value = getattr(notification, field_name)
    else:
        value = notification.payload.get(field_name, "")
    if keyword_type in ("time", "date"):
        if isinstance(value, str) and value:
            try:
                return datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
            except ValueError:
                logger.warning("notification %s: %s is not an ISO date: %r", notification.pk, field_name, value)
        return value if isinstance(value, datetime | date) else notification.created_at
    if keyword_type == "amount":
        try:
            return int(value)
        except (TypeError, ValueError):
            return 0
    return "" if value is None else value


def message_data(template: NotificationTemplate, notification: Notification, language: str) -> dict:
    """The `data` of subscribeMessage.send: every keyword of the template, fitted to its type's rules."""
    data = {}
    for spec in template.keywords:
        keyword = spec["keyword"]
        keyword_type = keyword_type_of(keyword)
        if "text" in spec:
            texts = spec["text"]
            value: object = texts.get(language) or texts.get(settings.LANGUAGE_CODE) or next(iter(texts.values()), "")
        else:
            value = _event_value(notification, spec["field"], keyword_type)
        if keyword_type == "enum":  # the event's words, mapped onto the template's enumerated values
            value = spec.get("map", {}).get(str(value), value)
            data[keyword] = {"value": fit_keyword_value(keyword_type, value, choices=spec["values"])}
            continue
        data[keyword] = {"value": fit_keyword_value(keyword_type, value)}
    return data


def message_body(claimed: Claimed) -> dict:
    notification, template = claimed.notification, claimed.template
    body = {
        "touser": claimed.openid,
        "template_id": template.template_id,
        "miniprogram_state": settings.WECHAT_MINIPROGRAM_STATE,
        "lang": WECHAT_LANG.get(claimed.language, "zh_CN"),
        "data": message_data(template, notification, claimed.language),
    }
    page = notification.page or template.page
    if page:
        body["page"] = page
    return body


# --- step 1: claim --------------------------------------------------------------------------------------

def _settle(notification: Notification, state: str, now: datetime, error: str = "") -> None:
    notification.state = state
    notification.settled_at = now
    notification.error = error[:300]


def _coalesce(candidates: list[Notification], now: datetime, report: SendReport) -> list[Notification]:
    """Of several due notices in one thread for one researcher, only the newest goes out."""
    newest: dict[tuple, Notification] = {}
    for notification in candidates:
        if not notification.thread:
            continue
        key = (notification.researcher_id, notification.kind, notification.thread)
        current = newest.get(key)
        if current is None or (notification.created_at, notification.pk) > (current.created_at, current.pk):
            newest[key] = notification
    kept = []
    for notification in candidates:
        winner = newest.get((notification.researcher_id, notification.kind, notification.thread))
        if winner is None or winner is notification:
            kept.append(notification)
            continue
        _settle(notification, NotificationState.COALESCED, now, f"merged into notification {winner.pk}")
        report.count("coalesced")
        if notification.credit_spent:  # a credit already taken for the older notice pays for the newest
            if winner.credit_spent:
                subscription_credit_refund(researcher_id=notification.researcher_id,
                                           template_id=notification.template_id)
            winner.credit_spent, winner.template_id = True, notification.template_id
            notification.credit_spent = False
    return kept


def _spend_credits(rows: list[Notification]) -> set[int]:
    """One credit per row, oldest first while a researcher's credits last; returns the ids that got one."""
    wanted: dict[tuple[int, str], list[Notification]] = {}
    for row in rows:
        wanted.setdefault((row.researcher_id, row.template_id), []).append(row)
    taken = subscription_credits_spend_many(wanted={key: len(group) for key, group in wanted.items()})
    return {row.pk for key, group in wanted.items() for row in group[:taken.get(key, 0)]}


def _write_claims(rows: list[Notification]) -> None:
    """Write what the claim decided with one UPDATE per distinct outcome (a batch has a handful): far
    cheaper than a per-row CASE for each field."""
    groups: dict[tuple, list[int]] = {}
    for row in rows:
        groups.setdefault(tuple(getattr(row, name) for name in _CLAIM_FIELDS), []).append(row.pk)
    for values, pks in groups.items():
        Notification.objects.filter(pk__in=pks).update(**dict(zip(_CLAIM_FIELDS, values, strict=True)))


_CLAIM_FIELDS = ["state", "next_attempt_at", "attempts", "recoveries", "template_id", "credit_spent", "error",
                 "settled_at"]


def claim_due(*, batch_size: int, report: SendReport) -> list[Claimed]:
    now = timezone.now()
    with transaction.atomic():
        rows = list(Notification.objects.select_for_update(skip_locked=True)
                    .filter(state__in=SENDER_STATES, next_attempt_at__lte=now)
                    .order_by("next_attempt_at", "id")[:batch_size])
        if not rows:
            return []
        researcher_ids = sorted({row.researcher_id for row in rows})
        preferences = {preference.researcher_id: preference
                       for preference in NotificationPreference.objects.filter(researcher_id__in=researcher_ids)}
        templates = {template.kind: template for template in NotificationTemplate.objects.filter(enabled=True)}
        recipients = wechat_recipients(researcher_ids=researcher_ids, appid=settings.WECHAT_APP_ID)

        candidates = []
        for row in rows:
            if row.state == NotificationState.SENDING:
                row.recoveries += 1
                report.count("recovered")
                logger.warning("notification %s: recovered from a worker that died while sending it", row.pk)
            if not row.credit_spent:
                preference = preferences.get(row.researcher_id)
                if not notification_wanted(preference=preference, kind=row.kind, payload=row.payload):
                    _settle(row, NotificationState.SKIPPED, now, "switched off by the researcher")
                    report.count("skipped")
                    continue
                release = quiet_until(preference=preference, kind=row.kind, at=now)
                if release is not None:
                    row.state, row.next_attempt_at = NotificationState.PENDING, release
                    report.count("deferred")
                    continue
            candidates.append(row)

        sendable = []
        for row in _coalesce(candidates, now, report):
            template = templates.get(row.kind)
            if template is None:
                if row.credit_spent:  # a retry whose template staff switched off since: its credit goes back
                    subscription_credit_refund(researcher_id=row.researcher_id, template_id=row.template_id)
                    row.credit_spent = False
                _settle(row, NotificationState.SKIPPED, now, f"no enabled template for {row.kind}")
                report.count("skipped")
                continue
            row.template_id = template.template_id
            if row.researcher_id not in recipients:
                _settle(row, NotificationState.NO_CREDIT, now, "no WeChat identity")
                report.count("no_credit")
                continue
            sendable.append(row)
        paid = _spend_credits([row for row in sendable if not row.credit_spent])

        claimed = []
        for row in sendable:
            template, recipient = templates[row.kind], recipients[row.researcher_id]
            if not row.credit_spent and row.pk not in paid:
                _settle(row, NotificationState.NO_CREDIT, now)
                report.count("no_credit")
            else:
                row.credit_spent = True
                row.state = NotificationState.SENDING
                row.attempts += 1
                row.next_attempt_at = now + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
                claimed.append(Claimed(row, template, *recipient))
        _write_claims(rows)
    return claimed


# --- step 2: send and record ----------------------------------------------------------------------------

@dataclass
class Outcome:
    state: str
    errcode: int | None = None
    error: str = ""
    msgid: str = ""


class _Token:
    """The access token one pass uses, refreshed at most once per refused send."""

    def __init__(self, client) -> None:
        self.client = client
        self.value: str | None = None

    def get(self) -> str:
        if self.value is None:
            self.value = self.client.access_token
        return self.value

    def refresh(self, refused: str) -> str:
        self.value = self.client.refresh_access_token(stale_token=refused)
        return self.value


def _post(client, token: _Token, body: dict) -> dict:
    """One subscribeMessage.send; on a refused token, one refresh and one more try (wechatpy's own retry is off)."""
    used = token.get()
    try:
        return client.wxa._post(SUBSCRIBE_SEND_PATH, data=body, params={"access_token": used})
    except WeChatClientException as error:
        if error.errcode not in TOKEN_ERRORS:
            raise
        logger.info("WeChat refused the access token (%s); refreshing it once", error.errcode)
    return client.wxa._post(SUBSCRIBE_SEND_PATH, data=body, params={"access_token": token.refresh(used)})


def deliver(client, token: _Token, claimed: Claimed) -> Outcome:
    try:
        result = _post(client, token, message_body(claimed))
    except WeChatClientException as error:
        errcode = error.errcode if isinstance(error.errcode, int) else NETWORK_ERRCODE
        errmsg = str(error.errmsg or "")[:300]
        if errcode == NO_QUOTA:
            return Outcome(NotificationState.NO_CREDIT, errcode, errmsg)
        if errcode in (CONCURRENT_SEND, DAILY_QUOTA) or errcode in RETRYABLE_ERRORS or errcode in TOKEN_ERRORS \
                or errcode == NETWORK_ERRCODE:
            return Outcome(NotificationState.RETRY, errcode, errmsg)
        return Outcome(NotificationState.FAILED, errcode, errmsg)
    except requests.RequestException as error:
        return Outcome(NotificationState.RETRY, NETWORK_ERRCODE, f"{type(error).__name__}: {error}"[:300])
    return Outcome(NotificationState.SENT, msgid=str(result.get("msgid", "")))


def retry_delay_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter: up to base·2^(n-1), capped, never less than half of it."""
    ceiling = min(settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.NOTIFY_RETRY_MAX_SECONDS)
    return random.uniform(ceiling / 2, ceiling)


def busy_retry_delay_seconds(busy_retries: int) -> float:
    """After the n-th 43108: seconds, doubling from NOTIFY_BUSY_RETRY_SECONDS to its ceiling, with jitter."""
    ceiling = min(settings.NOTIFY_BUSY_RETRY_SECONDS * 2 ** max(busy_retries - 1, 0),
                  settings.NOTIFY_BUSY_RETRY_MAX_SECONDS)
    return random.uniform(ceiling / 2, ceiling)


def next_quota_reset(at: datetime) -> datetime:
    """The first midnight in Beijing after `at`: when WeChat's daily quotas start again."""
    local_day = at.astimezone(BEIJING).date()
    return datetime.combine(local_day + timedelta(days=1), clock_time.min, tzinfo=BEIJING)


def daily_quota_used_up(*, at: datetime) -> datetime:
    """Record for every worker that WeChat's daily quota is used up; returns when it resets."""
    reset_at = next_quota_reset(at)
    cache.set(DAILY_QUOTA_USED_UP_KEY, reset_at.isoformat(), timeout=max(int((reset_at - at).total_seconds()), 1))
    return reset_at


def daily_quota_reset_at() -> datetime | None:
    """When the used-up daily quota resets, or None while it lasts."""
    reset_at = cache.get(DAILY_QUOTA_USED_UP_KEY)
    return datetime.fromisoformat(reset_at) if reset_at else None


def _write_outcome(notification: Notification, changes: dict) -> int:
    """UPDATE one row if it is still this attempt's (`sending`, same attempt number): the attempt number
    fences the write, so a worker that outlived its lease never overwrites a row another worker took over.

    Plain SQL because it runs once per message and the ORM spends more CPU building this statement than
    PostgreSQL spends running it; values are adapted per backend as the ORM would (SQLite for make run).
    """
    fields = [Notification._meta.get_field(name) for name in changes]
    assignments = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in fields)
    values = [field.get_db_prep_save(changes[field.name], connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {connection.ops.quote_name(Notification._meta.db_table)} SET {assignments} "  # noqa: S608
                       "WHERE id = %s AND state = %s AND attempts = %s",
                       [*values, notification.pk, NotificationState.SENDING.value, notification.attempts])
        return cursor.rowcount


def record(claimed: Claimed, outcome: Outcome, report: SendReport) -> None:
    """Write one outcome at once (so a crash can repeat at most the message in flight)."""
    notification, now = claimed.notification, timezone.now()
    state = outcome.state
    changes: dict = {"state": state, "errcode": outcome.errcode, "error": outcome.error}
    if outcome.errcode == CONCURRENT_SEND:  # not this message's fault: seconds, outside the attempt budget
        delay = busy_retry_delay_seconds(notification.busy_retries + 1)
        changes.update(attempts=notification.attempts - 1, busy_retries=notification.busy_retries + 1,
                       next_attempt_at=now + timedelta(seconds=delay))
        report.busy_retried = True
    elif outcome.errcode == DAILY_QUOTA:  # nothing goes out before the quota resets: wait for it, uncounted
        reset_at = daily_quota_used_up(at=now)
        jitter = random.uniform(0, settings.NOTIFY_QUOTA_RESET_JITTER_SECONDS)
        changes.update(attempts=notification.attempts - 1, next_attempt_at=reset_at + timedelta(seconds=jitter))
    elif state == NotificationState.RETRY and notification.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        state = changes["state"] = NotificationState.FAILED
        changes["settled_at"] = now
    elif state == NotificationState.RETRY:
        changes["next_attempt_at"] = now + timedelta(seconds=retry_delay_seconds(notification.attempts))
    else:
        changes["settled_at"] = now
    if outcome.msgid:
        changes["msgid"] = outcome.msgid
    if state == NotificationState.FAILED:
        changes["credit_spent"] = False  # given back below: WeChat delivered nothing
    if state in (NotificationState.NO_CREDIT, NotificationState.FAILED):
        with transaction.atomic():  # the outcome and its credit correction together
            written = _write_outcome(notification, changes)
            if written and state == NotificationState.NO_CREDIT:
                subscription_credits_void(researcher_id=notification.researcher_id,
                                          template_id=notification.template_id)
            elif written:
                subscription_credit_refund(researcher_id=notification.researcher_id,
                                           template_id=notification.template_id)
    else:
        written = _write_outcome(notification, changes)  # the common case: one statement, autocommitted
    if not written:
        logger.warning("notification %s was taken over by another worker; outcome %s dropped", notification.pk, state)
        return
    report.count(state, outcome.errcode)


def release(claimed: Claimed, report: SendReport) -> None:
    """Give back a row this pass will not reach before its lease ends (the next pass takes it)."""
    if Notification.objects.filter(
            pk=claimed.notification.pk, state=NotificationState.SENDING, attempts=claimed.notification.attempts,
    ).update(state=NotificationState.RETRY, attempts=F("attempts") - 1, next_attempt_at=timezone.now()):
        report.count("released")


class _Senders:
    """Sends claimed rows: inline, or on `threads` threads, each with its own WeChat client (HTTP session)
    and database connection, so one worker keeps several messages in flight while rows are written.

    One thread sends all of a batch's rows for one recipient, one after the other: WeChat refuses a send
    to a user while another to the same user is in flight (43108), so parallel sends to one user would
    only cost retries."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.jobs: queue.Queue = queue.Queue()
        self.workers: list[threading.Thread] = []
        # Set once WeChat answers 45009 in this pass: the rest of the batch is held without calling WeChat.
        self.quota_used_up = threading.Event()

    def __enter__(self) -> _Senders:
        if self.threads == 1:
            client = wechat_client()
            self.inline = (client, _Token(client))
        else:
            self.workers = [threading.Thread(target=self._work, name=f"notify-sender-{n}", daemon=True)
                            for n in range(self.threads)]
            for worker in self.workers:
                worker.start()
        return self

    def __exit__(self, *exc_info) -> None:
        for _worker in self.workers:
            self.jobs.put(None)
        for worker in self.workers:
            worker.join()

    def send(self, claimed: list[Claimed], report: SendReport, send_until: float) -> None:
        """Send a claimed batch and return when every row has its outcome written."""
        if not self.workers:
            client, token = self.inline
            for item in claimed:
                self._one(client, token, item, report, send_until)
            return
        by_recipient: dict[str, list[Claimed]] = {}
        for item in claimed:
            by_recipient.setdefault(item.openid, []).append(item)
        for items in by_recipient.values():
            self.jobs.put((items, report, send_until))
        self.jobs.join()

    def _one(self, client, token: _Token, item: Claimed, report: SendReport, send_until: float) -> None:
        # Stop before a row's lease could end mid-send: a row sent after that could go out twice.
        if time.monotonic() > send_until:
            release(item, report)
        elif self.quota_used_up.is_set():
            record(item, Outcome(NotificationState.RETRY, DAILY_QUOTA,
                                 "held without sending: WeChat's daily quota is used up"), report)
        else:
            outcome = deliver(client, token, item)
            if outcome.errcode == DAILY_QUOTA:
                self.quota_used_up.set()
            record(item, outcome, report)

    def _work(self) -> None:
        client = wechat_client()
        token = _Token(client)
        try:
            with _commits_without_waiting_for_disk():
                while (job := self.jobs.get()) is not None:
                    items, report, send_until = job
                    try:
                        for item in items:
                            try:
                                self._one(client, token, item, report, send_until)
                            except Exception:  # noqa: BLE001 - the row stays `sending`; its lease brings it back
                                logger.exception("notification %s: sending failed", item.notification.pk)
                    finally:
                        self.jobs.task_done()
        finally:
            connections.close_all()  # this thread's own database connection


def notifications_send_due(*, batch_size: int | None = None, max_seconds: float = 60.0,
                           threads: int | None = None, max_batches: int | None = None) -> SendReport:
    """Send what is due, batch after batch, for at most about `max_seconds` (the beat sweep does the rest).

    `threads` (default NOTIFY_SEND_THREADS) keep several messages in flight on PostgreSQL. Called inside
    a transaction the pass sends inline: other connections could not see the rows it claims.
    """
    batch_size = batch_size or settings.NOTIFY_BATCH_SIZE
    parallel = connection.vendor == "postgresql" and not connection.in_atomic_block  # SQLite has one writer
    threads = max(threads or settings.NOTIFY_SEND_THREADS, 1) if parallel else 1
    report = SendReport()
    started = time.monotonic()
    with _commits_without_waiting_for_disk(), _Senders(threads) as senders:
        batches = 0
        while time.monotonic() - started < max_seconds and batches != max_batches:
            if senders.quota_used_up.is_set() or daily_quota_reset_at() is not None:
                logger.info("notifications sender: WeChat's daily quota is used up; sending waits for its reset")
                break
            batches += 1
            batch = SendReport()
            claimed = claim_due(batch_size=batch_size, report=batch)
            send_until = time.monotonic() + settings.NOTIFY_LEASE_SECONDS - settings.WECHAT_TIMEOUT_SECONDS * 2 - 5
            senders.send(claimed, batch, send_until)
            report.add(batch)
            if batch.handled == 0 and batch.recovered == 0:
                # Nothing due now; a 43108 retry due within this pass's time is worth waiting for.
                wait = _seconds_to_next_busy_retry() if report.busy_retried else None
                if wait is None or time.monotonic() - started + wait > max_seconds:
                    break
                # One already due (it became due after the claim looked, or another worker is claiming it:
                # then it is `sending` by the next look) is taken by the next batch.
                time.sleep(max(wait, 0) + 0.01)
    if report.handled:
        logger.info("notifications sender: %s", report.as_dict())
    return report


def _seconds_to_next_busy_retry() -> float | None:
    """How long until the next 43108 retry is due (None if there is none)."""
    due = (Notification.objects.filter(state=NotificationState.RETRY, errcode=CONCURRENT_SEND)
           .aggregate(soonest=Min("next_attempt_at"))["soonest"])
    return None if due is None else (due - timezone.now()).total_seconds()


@contextmanager
def _commits_without_waiting_for_disk() -> Iterator[None]:
    """PostgreSQL's asynchronous commit for the sender's own writes, which are one small commit per message.

    Waiting for the WAL flush costs more than the send itself; without it a commit is still visible at
    once to every other session and survives any crash of a worker. Only a crash of the PostgreSQL server
    itself may lose the last fraction of a second of outcomes: those rows are back in `sending` and go out
    again after their lease (the duplicate window, widened for that rare case only).
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:  # the worker's connection serves other tasks next
            cursor.execute("RESET synchronous_commit")
