"""What the Mini Program's end-to-end drivers share: an OJS journal in the sandbox with one submission under
review by a researcher, a Crossref system (the sandbox's) with published works, ORCID pointed at the sandbox's
stand-in, and a run of one JS test file against the live server and that sandbox."""

import os
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta

from accounts.models import Journal, JournalSystem
from sandbox import orcid as orcid_sandbox
from tests.conftest import REPO_ROOT, wechat_code

MINIPROGRAM = REPO_ROOT / "miniprogram"
USER = "liwei"
EMAIL = "li.wei@univ.example.org"
CONTEXT_PATH = "jas"
TITLE_EN = "Soil Microbiome Shifts Under Drought"
TITLE_ZH = "干旱胁迫下土壤微生物组的变化"
ISSN = "1234-5678"


def ojs_journal_with_submission(sandbox, *, username: str = USER, email: str = EMAIL, given_name: str = "Wei",
                                family_name: str = "Li", author_ids: list[int] | None = None,
                                ) -> tuple[JournalSystem, int]:
    """The journal system (ours) and the submission id (the sandbox's) the researcher will link and follow.

    The author is Li Wei unless named; `author_ids`, when given, receives the author's OJS user id (the
    platform user id an account on it carries)."""
    token = sandbox.ojs.add_site(CONTEXT_PATH, manager_token="manager-token-jas")
    author = sandbox.ojs.add_user(CONTEXT_PATH, username=username, email=email, given_name=given_name,
                                  family_name=family_name)
    if author_ids is not None:
        author_ids.append(author)
    # Submitted last week, so the editor's decision during the test is clearly later on the platform's clock.
    last_week = datetime.now(UTC) - timedelta(days=7)
    submission = sandbox.ojs.add_submission(
        CONTEXT_PATH, title={"en": TITLE_EN, "zh_CN": TITLE_ZH}, authors=[author],
        stage_id=3, review_round_status=7, date_submitted=last_week, last_modified=last_week)
    system = JournalSystem.objects.create(key="e2e-ojs", name_en="Demo University OJS", name_zh_hans="示范大学 OJS",
                                          platform="ojs", base_url=sandbox.base_url, credentials={"token": token},
                                          rate_limit_per_minute=600, timeout_seconds=5)
    Journal.objects.create(journal_system=system, key=CONTEXT_PATH, platform_path=CONTEXT_PATH,
                           name_en="J. Appl. Sci.", name_zh_hans="应用科学学报", issn=ISSN)
    return system, submission


def crossref_system_with_work(sandbox, *, doi: str, orcid: str, published: date) -> JournalSystem:
    """A Crossref system (the sandbox's, with `mailto` as configuration requires) covering the journal of ISSN
    ISSN, and a work of that journal by Li Wei (iD `orcid`) deposited there."""
    sandbox.crossref.add_work(doi, TITLE_EN, ISSN, authors=[{"given": "Wei", "family": "Li", "ORCID": orcid}],
                              published=published, container_title="Journal of Applied Science")
    system = JournalSystem.objects.create(key="e2e-crossref", name_en="Crossref (published articles)",
                                          name_zh_hans="Crossref（已发表文章）", platform="crossref",
                                          base_url=sandbox.base_url, credentials={"mailto": "ops@example.org"},
                                          rate_limit_per_minute=180, timeout_seconds=5)
    Journal.objects.create(journal_system=system, key="jas-published", platform_path=ISSN,
                           name_en="Journal of Applied Science", name_zh_hans="应用科学学报", issn=ISSN)
    return system


def orcid_at_sandbox(settings, *, sandbox, live_server) -> None:
    """Point ORCID at the sandbox's OAuth stand-in with its registered client, and the backend's public origin
    (where the web-view's start URL and ORCID's redirect URI live) at the live server."""
    settings.ORCID_BASE_URL = f"{sandbox.base_url}{orcid_sandbox.PREFIX}"
    settings.ORCID_CLIENT_ID = sandbox.orcid.client_id
    settings.ORCID_CLIENT_SECRET = sandbox.orcid.client_secret
    settings.PUBLIC_BASE_URL = live_server.url
    settings.PLATFORM_ALLOW_PRIVATE_URLS = True


def run_js_e2e(js_test: str, *, live_server, sandbox, system: JournalSystem | None, submission: int | None = None,
               extra_env: dict[str, str] | None = None, timeout: float = 240) -> None:
    """Run one JS end-to-end file with jest; fails the test with jest's output unless its one test passed."""
    assert (MINIPROGRAM / "node_modules").is_dir(), "run `cd miniprogram && npm ci` first (make test does)"
    completed = subprocess.run(
        [shutil.which("npx") or "npx", "jest", js_test],
        cwd=MINIPROGRAM,
        env={**os.environ, "CI": "true", "API_BASE": live_server.url, "SANDBOX_BASE": sandbox.base_url,
             "E2E_LOGIN_CODE": wechat_code(USER), "E2E_ACCOUNT_EMAIL": EMAIL,
             **({"E2E_JOURNAL_SYSTEM_KEY": system.key} if system else {}), "E2E_CONTEXT_PATH": CONTEXT_PATH,
             "E2E_EXPECT_TITLE": TITLE_ZH,
             **({"E2E_SUBMISSION_ID": str(submission)} if submission is not None else {}), **(extra_env or {})},
        capture_output=True, text=True, timeout=timeout,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "1 passed" in output, output
