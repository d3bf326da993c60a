"""subscribeMessage.send in the WeChat sandbox, over real HTTP: templates, pages, keyword rules, quota, faults.

WeChat's rules come from its 发送订阅消息 documentation; the templates and pages are the repository's own
(the notifications fixture and the Mini Program's app.json), read here independently of the sandbox.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.server import SandboxServer
from sandbox.wechat import DEFAULT_APP_ID, DEFAULT_APP_SECRET, WeChatSandbox
from tests.conftest import REPO_ROOT, wait_until

SEND = "/cgi-bin/message/subscribe/send"
SUBSCRIPTIONS = "/__sandbox__/wechat/subscriptions"
FIXTURE = json.loads((REPO_ROOT / "notifications" / "fixtures" / "subscription_templates.json").read_text())
TEMPLATES = {row["fields"]["kind"]: row["fields"]["template_id"] for row in FIXTURE}
STATUS = TEMPLATES["status_changed"]  # thing1, phrase2, thing3, time4
PAYMENT = TEMPLATES["payment_received"]  # character_string1, amount2, time3
APP_JSON = json.loads((REPO_ROOT / "miniprogram" / "src" / "app.json").read_text())
APP_PAGES = APP_JSON["pages"]
# Sub-package pages are pages too (a message may open one): "<root>/<page>".
SUBPACKAGE_PAGES = [f"{package['root'].rstrip('/')}/{page}"
                    for package in APP_JSON.get("subpackages", APP_JSON.get("subPackages", []))
                    for page in package["pages"]]
STATUS_DATA = {
    "thing1": {"value": "Manuscript accepted"},
    "phrase2": {"value": "已录用"},
    "thing3": {"value": "应用科学学报"},
    "time4": {"value": "2026年11月25日 15:01"},
}
PAYMENT_DATA = {
    "character_string1": {"value": "SL20261125-0007"},
    "amount2": {"value": "¥12.50"},
    "time3": {"value": "2026年11月25日 15:01"},
}
TYPES_TEMPLATE = "TPL-keyword-types"


@pytest.fixture(autouse=True)
def clean_state(server: SandboxServer) -> Iterator[None]:
    server.reset()
    delay = server.wechat.timeout_fault_seconds
    yield
    server.wechat.timeout_fault_seconds = delay
    server.reset()  # also undoes set_templates, for the other modules sharing this server


def token(server: SandboxServer) -> str:
    params = {"grant_type": "client_credential", "appid": DEFAULT_APP_ID, "secret": DEFAULT_APP_SECRET}
    return requests.get(f"{server.base_url}/cgi-bin/token", params=params, timeout=5).json()["access_token"]


def send(server: SandboxServer, body: Any, access_token: str | None = None, timeout: float = 5) -> dict[str, Any]:
    response = requests.post(
        server.base_url + SEND, params={"access_token": access_token or token(server)}, json=body, timeout=timeout
    )
    assert response.status_code == 200  # WeChat answers its errors with HTTP 200
    return response.json()


def status_message(openid: str, **overrides: Any) -> dict[str, Any]:
    body = {"touser": openid, "template_id": STATUS, "page": "pages/manuscript/detail?id=7", "data": STATUS_DATA}
    return {**body, **overrides}


def subscribe_over_http(server: SandboxServer, body: Any) -> requests.Response:
    return requests.post(server.base_url + SUBSCRIPTIONS, json=body, timeout=5)


def accepted(server: SandboxServer, user: str = "alice", template_id: str = STATUS, times: int = 1) -> str:
    """The user's openid after ``times`` "accept" answers for ``template_id``, sent as the client would."""
    for _ in range(times):
        response = subscribe_over_http(server, {"user": user, "results": {template_id: "accept"}})
        assert response.status_code == 200, response.text
    return server.wechat.openid_for(user)


def subscriptions(server: SandboxServer, **query: str) -> requests.Response:
    return requests.get(server.base_url + SUBSCRIPTIONS, params=query, timeout=5)


def assert_error(result: dict[str, Any], errcode: int, errmsg: str) -> None:
    """WeChat's error envelope, with the errmsg exactly as WeChat words it, then " rid: ..."."""
    assert result["errcode"] == errcode, result
    assert result["errmsg"].startswith(f"{errmsg} rid: "), result["errmsg"]


