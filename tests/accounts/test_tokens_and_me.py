"""Bearer tokens (expiry, sliding, revocation) and GET/PATCH /api/v1/me."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuthToken, Researcher

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def test_me_is_the_signed_in_researcher(researcher_client):
    client, login_body = researcher_client

    response = client.get(ME)

    assert response.status_code == 200
    assert response.json() == login_body["researcher"] | {"last_seen_at": response.json()["last_seen_at"]}


def test_me_without_a_token_is_401_in_the_envelope(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "请重新登录。", "fields": {}}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")

    assert api_client.get(ME).status_code == 401


def test_malformed_authorization_header_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer two parts")

    assert api_client.get(ME).status_code == 401


def test_expired_token_is_401(researcher_client):
    client, _body = researcher_client
    AuthToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_logout_revokes_the_token(researcher_client):
    client, _body = researcher_client

    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get(ME).status_code == 401
    assert AuthToken.objects.get().revoked_at is not None


def test_logout_leaves_other_sessions_signed_in(login):
    first = login("alice")
    second = login("alice")
    first_client, second_client = APIClient(), APIClient()
    first_client.credentials(HTTP_AUTHORIZATION=f"Bearer {first['token']}")
    second_client.credentials(HTTP_AUTHORIZATION=f"Bearer {second['token']}")

    first_client.post("/api/v1/auth/logout")

    assert second_client.get(ME).status_code == 200


def test_token_expiry_slides_forward_when_used(researcher_client, settings):
    client, _body = researcher_client
    long_ago = timezone.now() - timedelta(days=29)
    AuthToken.objects.update(last_used_at=long_ago, expires_at=long_ago + timedelta(days=30))

    assert client.get(ME).status_code == 200

    token = AuthToken.objects.get()
    assert token.expires_at > timezone.now() + timedelta(days=settings.AUTH_TOKEN_TTL_DAYS - 1)
    assert Researcher.objects.get().last_seen_at > long_ago


def test_recently_used_token_is_not_written_again(researcher_client):
    client, _body = researcher_client
    client.get(ME)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200

    assert len(queries) == 1  # the token (with its researcher and user) in one SELECT
    assert queries[0]["sql"].startswith("SELECT")


def test_deactivated_user_cannot_use_a_token(researcher_client):
    client, _body = researcher_client
    Researcher.objects.get().user.__class__.objects.update(is_active=False)

    assert client.get(ME).status_code == 401


def test_patch_me_updates_the_profile(researcher_client):
    client, _body = researcher_client

    response = client.patch(ME, {"display_name": "张伟", "institution": "北京大学", "language": "en",
                                 "orcid": "https://orcid.org/0000-0002-1825-0097"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["display_name"] == "张伟"
    assert body["language"] == "en"
    assert body["orcid"] == "0000-0002-1825-0097"
    assert Researcher.objects.get().institution == "北京大学"


def test_orcid_with_wrong_check_digit_is_rejected_with_a_field_message(researcher_client):
    client, _body = researcher_client

    response = client.patch(ME, {"orcid": "0000-0002-1825-0098"}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "orcid": ["This ORCID iD's check digit is wrong; please check for a typo."]
    }
    assert Researcher.objects.get().orcid == ""


def test_orcid_with_x_check_digit_is_accepted(researcher_client):
    client, _body = researcher_client

    response = client.patch(ME, {"orcid": "0000-0002-9079-593x"}, format="json")

    assert response.status_code == 200
    assert response.json()["orcid"] == "0000-0002-9079-593X"


def test_orcid_can_be_cleared(researcher_client):
    client, _body = researcher_client
    client.patch(ME, {"orcid": "0000-0002-1825-0097"}, format="json")

    response = client.patch(ME, {"orcid": ""}, format="json")

    assert response.status_code == 200
    assert Researcher.objects.get().orcid == ""


def test_unknown_language_is_a_field_error_in_chinese(researcher_client):
    client, _body = researcher_client

    response = client.patch(ME, {"language": "fr"}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["language"] == ["“fr” 不是合法选项。"]


def test_too_long_display_name_is_a_field_error(researcher_client):
    client, _body = researcher_client

    response = client.patch(ME, {"display_name": "x" * 65}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "display_name" in response.json()["fields"]


def test_read_only_fields_are_ignored(researcher_client):
    client, body = researcher_client

    response = client.patch(ME, {"id": 999999, "created_at": "2000-01-01T00:00:00Z"}, format="json")

    assert response.json()["id"] == body["researcher"]["id"]


def test_post_with_patch_override_updates_the_profile(researcher_client):
    # wx.request has no PATCH; the Mini Program tunnels it through POST.
    client, _body = researcher_client

    response = client.post(ME, {"display_name": "李雷"}, format="json", HTTP_X_HTTP_METHOD_OVERRIDE="PATCH")

    assert response.status_code == 200
    assert Researcher.objects.get().display_name == "李雷"


def test_post_without_override_is_not_allowed_on_me(researcher_client):
    client, _body = researcher_client

    response = client.post(ME, {"display_name": "李雷"}, format="json")

    assert response.status_code == 405
    assert Researcher.objects.get().display_name == ""
