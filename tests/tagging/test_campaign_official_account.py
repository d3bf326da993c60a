"""Campaigns through the Official Account (its sandbox over real HTTP): followers in the audience go in the
campaign's user tag for their language and get one mass send per language; who does not follow, or has had the
month's four mass messages, is skipped with the reason; WeChat's job-finished event frees the tag."""

from __future__ import annotations

import pytest

from tagging.models import CampaignDelivery, CampaignState, Channel, DeliveryState, OaMassSendStatus
from tagging.selectors.campaigns import campaign_reach, campaign_stats
from tagging.services.campaigns import (
    campaign_cancel,
    campaign_oa_send,
    campaign_oa_send_finished,
    campaign_send_batch,
)
from tagging.services.official_account import (
    oa_followers_sync,
    oa_mass_send_finished,
    oa_mass_send_to_tag,
    oa_tag_create,
    oa_tag_members_add,
)
from tagging.services.tags import tag_create, tags_assign
from tests.tagging.oa_fixtures import researcher_in_wechat
from tests.tagging.test_campaigns import _campaign, _launch_and_plan, _queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def audience(oa):
    tag = tag_create(slug="oncology", name_en="Oncology")
    people = {user: researcher_in_wechat(oa, user) for user in ("ada", "bo", "cai", "dong")}
    people["bo"].language = "en"
    people["bo"].save(update_fields=["language"])
    tags_assign(tag=tag, researcher_ids=[person.pk for person in people.values()], source="staff")
    oa.add_followers(["ada", "bo", "dong"])  # cai does not follow the account
    oa_followers_sync()
    # Dong has had this month's four mass messages already.
    used = oa_tag_create(name="earlier-news")
    oa_tag_members_add(tag_id=used, openids=[oa.openid_for("dong")])
    for number in range(4):
        oa_mass_send_to_tag(tag_id=used, msgtype="text", content={"content": f"earlier {number}"})
    return people


def _send_every_batch(campaign, django_capture_on_commit_callbacks) -> list:
    callbacks = []
    for campaign_id, first_id, last_id in _launch_and_plan(campaign, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as batch:
            campaign_send_batch(campaign_id=campaign_id, first_id=first_id, last_id=last_id)
        callbacks.extend(batch)
    return callbacks


def test_followers_get_one_mass_send_in_their_language_and_the_rest_are_skipped_with_the_reason(
        oa, audience, django_capture_on_commit_callbacks):
    campaign = _campaign(official_account=True, in_app=False)
    assert campaign_reach(campaign=campaign) == {"audience": 4, "followers": 3, "quota_left": 2}

    callbacks = _send_every_batch(campaign, django_capture_on_commit_callbacks)
    assert _queued(callbacks, "tagging.tasks.campaign_oa_send") == [(campaign.pk,)]
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.SENDING  # the mass sends are still to go out
    campaign_oa_send(campaign_id=campaign.pk)
    campaign_oa_send(campaign_id=campaign.pk)  # a retried task: nothing twice

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.SENT
    sends = [send for send in oa.mass_sends if send["text"]["content"].startswith(("开放获取周", "Open access week"))]
    assert len(sends) == 2
    by_text = {send["text"]["content"].split("\n")[0]: send for send in sends}
    tags = oa.tags
    assert tags[by_text["开放获取周"]["tag_id"]]["members"] == [oa.openid_for("ada")]
    assert tags[by_text["Open access week"]["tag_id"]]["members"] == [oa.openid_for("bo")]
    assert f'data-miniprogram-path="packages/interests/interests?campaign={campaign.pk}"' in \
        by_text["开放获取周"]["text"]["content"]
    deliveries = {delivery.researcher_id: delivery for delivery in
                  CampaignDelivery.objects.filter(campaign=campaign, channel=Channel.OFFICIAL_ACCOUNT)}
    assert {user: deliveries[person.pk].state for user, person in audience.items()} == {
        "ada": DeliveryState.DELIVERED, "bo": DeliveryState.DELIVERED, "cai": DeliveryState.SKIPPED,
        "dong": DeliveryState.SKIPPED}
    assert deliveries[audience["cai"].pk].reason == "does not follow the Official Account"
    assert deliveries[audience["dong"].pk].reason == "this month's mass messages already received"
    assert campaign_stats(campaign=campaign)[Channel.OFFICIAL_ACCOUNT] == {
        "targeted": 4, "delivered": 2, "opened": 0, "failed": 0, "skipped": 2}
    assert oa.monthly_received("ada") == 1 and oa.monthly_received("dong") == 4

    # WeChat's MASSSENDJOBFINISH for one of them: recorded, and the campaign's tag is deleted at WeChat.
    oa_send = campaign.oa_sends.get(language="zh-hans")
    with django_capture_on_commit_callbacks() as finished:
        assert oa_mass_send_finished(msg_id=oa_send.mass_send.msg_id, result_status="send success", total_count=1,
                                     filter_count=1, sent_count=1, error_count=0, raw_event={},
                                     finished_at=campaign.finished_at)
    oa_send.mass_send.refresh_from_db()
    assert oa_send.mass_send.status == OaMassSendStatus.FINISHED
    assert _queued(finished, "tagging.tasks.campaign_oa_send_finished") == [(oa_send.mass_send_id,)]
    campaign_oa_send_finished(mass_send_id=oa_send.mass_send_id)
    assert oa_send.tag_id not in oa.tags


def test_a_cancel_before_the_mass_send_sends_nothing_to_the_account(oa, audience,
                                                                    django_capture_on_commit_callbacks):
    campaign = _campaign(official_account=True, in_app=True)
    _send_every_batch(campaign, django_capture_on_commit_callbacks)
    campaign_cancel(campaign=campaign)
    before = len(oa.mass_sends)

    campaign_oa_send(campaign_id=campaign.pk)

    assert len(oa.mass_sends) == before
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.CANCELLED


def test_a_test_send_previews_the_official_account_message_to_the_staff_member_only(oa, audience):
    from tagging.services.campaigns import campaign_test_send

    campaign = _campaign(official_account=True)
    sends_before = len(oa.mass_sends)

    assert campaign_test_send(campaign=campaign, researcher=audience["bo"]) == {"in_app": True,
                                                                               "official_account": True}
    (preview,) = oa.previews
    assert preview["touser"] == oa.openid_for("bo") and preview["text"]["content"].startswith("Open access week")
    assert len(oa.mass_sends) == sends_before and oa.monthly_received("bo") == 0  # no quota spent
    assert not CampaignDelivery.objects.exists()  # outside the campaign's figures

    # Cai does not follow the account: the inbox item only.
    assert campaign_test_send(campaign=campaign, researcher=audience["cai"]) == {"in_app": True,
                                                                                "official_account": False}
    assert len(oa.previews) == 1
