"""Issue 11, reaching researchers, through the Mini Program's real pages over real HTTP
(miniprogram/test/e2e/campaign.e2e.test.js): staff launch a campaign to a tag, in the Mini Program and through the
publisher's Official Account; a real Celery worker fans it out; the researcher sees the home card, taps it (the open
is counted once, on the backend) and finds the news in the inbox, never as a WeChat subscription message; the
Official Account's stand-in received one mass send to the campaign's tag, holding the researcher.

Here: the live Django server (a thread of this process), a sandbox serving WeChat (login) and the Official Account
with test-only credentials, and a worker of this test pointed at it (the worker's WeChat settings come from its
environment). The session's worker is paused meanwhile, so that this test's worker takes the campaign's tasks."""

import os
import signal
from collections.abc import Iterator

import pytest

from notifications.models import Notification, NotificationState
from tagging.models import AssignmentSource, Campaign, CampaignDelivery, CampaignState, Channel
from tagging.services.campaigns import campaign_launch
from tagging.services.official_account import oa_followers_sync
from tagging.services.tags import tag_create, tags_assign
from tests.conftest import start_celery_worker, stop_process, wait_until, wechat_code
from tests.miniprogram_e2e import USER, run_js_e2e
from tests.tagging.oa_fixtures import TEST_OA

JS_TEST = "test/e2e/campaign.e2e.test.js"
TITLE = "《应用科学学报》新刊上线"
PAGE = "pages/accounts/list"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow]


@pytest.fixture
def campaign_worker(celery_worker_process, oa_server) -> Iterator[None]:
    """A worker whose WeChat (Mini Program and Official Account) is this test's sandbox; the session's worker is
    paused (SIGSTOP) while it runs, so every campaign task goes to this one."""
    os.kill(celery_worker_process.pid, signal.SIGSTOP)
    worker = start_celery_worker("pytest-campaign-e2e", {"WECHAT_API_BASE": oa_server.base_url,
                                                         **{name.upper(): value for name, value in TEST_OA.items()}})
    try:
        yield
    finally:
        stop_process(worker)
        os.kill(celery_worker_process.pid, signal.SIGCONT)


def test_miniprogram_shows_a_staff_campaign_and_counts_its_open(live_server, api_client, oa, oa_server,
                                                                campaign_worker):
    login = api_client.post("/api/v1/auth/login", {"code": wechat_code(USER)}, format="json").json()
    researcher_id = login["researcher"]["id"]
    tag = tag_create(slug="soil-science", name_en="Soil science", name_zh_hans="土壤学")
    tags_assign(tag=tag, researcher_ids=[researcher_id], source=AssignmentSource.STAFF, actor="editor")
    oa.add_followers([USER])
    oa_followers_sync()  # the researcher follows the publisher's Official Account (matched by unionid)
    campaign = Campaign.objects.create(name="New issue", audience={"tag": "soil-science"}, title_zh_hans=TITLE,
                                       body_zh_hans="第 12 期已出版，本期专题：土壤微生物组。", page=PAGE,
                                       official_account=True)
    campaign_launch(campaign=campaign)
    wait_until(lambda: Campaign.objects.get(pk=campaign.pk).state == CampaignState.SENT, timeout=60,
               message="the worker to fan the campaign out")

    run_js_e2e(JS_TEST, live_server=live_server, sandbox=oa_server, system=None,
               extra_env={"E2E_CAMPAIGN_ID": str(campaign.pk), "E2E_CAMPAIGN_TITLE": TITLE,
                          "E2E_CAMPAIGN_PAGE": PAGE})

    delivery = CampaignDelivery.objects.get(campaign=campaign, researcher_id=researcher_id, channel=Channel.IN_APP)
    assert delivery.opened_at is not None
    notice = Notification.objects.get(kind="campaign", researcher_id=researcher_id)
    assert notice.state == NotificationState.SKIPPED  # the inbox only: WeChat got no message
    assert notice.page == f"{PAGE}?campaign={campaign.pk}"
    assert not oa_server.wechat.sent_messages
    # The Official Account: one mass send, to the campaign's tag, which holds the researcher's openid.
    (mass_send,) = oa.mass_sends
    assert mass_send["text"]["content"].startswith(TITLE)
    assert oa.tags[mass_send["tag_id"]]["members"] == [oa.openid_for(USER)]
    oa_delivery = CampaignDelivery.objects.get(campaign=campaign, channel=Channel.OFFICIAL_ACCOUNT)
    assert (oa_delivery.researcher_id, oa_delivery.state) == (researcher_id, "delivered")
