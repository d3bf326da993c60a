"""Staff manage journal systems (credentials write-only, test connection, health) and the linking queue."""

import pytest
from django.utils import timezone

from accounts.models import JournalAccount, JournalSystem
from manuscripts.models import SystemPollState
from manuscripts.sync import snapshots_apply
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher, snapshot

pytestmark = pytest.mark.django_db


def test_credentials_are_never_shown_back_in_full(staff_client):
    system = make_journal_system(credentials={"token": "very-secret-manager-token"})

    html = staff_client.get(f"/admin/accounts/journalsystem/{system.pk}/change/").content.decode()

    assert "very-secret-manager-token" not in html
    assert "••••en" in html


def test_saving_without_new_credentials_keeps_them(staff_client):
    system = make_journal_system(credentials={"token": "keep-me-please"})
    form = {"key": system.key, "name_en": "Renamed", "name_zh_hans": "", "platform": "ojs",
            "base_url": system.base_url, "new_credentials": "", "rate_limit_per_minute": 60, "timeout_seconds": 10,
            "enabled": "on", "journals-TOTAL_FORMS": 0, "journals-INITIAL_FORMS": 0}

    response = staff_client.post(f"/admin/accounts/journalsystem/{system.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    system.refresh_from_db()
    assert system.name_en == "Renamed"
    assert system.credentials == {"token": "keep-me-please"}


def test_new_credentials_must_be_a_json_object(staff_client):
    system = make_journal_system()
    form = {"key": system.key, "name_en": "X", "platform": "ojs", "base_url": system.base_url,
            "new_credentials": "[1, 2]", "rate_limit_per_minute": 60, "timeout_seconds": 10,
            "journals-TOTAL_FORMS": 0, "journals-INITIAL_FORMS": 0}

    response = staff_client.post(f"/admin/accounts/journalsystem/{system.pk}/change/", form)

    assert response.status_code == 200
    assert "JSON" in response.content.decode()


def test_test_connection_action_reaches_the_sandbox(staff_client, wechat_sandbox):
    token = wechat_sandbox.ojs.add_site("jas", manager_token="manager-token")
    system = make_journal_system(base_url=wechat_sandbox.base_url, credentials={"token": token})

    response = staff_client.post("/admin/accounts/journalsystem/", {"action": "test_connection",
                                                                    "_selected_action": [system.pk]}, follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert any(message.startswith("demo-ojs:") and "jas" in message for message in messages), messages


def test_test_connection_action_reports_a_failure(staff_client):
    system = make_journal_system(base_url="http://127.0.0.1:9", credentials={"token": "x"}, timeout_seconds=1)

    response = staff_client.post("/admin/accounts/journalsystem/", {"action": "test_connection",
                                                                    "_selected_action": [system.pk]}, follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert any("PlatformUnavailable" in message for message in messages), messages


def test_test_connection_never_shows_credentials(staff_client, wechat_sandbox):
    """A row saved before URLs were checked: the action says what is wrong and shows no secret."""
    wechat_sandbox.ojs.add_site("jas", manager_token="manager-token")
    port = wechat_sandbox.base_url.rsplit(":", 1)[1]
    system = make_journal_system(base_url=f"http://manager:pa55word@127.0.0.1:{port}",
                                 credentials={"token": "manager-token"})
    system.journals.update(platform_path="nope")

    response = staff_client.post("/admin/accounts/journalsystem/", {"action": "test_connection",
                                                                    "_selected_action": [system.pk]}, follow=True,
                                 HTTP_ACCEPT_LANGUAGE="en")

    [message] = [str(message) for message in response.context["messages"]]
    assert message.startswith("demo-ojs: Put the platform's user name and password in the credentials"), message
    assert "pa55word" not in message and "manager-token" not in message


def test_test_connection_refuses_a_private_address_without_the_setting(staff_client, wechat_sandbox, settings):
    settings.PLATFORM_ALLOW_PRIVATE_URLS = False
    wechat_sandbox.ojs.add_site("jas", manager_token="manager-token")
    system = make_journal_system(base_url=wechat_sandbox.base_url, credentials={"token": "manager-token"})

    response = staff_client.post("/admin/accounts/journalsystem/", {"action": "test_connection",
                                                                    "_selected_action": [system.pk]}, follow=True,
                                 HTTP_ACCEPT_LANGUAGE="en")

    [message] = [str(message) for message in response.context["messages"]]
    assert "private, loopback or link-local" in message and "PLATFORM_ALLOW_PRIVATE_URLS=true" in message
    assert wechat_sandbox.ojs.calls("jas") == []


@pytest.mark.parametrize(("fields", "complaint"), [
    ({"base_url": "http://169.254.169.254/latest", "platform": "ojs"}, "private, loopback or link-local"),
    ({"base_url": "file:///srv/exports", "platform": "ojs"}, "only for platforms read from export files"),
    ({"base_url": "https://api.crossref.org", "platform": "crossref"}, "Crossref needs a contact e-mail address"),
])
def test_the_journal_system_form_checks_where_it_may_call(staff_client, settings, fields, complaint):
    settings.PLATFORM_ALLOW_PRIVATE_URLS = False
    form = {"key": "new-system", "name_en": "New", "name_zh_hans": "新", "new_credentials": "",
            "rate_limit_per_minute": 60, "timeout_seconds": 10, "enabled": "on",
            "journals-TOTAL_FORMS": 0, "journals-INITIAL_FORMS": 0, **fields}

    response = staff_client.post("/admin/accounts/journalsystem/add/", form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200 and complaint in response.content.decode()
    assert not JournalSystem.objects.filter(key="new-system").exists()


def test_test_connection_reports_what_a_scholarone_site_answers_to_the_criteria(staff_client, wechat_sandbox):
    from sandbox.scholarone import DEFAULT_API_KEY, DEFAULT_USERNAME

    wechat_sandbox.scholarone.add_site("jas", criteria=["datetime_submitted"])
    system = make_journal_system(key="demo-s1", platform="scholarone", base_url=wechat_sandbox.base_url,
                                 credentials={"username": DEFAULT_USERNAME, "api_key": DEFAULT_API_KEY})

    response = staff_client.post("/admin/accounts/journalsystem/", {"action": "test_connection",
                                                                    "_selected_action": [system.pk]}, follow=True,
                                 HTTP_ACCEPT_LANGUAGE="en")

    [message] = [str(message) for message in response.context["messages"]]
    assert "did not accept getIDsByDate criteria 'datetime_last_updated'" in message, message
    assert "Unknown criteria datetime_last_updated; expected one of datetime_added, datetime_submitted" in message
    assert DEFAULT_API_KEY not in message


def test_system_list_shows_polling_health(staff_client):
    system = make_journal_system()
    SystemPollState.objects.create(journal_system=system, calls_total=20, failures_total=5,
                                   last_success_at=timezone.now(), circuit_open_until=timezone.now()
                                   + timezone.timedelta(minutes=5), last_error="PlatformUnavailable: 503")

    html = staff_client.get("/admin/accounts/journalsystem/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "25.0% (5/20)" in html
    assert "Open (paused after failures): PlatformUnavailable: 503" in html


def test_staff_verify_the_manual_review_queue(staff_client):
    system = make_journal_system()
    account = make_account(make_researcher(), system, email="dead@old.example.org", user_id="5",
                           status="manual_review")

    queue = staff_client.get("/admin/accounts/journalaccount/", {"status__exact": "manual_review"}).content.decode()
    staff_client.post("/admin/accounts/journalaccount/", {"action": "verify_by_staff",
                                                          "_selected_action": [account.pk]})

    assert "dead@old.example.org" in queue
    account.refresh_from_db()
    assert account.status == "verified" and account.verification_method == "staff"


def test_staff_verification_never_creates_two_owners(staff_client):
    system = make_journal_system()
    make_account(make_researcher(), system, email="z@example.org", user_id="5")
    claimant = make_account(make_researcher(), system, email="z@example.org", user_id="5", status="manual_review")

    response = staff_client.post("/admin/accounts/journalaccount/", {"action": "verify_by_staff",
                                                                     "_selected_action": [claimant.pk]}, follow=True)

    assert JournalAccount.objects.get(pk=claimant.pk).status == "manual_review"
    assert any("Already verified" in str(m) or "已被其他研究者验证" in str(m) for m in response.context["messages"])


def test_manuscripts_admin_filters_by_status(staff_client):
    system = make_journal_system()
    account = make_account(make_researcher(), system, email="li.wei@example.org", user_id="5")
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("1", status="accepted", title="Accepted paper"), snapshot("2", title="Reviewed paper")])

    html = staff_client.get("/admin/manuscripts/manuscript/", {"canonical_status__exact": "accepted"}).content.decode()

    assert "Accepted paper" in html
    assert "Reviewed paper" not in html


def test_staff_upload_an_export_file_into_the_systems_folder(staff_client, tmp_path,
                                                            django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    system = make_journal_system(key="em", platform="editorial_manager", base_url=f"file://{tmp_path}/exports")
    upload = SimpleUploadedFile("weekly export.csv", b"manuscript_id,journal,title\n", content_type="text/csv")

    with django_capture_on_commit_callbacks() as after_commit:
        response = staff_client.post(f"/admin/accounts/journalsystem/{system.pk}/upload-export/",
                                     {"export_file": upload})

    assert response.status_code == 302
    stored = list((tmp_path / "exports").iterdir())
    assert len(stored) == 1 and stored[0].name.startswith("weekly-export-") and stored[0].suffix == ".csv"
    assert stored[0].read_bytes() == b"manuscript_id,journal,title\n"
    # the system is polled once the upload is stored
    assert [(callback.task_name, callback.args) for callback in after_commit] == [
        ("manuscripts.tasks.poll_journal_system", (system.pk,))]


def test_export_upload_refuses_other_file_types(staff_client, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    system = make_journal_system(key="em", platform="editorial_manager", base_url=f"file://{tmp_path}")
    upload = SimpleUploadedFile("export.xlsx", b"PK\x03\x04", content_type="application/octet-stream")

    response = staff_client.post(f"/admin/accounts/journalsystem/{system.pk}/upload-export/",
                                 {"export_file": upload}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "Upload a .csv or .jsonl export file." in response.content.decode()
    assert list(tmp_path.iterdir()) == []


def test_ojs_systems_do_not_take_export_files(staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    system = make_journal_system()
    response = staff_client.post(f"/admin/accounts/journalsystem/{system.pk}/upload-export/",
                                 {"export_file": SimpleUploadedFile("x.csv", b"a")}, HTTP_ACCEPT_LANGUAGE="en")

    assert "This journal system does not read export files." in response.content.decode()
