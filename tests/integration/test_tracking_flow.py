"""Flows 2 and 3 end to end with real Celery workers: link an OJS sandbox account, verify it with the
code a worker mailed, see its manuscripts, move one to "accepted" on the platform, see the new status,
its timeline entry and the notification after the next poll."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from accounts.models import Journal, JournalSystem
from manuscripts.models import StatusEvent
from manuscripts.tasks import poll_journal_system
from notifications.models import Notification
from tests.conftest import start_celery_worker, stop_process, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture
def ojs_site(wechat_sandbox):
    ojs = wechat_sandbox.ojs
    token = ojs.add_site("jas", manager_token="manager-token-jas")
    author = ojs.add_user("jas", username="liwei", email="li.wei@univ.example.org", given_name="Wei",
                          family_name="Li")
    submission = ojs.add_submission("jas", title={"en": "Soil Microbiome Shifts Under Drought"}, authors=[author],
                                    stage_id=3, review_round_status=7)
    system = JournalSystem.objects.create(key="demo-ojs", name_en="Demo OJS", platform="ojs",
                                          base_url=wechat_sandbox.base_url, credentials={"token": token},
                                          rate_limit_per_minute=600, timeout_seconds=5)
    Journal.objects.create(journal_system=system, key="jas", platform_path="jas", name_en="J. Appl. Sci.")
    return system, submission


@pytest.fixture
def mail_folder(wechat_sandbox, tmp_path) -> Iterator[Path]:
    """A worker on the notifications queue (link-code mails and WeChat notices) whose mail lands in files.
    (django-environ drops one slash of a filemail path: four make it absolute.)"""
    worker = start_celery_worker("pytest-tracking-mail", {"EMAIL_URL": f"filemail:///{tmp_path}",
                                                          "WECHAT_API_BASE": wechat_sandbox.base_url},
                                 queues="notifications")
    yield tmp_path
    stop_process(worker)


def mailed_code(folder: Path, recipient: str) -> str | None:
    """The code in the newest mail to `recipient` that the worker wrote, if any yet."""
    for path in sorted(folder.glob("*.log"), reverse=True):
        headers, _blank, body = path.read_text(encoding="utf-8").partition("\n\n")
        if f"To: {recipient}" in headers:
            return re.search(r"\b(\d{6})\b", body).group(1)
    return None


def test_link_verify_see_manuscripts_and_follow_a_decision(celery_worker_process, mail_folder, researcher_client,
                                                           ojs_site, wechat_sandbox):
    client, _login = researcher_client
    system, submission = ojs_site

    created = client.post("/api/v1/journal-accounts",
                          {"journal_system": system.pk, "identity": "Li.Wei@univ.example.org"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "pending"
    assert created.json()["email_hint"] == "l***@univ.example.org"
    # The code leaves through the worker, after the request answered.
    code = wait_until(lambda: mailed_code(mail_folder, "li.wei@univ.example.org"), timeout=30,
                      message="the worker to mail the code")

    verified = client.post(f"/api/v1/journal-accounts/{created.json()['id']}/verify", {"code": code}, format="json")
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    linked = wait_until(lambda: Notification.objects.filter(kind="account_linked").first(), timeout=10,
                        message="the account-linked notice")
    assert (linked.title, linked.page) == ("已关联投稿系统账号：Demo OJS", "pages/accounts/list")
    assert linked.payload == {"journal_account_id": created.json()["id"], "journal": "Demo OJS"}

    def listed() -> list[dict]:
        return client.get("/api/v1/manuscripts", HTTP_ACCEPT_LANGUAGE="en").json()["results"]

    first = wait_until(listed, timeout=30, message="the first sync in the worker")
    assert [(item["title"], item["status"]) for item in first] == [
        ("Soil Microbiome Shifts Under Drought", "under_review")]

    wechat_sandbox.ojs.advance_clock(60)
    wechat_sandbox.ojs.move("jas", submission, decision="accept")
    poll_journal_system.delay(system.pk)

    wait_until(lambda: listed()[0]["status"] == "accepted", timeout=30, message="the poll to see the decision")
    detail = client.get(f"/api/v1/manuscripts/{first[0]['id']}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [event["to_status"] for event in detail["timeline"]] == ["accepted", "under_review"]
    assert StatusEvent.objects.filter(to_status="accepted").count() == 1
    notification = Notification.objects.get(kind="status_changed")
    assert notification.payload["to_status"] == "accepted"
    assert notification.page == f"pages/manuscript/detail?id={first[0]['id']}"
