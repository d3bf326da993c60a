"""Inbox-only notices (campaigns): in the inbox at once, never a WeChat subscription message, no credit spent.

WeChat forbids marketing in subscription messages, so publisher news is not a subscription kind: no template, no
preference, and `notifications_create_many(..., inbox_only=True)` writes its notices already settled.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import Researcher
from notifications.models import Notification, NotificationState, NotificationTemplate
from notifications.selectors import delivery_stats, subscription_state
from notifications.sender import notifications_send_due
from notifications.services import INBOX_ONLY_REASON, notifications_create_many, notifications_resend
from publisher_backend.dispatch import TaskAfterCommit
from tests.conftest import TEMPLATE_IDS
from tests.factories import ResearcherFactory, WeChatIdentityFactory
from tests.notifications.test_sender import accept, credits

pytestmark = pytest.mark.django_db


def campaign_items(researchers, campaign_id: int = 5, kind: str = "campaign") -> list[dict]:
    return [{"researcher_id": researcher.pk, "kind": kind, "dedupe_key": f"campaign:{campaign_id}:{researcher.pk}",
             "title": "《应用科学学报》新刊上线", "body": "第 12 期已出版，欢迎阅读。",
             "payload": {"campaign": campaign_id}, "page": f"pages/home/home?campaign={campaign_id}"}
            for researcher in researchers]


def sender_kicks(callbacks) -> list:
    return [callback for callback in callbacks
            if isinstance(callback, TaskAfterCommit) and callback.task_name == "notifications.tasks.send_due"]


def test_inbox_only_notices_are_created_settled_as_not_sent_to_wechat(django_capture_on_commit_callbacks):
    researchers = ResearcherFactory.create_batch(3)
    before = timezone.now()

    with django_capture_on_commit_callbacks() as after_commit:
        created = notifications_create_many(notifications=campaign_items(researchers), inbox_only=True)

    assert created == 3
    rows = list(Notification.objects.order_by("researcher_id"))
    assert {(row.kind, row.state, row.error, row.template_id, row.credit_spent, row.attempts) for row in rows} == {
        ("campaign", NotificationState.SKIPPED, INBOX_ONLY_REASON, "", False, 0)}
    assert all(row.settled_at is not None and row.settled_at >= before for row in rows)
    assert sender_kicks(after_commit) == []


def test_pending_notices_still_kick_the_sender(django_capture_on_commit_callbacks):
    researcher = ResearcherFactory()

    with django_capture_on_commit_callbacks() as after_commit:
        notifications_create_many(notifications=campaign_items([researcher], kind="status_changed"))

    assert Notification.objects.get().state == NotificationState.PENDING
    assert len(sender_kicks(after_commit)) == 1


def test_inbox_only_creation_is_one_insert_and_idempotent_by_dedupe_key(django_assert_max_num_queries):
    researchers = ResearcherFactory.create_batch(5)
    items = campaign_items(researchers)

    with django_assert_max_num_queries(2):  # the existing keys, then one INSERT
        assert notifications_create_many(notifications=items, inbox_only=True) == 5
    assert notifications_create_many(notifications=items, inbox_only=True) == 0
    assert notifications_create_many(notifications=campaign_items([*researchers, ResearcherFactory()]),
                                     inbox_only=True) == 1
    assert Notification.objects.count() == 6


def test_the_sender_never_sends_an_inbox_only_notice_even_with_a_credit_for_its_kind(wechat_sandbox):
    call_command("loaddata", "subscription_templates", verbosity=0)
    sandbox = wechat_sandbox.wechat
    researcher = WeChatIdentityFactory(researcher=ResearcherFactory(), openid=sandbox.register_user("alice")).researcher
    accept(sandbox, researcher)  # a status_changed credit, which an inbox-only row of that kind must not spend
    notifications_create_many(notifications=campaign_items([researcher], kind="status_changed"), inbox_only=True)

    report = notifications_send_due()

    assert report.handled == 0
    assert sandbox.sent_messages == []
    assert credits(researcher) == 1
    assert Notification.objects.get().state == NotificationState.SKIPPED


def test_resending_from_admin_leaves_inbox_only_notices_alone():
    notifications_create_many(notifications=campaign_items([ResearcherFactory()]), inbox_only=True)

    assert notifications_resend(notification_ids=list(Notification.objects.values_list("pk", flat=True))) == 0
    assert Notification.objects.get().state == NotificationState.SKIPPED


def test_inbox_only_notices_are_in_the_inbox_unread_and_outside_the_delivery_stats(researcher_client):
    client, _body = researcher_client
    researcher = Researcher.objects.get()
    notifications_create_many(notifications=campaign_items([researcher]), inbox_only=True)

    [item] = client.get("/api/v1/notifications", {"kind": "campaign"}).json()["results"]
    assert (item["title"], item["page"], item["is_read"]) == (
        "《应用科学学报》新刊上线", "pages/home/home?campaign=5", False)
    assert client.get("/api/v1/notifications/unread-count").json() == {"count": 1}
    assert all(row["skipped"] == 0 for row in delivery_stats(since=timezone.now() - timedelta(hours=1)))


def test_publisher_news_is_no_subscription_kind():
    call_command("loaddata", "subscription_templates", verbosity=0)

    assert "campaign" not in TEMPLATE_IDS
    assert not NotificationTemplate.objects.filter(kind="campaign").exists()
    assert "campaign" not in {entry["kind"] for entry in subscription_state(researcher_id=ResearcherFactory().pk)}


def test_staff_cannot_configure_a_template_for_publisher_news(staff_client):
    form = {"kind": "campaign", "template_id": "TPL-NEWS", "page": "pages/inbox/inbox", "enabled": "on",
            "keywords": '[{"keyword": "thing1", "field": "title"}]'}

    response = staff_client.post("/admin/notifications/notificationtemplate/add/", form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not NotificationTemplate.objects.exists()


def test_admin_lists_inbox_only_notices_with_their_kind_in_words(staff_client):
    notifications_create_many(notifications=campaign_items([ResearcherFactory()]), inbox_only=True)

    english = staff_client.get("/admin/notifications/notification/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = staff_client.get("/admin/notifications/notification/?kind=campaign",
                               HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "Publisher news" in english and "Not sent to WeChat" in english
    assert "出版社通知" in chinese and "《应用科学学报》新刊上线" in chinese


# --- the migration that retires the campaign subscription kind ------------------------------------------

BEFORE, AFTER = [("notifications", "0007_template_kind_fapiao_ready")], [("notifications", "0008_campaign_inbox_only")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def _latest_schema_afterwards():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_latest_schema_afterwards")
def test_the_migration_drops_the_campaign_template_its_credits_and_switches_but_keeps_the_notices():
    researcher = ResearcherFactory()  # accounts stays at its latest migration: today's model writes its rows
    old_apps = migrate(BEFORE)
    model = old_apps.get_model
    researcher = model("accounts", "Researcher").objects.get(pk=researcher.pk)
    templates = model("notifications", "NotificationTemplate").objects
    templates.create(kind="campaign", template_id="TPL-NEWS", keywords=[{"keyword": "thing1", "field": "title"}])
    templates.create(kind="status_changed", template_id="TPL-STATUS",
                     keywords=[{"keyword": "thing1", "field": "title"}])
    grants = model("notifications", "SubscriptionGrant").objects
    grants.create(researcher=researcher, template_id="TPL-NEWS", credits=2)
    grants.create(researcher=researcher, template_id="TPL-STATUS", credits=1)
    model("notifications", "NotificationPreference").objects.create(
        researcher=researcher, disabled_kinds=["account_linked", "campaign"])
    notices = model("notifications", "Notification").objects
    sent = notices.create(researcher=researcher, kind="campaign", dedupe_key="c:1", title="Old news", state="sent",
                          template_id="TPL-NEWS", settled_at=timezone.now())
    waiting = notices.create(researcher=researcher, kind="campaign", dedupe_key="c:2", title="Waiting news")

    new_apps = migrate(AFTER)

    model = new_apps.get_model
    assert list(model("notifications", "NotificationTemplate").objects.values_list("kind", flat=True)) == [
        "status_changed"]
    assert list(model("notifications", "SubscriptionGrant").objects.values_list("template_id", "credits")) == [
        ("TPL-STATUS", 1)]
    assert model("notifications", "NotificationPreference").objects.get().disabled_kinds == ["account_linked"]
    notices = model("notifications", "Notification").objects
    assert notices.get(pk=sent.pk).state == "sent"
    waiting = notices.get(pk=waiting.pk)
    assert (waiting.state, waiting.error) == ("skipped", INBOX_ONLY_REASON) and waiting.settled_at is not None
