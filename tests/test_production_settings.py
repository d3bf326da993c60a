"""Production settings: `check --deploy` passes with compose's environment, development and sandbox
values are refused by name, optional integrations are off (and admin says so) unless configured, the
proxy set-up comes from the environment, and each log line is printed once."""

import os
import re
import runpy
import secrets
import subprocess
import sys

import pytest
import yaml
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from publisher_backend.http import client_address
from sandbox import wechat as wechat_sandbox_module
from sandbox import wechatpay as wechatpay_sandbox_module
from tests.conftest import REPO_ROOT, wechat_code

SETTINGS_FILE = REPO_ROOT / "publisher_backend" / "settings.py"
# What an operator provides for the `${NAME:?...}` variables of docker-compose.yml.
PRODUCTION_SECRETS = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "WECHAT_APP_ID": "wx5f0c2d8a9b1e3c47",
    "WECHAT_APP_SECRET": secrets.token_hex(16),
    "EMAIL_URL": "smtp+tls://scholarlink:mail-password@smtp.example.org:587",
}


def compose_app_environment(**host_values: str) -> dict[str, str]:
    """docker-compose.yml's app environment as compose interpolates it with `host_values` set on the host."""
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    host = {**PRODUCTION_SECRETS, **host_values}

    def interpolate(match: re.Match) -> str:
        name, operator, fallback = match.group(1), match.group(2) or "", match.group(3) or ""
        if name in host:
            return host[name]
        assert operator != ":?", f"compose needs {name} from the host"
        return fallback

    pattern = re.compile(r"\$\{([A-Z0-9_]+)(:-|:\?)?([^}]*)\}")
    return {name: pattern.sub(interpolate, str(value)) for name, value in compose["x-app-env"].items()}


def run_manage(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    """manage.py in a fresh process with exactly `environment` (plus PATH): nothing from pytest's env."""
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], **environment}, timeout=120)


# --- check --deploy ----------------------------------------------------------------------------------


def test_check_deploy_passes_with_the_compose_production_environment():
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], compose_app_environment())

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_production_turns_hsts_off():
    environment = {**compose_app_environment(), "DJANGO_HSTS_SECONDS": "0"}

    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], environment)

    assert result.returncode != 0
    assert "security.W004" in result.stderr


# --- development and sandbox values are refused outside DEBUG ----------------------------------------


def load_settings(monkeypatch, **environment: str | None) -> dict:
    """settings.py run afresh (not Django's settings object) with the production secrets and `environment`."""
    # The suite turns the https redirect off for its plain-http test client; production leaves it on.
    for name, value in {**PRODUCTION_SECRETS, "DJANGO_DEBUG": "0", "DJANGO_SECURE_SSL_REDIRECT": None,
                        **environment}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_production_values_load(monkeypatch):
    loaded = load_settings(monkeypatch)

    assert loaded["WECHAT_APP_ID"] == PRODUCTION_SECRETS["WECHAT_APP_ID"]
    assert loaded["SECURE_SSL_REDIRECT"] is True


def test_the_refused_sandbox_values_are_the_sandbox_defaults():
    loaded = runpy.run_path(str(SETTINGS_FILE))

    assert loaded["SANDBOX_WECHAT_APP_ID"] == wechat_sandbox_module.DEFAULT_APP_ID
    assert loaded["SANDBOX_WECHAT_APP_SECRET"] == wechat_sandbox_module.DEFAULT_APP_SECRET
    assert loaded["SANDBOX_WECHATPAY_MCH_ID"] == wechatpay_sandbox_module.DEFAULT_MCH_ID
    assert loaded["SANDBOX_WECHATPAY_API_V3_KEY"] == wechatpay_sandbox_module.DEFAULT_API_V3_KEY
    assert loaded["SANDBOX_WECHATPAY_KEYS_DIR"] == wechatpay_sandbox_module.KEYS_DIR


