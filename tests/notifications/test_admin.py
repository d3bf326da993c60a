"""Staff in admin: configure templates (validated), resend failed notifications, read delivery stats."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import NotificationTemplate
from notifications.selectors import delivery_stats
from tests.factories import NotificationFactory, ResearcherFactory

pytestmark = pytest.mark.django_db

TEMPLATES_URL = "/admin/notifications/notificationtemplate/"
NOTIFICATIONS_URL = "/admin/notifications/notification/"


@pytest.fixture
def templates(db):
    call_command("loaddata", "subscription_templates", verbosity=0)
    return {template.kind: template.template_id for template in NotificationTemplate.objects.all()}


def settled(researcher, template_id: str, state: str, *, errcode=None, ago=timedelta(hours=1), error=None):
    if error is None:
        error = "argument invalid! data.thing1.value invalid" if errcode else ""
    return NotificationFactory(researcher=researcher, title="t", template_id=template_id, state=state,
                               errcode=errcode, error=error, settled_at=timezone.now() - ago)


def template_form(**changes) -> dict:
    form = {"kind": "fapiao_ready", "template_id": "TPL-NEW-FAPIAO", "page": "pages/inbox/inbox", "enabled": "on",
            "keywords": json.dumps([{"keyword": "thing1", "field": "title"},
                                    {"keyword": "thing2", "text": {"zh-hans": "点击查看", "en": "Tap to view"}}])}
    form.update(changes)
    return form


def test_staff_add_a_template_with_keywords_from_event_fields_and_fixed_texts(staff_client):
    response = staff_client.post(f"{TEMPLATES_URL}add/", template_form())

    assert response.status_code == 302, response.content.decode()[:3000]
    template = NotificationTemplate.objects.get(kind="fapiao_ready")
    assert template.keywords[1] == {"keyword": "thing2", "text": {"zh-hans": "点击查看", "en": "Tap to view"}}


@pytest.mark.parametrize("keywords, message", [
    ([{"keyword": "colour1", "field": "title"}], "colour1: unknown WeChat keyword type."),
    ([{"keyword": "thing1", "field": "title"}, {"keyword": "thing1", "field": "body"}], "thing1 appears twice."),
    ([{"keyword": "thing1"}], "thing1: give an event &quot;field&quot; or a &quot;text&quot; per language."),
    ([], "List the template&#x27;s keywords."),
])
def test_a_keyword_list_wechat_could_not_take_is_refused_with_the_reason(staff_client, keywords, message):
    response = staff_client.post(f"{TEMPLATES_URL}add/", template_form(keywords=json.dumps(keywords)),
                                 HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not NotificationTemplate.objects.exists()


def test_a_page_with_a_leading_slash_is_refused(staff_client):
    response = staff_client.post(f"{TEMPLATES_URL}add/", template_form(page="/pages/inbox/inbox"),
                                 HTTP_ACCEPT_LANGUAGE="en")

    assert "without a leading slash" in response.content.decode()


ENUM_VALUES = ["待处理", "审稿中", "已录用"]


def test_staff_add_a_template_with_an_enum_keyword_and_its_values(staff_client):
    keywords = [{"keyword": "thing1", "field": "title"},
                {"keyword": "enum2", "field": "to_status", "values": ENUM_VALUES,
                 "map": {"under_review": "审稿中", "accepted": "已录用"}}]

    response = staff_client.post(f"{TEMPLATES_URL}add/", template_form(keywords=json.dumps(keywords)))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert NotificationTemplate.objects.get(kind="fapiao_ready").keywords[1]["values"] == ENUM_VALUES
    html = staff_client.get(TEMPLATES_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "enum2: enum ← to_status ∈ {待处理, 审稿中, 已录用}" in html


@pytest.mark.parametrize("spec, message", [
    ({"keyword": "enum2", "field": "to_status"}, "enum2: an enum keyword needs &quot;values&quot;"),
    ({"keyword": "enum2", "field": "to_status", "values": []}, "enum2: an enum keyword needs &quot;values&quot;"),
    ({"keyword": "enum2", "field": "to_status", "values": ["审稿中", "两行\n文字"]},
     "enum2: an enum keyword needs &quot;values&quot;"),
    ({"keyword": "enum2", "field": "to_status", "values": ["审稿中", "审稿中"]},
     "enum2: a value appears twice in &quot;values&quot;."),
    ({"keyword": "enum2", "field": "to_status", "values": ENUM_VALUES, "map": {"accepted": "录用"}},
     "enum2: not among the enumerated values: 录用."),
    ({"keyword": "enum2", "text": {"zh-hans": "完成", "en": "Done"}, "values": ENUM_VALUES},
     "enum2: not among the enumerated values: Done, 完成."),
    ({"keyword": "thing2", "field": "title", "values": ENUM_VALUES},
     "thing2: only an enum keyword takes &quot;values&quot; and &quot;map&quot;."),
])
def test_an_enum_keyword_wechat_would_refuse_is_refused_with_the_reason(staff_client, spec, message):
    keywords = [{"keyword": "thing1", "field": "title"}, spec]

    response = staff_client.post(f"{TEMPLATES_URL}add/", template_form(keywords=json.dumps(keywords)),
                                 HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not NotificationTemplate.objects.exists()


def test_the_template_list_shows_each_keywords_type_and_source(staff_client, templates):
    html = staff_client.get(TEMPLATES_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "phrase2: phrase ← status_phrase" in html
    assert "time4: time ← occurred_at" in html


def test_resend_puts_failed_notifications_back_in_the_queue_and_leaves_the_rest(staff_client, templates):
    researcher = ResearcherFactory()
    failed = settled(researcher, templates["status_changed"], "failed", errcode=47003)
    sent = settled(researcher, templates["status_changed"], "sent")

    response = staff_client.post(NOTIFICATIONS_URL, {"action": "resend", "_selected_action": [failed.pk, sent.pk]},
                                 HTTP_ACCEPT_LANGUAGE="en", follow=True)

    html = response.content.decode()
    assert "1 notification(s) queued to be sent again." in html
    assert "1 selected notification(s) had not failed" in html
    failed.refresh_from_db()
    assert (failed.state, failed.errcode, failed.error, failed.attempts, failed.settled_at) == (
        "pending", None, "", 0, None)
    assert failed.next_attempt_at <= timezone.now()
    sent.refresh_from_db()
    assert sent.state == "sent"


def test_failed_notifications_show_wechats_reason_and_filter_by_errcode(staff_client, templates):
    researcher = ResearcherFactory()
    settled(researcher, templates["status_changed"], "failed", errcode=47003)

    html = staff_client.get(f"{NOTIFICATIONS_URL}?errcode=47003", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "argument invalid! data.thing1.value invalid" in html


@pytest.mark.parametrize("language, reasons", [
    ("en", {43107: "WeChat has banned subscription messages for this Mini Program or template",
            43108: "Another message to this researcher was in flight; retried within seconds",
            45009: "WeChat&#x27;s daily quota is used up; held until it resets at midnight Beijing time",
            45168: "WeChat&#x27;s content check refused a word in the message"}),
    ("zh-hans", {43107: "微信已封禁本小程序或该模板的订阅消息",
                 43108: "同时有另一条消息在发给该研究者，几秒后重试",
                 45009: "微信当日发送额度已用完，保留到北京时间零点额度恢复后再发",
                 45168: "消息内容未通过微信的内容安全检查（含敏感词）"}),
])
def test_each_errcode_shows_its_own_reason_in_the_list_and_the_filter(staff_client, templates, language, reasons):
    researcher = ResearcherFactory()
    template_id = templates["status_changed"]
    settled(researcher, template_id, "failed", errcode=43107, error="subscribe message capability banned")
    settled(researcher, template_id, "retry", errcode=43108, error="Cannot make concurrent calls to the same OpenID")
    settled(researcher, template_id, "retry", errcode=45009, error="reach max api daily quota limit")
    settled(researcher, template_id, "failed", errcode=45168, error="message content hit sensitive words")

    html = staff_client.get(NOTIFICATIONS_URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for errcode, reason in reasons.items():
        # once in the list column and once among the filter's choices
        assert html.count(f"{errcode} · {reason}") == 2, (errcode, reason)

    filtered = staff_client.get(f"{NOTIFICATIONS_URL}?errcode=45168", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "message content hit sensitive words" in filtered and "reach max api daily quota limit" not in filtered


def test_delivery_stats_count_outcomes_per_template_for_24_hours_and_7_days(staff_client, templates):
    researcher = ResearcherFactory()
    status_template, payment_template = templates["status_changed"], templates["payment_due"]
    for _ in range(3):
        settled(researcher, status_template, "sent")
    settled(researcher, status_template, "no_credit")
    settled(researcher, status_template, "failed", errcode=47003)
    settled(researcher, status_template, "failed", errcode=41030, ago=timedelta(days=3))
    settled(researcher, status_template, "sent", ago=timedelta(days=10))  # outside both windows
    settled(researcher, payment_template, "skipped")

    day = {row["template_id"]: row for row in delivery_stats(since=timezone.now() - timedelta(hours=24))}
    week = {row["template_id"]: row for row in delivery_stats(since=timezone.now() - timedelta(days=7))}

    assert {key: day[status_template][key] for key in ("sent", "no_credit", "failed", "failed_by_errcode")} == {
        "sent": 3, "no_credit": 1, "failed": 1, "failed_by_errcode": {47003: 1}}
    assert week[status_template]["failed_by_errcode"] == {47003: 1, 41030: 1}
    assert day[payment_template]["skipped"] == 1
    assert day[templates["refund_done"]]["sent"] == 0  # a silent template still shows

    html = staff_client.get(f"{TEMPLATES_URL}delivery-stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Last 24 hours" in html and "Last 7 days" in html
    assert "47003: 1, 41030: 1" in html or "41030: 1, 47003: 1" in html


def test_delivery_stats_page_has_a_helpful_empty_state(staff_client):
    html = staff_client.get(f"{TEMPLATES_URL}delivery-stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "No templates are configured yet" in html
