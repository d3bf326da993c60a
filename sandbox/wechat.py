"""Stand-in for WeChat's Mini Program server API (https://api.weixin.qq.com), in its exact wire format.

WeChat answers errors with HTTP 200 and ``{"errcode": N, "errmsg": "... rid: <hex>"}``; this module does
the same, so the product's real client code (wechatpy) runs unchanged against it. Users are derived
from the ``wx.login`` code: the part before the first ``-`` names the user (``alice-1`` and ``alice-2``
are both alice), and openids are stable per (appid, user) across runs. Codes starting with ``bad``,
``busy``, ``blocked`` or ``limited`` provoke the matching code2Session errors.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any, Literal

from sandbox.png import render_code

# sandbox.server imports this module only after defining these primitives (sandbox/__init__ imports the
# server first), so this import is safe despite the cycle.
from sandbox.server import Request, Response, Router, json_response

DEFAULT_APP_ID = "wxsandbox0000000001"
DEFAULT_APP_SECRET = "sandbox-secret"

CODE2SESSION = "/sns/jscode2session"
TOKEN = "/cgi-bin/token"
STABLE_TOKEN = "/cgi-bin/stable_token"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"
WXACODE_UNLIMIT = "/wxa/getwxacodeunlimit"
API_PATHS = (CODE2SESSION, TOKEN, STABLE_TOKEN, SUBSCRIBE_SEND, WXACODE_UNLIMIT)

TIMEOUT: Literal["timeout"] = "timeout"
Fault = int | Literal["timeout"]

# errmsg texts as WeChat writes them (the rid suffix is added when answering).
ERRMSG: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40163: "code been used",
    40169: "invalid length for scene, or the data is not json string",
    40226: "code blocked",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    41030: "invalid page",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit mustslower retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
}

# wx.login code prefixes that make code2Session fail, so tests need no setup to provoke each error.
CODE_FAULTS = (("bad", 40029), ("busy", -1), ("blocked", 40226), ("limited", 45011))

MINIPROGRAM_STATES = ("developer", "trial", "formal")
LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")
SCENE_RE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}")
# Real msgids exceed 2**31; starting there catches msgid columns that are too narrow.
MSGID_BASE = 3_000_000_000_000_000_000


class WeChatError(Exception):
    """Raised by handlers; answered as WeChat's HTTP 200 errcode/errmsg JSON."""

    def __init__(self, errcode: int, errmsg: str | None = None) -> None:
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, "sandbox injected error")
        super().__init__(f"{self.errcode} {self.errmsg}")


def _rid() -> str:
    # Same shape as WeChat's request ids, e.g. "668f2aa4-51c08c03-3d141241".
    return f"{int(time.time()):08x}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"


def _derive_id(*parts: str) -> str:
    # 28 characters starting with "o", like real openids/unionids, and stable across runs.
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).digest()
    return "o" + base64.urlsafe_b64encode(digest).decode("ascii")[:27]


def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = request.json()
    except ValueError:
        raise WeChatError(47001) from None
    if not isinstance(body, dict):
        raise WeChatError(47001)
    return body


