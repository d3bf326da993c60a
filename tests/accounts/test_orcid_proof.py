"""Proving an ORCID iD with ORCID's OAuth (/authenticate), against the sandbox's ORCID over real HTTP.

The researcher's API client asks for a start URL; a browser (Django's test client, with its own cookies) opens
it, follows the redirect to the ORCID sandbox, submits its authorize form, and comes back to the callback.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import OrcidProof, Researcher
from sandbox.orcid import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"
OTHER_ORCID = "0000-0001-5109-3700"


@pytest.fixture
def orcid_sandbox(wechat_sandbox, settings):
    """The product pointed at the sandbox's ORCID through ORCID_BASE_URL, with the sandbox's client."""
    settings.ORCID_BASE_URL = f"{wechat_sandbox.base_url}/orcid"
    settings.ORCID_CLIENT_ID = DEFAULT_CLIENT_ID
    settings.ORCID_CLIENT_SECRET = DEFAULT_CLIENT_SECRET
    settings.PUBLIC_BASE_URL = "http://testserver"
    return wechat_sandbox


def local(url: str) -> str:
    """The path and query of one of our own URLs (the test client talks to 'testserver')."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://testserver", url
    return f"{parts.path}?{parts.query}"


def open_orcid(api: APIClient, browser: Client) -> str:
    """Ask for a start URL and open it: the ORCID sandbox's authorize URL the browser is sent to."""
    started = api.post("/api/v1/me/orcid")
    assert started.status_code == 201, started.content
    to_orcid = browser.get(local(started.json()["authorize_url"]))
    assert to_orcid.status_code == 302, to_orcid.content
    return to_orcid["Location"]


