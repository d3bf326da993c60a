"""Stand-in for the publisher's WeChat Official Account (公众号) at https://api.weixin.qq.com, and for WeChat
calling the account's server back with events.

Server API, in WeChat's wire format (errors are HTTP 200 ``{"errcode", "errmsg"}``): user tags (``tags/create``,
``tags/delete``, ``tags/members/batchtagging`` / ``batchuntagging`` with at most 50 openids, ``user/tag/get``),
followers (``user/get`` paged by ``next_openid``, ``user/info/batchget`` with at most 100, ``user/info``) and the
mass send to a tag (``message/mass/sendall`` with ``filter.tag_id``). Tokens come from the shared
``/cgi-bin/token`` and ``/cgi-bin/stable_token`` routes of sandbox.wechat, which hand requests with this account's
appid to :meth:`OfficialAccountSandbox.issue_token`; its tokens are its own (a Mini Program token is refused here).

Followers are sandbox users (the same names as the Mini Program's): the openid is derived from the account's appid
and the user, the unionid is the user's unionid across the Open Platform (the same as sandbox.wechat gives the
Mini Program), so a researcher who logged in to the Mini Program matches the follower.

Events: with a callback URL configured (``POST /__sandbox__/wechat-oa/config {"callback_url"}`` or
:meth:`configure`), follow/unfollow on the control routes (``POST /__sandbox__/wechat-oa/follow {"user"}``,
``/unfollow``) POST the subscribe/unsubscribe event there, and every accepted mass send posts MASSSENDJOBFINISH
``finish_delay_seconds`` after answering. Each is signed as WeChat signs (``signature`` = sha1 of the sorted token,
timestamp and nonce) and, in safe mode, AES-encrypted with the EncodingAESKey and carries ``msg_signature``,
``encrypt_type=aes``. The encryption is written here from WeChat's description (random 16 bytes, the 4-byte
network-order length, the XML, the appid; PKCS#7 to 32 bytes; AES-256-CBC with the key's first 16 bytes as IV),
not taken from wechatpy, so it checks the product's decryption. A service account's follower receives at most 4
mass messages per calendar month (Beijing time): further sends filter them out (FilterCount) as WeChat does.

``page_size`` (default 10,000, WeChat's) lets tests page ``user/get`` through a few followers.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import secrets
import struct
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sandbox.server import Request, Response, Router, json_response
from sandbox.wechat import WeChatError, _derive_id, _json_object, _rid

DEFAULT_OA_APP_ID = "wxsandboxoa000000001"
DEFAULT_OA_APP_SECRET = "sandbox-oa-secret"
DEFAULT_OA_TOKEN = "sandbox-oa-token"
DEFAULT_OA_AES_KEY = "SandboxOfficialAccountEncodingAesKey0000000"
ORIGINAL_ID = "gh_5a4db0c5sandbox"  # the account's original id (ToUserName in events)

MAX_TAGS = 100
MAX_TAGS_PER_FOLLOWER = 20
FIRST_TAG_ID = 100  # 0, 1 and 2 are WeChat's reserved tags
MASS_SENDS_PER_MONTH = 4
MSG_ID_BASE = 1_000_000_000
BEIJING = timezone(timedelta(hours=8))

ERRMSG = {
    40003: "invalid openid",
    40032: "invalid openid list size, at most 50",
    43004: "require subscribe",
    45028: "has no masssend quota",
    45056: "too many tag now, no need to add new",
    45059: "user tag count exceeds limit",
    45065: "clientmsgid exist",
    45157: "invalid tag name",
    45158: "tag name too long",
    45159: "invalid tag id",
    47001: "data format error",
}

MSGTYPE_FIELDS = {"text": "content", "mpnews": "media_id", "image": "media_id", "voice": "media_id",
                  "mpvideo": "media_id", "wxcard": "card_id"}


def _error(errcode: int) -> WeChatError:
    return WeChatError(errcode, ERRMSG.get(errcode))


def _signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def encrypt_message(xml: str, *, aes_key: str, app_id: str) -> str:
    """WeChat's safe-mode encryption of a message → the base64 ``Encrypt`` value."""
    key = base64.b64decode(aes_key + "=")
    message = xml.encode("utf-8")
    plain = os.urandom(16) + struct.pack(">I", len(message)) + message + app_id.encode("utf-8")
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")


