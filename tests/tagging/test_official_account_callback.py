"""WeChat calling the Official Account's callback (`/wechat/oa/callback`): the URL check, signed events in plain and
safe mode sent by the sandbox over real HTTP to the live server, follow/unfollow matched to researchers by
unionid, replays, and the mass send's job-finished event."""

from __future__ import annotations

import hashlib
import time

import pytest
import requests

from sandbox.wechat_oa import encrypt_message
from tagging.models import OaMassSend, OaMassSendStatus, OfficialAccountFollower
from tagging.services.official_account import oa_mass_send_to_tag, oa_tag_create, oa_tag_members_add
from tests.accounts.tasks_inline import tasks_inline
from tests.conftest import wait_until
from tests.tagging.oa_fixtures import TEST_OA, researcher_in_wechat

CALLBACK = "/wechat/oa/callback"
SUBSCRIBE_XML = ("<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
                 "<MsgType>event</MsgType><Event>subscribe</Event></xml>")


def _signed_query(token: str = TEST_OA["wechat_oa_token"], **extra: str) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), "n0nce"
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce, **extra}


@pytest.fixture
def callback(oa, live_server):
    """The sandbox posts its events to the live server's callback."""
    oa.configure(callback_url=f"{live_server.url}{CALLBACK}")
    with tasks_inline():
        yield oa


# --- the URL check and signatures (Django's test client) ----------------------------------------------------

@pytest.mark.django_db
def test_the_url_check_echoes_echostr_when_the_signature_is_right(client, oa):
    response = client.get(CALLBACK, _signed_query(echostr="4913853186352845"))
    assert response.status_code == 200 and response.content == b"4913853186352845"


@pytest.mark.django_db
def test_the_url_check_with_a_wrong_signature_is_403_without_detail(client, oa):
    response = client.get(CALLBACK, _signed_query(token="not-our-token", echostr="x"))
    assert response.status_code == 403 and response.content == b""
    assert client.get(CALLBACK, {"echostr": "x"}).status_code == 403


@pytest.mark.django_db
def test_the_callback_is_404_while_the_channel_is_off(client, oa, settings):
    settings.WECHAT_OA_TOKEN = ""
    assert client.get(CALLBACK, _signed_query(echostr="x")).status_code == 404


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_unread(client, oa, settings):
    settings.WECHAT_OA_CALLBACK_MAX_BYTES = 100
    query = "&".join(f"{key}={value}" for key, value in _signed_query().items())
    response = client.post(f"{CALLBACK}?{query}", data="<xml>" + "x" * 200 + "</xml>", content_type="text/xml")
    assert response.status_code == 413


@pytest.mark.django_db
def test_a_body_that_is_not_wechats_xml_is_400(client, oa):
    query = "&".join(f"{key}={value}" for key, value in _signed_query().items())
    response = client.post(f"{CALLBACK}?{query}", data="not xml", content_type="text/xml")
    assert response.status_code == 400
    assert OfficialAccountFollower.objects.count() == 0


# --- events from the sandbox over HTTP ----------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_follow_is_recorded_and_matched_to_the_researcher_by_unionid(callback):
    researcher = researcher_in_wechat(callback, "ada")

    delivery = callback.follow("ada", language="en")["delivery"]

    assert delivery["status"] == 200 and delivery["body"] == "success"
    follower = OfficialAccountFollower.objects.get(openid=callback.openid_for("ada"))
    assert follower.subscribed and follower.subscribed_at is not None
    assert follower.unionid == callback.unionid_for("ada")  # read from user/info after the event
    assert follower.researcher == researcher and follower.language == "en"


@pytest.mark.django_db(transaction=True)
def test_an_unfollow_keeps_the_row_and_marks_it(callback):
    callback.follow("bo", at=1_790_000_000)
    delivery = callback.unfollow("bo", at=1_790_000_100)["delivery"]

    assert delivery["status"] == 200
    follower = OfficialAccountFollower.objects.get(openid=callback.openid_for("bo"))
    assert not follower.subscribed and follower.unsubscribed_at.timestamp() == 1_790_000_100


