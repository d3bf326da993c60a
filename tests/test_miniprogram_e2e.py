"""The Mini Program's page logic, through a `wx` whose wx.request does real HTTP, logs in against a
live Django server and the WeChat sandbox, then shows the researcher's name on the home page."""

import os
import shutil
import subprocess

import pytest
from django.conf import settings

from tests.conftest import REPO_ROOT

MINIPROGRAM = REPO_ROOT / "miniprogram"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_miniprogram_logs_in_over_http_and_greets_the_researcher(live_server, api_client, wechat_sandbox):
    assert (MINIPROGRAM / "node_modules").is_dir(), "run `cd miniprogram && npm ci` first (make test does)"
    # The same WeChat user signs in once here and names themself; the Mini Program then logs in as them.
    first = api_client.post("/api/v1/auth/login", {"code": "carol-1"}, format="json").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {first['token']}")
    assert api_client.patch("/api/v1/me", {"display_name": "陈卡萝 Carol"}, format="json").status_code == 200

    completed = subprocess.run(
        [shutil.which("npx") or "npx", "jest", "test/e2e/login.e2e.test.js"],
        cwd=MINIPROGRAM,
        env={**os.environ, "API_BASE": live_server.url, "E2E_LOGIN_CODE": "carol-2",
             "E2E_EXPECT_NAME": "陈卡萝 Carol", "CI": "true"},
        capture_output=True, text=True, timeout=240,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "1 passed" in completed.stderr + completed.stdout
    assert wechat_sandbox.wechat.call_count("/sns/jscode2session") == 2
    # The Mini Program recorded the researcher's consent to the current privacy policy at that login.
    me = api_client.get("/api/v1/me").json()
    assert me["privacy_consent_required"] is False
    assert me["privacy_consent_version"] == settings.PRIVACY_POLICY_VERSION
