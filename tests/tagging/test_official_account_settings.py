"""The Official Account's settings: the sandbox's credentials are refused outside DEBUG (as WeChat Pay's are), a
malformed EncodingAESKey stops the start, and secrets never reach logs or admin's lists."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from sandbox import wechat_oa as oa_sandbox_module
from tests.conftest import REPO_ROOT
from tests.test_production_settings import load_settings


@pytest.mark.parametrize(("variable", "sandbox_value"), [
    ("WECHAT_OA_APP_ID", oa_sandbox_module.DEFAULT_OA_APP_ID),
    ("WECHAT_OA_APP_SECRET", oa_sandbox_module.DEFAULT_OA_APP_SECRET),
    ("WECHAT_OA_TOKEN", oa_sandbox_module.DEFAULT_OA_TOKEN),
    ("WECHAT_OA_AES_KEY", oa_sandbox_module.DEFAULT_OA_AES_KEY),
])
def test_the_sandbox_official_account_is_refused_by_name_outside_debug(monkeypatch, variable, sandbox_value):
    monkeypatch.chdir(REPO_ROOT)
    with pytest.raises(ImproperlyConfigured, match=variable):
        load_settings(monkeypatch, **{variable: sandbox_value})


def test_debug_accepts_the_sandbox_official_account_for_make_run(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    loaded = load_settings(monkeypatch, DJANGO_DEBUG="1", WECHAT_OA_APP_ID=oa_sandbox_module.DEFAULT_OA_APP_ID,
                           WECHAT_OA_AES_KEY=oa_sandbox_module.DEFAULT_OA_AES_KEY)
    assert loaded["WECHAT_OA_APP_ID"] == oa_sandbox_module.DEFAULT_OA_APP_ID
    assert loaded["SANDBOX_WECHAT_OA_APP_ID"] == oa_sandbox_module.DEFAULT_OA_APP_ID
    assert loaded["SANDBOX_WECHAT_OA_AES_KEY"] == oa_sandbox_module.DEFAULT_OA_AES_KEY


def test_an_encoding_aes_key_of_the_wrong_length_stops_the_start(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    with pytest.raises(ImproperlyConfigured, match="WECHAT_OA_AES_KEY"):
        load_settings(monkeypatch, WECHAT_OA_AES_KEY="too-short")


def test_without_the_official_account_the_settings_load_and_it_is_off(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    loaded = load_settings(monkeypatch, WECHAT_OA_APP_ID=None, WECHAT_OA_APP_SECRET=None, WECHAT_OA_TOKEN=None,
                           WECHAT_OA_AES_KEY=None)
    assert loaded["WECHAT_OA_APP_ID"] == "" and loaded["WECHAT_OA_MASS_SENDS_PER_MONTH"] == 4
