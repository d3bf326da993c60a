"""The WeChat sandbox over real HTTP: wire format, deterministic users, tokens, messages, codes, faults.

No Django here on purpose: the sandbox is a standalone process the product only reaches by URL.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from wechatpy import WeChatClient
from wechatpy.client.api import WeChatWxa

from sandbox.server import SandboxServer

APP_ID = "wxsandbox0000000001"
SECRET = "sandbox-secret"
REPO_ROOT = Path(__file__).resolve().parents[2]
RID = re.compile(r" rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$")
# The Mini Program's templates, as the product loads them (the sandbox reads the same file by default).
FIXTURE = json.loads((REPO_ROOT / "notifications" / "fixtures" / "subscription_templates.json").read_text())
STATUS_TEMPLATE = next(row["fields"]["template_id"] for row in FIXTURE if row["fields"]["kind"] == "status_changed")
STATUS_DATA = {
    "thing1": {"value": "Manuscript accepted"},
    "phrase2": {"value": "已录用"},
    "thing3": {"value": "应用科学学报"},
    "time4": {"value": "2026年11月25日 15:01"},
}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    sandbox = SandboxServer(port=0, wechat_app_id=APP_ID, wechat_app_secret=SECRET, quiet=True).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture(autouse=True)
def clean_state(server: SandboxServer) -> Iterator[None]:
    server.reset()
    ttl, delay = server.wechat.token_ttl_seconds, server.wechat.timeout_fault_seconds
    yield
    server.wechat.token_ttl_seconds, server.wechat.timeout_fault_seconds = ttl, delay


def get(server: SandboxServer, path: str, **params: Any) -> Any:
    response = requests.get(server.base_url + path, params=params, timeout=5)
    assert response.status_code == 200
    return response.json()


def post(server: SandboxServer, path: str, body: Any = None, **params: Any) -> Any:
    response = requests.post(server.base_url + path, params=params, json=body, timeout=5)
    assert response.status_code == 200
    return response.json()


def login(server: SandboxServer, code: str, **overrides: str) -> dict[str, Any]:
    params = {"appid": APP_ID, "secret": SECRET, "js_code": code, "grant_type": "authorization_code"}
    return get(server, "/sns/jscode2session", **{**params, **overrides})


def fetch_token(server: SandboxServer) -> str:
    result = get(server, "/cgi-bin/token", grant_type="client_credential", appid=APP_ID, secret=SECRET)
    return result["access_token"]


def stable_token(server: SandboxServer, force_refresh: bool = False) -> dict[str, Any]:
    body = {
        "grant_type": "client_credential",
        "appid": APP_ID,
        "secret": SECRET,
        "force_refresh": force_refresh,
    }
    return post(server, "/cgi-bin/stable_token", body)


def message(openid: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "touser": openid,
        "template_id": STATUS_TEMPLATE,
        "page": "pages/manuscript/detail?id=7",
        "miniprogram_state": "trial",
        "lang": "en_US",
        "data": STATUS_DATA,
    }
    return {**body, **overrides}


def subscriber(server: SandboxServer, user: str = "alice", accepts: int = 1) -> str:
    """``user``'s openid, after they allowed ``accepts`` status messages in wx.requestSubscribeMessage."""
    for _ in range(accepts):
        openid = server.wechat.subscribe(user, {STATUS_TEMPLATE: "accept"})["openid"]
    return openid


def send(server: SandboxServer, body: Any, token: str | None = None) -> dict[str, Any]:
    return post(server, "/cgi-bin/message/subscribe/send", body, access_token=token or fetch_token(server))


def assert_error(result: dict[str, Any], errcode: int, errmsg: str) -> None:
    assert result["errcode"] == errcode
    assert result["errmsg"].startswith(errmsg)
    assert RID.search(result["errmsg"]), result["errmsg"]


