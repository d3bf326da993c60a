"""The journal-accounts endpoints (verify, resend, manual review, refresh, unlink) and their 404s."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import linking
from accounts.models import JournalAccount, Researcher
from manuscripts.models import AccountSyncState
from notifications.models import Notification
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return make_journal_system()


@pytest.fixture
def pending(researcher_client, system, django_capture_on_commit_callbacks):
    client, _body = researcher_client
    with django_capture_on_commit_callbacks(execute=True):
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
    # Once the verification commits: the sync task, and the sender for the "account linked" notice.
    assert [callback.task_name for callback in after_commit] == ["manuscripts.tasks.sync_account",
                                                                 "notifications.tasks.send_due"]
    assert AccountSyncState.objects.get(journal_account=account).next_sync_at <= timezone.now()
    linked = Notification.objects.get(researcher=account.researcher)
    assert (linked.kind, linked.page, linked.state) == ("account_linked", "pages/accounts/list", "pending")


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

    with django_capture_on_commit_callbacks(execute=True):
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
