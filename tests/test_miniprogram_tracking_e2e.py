"""Flows 2 and 3 through the Mini Program's real pages over real HTTP (miniprogram/test/e2e/tracking.e2e.test.js):
link an OJS sandbox account, verify it with the code mailed through SMTP to the sandbox's mail catcher, see the
manuscript, move it to "accepted" in the sandbox, tap "立即同步" and see the new status and timeline entry.

Here: the live Django server (a thread of this process, so the settings overrides reach it), a real Celery worker
process on the test database (it reaches the OJS sandbox over HTTP through the base URL stored in the database),
and a sandbox of this test's own serving WeChat, OJS and the mail catcher with SMTP."""

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import Journal, JournalAccount, JournalSystem
from manuscripts.models import Manuscript, StatusEvent
from notifications.models import Notification
from tests.conftest import REPO_ROOT, wechat_code

MINIPROGRAM = REPO_ROOT / "miniprogram"
JS_TEST = "test/e2e/tracking.e2e.test.js"
EMAIL = "li.wei@univ.example.org"
CONTEXT_PATH = "jas"
TITLE_ZH = "干旱胁迫下土壤微生物组的变化"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow]


def test_miniprogram_links_an_ojs_account_and_follows_a_decision(live_server, celery_worker_process,
                                                                 sandbox_with_smtp):
    assert (MINIPROGRAM / "node_modules").is_dir(), "run `cd miniprogram && npm ci` first (make test does)"
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
             "E2E_LOGIN_CODE": wechat_code("liwei"), "E2E_ACCOUNT_EMAIL": EMAIL,
             "E2E_JOURNAL_SYSTEM_KEY": system.key, "E2E_CONTEXT_PATH": CONTEXT_PATH,
             "E2E_SUBMISSION_ID": str(submission), "E2E_EXPECT_TITLE": TITLE_ZH},
        capture_output=True, text=True, timeout=240,
    )

    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "1 passed" in output, output

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
