"""Campaigns: each member of the audience reached once per channel, in their language (and their journal's
words), never through subscription messages; cancel stops what has not gone out; cards, dismiss and opens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from manuscripts.models import ManuscriptAccess
from notifications.models import Notification, NotificationState
from publisher_backend.dispatch import TaskAfterCommit
from tagging.models import AssignmentSource, Campaign, CampaignDelivery, CampaignState, CampaignVariant, Channel
from tagging.selectors.campaigns import campaign_stats
from tagging.services.campaigns import (
    CampaignNotCancellable,
    CampaignNotEditable,
    campaign_cancel,
    campaign_launch,
    campaign_plan,
    campaign_send_batch,
    campaigns_launch_due,
)
from tagging.services.tags import tag_create, tags_assign
from tests.factories import JournalAccountFactory, JournalFactory, ManuscriptFactory, ResearcherFactory

pytestmark = pytest.mark.django_db


def _queued(callbacks, task_name: str) -> list[tuple]:
    return [callback.args for callback in callbacks
            if isinstance(callback, TaskAfterCommit) and callback.task_name == task_name]


def _launch_and_plan(campaign, django_capture_on_commit_callbacks) -> list[tuple]:
    """Launch, then plan as the worker would; returns the batches the plan queued (campaign id, first, last)."""
    with django_capture_on_commit_callbacks() as launched:
        campaign_launch(campaign=campaign)
    assert _queued(launched, "tagging.tasks.campaign_plan") == [(campaign.pk,)]
    with django_capture_on_commit_callbacks() as planned:
        campaign_plan(campaign_id=campaign.pk)
    return _queued(planned, "tagging.tasks.campaign_send_batch")


@pytest.fixture
def audience():
    tag = tag_create(slug="oncology", name_en="Oncology", name_zh_hans="肿瘤学")
    zh, en, en_author, outsider = (ResearcherFactory(language="zh-hans"), ResearcherFactory(language="en"),
                                   ResearcherFactory(language="en"), ResearcherFactory(language="en"))
    tags_assign(tag=tag, researcher_ids=[zh.pk, en.pk, en_author.pk], source=AssignmentSource.STAFF)
    journal = JournalFactory(key="onc", name_en="Oncology Letters")
    account = JournalAccountFactory(researcher=en_author, journal_system=journal.journal_system)
    ManuscriptAccess.objects.create(journal_account=account,
                                    manuscript=ManuscriptFactory(journal_system=journal.journal_system,
                                                                 journal=journal))
    return {"zh": zh, "en": en, "en_author": en_author, "outsider": outsider, "journal": journal}


def _campaign(**fields) -> Campaign:
    defaults = {"name": "OA week", "audience": {"tag": "oncology"}, "title_zh_hans": "开放获取周",
                "body_zh_hans": "本周缴费八折。", "title_en": "Open access week", "body_en": "20% off this week.",
                "page": "packages/interests/interests"}
    return Campaign.objects.create(**{**defaults, **fields})


def test_each_member_gets_one_inbox_item_in_their_language_and_never_a_wechat_message(
        audience, settings, django_capture_on_commit_callbacks):
    settings.CAMPAIGN_BATCH_SIZE = 2
    campaign = _campaign()
    CampaignVariant.objects.create(campaign=campaign, journal=audience["journal"], title_zh_hans="肿瘤快报",
                                   body_zh_hans="投稿优惠", title_en="Oncology Letters news", body_en="Submit now",
                                   page="pages/home/home")

    batches = _launch_and_plan(campaign, django_capture_on_commit_callbacks)
    assert len(batches) == 2  # three members in ranges of two
    for campaign_id, first_id, last_id in batches + batches:  # every batch twice: a retried task
        campaign_send_batch(campaign_id=campaign_id, first_id=first_id, last_id=last_id)

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.SENT and campaign.targeted == 3 and campaign.finished_at
    notices = {notice.researcher_id: notice for notice in Notification.objects.filter(kind="campaign")}
    assert set(notices) == {audience["zh"].pk, audience["en"].pk, audience["en_author"].pk}
    assert notices[audience["zh"].pk].title == "开放获取周"
    assert notices[audience["en"].pk].title == "Open access week"
    assert notices[audience["en_author"].pk].title == "Oncology Letters news"
    assert notices[audience["en_author"].pk].page == f"pages/home/home?campaign={campaign.pk}"
    assert notices[audience["zh"].pk].page == f"packages/interests/interests?campaign={campaign.pk}"
    # Inbox only: settled as not sent to WeChat, so the sender never spends a subscription credit on it.
    assert {notice.state for notice in notices.values()} == {NotificationState.SKIPPED}
    stats = campaign_stats(campaign=campaign)
    assert stats[Channel.IN_APP] == {"targeted": 3, "delivered": 3, "opened": 0, "failed": 0, "skipped": 0}


def test_a_cancel_stops_every_batch_after_it_and_sends_nothing_twice(audience, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.CAMPAIGN_BATCH_SIZE = 2
    campaign = _campaign()
    (first, second) = _launch_and_plan(campaign, django_capture_on_commit_callbacks)
    campaign_send_batch(campaign_id=first[0], first_id=first[1], last_id=first[2])

    campaign_cancel(campaign=campaign)
    assert campaign_send_batch(campaign_id=second[0], first_id=second[1], last_id=second[2]) == 0

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.CANCELLED
    assert CampaignDelivery.objects.count() == Notification.objects.filter(kind="campaign").count() == 2
    with pytest.raises(CampaignNotCancellable):
        campaign_cancel(campaign=campaign)
    with pytest.raises(CampaignNotEditable):
        campaign_launch(campaign=campaign)


def test_a_scheduled_campaign_starts_at_its_time(audience, django_capture_on_commit_callbacks):
    campaign = _campaign(send_at=timezone.now() + timedelta(hours=1))
    campaign_launch(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.SCHEDULED
    assert campaigns_launch_due() == 0

    Campaign.objects.filter(pk=campaign.pk).update(send_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks() as started:
        assert campaigns_launch_due() == 1
    assert _queued(started, "tagging.tasks.campaign_plan") == [(campaign.pk,)]
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.SENDING


def test_an_empty_audience_finishes_at_once(django_capture_on_commit_callbacks):
    tag_create(slug="oncology", name_en="Oncology")
    campaign = _campaign()
    assert _launch_and_plan(campaign, django_capture_on_commit_callbacks) == []
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.SENT and campaign.targeted == 0


def _sent_to(audience, django_capture_on_commit_callbacks, **fields) -> Campaign:
    campaign = _campaign(**fields)
    for campaign_id, first_id, last_id in _launch_and_plan(campaign, django_capture_on_commit_callbacks):
        campaign_send_batch(campaign_id=campaign_id, first_id=first_id, last_id=last_id)
    return campaign


def test_cards_follow_the_researchers_language_until_dismissed(audience, signed_in_as,
                                                               django_capture_on_commit_callbacks):
    campaign = _sent_to(audience, django_capture_on_commit_callbacks)
    client = signed_in_as(audience["en"])

    cards = client.get("/api/v1/campaign-cards").json()
    assert cards["next"] is None
    (card,) = cards["results"]
    assert card == {"id": card["id"], "campaign": campaign.pk, "title": "Open access week",
                    "body": "20% off this week.", "page": f"packages/interests/interests?campaign={campaign.pk}",
                    "expires_at": None}

    other = signed_in_as(audience["zh"])
    assert other.post(f"/api/v1/campaign-cards/{card['id']}/dismiss").status_code == 404
    assert client.post(f"/api/v1/campaign-cards/{card['id']}/dismiss").status_code == 204
    assert client.get("/api/v1/campaign-cards").json()["results"] == []
    assert other.get("/api/v1/campaign-cards").json()["results"][0]["title"] == "开放获取周"


def test_an_expired_card_is_gone(audience, signed_in_as, django_capture_on_commit_callbacks):
    _sent_to(audience, django_capture_on_commit_callbacks, card_expires_at=timezone.now() - timedelta(minutes=1))
    assert signed_in_as(audience["en"]).get("/api/v1/campaign-cards").json()["results"] == []


def test_opening_the_campaign_page_counts_once_and_only_for_a_member(audience, signed_in_as,
                                                                     django_capture_on_commit_callbacks):
    campaign = _sent_to(audience, django_capture_on_commit_callbacks)
    member = signed_in_as(audience["en"])
    assert member.post(f"/api/v1/campaigns/{campaign.pk}/opened").status_code == 204
    first_open = CampaignDelivery.objects.get(researcher=audience["en"]).opened_at
    assert member.post(f"/api/v1/campaigns/{campaign.pk}/opened").status_code == 204
    assert CampaignDelivery.objects.get(researcher=audience["en"]).opened_at == first_open
    assert signed_in_as(audience["outsider"]).post(f"/api/v1/campaigns/{campaign.pk}/opened").status_code == 404
    assert member.post("/api/v1/campaigns/999999/opened").status_code == 404
    assert campaign_stats(campaign=campaign)[Channel.IN_APP]["opened"] == 1


def test_other_systems_read_campaigns_with_their_figures_and_export_the_results(
        audience, django_capture_on_commit_callbacks):
    import csv
    import io

    from tests.tagging.staff_api_helpers import key_client

    campaign = _sent_to(audience, django_capture_on_commit_callbacks)
    reader = key_client("campaigns:read")

    assert key_client("researchers:read").get("/api/v1/staff/campaigns").status_code == 403
    body = reader.get("/api/v1/staff/campaigns").json()
    (item,) = body["results"]
    assert item["id"] == campaign.pk and item["state"] == "sent" and item["channels"] == ["in_app"]
    assert item["audience"] == 3
    assert item["figures"]["in_app"] == {"targeted": 3, "delivered": 3, "opened": 0, "failed": 0, "skipped": 0}

    export = reader.get("/api/v1/staff/exports/campaign_results?format=csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert sorted(int(row["researcher"]) for row in rows) == sorted(
        [audience["zh"].pk, audience["en"].pk, audience["en_author"].pk])
    assert {row["channel"] for row in rows} == {"in_app"} and {row["state"] for row in rows} == {"delivered"}


def test_the_staff_campaign_list_reads_a_pages_figures_in_one_query(django_assert_max_num_queries):
    from tests.tagging.staff_api_helpers import key_client

    tag_create(slug="oncology", name_en="Oncology")
    for number in range(5):
        _campaign(name=f"campaign {number}")
    reader = key_client("campaigns:read")
    # The key, its rate limit (cache), the count, the page, the figures: never one query per campaign.
    with django_assert_max_num_queries(6):
        assert len(reader.get("/api/v1/staff/campaigns").json()["results"]) == 5