# --- configuration: the Mini Program's templates and pages --------------------------------------------------


def test_default_templates_are_the_notification_fixtures_keywords(server: SandboxServer) -> None:
    expected = {row["fields"]["template_id"]: tuple(k["keyword"] for k in row["fields"]["keywords"]) for row in FIXTURE}
    assert server.wechat.templates == expected


def test_default_pages_are_the_mini_programs(server: SandboxServer) -> None:
    assert SUBPACKAGE_PAGES  # the Mini Program has sub-packages, and they count
    assert server.wechat.pages == frozenset(APP_PAGES + SUBPACKAGE_PAGES)


def test_constructor_takes_templates_and_pages_instead_of_the_repository_files() -> None:
    wechat = WeChatSandbox(templates={"TPL-a": ["thing1"]}, pages=["pages/only/only"])
    assert (wechat.templates, wechat.pages) == ({"TPL-a": ("thing1",)}, frozenset({"pages/only/only"}))


def test_every_fixture_template_accepts_a_well_formed_message(server: SandboxServer) -> None:
    values = {"thing": "稿件状态更新", "phrase": "已录用", "time": "2026年11月25日 15:01", "date": "2026年12月1日",
              "amount": "¥12.50", "character_string": "SL20261125-0007"}
    access_token = token(server)
    for template_id, keywords in server.wechat.templates.items():
        openid = accepted(server, template_id=template_id)
        data = {keyword: {"value": values[keyword.rstrip("0123456789")]} for keyword in keywords}
        body = {"touser": openid, "template_id": template_id, "page": APP_PAGES[0], "data": data}
        assert send(server, body, access_token)["errcode"] == 0, template_id
    assert len(server.wechat.sent_messages) == len(FIXTURE)


# --- order of checks ---------------------------------------------------------------------------------------


def test_checks_run_in_wechats_order(server: SandboxServer) -> None:
    # Everything wrong at once; each fix reveals the next error, in the order WeChat checks.
    body = {"touser": server.wechat.openid_for("alice"), "template_id": "TPL-made-up", "page": "pages/nowhere",
            "data": {**STATUS_DATA, "phrase2": {"value": "Accepted"}}}
    assert_error(send(server, body, "stale-token"), 40001, "invalid credential, access_token is invalid or not latest")
    access_token = token(server)
    assert_error(send(server, body, access_token), 40003, "invalid openid")
    server.wechat.register_user("alice")
    assert_error(send(server, body, access_token), 40037, "invalid template_id")
    body["template_id"] = STATUS
    assert_error(send(server, body, access_token), 41030, "invalid page")
    body["page"] = "pages/manuscript/detail?id=7"
    assert_error(send(server, body, access_token), 47003, "argument invalid! data.phrase2.value invalid")
    body["data"] = STATUS_DATA
    assert_error(send(server, body, access_token), 43101, "user refuse to accept the msg")
    accepted(server)
    assert send(server, body, access_token)["errcode"] == 0
    assert server.wechat.quota("alice", STATUS) == 0


# --- templates (40037) -------------------------------------------------------------------------------------


def test_unknown_template_is_40037(server: SandboxServer) -> None:
    result = send(server, status_message(accepted(server), template_id="gETrrb6Syzbt0V-0eGFDoe0wcibRcSjzBxvNCfUcghF"))
    assert_error(result, 40037, "invalid template_id")
    assert server.wechat.sent_messages == [] and server.wechat.quota("alice", STATUS) == 1


def test_set_templates_adds_a_template(server: SandboxServer) -> None:
    server.wechat.set_templates({"TPL-new": ["thing1"]})
    openid = accepted(server, template_id="TPL-new")
    body = {"touser": openid, "template_id": "TPL-new", "data": {"thing1": {"value": "Hello"}}}
    assert send(server, body)["errcode"] == 0
    assert STATUS in server.wechat.templates  # the others stay


def test_reset_undoes_set_templates_and_keeps_the_configured_ones(server: SandboxServer) -> None:
    configured = server.wechat.templates
    server.wechat.set_templates({STATUS: ["thing1"], "TPL-new": ["thing1"]})
    server.reset()
    assert server.wechat.templates == configured


