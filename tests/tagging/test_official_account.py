"""The publisher's Official Account against its sandbox over HTTP: tags in batches of 50, the follower sync
(paging, unionid matching, unfollowers), token refresh, mass sends (idempotent by clientmsgid) and the monthly
quota behind the reach shown before a launch."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone, translation

from publisher_backend.integrations import integration_enabled, integrations_switched_off
from tagging.models import OaMassSend, OaMassSendQuota, OaMassSendStatus, OfficialAccountFollower
from tagging.selectors.official_account import oa_openids_for, oa_reach
from tagging.services.official_account import (
    oa_followers_rematch,
    oa_followers_sync,
    oa_mass_send_to_tag,
    oa_tag_create,
    oa_tag_delete,
    oa_tag_members_add,
    oa_tag_members_remove,
    quota_month,
)
from tagging.wechat_oa import OaNotConfigured, OaRefused, OaUnavailable
from tests.factories import WeChatIdentityFactory
from tests.tagging.oa_fixtures import researcher_in_wechat

pytestmark = pytest.mark.django_db

BATCHTAGGING = "/cgi-bin/tags/members/batchtagging"


def _users(count: int, prefix: str = "fan") -> list[str]:
    return [f"{prefix}{n:03d}" for n in range(count)]


def test_the_channel_is_off_until_configured(settings):
    settings.WECHAT_OA_APP_ID = settings.WECHAT_OA_APP_SECRET = settings.WECHAT_OA_TOKEN = ""
    assert not integration_enabled("wechat_oa")
    assert "wechat_oa" in [integration.key for integration in integrations_switched_off()]
    with pytest.raises(OaNotConfigured):
        oa_tag_create(name="anything")


def test_a_tag_is_created_and_deleted_at_wechat(oa):
    tag_id = oa_tag_create(name="JAS 2026 autumn")
    assert oa.tags[tag_id]["name"] == "JAS 2026 autumn"
    oa_tag_delete(tag_id=tag_id)
    assert tag_id not in oa.tags


def test_a_taken_tag_name_is_refused_with_wechats_reason(oa):
    oa_tag_create(name="oncology")
    with pytest.raises(OaRefused) as refused, translation.override("en"):
        oa_tag_create(name="oncology")
    assert refused.value.errcode == 45157
    assert "tag name" in str(refused.value.message)
    with pytest.raises(OaRefused) as refused_in_chinese:
        oa_tag_create(name="oncology")
    assert "标签名" in str(refused_in_chinese.value.message)


def test_members_are_tagged_and_untagged_in_calls_of_fifty(oa):
    openids = oa.add_followers(_users(120))
    tag_id = oa_tag_create(name="segment-1")

    assert oa_tag_members_add(tag_id=tag_id, openids=openids + openids[:10]) == 120  # repeats sent once
    assert oa.call_count(BATCHTAGGING) == 3
    assert oa.tags[tag_id]["members"] == sorted(openids)

    assert oa_tag_members_remove(tag_id=tag_id, openids=openids[:60]) == 60
    assert oa.call_count("/cgi-bin/tags/members/batchuntagging") == 2
    assert oa.tags[tag_id]["members"] == sorted(openids[60:])


def test_sync_pages_through_every_follower_and_matches_researchers_by_unionid(oa):
    oa.configure(page_size=7)  # WeChat pages by 10,000; seven makes four pages of 23
    oa.add_followers(_users(23), language="en")
    ada = researcher_in_wechat(oa, "fan003")
    bo = researcher_in_wechat(oa, "fan019")
    progress = []

    report = oa_followers_sync(progress=lambda done, total: progress.append((done, total)))

    assert report.listed == 23 and report.created == 23 and report.matched == 2
    assert progress[-1] == (23, 23) and len(progress) == 4
    assert oa.call_count("/cgi-bin/user/get") == 5  # four pages, then the empty one that ends the list
    assert oa.call_count("/cgi-bin/user/info/batchget") == 4
    rows = OfficialAccountFollower.objects.all()
    assert rows.count() == 23 and all(row.subscribed and row.language == "en" for row in rows)
    assert {row.researcher_id for row in rows if row.researcher_id} == {ada.pk, bo.pk}
    fan3 = rows.get(openid=oa.openid_for("fan003"))
    assert fan3.unionid == oa.unionid_for("fan003") and fan3.subscribed_at is not None


def test_sync_again_changes_nothing_and_marks_those_who_left_as_unfollowed(oa):
    oa.add_followers(_users(5))
    oa_followers_sync()
    oa.unfollow("fan001", notify=False)

    report = oa_followers_sync()

    assert report.created == 0 and report.listed == 4 and report.unfollowed == 1
    gone = OfficialAccountFollower.objects.get(openid=oa.openid_for("fan001"))
    assert not gone.subscribed and gone.unsubscribed_at is not None
    assert OfficialAccountFollower.objects.filter(subscribed=True).count() == 4


def test_a_follower_updated_by_a_newer_event_is_left_to_it(oa):
    oa.add_followers(["zoe"])
    OfficialAccountFollower.objects.create(openid=oa.openid_for("zoe"), subscribed=False,
                                           last_event_at=timezone.now() + timedelta(minutes=5))
    report = oa_followers_sync()
    assert report.skipped_newer == 1
    assert not OfficialAccountFollower.objects.get(openid=oa.openid_for("zoe")).subscribed


def test_followers_who_log_in_later_are_matched_by_the_rematch(oa):
    oa.add_followers(["late"])
    oa_followers_sync()
    assert OfficialAccountFollower.objects.get().researcher is None
    researcher = researcher_in_wechat(oa, "late")
    assert oa_followers_rematch() == 1
    assert OfficialAccountFollower.objects.get().researcher == researcher


def test_a_refused_token_is_refreshed_once_and_the_call_repeated(oa):
    oa.add_followers(_users(3))
    tag_id = oa_tag_create(name="first")
    oa.expire_tokens()

    assert oa_tag_members_add(tag_id=tag_id, openids=[oa.openid_for("fan000")]) == 1

    errcodes = [call["errcode"] for call in oa.calls if call["path"] == BATCHTAGGING]
    assert errcodes == [42001, 0]


def test_the_official_accounts_token_is_its_own(oa, oa_server):
    oa_tag_create(name="t")
    assert oa_server.wechat.call_count("/cgi-bin/stable_token") == 1
    # The Mini Program's cached token is untouched by the Official Account's.
    assert oa_server.wechat_oa.call_count("/cgi-bin/tags/create") == 1


def test_mass_send_to_a_tag_records_wechats_ids_and_counts_each_follower(oa):
    openids = oa.add_followers(_users(3))
    oa_followers_sync()
    tag_id = oa_tag_create(name="campaign-7")
    oa_tag_members_add(tag_id=tag_id, openids=openids)

    send = oa_mass_send_to_tag(tag_id=tag_id, msgtype="text", content={"content": "New issue of JAS"})

    assert send.status == OaMassSendStatus.SUBMITTED and send.msg_id and send.recipients == 3
    sent = oa.mass_sends
    assert len(sent) == 1 and sent[0]["tag_id"] == tag_id and sent[0]["text"] == {"content": "New issue of JAS"}
    assert sent[0]["msg_id"] == send.msg_id and sent[0]["clientmsgid"] == send.client_msg_id
    month = quota_month()
    assert set(OaMassSendQuota.objects.filter(month=month).values_list("sends", flat=True)) == {1}


def test_a_mass_send_repeated_with_its_key_goes_out_once(oa):
    openids = oa.add_followers(_users(2))
    oa_followers_sync()
    tag_id = oa_tag_create(name="campaign-8")
    oa_tag_members_add(tag_id=tag_id, openids=openids)
    first = oa_mass_send_to_tag(tag_id=tag_id, msgtype="text", content={"content": "hi"}, client_msg_id="camp-8-oa")
    assert oa_mass_send_to_tag(tag_id=tag_id, msgtype="text", content={"content": "hi"},
                               client_msg_id="camp-8-oa").pk == first.pk

    # The answer was lost (a timeout): the row is still `sending`; sending again finds WeChat's job (45065).
    OaMassSend.objects.filter(pk=first.pk).update(status=OaMassSendStatus.SENDING, msg_id=None)
    again = oa_mass_send_to_tag(tag_id=tag_id, msgtype="text", content={"content": "hi"}, client_msg_id="camp-8-oa")

    assert len(oa.mass_sends) == 1
    assert again.status == OaMassSendStatus.SUBMITTED and again.msg_id == oa.mass_sends[0]["msg_id"]


def test_a_mass_send_to_an_unknown_tag_is_marked_failed(oa):
    with pytest.raises(OaRefused) as refused:
        oa_mass_send_to_tag(tag_id=999, msgtype="text", content={"content": "x"}, recipients=[],
                            client_msg_id="bad-tag")
    assert refused.value.errcode == 45159
    send = OaMassSend.objects.get(client_msg_id="bad-tag")
    assert send.status == OaMassSendStatus.FAILED and send.errcode == 45159


def test_a_follower_counts_at_most_four_mass_messages_a_month_and_reach_shows_who_is_left(oa):
    ada, bo = researcher_in_wechat(oa, "ada"), researcher_in_wechat(oa, "bo")
    outsider = WeChatIdentityFactory(unionid="o-not-a-follower").researcher
    openids = oa.add_followers(["ada", "bo"])
    oa_followers_sync()
    researchers = [ada.pk, bo.pk, outsider.pk]
    assert oa_reach(researcher_ids=researchers) == {"followers": 2, "quota_left": 2}

    ada_tag, both_tag = oa_tag_create(name="ada-only"), oa_tag_create(name="both")
    oa_tag_members_add(tag_id=ada_tag, openids=openids[:1])
    oa_tag_members_add(tag_id=both_tag, openids=openids)
    for n in range(4):
        oa_mass_send_to_tag(tag_id=ada_tag, msgtype="text", content={"content": f"n{n}"})

    assert oa_reach(researcher_ids=researchers) == {"followers": 2, "quota_left": 1}
    assert oa_openids_for(researcher_ids=researchers) == [oa.openid_for("bo")]
    fifth = oa_mass_send_to_tag(tag_id=both_tag, msgtype="text", content={"content": "fifth"})
    assert fifth.recipients == 1  # Ada has had her four this month; only Bo is counted
    assert oa.monthly_received("ada") == 4 and oa.monthly_received("bo") == 1
    assert OaMassSendQuota.objects.get(follower__openid=openids[0]).sends == 4


def test_the_quota_month_is_the_calendar_month_in_beijing():
    assert quota_month(datetime(2026, 1, 31, 16, 30, tzinfo=UTC)) == date(2026, 2, 1)  # 00:30 on 1 Feb in Beijing
    assert quota_month(datetime(2026, 1, 31, 15, 59, tzinfo=UTC)) == date(2026, 1, 1)


def test_last_months_sends_leave_this_months_quota_whole(oa):
    researcher = researcher_in_wechat(oa, "cy")
    oa.add_followers(["cy"])
    oa_followers_sync()
    follower = OfficialAccountFollower.objects.get()
    last_month = quota_month(timezone.now().replace(day=1) - timedelta(days=2))
    OaMassSendQuota.objects.create(follower=follower, month=last_month, sends=4)
    assert oa_reach(researcher_ids=[researcher.pk]) == {"followers": 1, "quota_left": 1}


def test_the_sync_command_shows_progress_and_ends_with_a_summary(oa):
    oa.configure(page_size=2)
    oa.add_followers(_users(3))
    out = io.StringIO()
    call_command("oa_followers_sync", stdout=out)
    lines = [line.strip() for line in out.getvalue().splitlines()]
    assert lines[:2] == ["2/3 followers read", "3/3 followers read"]
    assert lines[-1].startswith("Synced 3 followers: 3 new")


def test_the_sync_runs_every_night_from_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["tagging-oa-followers-sync"]
    assert entry["task"] == "tagging.tasks.oa_followers_sync"
    from tagging import tasks

    assert tasks.oa_followers_sync.name == entry["task"]


def test_admin_finds_followers_by_unionid_and_filters_the_subscribed(staff_client, oa):
    researcher = researcher_in_wechat(oa, "hal")
    oa.add_followers(["hal", "ivy"])
    oa_followers_sync()
    oa.unfollow("ivy", notify=False)
    oa_followers_sync()

    found = staff_client.get("/admin/tagging/officialaccountfollower/", {"q": oa.unionid_for("hal")})
    assert found.status_code == 200
    assert list(found.context["cl"].result_list) == [OfficialAccountFollower.objects.get(researcher=researcher)]
    following = staff_client.get("/admin/tagging/officialaccountfollower/", {"subscribed__exact": "1"})
    assert [row.openid for row in following.context["cl"].result_list] == [oa.openid_for("hal")]
    assert staff_client.get("/admin/tagging/oamasssend/").status_code == 200


def test_a_mass_send_without_an_answer_stays_sending_and_its_key_resolves_it(oa, oa_server, settings):
    openids = oa.add_followers(["jo"])
    oa_followers_sync()
    tag_id = oa_tag_create(name="campaign-10")
    oa_tag_members_add(tag_id=tag_id, openids=openids)
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"  # nothing listens: no answer
    with pytest.raises(OaUnavailable):
        oa_mass_send_to_tag(tag_id=tag_id, msgtype="text", content={"content": "x"}, recipients=openids,
                            client_msg_id="camp-10-oa")
    assert OaMassSend.objects.get(client_msg_id="camp-10-oa").status == OaMassSendStatus.SENDING

    settings.WECHAT_API_BASE = oa_server.base_url
    send = oa_mass_send_to_tag(tag_id=tag_id, msgtype="text", content={"content": "x"}, client_msg_id="camp-10-oa")
    assert send.status == OaMassSendStatus.SUBMITTED and send.recipients == 1 and len(oa.mass_sends) == 1
