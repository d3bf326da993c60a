"""Flow 4 through the Mini Program's real pages over real HTTP (miniprogram/test/e2e/notify.e2e.test.js): the tap
that verifies a linked OJS account asks for WeChat alerts, the researcher allows them (WeChat — the sandbox —
grants the quota, the backend counts the credits), the editor accepts the manuscript, a sync turns that into a
notice, and the sender delivers it to WeChat as a status_changed subscription message; the notice is in the
inbox and opens the manuscript.

Here: the live Django server (a thread of this process), the session's Celery worker for journal syncs, a worker
of this test's own on the notifications queue pointed at this test's sandbox (the worker's WECHAT_API_BASE comes
from its environment, not from this process's settings), and a sandbox serving WeChat, OJS and the mail catcher
with SMTP. The subscription templates are the fixture the product loads (the sandbox reads the same file)."""

import subprocess
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from accounts.models import JournalAccount
from manuscripts.models import Manuscript
from notifications.models import Notification, SubscriptionGrant
from sandbox.server import SandboxServer
from tests.conftest import TEMPLATE_IDS, start_celery_worker, stop_process
from tests.miniprogram_e2e import USER, ojs_journal_with_submission, run_js_e2e

JS_TEST = "test/e2e/notify.e2e.test.js"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow]


@pytest.fixture
def notification_worker(sandbox_with_smtp: SandboxServer) -> Iterator[subprocess.Popen]:
    """A worker on the notifications queue that sends to this test's sandbox."""
    worker = start_celery_worker("pytest-notify-e2e", {"WECHAT_API_BASE": sandbox_with_smtp.base_url,
                                                       # link-code mails ride this queue too
                                                       "EMAIL_URL": f"smtp://127.0.0.1:{sandbox_with_smtp.smtp_port}"},
                                 queues="notifications")
    yield worker
    stop_process(worker)


def test_miniprogram_alert_for_a_decision_reaches_wechat_and_the_inbox(live_server, celery_worker_process,
                                                                        notification_worker, sandbox_with_smtp):
    call_command("loaddata", "subscription_templates", verbosity=0)
    sandbox = sandbox_with_smtp
    system, submission = ojs_journal_with_submission(sandbox)

    run_js_e2e(JS_TEST, live_server=live_server, sandbox=sandbox, system=system, submission=submission,
               extra_env={"E2E_STATUS_TEMPLATE_ID": TEMPLATE_IDS["status_changed"],
                          "E2E_LINKED_TEMPLATE_ID": TEMPLATE_IDS["account_linked"]}, timeout=280)

    account = JournalAccount.objects.get()
    assert account.status == "verified"
    manuscript = Manuscript.objects.get()
    assert manuscript.canonical_status == "accepted"
    notification = Notification.objects.get(kind="status_changed")
    assert (notification.researcher_id, notification.state) == (account.researcher_id, "sent")
    assert notification.page == f"pages/manuscript/detail?id={manuscript.pk}"
    assert notification.read_at is not None  # tapped in the inbox
    # WeChat got exactly one status_changed message for the researcher, on the quota the first popup granted.
    openid = sandbox.wechat.openid_for(USER)
    status_messages = [message for message in sandbox.wechat.sent_messages
                       if message["template_id"] == TEMPLATE_IDS["status_changed"]]
    assert [(message["touser"], message["page"]) for message in status_messages] == [(openid, notification.page)]
    # The "account linked" notice existed before the popup; the consent given right after sent it.
    linked = Notification.objects.get(kind="account_linked")
    assert linked.state == "sent"
    assert [message["page"] for message in sandbox.wechat.sent_messages
            if message["template_id"] == TEMPLATE_IDS["account_linked"]] == ["pages/accounts/list"]
    # Both popups allowed status alerts: one was spent on the decision, the second is left — here and in WeChat.
    grant = SubscriptionGrant.objects.get(researcher_id=account.researcher_id,
                                          template_id=TEMPLATE_IDS["status_changed"])
    assert (grant.credits, grant.banned, grant.last_result) == (1, False, "accept")
    assert sandbox.wechat.quota(USER, TEMPLATE_IDS["status_changed"]) == 1
