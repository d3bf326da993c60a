"""Campaigns in admin: a saved segment starts the audience, the preview shows each language, a test goes to the
staff member's own inbox, launching needs the launch permission."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import Researcher
from notifications.models import Notification, NotificationState
from tagging.models import Campaign, CampaignState
from tagging.services.segments import segment_create
from tagging.services.tags import tag_create
from tests.factories import ResearcherFactory

pytestmark = pytest.mark.django_db

FORM = {"name": "OA week", "title_zh_hans": "开放获取周", "body_zh_hans": "本周缴费八折。",
        "title_en": "Open access week", "body_en": "20% off.", "page": "pages/home/home", "in_app": "on",
        "audience": "",
        "variants-TOTAL_FORMS": "0", "variants-INITIAL_FORMS": "0", "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000"}


def test_a_draft_takes_a_saved_segment_and_previews_both_languages(staff_client):
    tag_create(slug="oncology", name_en="Oncology")
    segment = segment_create(name="Oncologists", expression={"tag": "oncology"})

    answer = staff_client.post(reverse("admin:tagging_campaign_add"), {**FORM, "segment": segment.pk})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    campaign = Campaign.objects.get()
    assert campaign.audience == {"tag": "oncology"} and campaign.state == CampaignState.DRAFT

    page = staff_client.get(reverse("admin:tagging_campaign_change", args=[campaign.pk]),
                            HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "开放获取周" in page and "Open access week" in page and "0 researchers in the audience now" in page


def test_an_unknown_tag_in_the_audience_is_named(staff_client):
    answer = staff_client.post(reverse("admin:tagging_campaign_add"), {**FORM, "audience": '{"tag": "nope"}'})
    assert answer.status_code == 200
    assert "nope" in answer.content.decode() and not Campaign.objects.exists()


def test_a_test_send_reaches_only_the_staff_members_inbox_and_launch_needs_the_permission(
        client, django_user_model):
    staff = django_user_model.objects.create_user("editor", password="a-long-editor-password", is_staff=True)
    Researcher.objects.create(user=staff, language="en")
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_campaign", "change_campaign"]))
    client.force_login(staff)
    ResearcherFactory()
    campaign = Campaign.objects.create(name="OA week", audience={"language": "en"}, title_zh_hans="开放获取周",
                                       body_zh_hans="八折", title_en="Open access week", body_en="20% off.")
    changelist = reverse("admin:tagging_campaign_changelist")

    answer = client.post(changelist, {"action": "launch_campaigns", "_selected_action": [campaign.pk]})
    assert answer.status_code == 200  # no such action without the launch permission
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT

    staff.user_permissions.add(Permission.objects.get(codename="launch_campaign"))
    staff = django_user_model.objects.get(pk=staff.pk)
    client.force_login(staff)
    client.post(changelist, {"action": "send_test_to_me", "_selected_action": [campaign.pk]})
    (notice,) = Notification.objects.filter(kind="campaign")
    assert notice.researcher.user == staff and notice.title == "Open access week"
    assert notice.state == NotificationState.SKIPPED
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT and not campaign.deliveries.exists()

    client.post(changelist, {"action": "launch_campaigns", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.SENDING


def test_the_preview_shows_the_official_account_message_and_the_reach_its_followers(staff_client):
    campaign = Campaign.objects.create(name="OA week", audience={"language": "zh-hans"}, title_zh_hans="开放获取周",
                                       body_zh_hans="本周缴费八折。", page="pages/home/home", official_account=True)
    ResearcherFactory(language="zh-hans")

    page = staff_client.get(reverse("admin:tagging_campaign_change", args=[campaign.pk]),
                            HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Official Account, Chinese" in page and "在小程序中查看" in page
    assert "1 researchers in the audience now" in page
    assert "Official Account: 0 of them follow it, 0 can still receive a mass message this month." in page