# --- pages (41030) -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    ["pages/nowhere/nothing", "pages/nowhere/nothing?id=7", "/pages/manuscript/detail", "/pages/home/home?id=1",
     "pages/manuscript", "pages/manuscript/detail/", "pages/manuscript/detail.html", "Pages/home/home"],
)
def test_page_outside_app_json_is_41030(server: SandboxServer, page: str) -> None:
    assert_error(send(server, status_message(accepted(server), page=page)), 41030, "invalid page")
    assert server.wechat.quota("alice", STATUS) == 1


@pytest.mark.parametrize("page", [*APP_PAGES, "pages/inbox/detail?id=3&from=push", "pages/home/home?"])
def test_every_app_page_is_accepted_with_or_without_a_query(server: SandboxServer, page: str) -> None:
    assert send(server, status_message(accepted(server), page=page))["errcode"] == 0
    assert server.wechat.sent_messages[0]["page"] == page


@pytest.mark.parametrize("page", [None, ""], ids=["absent", "empty"])
def test_no_page_means_no_jump_and_is_accepted(server: SandboxServer, page: str | None) -> None:
    body = status_message(accepted(server))
    del body["page"]
    if page is not None:
        body["page"] = page
    assert send(server, body)["errcode"] == 0


# --- data (47003) ------------------------------------------------------------------------------------------


def test_missing_template_keyword_is_47003_naming_it_as_empty(server: SandboxServer) -> None:
    data = {key: item for key, item in STATUS_DATA.items() if key != "thing3"}
    result = send(server, status_message(accepted(server), data=data))
    assert_error(result, 47003, "argument invalid! data.thing3.value is empty")
    assert server.wechat.quota("alice", STATUS) == 1


def test_keyword_whose_item_has_no_value_is_empty(server: SandboxServer) -> None:
    data = {**STATUS_DATA, "time4": {"DATA": "2026年11月25日 15:01"}}
    assert_error(send(server, status_message(accepted(server), data=data)), 47003,
                 "argument invalid! data.time4.value is empty")


def test_first_bad_keyword_in_template_order_is_named(server: SandboxServer) -> None:
    data = {**STATUS_DATA, "time4": {"value": "soon"}, "phrase2": {"value": "Accepted"}}
    assert_error(send(server, status_message(accepted(server), data=data)), 47003,
                 "argument invalid! data.phrase2.value invalid")


def test_keys_the_template_lacks_are_ignored_as_wechat_ignores_them(server: SandboxServer) -> None:
    data = {**STATUS_DATA, "thing9": {"value": "not in the template"}, "thing1.DATA": {"value": "x"}}
    assert send(server, status_message(accepted(server), data=data))["errcode"] == 0
    assert server.wechat.sent_messages[0]["data"] == data  # recorded as sent


def test_keyword_wechats_template_has_but_our_data_lacks_is_47003(server: SandboxServer) -> None:
    server.wechat.set_templates({STATUS: [*STATUS_DATA, "thing9"]})
    assert_error(send(server, status_message(accepted(server))), 47003, "argument invalid! data.thing9.value is empty")


@pytest.mark.parametrize("keyword", ["colour2", "thing", "const3"])
def test_unknown_keyword_type_is_47003(server: SandboxServer, keyword: str) -> None:
    server.wechat.set_templates({TYPES_TEMPLATE: [keyword]})
    body = {"touser": accepted(server, template_id=TYPES_TEMPLATE), "template_id": TYPES_TEMPLATE,
            "data": {keyword: {"value": "x"}}}
    assert_error(send(server, body), 47003, f"argument invalid! data.{keyword}.value invalid")


ENUM_VALUES = ["待处理", "审稿中", "已录用"]


@pytest.mark.parametrize(("value", "ok"), [("审稿中", True), ("已录用", True), ("审稿中 ", False), ("审稿", False),
                                           ("Under review", False), ("", False)])
