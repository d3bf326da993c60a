"""The journal-accounts endpoints (link, verify, resend, manual review, refresh, unlink) and their 404s; replies that
don't reveal whether a platform knows an identity; limits before lookups; Crossref only for a proven ORCID iD."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import linking
from accounts.models import Journal, JournalAccount, JournalSystem, Researcher
from manuscripts.models import AccountSyncState, SystemPollState
from notifications.models import Notification
from tests.accounts.tasks_inline import tasks_inline
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return make_journal_system()


@pytest.fixture
def pending(researcher_client, system, django_capture_on_commit_callbacks):
    client, _body = researcher_client
    with tasks_inline(), django_capture_on_commit_callbacks(execute=True):
        account = linking.journal_account_start(
            researcher=Researcher.objects.get(), journal_system=system, identity_kind="email",
            identity="alice@example.org",
            found=linking.FoundIdentity(platform_user_id="7", email="alice@example.org"))
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    return client, account, code


def url(account, action: str = "") -> str:
    return f"/api/v1/journal-accounts/{account.pk}" + (f"/{action}" if action else "")


def test_verify_with_the_mailed_code_makes_the_account_due_for_sync(pending, django_capture_on_commit_callbacks):
    client, account, code = pending

    with django_capture_on_commit_callbacks() as after_commit:
        response = client.post(url(account, "verify"), {"code": code}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "verified"
    assert response.json()["email_hint"] == "a***@example.org"
    # Once the verification commits, accounts publishes its event; manuscripts hears it and schedules the
    # sync task and the sender for the "account linked" notice.
    assert [callback.__name__ for callback in after_commit] == ["send"]
    with django_capture_on_commit_callbacks() as after_event:
        after_commit[0]()
    assert [callback.task_name for callback in after_event] == ["manuscripts.tasks.sync_account",
                                                                "notifications.tasks.send_due"]
    assert AccountSyncState.objects.get(journal_account=account).next_sync_at <= timezone.now()
    linked = Notification.objects.get(researcher=account.researcher)
    assert (linked.kind, linked.page, linked.state) == ("account_linked", "pages/accounts/list", "pending")


def test_verifying_an_account_already_verified_schedules_nothing(pending, django_capture_on_commit_callbacks):
    client, account, code = pending
    client.post(url(account, "verify"), {"code": code}, format="json")

    with django_capture_on_commit_callbacks() as after_commit:
        again = client.post(url(account, "verify"), {"code": code}, format="json")

    assert again.status_code == 200 and again.json()["status"] == "verified"
    assert after_commit == []  # no second sync, no second notice


def test_wrong_code_is_a_field_error_in_the_request_language(pending):
    client, account, code = pending
    wrong = "000000" if code != "000000" else "111111"

    response = client.post(url(account, "verify"), {"code": wrong}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["code"] == "code_invalid"
    assert response.json()["fields"]["code"] == ["Wrong code. 4 attempts left."]


def test_malformed_code_is_a_field_error(pending):
    client, account, _code = pending

    response = client.post(url(account, "verify"), {"code": "12ab"}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["fields"]["code"] == ["Enter the 6-digit code."]


def test_verify_conflict_when_someone_else_verified_first(pending, system):
    client, account, code = pending
    make_account(make_researcher(), system, email="alice@example.org", user_id="7")

    response = client.post(url(account, "verify"), {"code": code}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_resend_too_soon_is_429_with_retry_after(pending):
    client, account, _code = pending

    response = client.post(url(account, "resend"))

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_resend_later_sends_another_mail(pending, settings, django_capture_on_commit_callbacks):
    client, account, _code = pending
    JournalAccount.objects.update(code_sent_at=timezone.now() - timedelta(seconds=settings.LINK_CODE_RESEND_SECONDS))

    with tasks_inline(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(account, "resend"))

    assert response.status_code == 200
    assert len(mail.outbox) == 2


def test_manual_review_request(pending):
    client, account, _code = pending

    response = client.post(url(account, "manual-review"), {"note": "Old address is gone"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "manual_review"


def test_refresh_of_a_pending_account_is_a_conflict(pending):
    client, account, _code = pending

    assert client.post(url(account, "refresh")).status_code == 409


def test_refresh_once_a_minute(researcher_client, system):
    client, _body = researcher_client
    account = make_account(Researcher.objects.get(), system, email="alice@example.org", user_id="7")

    first = client.post(url(account, "refresh"))
    second = client.post(url(account, "refresh"))

    assert first.status_code == 202 and first.json() == {"queued": True}
    assert second.status_code == 429


def test_list_shows_own_accounts_with_masked_email(pending):
    client, account, _code = pending

    body = client.get("/api/v1/journal-accounts").json()

    assert [item["id"] for item in body["results"]] == [account.pk]
    item = body["results"][0]
    assert item["email_hint"] == "a***@example.org"
    assert "alice@example.org" not in str({key: value for key, value in item.items() if key != "identity"})
    assert item["manuscript_count"] == 0
    assert item["journal_system"]["key"] == "demo-ojs"


@pytest.mark.parametrize(("method", "action"), [
    ("get", ""), ("delete", ""), ("post", "verify"), ("post", "resend"), ("post", "manual-review"),
    ("post", "refresh"),
])
def test_another_researchers_account_is_404_everywhere(researcher_client, system, method, action):
    client, _body = researcher_client
    others = make_account(make_researcher(), system, email="bob@example.org", user_id="8", status="pending")

    response = getattr(client, method)(url(others, action), {"code": "123456"}, format="json")

    assert response.status_code == 404
    assert JournalAccount.objects.filter(pk=others.pk, status="pending").exists()


# --- linking through a real platform (the OJS sandbox) ----------------------------------------------------


@pytest.fixture
def ojs_system(wechat_sandbox):
    ojs = wechat_sandbox.ojs
    token = ojs.add_site("jas", manager_token="manager-token-jas")
    ojs.add_user("jas", username="liwei", email="li.wei@example.org", given_name="Wei", family_name="Li")
    system = JournalSystem.objects.create(key="demo-ojs", name_en="Demo OJS", platform="ojs",
                                          base_url=wechat_sandbox.base_url, credentials={"token": token},
                                          rate_limit_per_minute=600, timeout_seconds=5)
    Journal.objects.create(journal_system=system, key="jas", platform_path="jas", name_en="J. Appl. Sci.")
    return system


def link(client: APIClient, system, identity: str, **headers):
    return client.post("/api/v1/journal-accounts", {"journal_system": system.pk, "identity": identity},
                       format="json", **headers)


def test_known_and_unknown_email_identities_get_the_same_reply(ojs_system, wechat_sandbox, signed_in,
                                                                django_capture_on_commit_callbacks):
    address = "lu.xin@example.org"
    bob, carol = signed_in("bob"), signed_in("carol")
    with django_capture_on_commit_callbacks() as unknown_commit:
        unknown = link(bob, ojs_system, address)
    wechat_sandbox.ojs.add_user("jas", username="luxin", email=address, given_name="Xin", family_name="Lu")
    with django_capture_on_commit_callbacks() as known_commit:
        known = link(carol, ojs_system, address)

    assert known.status_code == unknown.status_code == 201
    known_body, unknown_body = known.json(), unknown.json()
    assert known_body.keys() == unknown_body.keys()
    assert {key for key in known_body if known_body[key] != unknown_body[key]} == {"id", "created_at"}
    assert known_body["email_hint"] == "l***@example.org"
    # The same work after commit: one task that mails the code (or, for the unknown address, nothing).
    assert [callback.task_name for callback in known_commit] == [callback.task_name for callback in unknown_commit] \
        == ["accounts.tasks.send_link_code"]
    assert JournalAccount.objects.get(pk=known_body["id"]).email_on_file == address
    assert JournalAccount.objects.get(pk=unknown_body["id"]).email_on_file == ""


def test_limits_apply_before_the_platform_is_asked(ojs_system, wechat_sandbox, researcher_client, settings):
    client, _body = researcher_client
    settings.LINK_ATTEMPTS_PER_RESEARCHER = "1/hour"
    assert link(client, ojs_system, "li.wei@example.org").status_code == 201
    lookups = wechat_sandbox.ojs.call_count("jas")

    throttled = link(client, ojs_system, "wang.fang@example.org")

    assert throttled.status_code == 429
    assert wechat_sandbox.ojs.call_count("jas") == lookups  # the platform was not asked


def test_codes_per_identity_are_limited_before_the_platform_is_asked(ojs_system, wechat_sandbox, signed_in,
                                                                       settings):
    settings.LINK_CODES_PER_IDENTITY = "1/day"
    assert link(signed_in("bob"), ojs_system, "li.wei@example.org").status_code == 201
    lookups = wechat_sandbox.ojs.call_count("jas")

    assert link(signed_in("carol"), ojs_system, "li.wei@example.org").status_code == 429
    assert wechat_sandbox.ojs.call_count("jas") == lookups


def test_a_failing_platform_answers_the_link_at_once_without_retries(ojs_system, wechat_sandbox, researcher_client):
    client, _body = researcher_client
    wechat_sandbox.ojs.inject_fault("jas", 429, times=5, retry_after=30)

    response = link(client, ojs_system, "li.wei@example.org")

    assert response.status_code == 503 and response.json()["code"] == "upstream_unavailable"
    assert wechat_sandbox.ojs.call_count("jas") == 1  # asked once: no backoff, no waiting out Retry-After


def test_the_lookup_counts_on_the_platforms_health_and_respects_its_open_circuit(ojs_system, wechat_sandbox,
                                                                                  researcher_client):
    client, _body = researcher_client
    assert link(client, ojs_system, "li.wei@example.org").status_code == 201
    assert SystemPollState.objects.get(journal_system=ojs_system).calls_total == 1
    SystemPollState.objects.update(circuit_open_until=timezone.now() + timedelta(minutes=5))
    lookups = wechat_sandbox.ojs.call_count("jas")

    paused = link(client, ojs_system, "wang.fang@example.org", HTTP_ACCEPT_LANGUAGE="en")

    assert paused.status_code == 503 and paused.json()["code"] == "upstream_unavailable"
    assert wechat_sandbox.ojs.call_count("jas") == lookups


def test_linking_an_identity_verified_already_asks_and_schedules_nothing(ojs_system, wechat_sandbox,
                                                                        researcher_client,
                                                                        django_capture_on_commit_callbacks):
    client, _body = researcher_client
    account = make_account(Researcher.objects.get(), ojs_system, email="li.wei@example.org", user_id="1")

    with django_capture_on_commit_callbacks() as after_commit:
        again = link(client, ojs_system, "li.wei@example.org")

    assert again.status_code == 201 and again.json()["id"] == account.pk and again.json()["status"] == "verified"
    assert after_commit == [] and wechat_sandbox.ojs.call_count("jas") == 0


# --- Crossref: only the researcher's ORCID iD, proven at ORCID ----------------------------------------------

ORCID = "0000-0002-1825-0097"


@pytest.fixture
def crossref_system():
    return make_journal_system(key="crossref", platform="crossref", credentials={"mailto": "ops@example.org"})


def test_a_typed_orcid_id_does_not_link_crossref(crossref_system, researcher_client):
    client, _body = researcher_client
    client.patch("/api/v1/me", {"orcid": ORCID}, format="json")

    response = link(client, crossref_system, ORCID, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["code"] == "orcid_not_proven"
    assert response.json()["fields"]["identity"] == [
        "Prove your ORCID iD first: sign in at ORCID from your profile, then link it here."]
    assert not JournalAccount.objects.exists()


def test_crossref_links_the_proven_orcid_id_and_no_other(crossref_system, researcher_client,
                                                         django_capture_on_commit_callbacks):
    client, _body = researcher_client
    Researcher.objects.update(orcid=ORCID, orcid_verified_at=timezone.now())

    other = link(client, crossref_system, "0000-0001-5109-3700", HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks() as after_commit:
        own = link(client, crossref_system, f"https://orcid.org/{ORCID}")

    assert other.status_code == 400 and other.json()["code"] == "orcid_not_proven"
    assert other.json()["fields"]["identity"] == [
        "This is not the ORCID iD you proved at ORCID. Link the iD you signed in with."]
    assert own.status_code == 201
    assert (own.json()["status"], own.json()["verification_method"], own.json()["email_hint"]) == (
        "verified", "orcid_match", "")
    assert [callback.__name__ for callback in after_commit] == ["send"]  # first sync and notice follow


def test_crossref_is_not_linked_with_an_email(crossref_system, researcher_client):
    client, _body = researcher_client

    response = link(client, crossref_system, "li.wei@example.org", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400 and response.json()["code"] == "orcid_not_proven"
    assert "identity" in response.json()["fields"]