def _xml(fields: dict[str, Any]) -> str:
    def element(name: str, value: Any) -> str:
        if isinstance(value, int):
            return f"<{name}>{value}</{name}>"
        return f"<{name}><![CDATA[{value}]]></{name}>"
    return "<xml>" + "".join(element(name, value) for name, value in fields.items()) + "</xml>"


class OfficialAccountSandbox:
    title = "WeChat Official Account"

    def __init__(self, app_id: str = DEFAULT_OA_APP_ID, app_secret: str = DEFAULT_OA_APP_SECRET, *,
                 token: str = DEFAULT_OA_TOKEN, aes_key: str = DEFAULT_OA_AES_KEY, callback_url: str = "") -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.token = token
        self.aes_key = aes_key
        self._configured = {"callback_url": callback_url}
        self.token_ttl_seconds = 7200
        self._lock = threading.Lock()
        self._reset_config()
        self._clear()

    def _reset_config(self) -> None:
        self.callback_url = self._configured["callback_url"]
        self.safe_mode = False
        self.page_size = 10_000
        self.finish_delay_seconds = 0.2

    def _clear(self) -> None:
        self._tokens: dict[str, float] = {}
        self._current_token: str | None = None
        self._followers: dict[str, dict[str, Any]] = {}  # openid -> follower, in follow order
        self._tags: dict[int, dict[str, Any]] = {}
        self._next_tag_id = FIRST_TAG_ID
        self._mass_sends: list[dict[str, Any]] = []
        self._previews: list[dict[str, Any]] = []  # message/mass/preview: one follower, outside the quota
        self._client_msg_ids: dict[str, dict[str, Any]] = {}
        self._monthly: dict[tuple[str, str], int] = {}  # (openid, "YYYY-MM" Beijing) -> mass messages received
        self._calls: list[dict[str, Any]] = []
        self._deliveries: list[dict[str, Any]] = []
        self._epoch = getattr(self, "_epoch", 0) + 1

    # --- Python API for tests -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget followers, tags, sends, tokens, calls and deliveries; configuration goes back to the start."""
        with self._lock:
            self._clear()
            self._reset_config()

    def configure(self, *, callback_url: str | None = None, safe_mode: bool | None = None,
                  page_size: int | None = None, finish_delay_seconds: float | None = None) -> None:
        with self._lock:
            if callback_url is not None:
                self.callback_url = callback_url
            if safe_mode is not None:
                self.safe_mode = bool(safe_mode)
            if page_size is not None:
                if page_size < 1:
                    raise ValueError("page_size must be positive")
                self.page_size = page_size
            if finish_delay_seconds is not None:
                self.finish_delay_seconds = max(float(finish_delay_seconds), 0.0)

    def openid_for(self, user: str) -> str:
        return _derive_id("openid", self.app_id, user)

    def unionid_for(self, user: str) -> str:
        """The same unionid sandbox.wechat gives the user in the Mini Program (one Open Platform)."""
        return _derive_id("unionid", user)

    def add_followers(self, users: Iterable[str], *, language: str = "zh_CN") -> list[str]:
        """Make users follow without sending events (followers from before the callback was set up)."""
        now = int(time.time())
        with self._lock:
            return [self._follow_locked(user, now, language) for user in users]

    def follow(self, user: str, *, language: str = "zh_CN", at: int | None = None,
               notify: bool = True) -> dict[str, Any]:
        """``user`` follows the account; WeChat posts the subscribe event to the callback URL (when set)."""
        at = at or int(time.time())
        with self._lock:
            openid = self._follow_locked(user, at, language)
        delivery = self.send_event(openid, "subscribe", at=at) if notify else None
        return {"openid": openid, "unionid": self.unionid_for(user), "delivery": delivery}

    def unfollow(self, user: str, *, at: int | None = None, notify: bool = True) -> dict[str, Any]:
        at = at or int(time.time())
        openid = self.openid_for(user)
        with self._lock:
            follower = self._followers.get(openid)
            if follower is None:
                raise ValueError(f"{user!r} never followed the account")
            follower["subscribed"] = False
            for tag in self._tags.values():  # WeChat drops an unfollower's tags
                tag["members"].discard(openid)
        delivery = self.send_event(openid, "unsubscribe", at=at) if notify else None
        return {"openid": openid, "delivery": delivery}

    def send_event(self, openid: str, event: str, *, at: int | None = None, extra: dict[str, Any] | None = None,
                   signature_token: str | None = None) -> dict[str, Any] | None:
        """POST an event to the callback URL as WeChat does (signed; encrypted in safe mode). Returns the delivery
        ({"status", "body", "event"}), or None when no callback URL is set. `signature_token` signs with another
        token (a forger)."""
        fields: dict[str, Any] = {"ToUserName": ORIGINAL_ID, "FromUserName": openid,
                                  "CreateTime": at or int(time.time()), "MsgType": "event", "Event": event}
        fields.update(extra or {})
        return self.post_callback(_xml(fields), openid=openid, signature_token=signature_token, event=event)

    def post_callback(self, xml: str, *, openid: str = "", signature_token: str | None = None,
                      event: str = "") -> dict[str, Any] | None:
        with self._lock:
            url, safe_mode, epoch = self.callback_url, self.safe_mode, self._epoch
        if not url:
            return None
        token = signature_token or self.token
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        query = {"signature": _signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        if openid:
            query["openid"] = openid
        body = xml
        if safe_mode:
            encrypted = encrypt_message(xml, aes_key=self.aes_key, app_id=self.app_id)
            query.update(encrypt_type="aes", msg_signature=_signature(token, timestamp, nonce, encrypted))
            body = _xml({"ToUserName": ORIGINAL_ID, "Encrypt": encrypted})
        request = urllib.request.Request(f"{url}{'&' if '?' in url else '?'}{urlencode(query)}",
                                         data=body.encode("utf-8"), method="POST",
                                         headers={"Content-Type": "text/xml; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - a configured http(s) URL
                delivery = {"status": answer.status, "body": answer.read().decode("utf-8", "replace")}
        except urllib.error.HTTPError as error:
            delivery = {"status": error.code, "body": error.read().decode("utf-8", "replace")}
        except OSError as error:
            delivery = {"status": None, "body": f"{type(error).__name__}: {error}"}
        delivery["event"] = event
        with self._lock:
            if epoch == self._epoch:
                self._deliveries.append(delivery)
        return delivery

    def expire_tokens(self) -> None:
        """Every token of the account answers 42001 from now on."""
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = 0.0

    @property
    def followers(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"openid": openid, **{key: value for key, value in f.items() if key != "tags"},
                     "tags": sorted(f["tags"])} for openid, f in self._followers.items()]

    @property
    def tags(self) -> dict[int, dict[str, Any]]:
        with self._lock:
            return {tag_id: {"name": tag["name"], "members": sorted(tag["members"])}
                    for tag_id, tag in self._tags.items()}

    @property
    def mass_sends(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._mass_sends)

    @property
    def previews(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._previews)

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._deliveries)

    @property
    def calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._calls)

    def call_count(self, path: str) -> int:
        with self._lock:
            return sum(1 for call in self._calls if call["path"] == path)

    def monthly_received(self, user_or_openid: str, month: str | None = None) -> int:
        openid = user_or_openid if user_or_openid in self._followers else self.openid_for(user_or_openid)
        month = month or datetime.now(BEIJING).strftime("%Y-%m")
        with self._lock:
            return self._monthly.get((openid, month), 0)

    # --- tokens (called by sandbox.wechat for this appid) ------------------------------------------------

    def issue_token(self, secret: str | None, *, force_refresh: bool = False, stable: bool = True) -> Response:
        if not secret:
            raise WeChatError(41004)
        if secret != self.app_secret:
            raise WeChatError(40125)
        with self._lock:
            now = time.monotonic()
            token = self._current_token
            expiry = self._tokens.get(token, 0.0) if token else 0.0
            if force_refresh or not stable or expiry <= now:
                if token is not None:
                    self._tokens.pop(token, None)
                token = secrets.token_urlsafe(64)
                expiry = now + self.token_ttl_seconds
                self._tokens[token] = expiry
                self._current_token = token
        return json_response({"access_token": token, "expires_in": round(expiry - now)})

    # --- routes -------------------------------------------------------------------------------------------------

    def register(self, router: Router) -> None:
        api = [
            ("POST", "/cgi-bin/tags/create", self._tags_create),
            ("POST", "/cgi-bin/tags/delete", self._tags_delete),
            ("POST", "/cgi-bin/tags/members/batchtagging", self._batchtagging),
            ("POST", "/cgi-bin/tags/members/batchuntagging", self._batchuntagging),
            ("POST", "/cgi-bin/user/tag/get", self._tag_members),
            ("GET", "/cgi-bin/user/get", self._user_get),
            ("GET", "/cgi-bin/user/info", self._user_info),
            ("POST", "/cgi-bin/user/info/batchget", self._user_info_batchget),
            ("POST", "/cgi-bin/message/mass/sendall", self._sendall),
            ("POST", "/cgi-bin/message/mass/preview", self._preview),
        ]
        for method, path, handler in api:
            router.add(method, path, self._api(handler))
        router.add("POST", "/__sandbox__/wechat-oa/config", self._config_route)
        router.add("POST", "/__sandbox__/wechat-oa/follow", self._follow_route)
        router.add("POST", "/__sandbox__/wechat-oa/unfollow", self._unfollow_route)
        router.add("GET", "/__sandbox__/wechat-oa/followers", lambda r: json_response({"followers": self.followers}))
        router.add("GET", "/__sandbox__/wechat-oa/tags", lambda r: json_response(
            {"tags": {str(tag_id): tag for tag_id, tag in self.tags.items()}}))
        router.add("GET", "/__sandbox__/wechat-oa/mass-sends",
                   lambda r: json_response({"mass_sends": self.mass_sends}))
        router.add("GET", "/__sandbox__/wechat-oa/deliveries",
                   lambda r: json_response({"deliveries": self.deliveries}))

    def _api(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def wrapped(request: Request) -> Response:
            try:
                self._check_token(request)
                response, errcode = handler(request), 0
            except WeChatError as error:
                errcode = error.errcode
                payload = {"errcode": errcode, "errmsg": f"{error.errmsg} rid: {_rid()}", **getattr(error, "extra", {})}
                response = json_response(payload)
            with self._lock:
                self._calls.append({"method": request.method, "path": request.path, "errcode": errcode})
            return response
        return wrapped

    def _check_token(self, request: Request) -> None:
        token = request.query.get("access_token")
        if not token:
            raise WeChatError(41001)
        with self._lock:
            expiry = self._tokens.get(token)
        if expiry is None:
            raise WeChatError(40001)
        if expiry <= time.monotonic():
            raise WeChatError(42001)

    def _follow_locked(self, user: str, at: int, language: str) -> str:
        openid = self.openid_for(user)
        follower = self._followers.setdefault(openid, {"user": user, "tags": set()})
        follower.update(subscribed=True, subscribe_time=at, language=language, unionid=self.unionid_for(user))
        return openid

    def _tag_locked(self, body: dict[str, Any]) -> dict[str, Any]:
        tag_id = body.get("tagid")
        if isinstance(tag_id, bool) or not isinstance(tag_id, int) or tag_id not in self._tags:
            raise _error(45159)
        return self._tags[tag_id]

    def _openid_list(self, body: dict[str, Any]) -> list[str]:
        openids = body.get("openid_list")
        if not isinstance(openids, list) or not openids or not all(isinstance(o, str) for o in openids):
            raise _error(47001)
        if len(openids) > 50:
            raise _error(40032)
        return openids

    def _tags_create(self, request: Request) -> Response:
        tag = _json_object(request).get("tag")
        name = tag.get("name") if isinstance(tag, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise _error(45157)
        if len(name.encode("utf-8")) > 30:
            raise _error(45158)
        with self._lock:
            if any(existing["name"] == name for existing in self._tags.values()):
                raise _error(45157)
            if len(self._tags) >= MAX_TAGS:
                raise _error(45056)
            tag_id = self._next_tag_id
            self._next_tag_id += 1
            self._tags[tag_id] = {"name": name, "members": set()}
        return json_response({"tag": {"id": tag_id, "name": name}})

    def _tags_delete(self, request: Request) -> Response:
        tag = _json_object(request).get("tag")
        with self._lock:
            self._tag_locked({"tagid": tag.get("id") if isinstance(tag, dict) else None})
            members = self._tags.pop(tag["id"])["members"]
            for openid in members:
                self._followers[openid]["tags"].discard(tag["id"])
        return json_response({"errcode": 0, "errmsg": "ok"})

    def _batchtagging(self, request: Request) -> Response:
        body = _json_object(request)
        openids = self._openid_list(body)
        with self._lock:
            tag = self._tag_locked(body)
            followers = []
            for openid in openids:
                follower = self._followers.get(openid)
                if follower is None or not follower["subscribed"]:
                    raise _error(40003)
                if body["tagid"] not in follower["tags"] and len(follower["tags"]) >= MAX_TAGS_PER_FOLLOWER:
                    raise _error(45059)
                followers.append((openid, follower))
            for openid, follower in followers:  # all or nothing, as one call
                follower["tags"].add(body["tagid"])
                tag["members"].add(openid)
        return json_response({"errcode": 0, "errmsg": "ok"})

    def _batchuntagging(self, request: Request) -> Response:
        body = _json_object(request)
        openids = self._openid_list(body)
        with self._lock:
            tag = self._tag_locked(body)
            if any(openid not in self._followers for openid in openids):
                raise _error(40003)
            for openid in openids:
                self._followers[openid]["tags"].discard(body["tagid"])
                tag["members"].discard(openid)
        return json_response({"errcode": 0, "errmsg": "ok"})

    def _page(self, openids: list[str], next_openid: str, total: int) -> Response:
        start = openids.index(next_openid) + 1 if next_openid in openids else 0
        page = openids[start:start + self.page_size]
        if not page:
            return json_response({"total": total, "count": 0, "next_openid": ""})
        # Like WeChat, the last page still names its last openid; the next call answers an empty page.
        return json_response({"total": total, "count": len(page), "data": {"openid": page},
                              "next_openid": page[-1]})

    def _tag_members(self, request: Request) -> Response:
        body = _json_object(request)
        with self._lock:
            tag = self._tag_locked(body)
            openids = [openid for openid in self._followers if openid in tag["members"]]
            return self._page(openids, str(body.get("next_openid") or ""), len(openids))

    def _user_get(self, request: Request) -> Response:
        with self._lock:
            openids = [openid for openid, follower in self._followers.items() if follower["subscribed"]]
            return self._page(openids, request.query.get("next_openid", ""), len(openids))

    def _info_locked(self, openid: str) -> dict[str, Any]:
        follower = self._followers.get(openid)
        if follower is None:
            raise _error(40003)
        if not follower["subscribed"]:
            return {"subscribe": 0, "openid": openid}
        return {"subscribe": 1, "openid": openid, "language": follower["language"],
                "subscribe_time": follower["subscribe_time"], "unionid": follower["unionid"], "remark": "",
                "groupid": 0, "tagid_list": sorted(follower["tags"]), "subscribe_scene": "ADD_SCENE_QR_CODE",
                "qr_scene": 0, "qr_scene_str": ""}

    def _user_info(self, request: Request) -> Response:
        with self._lock:
            return json_response(self._info_locked(request.query.get("openid", "")))

    def _user_info_batchget(self, request: Request) -> Response:
        users = _json_object(request).get("user_list")
        if not isinstance(users, list) or not users or len(users) > 100:
            raise _error(47001)
        with self._lock:
            infos = [self._info_locked(str(user.get("openid") if isinstance(user, dict) else ""))
                     for user in users]
        return json_response({"user_info_list": infos})

    def _sendall(self, request: Request) -> Response:
        body = _json_object(request)
        filter_ = body.get("filter")
        msgtype = body.get("msgtype")
        if not isinstance(filter_, dict) or filter_.get("is_to_all") is not False or msgtype not in MSGTYPE_FIELDS:
            raise _error(47001)
        part = body.get(msgtype)
        if not isinstance(part, dict) or not part.get(MSGTYPE_FIELDS[msgtype]):
            raise _error(47001)
        client_msg_id = body.get("clientmsgid")
        month = datetime.now(BEIJING).strftime("%Y-%m")
        with self._lock:
            if client_msg_id and client_msg_id in self._client_msg_ids:
                existing = self._client_msg_ids[client_msg_id]
                error = _error(45065)
                error.extra = {"msg_id": existing["msg_id"], "msg_data_id": existing["msg_data_id"]}
                raise error
            tag = self._tag_locked({"tagid": filter_.get("tag_id")})
            members = [openid for openid in self._followers if openid in tag["members"]
                       and self._followers[openid]["subscribed"]]
            receiving = [openid for openid in members if self._monthly.get((openid, month), 0) < MASS_SENDS_PER_MONTH]
            for openid in receiving:
                self._monthly[(openid, month)] = self._monthly.get((openid, month), 0) + 1
            msg_id = MSG_ID_BASE + len(self._mass_sends) + 1
            send = {"msg_id": msg_id, "msg_data_id": msg_id * 10 + 1, "tag_id": filter_["tag_id"],
                    "msgtype": msgtype, msgtype: copy.deepcopy(part), "clientmsgid": client_msg_id,
                    "total_count": len(members), "filter_count": len(receiving), "sent_count": len(receiving),
                    "error_count": 0, "recipients": [self._followers[o]["user"] for o in receiving]}
            self._mass_sends.append(send)
            if client_msg_id:
                self._client_msg_ids[client_msg_id] = send
            delay, epoch = self.finish_delay_seconds, self._epoch
        answer = {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id,
                  "msg_data_id": send["msg_data_id"]}

        def finish() -> None:
            time.sleep(delay)
            with self._lock:
                if epoch != self._epoch:
                    return
            status = "send success" if send["sent_count"] else "send fail"
            self.send_event(_derive_id("openid", self.app_id, "__system__"), "MASSSENDJOBFINISH", extra={
                "MsgID": msg_id, "Status": status, "TotalCount": send["total_count"],
                "FilterCount": send["filter_count"], "SentCount": send["sent_count"], "ErrorCount": 0})

        return Response(200, json.dumps(answer).encode("utf-8"), after=finish)

    def _preview(self, request: Request) -> Response:
        """A mass message shown to one follower first (`touser`, an openid; `towxname` is not modelled): what
        staff send themselves before a campaign. It counts against no quota; an unknown or unsubscribed openid is
        WeChat's 43004 (require subscribe)."""
        body = _json_object(request)
        msgtype = body.get("msgtype")
        part = body.get(msgtype) if msgtype in MSGTYPE_FIELDS else None
        if not isinstance(part, dict) or not part.get(MSGTYPE_FIELDS[msgtype]):
            raise _error(47001)
        openid = body.get("touser")
        with self._lock:
            follower = self._followers.get(openid) if isinstance(openid, str) else None
            if follower is None or not follower["subscribed"]:
                raise _error(43004)
            msg_id = MSG_ID_BASE + 500_000 + len(self._previews) + 1
            self._previews.append({"msg_id": msg_id, "touser": openid, "msgtype": msgtype,
                                   msgtype: copy.deepcopy(part)})
        return json_response({"errcode": 0, "errmsg": "preview success", "msg_id": msg_id})

    # --- control routes ---------------------------------------------------------------------------------------

    def _control_body(self, request: Request) -> dict[str, Any] | Response:
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return json_response({"errcode": -1, "errmsg": "expected a JSON object"}, status=400)
        return body

    def _config_route(self, request: Request) -> Response:
        body = self._control_body(request)
        if isinstance(body, Response):
            return body
        try:
            self.configure(callback_url=body.get("callback_url"), safe_mode=body.get("safe_mode"),
                           page_size=body.get("page_size"), finish_delay_seconds=body.get("finish_delay_seconds"))
        except (TypeError, ValueError) as error:
            return json_response({"errcode": -1, "errmsg": str(error)}, status=400)
        return json_response({"ok": True, "callback_url": self.callback_url, "safe_mode": self.safe_mode,
                              "page_size": self.page_size, "finish_delay_seconds": self.finish_delay_seconds})

    def _follow_route(self, request: Request) -> Response:
        body = self._control_body(request)
        if isinstance(body, Response):
            return body
        if not isinstance(body.get("user"), str) or not body["user"]:
            return json_response({"errcode": -1, "errmsg": 'expected {"user": name}'}, status=400)
        return json_response({"ok": True, **self.follow(body["user"], language=str(body.get("language") or "zh_CN"))})

    def _unfollow_route(self, request: Request) -> Response:
        body = self._control_body(request)
        if isinstance(body, Response):
            return body
        try:
            return json_response({"ok": True, **self.unfollow(str(body.get("user") or ""))})
        except ValueError as error:
            return json_response({"errcode": -1, "errmsg": str(error)}, status=400)
