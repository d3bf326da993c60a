"""Flow 4 through the Mini Program's real pages over real HTTP (miniprogram/test/e2e/notify.e2e.test.js): the tap
that verifies a linked OJS account asks for WeChat alerts, the researcher allows them (WeChat — the sandbox —
grants the quota, the backend counts the credits), the editor accepts the manuscript, a sync turns that into a
notice, and the sender delivers it to WeChat as a status_changed subscription message; the notice is in the
inbox and opens the manuscript.

Here: the live Django server (a thread of this process), the session's Celery worker for journal syncs, a worker
of this test's own on the notifications queue pointed at this test's sandbox (the worker's WECHAT_API_BASE comes
from its environment, not from this process's settings), and a sandbox serving WeChat, OJS and the mail catcher
with SMTP. The subscription templates are the fixture the product loads (the sandbox reads the same file)."""

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from accounts.models import Journal, JournalAccount, JournalSystem
from manuscripts.models import Manuscript
from notifications.models import Notification, SubscriptionGrant
from sandbox.server import SandboxServer
from tests.conftest import REPO_ROOT, start_celery_worker, stop_process, wechat_code

MINIPROGRAM = REPO_ROOT / "miniprogram"
JS_TEST = "test/e2e/notify.e2e.test.js"
USER = "liwei"
EMAIL = "li.wei@univ.example.org"
CONTEXT_PATH = "jas"
TITLE_ZH = "干旱胁迫下土壤微生物组的变化"
FIXTURE = REPO_ROOT / "notifications" / "fixtures" / "subscription_templates.json"
TEMPLATE_IDS = {row["fields"]["kind"]: row["fields"]["template_id"]
                for row in json.loads(FIXTURE.read_text(encoding="utf-8"))}

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow]


@pytest.fixture
def notification_worker(sandbox_with_smtp: SandboxServer) -> Iterator[subprocess.Popen]:
    """A worker on the notifications queue that sends to this test's sandbox."""
    worker = start_celery_worker("pytest-notify-e2e", {"WECHAT_API_BASE": sandbox_with_smtp.base_url},
                                 queues="notifications")
    yield worker
    stop_process(worker)


def test_miniprogram_alert_for_a_decision_reaches_wechat_and_the_inbox(live_server, celery_worker_process,
                                                                        notification_worker, sandbox_with_smtp):
    assert (MINIPROGRAM / "node_modules").is_dir(), "run `cd miniprogram && npm ci` first (make test does)"
    call_command("loaddata", "subscription_templates", verbosity=0)
    sandbox = sandbox_with_smtp
    token = sandbox.ojs.add_site(CONTEXT_PATH, manager_token="manager-token-jas")
    author = sandbox.ojs.add_user(CONTEXT_PATH, username="liwei", email=EMAIL, given_name="Wei", family_name="Li")
    # Submitted last week, so the editor's decision during the test is clearly later on the platform's clock.
    last_week = datetime.now(UTC) - timedelta(days=7)
    submission = sandbox.ojs.add_submission(
        CONTEXT_PATH, title={"en": "Soil Microbiome Shifts Under Drought", "zh_CN": TITLE_ZH}, authors=[author],
        stage_id=3, review_round_status=7, date_submitted=last_week, last_modified=last_week)
    system = JournalSystem.objects.create(key="e2e-ojs", name_en="Demo University OJS", name_zh_hans="示范大学 OJS",
                                          platform="ojs", base_url=sandbox.base_url, credentials={"token": token},
                                          rate_limit_per_minute=600, timeout_seconds=5)
    Journal.objects.create(journal_system=system, key=CONTEXT_PATH, platform_path=CONTEXT_PATH,
                           name_en="J. Appl. Sci.", name_zh_hans="应用科学学报")

    completed = subprocess.run(
        [shutil.which("npx") or "npx", "jest", JS_TEST],
        cwd=MINIPROGRAM,
        env={**os.environ, "CI": "true", "API_BASE": live_server.url, "SANDBOX_BASE": sandbox.base_url,
             "E2E_LOGIN_CODE": wechat_code(USER), "E2E_ACCOUNT_EMAIL": EMAIL,
             "E2E_JOURNAL_SYSTEM_KEY": system.key, "E2E_CONTEXT_PATH": CONTEXT_PATH,
             "E2E_SUBMISSION_ID": str(submission), "E2E_EXPECT_TITLE": TITLE_ZH,
             "E2E_STATUS_TEMPLATE_ID": TEMPLATE_IDS["status_changed"],
             "E2E_LINKED_TEMPLATE_ID": TEMPLATE_IDS["account_linked"]},
        capture_output=True, text=True, timeout=280,
    )

    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "1 passed" in output, output

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
