"""What the Mini Program's end-to-end drivers share: an OJS journal in the sandbox with one submission under
review by a researcher, and a run of one JS test file against the live server and that sandbox."""

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

from accounts.models import Journal, JournalSystem
from tests.conftest import REPO_ROOT, wechat_code

MINIPROGRAM = REPO_ROOT / "miniprogram"
USER = "liwei"
EMAIL = "li.wei@univ.example.org"
CONTEXT_PATH = "jas"
TITLE_ZH = "干旱胁迫下土壤微生物组的变化"


def ojs_journal_with_submission(sandbox) -> tuple[JournalSystem, int]:
    """The journal system (ours) and the submission id (the sandbox's) the researcher will link and follow."""
    token = sandbox.ojs.add_site(CONTEXT_PATH, manager_token="manager-token-jas")
    author = sandbox.ojs.add_user(CONTEXT_PATH, username=USER, email=EMAIL, given_name="Wei", family_name="Li")
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
    return system, submission


def run_js_e2e(js_test: str, *, live_server, sandbox, system: JournalSystem, submission: int,
               extra_env: dict[str, str] | None = None, timeout: float = 240) -> None:
    """Run one JS end-to-end file with jest; fails the test with jest's output unless its one test passed."""
    assert (MINIPROGRAM / "node_modules").is_dir(), "run `cd miniprogram && npm ci` first (make test does)"
    completed = subprocess.run(
        [shutil.which("npx") or "npx", "jest", js_test],
        cwd=MINIPROGRAM,
        env={**os.environ, "CI": "true", "API_BASE": live_server.url, "SANDBOX_BASE": sandbox.base_url,
             "E2E_LOGIN_CODE": wechat_code(USER), "E2E_ACCOUNT_EMAIL": EMAIL,
             "E2E_JOURNAL_SYSTEM_KEY": system.key, "E2E_CONTEXT_PATH": CONTEXT_PATH,
             "E2E_SUBMISSION_ID": str(submission), "E2E_EXPECT_TITLE": TITLE_ZH, **(extra_env or {})},
        capture_output=True, text=True, timeout=timeout,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "1 passed" in output, output
