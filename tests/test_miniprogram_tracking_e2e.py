"""Flows 2 and 3 through the Mini Program's real pages over real HTTP (miniprogram/test/e2e/tracking.e2e.test.js):
link an OJS sandbox account, verify it with the code mailed through SMTP to the sandbox's mail catcher, see the
manuscript, move it to "accepted" in the sandbox, tap "立即同步" and see the new status and timeline entry.

Here: the live Django server (a thread of this process, so the settings overrides reach it), a real Celery worker
process on the test database (it reaches the OJS sandbox over HTTP through the base URL stored in the database),
a worker on the notifications queue that mails the code, and a sandbox of this test's own serving WeChat, OJS and
the mail catcher with SMTP."""

import subprocess
from collections.abc import Iterator

import pytest

from accounts.models import JournalAccount
from manuscripts.models import Manuscript, StatusEvent
from notifications.models import Notification
from sandbox.server import SandboxServer
from tests.conftest import start_celery_worker, stop_process
from tests.miniprogram_e2e import EMAIL, ojs_journal_with_submission, run_js_e2e

JS_TEST = "test/e2e/tracking.e2e.test.js"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow]


@pytest.fixture
def mail_worker(sandbox_with_smtp: SandboxServer) -> Iterator[subprocess.Popen]:
    """A worker on the notifications queue, where the link code's mail leaves through SMTP to this test's sandbox."""
    worker = start_celery_worker("pytest-tracking-e2e-mail",
                                 {"WECHAT_API_BASE": sandbox_with_smtp.base_url,
                                  "EMAIL_URL": f"smtp://127.0.0.1:{sandbox_with_smtp.smtp_port}"},
                                 queues="notifications")
    yield worker
    stop_process(worker)


def test_miniprogram_links_an_ojs_account_and_follows_a_decision(live_server, celery_worker_process, mail_worker,
                                                                 sandbox_with_smtp):
    sandbox = sandbox_with_smtp
    system, submission = ojs_journal_with_submission(sandbox)

    run_js_e2e(JS_TEST, live_server=live_server, sandbox=sandbox, system=system, submission=submission)

    account = JournalAccount.objects.get()
    assert (account.journal_system_id, account.status, account.email_on_file) == (system.pk, "verified", EMAIL)
    manuscript = Manuscript.objects.get()
    assert manuscript.canonical_status == "accepted"
    assert list(StatusEvent.objects.filter(manuscript=manuscript).order_by("occurred_at")
                .values_list("to_status", flat=True)) == ["under_review", "accepted"]
    assert StatusEvent.objects.filter(to_status="accepted").count() == 1
    assert Notification.objects.filter(kind="account_linked").count() == 1
    notification = Notification.objects.get(kind="status_changed")
    assert notification.researcher_id == account.researcher_id
    assert notification.payload["to_status"] == "accepted"
    assert notification.page == f"pages/manuscript/detail?id={manuscript.pk}"
    # One code, mailed over SMTP to the address the platform has on file.
    assert [message["to"] for message in sandbox.mail.messages()] == [[EMAIL]]
