"""The sender against the WeChat sandbox over real HTTP: every answer WeChat gives, credits, preferences,
coalescing, retries and lease recovery (DESIGN flow 4)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone, translation

from accounts.models import WeChatIdentity
from notifications.formatting import BEIJING
from notifications.models import Notification, NotificationPreference, NotificationTemplate, SubscriptionGrant
from notifications.sender import notifications_send_due
from notifications.services import notification_create, subscriptions_record
from tests.conftest import TEMPLATE_IDS, free_port, wait_until
from tests.factories import ResearcherFactory, WeChatIdentityFactory
from tests.reliability.broker import celery_broker

STATUS_TEMPLATE = TEMPLATE_IDS["status_changed"]
SEND = "/cgi-bin/message/subscribe/send"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def templates(db, wechat_sandbox):
    call_command("loaddata", "subscription_templates", verbosity=0)


@pytest.fixture
def sandbox(wechat_sandbox):
    return wechat_sandbox.wechat


def make_recipient(sandbox, user: str = "alice", language: str = "zh-hans"):
    """A researcher whose WeChat identity is the sandbox user `user` (so messages reach them)."""
    return WeChatIdentityFactory(researcher=ResearcherFactory(language=language),
                                 openid=sandbox.register_user(user)).researcher


def accept(sandbox, researcher, user: str = "alice", kind: str = "status_changed", times: int = 1) -> None:
    """The researcher taps "allow" in wx.requestSubscribeMessage: WeChat and our backend both count it."""
    for _ in range(times):
        sandbox.subscribe(user, {TEMPLATE_IDS[kind]: "accept"})
        subscriptions_record(researcher_id=researcher.pk, results={TEMPLATE_IDS[kind]: "accept"})


def credits(researcher, kind: str = "status_changed") -> int:
    grant = SubscriptionGrant.objects.filter(researcher=researcher, template_id=TEMPLATE_IDS[kind]).first()
    return grant.credits if grant else 0


def status_notice(researcher, *, manuscript_id: int = 7, event_id: int = 1, to_status: str = "accepted",
                  phrase: str = "已录用", page: str | None = None) -> Notification:
    return notification_create(
        researcher_id=researcher.pk, kind="status_changed",
        dedupe_key=f"status:{manuscript_id}:{event_id}:{researcher.pk}",
        title="稿件状态：已录用", body="干旱胁迫下土壤微生物组的变化：一项跨越十年的田间试验",
        payload={"manuscript_id": manuscript_id, "to_status": to_status, "status_phrase": phrase,
                 "journal": "应用科学学报", "occurred_at": "2026-12-01T06:30:00+00:00"},
        page=f"pages/manuscript/detail?id={manuscript_id}" if page is None else page,
        thread=f"manuscript:{manuscript_id}")


def reload(notification: Notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)


def make_due(notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


# --- sent -------------------------------------------------------------------------------------------------

def test_a_notice_with_a_credit_goes_out_with_every_keyword_fitted(sandbox):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    notification = status_notice(researcher)

    report = notifications_send_due()

    assert report.sent == 1
    [message] = sandbox.sent_messages
    assert message["template_id"] == STATUS_TEMPLATE
    assert message["touser"] == sandbox.openid_for("alice")
    assert message["page"] == "pages/manuscript/detail?id=7"
    assert message["lang"] == "zh_CN" and message["miniprogram_state"] == "formal"
    assert message["data"] == {
        "thing1": {"value": "干旱胁迫下土壤微生物组的变化：一项跨越…"},  # 20 characters, ending in an ellipsis
        "phrase2": {"value": "已录用"},
        "thing3": {"value": "应用科学学报"},
        "time4": {"value": "2026年12月1日 14:30"},  # Beijing time
    }
    notification = reload(notification)
    assert (notification.state, notification.msgid, notification.attempts) == ("sent", str(message["msgid"]), 1)
    assert notification.settled_at is not None and notification.errcode is None
    assert credits(researcher) == 0
    assert sandbox.quota("alice", STATUS_TEMPLATE) == 0


def test_an_english_reader_gets_the_english_card_and_fixed_texts_in_english(sandbox):
    researcher = make_recipient(sandbox, language="en")
    accept(sandbox, researcher, kind="payment_due")
    notification_create(researcher_id=researcher.pk, kind="payment_due", dedupe_key="order:1:due",
                        title="Payment due", body="Article processing charge",
                        payload={"amount_fen": 125050, "due_date": "2026-12-31"})

    notifications_send_due()

    [message] = sandbox.sent_messages
    assert message["lang"] == "en_US"
    assert message["page"] == "pages/home/home"  # the template's page: the notice has none of its own
    assert message["data"] == {"thing1": {"value": "Article processing…"}, "amount2": {"value": "¥1250.50"},
                               "date3": {"value": "2026年12月31日"}, "thing4": {"value": "Tap to view and pay"}}


def test_one_pass_sends_every_due_notice_in_batches(sandbox):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher, times=5)
    for manuscript_id in range(5):
        status_notice(researcher, manuscript_id=manuscript_id)

    report = notifications_send_due(batch_size=2)

    assert report.sent == 5
    assert Notification.objects.filter(state="sent").count() == 5
    assert credits(researcher) == 0


# --- credits and preferences ------------------------------------------------------------------------------

def test_without_a_credit_the_notice_stays_in_the_inbox_as_no_credit_and_wechat_is_not_called(sandbox):
    researcher = make_recipient(sandbox)
    notification = status_notice(researcher)

    report = notifications_send_due()

    assert report.no_credit == 1
    assert reload(notification).state == "no_credit"
    assert sandbox.call_count(SEND) == 0
    assert Notification.objects.filter(researcher=researcher).count() == 1  # still in the inbox


def test_a_switched_off_kind_never_spends_a_credit(sandbox):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    NotificationPreference.objects.create(researcher=researcher, disabled_kinds=["status_changed"])
    notification = status_notice(researcher)

    notifications_send_due()

    notification = reload(notification)
    assert (notification.state, notification.error) == ("skipped", "switched off by the researcher")
    assert credits(researcher) == 1
    assert sandbox.call_count(SEND) == 0


def test_a_status_the_researcher_did_not_ask_about_never_spends_a_credit(sandbox):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    NotificationPreference.objects.create(researcher=researcher, status_alerts=["accepted", "rejected"])
    under_review = status_notice(researcher, event_id=1, manuscript_id=1, to_status="under_review", phrase="审稿中")
    accepted = status_notice(researcher, event_id=2, manuscript_id=2)

    notifications_send_due()

    assert reload(under_review).state == "skipped"
    assert reload(accepted).state == "sent"
    assert credits(researcher) == 0


def _quiet_around_now() -> tuple:
    local = timezone.now().astimezone(BEIJING)
    return (local - timedelta(hours=1)).time().replace(second=0, microsecond=0), \
        (local + timedelta(hours=1)).time().replace(second=0, microsecond=0)


def test_quiet_hours_hold_a_status_change_until_they_end_without_spending_a_credit(sandbox):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    start, end = _quiet_around_now()
    NotificationPreference.objects.create(researcher=researcher, quiet_start=start, quiet_end=end)
    notification = status_notice(researcher)

    report = notifications_send_due()

    notification = reload(notification)
    assert report.deferred == 1
    assert notification.state == "pending"
    release = notification.next_attempt_at.astimezone(BEIJING)
    assert (release.hour, release.minute) == (end.hour, end.minute) and release > timezone.now()
    assert credits(researcher) == 1 and sandbox.call_count(SEND) == 0


def test_quiet_hours_never_hold_back_a_payment_notice(sandbox):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher, kind="payment_received")
    start, end = _quiet_around_now()
    NotificationPreference.objects.create(researcher=researcher, quiet_start=start, quiet_end=end)
    notification_create(researcher_id=researcher.pk, kind="payment_received", dedupe_key="order:1:paid",
                        title="Paid", payload={"order_no": "SL20261201-0001", "amount_fen": 50000,
                                               "paid_at": "2026-12-01T06:30:00+00:00"})

    assert notifications_send_due().sent == 1


def test_several_pending_notices_of_one_manuscript_go_out_as_one_message_for_the_newest(sandbox):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher, times=3)
    older = status_notice(researcher, event_id=1, to_status="under_review", phrase="审稿中")
    middle = status_notice(researcher, event_id=2, to_status="revision_requested", phrase="需修改")
    newest = status_notice(researcher, event_id=3)
    other_manuscript = status_notice(researcher, manuscript_id=8, event_id=4)

    report = notifications_send_due()

    assert (report.sent, report.coalesced) == (2, 2)
    assert [reload(n).state for n in (older, middle, newest, other_manuscript)] == [
        "coalesced", "coalesced", "sent", "sent"]
    assert reload(older).error == f"merged into notification {newest.pk}"
    assert sorted(m["data"]["phrase2"]["value"] for m in sandbox.sent_messages) == ["已录用", "已录用"]
    assert credits(researcher) == 1  # two messages, two credits


def test_a_template_switched_off_by_staff_sends_nothing(sandbox):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    NotificationTemplate.objects.filter(kind="status_changed").update(enabled=False)
    notification = status_notice(researcher)

    notifications_send_due()

    assert (reload(notification).state, reload(notification).error) == ("skipped",
                                                                        "no enabled template for status_changed")
    assert credits(researcher) == 1


def test_a_retry_whose_template_staff_switched_off_gives_its_credit_back(sandbox):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    notification = status_notice(researcher)
    sandbox.inject_fault(SEND, 45011)
    notifications_send_due()
    assert (reload(notification).state, credits(researcher)) == ("retry", 0)

    NotificationTemplate.objects.filter(kind="status_changed").update(enabled=False)
    make_due(notification)
    notifications_send_due()

    assert reload(notification).state == "skipped"
    assert credits(researcher) == 1


# --- WeChat's errors --------------------------------------------------------------------------------------

def test_43101_means_the_credit_was_not_real_so_the_templates_credits_are_zeroed(sandbox):
    researcher = make_recipient(sandbox)
    # Our books say three acceptances, WeChat has none (e.g. the user withdrew consent in WeChat's settings).
    for _ in range(3):
        subscriptions_record(researcher_id=researcher.pk, results={STATUS_TEMPLATE: "accept"})
    notification = status_notice(researcher)

    notifications_send_due()

    notification = reload(notification)
    assert (notification.state, notification.errcode) == ("no_credit", 43101)
    assert "user refuse to accept the msg" in notification.error
    assert credits(researcher) == 0


@pytest.mark.parametrize("breakage, errcode, errmsg", [
    ("template", 40037, "invalid template_id"),
    ("page", 41030, "invalid page"),
    ("openid", 40003, "invalid openid"),
    ("keyword", 47003, "data.thing9.value is empty"),
])
def test_permanent_errors_fail_with_wechats_errmsg_kept_and_the_credit_given_back(sandbox, breakage, errcode, errmsg):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    page = None
    if breakage == "template":  # staff typed a template id WeChat doesn't know
        NotificationTemplate.objects.filter(kind="status_changed").update(template_id="NOT-A-REAL-TEMPLATE")
        SubscriptionGrant.objects.filter(researcher=researcher).update(template_id="NOT-A-REAL-TEMPLATE")
    elif breakage == "page":
        page = "pages/nowhere/nothing?id=7"
    elif breakage == "openid":
        WeChatIdentity.objects.filter(researcher=researcher).update(openid="o-unknown-openid")
    elif breakage == "keyword":  # WeChat's template has a keyword our configuration forgot
        sandbox.set_templates({STATUS_TEMPLATE: [*sandbox.templates[STATUS_TEMPLATE], "thing9"]})
    notification = status_notice(researcher, page=page)
    before = SubscriptionGrant.objects.get(researcher=researcher).credits

    report = notifications_send_due()

    notification = reload(notification)
    assert report.failed == 1
    assert (notification.state, notification.errcode) == ("failed", errcode)
    assert errmsg in notification.error
    assert notification.settled_at is not None
    assert SubscriptionGrant.objects.get(researcher=researcher).credits == before  # spent, then given back


@pytest.mark.parametrize("fault, errcode", [(45011, 45011), (-1, -1), ("timeout", -2)])
def test_transient_errors_retry_later_with_backoff_and_the_same_credit(sandbox, settings, fault, errcode):
    settings.WECHAT_TIMEOUT_SECONDS = 0.5
    sandbox.timeout_fault_seconds = 1.0
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher, times=2)
    notification = status_notice(researcher)
    sandbox.inject_fault(SEND, fault)

    first = notifications_send_due()

    notification = reload(notification)
    assert first.retry == 1
    assert (notification.state, notification.errcode, notification.attempts) == ("retry", errcode, 1)
    delay = (notification.next_attempt_at - timezone.now()).total_seconds()
    assert settings.NOTIFY_RETRY_BASE_SECONDS / 2 - 1 <= delay <= settings.NOTIFY_RETRY_BASE_SECONDS
    assert notifications_send_due().handled == 0  # not due yet

    if fault == "timeout":  # the slow WeChat delivers the first one after all (the duplicate window)
        wait_until(lambda: len(sandbox.sent_messages) == 1, message="the late delivery")
    make_due(notification)
    second = notifications_send_due()

    notification = reload(notification)
    assert second.sent == 1
    assert (notification.state, notification.attempts) == ("sent", 2)
    assert credits(researcher) == 1  # one notice, one credit, however many tries


def test_transient_errors_end_in_failed_after_the_last_attempt(sandbox, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    notification = status_notice(researcher)
    sandbox.inject_fault(SEND, -1, times=2)

    notifications_send_due()
    make_due(notification)
    notifications_send_due()

    notification = reload(notification)
    assert (notification.state, notification.errcode, notification.attempts) == ("failed", -1, 2)
    assert credits(researcher) == 1  # never delivered: the credit is back


# --- 43108: another message to the same user was in flight ------------------------------------------------

def test_43108_is_retried_within_seconds_outside_the_attempt_budget_and_never_fails(sandbox, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    settings.NOTIFY_BUSY_RETRY_SECONDS, settings.NOTIFY_BUSY_RETRY_MAX_SECONDS = 0.05, 0.2
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    notification = status_notice(researcher)
    sandbox.inject_fault(SEND, 43108, times=3)  # more than NOTIFY_MAX_ATTEMPTS

    report = notifications_send_due()  # the pass waits the few seconds for each retry

    notification = reload(notification)
    assert (notification.state, notification.attempts, notification.busy_retries) == ("sent", 1, 3)
    assert (report.sent, report.retry, report.failed, report.errcodes) == (1, 3, 0, {43108: 3})
    assert sandbox.call_count(SEND) == 4 and len(sandbox.sent_messages) == 1
    assert credits(researcher) == 0  # one credit for the one message


def test_a_43108_retry_is_due_in_seconds_with_its_own_backoff(sandbox, settings):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    notification = status_notice(researcher)
    sandbox.inject_fault(SEND, 43108)

    report = notifications_send_due(max_batches=1)

    notification = reload(notification)
    assert (report.retry, notification.state, notification.errcode) == (1, "retry", 43108)
    assert (notification.attempts, notification.busy_retries) == (0, 1)
    delay = (notification.next_attempt_at - timezone.now()).total_seconds()
    assert delay <= settings.NOTIFY_BUSY_RETRY_SECONDS < settings.NOTIFY_RETRY_BASE_SECONDS
    assert "Cannot make concurrent calls to the same OpenID" in notification.error
    with translation.override("en"):
        assert notification.errcode_reason.startswith("Another message to this researcher was in flight")


@pytest.mark.django_db(transaction=True)  # the send threads need their own connections to see the rows
def test_parallel_send_threads_never_send_to_one_researcher_at_once(sandbox, settings, monkeypatch):
    from notifications import tasks

    monkeypatch.setattr(tasks.send_due, "delay", lambda: None)  # this test runs the pass itself
    sandbox.send_latency_seconds = 0.2  # a send takes a while; WeChat answers 43108 to an overlapping one
    alice, bob = make_recipient(sandbox, "alice"), make_recipient(sandbox, "bob")
    accept(sandbox, alice, "alice", times=3)
    accept(sandbox, bob, "bob", times=3)
    for manuscript_id in range(3):
        status_notice(alice, manuscript_id=manuscript_id)
        status_notice(bob, manuscript_id=manuscript_id)

    report = notifications_send_due(threads=4)

    assert report.sent == 6
    assert [call["errcode"] for call in sandbox.calls if call["path"] == SEND] == [0] * 6


def test_43108_backoff_doubles_from_seconds_to_its_ceiling_with_jitter(settings):
    from notifications.sender import busy_retry_delay_seconds

    settings.NOTIFY_BUSY_RETRY_SECONDS, settings.NOTIFY_BUSY_RETRY_MAX_SECONDS = 2, 60
    for busy_retries, ceiling in [(1, 2), (2, 4), (3, 8), (5, 32), (6, 60), (40, 60)]:
        delays = {busy_retry_delay_seconds(busy_retries) for _ in range(50)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1


# --- 45009: the day's quota is used up ---------------------------------------------------------------------

def test_45009_holds_notices_until_the_quota_resets_at_midnight_beijing_time_without_failing(sandbox, settings):
    from notifications.sender import DAILY_QUOTA_USED_UP_KEY, next_quota_reset

    settings.NOTIFY_MAX_ATTEMPTS = 1  # a counted attempt would end in failed
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher, times=3)
    first, second = status_notice(researcher, manuscript_id=1), status_notice(researcher, manuscript_id=2)
    sandbox.inject_fault(SEND, 45009)

    report = notifications_send_due()

    assert sandbox.call_count(SEND) == 1  # the second is held without asking WeChat again
    assert report.errcodes == {45009: 2} and report.failed == 0
    reset_at = next_quota_reset(timezone.now())
    assert reset_at.astimezone(BEIJING).time().isoformat() == "00:00:00" and reset_at > timezone.now()
    for notification in (reload(first), reload(second)):
        assert (notification.state, notification.errcode, notification.attempts) == ("retry", 45009, 0)
        assert reset_at <= notification.next_attempt_at <= reset_at + timedelta(
            seconds=settings.NOTIFY_QUOTA_RESET_JITTER_SECONDS)
        assert notification.credit_spent
        with translation.override("en"):
            assert notification.errcode_reason.startswith("WeChat's daily quota is used up")
    assert credits(researcher) == 1

    # Until midnight no pass of any worker sends, even what becomes due meanwhile.
    third = status_notice(researcher, manuscript_id=3)
    assert notifications_send_due().handled == 0
    assert reload(third).state == "pending" and sandbox.call_count(SEND) == 1

    cache.delete(DAILY_QUOTA_USED_UP_KEY)  # midnight in Beijing: the flag's expiry
    make_due(first)
    make_due(second)
    notifications_send_due()

    assert [reload(n).state for n in (first, second, third)] == ["sent", "sent", "sent"]
    assert reload(first).attempts == 1  # the held try did not count
    assert credits(researcher) == 0 and len(sandbox.sent_messages) == 3


@pytest.mark.parametrize("now_utc, reset_utc", [
    ("2026-12-01T03:00:00+00:00", "2026-12-01T16:00:00+00:00"),  # 11:00 in Beijing: tonight
    ("2026-12-01T15:59:59+00:00", "2026-12-01T16:00:00+00:00"),  # 23:59:59 in Beijing: in a second
    ("2026-12-01T16:00:00+00:00", "2026-12-02T16:00:00+00:00"),  # 00:00 in Beijing: the next midnight
    ("2026-12-31T20:00:00+00:00", "2027-01-01T16:00:00+00:00"),  # already 1 January in Beijing
])
def test_the_quota_resets_at_the_next_midnight_in_beijing(now_utc, reset_utc):
    from datetime import datetime

    from notifications.sender import next_quota_reset

    assert next_quota_reset(datetime.fromisoformat(now_utc)) == datetime.fromisoformat(reset_utc)


# --- 43107 and 45168: refused for a reason of its own ---------------------------------------------------------

@pytest.mark.parametrize("errcode, reason", [
    (43107, "WeChat has banned subscription messages for this Mini Program or template"),
    (45168, "WeChat's content check refused a word in the message"),
])
def test_43107_and_45168_fail_at_once_with_their_own_reason_and_the_credit_back(sandbox, errcode, reason):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    notification = status_notice(researcher)
    sandbox.inject_fault(SEND, errcode)

    report = notifications_send_due()

    notification = reload(notification)
    assert (report.failed, notification.state, notification.errcode, notification.attempts) == (1, "failed", errcode, 1)
    with translation.override("en"):
        assert notification.errcode_reason == reason
    assert sandbox.call_count(SEND) == 1  # not retried: the same message would be refused again
    assert credits(researcher) == 1


# --- enum keywords -------------------------------------------------------------------------------------------

def test_an_enum_keyword_gets_the_templates_enumerated_value_for_the_event(sandbox):
    values = ["待处理", "审稿中", "已录用", "未录用"]
    sandbox.set_templates({STATUS_TEMPLATE: ["thing1", "enum2"]}, enum_values={STATUS_TEMPLATE: {"enum2": values}})
    NotificationTemplate.objects.filter(kind="status_changed").update(keywords=[
        {"keyword": "thing1", "field": "body"},
        {"keyword": "enum2", "field": "to_status", "values": values,
         "map": {"under_review": "审稿中", "accepted": "已录用", "rejected": "未录用"}},
    ])
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher, times=2)
    status_notice(researcher, manuscript_id=1, to_status="accepted")
    status_notice(researcher, manuscript_id=2, to_status="withdrawn")  # not mapped: the first, neutral value

    report = notifications_send_due()

    assert report.sent == 2
    assert sorted(message["data"]["enum2"]["value"] for message in sandbox.sent_messages) == ["已录用", "待处理"]


def test_retry_delays_grow_exponentially_with_jitter_and_a_ceiling(settings):
    from notifications.sender import retry_delay_seconds

    settings.NOTIFY_RETRY_BASE_SECONDS, settings.NOTIFY_RETRY_MAX_SECONDS = 30, 600
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (5, 480), (6, 600), (12, 600)]:
        delays = {retry_delay_seconds(attempts) for _ in range(50)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1  # jittered: workers that failed together don't retry together


# --- the access token -------------------------------------------------------------------------------------

# An expired token: stable_token hands out a new one. A token refused while stable_token still hands it
# out: one force refresh (WeChat allows 20 a day), never a loop.
@pytest.mark.parametrize("how, token_calls", [("expired", 2), (40001, 3), (40014, 3)])
def test_a_refused_token_is_refreshed_once_and_the_send_retried(sandbox, how, token_calls):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    notification = status_notice(researcher)
    notifications_send_due()  # a first send caches a token
    accept(sandbox, researcher)
    second = status_notice(researcher, manuscript_id=9)
    if how == "expired":
        sandbox.expire_all_tokens()
    else:
        sandbox.inject_fault(SEND, how)

    notifications_send_due()

    assert reload(notification).state == "sent" and reload(second).state == "sent"
    assert sandbox.call_count("/cgi-bin/stable_token") == token_calls  # the first fetch and one refresh
    assert sandbox.call_count("/cgi-bin/token") == 0  # never: it would invalidate other holders' tokens
    assert sandbox.call_count(SEND) == 3


def test_a_token_refused_twice_is_not_retried_in_a_loop(sandbox):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    notification = status_notice(researcher)
    sandbox.inject_fault(SEND, 40001, times=2)

    notifications_send_due()

    notification = reload(notification)
    assert (notification.state, notification.errcode) == ("retry", 40001)
    assert sandbox.call_count(SEND) == 2


def test_workers_share_one_token_and_a_refresh_keeps_a_newer_token_someone_else_fetched(sandbox):
    from publisher_backend.wechat import wechat_client

    first, second = wechat_client(), wechat_client()
    token = first.access_token
    assert second.access_token == token  # from the shared cache, not a second fetch
    sandbox.expire_all_tokens()

    refreshed = first.refresh_access_token(stale_token=token)
    again = second.refresh_access_token(stale_token=token)  # the other worker saw the same refusal

    assert refreshed != token and again == refreshed
    assert sandbox.call_count("/cgi-bin/stable_token") == 2
    assert cache.get(f"wechatpy:{first.access_token_key}") == refreshed


# --- leases -----------------------------------------------------------------------------------------------

def test_a_row_left_sending_by_a_dead_worker_is_recovered_after_its_lease_without_a_second_credit(sandbox):
    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    notification = status_notice(researcher)
    # What a worker killed mid-send leaves behind: credit spent, state sending, lease not yet over.
    Notification.objects.filter(pk=notification.pk).update(
        state="sending", credit_spent=True, attempts=1, template_id=STATUS_TEMPLATE,
        next_attempt_at=timezone.now() + timedelta(seconds=60))
    SubscriptionGrant.objects.filter(researcher=researcher).update(credits=0)

    assert notifications_send_due().handled == 0  # the lease still runs: hands off
    make_due(notification)
    report = notifications_send_due()

    notification = reload(notification)
    assert (report.recovered, report.sent) == (1, 1)
    assert (notification.state, notification.recoveries, notification.attempts) == ("sent", 1, 2)
    assert len(sandbox.sent_messages) == 1


def test_an_outcome_from_a_worker_that_outlived_its_lease_does_not_overwrite_the_new_owner(sandbox):
    from notifications.sender import Outcome, SendReport, claim_due, record

    researcher = make_recipient(sandbox)
    accept(sandbox, researcher)
    notification = status_notice(researcher)
    [slow] = claim_due(batch_size=10, report=SendReport())
    make_due(notification)
    [taken_over] = claim_due(batch_size=10, report=SendReport())  # the lease ran out: another worker has it

    record(slow, Outcome("failed", 47003, "late answer"), SendReport())

    notification = reload(notification)
    assert (notification.state, notification.attempts, notification.recoveries) == ("sending", 2, 1)
    assert taken_over.notification.attempts == 2


# --- the after-commit trigger -------------------------------------------------------------------------------

def test_creating_notices_asks_a_worker_to_send_once_the_transaction_commits(django_capture_on_commit_callbacks,
                                                                            sandbox):
    researcher = make_recipient(sandbox)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        status_notice(researcher)

    # Nothing is sent before the commit (the worker would not see the row); the sender's task after it.
    assert [callback.task_name for callback in callbacks] == ["notifications.tasks.send_due"]


def test_replaying_an_event_makes_no_second_notice_and_no_kick(django_capture_on_commit_callbacks, sandbox):
    researcher = make_recipient(sandbox)
    status_notice(researcher)

    with django_capture_on_commit_callbacks() as callbacks:
        assert status_notice(researcher) is None

    assert callbacks == []


def test_a_broker_outage_does_not_fail_the_event_that_made_the_notice(django_capture_on_commit_callbacks, sandbox):
    researcher = make_recipient(sandbox)

    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"), django_capture_on_commit_callbacks(execute=True):
        notification = status_notice(researcher)

    assert reload(notification).state == "pending"  # the beat sweep sends it


def test_the_beat_sweep_runs_the_sender_on_its_own_queue():
    assert settings.CELERY_BEAT_SCHEDULE["notifications-send-due"]["task"] == "notifications.tasks.send_due"
    assert settings.CELERY_TASK_ROUTES["notifications.tasks.*"] == {"queue": "notifications"}


# --- consent that arrives just after the notice -------------------------------------------------------------

def test_consent_given_right_after_a_notice_found_no_credit_sends_that_notice(sandbox):
    researcher = make_recipient(sandbox)
    notification = notification_create(researcher_id=researcher.pk, kind="account_linked", dedupe_key="linked:1",
                                       title="已关联投稿系统账号：示范大学 OJS", page="pages/accounts/list",
                                       payload={"journal": "示范大学 OJS"})
    notifications_send_due()
    assert reload(notification).state == "no_credit"

    accept(sandbox, researcher, kind="account_linked")  # the popup the Mini Program shows after linking
    notifications_send_due()

    notification = reload(notification)
    assert (notification.state, notification.error) == ("sent", "")
    [message] = sandbox.sent_messages
    assert message["template_id"] == TEMPLATE_IDS["account_linked"]
    assert credits(researcher, "account_linked") == 0


def test_late_consent_revives_only_the_newest_recent_notice_of_that_template(sandbox, settings):
    researcher = make_recipient(sandbox)
    old, newer = status_notice(researcher, manuscript_id=1), status_notice(researcher, manuscript_id=2)
    notifications_send_due()
    Notification.objects.filter(pk=old.pk).update(
        settled_at=timezone.now() - timedelta(seconds=settings.NOTIFY_LATE_CONSENT_SECONDS + 1))
    other_kind = notification_create(researcher_id=researcher.pk, kind="account_linked", dedupe_key="linked:1",
                                     title="期刊账号已关联")
    notifications_send_due()

    accept(sandbox, researcher)
    notifications_send_due()

    assert [reload(n).state for n in (old, newer, other_kind)] == ["no_credit", "sent", "no_credit"]