def test_enum_keyword_takes_exactly_one_of_its_templates_values(server: SandboxServer, value: str, ok: bool) -> None:
    server.wechat.set_templates({TYPES_TEMPLATE: ["thing1", "enum2"]},
                                enum_values={TYPES_TEMPLATE: {"enum2": ENUM_VALUES}})
    body = {"touser": accepted(server, template_id=TYPES_TEMPLATE), "template_id": TYPES_TEMPLATE,
            "data": {"thing1": {"value": "Manuscript"}, "enum2": {"value": value}}}
    result = send(server, body)
    if ok:
        assert result["errcode"] == 0 and server.wechat.sent_messages[0]["data"]["enum2"] == {"value": value}
    else:
        assert_error(result, 47003, "argument invalid! data.enum2.value invalid")


def test_enum_keyword_without_values_takes_nothing_and_reset_forgets_set_values(server: SandboxServer) -> None:
    server.wechat.set_templates({TYPES_TEMPLATE: ["enum1"]}, enum_values={TYPES_TEMPLATE: {"enum1": ENUM_VALUES}})
    assert server.wechat.enum_values(TYPES_TEMPLATE, "enum1") == tuple(ENUM_VALUES)
    server.wechat.set_templates({TYPES_TEMPLATE: ["enum1"]})  # replaced without values
    body = {"touser": accepted(server, template_id=TYPES_TEMPLATE), "template_id": TYPES_TEMPLATE,
            "data": {"enum1": {"value": "审稿中"}}}
    assert_error(send(server, body), 47003, "argument invalid! data.enum1.value invalid")
    server.reset()
    assert server.wechat.enum_values(TYPES_TEMPLATE, "enum1") == ()


def test_enum_values_come_from_the_templates_fixture(tmp_path) -> None:
    fixture = tmp_path / "templates.json"
    fixture.write_text(json.dumps([{"model": "notifications.notificationtemplate", "fields": {
        "kind": "status_changed", "template_id": "TPL-enum", "keywords": [
            {"keyword": "thing1", "field": "body"}, {"keyword": "enum2", "field": "to_status", "values": ENUM_VALUES}],
    }}]))
    from sandbox.wechat import load_enum_values, load_templates

    assert load_templates(fixture) == {"TPL-enum": ("thing1", "enum2")}
    assert load_enum_values(fixture) == {"TPL-enum": {"enum2": tuple(ENUM_VALUES)}}


