"""A campaign to 10,000 researchers fanned out by two real worker processes: each researcher reached once."""

from __future__ import annotations

import pytest
from django.db.models import Count

from accounts.models import Researcher, User
from notifications.models import Notification
from tagging.models import Campaign, CampaignDelivery, CampaignState, Channel
from tagging.selectors.campaigns import campaign_stats
from tagging.services.campaigns import campaign_launch
from tests.conftest import start_celery_worker, stop_process, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

AUDIENCE = 10_000


@pytest.fixture
def second_worker(celery_worker_process):
    process = start_celery_worker("pytest-campaign-worker")
    yield process
    stop_process(process)


def test_two_workers_reach_each_of_ten_thousand_researchers_once(second_worker, settings):
    users = User.objects.bulk_create([User(username=f"reader{n}") for n in range(AUDIENCE)], batch_size=2000)
    Researcher.objects.bulk_create([Researcher(user=user, language="en" if n % 3 else "zh-hans")
                                    for n, user in enumerate(users)], batch_size=2000)
    campaign = Campaign.objects.create(
        name="Everyone in English and Chinese", title_zh_hans="新刊上线", body_zh_hans="欢迎阅读。",
        title_en="New issue", body_en="Read it now.",
        audience={"any": [{"language": "zh-hans"}, {"language": "en"}]})

    campaign_launch(campaign=campaign)  # the plan and its batches run on the two workers
    wait_until(lambda: Campaign.objects.get(pk=campaign.pk).state == CampaignState.SENT, timeout=240,
               message="the fan-out to finish")

    campaign.refresh_from_db()
    assert campaign.targeted == AUDIENCE
    per_researcher = (CampaignDelivery.objects.filter(campaign=campaign).values("researcher")
                      .annotate(n=Count("id")).filter(n__gt=1))
    assert not per_researcher.exists()
    assert Notification.objects.filter(kind="campaign").count() == AUDIENCE
    stats = campaign_stats(campaign=campaign)[Channel.IN_APP]
    assert stats["targeted"] == campaign.targeted == stats["delivered"] + stats["failed"] + stats["skipped"]