def decode_png(data: bytes) -> tuple[dict[str, int], list[bytes]]:
    """Independent PNG check: signature, chunk CRCs, IHDR, IDAT inflate and scanline layout."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (compression, filtering, interlace) == (0, 0, 0)
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    stride = 1 + (width * depth * channels + 7) // 8
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(raw) == height * stride
    rows = [raw[i : i + stride] for i in range(0, len(raw), stride)]
    assert all(row[0] <= 4 for row in rows)  # valid filter type on every scanline
    header = {"width": width, "height": height, "depth": depth, "colour": colour}
    return header, rows


def wxacode(server: SandboxServer, body: Any) -> requests.Response:
    url = f"{server.base_url}/wxa/getwxacodeunlimit"
    return requests.post(url, params={"access_token": fetch_token(server)}, json=body, timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the server itself ---


def test_health_route_answers_ok(server: SandboxServer) -> None:
    assert get(server, "/__sandbox__/health") == {"ok": True}


def test_unknown_path_is_404_json(server: SandboxServer) -> None:
    response = requests.get(server.base_url + "/cgi-bin/nope", timeout=5)
    assert response.status_code == 404
    assert response.json() == {"errcode": -1, "errmsg": "not found"}


def test_base_url_has_no_trailing_slash(server: SandboxServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)


# --- code2Session ---


def test_login_returns_openid_session_key_and_unionid(server: SandboxServer) -> None:
    result = login(server, "alice-1")
    assert set(result) == {"openid", "session_key", "unionid"}
    assert result["openid"] == server.wechat.openid_for("alice")
    assert re.fullmatch(r"o[A-Za-z0-9_-]{27}", result["openid"])
    assert re.fullmatch(r"o[A-Za-z0-9_-]{27}", result["unionid"]) and result["unionid"] != result["openid"]
    assert len(base64.b64decode(result["session_key"])) == 16


def test_codes_of_the_same_user_give_the_same_openid(server: SandboxServer) -> None:
    first, second = login(server, "alice-1"), login(server, "alice-2")
    assert (first["openid"], first["unionid"]) == (second["openid"], second["unionid"])
    assert login(server, "bob-1")["openid"] != first["openid"]


def test_code_without_dash_is_its_own_user(server: SandboxServer) -> None:
    assert login(server, "carol")["openid"] == server.wechat.openid_for("carol")


def test_session_key_is_fresh_for_every_login(server: SandboxServer) -> None:
    assert login(server, "alice-1")["session_key"] != login(server, "alice-2")["session_key"]


def test_openid_is_stable_across_server_instances(server: SandboxServer) -> None:
    with SandboxServer(port=0, wechat_app_id=APP_ID, wechat_app_secret=SECRET, quiet=True) as other:
        assert login(other, "alice-1")["openid"] == login(server, "alice-1")["openid"]


def test_openid_depends_on_app_but_unionid_does_not(server: SandboxServer) -> None:
    with SandboxServer(port=0, wechat_app_id="wxother", wechat_app_secret="s", quiet=True) as other:
        theirs = get(other, "/sns/jscode2session", appid="wxother", secret="s", js_code="alice-1")
    ours = login(server, "alice-1")
    assert theirs["openid"] != ours["openid"] and theirs["unionid"] == ours["unionid"]


def test_reused_code_is_40163(server: SandboxServer) -> None:
    login(server, "alice-1")
    assert_error(login(server, "alice-1"), 40163, "code been used")


def test_wrong_appid_is_40013(server: SandboxServer) -> None:
    assert_error(login(server, "alice-1", appid="wxwrong"), 40013, "invalid appid")


def test_wrong_secret_is_40125(server: SandboxServer) -> None:
    assert_error(login(server, "alice-1", secret="wrong"), 40125, "invalid appsecret")


def test_missing_code_is_41008(server: SandboxServer) -> None:
    assert_error(login(server, ""), 41008, "missing code")


@pytest.mark.parametrize(
    ("code", "errcode", "errmsg"),
    [
        ("bad-1", 40029, "invalid code"),
        ("busy-1", -1, "system error"),
        ("blocked-1", 40226, "code blocked"),
        ("limited-1", 45011, "api minute-quota reach limit mustslower retry next minute"),
    ],
)
def test_magic_code_prefixes_give_their_error(
    server: SandboxServer, code: str, errcode: int, errmsg: str
) -> None:
    assert_error(login(server, code), errcode, errmsg)


def test_access_token_parameter_is_ignored_by_code2session(server: SandboxServer) -> None:
    assert login(server, "alice-1", access_token="whatever")["openid"] == server.wechat.openid_for("alice")


# --- access tokens ---


def test_token_returns_token_and_expires_in(server: SandboxServer) -> None:
    result = get(server, "/cgi-bin/token", grant_type="client_credential", appid=APP_ID, secret=SECRET)
    assert set(result) == {"access_token", "expires_in"} and result["expires_in"] == 7200
    assert len(result["access_token"]) >= 100


def test_token_with_wrong_secret_is_40125(server: SandboxServer) -> None:
    result = get(server, "/cgi-bin/token", grant_type="client_credential", appid=APP_ID, secret="x")
    assert_error(result, 40125, "invalid appsecret")


def test_new_token_invalidates_the_previous_one(server: SandboxServer) -> None:
    old, new = fetch_token(server), fetch_token(server)
    assert old != new
    assert_error(
        send(server, message(subscriber(server)), old), 40001, "invalid credential"
    )
    assert send(server, message(server.wechat.openid_for("alice")), new)["errcode"] == 0


def test_stable_token_is_the_same_while_valid(server: SandboxServer) -> None:
    first, second = stable_token(server), stable_token(server)
    assert first["access_token"] == second["access_token"]
    assert first["expires_in"] == 7200 and 0 < second["expires_in"] <= 7200


def test_stable_token_force_refresh_replaces_and_invalidates(server: SandboxServer) -> None:
    old = stable_token(server)["access_token"]
    new = stable_token(server, force_refresh=True)["access_token"]
    assert new != old and stable_token(server)["access_token"] == new
    openid = subscriber(server)
    assert_error(send(server, message(openid), old), 40001, "invalid credential")


def test_token_families_are_independent(server: SandboxServer) -> None:
    stable = stable_token(server)["access_token"]
    fetch_token(server)
    fetch_token(server)  # replaces the first /cgi-bin/token token, never the stable one
    assert send(server, message(subscriber(server)), stable)["errcode"] == 0


def test_stable_token_rejects_non_json_body(server: SandboxServer) -> None:
    response = requests.post(f"{server.base_url}/cgi-bin/stable_token", data="appid=x", timeout=5)
    assert_error(response.json(), 47001, "data format error")


def test_token_ttl_is_configurable(server: SandboxServer) -> None:
    server.wechat.token_ttl_seconds = 300
    assert stable_token(server)["expires_in"] == 300
    assert (
        get(server, "/cgi-bin/token", grant_type="client_credential", appid=APP_ID, secret=SECRET)[
            "expires_in"
        ]
        == 300
    )


def test_token_fetches_are_counted_per_endpoint(server: SandboxServer) -> None:
    fetch_token(server)
    fetch_token(server)
    stable_token(server)
    assert server.wechat.call_count("/cgi-bin/token") == 2
    assert server.wechat.call_count("/cgi-bin/stable_token") == 1
    assert get(server, "/__sandbox__/wechat/calls")["counts"] == {
        "/cgi-bin/token": 2,
        "/cgi-bin/stable_token": 1,
    }


def test_expired_token_is_42001(server: SandboxServer) -> None:
    token = fetch_token(server)
    assert server.wechat.expire_all_tokens() == 1
    assert_error(
        send(server, message(subscriber(server)), token), 42001, "access_token expired"
    )


def test_tokens_expire_over_http(server: SandboxServer) -> None:
    token = stable_token(server)["access_token"]
    assert post(server, "/__sandbox__/wechat/tokens/expire") == {"ok": True, "expired": 1}
    assert_error(
        send(server, message(subscriber(server)), token), 42001, "access_token expired"
    )
    assert stable_token(server)["access_token"] != token  # an expired stable token is replaced


def test_unknown_token_is_40001(server: SandboxServer) -> None:
    result = send(server, message(subscriber(server)), "not-a-token")
    assert_error(result, 40001, "invalid credential, access_token is invalid or not latest")


def test_missing_token_is_41001(server: SandboxServer) -> None:
    result = post(server, "/cgi-bin/message/subscribe/send", message(subscriber(server)))
    assert_error(result, 41001, "access_token missing")


# --- subscribeMessage.send ---


def test_send_succeeds_and_is_recorded(server: SandboxServer) -> None:
    openid = login(server, "alice-1")["openid"]
    server.wechat.subscribe("alice", {STATUS_TEMPLATE: "accept"})
    result = send(server, message(openid))
    assert result["errcode"] == 0 and result["errmsg"] == "ok" and result["msgid"] > 2**31
    recorded = get(server, "/__sandbox__/wechat/messages")["messages"]
    assert recorded == server.wechat.sent_messages
    assert recorded == [
        {
            "msgid": result["msgid"],
            "touser": openid,
            "user": "alice",
            "template_id": STATUS_TEMPLATE,
            "page": "pages/manuscript/detail?id=7",
            "miniprogram_state": "trial",
            "lang": "en_US",
            "data": message(openid)["data"],
        }
    ]


def test_send_defaults_state_and_lang(server: SandboxServer) -> None:
    body = message(subscriber(server))
    for optional in ("page", "miniprogram_state", "lang"):
        del body[optional]
    assert send(server, body)["errcode"] == 0
    (recorded,) = server.wechat.sent_messages
    assert (recorded["page"], recorded["miniprogram_state"], recorded["lang"]) == (None, "formal", "zh_CN")


def test_msgids_increase(server: SandboxServer) -> None:
    openid, token = subscriber(server, accepts=3), fetch_token(server)
    msgids = [send(server, message(openid), token)["msgid"] for _ in range(3)]
    assert msgids == sorted(set(msgids))


def test_messages_can_be_filtered_by_touser(server: SandboxServer) -> None:
    alice, bob = subscriber(server, "alice"), subscriber(server, "bob")
    send(server, message(alice))
    send(server, message(bob))
    recorded = get(server, "/__sandbox__/wechat/messages", touser=bob)["messages"]
    assert [m["user"] for m in recorded] == ["bob"]


@pytest.mark.parametrize(
    ("overrides", "errcode", "errmsg"),
    [
        ({"touser": "o" + "x" * 27}, 40003, "invalid openid"),
        ({"touser": ""}, 40003, "invalid openid"),
        ({"template_id": ""}, 40037, "invalid template_id"),
        ({"template_id": "TPL-made-up"}, 40037, "invalid template_id"),
        ({"page": 7}, 47001, "data format error"),
        ({"miniprogram_state": "release"}, 47003, "argument invalid! miniprogram_state invalid"),
        ({"lang": "fr_FR"}, 47003, "argument invalid! lang invalid"),
        ({"data": json.dumps(STATUS_DATA)}, 47003, "argument invalid! data.thing1.value is empty"),
        ({"data": {}}, 47003, "argument invalid! data.thing1.value is empty"),
        ({"data": {**STATUS_DATA, "thing1": "Accepted"}}, 47003, "argument invalid! data.thing1.value is empty"),
        ({"data": {**STATUS_DATA, "phrase2": {"value": 3}}}, 47003, "argument invalid! data.phrase2.value invalid"),
        ({"data": {**STATUS_DATA, "thing3": {"value": ""}}}, 47003, "argument invalid! data.thing3.value invalid"),
    ],
    ids=[
        "unknown-openid",
        "empty-touser",
        "empty-template",
        "unknown-template",
        "page-not-string",
        "bad-state",
        "bad-lang",
        "data-not-object",
        "data-empty",
        "value-not-object",
        "value-not-string",
        "value-empty",
    ],
)
def test_send_validation_errors(
    server: SandboxServer, overrides: dict[str, Any], errcode: int, errmsg: str
) -> None:
    result = send(server, message(subscriber(server), **overrides))
    assert_error(result, errcode, errmsg)
    assert server.wechat.sent_messages == []


def test_send_requires_an_openid_this_sandbox_issued(server: SandboxServer) -> None:
    # Derivable but never logged in (and not registered): WeChat would not know this user for this app.
    assert_error(send(server, message(server.wechat.openid_for("stranger"))), 40003, "invalid openid")


def test_send_rejects_non_json_body(server: SandboxServer) -> None:
    url = f"{server.base_url}/cgi-bin/message/subscribe/send"
    result = requests.post(url, params={"access_token": fetch_token(server)}, data=b"{oops", timeout=5).json()
    assert_error(result, 47001, "data format error")


# --- fault injection ---


def test_injected_fault_answers_errcode_then_recovers(server: SandboxServer) -> None:
    openid, token = subscriber(server), fetch_token(server)
    server.wechat.inject_fault("/cgi-bin/message/subscribe/send", 45009, times=2)
    assert_error(send(server, message(openid), token), 45009, "reach max api daily quota limit")
    assert_error(send(server, message(openid), token), 45009, "reach max api daily quota limit")
    assert send(server, message(openid), token)["errcode"] == 0
    assert len(server.wechat.sent_messages) == 1  # faulted calls are not processed


def test_fault_injection_over_http(server: SandboxServer) -> None:
    injected = post(server, "/__sandbox__/wechat/faults", {"path": "/sns/jscode2session", "errcode": -1})
    assert injected == {"ok": True, "faults": {"/sns/jscode2session": [-1]}}
    assert_error(login(server, "alice-1"), -1, "system error")
    assert login(server, "alice-1")["openid"] == server.wechat.openid_for("alice")  # code not consumed
    assert get(server, "/__sandbox__/wechat/faults") == {"faults": {}}


def test_fault_injection_rejects_unknown_path(server: SandboxServer) -> None:
    response = requests.post(
        f"{server.base_url}/__sandbox__/wechat/faults",
        json={"path": "/cgi-bin/nope", "errcode": -1},
        timeout=5,
    )
    assert response.status_code == 400 and "unknown WeChat API path" in response.json()["errmsg"]


def test_timeout_fault_outlasts_the_client_timeout(server: SandboxServer) -> None:
    server.wechat.timeout_fault_seconds = 1.0
    server.wechat.inject_fault("/cgi-bin/token", "timeout")
    params = {"grant_type": "client_credential", "appid": APP_ID, "secret": SECRET}
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{server.base_url}/cgi-bin/token", params=params, timeout=0.3)
    # The slow call still completes on the server, as it would at WeChat; wait so it cannot leak.
    deadline = time.monotonic() + 5
    while server.wechat.call_count("/cgi-bin/token") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.wechat.calls == [{"method": "GET", "path": "/cgi-bin/token", "errcode": 0}]


def test_timeout_fault_answers_after_the_delay(server: SandboxServer) -> None:
    server.wechat.timeout_fault_seconds = 0.4
    post(server, "/__sandbox__/wechat/faults", {"path": "/cgi-bin/stable_token", "errcode": "timeout"})
    started = time.monotonic()
    assert "access_token" in stable_token(server)
    assert time.monotonic() - started >= 0.4


def test_a_call_sleeping_through_a_reset_neither_answers_from_nor_logs_into_the_new_state(
        server: SandboxServer) -> None:
    import threading

    server.wechat.timeout_fault_seconds = 0.5
    server.wechat.inject_fault("/sns/jscode2session", "timeout")
    answers: list[dict] = []
    slow_call = threading.Thread(target=lambda: answers.append(login(server, "alice-1")))
    slow_call.start()
    time.sleep(0.2)  # the call is asleep on its fault
    server.reset()  # the next test begins
    slow_call.join(timeout=5)

    assert answers[0]["errcode"] == -1  # busy, not an answer from the new state
    assert server.wechat.calls == []
    assert "openid" in login(server, "alice-1")  # the code was never spent in the new state


def test_calls_log_records_errcodes(server: SandboxServer) -> None:
    login(server, "alice-1")
    login(server, "bad-1")
    assert get(server, "/__sandbox__/wechat/calls")["calls"] == [
        {"method": "GET", "path": "/sns/jscode2session", "errcode": 0},
        {"method": "GET", "path": "/sns/jscode2session", "errcode": 40029},
    ]


# --- wxacode.getUnlimited ---


def test_wxacode_returns_a_valid_png_of_the_requested_width(server: SandboxServer) -> None:
    response = wxacode(server, {"scene": "ms=42", "page": "pages/manuscript/detail", "width": 280})
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    header, rows = decode_png(response.content)
    assert (header["width"], header["height"]) == (280, 280)
    assert len({row[1:] for row in rows}) > 2  # a pattern, not a blank square
    assert len(response.content) < 20_000


def test_wxacode_width_defaults_to_430(server: SandboxServer) -> None:
    header, _ = decode_png(wxacode(server, {"scene": "ms=42"}).content)
    assert (header["width"], header["height"]) == (430, 430)


def test_wxacode_largest_width_stays_small(server: SandboxServer) -> None:
    response = wxacode(server, {"scene": "ms=42", "width": 1280, "is_hyaline": True})
    header, _ = decode_png(response.content)
    assert header["width"] == 1280 and len(response.content) < 50_000


def test_wxacode_is_deterministic_per_scene_and_page(server: SandboxServer) -> None:
    first = wxacode(server, {"scene": "ms=42", "page": "pages/home/home"}).content
    assert wxacode(server, {"scene": "ms=42", "page": "pages/home/home"}).content == first
    assert wxacode(server, {"scene": "ms=43", "page": "pages/home/home"}).content != first
    assert wxacode(server, {"scene": "ms=42", "page": "pages/inbox/inbox"}).content != first


@pytest.mark.parametrize(
    "scene",
    [None, "", "x" * 33, "ms 42", "ms=%2A", "稿件"],
    ids=["missing", "empty", "33-chars", "space", "percent", "cjk"],
)
def test_wxacode_rejects_invalid_scene(server: SandboxServer, scene: str | None) -> None:
    body = {} if scene is None else {"scene": scene}
    assert_error(wxacode(server, body).json(), 40169, "invalid length for scene")


def test_wxacode_accepts_every_allowed_scene_character(server: SandboxServer) -> None:
    for scene in ["a" * 32, "!#$&'()*+,/:;=?@-._~", "AZaz09"]:
        assert wxacode(server, {"scene": scene}).headers["Content-Type"] == "image/png"


@pytest.mark.parametrize("page", ["/pages/index", "pages/index?id=1"])
def test_wxacode_rejects_invalid_page(server: SandboxServer, page: str) -> None:
    assert_error(wxacode(server, {"scene": "ms=42", "page": page}).json(), 41030, "invalid page")


def test_wxacode_checks_the_page_against_the_mini_programs_app_json(server: SandboxServer) -> None:
    assert_error(wxacode(server, {"scene": "s=1", "page": "pages/not/released"}).json(), 41030, "invalid page")
    assert_error(wxacode(server, {"scene": "s=1", "page": "pages/not/released", "check_path": True}).json(),
                 41030, "invalid page")


def test_wxacode_accepts_a_sub_package_page(server: SandboxServer) -> None:
    response = wxacode(server, {"scene": "s=1", "page": "packages/payments/shared"})
    assert response.headers["Content-Type"] == "image/png"


def test_wxacode_without_check_path_accepts_an_unreleased_page(server: SandboxServer) -> None:
    response = wxacode(server, {"scene": "s=1", "page": "pages/not/released", "check_path": False})
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_wxacode_check_path_must_be_a_boolean(server: SandboxServer) -> None:
    assert_error(wxacode(server, {"scene": "s=1", "page": "pages/home/home", "check_path": "yes"}).json(),
                 47001, "data format error")


def test_wxacode_requires_a_valid_token(server: SandboxServer) -> None:
    url = f"{server.base_url}/wxa/getwxacodeunlimit"
    result = requests.post(url, params={"access_token": "stale"}, json={"scene": "ms=42"}, timeout=5).json()
    assert_error(result, 40001, "invalid credential")


# --- reset ---


def test_reset_clears_all_state(server: SandboxServer) -> None:
    openid, token = login(server, "alice-1")["openid"], fetch_token(server)
    server.wechat.subscribe("alice", {STATUS_TEMPLATE: "accept"})
    send(server, message(openid), token)
    server.wechat.inject_fault("/cgi-bin/token", -1)
    assert post(server, "/__sandbox__/reset") == {"ok": True}
    assert get(server, "/__sandbox__/wechat/messages") == {"messages": []}
    assert get(server, "/__sandbox__/wechat/calls") == {"calls": [], "counts": {}}
    assert get(server, "/__sandbox__/wechat/faults") == {"faults": {}}
    assert_error(send(server, message(openid), token), 40001, "invalid credential")  # token forgotten
    assert login(server, "alice-1")["openid"] == openid  # code usable again, same user


# --- the product's client (wechatpy) and the command line ---


def sandbox_client(server: SandboxServer) -> WeChatClient:
    """wechatpy pointed at the sandbox exactly as the product does it (reference stack.md section 2)."""
    base = server.base_url + "/"

    class SandboxWxa(WeChatWxa):
        API_BASE_URL = base

    class SandboxClient(WeChatClient):
        API_BASE_URL = base + "cgi-bin/"
        wxa = SandboxWxa()

        def fetch_access_token(self) -> dict[str, Any]:
            return self._fetch_access_token(
                url=base + "cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            )

    return SandboxClient(APP_ID, SECRET, timeout=5)


def test_wechatpy_client_runs_against_the_sandbox(server: SandboxServer) -> None:
    client = sandbox_client(server)
    session = client.wxa.code_to_session("alice-1")
    assert session["openid"] == server.wechat.openid_for("alice")
    assert session["unionid"] == server.wechat.unionid_for("alice")
    server.wechat.subscribe("alice", {STATUS_TEMPLATE: "accept"})
    sent = client.wxa.send_subscribe_message(session["openid"], STATUS_TEMPLATE, STATUS_DATA, "pages/home/home")
    assert sent["errcode"] == 0
    assert client.wxa.get_wxa_code_unlimited("ms=1", page="pages/manuscript/detail").content[:4] == b"\x89PNG"
    assert [call["path"] for call in server.wechat.calls] == [
        "/cgi-bin/token",
        "/sns/jscode2session",
        "/cgi-bin/message/subscribe/send",
        "/wxa/getwxacodeunlimit",
    ]


def test_wechatpy_refetches_the_token_after_42001(server: SandboxServer) -> None:
    client = sandbox_client(server)
    openid = client.wxa.code_to_session("alice-1")["openid"]
    server.wechat.subscribe("alice", {STATUS_TEMPLATE: "accept"})
    server.wechat.expire_all_tokens()
    assert client.wxa.send_subscribe_message(openid, STATUS_TEMPLATE, STATUS_DATA)["errcode"] == 0
    assert server.wechat.call_count("/cgi-bin/token") == 2


def test_python_m_sandbox_serves_and_stops_on_sigterm() -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port), "--quiet"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()  # printed once the socket is bound
        assert f"http://127.0.0.1:{port}" in banner
        response = requests.get(f"http://127.0.0.1:{port}/__sandbox__/health", timeout=5)
        assert response.json() == {"ok": True}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