@pytest.mark.parametrize(("variable", "sandbox_value"), [
    ("WECHATPAY_MCH_ID", "1900000109"),
    ("WECHATPAY_API_V3_KEY", "SandboxApiV3Key00000000000000000"),
    ("WECHATPAY_PRIVATE_KEY_PATH", "sandbox/keys/merchant_private_key.pem"),
    ("WECHATPAY_PUBLIC_KEY_PATH", str(REPO_ROOT / "sandbox" / "keys" / "wechatpay_public_key.pem")),
])
def test_the_sandbox_wechat_pay_merchant_is_refused_by_name(monkeypatch, variable, sandbox_value):
    monkeypatch.chdir(REPO_ROOT)
    with pytest.raises(ImproperlyConfigured, match=variable):
        load_settings(monkeypatch, **{variable: sandbox_value})


def test_debug_accepts_the_sandbox_wechat_pay_merchant_for_make_run(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    loaded = load_settings(monkeypatch, DJANGO_DEBUG="1", WECHATPAY_MCH_ID="1900000109",
                           WECHATPAY_PRIVATE_KEY_PATH="sandbox/keys/merchant_private_key.pem")
    assert loaded["WECHATPAY_MCH_ID"] == "1900000109"


DEVELOPMENT_VALUES = {
    "DJANGO_SECRET_KEY": "dev-only-insecure-secret-key-for-make-run",
    "FIELD_ENCRYPTION_KEY": "EVvguGhlMvJiZsg8KfG8DaoVgV-Opdd98qQK38uC3pc=",  # derived from the dev secret key
    "WECHAT_APP_ID": "wxsandbox0000000001",
    "WECHAT_APP_SECRET": "sandbox-secret",
}


@pytest.mark.parametrize("variable", sorted(DEVELOPMENT_VALUES))
def test_an_unset_required_variable_stops_the_start_naming_it(monkeypatch, variable):
    with pytest.raises(ImproperlyConfigured, match=variable):
        load_settings(monkeypatch, **{variable: None})


@pytest.mark.parametrize("variable", sorted(DEVELOPMENT_VALUES))
def test_a_development_or_sandbox_value_stops_the_start_naming_it(monkeypatch, variable):
    with pytest.raises(ImproperlyConfigured, match=variable):
        load_settings(monkeypatch, **{variable: DEVELOPMENT_VALUES[variable]})


@pytest.mark.parametrize(("variable", "placeholder"), [("DJANGO_SECRET_KEY", "change-me"),
                                                       ("WECHAT_APP_ID", "wx0000000000000000")])
def test_the_env_example_placeholders_are_refused(monkeypatch, variable, placeholder):
    with pytest.raises(ImproperlyConfigured, match=variable):
        load_settings(monkeypatch, **{variable: placeholder})


def test_the_development_encryption_key_is_refused_among_others(monkeypatch):
    keys = f"{PRODUCTION_SECRETS['FIELD_ENCRYPTION_KEY']},{DEVELOPMENT_VALUES['FIELD_ENCRYPTION_KEY']}"

    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        load_settings(monkeypatch, FIELD_ENCRYPTION_KEY=keys)


def test_debug_still_starts_on_development_values_for_make_run(monkeypatch):
    loaded = load_settings(monkeypatch, DJANGO_DEBUG="1", DJANGO_SECRET_KEY=None, FIELD_ENCRYPTION_KEY=None,
                           WECHAT_APP_ID=None, WECHAT_APP_SECRET=None)

    assert loaded["WECHAT_APP_ID"] == DEVELOPMENT_VALUES["WECHAT_APP_ID"]
    assert loaded["FIELD_ENCRYPTION_KEYS"] == [DEVELOPMENT_VALUES["FIELD_ENCRYPTION_KEY"]]
    assert loaded["SECURE_SSL_REDIRECT"] is False


# --- optional integrations ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_index_says_which_optional_integrations_are_off(staff_client, settings):
    settings.WECHATPAY_MCH_ID = ""
    settings.ORCID_CLIENT_ID = ""
    settings.ORCID_CLIENT_SECRET = ""

    html = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    notice = html[html.index('id="switched-off-integrations"'):]
    assert "WeChat Pay" in notice and "WECHATPAY_MCH_ID" in notice
    assert "ORCID sign-in" in notice and "ORCID_CLIENT_ID" in notice


@pytest.mark.django_db
def test_admin_index_has_no_notice_when_every_integration_is_configured(staff_client, settings):
    from publisher_backend.integrations import OPTIONAL_INTEGRATIONS

    for name in {name for integration in OPTIONAL_INTEGRATIONS for name in integration.required_settings}:
        setattr(settings, name, f"configured-{name.lower()}")

    html = staff_client.get("/admin/").content.decode()

    assert "switched-off-integrations" not in html


def test_unset_wechat_pay_is_switched_off_without_a_fallback(settings):
    from publisher_backend.integrations import integration_enabled

    settings.WECHATPAY_API_V3_KEY = ""

    assert integration_enabled("wechat_pay") is False


# --- proxies --------------------------------------------------------------------------------------------


def test_without_proxies_a_client_cannot_claim_https(monkeypatch, rf, settings):
    loaded = load_settings(monkeypatch, DJANGO_NUM_PROXIES=None)
    settings.SECURE_PROXY_SSL_HEADER = loaded["SECURE_PROXY_SSL_HEADER"]

    request = rf.get("/api/v1/me", HTTP_X_FORWARDED_PROTO="https")

    assert loaded["SECURE_PROXY_SSL_HEADER"] is None
    assert request.is_secure() is False


def test_behind_a_proxy_its_forwarded_proto_is_believed(monkeypatch, rf, settings):
    loaded = load_settings(monkeypatch, DJANGO_NUM_PROXIES="1")
    settings.SECURE_PROXY_SSL_HEADER = loaded["SECURE_PROXY_SSL_HEADER"]

    assert loaded["NUM_PROXIES"] == 1
    assert rf.get("/api/v1/me", HTTP_X_FORWARDED_PROTO="https").is_secure() is True


@pytest.mark.parametrize(("num_proxies", "forwarded_for", "expected"), [
    (0, "203.0.113.9", "10.0.0.2"),  # no proxy of ours: the header is the client's own claim
    (1, "203.0.113.9", "203.0.113.9"),
    (1, "198.51.100.1, 198.51.100.2, 203.0.113.9", "203.0.113.9"),  # spoofed entries on the left are ignored
    (2, "198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
    (1, None, "10.0.0.2"),
])
def test_client_address_is_what_our_outermost_proxy_saw(rf, settings, num_proxies, forwarded_for, expected):
    settings.NUM_PROXIES = num_proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}

    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.2", **headers)) == expected


@pytest.mark.django_db
def test_login_limit_counts_the_client_behind_the_proxy_not_the_proxy(api_client, wechat_sandbox, settings):
    settings.NUM_PROXIES = 1
    settings.LOGIN_RATE_PER_CLIENT = "2/min"
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def log_in(user: str, forwarded_for: str) -> int:
        return api_client.post("/api/v1/auth/login", {"code": wechat_code(user)}, format="json",
                               HTTP_X_FORWARDED_FOR=forwarded_for, **proxy).status_code

    # One client, spoofing a new left-most entry each time, still spends its own limit ...
    spoofing = [log_in(f"mallory{n}", f"192.0.2.{n}, 203.0.113.9") for n in range(3)]
    # ... while another client behind the same proxy is not affected.
    other = log_in("alice", "203.0.113.10")

    assert spoofing == [200, 200, 429]
    assert other == 200


# --- logging --------------------------------------------------------------------------------------------


def test_a_warning_is_printed_once_under_debug():
    environment = {"DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "publisher_backend.settings",
                   "DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": os.environ["REDIS_URL"]}
    script = ("import django; django.setup(); import logging; "
              "logging.getLogger('django.request').warning('one-warning-marker'); "
              "logging.getLogger('manuscripts').warning('one-warning-marker')")

    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                            env={"PATH": os.environ["PATH"], **environment}, timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stderr.count("one-warning-marker") == 2, result.stderr
