"""Where a journal system's base URL may lead (SSRF): https outside DEBUG, no private, loopback or link-local
address unless PLATFORM_ALLOW_PRIVATE_URLS (checked when saved and on the address actually connected to), no
redirects followed, and error text that is bounded and carries no credential."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accounts.validators import validate_platform_settings, validate_platform_url
from manuscripts.connectors.base import ConnectorError, PlatformConfig
from manuscripts.connectors.http import AddressRefused, safe_error_text
from manuscripts.connectors.ojs import OjsConnector
from sandbox.server import SandboxServer

TOKEN = "publisher-manager-token"
PUBLIC_IP = "93.184.216.34"


@pytest.fixture
def ojs(server: SandboxServer) -> Any:
    server.reset()
    server.ojs.add_site("jas", manager_token=TOKEN)
    return server.ojs


@pytest.fixture
def private_refused(settings) -> None:
    settings.PLATFORM_ALLOW_PRIVATE_URLS = False
    settings.DEBUG = False


def reader(base_url: str) -> OjsConnector:
    return OjsConnector(PlatformConfig(key="demo-ojs", platform="ojs", base_url=base_url,
                                       credentials={"token": TOKEN}, timeout_seconds=2.0, journal_paths={"jas": "jas"}))


@pytest.fixture
def rebinding_dns(monkeypatch) -> list[str]:
    """``rebind.example`` answers the addresses in the returned list, one per lookup (the last one repeats): the
    resolver of a name whose owner changes its answer between our checks. Other names resolve as usual."""
    answers: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 0)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


# --- saved URLs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8025", "https://localhost", "https://10.1.2.3", "https://172.16.0.9", "https://192.168.1.1",
    "https://169.254.169.254", "https://100.64.0.1", "https://[::1]", "https://[::ffff:127.0.0.1]",
    "https://[fe80::1]", "https://0.0.0.0",
])
def test_private_loopback_and_link_local_addresses_are_refused_when_saved(private_refused, url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_platform_url(url)
    assert refused.value.code == "platform_url_private"


def test_private_addresses_are_allowed_with_the_setting(settings) -> None:
    settings.PLATFORM_ALLOW_PRIVATE_URLS, settings.DEBUG = True, False
    validate_platform_url("http://127.0.0.1:8025")
    validate_platform_url("https://10.1.2.3/ojs")


def test_plain_http_to_the_internet_needs_debug(settings) -> None:
    settings.PLATFORM_ALLOW_PRIVATE_URLS, settings.DEBUG = True, False
    with pytest.raises(ValidationError) as refused:
        validate_platform_url(f"http://{PUBLIC_IP}")
    assert refused.value.code == "platform_url_https"
    validate_platform_url(f"https://{PUBLIC_IP}")
    settings.DEBUG = True
    validate_platform_url(f"http://{PUBLIC_IP}")


def test_credentials_in_the_url_are_refused(settings) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_platform_url(f"https://manager:s3cret@{PUBLIC_IP}")
    assert refused.value.code == "platform_url_credentials"


def test_export_folders_stay_allowed_for_file_export_platforms_only(private_refused) -> None:
    validate_platform_settings(platform="editorial_manager", base_url="file:///srv/exports/em", credentials={})
    with pytest.raises(ValidationError) as refused:
        validate_platform_settings(platform="ojs", base_url="file:///srv/exports/em", credentials={})
    assert list(refused.value.message_dict) == ["base_url"]


# --- connections -------------------------------------------------------------------------------------------


def test_a_private_address_is_refused_on_connect_and_never_reached(private_refused, server: SandboxServer,
                                                                   ojs: Any) -> None:
    with pytest.raises(AddressRefused, match="127.0.0.1 is a private, loopback or link-local address") as refused:
        reader(server.base_url).changed_since(None)
    assert not refused.value.retryable
    assert ojs.calls("jas") == []


def test_plain_http_to_a_public_address_is_refused_before_connecting(private_refused) -> None:
    with pytest.raises(AddressRefused, match=f"{PUBLIC_IP} is a public address: use https"):
        reader(f"http://{PUBLIC_IP}:9").changed_since(None)


def test_dns_rebinding_is_refused_on_the_address_actually_connected_to(private_refused, server: SandboxServer,
                                                                       ojs: Any, rebinding_dns: list[str]) -> None:
    port = server.base_url.rsplit(":", 1)[1]
    rebinding_dns[:] = [PUBLIC_IP, "127.0.0.1"]
    validate_platform_url("https://rebind.example")  # a public address when saved
    with pytest.raises(AddressRefused, match="127.0.0.1"):
        reader(f"http://rebind.example:{port}").changed_since(None)  # loopback when called
    assert ojs.calls("jas") == []


def test_the_connection_goes_to_the_checked_address(settings, server: SandboxServer, ojs: Any,
                                                    rebinding_dns: list[str]) -> None:
    settings.PLATFORM_ALLOW_PRIVATE_URLS = True
    port = server.base_url.rsplit(":", 1)[1]
    rebinding_dns[:] = ["127.0.0.1"]
    assert reader(f"http://rebind.example:{port}").changed_since(None).snapshots == []
    assert [call["status"] for call in ojs.calls("jas")] == [200]


def test_redirects_are_not_followed(server: SandboxServer, ojs: Any) -> None:
    ojs.inject_fault("jas", "redirect", location=f"{server.base_url}/index.php/jas/api/v1/users?apiToken=leak")
    with pytest.raises(ConnectorError, match="redirect .*HTTP 302.* not followed") as refused:
        reader(server.base_url).changed_since(None)
    assert "leak" not in str(refused.value) and not refused.value.retryable
    assert [call["endpoint"] for call in ojs.calls("jas")] == ["GET /submissions"]


# --- error text --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "GET https://ojs.example.org/index.php/jas/api/v1/submissions?apiToken=SECRETVALUE&count=1 failed",
    "could not reach https://manager:SECRETVALUE@ojs.example.org/",
    "sent Authorization: Bearer SECRETVALUE",
    'Digest username="SECRETVALUE", realm="s1m", nonce="SECRETVALUE", response="SECRETVALUE"',
    "token eyJhbGciOiJIUzI1NiJ9.SECRETVALUE.c2lnbmF0dXJl was refused",
    "the platform echoed our key SECRETVALUE back",
])
def test_error_text_never_carries_credentials(text: str) -> None:
    shown = safe_error_text(text, credentials={"token": "SECRETVALUE", "username": "api"})
    assert "SECRETVALUE" not in shown and "***" in shown


def test_error_text_keeps_credentials_that_are_settings() -> None:
    shown = safe_error_text("polite pool as ops@example.org, time zone Asia/Shanghai, token SECRETVALUE",
                            credentials={"mailto": "ops@example.org", "timezone": "Asia/Shanghai",
                                         "token": "SECRETVALUE"})
    assert shown == "polite pool as ops@example.org, time zone Asia/Shanghai, token ***"


def test_error_text_is_bounded() -> None:
    shown = safe_error_text("x" * 10_000)
    assert len(shown) == 300 and shown.endswith("…")
