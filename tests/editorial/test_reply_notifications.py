"""A staff reply reaches the researcher: exactly one `editorial_reply` notice per reply (inbox), and a WeChat
subscription message through the sandbox when they hold a credit for its template."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import translation

from editorial.services import staff_reply
from notifications.models import EventKind, Notification, NotificationTemplate
from notifications.sender import notifications_send_due
from notifications.services import subscriptions_record
from tests.conftest import TEMPLATE_IDS
from tests.editorial.conftest import client_for, start
from tests.factories import ResearcherFactory, WeChatIdentityFactory

pytestmark = pytest.mark.django_db

REPLY_TEMPLATE = TEMPLATE_IDS["editorial_reply"]
SEND = "/cgi-bin/message/subscribe/send"
THREAD_PAGE = "packages/editorial/thread"


@pytest.fixture(autouse=True)
def templates(db, wechat_sandbox):
    call_command("loaddata", "subscription_templates", verbosity=0)


@pytest.fixture
def sandbox(wechat_sandbox):
    """The WeChat sandbox, which knows the Mini Program's pages from its app.json (the thread page included)."""
    assert THREAD_PAGE in wechat_sandbox.wechat.pages
    return wechat_sandbox.wechat


@pytest.fixture
def recipient(sandbox):
    """A researcher whose WeChat identity is the sandbox user alice."""
    return WeChatIdentityFactory(researcher=ResearcherFactory(display_name="李华", language="zh-hans"),
                                 openid=sandbox.register_user("alice")).researcher


@pytest.fixture
def conversation_id(recipient, journal):
    return start(client_for(recipient), journal=journal.pk, body="请问外审要多久？").json()["id"]


def test_the_kind_and_its_template_are_known():
    with translation.override("en"):
        assert str(EventKind("editorial_reply").label) == "Reply from the editorial office"
    with translation.override("zh-hans"):
        assert str(EventKind("editorial_reply").label) == "编辑部回复"
    template = NotificationTemplate.objects.get(kind="editorial_reply")
    template.full_clean()
    assert template.page == "packages/editorial/thread"


def test_a_staff_reply_creates_exactly_one_notice_opening_the_thread(recipient, conversation_id, staff_user):
    message = staff_reply(conversation_id=conversation_id, staff_user=staff_user, body="一般需要 4 到 6 周。")

    [notice] = Notification.objects.filter(researcher=recipient)
    assert (notice.kind, notice.title, notice.body) == ("editorial_reply", "编辑部回复", "一般需要 4 到 6 周。")
    assert notice.page == f"packages/editorial/thread?id={conversation_id}"
    assert notice.payload == {"conversation_id": conversation_id, "message_id": message.pk,
                              "journal": "应用科学学报"}
    assert "editor-jas" not in str(notice.payload) + notice.title + notice.body

    staff_reply(conversation_id=conversation_id, staff_user=staff_user, body="第二条回复")
    assert Notification.objects.filter(researcher=recipient, kind="editorial_reply").count() == 2


def test_the_researchers_own_messages_notify_nobody(recipient, conversation_id):
    client_for(recipient).post(f"/api/v1/conversations/{conversation_id}/messages", {"body": "补充"}, format="json")

    assert not Notification.objects.exists()


def test_an_english_researcher_gets_the_english_title(journal, staff_user):
    researcher = ResearcherFactory(language="en")
    conversation_id = start(client_for(researcher, "en"), journal=journal.pk, body="Hello").json()["id"]

    staff_reply(conversation_id=conversation_id, staff_user=staff_user, body="Hello back")

    notice = Notification.objects.get(researcher=researcher)
    assert (notice.title, notice.payload["journal"]) == ("Reply from the editorial office",
                                                         "Journal of Applied Science")


def test_with_a_credit_the_reply_goes_out_as_a_wechat_message(sandbox, recipient, conversation_id, staff_user):
    sandbox.subscribe("alice", {REPLY_TEMPLATE: "accept"})
    subscriptions_record(researcher_id=recipient.pk, results={REPLY_TEMPLATE: "accept"})
    staff_reply(conversation_id=conversation_id, staff_user=staff_user, body="您的稿件已送外审，请耐心等待结果。")

    report = notifications_send_due()

    assert report.sent == 1
    [message] = sandbox.sent_messages
    assert message["template_id"] == REPLY_TEMPLATE
    assert message["touser"] == sandbox.openid_for("alice")
    assert message["page"] == f"packages/editorial/thread?id={conversation_id}"
    assert message["data"]["thing1"] == {"value": "应用科学学报"}
    assert message["data"]["thing2"] == {"value": "您的稿件已送外审，请耐心等待结果。"}
    assert set(message["data"]) == {"thing1", "thing2", "time3"}
    assert Notification.objects.get(researcher=recipient).state == "sent"


def test_without_a_credit_the_reply_stays_in_the_inbox(sandbox, recipient, conversation_id, staff_user):
    staff_reply(conversation_id=conversation_id, staff_user=staff_user, body="您好")

    report = notifications_send_due()

    assert report.no_credit == 1
    assert sandbox.call_count(SEND) == 0
    assert Notification.objects.get(researcher=recipient).state == "no_credit"