# (keyword, value, accepted): each type at its limit and just beyond it, with Chinese, English and emoji input.
KEYWORD_CASES = [
    ("thing7", "a" * 20, True),
    ("thing7", "a" * 21, False),
    ("thing7", "稿" * 20, True),
    ("thing7", "稿" * 21, False),
    ("thing7", "😀" * 10, True),  # 20 UTF-16 units
    ("thing7", "😀" * 10 + "a", False),  # 21
    ("thing7", "稿件已录用 Accepted 🎉", True),
    ("thing7", "", False),
    ("thing7", "   ", False),
    ("thing7", "line\nbreak", False),
    ("number2", "1" * 32, True),
    ("number2", "1" * 33, False),
    ("number2", "3.14", True),
    ("number2", "1" * 31 + ".5", True),
    ("number2", "1" * 32 + ".5", False),
    ("number2", "1.2.3", False),
    ("number2", "-1", False),
    ("number2", "12a", False),
    ("number2", "一", False),
    ("letter3", "a" * 32, True),
    ("letter3", "a" * 33, False),
    ("letter3", "abc1", False),
    ("letter3", "字母", False),
    ("symbol4", "!@#$%", True),
    ("symbol4", "!@#$%^", False),
    ("symbol4", "a!", False),
    ("symbol4", "。", False),
    ("character_string19", "SL-2026_1125/07" + "A" * 17, True),  # 32
    ("character_string19", "A" * 33, False),
    ("character_string19", "SL 2026", False),
    ("character_string19", "订单123", False),
    ("character_string19", "A😀", False),
    ("time4", "15:01", True),
    ("time4", "15:01:30", True),
    ("time4", "2019年10月1日 15:01", True),
    ("time4", "2019-10-01 15:01", True),
    ("time4", "15:01~16:00", True),
    ("time4", "2019年10月1日 15:01 ~ 2019年10月2日 09:00", True),
    ("time4", "24:00", False),
    ("time4", "2019年10月1日", False),
    ("time4", "2019-02-30 15:01", False),
    ("time4", "3pm", False),
    ("time4", "15:01~", False),
    ("time4", "十五点", False),
    ("date3", "2019年10月1日", True),
    ("date3", "2019-10-01", True),
    ("date3", "2019-10-01 15:01", True),
    ("date3", "2019年10月1日 ~ 2019年10月7日", True),
    ("date3", "2019-13-01", False),
    ("date3", "2019年2月30日", False),
    ("date3", "15:01", False),
    ("date3", "1 Oct 2019", False),
    ("amount2", "¥12.50", True),
    ("amount2", "￥12.50元", True),
    ("amount2", "$1234567890", True),  # 10 digits
    ("amount2", "$12345678901", False),  # 11
    ("amount2", "¥0.01", True),
    ("amount2", "12.50", False),
    ("amount2", "12元", False),
    ("amount2", "¥¥12", False),
    ("amount2", "¥1,000", False),
    ("amount2", "¥-5", False),
    ("phone_number5", "+86-0766-66888866", True),
    ("phone_number5", "1" * 17, True),
    ("phone_number5", "1" * 18, False),
    ("phone_number5", "phone", False),
    ("phone_number5", "电话123", False),
    ("car_number6", "粤A8Z888挂", True),
    ("car_number6", "粤A12345", True),
    ("car_number6", "粤A1234567", False),  # 9
    ("car_number6", "A-123", False),
    ("name8", "张三", True),
    ("name8", "张" * 10, True),
    ("name8", "张" * 11, False),
    ("name8", "John Smith", True),
    ("name8", "J" * 20, True),
    ("name8", "J" * 21, False),
    ("name8", "用户410774", False),
    ("name8", "Anna😀", False),
    ("phrase16", "配送中", True),
    ("phrase16", "已录用", True),
    ("phrase16", "货物配送中", True),  # 5
    ("phrase16", "货物正在配送", False),  # 6
    ("phrase16", "Accepted", False),
    ("phrase16", "已录用!", False),
    ("phrase16", "已 录用", False),
    ("phrase16", "😀", False),
]


@pytest.mark.parametrize(("keyword", "value", "ok"), KEYWORD_CASES, ids=[f"{k}:{v!r}" for k, v, _ in KEYWORD_CASES])
def test_keyword_value_rules(server: SandboxServer, keyword: str, value: str, ok: bool) -> None:
    server.wechat.set_templates({TYPES_TEMPLATE: [keyword]})
    body = {"touser": accepted(server, template_id=TYPES_TEMPLATE), "template_id": TYPES_TEMPLATE,
            "data": {keyword: {"value": value}}}
    result = send(server, body)
    if ok:
        assert result["errcode"] == 0, result
    else:
        assert_error(result, 47003, f"argument invalid! data.{keyword}.value invalid")
    assert server.wechat.quota("alice", TYPES_TEMPLATE) == (0 if ok else 1)


# --- quota (43101) -----------------------------------------------------------------------------------------


def test_without_an_acceptance_send_is_43101_then_ok_after_one(server: SandboxServer) -> None:
    openid = server.wechat.register_user("alice")
    assert_error(send(server, status_message(openid)), 43101, "user refuse to accept the msg")
    accepted(server)
    assert send(server, status_message(openid))["errcode"] == 0


def test_each_acceptance_allows_exactly_one_message(server: SandboxServer) -> None:
    openid, access_token = accepted(server, times=2), token(server)
    assert subscriptions(server, user="alice").json()["quota"] == {STATUS: 2}
    assert send(server, status_message(openid), access_token)["errcode"] == 0
    assert server.wechat.quota("alice", STATUS) == 1
    assert send(server, status_message(openid), access_token)["errcode"] == 0
    assert server.wechat.quota(openid, STATUS) == 0
    assert_error(send(server, status_message(openid), access_token), 43101, "user refuse to accept the msg")
    assert len(server.wechat.sent_messages) == 2


def test_quota_is_per_template(server: SandboxServer) -> None:
    openid = accepted(server, template_id=STATUS)
    body = {"touser": openid, "template_id": PAYMENT, "page": "pages/home/home", "data": PAYMENT_DATA}
    assert_error(send(server, body), 43101, "user refuse to accept the msg")
    assert server.wechat.quota("alice", STATUS) == 1


