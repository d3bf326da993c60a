"""The ORCID OAuth sandbox over real HTTP: the authorize page and its form, the redirects back, and the token
endpoint's answer and refusals in ORCID's shapes. No Django here: the product reaches it only by URL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox.orcid import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from sandbox.server import SandboxServer

CALLBACK = "https://app.example.org/orcid/callback"
LI_WEI = "0000-0002-1825-0097"


@pytest.fixture(autouse=True)
def clean_state(server: SandboxServer) -> Iterator[None]:
    server.reset()
    yield


def authorize_query(**overrides: str) -> dict[str, str]:
    return {"client_id": DEFAULT_CLIENT_ID, "response_type": "code", "scope": "/authenticate",
            "redirect_uri": CALLBACK, "state": "s-123", **overrides}


def decide(server: SandboxServer, decision: str = "authorize", orcid: str = LI_WEI) -> dict[str, list[str]]:
    answer = requests.post(f"{server.base_url}/orcid/oauth/authorize",
                           data={**authorize_query(), "orcid": orcid, "decision": decision}, allow_redirects=False,
                           timeout=5)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return parse_qs(location.query)


def exchange(server: SandboxServer, code: str, **overrides: str) -> requests.Response:
    return requests.post(f"{server.base_url}/orcid/oauth/token", headers={"Accept": "application/json"}, timeout=5,
                         data={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET,
                               "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                               **overrides})


def test_the_authorize_page_offers_the_demo_researcher_and_both_choices(server):
    page = requests.get(f"{server.base_url}/orcid/oauth/authorize", params=authorize_query(), timeout=5)

    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert LI_WEI in page.text and "Authorize access" in page.text and "Deny access" in page.text
    assert re.search(r"name='state' value='s-123'", page.text)


@pytest.mark.parametrize(("change", "complaint"), [
    ({"client_id": "APP-UNKNOWN"}, "Client not found"),
    ({"scope": "/read-limited"}, "Invalid scope"),
    ({"redirect_uri": "javascript:alert(1)"}, "Redirect URI"),
])
def test_a_bad_authorization_request_is_an_error_page(server, change, complaint):
    page = requests.get(f"{server.base_url}/orcid/oauth/authorize", params=authorize_query(**change), timeout=5)

    assert page.status_code == 400 and complaint in page.text


def test_an_approval_returns_a_six_character_code_and_the_state(server):
    back = decide(server)

    assert back["state"] == ["s-123"] and re.fullmatch(r"[A-Za-z0-9]{6}", back["code"][0])


def test_a_denial_returns_access_denied_and_the_state(server):
    back = decide(server, decision="deny")

    assert back["error"] == ["access_denied"] and back["state"] == ["s-123"] and "code" not in back


def test_the_token_answer_is_orcids_json(server):
    code = decide(server)["code"][0]

    answer = exchange(server, code)

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "refresh_token", "expires_in", "scope", "name", "orcid"}
    assert (body["token_type"], body["scope"], body["orcid"], body["name"]) == (
        "bearer", "/authenticate", LI_WEI, "Wei Li")


def test_a_code_works_once(server):
    code = decide(server)["code"][0]
    assert exchange(server, code).status_code == 200

    again = exchange(server, code)

    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": f"Invalid authorization code: {code}"}


def test_the_redirect_uri_must_match_the_authorization(server):
    code = decide(server)["code"][0]

    answer = exchange(server, code, redirect_uri="https://evil.example.org/cb")

    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_wrong_client_credentials_are_invalid_client(server):
    code = decide(server)["code"][0]

    answer = exchange(server, code, client_secret="guess")

    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    assert exchange(server, code).status_code == 200  # the refused call did not spend the code


def test_only_the_authorization_code_grant_is_offered(server):
    answer = exchange(server, "x", grant_type="client_credentials")

    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"


def test_the_call_log_keeps_no_secret(server):
    exchange(server, "x")

    [logged] = server.orcid.token_requests()
    assert "client_secret" not in logged and logged["code"] == "x"
