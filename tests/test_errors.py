"""Every error under /api/ has one shape, in the request's language."""

import json

import pytest

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_json_404(api_client):
    response = api_client.get("/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_unknown_api_path_defaults_to_chinese(api_client):
    assert api_client.get("/api/v1/no-such-thing").json()["message"] == "未找到。"


def test_trailing_slash_is_not_redirected(api_client):
    response = api_client.get("/api/v1/me/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_405_in_the_envelope(api_client):
    response = api_client.get("/api/v1/auth/login", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_malformed_json_is_400(api_client):
    response = api_client.post("/api/v1/auth/login", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_json_nested_beyond_the_decoders_depth_is_400_not_500(api_client):
    response = api_client.post("/api/v1/auth/login", data="[" * 30_000 + "]" * 30_000,
                               content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_form_encoded_body_is_415(api_client):
    response = api_client.post("/api/v1/auth/login", data="code=x",
                               content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_wrong_type_for_code_is_a_field_error(api_client):
    response = api_client.post("/api/v1/auth/login", {"code": {"nested": 1}}, format="json",
                               HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["fields"]["code"] == ["Not a valid string."]


@pytest.mark.parametrize(("language", "message"), [
    ("zh-hans", "不允许包含空字符（NUL）。"),  # DRF's own catalog says "no empty string"
    ("en", "Null characters are not allowed."),
])
def test_a_nul_character_is_named_as_such(api_client, language, message):
    response = api_client.post("/api/v1/auth/login", {"code": "a\u0000b"}, format="json",
                               HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    assert response.json()["fields"]["code"] == [message]


def test_admin_keeps_django_pages(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_server_error_under_api_is_the_envelope(rf):
    from publisher_backend.errors import handler500

    response = handler500(rf.get("/api/v1/me"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert b'"code": "server_error"' in response.content


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_body_over_the_upload_limit_is_413_in_the_envelope(client, settings, debug):
    settings.DEBUG = debug
    body = json.dumps({"code": "x" * (12 * 1024 * 1024)})  # over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)

    response = client.post("/api/v1/auth/login", data=body, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 413
    assert response.json() == {"code": "request_too_large", "message": "The request body is too large.",
                               "fields": {}}


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_unknown_api_path_is_json_404_whatever_debug_says(client, settings, debug):
    settings.DEBUG = debug  # under DEBUG Django would answer its page listing every URL pattern

    response = client.get("/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_unknown_path_outside_the_api_keeps_django_pages(client, settings):
    settings.DEBUG = True

    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_server_error_page_under_debug_becomes_the_envelope(rf, settings):
    """A view's crash under DEBUG renders Django's traceback page; the client still gets the envelope."""
    from django.http import HttpResponseServerError

    from publisher_backend.middleware import ApiErrorEnvelopeMiddleware

    settings.DEBUG = True
    middleware = ApiErrorEnvelopeMiddleware(lambda request: HttpResponseServerError("<html>Traceback</html>"))

    response = middleware(rf.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en"))

    assert response.status_code == 500
    assert json.loads(response.content)["code"] == "server_error"