def test_quota_is_per_user(server: SandboxServer) -> None:
    accepted(server, "alice")
    bob = server.wechat.register_user("bob")
    assert_error(send(server, status_message(bob)), 43101, "user refuse to accept the msg")
    assert (server.wechat.quota("alice", STATUS), server.wechat.quota("bob", STATUS)) == (1, 0)


def test_ban_zeroes_the_quota_and_later_acceptances_are_ignored(server: SandboxServer) -> None:
    openid = accepted(server, times=3)
    banned = subscribe_over_http(server, {"user": "alice", "results": {STATUS: "ban"}}).json()
    assert banned == {"ok": True, "openid": openid, "quota": {STATUS: 0}, "banned": [STATUS]}
    accepted(server)
    assert server.wechat.quota("alice", STATUS) == 0
    assert_error(send(server, status_message(openid)), 43101, "user refuse to accept the msg")


def test_reject_filter_errmsg_and_unknown_templates_change_nothing(server: SandboxServer) -> None:
    openid = accepted(server)
    results = {STATUS: "reject", PAYMENT: "filter", "errMsg": "requestSubscribeMessage:ok", "TPL-unknown": "accept"}
    answer = subscribe_over_http(server, {"user": "alice", "results": results})
    assert answer.json() == {"ok": True, "openid": openid, "quota": {STATUS: 1}, "banned": []}


def test_one_answer_can_accept_several_templates(server: SandboxServer) -> None:
    results = {STATUS: "accept", PAYMENT: "accept", "errMsg": "requestSubscribeMessage:ok"}
    answer = subscribe_over_http(server, {"user": "alice", "results": results}).json()
    assert answer["quota"] == {STATUS: 1, PAYMENT: 1}


def test_failed_sends_spend_no_quota(server: SandboxServer) -> None:
    openid, access_token = accepted(server), token(server)
    assert_error(send(server, status_message(openid, page="pages/nowhere"), access_token), 41030, "invalid page")
    assert_error(send(server, status_message(openid, data={}), access_token), 47003,
                 "argument invalid! data.thing1.value is empty")
    assert server.wechat.quota("alice", STATUS) == 1


def test_reset_clears_quotas_and_bans(server: SandboxServer) -> None:
    accepted(server, "alice")
    subscribe_over_http(server, {"user": "bob", "results": {STATUS: "ban"}})
    server.reset()
    assert subscriptions(server, user="alice").json()["quota"] == {}
    assert subscriptions(server, user="bob").json()["banned"] == []
    accepted(server, "bob")
    assert server.wechat.quota("bob", STATUS) == 1


def test_python_subscribe_matches_the_route(server: SandboxServer) -> None:
    state = server.wechat.subscribe("alice", {STATUS: "accept"})
    assert state == {"openid": server.wechat.openid_for("alice"), "quota": {STATUS: 1}, "banned": []}
    assert subscriptions(server, user="alice").json() == state
    assert server.wechat.subscriptions(state["openid"]) == state


def test_python_subscribe_refuses_results_that_are_not_a_mapping(server: SandboxServer) -> None:
    with pytest.raises(ValueError, match="results must map template ids to answers"):
        server.wechat.subscribe("erin", [STATUS])  # type: ignore[arg-type]
    assert_error(send(server, status_message(server.wechat.openid_for("erin"))), 40003, "invalid openid")


# --- the subscriptions routes ------------------------------------------------------------------------------


def test_subscribe_route_registers_the_user(server: SandboxServer) -> None:
    # Never logged in through code2Session: answering the prompt makes the openid known, as register_user does.
    response = subscribe_over_http(server, {"user": "dora", "results": {STATUS: "accept"}})
    assert response.status_code == 200
    assert response.json()["openid"] == server.wechat.openid_for("dora")
    assert send(server, status_message(server.wechat.openid_for("dora")))["errcode"] == 0


def test_subscribe_route_takes_an_issued_openid(server: SandboxServer) -> None:
    openid = server.wechat.register_user("alice")
    response = subscribe_over_http(server, {"openid": openid, "results": {STATUS: "accept"}})
    assert response.json() == {"ok": True, "openid": openid, "quota": {STATUS: 1}, "banned": []}


