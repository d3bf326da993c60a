"""Stand-in for WeChat's Mini Program server API (https://api.weixin.qq.com), in its exact wire format.

WeChat answers errors with HTTP 200 and ``{"errcode": N, "errmsg": "... rid: <hex>"}``; this module does
the same, so the product's real client code (wechatpy) runs unchanged against it. Users are derived
from the ``wx.login`` code: the part before the first ``-`` names the user (``alice-1`` and ``alice-2``
are both alice), and openids are stable per (appid, user) across runs. Codes starting with ``bad``,
``busy``, ``blocked`` or ``limited`` provoke the matching code2Session errors.

subscribeMessage.send is checked as WeChat checks it (WeChat's 发送订阅消息 documentation on
developers.weixin.qq.com, with its keyword types' rules), in WeChat's order: token (41001/40001/42001),
openid (40003), template (40037), page (41030), data (47003), quota (43101).
Answers that depend on WeChat's own state are injected through the faults route (``POST
/__sandbox__/wechat/faults {"path": "/cgi-bin/message/subscribe/send", "errcode": N, "times": k}``): 43107
(subscription messages banned for the Mini Program or template), 43108 (another send to the same user in
flight), 45009 (the day's quota used up) and 45168 (a value hit the content check). With
``send_latency_seconds`` set, each send takes that long and one to a user who already has a send in
progress answers 43108, as WeChat does.

- Templates are the Mini Program's, read from ``notifications/fixtures/subscription_templates.json`` (the
  fixture the product loads), not through Django. An ``enum`` keyword (WeChat's ``enum.DATA``: "只能上传枚举值
  范围内的字段值", values fixed per template and listed by WeChat's template API as ``keywordEnumValueList``)
  takes exactly one of its template's values: the fixture's ``values`` for it, or ``set_templates(...,
  enum_values=...)``. WeChat walks the *template's* keywords: one missing from
  ``data`` is ``data.<key>.value is empty``, one whose value breaks its type's rule (thing ≤ 20 UTF-16
  units, phrase ≤ 5 Chinese characters, time/date formats, ...) is ``data.<key>.value invalid``; keys the
  template lacks are ignored, as WeChat ignores them. The rules are implemented here independently of the
  product's formatter, so a formatting mistake there shows up as a 47003.
- Pages are ``miniprogram/src/app.json``'s (with sub-packages): the path before ``?`` must be one, written
  without a leading ``/``.
- Quota is one message per acceptance, per (openid, template): ``POST /__sandbox__/wechat/subscriptions``
  (or :meth:`WeChatSandbox.subscribe`) replays what ``wx.requestSubscribeMessage`` returned in the client.
  A send checks and spends it under the sandbox's lock, so concurrent sends never overdraw.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import secrets
import string
import threading
import time
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
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
    # 43107/45168: meaning from WeChat's send page as mirrored by Tencent Cloud (document 1219/67648); the
    # exact errmsg texts were not found in a public source, so these are descriptive stand-ins.
    43107: "subscribe message capability banned",
    # As WeChat writes it (quoted in a developers.weixin.qq.com community thread).
    43108: "Cannot make concurrent calls to the same OpenID, please try again",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit mustslower retry next minute",
    45168: "message content hit sensitive words",
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

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_FIXTURE = REPO_ROOT / "notifications" / "fixtures" / "subscription_templates.json"
APP_JSON = REPO_ROOT / "miniprogram" / "src" / "app.json"

# What wx.requestSubscribeMessage answers per template id; only these two change the quota.
ACCEPT, BAN = "accept", "ban"


def _template_rows(path: Path) -> list[dict[str, Any]]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [row["fields"] for row in rows if row.get("model") == "notifications.notificationtemplate"]


def load_templates(path: Path = TEMPLATES_FIXTURE) -> dict[str, tuple[str, ...]]:
    """``{template_id: keyword names}`` from a Django fixture of notifications.notificationtemplate rows.

    Disabled rows are included: ``enabled`` is the product's switch, WeChat still has the template.
    """
    return {row["template_id"]: tuple(spec["keyword"] for spec in row["keywords"]) for row in _template_rows(path)}


def load_enum_values(path: Path = TEMPLATES_FIXTURE) -> dict[str, dict[str, tuple[str, ...]]]:
    """``{template_id: {enum keyword: its enumerated values}}`` from the same fixture."""
    return {
        row["template_id"]: {spec["keyword"]: tuple(spec["values"]) for spec in row["keywords"]
                             if spec["keyword"].rstrip(string.digits) == "enum" and "values" in spec}
        for row in _template_rows(path)
    }


def load_pages(path: Path = APP_JSON) -> frozenset[str]:
    """The Mini Program's page paths from its app.json: ``pages`` plus each sub-package's ``root/page``."""
    app = json.loads(path.read_text(encoding="utf-8"))
    pages = set(app.get("pages", []))
    for package in app.get("subPackages", app.get("subpackages", [])):
        root = package["root"].strip("/")
        pages.update(f"{root}/{page}" for page in package.get("pages", []))
    return frozenset(pages)


# --- subscription-message keyword values -----------------------------------------------------------------
# WeChat's "订阅消息参数值内容限制说明" (protocols.md §1.3 and the official notes copied with it: symbols are
# common non-letter, non-digit, non-Chinese characters and no value may hold a line break or other control
# character; time is HH:MM or HH:MM:SS; a date is y年m月d日, y年m月, m月d日 or joined with "-", "/" or ".").
# Written from that table, not from notifications.formatting, so the two check each other.

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f"
_CJK_RE = re.compile(f"[{_CJK}]")
_SYMBOLS = re.escape(string.punctuation)
_PHONE_NUMBER_RE = re.compile(f"[0-9{_SYMBOLS}]{{1,17}}")
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_LETTER_RE = re.compile(r"[A-Za-z]{1,32}")
_SYMBOL_RE = re.compile(f"[{_SYMBOLS}]{{1,5}}")
_CHARACTER_STRING_RE = re.compile(r"[!-~]{1,32}")  # printable ASCII without the space
_CLOCK = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
_DATES = (
    r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?:(?P<d>[0-9]{1,2})日)?",
    r"(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日",
    r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?:(?P=sep)(?P<d>[0-9]{1,2}))?",
    r"(?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})",
)
_TIME_RE = re.compile(_CLOCK)
_DATE_RES = tuple(re.compile(pattern) for pattern in _DATES)
# Time after a date: a space, except that "日" already ends the date ("2019年10月1日15:01").
_DATE_TIME_RES = tuple(re.compile(f"{pattern}(?:(?<=日) ?| )(?P<clock>.+)") for pattern in _DATES)
CURRENCY_SYMBOLS = ("¥", "￥", "$", "€", "£", "₩", "₫", "HK$", "US$", "NT$", "S$", "R$")
_AMOUNT_RE = re.compile(
    "(?:" + "|".join(re.escape(symbol) for symbol in CURRENCY_SYMBOLS) + r")(?P<number>[0-9]+(?:\.[0-9]+)?)元?"
)
_PHRASE_RE = re.compile(f"[{_CJK}]{{1,5}}")
_CHINESE_NAME_RE = re.compile(f"[{_CJK}A-Za-z·]{{1,10}}")
_LATIN_NAME_RE = re.compile(f"[A-Za-z {_SYMBOLS}]{{1,20}}")
_CAR_NUMBER_RE = re.compile(f"[{_CJK}A-Za-z0-9](?:[A-Za-z0-9]{{0,6}}[{_CJK}A-Za-z0-9])?")


def _utf16_length(value: str) -> int:
    # WeChat counts like JavaScript's String.length: characters beyond the BMP (most emoji) count twice.
    return len(value.encode("utf-16-le")) // 2


def _is_date(value: str) -> bool:
    for pattern in _DATE_RES:
        match = pattern.fullmatch(value)
        if match:
            return _calendar_ok(match)
    return False


def _calendar_ok(match: re.Match[str]) -> bool:
    parts = match.groupdict()  # not every date form has a year or a day
    year, month, day = parts.get("y"), parts["m"], parts.get("d")
    try:
        # Without a year, 2000 (a leap year) lets 2月29日 through.
        date(int(year or 2000), int(month), int(day or 1))
    except ValueError:
        return False
    return True


def _is_date_time(value: str) -> bool:
    """A date followed by a 24 h time."""
    for pattern in _DATE_TIME_RES:
        match = pattern.fullmatch(value)
        if match and _calendar_ok(match) and _TIME_RE.fullmatch(match.group("clock")):
            return True
    return False


def _span(value: str, point: Callable[[str], bool]) -> bool:
    """One point in time, or two joined by "~" (spaces around it allowed)."""
    parts = value.split("~")
    return len(parts) <= 2 and all(point(part.strip() if len(parts) == 2 else part) for part in parts)


def _is_time(value: str) -> bool:
    return _span(value, lambda part: bool(_TIME_RE.fullmatch(part)) or _is_date_time(part))


def _is_date_value(value: str) -> bool:
    return _span(value, lambda part: _is_date(part) or _is_date_time(part))


def _is_number(value: str) -> bool:
    return bool(_NUMBER_RE.fullmatch(value)) and sum(char.isdigit() for char in value) <= 32


def _is_amount(value: str) -> bool:
    match = _AMOUNT_RE.fullmatch(value)
    return bool(match) and sum(char.isdigit() for char in match.group("number")) <= 10


def _is_name(value: str) -> bool:
    # Chinese mixed with letters counts as a Chinese name (10); otherwise letters and symbols (20), no digits.
    if _CJK_RE.search(value):
        return bool(_CHINESE_NAME_RE.fullmatch(value))
    return bool(_LATIN_NAME_RE.fullmatch(value))


KEYWORD_RULES: dict[str, Callable[[str], bool]] = {
    "thing": lambda value: _utf16_length(value) <= 20,
    "number": _is_number,
    "letter": lambda value: bool(_LETTER_RE.fullmatch(value)),
    "symbol": lambda value: bool(_SYMBOL_RE.fullmatch(value)),
    "character_string": lambda value: bool(_CHARACTER_STRING_RE.fullmatch(value)),
    "time": _is_time,
    "date": _is_date_value,
    "amount": _is_amount,
    "phone_number": lambda value: bool(_PHONE_NUMBER_RE.fullmatch(value)),
    "car_number": lambda value: bool(_CAR_NUMBER_RE.fullmatch(value)),
    "name": _is_name,
    "phrase": lambda value: bool(_PHRASE_RE.fullmatch(value)),
}


def keyword_value_ok(keyword: str, value: object, enum_values: Iterable[str] = ()) -> bool:
    """Whether WeChat accepts ``value`` for template keyword ``keyword`` (``thing1``: type thing, and so on).

    An ``enum`` keyword takes exactly one of ``enum_values`` (the template's list; none accepts nothing).
    Unknown types accept nothing.
    """
    if keyword[-1:].isdigit() and keyword.rstrip(string.digits) == "enum":
        return isinstance(value, str) and value in tuple(enum_values)
    rule = KEYWORD_RULES.get(keyword.rstrip(string.digits)) if keyword[-1:].isdigit() else None
    if rule is None or not isinstance(value, str) or not value.strip():
        return False
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        return False
    return rule(value)


def _enum_table(enum_values: Mapping[str, Mapping[str, Iterable[str]]]) -> dict[tuple[str, str], tuple[str, ...]]:
    return {(template_id, keyword): tuple(values)
            for template_id, keywords in enum_values.items() for keyword, values in keywords.items()}


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


def _bad_request(message: str) -> Response:
    # Sandbox-only routes answer with real HTTP statuses, in the envelope of the fault route.
    return json_response({"errcode": -1, "errmsg": message}, status=400)


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
    """WeChat state (codes, tokens, quotas, messages, call log, faults) behind one lock, plus the route handlers.

    ``templates`` (``{template_id: keyword names}``) and ``pages`` are the Mini Program's configuration at
    WeChat; None reads them from the repository (the notifications fixture and the Mini Program's app.json).
    """

    title = "WeChat"  # the index page's heading

    def __init__(
        self,
        app_id: str = DEFAULT_APP_ID,
        app_secret: str = DEFAULT_APP_SECRET,
        *,
        templates: Mapping[str, Iterable[str]] | None = None,
        pages: Iterable[str] | None = None,
        enum_values: Mapping[str, Mapping[str, Iterable[str]]] | None = None,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self._configured_templates = {
            template_id: tuple(keywords)
            for template_id, keywords in (load_templates() if templates is None else templates).items()
        }
        self._templates = dict(self._configured_templates)
        self._configured_enums = _enum_table(
            load_enum_values() if enum_values is None and templates is None else enum_values or {})
        self._enums = dict(self._configured_enums)
        self.pages = frozenset(load_pages() if pages is None else pages)
        self.token_ttl_seconds = 7200
        # Longer than any sensible client timeout (the product defaults to 5 s).
        self.timeout_fault_seconds = 10.0
        # How long a send takes. While one send to a user is in progress, WeChat refuses another to the same
        # user with 43108; with the default 0 sends take no time, so none overlap.
        self.send_latency_seconds = 0.0
        self.clock: Callable[[], float] = time.monotonic
        self._lock = threading.Lock()
        # Other apps of the same Open Platform sharing the token routes (the Official Account): appid -> issuer.
        self._other_apps: dict[str, Any] = {}
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
        self._quota: dict[tuple[str, str], int] = {}  # (openid, template_id) -> messages still allowed
        self._banned: set[tuple[str, str]] = set()
        self._sending_to: set[str] = set()  # openids with a send in progress (only while sends take time)
        # Which reset the state belongs to: a call admitted before a reset (one sleeping on a timeout fault)
        # neither answers from nor is logged into the state after it, so one test's slow call can't leak into
        # the next test's call counts.
        self._epoch = getattr(self, "_epoch", 0) + 1

    # --- Python API for tests -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget codes, users, tokens, quotas, messages, calls and faults.

        Configuration is kept: app credentials, pages and the templates given to the constructor; templates
        changed by :meth:`set_templates` go back to those, so one test's override cannot leak into the next.
        """
        with self._lock:
            self._clear()
            self.send_latency_seconds = 0.0
            self._templates = dict(self._configured_templates)
            self._enums = dict(self._configured_enums)

    def set_templates(self, templates: Mapping[str, Iterable[str]],
                      enum_values: Mapping[str, Mapping[str, Iterable[str]]] | None = None) -> None:
        """Add or replace templates: ``{template_id: [keyword names, e.g. "thing1", "time2"]}`` (until reset),
        with ``enum_values`` ``{template_id: {"enum3": [its values]}}`` for their enum keywords."""
        with self._lock:
            self._templates.update({template_id: tuple(keywords) for template_id, keywords in templates.items()})
            for template_id in templates:
                self._enums = {key: values for key, values in self._enums.items() if key[0] != template_id}
            self._enums.update(_enum_table(enum_values or {}))

    def enum_values(self, template_id: str, keyword: str) -> tuple[str, ...]:
        """The values WeChat accepts for an enum keyword of a template (empty if none are configured)."""
        with self._lock:
            return self._enums.get((template_id, keyword), ())

    @property
    def templates(self) -> dict[str, tuple[str, ...]]:
        with self._lock:
            return dict(self._templates)

    def subscribe(self, user: str, results: Mapping[str, Any]) -> dict[str, Any]:
        """What WeChat records when ``user`` answers ``wx.requestSubscribeMessage`` with ``results``.

        Registers the user (as :meth:`register_user`). Per known template id: ``"accept"`` allows one more
        message, ``"ban"`` zeroes the quota and ignores later acceptances; anything else (``"reject"``,
        ``"filter"``, the ``errMsg`` entry, unknown ids) changes nothing. Returns :meth:`subscriptions`.
        """
        if not isinstance(results, Mapping):
            raise ValueError(f"results must map template ids to answers, not {type(results).__name__}")
        with self._lock:
            return self._subscribe_locked(self._register_locked(user), results)

    def subscriptions(self, user_or_openid: str) -> dict[str, Any]:
        """``{"openid", "quota": {template_id: n}, "banned": [template_id, ...]}`` for templates answered."""
        with self._lock:
            return self._subscriptions_locked(self._resolve_locked(user_or_openid))

    def quota(self, user_or_openid: str, template_id: str) -> int:
        """How many more messages of ``template_id`` WeChat would deliver to this user (an openid or user name)."""
        with self._lock:
            return self._quota.get((self._resolve_locked(user_or_openid), template_id), 0)

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

    def add_app(self, app_id: str, issuer: Any) -> None:
        """Send token requests for `app_id` to `issuer.issue_token(secret, force_refresh=, stable=)` (another app,
        such as the publisher's Official Account, with tokens of its own)."""
        self._other_apps[app_id] = issuer

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
        router.add("GET", "/__sandbox__/wechat/subscriptions", self._subscriptions_route)
        router.add("POST", "/__sandbox__/wechat/subscriptions", self._subscribe_route)

    def _api(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """Wrap a WeChat API handler with fault injection, WeChat's error format and the call log."""

        def wrapped(request: Request) -> Response:
            with self._lock:
                queue = self._faults.get(request.path)
                fault = queue.popleft() if queue else None
                epoch = self._epoch
            if fault == TIMEOUT:
                time.sleep(self.timeout_fault_seconds)  # outside the lock: other calls keep flowing
                with self._lock:
                    if epoch != self._epoch:  # slept through a reset: busy, and not part of the new state
                        return json_response({"errcode": -1, "errmsg": f"system error rid: {_rid()}"})
            try:
                if isinstance(fault, int):
                    raise WeChatError(fault)
                response, errcode = handler(request), 0
            except WeChatError as error:
                errcode = error.errcode
                response = json_response({"errcode": errcode, "errmsg": f"{error.errmsg} rid: {_rid()}"})
            with self._lock:
                if epoch == self._epoch:
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

    def _resolve_locked(self, user_or_openid: str) -> str:
        return user_or_openid if user_or_openid in self._openids else self.openid_for(user_or_openid)

    def _subscribe_locked(self, openid: str, results: Mapping[str, Any]) -> dict[str, Any]:
        for template_id, answer in results.items():
            key = (openid, template_id)
            if template_id not in self._templates:
                continue
            if answer == BAN:
                self._banned.add(key)
                self._quota[key] = 0
            elif answer == ACCEPT and key not in self._banned:
                self._quota[key] = self._quota.get(key, 0) + 1
        return self._subscriptions_locked(openid)

    def _subscriptions_locked(self, openid: str) -> dict[str, Any]:
        return {
            "openid": openid,
            "quota": {template_id: n for (owner, template_id), n in self._quota.items() if owner == openid},
            "banned": sorted(template_id for owner, template_id in self._banned if owner == openid),
        }

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
        other = self._other_apps.get(request.query.get("appid"))
        if other is not None:
            return other.issue_token(request.query.get("secret"), stable=False)
        self._check_app(request.query.get("appid"), request.query.get("secret"))
        with self._lock:
            token = self._issue_token_locked("token", self.clock())
        return json_response({"access_token": token, "expires_in": self.token_ttl_seconds})

    def _stable_token(self, request: Request) -> Response:
        body = _json_object(request)
        if body.get("grant_type") != "client_credential":
            raise WeChatError(40002)
        force_refresh = body.get("force_refresh", False)
        if not isinstance(force_refresh, bool):
            raise WeChatError(47001)
        other = self._other_apps.get(body.get("appid"))
        if other is not None:
            return other.issue_token(body.get("secret"), force_refresh=force_refresh)
        self._check_app(body.get("appid"), body.get("secret"))
        with self._lock:
            now = self.clock()
            token = self._current.get("stable")
            expiry = self._tokens.get(token, 0.0) if token else 0.0
            if force_refresh or expiry <= now:
                token = self._issue_token_locked("stable", now)
                expiry = self._tokens[token]
        # Like WeChat, a reused stable token reports its remaining lifetime.
        return json_response({"access_token": token, "expires_in": round(expiry - now)})

    def _validate_subscribe_locked(self, body: dict[str, Any]) -> tuple[str, str]:
        """Raise the error WeChat gives for an unacceptable subscribeMessage.send body, in WeChat's order.

        Runs under the lock so the checks against state (openids, templates) see one consistent view.
        Returns the (openid, template_id) whose quota the send would spend.
        """
        touser = body.get("touser")
        if not isinstance(touser, str) or touser not in self._openids:
            raise WeChatError(40003)
        template_id = body.get("template_id")
        if not isinstance(template_id, str) or template_id not in self._templates:
            raise WeChatError(40037)
        page = body.get("page")
        if page is not None and not isinstance(page, str):
            raise WeChatError(47001)
        # A query string is fine here (unlike getwxacodeunlimit); the path must be a page of app.json.
        if page and (page.startswith("/") or page.split("?", 1)[0] not in self.pages):
            raise WeChatError(41030)
        if body.get("miniprogram_state", "formal") not in MINIPROGRAM_STATES:
            raise WeChatError(47003, "argument invalid! miniprogram_state invalid")
        if body.get("lang", "zh_CN") not in LANGS:
            raise WeChatError(47003, "argument invalid! lang invalid")
        # WeChat walks the template's keywords, so a data that is not an object (e.g. JSON sent as a string)
        # reports the first keyword as empty, and keys the template lacks are never looked at.
        data = body.get("data")
        data = data if isinstance(data, dict) else {}
        for keyword in self._templates[template_id]:
            item = data.get(keyword)
            if not isinstance(item, dict) or "value" not in item:
                raise WeChatError(47003, f"argument invalid! data.{keyword}.value is empty")
            if not keyword_value_ok(keyword, item["value"], self._enums.get((template_id, keyword), ())):
                raise WeChatError(47003, f"argument invalid! data.{keyword}.value invalid")
        return touser, template_id

    def _subscribe_send(self, request: Request) -> Response:
        self._check_token(request)
        body = _json_object(request)
        latency = self.send_latency_seconds
        if latency > 0:
            with self._lock:
                self._validate_subscribe_locked(body)
                if body["touser"] in self._sending_to:
                    raise WeChatError(43108)
                self._sending_to.add(body["touser"])
            try:
                time.sleep(latency)  # outside the lock: sends to other users go on meanwhile
                return self._deliver(body)
            finally:
                with self._lock:
                    self._sending_to.discard(body["touser"])
        return self._deliver(body)

    def _deliver(self, body: dict[str, Any]) -> Response:
        with self._lock:
            key = self._validate_subscribe_locked(body)
            # Checked and spent in the same locked section: concurrent sends can never overdraw.
            if self._quota.get(key, 0) <= 0:
                raise WeChatError(43101)
            self._quota[key] -= 1
            self._last_msgid += 1
            message = {
                "msgid": self._last_msgid,
                "touser": body["touser"],
                "user": self._openids[body["touser"]],
                "template_id": body["template_id"],
                "page": body.get("page"),
                "miniprogram_state": body.get("miniprogram_state", "formal"),
                "lang": body.get("lang", "zh_CN"),
                "data": copy.deepcopy(body.get("data")),
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
        check_path = body.get("check_path", True)
        if not isinstance(check_path, bool):
            raise WeChatError(47001)
        # With check_path (the default) WeChat requires a page of the released Mini Program: app.json's pages.
        if page and check_path and page not in self.pages:
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
            return _bad_request(f"expected JSON {{path, errcode, times?}}: {error}")
        return json_response({"ok": True, "faults": self.pending_faults()})

    def _expire_tokens_route(self, request: Request) -> Response:
        return json_response({"ok": True, "expired": self.expire_all_tokens()})

    def _user_route(self, request: Request) -> Response:
        user = request.path_params["user"]
        return json_response(
            {"user": user, "openid": self.openid_for(user), "unionid": self.unionid_for(user)}
        )

    def _subscriptions_route(self, request: Request) -> Response:
        user, openid = request.query.get("user"), request.query.get("openid")
        if bool(user) == bool(openid):
            return _bad_request("expected one query parameter: user or openid")
        with self._lock:
            return json_response(self._subscriptions_locked(openid or self.openid_for(user)))

    def _subscribe_route(self, request: Request) -> Response:
        expected = 'expected JSON {"user" or "openid", "results": {template_id: "accept"|"reject"|"ban"|...}}'
        try:
            body = request.json()
        except ValueError as error:
            return _bad_request(f"{expected}: {error}")
        if not isinstance(body, dict) or not isinstance(body.get("results"), dict):
            return _bad_request(expected)
        user, openid = body.get("user"), body.get("openid")
        if bool(user) == bool(openid) or not isinstance(user or openid, str):
            return _bad_request(f"{expected}: give exactly one of user and openid, as a string")
        with self._lock:
            if openid and openid not in self._openids:
                return _bad_request(f"unknown openid {openid!r}: log the user in (or use user) first")
            state = self._subscribe_locked(openid or self._register_locked(user), body["results"])
        return json_response({"ok": True, **state})

