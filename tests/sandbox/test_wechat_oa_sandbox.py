"""The Official Account stand-in speaks WeChat's wire format: its own tokens from the shared token routes, tag and
follower limits as WeChat documents them, user/get paging, and events signed as WeChat signs them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox.server import Response, SandboxServer


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(port=0, quiet=True) as sandbox:
        yield sandbox


@pytest.fixture
def oa(server):
    server.reset()
    return server.wechat_oa


def _token(server, appid: str, secret: str) -> str:
    answer = requests.post(f"{server.base_url}/cgi-bin/stable_token", timeout=5, json={
        "grant_type": "client_credential", "appid": appid, "secret": secret}).json()
    return answer["access_token"]


def _post(server, path: str, token: str, body: dict) -> dict:
    return requests.post(f"{server.base_url}{path}", params={"access_token": token}, json=body, timeout=5).json()


def test_a_mini_program_token_is_refused_by_the_official_account(server, oa):
    mini_program_token = _token(server, server.wechat.app_id, server.wechat.app_secret)
    assert _post(server, "/cgi-bin/tags/create", mini_program_token, {"tag": {"name": "x"}})["errcode"] == 40001
    own = _token(server, oa.app_id, oa.app_secret)
    assert _post(server, "/cgi-bin/tags/create", own, {"tag": {"name": "x"}})["tag"] == {"id": 100, "name": "x"}


def test_tag_limits_answer_wechats_errcodes(server, oa):
    token = _token(server, oa.app_id, oa.app_secret)
    assert _post(server, "/cgi-bin/tags/create", token, {"tag": {"name": "标签" * 6}})["errcode"] == 45158  # 36 bytes
    tag_id = _post(server, "/cgi-bin/tags/create", token, {"tag": {"name": "ok"}})["tag"]["id"]
    openids = oa.add_followers([f"u{n}" for n in range(51)])
    assert _post(server, "/cgi-bin/tags/members/batchtagging", token,
                 {"openid_list": openids, "tagid": tag_id})["errcode"] == 40032
    assert _post(server, "/cgi-bin/tags/members/batchtagging", token,
                 {"openid_list": ["o-unknown"], "tagid": tag_id})["errcode"] == 40003
    assert _post(server, "/cgi-bin/tags/members/batchtagging", token,
                 {"openid_list": openids[:2], "tagid": 7})["errcode"] == 45159


def test_user_get_pages_by_next_openid_and_ends_with_an_empty_page(server, oa):
    oa.configure(page_size=2)
    openids = oa.add_followers(["a", "b", "c"])
    token = _token(server, oa.app_id, oa.app_secret)
    url = f"{server.base_url}/cgi-bin/user/get"
    first = requests.get(url, params={"access_token": token}, timeout=5).json()
    assert first == {"total": 3, "count": 2, "data": {"openid": openids[:2]}, "next_openid": openids[1]}
    second = requests.get(url, params={"access_token": token, "next_openid": openids[1]}, timeout=5).json()
    assert second["data"]["openid"] == openids[2:] and second["next_openid"] == openids[2]
    assert requests.get(url, params={"access_token": token, "next_openid": openids[2]}, timeout=5).json() == {
        "total": 3, "count": 0, "next_openid": ""}


def test_events_are_signed_with_the_token(oa):
    received = []

    def record(request):
        received.append(request)
        return Response(200, b"success", content_type="text/plain")

    with SandboxServer(port=0, quiet=True) as catcher:
        catcher.router.add("POST", "/callback", record)
        oa.configure(callback_url=f"{catcher.base_url}/callback")
        delivery = oa.follow("zed")["delivery"]

    assert delivery["status"] == 200 and delivery["body"] == "success"
    query = {key: values[0] for key, values in parse_qs(urlsplit(f"?{received[0].query_string}").query).items()}
    expected = hashlib.sha1("".join(sorted([oa.token, query["timestamp"], query["nonce"]])).encode()).hexdigest()
    assert query["signature"] == expected and query["openid"] == oa.openid_for("zed")
    assert b"<Event><![CDATA[subscribe]]></Event>" in received[0].body


def test_a_preview_reaches_one_follower_and_counts_against_no_quota(server, oa):
    token = _token(server, oa.app_id, oa.app_secret)
    (openid,) = oa.add_followers(["staff"])
    text = {"content": "开放获取周"}

    answer = _post(server, "/cgi-bin/message/mass/preview", token, {"touser": openid, "msgtype": "text", "text": text})
    assert answer["errcode"] == 0 and answer["msg_id"]
    assert oa.previews == [{"msg_id": answer["msg_id"], "touser": openid, "msgtype": "text", "text": text}]
    assert oa.monthly_received("staff") == 0
    assert _post(server, "/cgi-bin/message/mass/preview", token,
                 {"touser": "o-not-a-follower", "msgtype": "text", "text": text})["errcode"] == 43004
    assert _post(server, "/cgi-bin/message/mass/preview", token,
                 {"touser": openid, "msgtype": "text", "text": {}})["errcode"] == 47001
