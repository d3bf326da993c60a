"""The one way to reach WeChat's server API: a wechatpy client pointed at WECHAT_API_BASE.

Production talks to https://api.weixin.qq.com; development and tests point the same code at the
sandbox (`python -m sandbox`). wechatpy hard-codes its hosts in three places, so the client is a
subclass built per base URL. Access tokens come from `stable_token` (a `/cgi-bin/token` call would
invalidate the token other processes hold) and live in the shared Django cache (Redis), and
wechatpy's own auto-retry is off so callers decide about retries.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from wechatpy import WeChatClient
from wechatpy.client.api import WeChatWxa

# Every error wechatpy raises for a WeChat answer or a transport failure.
from wechatpy.exceptions import WeChatClientException  # noqa: F401  (re-exported for callers)
from wechatpy.session import SessionStorage


class DjangoCacheStorage(SessionStorage):
    """wechatpy token storage on Django's cache, so all web and worker processes share a token."""

    def __init__(self, prefix: str = "wechatpy") -> None:
        self.prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def get(self, key: str, default: Any = None) -> Any:
        return cache.get(self._key(key), default)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        if value is None:
            return
        cache.set(self._key(key), value, timeout=ttl)

    def delete(self, key: str) -> None:
        cache.delete(self._key(key))


TOKEN_LOCK_SECONDS = 15


class TokenLockTimeout(WeChatClientException):
    """Another process held the token-refresh lock for too long (WeChat is slow); try again later."""


@contextmanager
def _cache_lock(key: str, *, hold_seconds: float, wait_seconds: float) -> Iterator[None]:
    """A lock shared by every process: `cache.add` is SET NX in Redis (an INSERT with the database cache)."""
    owner = secrets.token_hex(8)
    deadline = time.monotonic() + wait_seconds
    while not cache.add(key, owner, timeout=hold_seconds):
        if time.monotonic() >= deadline:
            raise TokenLockTimeout(-1, f"token refresh lock {key} busy")
        time.sleep(0.02)
    try:
        yield
    finally:
        if cache.get(key) == owner:  # never release a lock that expired and now belongs to someone else
            cache.delete(key)


def http_session_read_environment_once(session: requests.Session, url: str) -> None:
    """Proxies and CA bundle from the environment, read now rather than on every request.

    With `trust_env` requests scans all of os.environ on each call, which costs more CPU than a
    subscribe-message send itself; a client lives for a sender pass, so reading it once is enough.
    """
    session.proxies.update(requests.utils.get_environ_proxies(url))
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    session.trust_env = False


@lru_cache(maxsize=8)
def _client_class(api_base: str) -> type[WeChatClient]:
    base = api_base.rstrip("/") + "/"

    class ConfiguredWxa(WeChatWxa):
        API_BASE_URL = base

    class ConfiguredWeChatClient(WeChatClient):
        API_BASE_URL = base + "cgi-bin/"
        wxa = ConfiguredWxa()

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            http_session_read_environment_once(self._http, base)

        def fetch_access_token(self) -> dict:
            """wechatpy calls this when the cache holds no token: fetch one, one process at a time."""
            return {"access_token": self.refresh_access_token(stale_token=None)}

        def refresh_access_token(self, *, stale_token: str | None) -> str:
            """A token other than `stale_token` (which WeChat refused), fetched under a lock all workers share.

            The first worker in fetches; the others find its token in the cache and use it, so workers never
            invalidate each other's tokens. Normal-mode stable_token already answers the newest token; a
            force refresh (limited to 20 a day) happens only if WeChat hands back the very token it refused.
            """
            with _cache_lock(f"wechatpy:{self.access_token_key}:lock", hold_seconds=TOKEN_LOCK_SECONDS,
                             wait_seconds=TOKEN_LOCK_SECONDS):
                cached = self.session.get(self.access_token_key)
                if cached and cached != stale_token:
                    return cached
                token = self._stable_token(force_refresh=False)
                if stale_token is not None and token == stale_token:
                    token = self._stable_token(force_refresh=True)
                return token

        def _stable_token(self, *, force_refresh: bool) -> str:
            response = self._http.post(
                base + "cgi-bin/stable_token",
                json={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret,
                      "force_refresh": force_refresh},
                timeout=self.timeout,
            )
            return self._store_token_response(response)["access_token"]

        def _store_token_response(self, response: requests.Response) -> dict:
            response.raise_for_status()
            result = response.json()
            if result.get("errcode"):
                raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self,
                                            request=response.request, response=response)
            expires_in = int(result.get("expires_in", 7200))
            # Keep a margin so a token is never used in its last minute.
            self.session.set(self.access_token_key, result["access_token"], max(expires_in - 60, 1))
            return result

    return ConfiguredWeChatClient


def _configured_client(app_id: str, app_secret: str) -> WeChatClient:
    # Tokens and their refresh lock are keyed by app id, so each app keeps its own token in the shared cache.
    client_class = _client_class(settings.WECHAT_API_BASE)
    return client_class(
        app_id,
        app_secret,
        session=DjangoCacheStorage(),
        timeout=settings.WECHAT_TIMEOUT_SECONDS,
        auto_retry=False,
    )


def wechat_client() -> WeChatClient:
    """The Mini Program's client."""
    return _configured_client(settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET)


def wechat_oa_client() -> WeChatClient:
    """The publisher's Official Account's client: the same machinery (stable_token in the shared cache, refreshed
    under the shared lock, wechatpy's auto-retry off) with the Official Account's own app id and secret."""
    return _configured_client(settings.WECHAT_OA_APP_ID, settings.WECHAT_OA_APP_SECRET)


def code_to_session(js_code: str) -> dict:
    """auth.code2Session: a wx.login code -> {"openid", "session_key", "unionid"?}.

    Raises WeChatClientException for WeChat's error codes and requests.RequestException when
    WeChat cannot be reached. jscode2session needs no access token; wechatpy's own
    `code_to_session` would fetch one first, so the request is made here without it.
    """
    client = wechat_client()
    return client.get(
        "sns/jscode2session",
        api_base_url=client.wxa.API_BASE_URL,
        params={
            "appid": client.appid,
            "secret": client.secret,
            "js_code": js_code,
            "grant_type": "authorization_code",
            "access_token": None,  # requests drops None: no token parameter is sent
        },
    )


# Answers that mean "this access token is no good": refresh it once and try again.
ACCESS_TOKEN_REFUSED = frozenset({40001, 40014, 42001})
WXACODE_UNLIMITED_PATH = "wxa/getwxacodeunlimit"


def wxacode_unlimited(*, scene: str, page: str, width: int = 430, env_version: str = "release",
                      check_path: bool = True) -> bytes:
    """wxacode.getUnlimited: the image of a Mini Program code that opens `page` with `scene`.

    WeChat answers the image's bytes on success and JSON on failure (raised as WeChatClientException, e.g.
    40169 bad scene, 41030 page not released); a refused access token is refreshed once and the call retried.
    """
    client = wechat_client()
    body = {"scene": scene, "page": page, "width": width, "env_version": env_version, "check_path": check_path}
    used = client.access_token
    try:
        answer = client.wxa._post(WXACODE_UNLIMITED_PATH, data=body, params={"access_token": used})
    except WeChatClientException as error:
        if error.errcode not in ACCESS_TOKEN_REFUSED:
            raise
        answer = client.wxa._post(WXACODE_UNLIMITED_PATH, data=body,
                                  params={"access_token": client.refresh_access_token(stale_token=used)})
    if isinstance(answer, dict):  # JSON without an error code: not an image
        raise WeChatClientException(-1, "wxacode answered JSON without an image", client=client)
    return answer.content
