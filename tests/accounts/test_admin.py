"""Staff see researchers and WeChat identities in admin; the session key never appears."""

import pytest

from accounts.models import Researcher, WeChatIdentity

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(login):
    login("alice")
    researcher = Researcher.objects.get()
    researcher.display_name = "Alice Zhang"
    researcher.institution = "Tsinghua University"
    researcher.save()
    return researcher


def test_staff_password_login_reaches_admin(client, django_user_model):
    django_user_model.objects.create_user("staff", password="a-long-staff-password", is_staff=True)

    response = client.post("/admin/login/?next=/admin/", {"username": "staff",
                                                           "password": "a-long-staff-password"}, secure=True)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_researcher_list_shows_researchers(staff_client, alice):
    response = staff_client.get("/admin/accounts/researcher/")

    assert response.status_code == 200
    assert "Alice Zhang" in response.content.decode()


def test_researcher_search_by_institution_and_openid(staff_client, alice):
    openid = WeChatIdentity.objects.get().openid

    by_institution = staff_client.get("/admin/accounts/researcher/", {"q": "Tsinghua"}).content.decode()
    by_openid = staff_client.get("/admin/accounts/researcher/", {"q": openid}).content.decode()
    no_match = staff_client.get("/admin/accounts/researcher/", {"q": "Nowhere"}).content.decode()

    assert "Alice Zhang" in by_institution
    assert "Alice Zhang" in by_openid
    assert "Alice Zhang" not in no_match


def test_researcher_filter_by_language(staff_client, alice):
    english = staff_client.get("/admin/accounts/researcher/", {"language__exact": "en"}).content.decode()
    chinese = staff_client.get("/admin/accounts/researcher/", {"language__exact": "zh-hans"}).content.decode()

    assert "Alice Zhang" not in english
    assert "Alice Zhang" in chinese


def test_session_key_is_never_shown_in_admin(staff_client, alice):
    identity = WeChatIdentity.objects.get()
    pages = [
        f"/admin/accounts/researcher/{alice.pk}/change/",
        "/admin/accounts/wechatidentity/",
        f"/admin/accounts/wechatidentity/{identity.pk}/change/",
    ]

    for page in pages:
        html = staff_client.get(page).content.decode()
        assert identity.session_key not in html, page
        assert "session_key" not in html, page
    assert identity.openid in staff_client.get(pages[1]).content.decode()


def test_non_staff_cannot_open_admin(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("plain", password="x-long-password-1"))

    response = client.get("/admin/accounts/researcher/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_verification_goes_the_researchers_way(staff_client, django_capture_on_commit_callbacks):
    """Staff verifying an account by hand: the same first sync and "account linked" notice as a mailed code."""
    from accounts.models import JournalAccount
    from manuscripts.models import AccountSyncState
    from notifications.models import Notification
    from tests.manuscripts.factories import make_account, make_journal_system, make_researcher

    account = make_account(make_researcher("Li Wei"), make_journal_system(), email="li.wei@example.org",
                           user_id="5", status="manual_review")

    with django_capture_on_commit_callbacks() as after_commit:
        response = staff_client.post("/admin/accounts/journalaccount/",
                                     {"action": "verify_by_staff", "_selected_action": [account.pk]})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks() as after_event:
        for callback in after_commit:
            callback()

    account.refresh_from_db()
    assert (account.status, account.verification_method) == ("verified", "staff")
    assert [callback.__name__ for callback in after_event] == ["enqueue", "_sender_kick"]  # first sync, sender
    assert AccountSyncState.objects.filter(journal_account=account).exists()
    assert Notification.objects.get(researcher=account.researcher).kind == "account_linked"
    assert JournalAccount.objects.filter(status="verified").count() == 1
