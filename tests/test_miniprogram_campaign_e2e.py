"""Issue 11, reaching researchers, through the Mini Program's real pages over real HTTP
(miniprogram/test/e2e/campaign.e2e.test.js): staff launch a campaign to a tag; the session's real Celery worker
fans it out; the researcher sees the home card, taps it (the open is counted once, on the backend) and finds the
news in the inbox, never as a WeChat message.

Here: the live Django server (a thread of this process), the session's Celery worker (the fan-out), and the
session's sandbox serving WeChat (login)."""

import pytest

from notifications.models import Notification, NotificationState
from tagging.models import AssignmentSource, Campaign, CampaignDelivery, CampaignState, Channel
from tagging.services.campaigns import campaign_launch
from tagging.services.tags import tag_create, tags_assign
from tests.conftest import wait_until, wechat_code
from tests.miniprogram_e2e import USER, run_js_e2e

JS_TEST = "test/e2e/campaign.e2e.test.js"
TITLE = "《应用科学学报》新刊上线"
PAGE = "pages/accounts/list"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow]


def test_miniprogram_shows_a_staff_campaign_and_counts_its_open(live_server, api_client, celery_worker_process,
                                                                wechat_sandbox):
    login = api_client.post("/api/v1/auth/login", {"code": wechat_code(USER)}, format="json").json()
    researcher_id = login["researcher"]["id"]
    tag = tag_create(slug="soil-science", name_en="Soil science", name_zh_hans="土壤学")
    tags_assign(tag=tag, researcher_ids=[researcher_id], source=AssignmentSource.STAFF, actor="editor")
    campaign = Campaign.objects.create(name="New issue", audience={"tag": "soil-science"}, title_zh_hans=TITLE,
                                       body_zh_hans="第 12 期已出版，本期专题：土壤微生物组。", page=PAGE)
    campaign_launch(campaign=campaign)
    wait_until(lambda: Campaign.objects.get(pk=campaign.pk).state == CampaignState.SENT, timeout=60,
               message="the worker to fan the campaign out")

    run_js_e2e(JS_TEST, live_server=live_server, sandbox=wechat_sandbox, system=None,
               extra_env={"E2E_CAMPAIGN_ID": str(campaign.pk), "E2E_CAMPAIGN_TITLE": TITLE,
                          "E2E_CAMPAIGN_PAGE": PAGE})

    delivery = CampaignDelivery.objects.get(campaign=campaign, researcher_id=researcher_id, channel=Channel.IN_APP)
    assert delivery.opened_at is not None
    notice = Notification.objects.get(kind="campaign", researcher_id=researcher_id)
    assert notice.state == NotificationState.SKIPPED  # the inbox only: WeChat got no message
    assert notice.page == f"{PAGE}?campaign={campaign.pk}"
    assert not wechat_sandbox.wechat.sent_messages