def test_subscribe_route_refuses_an_openid_never_issued(server: SandboxServer) -> None:
    response = subscribe_over_http(server, {"openid": server.wechat.openid_for("stranger"), "results": {}})
    assert response.status_code == 400 and "unknown openid" in response.json()["errmsg"]


@pytest.mark.parametrize(
    "body",
    [b"{oops", b"[]", b'{"user": "alice"}', b'{"user": "alice", "results": ["accept"]}',
     b'{"results": {}}', b'{"user": "alice", "openid": "o1", "results": {}}', b'{"user": 7, "results": {}}'],
    ids=["not-json", "not-object", "no-results", "results-not-object", "no-user", "user-and-openid", "user-not-text"],
)
def test_subscribe_route_answers_400_to_malformed_bodies(server: SandboxServer, body: bytes) -> None:
    response = requests.post(server.base_url + SUBSCRIPTIONS, data=body, timeout=5)
    assert response.status_code == 400
    assert response.json()["errcode"] == -1 and response.json()["errmsg"].startswith("expected JSON")
    assert server.wechat.subscriptions("alice")["quota"] == {}


def test_subscriptions_route_reads_by_user_or_openid(server: SandboxServer) -> None:
    openid = accepted(server, times=2)
    by_user, by_openid = subscriptions(server, user="alice"), subscriptions(server, openid=openid)
    assert by_user.status_code == by_openid.status_code == 200
    assert by_user.json() == by_openid.json() == {"openid": openid, "quota": {STATUS: 2}, "banned": []}


def test_subscriptions_route_reads_an_unknown_openid_as_having_nothing(server: SandboxServer) -> None:
    response = subscriptions(server, openid="oNeverIssued")
    assert response.json() == {"openid": "oNeverIssued", "quota": {}, "banned": []}


@pytest.mark.parametrize("query", [{}, {"user": "alice", "openid": "o1"}, {"user": ""}], ids=["none", "both", "empty"])
def test_subscriptions_route_answers_400_without_exactly_one_of_user_and_openid(
    server: SandboxServer, query: dict[str, str]
) -> None:
    response = subscriptions(server, **query)
    assert response.status_code == 400 and "user or openid" in response.json()["errmsg"]


# --- faults on subscribeMessage.send -----------------------------------------------------------------------


@pytest.mark.parametrize(("errcode", "errmsg"), [
    (45009, "reach max api daily quota limit"),
    (-1, "system error"),
    (43107, "subscribe message capability banned"),
    (43108, "Cannot make concurrent calls to the same OpenID, please try again"),
    (45168, "message content hit sensitive words"),
])
def test_injected_error_is_answered_without_spending_quota(server: SandboxServer, errcode: int, errmsg: str) -> None:
    openid, access_token = accepted(server), token(server)
    server.wechat.inject_fault(SEND, errcode)
    assert_error(send(server, status_message(openid), access_token), errcode, errmsg)
    assert server.wechat.quota("alice", STATUS) == 1 and server.wechat.sent_messages == []
    assert send(server, status_message(openid), access_token)["errcode"] == 0
    assert server.wechat.quota("alice", STATUS) == 0


def test_error_injected_over_http_applies_to_send(server: SandboxServer) -> None:
    openid = accepted(server)
    injected = requests.post(f"{server.base_url}/__sandbox__/wechat/faults",
                             json={"path": SEND, "errcode": 45009, "times": 2}, timeout=5)
    assert injected.json() == {"ok": True, "faults": {SEND: [45009, 45009]}}
    access_token = token(server)
    for _ in range(2):
        assert_error(send(server, status_message(openid), access_token), 45009, "reach max api daily quota limit")
    assert send(server, status_message(openid), access_token)["errcode"] == 0


@pytest.mark.parametrize("errcode", [43107, 43108, 45009, 45168])
def test_each_send_error_the_sender_handles_can_be_injected_over_http(server: SandboxServer, errcode: int) -> None:
    openid = accepted(server)
    injected = requests.post(f"{server.base_url}/__sandbox__/wechat/faults",
                             json={"path": SEND, "errcode": errcode}, timeout=5)
    assert injected.status_code == 200
    result = send(server, status_message(openid))
    assert result["errcode"] == errcode and "sandbox injected error" not in result["errmsg"]
    assert server.wechat.quota("alice", STATUS) == 1  # nothing was delivered