def _int_field(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WeChatError(47001)
    return value


def _line_color(value: Any) -> tuple[int, int, int]:
    # wechatpy sends the channels as strings ({"r": "0", ...}); WeChat accepts numbers or numeric strings.
    if value is None:
        return (0, 0, 0)
    try:
        r, g, b = (int(value[channel]) for channel in "rgb")
    except (TypeError, KeyError, ValueError):
        raise WeChatError(47001) from None
    if not all(0 <= c <= 255 for c in (r, g, b)):
        raise WeChatError(47001)
    return (r, g, b)


class WeChatSandbox:
    """WeChat state (codes, tokens, messages, call log, faults) behind one lock, plus the route handlers."""

    def __init__(self, app_id: str = DEFAULT_APP_ID, app_secret: str = DEFAULT_APP_SECRET) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.token_ttl_seconds = 7200
        # Longer than any sensible client timeout (the product defaults to 5 s).
        self.timeout_fault_seconds = 10.0
        self.clock: Callable[[], float] = time.monotonic
        self._lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self._used_codes: set[str] = set()
        self._openids: dict[str, str] = {}  # issued openid -> user
        self._tokens: dict[str, float] = {}  # token -> expiry on self.clock; invalidated tokens are removed
        self._current: dict[str, str] = {}  # token family ("token" / "stable") -> its latest token
        self._messages: list[dict[str, Any]] = []
        self._last_msgid = MSGID_BASE
        self._calls: list[dict[str, Any]] = []
        self._faults: dict[str, deque[Fault]] = {}

    # --- Python API for tests -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget codes, users, tokens, messages, calls and faults (configuration is kept)."""
        with self._lock:
            self._clear()

    def openid_for(self, user: str) -> str:
        """The openid code2Session returns for ``user`` under this app (pure; does not register the user)."""
        return _derive_id("openid", self.app_id, user)

    def unionid_for(self, user: str) -> str:
        """The user's unionid: independent of the app id, as unionids are shared across an Open Platform."""
        return _derive_id("unionid", user)

    def register_user(self, user: str) -> str:
        """Make ``user`` known as if they had logged in once (so messages to them are accepted)."""
        with self._lock:
            return self._register_locked(user)

    @property
    def sent_messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._messages)

    @property
    def calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._calls)

    def call_count(self, path: str) -> int:
        with self._lock:
            return sum(1 for call in self._calls if call["path"] == path)

    def expire_all_tokens(self) -> int:
        """Make every valid token answer 42001 from now on; returns how many were expired."""
        with self._lock:
            now = self.clock()
            for token, expiry in self._tokens.items():
                self._tokens[token] = min(expiry, now)
            return len(self._tokens)

    def inject_fault(self, path: str, errcode: Fault, times: int = 1) -> None:
        """Make the next ``times`` calls to ``path`` answer ``errcode`` instead of being processed.

        ``"timeout"`` instead sleeps ``timeout_fault_seconds`` and then processes the call normally, as a
        slow WeChat would: the side effect (e.g. a sent message) happens even though the client gave up.
        """
        if path not in API_PATHS:
            raise ValueError(f"unknown WeChat API path {path!r}; expected one of {', '.join(API_PATHS)}")
        if errcode != TIMEOUT and (isinstance(errcode, bool) or not isinstance(errcode, int)):
            raise ValueError(f"errcode must be an integer or {TIMEOUT!r}, not {errcode!r}")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be a positive integer, not {times!r}")
        with self._lock:
            self._faults.setdefault(path, deque()).extend([errcode] * times)

    def pending_faults(self) -> dict[str, list[Fault]]:
        with self._lock:
            return {path: list(queue) for path, queue in self._faults.items() if queue}

    # --- routes -------------------------------------------------------------------------------------------

    def register(self, router: Router) -> None:
        router.add("GET", CODE2SESSION, self._api(self._code2session))
        router.add("GET", TOKEN, self._api(self._token))
        router.add("POST", STABLE_TOKEN, self._api(self._stable_token))
        router.add("POST", SUBSCRIBE_SEND, self._api(self._subscribe_send))
        router.add("POST", WXACODE_UNLIMIT, self._api(self._wxacode_unlimit))
        router.add("GET", "/__sandbox__/wechat/messages", self._messages_route)
        router.add("GET", "/__sandbox__/wechat/calls", self._calls_route)
        router.add("GET", "/__sandbox__/wechat/faults", self._faults_route)
        router.add("POST", "/__sandbox__/wechat/faults", self._inject_fault_route)
        router.add("POST", "/__sandbox__/wechat/tokens/expire", self._expire_tokens_route)
        router.add("GET", "/__sandbox__/wechat/users/{user}", self._user_route)

    def _api(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """Wrap a WeChat API handler with fault injection, WeChat's error format and the call log."""

        def wrapped(request: Request) -> Response:
            with self._lock:
                queue = self._faults.get(request.path)
                fault = queue.popleft() if queue else None
            if fault == TIMEOUT:
                time.sleep(self.timeout_fault_seconds)  # outside the lock: other calls keep flowing
            try:
                if isinstance(fault, int):
                    raise WeChatError(fault)
                response, errcode = handler(request), 0
            except WeChatError as error:
                errcode = error.errcode
                response = json_response({"errcode": errcode, "errmsg": f"{error.errmsg} rid: {_rid()}"})
            with self._lock:
                self._calls.append({"method": request.method, "path": request.path, "errcode": errcode})
            return response

        return wrapped

    def _check_app(self, appid: str | None, secret: str | None) -> None:
        if not appid:
            raise WeChatError(41002)
        if appid != self.app_id:
            raise WeChatError(40013)
        if not secret:
            raise WeChatError(41004)
        if secret != self.app_secret:
            raise WeChatError(40125)

    def _check_token(self, request: Request) -> None:
        token = request.query.get("access_token")
        if not token:
            raise WeChatError(41001)
        with self._lock:
            expiry = self._tokens.get(token)
        if expiry is None:
            raise WeChatError(40001)
        if expiry <= self.clock():
            raise WeChatError(42001)

    def _register_locked(self, user: str) -> str:
        openid = self.openid_for(user)
        self._openids[openid] = user
        return openid

    def _issue_token_locked(self, family: str, now: float) -> str:
        # A new token invalidates the previous one of the same family only; the families are independent.
        previous = self._current.get(family)
        if previous is not None:
            self._tokens.pop(previous, None)
        token = secrets.token_urlsafe(96)
        self._tokens[token] = now + self.token_ttl_seconds
        self._current[family] = token
        return token

    def _code2session(self, request: Request) -> Response:
        query = request.query  # wechatpy also sends access_token here; WeChat ignores it, so do we
        self._check_app(query.get("appid"), query.get("secret"))
        code = query.get("js_code", "")
        if not code:
            raise WeChatError(41008)
        for prefix, errcode in CODE_FAULTS:
            if code.startswith(prefix):
                raise WeChatError(errcode)
        user = code.split("-", 1)[0]
        with self._lock:
            if code in self._used_codes:
                raise WeChatError(40163)
            self._used_codes.add(code)
            openid = self._register_locked(user)
        session_key = base64.b64encode(secrets.token_bytes(16)).decode("ascii")
        return json_response(
            {"openid": openid, "session_key": session_key, "unionid": self.unionid_for(user)}
        )

    def _token(self, request: Request) -> Response:
        if request.query.get("grant_type") != "client_credential":
            raise WeChatError(40002)
        self._check_app(request.query.get("appid"), request.query.get("secret"))
        with self._lock:
            token = self._issue_token_locked("token", self.clock())
        return json_response({"access_token": token, "expires_in": self.token_ttl_seconds})

    def _stable_token(self, request: Request) -> Response:
        body = _json_object(request)
        if body.get("grant_type") != "client_credential":
            raise WeChatError(40002)
        self._check_app(body.get("appid"), body.get("secret"))
        force_refresh = body.get("force_refresh", False)
        if not isinstance(force_refresh, bool):
            raise WeChatError(47001)
        with self._lock:
            now = self.clock()
            token = self._current.get("stable")
            expiry = self._tokens.get(token, 0.0) if token else 0.0
            if force_refresh or expiry <= now:
                token = self._issue_token_locked("stable", now)
                expiry = self._tokens[token]
        # Like WeChat, a reused stable token reports its remaining lifetime.
        return json_response({"access_token": token, "expires_in": round(expiry - now)})

    def _validate_subscribe_locked(self, body: dict[str, Any]) -> None:
        """Raise the error WeChat gives for an unacceptable subscribeMessage.send body.

        Runs under the lock so checks against state (issued openids now; templates and quotas later) see
        one consistent view.
        """
        touser = body.get("touser")
        if not isinstance(touser, str) or touser not in self._openids:
            raise WeChatError(40003)
        template_id = body.get("template_id")
        if not isinstance(template_id, str) or not template_id.strip():
            raise WeChatError(40037)
        if body.get("miniprogram_state", "formal") not in MINIPROGRAM_STATES:
            raise WeChatError(47003, "argument invalid! miniprogram_state invalid")
        if body.get("lang", "zh_CN") not in LANGS:
            raise WeChatError(47003, "argument invalid! lang invalid")
        if not isinstance(body.get("page", ""), str):
            raise WeChatError(47001)
        data = body.get("data")
        if not isinstance(data, dict) or not data:
            raise WeChatError(47003, "argument invalid! data invalid")
        for key, item in data.items():
            value = item.get("value") if isinstance(item, dict) else None
            if not isinstance(value, str) or not value.strip():
                raise WeChatError(47003, f"argument invalid! data.{key}.value invalid")

    def _subscribe_send(self, request: Request) -> Response:
        self._check_token(request)
        body = _json_object(request)
        with self._lock:
            self._validate_subscribe_locked(body)
            self._last_msgid += 1
            message = {
                "msgid": self._last_msgid,
                "touser": body["touser"],
                "user": self._openids[body["touser"]],
                "template_id": body["template_id"],
                "page": body.get("page"),
                "miniprogram_state": body.get("miniprogram_state", "formal"),
                "lang": body.get("lang", "zh_CN"),
                "data": copy.deepcopy(body["data"]),
            }
            self._messages.append(message)
        return json_response({"errcode": 0, "errmsg": "ok", "msgid": message["msgid"]})

    def _wxacode_unlimit(self, request: Request) -> Response:
        self._check_token(request)
        body = _json_object(request)
        scene = body.get("scene")
        if not isinstance(scene, str) or not SCENE_RE.fullmatch(scene):
            raise WeChatError(40169)
        page = body.get("page") or ""
        if not isinstance(page, str):
            raise WeChatError(47001)
        if page.startswith("/") or "?" in page:
            raise WeChatError(41030)
        # WeChat documents 280..1280 px and draws out-of-range widths at the nearest limit.
        width = min(max(_int_field(body, "width", 430), 280), 1280)
        image = render_code(
            f"{page}\n{scene}".encode(),
            width,
            foreground=_line_color(body.get("line_color")),
            transparent=body.get("is_hyaline") is True,
        )
        return Response(200, image, content_type="image/png")

    # --- inspection routes (sandbox-only, plain JSON with real HTTP statuses) -----------------------------

    def _messages_route(self, request: Request) -> Response:
        messages = self.sent_messages
        if "touser" in request.query:
            messages = [m for m in messages if m["touser"] == request.query["touser"]]
        return json_response({"messages": messages})

    def _calls_route(self, request: Request) -> Response:
        calls = self.calls
        return json_response({"calls": calls, "counts": dict(Counter(call["path"] for call in calls))})

    def _faults_route(self, request: Request) -> Response:
        return json_response({"faults": self.pending_faults()})

    def _inject_fault_route(self, request: Request) -> Response:
        try:
            body = request.json()
            self.inject_fault(body["path"], body["errcode"], body.get("times", 1))
        except (ValueError, TypeError, KeyError) as error:
            message = f"expected JSON {{path, errcode, times?}}: {error}"
            return json_response({"errcode": -1, "errmsg": message}, status=400)
        return json_response({"ok": True, "faults": self.pending_faults()})

    def _expire_tokens_route(self, request: Request) -> Response:
        return json_response({"ok": True, "expired": self.expire_all_tokens()})

    def _user_route(self, request: Request) -> Response:
        user = request.path_params["user"]
        return json_response(
            {"user": user, "openid": self.openid_for(user), "unionid": self.unionid_for(user)}
        )
