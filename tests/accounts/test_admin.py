"""Staff see researchers and WeChat identities in admin; the session key never appears; sign-in is throttled."""

import re

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


# --- sign-in throttle ---------------------------------------------------------------------------------

ADMIN_LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def staff_password(django_user_model) -> str:
    password = "a-long-staff-password"
    django_user_model.objects.create_user("staff", password=password, is_staff=True)
    return password


@pytest.fixture
def failed_logins():
    """Usernames whose password was checked and refused: a throttled attempt never gets that far."""
    from django.contrib.auth.signals import user_login_failed

    usernames: list[str] = []

    def record(sender, credentials, **kwargs):
        usernames.append(credentials.get("username"))

    user_login_failed.connect(record)
    yield usernames
    user_login_failed.disconnect(record)


def _sign_in(client, username: str, password: str, address: str = "203.0.113.9"):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password}, secure=True,
                       REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")


def test_admin_sign_in_is_throttled_per_username_across_addresses(client, settings, staff_password, failed_logins):
    settings.ADMIN_LOGIN_RATE_PER_USERNAME = "3/hour"
    guesses = [_sign_in(client, "staff", f"guess-{n}", address=f"198.51.100.{n}") for n in range(3)]

    throttled = _sign_in(client, "Staff", staff_password, address="198.51.100.99")  # even the right password

    assert [response.status_code for response in guesses] == [200, 200, 200]
    assert throttled.status_code == 200  # the admin's own sign-in page, with the reason
    # The window is a fixed hour: what is left of it, in whole minutes.
    assert re.search(r"Too many sign-in attempts\. Please wait ([1-9]|[1-5][0-9]|60) min and try again\.",
                     throttled.content.decode())
    assert "_auth_user_id" not in client.session
    assert failed_logins == ["staff", "staff", "staff"]  # the throttled attempt never checked a password


def test_admin_sign_in_is_throttled_per_client_address(client, settings, staff_password):
    settings.ADMIN_LOGIN_RATE_PER_CLIENT = "3/hour"
    for n in range(3):
        _sign_in(client, f"someone{n}", "wrong-password")

    from_same_address = _sign_in(client, "staff", staff_password)
    from_elsewhere = _sign_in(client, "staff", staff_password, address="203.0.113.10")

    assert "Too many sign-in attempts" in from_same_address.content.decode()
    assert from_elsewhere.status_code == 302
    assert from_elsewhere["Location"] == "/admin/"


def test_admin_sign_in_behind_a_proxy_counts_the_client(client, settings, staff_password):
    settings.NUM_PROXIES = 1
    settings.ADMIN_LOGIN_RATE_PER_CLIENT = "2/hour"
    for n in range(2):
        client.post(ADMIN_LOGIN, {"username": "staff", "password": "wrong"}, secure=True, REMOTE_ADDR="10.0.0.2",
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9")

    other_client = client.post(ADMIN_LOGIN, {"username": "staff", "password": staff_password}, secure=True,
                               REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.10")

    assert other_client.status_code == 302


def test_admin_sign_in_within_the_limits_goes_straight_through(client, staff_password):
    response = _sign_in(client, "staff", staff_password)

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_throttle_message_follows_the_request_language(client, settings, staff_password):
    settings.ADMIN_LOGIN_RATE_PER_USERNAME = "1/hour"
    _sign_in(client, "staff", "wrong")

    response = client.post(ADMIN_LOGIN, {"username": "staff", "password": "wrong"}, secure=True)

    assert "登录尝试次数过多" in response.content.decode()


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
    assert [callback.task_name for callback in after_event] == ["manuscripts.tasks.sync_account",
                                                                "notifications.tasks.send_due"]
    assert AccountSyncState.objects.filter(journal_account=account).exists()
    assert Notification.objects.get(researcher=account.researcher).kind == "account_linked"
    assert JournalAccount.objects.filter(status="verified").count() == 1