def test_expired_token_is_42001_without_spending_quota(server: SandboxServer) -> None:
    openid, old = accepted(server), token(server)
    server.wechat.expire_all_tokens()
    assert_error(send(server, status_message(openid), old), 42001, "access_token expired")
    assert server.wechat.quota("alice", STATUS) == 1
    assert send(server, status_message(openid), token(server))["errcode"] == 0


def test_timeout_still_sends_and_spends_quota_after_the_client_gave_up(server: SandboxServer) -> None:
    server.wechat.timeout_fault_seconds = 0.6
    openid, access_token = accepted(server), token(server)
    server.wechat.inject_fault(SEND, "timeout")
    with pytest.raises(requests.exceptions.ReadTimeout):
        send(server, status_message(openid), access_token, timeout=0.2)
    wait_until(lambda: server.wechat.call_count(SEND) == 1, timeout=5, message="the slow send to finish")
    assert len(server.wechat.sent_messages) == 1 and server.wechat.quota("alice", STATUS) == 0
    # The client's retry finds the quota spent, as at WeChat: the message went out once.
    assert_error(send(server, status_message(openid), access_token), 43101, "user refuse to accept the msg")


def test_timeout_answers_ok_after_the_delay_to_a_patient_client(server: SandboxServer) -> None:
    server.wechat.timeout_fault_seconds = 0.3
    openid, access_token = accepted(server), token(server)
    server.wechat.inject_fault(SEND, "timeout")
    started = time.monotonic()
    assert send(server, status_message(openid), access_token)["errcode"] == 0
    assert time.monotonic() - started >= 0.3
    assert server.wechat.quota("alice", STATUS) == 0


# --- concurrency -------------------------------------------------------------------------------------------


def run_together(count: int, action) -> list[Any]:
    """Run ``action(index)`` in ``count`` threads released at the same moment; results in index order."""
    barrier, results = threading.Barrier(count), [None] * count

    def worker(index: int) -> None:
        barrier.wait()
        results[index] = action(index)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_concurrent_sends_never_overdraw_the_quota(server: SandboxServer) -> None:
    openid, access_token = accepted(server, times=5), token(server)
    results = run_together(24, lambda _: send(server, status_message(openid), access_token, timeout=20))
    assert Counter(result["errcode"] for result in results) == {0: 5, 43101: 19}
    assert server.wechat.quota("alice", STATUS) == 0
    sent = server.wechat.sent_messages
    assert len(sent) == 5 and len({message["msgid"] for message in sent}) == 5


def test_concurrent_acceptances_are_all_counted(server: SandboxServer) -> None:
    body = {"user": "alice", "results": {STATUS: "accept"}}
    responses = run_together(24, lambda _: subscribe_over_http(server, body).status_code)
    assert responses == [200] * 24
    assert server.wechat.quota("alice", STATUS) == 24


def test_a_send_to_a_user_with_a_send_in_progress_is_43108_and_other_users_are_not_held_up(
        server: SandboxServer) -> None:
    server.wechat.send_latency_seconds = 0.5
    alice, bob = accepted(server, "alice", times=2), accepted(server, "bob")
    access_token = token(server)
    messages = [status_message(alice), status_message(alice), status_message(bob)]

    results = run_together(3, lambda n: send(server, messages[n], access_token, timeout=20))

    assert sorted(result["errcode"] for result in results) == [0, 0, 43108]
    assert_error(next(r for r in results if r["errcode"]), 43108,
                 "Cannot make concurrent calls to the same OpenID, please try again")
    assert server.wechat.quota("alice", STATUS) == 1 and server.wechat.quota("bob", STATUS) == 0
    assert send(server, status_message(alice), access_token)["errcode"] == 0  # once the first is done


def test_reset_makes_sends_instant_again(server: SandboxServer) -> None:
    server.wechat.send_latency_seconds = 0.5
    server.reset()
    assert server.wechat.send_latency_seconds == 0.0
