"""Fixtures for the Official Account tests: a sandbox of their own whose Official Account uses test-only
credentials (the sandbox's are refused with DEBUG off, as in production), and the product pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings

from sandbox.server import SandboxServer
from sandbox.wechat_oa import OfficialAccountSandbox
from tests.factories import WeChatIdentityFactory

TEST_OA = {
    "wechat_oa_app_id": "wxtestonlyoa00000001",
    "wechat_oa_app_secret": "test-only-oa-secret",
    "wechat_oa_token": "test-only-oa-token",
    "wechat_oa_aes_key": "TestOnlyOfficialAccountEncodingAesKey000000",
}


@pytest.fixture(scope="module")
def oa_server() -> Iterator[SandboxServer]:
    server = SandboxServer(port=0, quiet=True, wechat_app_id=django_settings.WECHAT_APP_ID,
                           wechat_app_secret=django_settings.WECHAT_APP_SECRET, **TEST_OA).start()
    yield server
    server.stop()


@pytest.fixture
def oa(oa_server: SandboxServer, settings) -> OfficialAccountSandbox:
    """The Official Account stand-in, reset, with the product configured for it (WECHAT_API_BASE, WECHAT_OA_*)."""
    oa_server.reset()
    settings.WECHAT_API_BASE = oa_server.base_url
    settings.WECHAT_OA_APP_ID = TEST_OA["wechat_oa_app_id"]
    settings.WECHAT_OA_APP_SECRET = TEST_OA["wechat_oa_app_secret"]
    settings.WECHAT_OA_TOKEN = TEST_OA["wechat_oa_token"]
    settings.WECHAT_OA_AES_KEY = TEST_OA["wechat_oa_aes_key"]
    return oa_server.wechat_oa


def researcher_in_wechat(oa: OfficialAccountSandbox, user: str):
    """A researcher who logged in to the Mini Program as sandbox `user` (so carries the user's unionid)."""
    return WeChatIdentityFactory(unionid=oa.unionid_for(user), openid=f"mp-{user}").researcher