def decide_at_orcid(authorize_url: str, *, orcid: str = ORCID, decision: str = "authorize") -> str:
    """What a person does on ORCID's page: read the form, pick themselves, click. Returns where ORCID sends them."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200, page.text
    fields = {name: unescape(value) for name, value in
              re.findall(r"<input type='hidden' name='(\w+)' value='([^']*)'>", page.text)}
    action = re.search(r"<form method='post' action='([^']+)'>", page.text).group(1)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorize_url))
    answer = requests.post(f"{origin}{action}", data={**fields, "orcid": orcid, "decision": decision},
                           allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def prove(api: APIClient, browser: Client, **choice):
    return browser.get(local(decide_at_orcid(open_orcid(api, browser), **choice)))


def test_a_researcher_proves_the_demo_orcid_id_through_orcid(orcid_sandbox, signed_in):
    api = signed_in("alice")
    assert api.get("/api/v1/me").json()["orcid_verified"] is False

    done = prove(api, Client(), orcid=ORCID)

    assert done.status_code == 200
    assert ORCID in done.content.decode() and "已验证" in done.content.decode()
    me = api.get("/api/v1/me").json()
    assert (me["orcid"], me["orcid_verified"]) == (ORCID, True)
    assert me["display_name"] == "Wei Li"  # ORCID's public name fills an empty display name
    # The code was exchanged at ORCID's token endpoint with our callback as redirect_uri.
    [token_request] = orcid_sandbox.orcid.token_requests()
    assert token_request["redirect_uri"] == "http://testserver/orcid/callback"
    assert token_request["grant_type"] == "authorization_code"


def test_the_authorize_url_asks_orcid_for_the_authenticate_scope_only(orcid_sandbox, signed_in):
    authorize_url = open_orcid(signed_in("alice"), Client())

    parts = urlsplit(authorize_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{orcid_sandbox.base_url}/orcid/oauth/authorize"
    assert "scope=%2Fauthenticate" in parts.query and "response_type=code" in parts.query
    assert f"client_id={DEFAULT_CLIENT_ID}" in parts.query
    assert "redirect_uri=http%3A%2F%2Ftestserver%2Forcid%2Fcallback" in parts.query and "state=" in parts.query


def test_the_login_answer_and_me_say_whether_the_orcid_id_is_proven(orcid_sandbox, api_client, login):
    body = login("alice")
    assert body["researcher"]["orcid_verified"] is False


def test_a_denial_at_orcid_changes_nothing(orcid_sandbox, signed_in):
    api = signed_in("alice")

    denied = prove(api, Client(), decision="deny")

    assert denied.status_code == 400
    assert "没有允许" in denied.content.decode()
    assert api.get("/api/v1/me").json()["orcid_verified"] is False
    assert orcid_sandbox.orcid.token_requests() == []


def test_the_callback_works_once(orcid_sandbox, signed_in):
    api, browser = signed_in("alice"), Client()
    callback = decide_at_orcid(open_orcid(api, browser))
    assert browser.get(local(callback)).status_code == 200

    replay = browser.get(local(callback))

    assert replay.status_code == 410
    assert len(orcid_sandbox.orcid.token_requests()) == 1


def test_an_expired_state_is_refused(orcid_sandbox, signed_in):
    api, browser = signed_in("alice"), Client()
    callback = decide_at_orcid(open_orcid(api, browser))
    OrcidProof.objects.update(state_expires_at=timezone.now() - timedelta(seconds=1))

    assert browser.get(local(callback)).status_code == 410
    assert Researcher.objects.get().orcid_verified_at is None


def test_a_ticket_opens_one_start_and_expires(orcid_sandbox, signed_in):
    api = signed_in("alice")
    start_url = local(api.post("/api/v1/me/orcid").json()["authorize_url"])
    assert Client().get(start_url).status_code == 302

    assert Client().get(start_url).status_code == 410  # spent
    fresh = local(api.post("/api/v1/me/orcid").json()["authorize_url"])
    OrcidProof.objects.filter(ticket_used_at__isnull=True).update(ticket_expires_at=timezone.now())
    assert Client().get(fresh).status_code == 410  # expired


def test_the_ticket_is_stored_only_as_a_hash(orcid_sandbox, signed_in):
    started = signed_in("alice").post("/api/v1/me/orcid").json()

    ticket = started["authorize_url"].split("ticket=")[1]
    assert OrcidProof.objects.get().ticket_hash not in (ticket, "")
    assert ticket not in OrcidProof.objects.get().ticket_hash


def test_a_link_forwarded_to_another_browser_cannot_prove_its_owners_id(orcid_sandbox, signed_in):
    """An attacker opens their own start link and sends ORCID's page on to the victim: the victim's approval
    comes back in the victim's browser, without the attacker's cookie, and proves nothing."""
    attacker = signed_in("mallory")
    callback = decide_at_orcid(open_orcid(attacker, Client()), orcid=ORCID)

    answer = Client().get(local(callback))  # the victim's browser

    assert answer.status_code == 400
    assert attacker.get("/api/v1/me").json()["orcid_verified"] is False
    assert orcid_sandbox.orcid.token_requests() == []


def test_an_id_proven_by_another_researcher_is_refused_never_taken_over(orcid_sandbox, signed_in):
    owner, second = signed_in("alice"), signed_in("bob")
    assert prove(owner, Client(), orcid=ORCID).status_code == 200

    refused = prove(second, Client(), orcid=ORCID)

    assert refused.status_code == 409
    assert "另一位" in refused.content.decode()
    assert owner.get("/api/v1/me").json()["orcid_verified"] is True
    assert second.get("/api/v1/me").json()["orcid_verified"] is False


def test_typing_another_id_drops_the_proof_and_the_same_id_keeps_it(orcid_sandbox, signed_in):
    api = signed_in("alice")
    prove(api, Client(), orcid=ORCID)

    same = api.patch("/api/v1/me", {"orcid": f"https://orcid.org/{ORCID}"}, format="json").json()
    other = api.patch("/api/v1/me", {"orcid": OTHER_ORCID}, format="json").json()

    assert same["orcid_verified"] is True
    assert (other["orcid"], other["orcid_verified"]) == (OTHER_ORCID, False)


def test_a_typed_id_keeps_its_checksum_rule(orcid_sandbox, signed_in):
    response = signed_in("alice").patch("/api/v1/me", {"orcid": "0000-0002-1825-0098"}, format="json",
                                        HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["fields"]["orcid"] == ["This ORCID iD's check digit is wrong; please check for a typo."]


def test_orcid_refusing_our_client_shows_a_failure_and_stores_nothing(orcid_sandbox, signed_in, settings):
    api, browser = signed_in("alice"), Client()
    callback = decide_at_orcid(open_orcid(api, browser))
    settings.ORCID_CLIENT_SECRET = "not-the-registered-secret"

    failed = browser.get(local(callback), HTTP_ACCEPT_LANGUAGE="en")

    assert failed.status_code == 502
    assert "ORCID 暂时无法确认你的 iD" in failed.content.decode()  # in the researcher's language
    assert Researcher.objects.get().orcid_verified_at is None


def test_without_orcid_credentials_the_proof_is_switched_off(wechat_sandbox, settings, signed_in):
    settings.ORCID_CLIENT_ID = settings.ORCID_CLIENT_SECRET = ""

    response = signed_in("alice").post("/api/v1/me/orcid", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert response.json()["code"] == "orcid_unavailable"
    assert "switched off" in response.json()["message"]
    assert not OrcidProof.objects.exists()


def test_starting_a_proof_is_rate_limited_per_researcher(orcid_sandbox, signed_in, settings):
    settings.ORCID_PROOFS_PER_RESEARCHER = "2/hour"
    api = signed_in("alice")
    assert [api.post("/api/v1/me/orcid").status_code for _attempt in range(3)] == [201, 201, 429]
    assert signed_in("bob").post("/api/v1/me/orcid").status_code == 201


def test_the_pages_are_not_cached_and_never_under_the_api_envelope(orcid_sandbox):
    page = Client().get("/orcid/start?ticket=unknown", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 410
    assert page["Content-Type"].startswith("text/html")
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]
    assert "This link has expired or was already used" in page.content.decode()


def test_old_proof_attempts_are_purged(orcid_sandbox, signed_in):
    from accounts.tasks import purge_orcid_proofs

    api = signed_in("alice")
    api.post("/api/v1/me/orcid")
    api.post("/api/v1/me/orcid")
    OrcidProof.objects.filter(pk=OrcidProof.objects.order_by("pk").first().pk).update(
        created_at=timezone.now() - timedelta(days=31))

    assert purge_orcid_proofs() == 1
    assert OrcidProof.objects.count() == 1