@pytest.mark.django_db(transaction=True)
def test_a_replayed_or_late_event_changes_nothing(callback):
    callback.follow("cy", at=1_790_000_000)
    callback.unfollow("cy", at=1_790_000_100)
    openid = callback.openid_for("cy")

    # WeChat's retry of the unfollow, then the follow arriving late: both are answered, neither changes the row.
    assert callback.send_event(openid, "unsubscribe", at=1_790_000_100)["status"] == 200
    assert callback.send_event(openid, "subscribe", at=1_790_000_000)["status"] == 200

    follower = OfficialAccountFollower.objects.get(openid=openid)
    assert not follower.subscribed and follower.last_event_at.timestamp() == 1_790_000_100
    assert OfficialAccountFollower.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_forged_event_is_refused_and_changes_nothing(callback):
    delivery = callback.send_event(callback.openid_for("mallory"), "subscribe", signature_token="guessed")
    assert delivery["status"] == 403 and delivery["body"] == ""
    assert OfficialAccountFollower.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_safe_mode_events_are_decrypted_and_applied(callback):
    callback.configure(safe_mode=True)
    researcher = researcher_in_wechat(callback, "dee")

    delivery = callback.follow("dee")["delivery"]

    assert delivery["status"] == 200
    assert OfficialAccountFollower.objects.get(openid=callback.openid_for("dee")).researcher == researcher


@pytest.mark.django_db(transaction=True)
def test_a_safe_mode_message_encrypted_with_another_key_is_refused(callback, live_server):
    encrypted = encrypt_message(SUBSCRIBE_XML, aes_key="AnotherOfficialAccountEncodingAesKey0000000",
                                app_id=TEST_OA["wechat_oa_app_id"])
    query = _signed_query(encrypt_type="aes")
    query["msg_signature"] = hashlib.sha1("".join(sorted(
        [TEST_OA["wechat_oa_token"], query["timestamp"], query["nonce"], encrypted])).encode()).hexdigest()
    response = requests.post(f"{live_server.url}{CALLBACK}", params=query, timeout=5,
                             data=f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
    assert response.status_code == 403
    assert OfficialAccountFollower.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_safe_mode_message_with_a_wrong_msg_signature_is_refused(callback, live_server):
    encrypted = encrypt_message(SUBSCRIBE_XML, aes_key=TEST_OA["wechat_oa_aes_key"], app_id=TEST_OA["wechat_oa_app_id"])
    query = _signed_query(encrypt_type="aes", msg_signature="0" * 40)
    response = requests.post(f"{live_server.url}{CALLBACK}", params=query, timeout=5,
                             data=f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
    assert response.status_code == 403 and response.content == b""


@pytest.mark.django_db(transaction=True)
def test_the_mass_sends_job_finished_event_is_recorded_once(callback):
    openids = callback.add_followers(["eve", "fay"])
    tag_id = oa_tag_create(name="campaign-9")
    oa_tag_members_add(tag_id=tag_id, openids=openids)

    send = oa_mass_send_to_tag(tag_id=tag_id, msgtype="text", content={"content": "Call for papers"})

    wait_until(lambda: OaMassSend.objects.get(pk=send.pk).status == OaMassSendStatus.FINISHED, timeout=10,
               message="MASSSENDJOBFINISH recorded")
    send.refresh_from_db()
    assert (send.result_status, send.total_count, send.filter_count, send.sent_count, send.error_count) == (
        "send success", 2, 2, 2, 0)
    assert send.raw_event["MsgID"] == str(send.msg_id) and send.finished_at is not None

    # WeChat's retry of the same event: answered, recorded once.
    finished_at = send.finished_at
    retry = callback.send_event("o-system", "MASSSENDJOBFINISH", extra={
        "MsgID": send.msg_id, "Status": "send fail", "TotalCount": 2, "FilterCount": 0, "SentCount": 0,
        "ErrorCount": 2})
    assert retry["status"] == 200 and retry["body"] == "success"
    send.refresh_from_db()
    assert send.result_status == "send success" and send.finished_at == finished_at


def test_the_sandbox_control_routes_follow_and_show_the_mass_sends(oa_server, oa):
    answer = requests.post(f"{oa_server.base_url}/__sandbox__/wechat-oa/follow", json={"user": "gus"}, timeout=5)
    assert answer.status_code == 200 and answer.json()["openid"] == oa.openid_for("gus")
    assert answer.json()["delivery"] is None  # no callback URL configured: no event sent
    followers = requests.get(f"{oa_server.base_url}/__sandbox__/wechat-oa/followers", timeout=5).json()["followers"]
    assert [f["user"] for f in followers] == ["gus"]
    assert requests.get(f"{oa_server.base_url}/__sandbox__/wechat-oa/mass-sends", timeout=5).json() == {
        "mass_sends": []}
