"""POST /api/v1/auth/login against the WeChat sandbox over real HTTP."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuthToken, Researcher, WeChatIdentity
from tests.conftest import free_port, wechat_code

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"



def test_login_returns_our_token_and_the_researcher(api_client, wechat_sandbox):
    response = api_client.post(LOGIN, {"code": wechat_code("alice")}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "researcher"}
    assert len(body["token"]) >= 40
    assert {"id", "display_name", "language", "institution", "orcid"} <= set(body["researcher"])
    assert body["researcher"]["language"] == "zh-hans"


def test_login_never_reveals_openid_or_session_key(api_client, wechat_sandbox):
    response = api_client.post(LOGIN, {"code": wechat_code("alice")}, format="json")

    text = response.content.decode()
    identity = WeChatIdentity.objects.get()
    assert identity.openid not in text
    assert identity.session_key not in text
    assert "session_key" not in text and "openid" not in text


def test_same_wechat_user_finds_the_same_researcher(login, wechat_sandbox):
    first = login("alice")
    second = login("alice")

    assert first["researcher"]["id"] == second["researcher"]["id"]
    assert first["token"] != second["token"]
    assert Researcher.objects.count() == 1
    identity = WeChatIdentity.objects.get()
    assert identity.openid == wechat_sandbox.wechat.openid_for("alice")
    assert identity.unionid == wechat_sandbox.wechat.unionid_for("alice")


def test_different_wechat_users_are_different_researchers(login):
    assert login("alice")["researcher"]["id"] != login("bob")["researcher"]["id"]


def test_new_researcher_takes_the_request_language(login):
    body = login("carol", HTTP_ACCEPT_LANGUAGE="en")

    assert body["researcher"]["language"] == "en"


def test_session_key_is_encrypted_at_rest(login):
    login("alice")
    identity = WeChatIdentity.objects.get()

    with connection.cursor() as cursor:
        cursor.execute("SELECT session_key FROM accounts_wechatidentity WHERE id = %s", [identity.pk])
        raw_value = cursor.fetchone()[0]
    assert identity.session_key  # readable through the model
    assert identity.session_key not in raw_value
    assert raw_value.startswith("gAAAAA")  # a Fernet token


def test_token_is_stored_only_as_a_hash(login):
    token = login("alice")["token"]

    stored = AuthToken.objects.get()
    assert stored.key_hash != token
    assert token not in stored.key_hash
    assert len(stored.key_hash) == 64


@pytest.mark.parametrize(
    ("user", "status", "code"),
    [
        ("bad", 400, "wechat_code_invalid"),      # 40029
        ("blocked", 400, "wechat_code_invalid"),  # 40226
        ("limited", 429, "throttled"),            # 45011
        ("busy", 503, "upstream_unavailable"),    # -1
    ],
)
def test_wechat_error_codes_map_to_http_statuses(api_client, wechat_sandbox, user, status, code):
    response = api_client.post(LOGIN, {"code": wechat_code(user)}, format="json")

    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]


def test_a_code_used_twice_is_a_bad_request(api_client, wechat_sandbox):
    code = wechat_code("alice")
    assert api_client.post(LOGIN, {"code": code}, format="json").status_code == 200

    response = api_client.post(LOGIN, {"code": code}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "wechat_code_invalid"


def test_wechat_rate_limit_answer_says_when_to_retry(api_client, wechat_sandbox):
    response = api_client.post(LOGIN, {"code": wechat_code("limited")}, format="json")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_unreachable_wechat_is_service_unavailable(api_client, settings):
    settings.WECHAT_API_BASE = f"http://127.0.0.1:{free_port()}"

    response = api_client.post(LOGIN, {"code": "alice-1"}, format="json")

    assert response.status_code == 503
    assert response.json()["code"] == "upstream_unavailable"


def test_wechat_timeout_is_service_unavailable(api_client, wechat_sandbox, settings):
    settings.WECHAT_TIMEOUT_SECONDS = 0.3
    wechat_sandbox.wechat.timeout_fault_seconds = 1.0
    wechat_sandbox.wechat.inject_fault("/sns/jscode2session", "timeout")

    response = api_client.post(LOGIN, {"code": wechat_code("alice")}, format="json")

    assert response.status_code == 503


def test_failed_logins_never_answer_401(api_client, wechat_sandbox):
    statuses = {api_client.post(LOGIN, {"code": wechat_code(user)}, format="json").status_code
                for user in ("bad", "blocked", "limited", "busy")}

    assert 401 not in statuses


def test_missing_code_is_a_field_error_in_chinese_by_default(api_client, wechat_sandbox):
    response = api_client.post(LOGIN, {}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"]["code"] == ["该字段是必填项。"]
    assert body["message"] == "部分字段无效。"


def test_missing_code_is_a_field_error_in_english_when_asked(api_client, wechat_sandbox):
    response = api_client.post(LOGIN, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    body = response.json()
    assert body["fields"]["code"] == ["This field is required."]
    assert body["message"] == "Some fields are not valid."


def test_wechat_error_message_follows_the_request_language(api_client, wechat_sandbox):
    english = api_client.post(LOGIN, {"code": wechat_code("bad")}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api_client.post(LOGIN, {"code": wechat_code("bad")}, format="json")

    assert english.json()["message"] == "The WeChat login code is not valid. Please try again."
    assert chinese.json()["message"] == "微信登录凭证无效，请重试。"


def test_login_is_rate_limited_per_client_address(api_client, wechat_sandbox, settings):
    settings.LOGIN_RATE_PER_CLIENT = "3/min"
    statuses = [api_client.post(LOGIN, {"code": wechat_code(f"user{n}")}, format="json").status_code
                for n in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_rate_limit_per_client_does_not_block_other_addresses(api_client, wechat_sandbox, settings):
    settings.LOGIN_RATE_PER_CLIENT = "1/min"
    api_client.post(LOGIN, {"code": wechat_code("alice")}, format="json", REMOTE_ADDR="10.0.0.1")

    response = api_client.post(LOGIN, {"code": wechat_code("bob")}, format="json", REMOTE_ADDR="10.0.0.2")

    assert response.status_code == 200


def test_login_is_rate_limited_per_wechat_user_across_addresses(api_client, wechat_sandbox, settings):
    settings.LOGIN_RATE_PER_WECHAT_USER = "2/min"
    statuses = [
        api_client.post(LOGIN, {"code": wechat_code("alice")}, format="json",
                        REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(3)
    ]

    assert statuses == [200, 200, 429]
    assert api_client.post(LOGIN, {"code": wechat_code("bob")}, format="json").status_code == 200


def test_login_uses_a_bounded_number_of_queries(api_client, wechat_sandbox):
    api_client.post(LOGIN, {"code": wechat_code("alice")}, format="json")

    with CaptureQueriesContext(connection) as queries:
        response = api_client.post(LOGIN, {"code": wechat_code("alice")}, format="json")

    assert response.status_code == 200
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    # find the identity, store the new session key, insert the token
    assert len(statements) == 3, statements


def test_login_asks_wechat_for_no_access_token(api_client, wechat_sandbox):
    api_client.post(LOGIN, {"code": wechat_code("alice")}, format="json")

    assert wechat_sandbox.wechat.call_count("/cgi-bin/token") == 0
    assert wechat_sandbox.wechat.call_count("/cgi-bin/stable_token") == 0
    assert wechat_sandbox.wechat.call_count("/sns/jscode2session") == 1
