"""The publisher's WeChat Official Account (公众号) server API: user tags, followers, mass sends, and the event
callback's signature and decryption. Knows WeChat and nothing of our rows (tagging.services.official_account
writes those).

Wire formats, as wechatpy 1.8 (github.com/wechatpy/wechatpy) calls them and WeChat's Official Account documents
describe them (developers.weixin.qq.com/doc/service/…, copied on cnblogs/csdn/w3cschool):

- tags: `POST cgi-bin/tags/create {"tag": {"name"}}` → `{"tag": {"id", "name"}}`; `tags/delete {"tag": {"id"}}`;
  `tags/members/batchtagging` / `batchuntagging {"openid_list": [≤ 50], "tagid"}`; `user/tag/get {"tagid",
  "next_openid"}` → `{"count", "data": {"openid": [...]}, "next_openid"}` (wechatpy `client/api/tag.py`
  create, delete, tag_user, untag_user, get_tag_users). Errors from the tag management page: 45157 name taken or
  invalid, 45158 name over 30 bytes, 45056 more than 100 tags, 40032 more than 50 openids, 45159 unknown tag,
  45059 a follower would carry more than 20 tags, 40003 invalid openid, 49003 openid of another app.
- followers: `GET cgi-bin/user/get?next_openid=` → `{"total", "count" (≤ 10,000), "data": {"openid": [...]},
  "next_openid"}`; WeChat also answers `next_openid` on the last page (wechatpy `user.py` iter_followers notes it),
  so paging ends on an empty page or an empty `next_openid`. `POST cgi-bin/user/info/batchget {"user_list":
  [{"openid", "lang"}] (≤ 100)}` → `{"user_info_list": [{"subscribe", "openid", "language", "subscribe_time",
  "unionid"?, ...}]}`; `GET cgi-bin/user/info?openid=&lang=` for one (wechatpy `user.py` get_batch, get).
- mass send: `POST cgi-bin/message/mass/sendall {"filter": {"is_to_all": false, "tag_id"}, "msgtype", <msgtype>:
  {...}, "send_ignore_reprint": 0, "clientmsgid"}` → `{"errcode": 0, "msg_id", "msg_data_id"}` (wechatpy
  `message.py` _send_mass_message builds the same body, though still with the old `group_id` filter; WeChat's
  Batch_Sends page names it `tag_id`). "errcode 0 only means the job was accepted"; the outcome arrives as the
  MASSSENDJOBFINISH event. A `clientmsgid` already used answers 45065 with the existing job (Batch_Sends page:
  "开发者可以主动设置 clientmsgid 来避免重复推送").
- callback: `signature = sha1("".join(sorted([token, timestamp, nonce])))`, and in safe mode `msg_signature` over
  the same plus the `Encrypt` element, the message AES-256-CBC encrypted with the EncodingAESKey (wechatpy
  `utils.check_signature`, `crypto.WeChatCrypto`). wechatpy compares signatures with `!=`; here they are
  compared in constant time, and wechatpy's `PrpCrypto` does the decryption.

Token handling is the Mini Program's (publisher_backend.wechat): stable_token in the shared cache, refreshed
under the shared lock; a call refused with 40001/40014/42001 refreshes the token once and is tried once more.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import requests
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from wechatpy.crypto import PrpCrypto

from publisher_backend.integrations import integration_enabled
from publisher_backend.wechat import WeChatClientException, wechat_oa_client

logger = logging.getLogger(__name__)

TAGGING_BATCH = 50  # openids per batchtagging / batchuntagging call
USER_INFO_BATCH = 100  # openids per user/info/batchget call
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
TRANSIENT_ERRORS = frozenset({-1, 45009, 45011})
CLIENT_MSG_ID_EXISTS = 45065
MASS_MSGTYPES = frozenset({"text", "mpnews", "image", "voice", "mpvideo", "wxcard"})

# What staff read for WeChat's refusals (errcodes from the tag management and mass-send pages).
ERRCODE_MESSAGES = {
    40003: _("WeChat does not know one of these openids."),
    40032: _("More than 50 openids in one tagging call."),
    45009: _("The Official Account's API call limit is reached; try again later."),
    45028: _("The Official Account has no mass-send quota left."),
    45056: _("The Official Account already has 100 tags, WeChat's limit: delete unused ones first."),
    45059: _("A follower would carry more than 20 tags, WeChat's limit."),
    45157: _("WeChat refused the tag name: it is taken or invalid."),
    45158: _("The tag name is longer than WeChat allows (30 bytes)."),
    45159: _("WeChat does not know this tag."),
    49003: _("An openid belongs to another WeChat app."),
}


class OaError(Exception):
    """The Official Account could not do what was asked. `errcode` is WeChat's, or None without an answer."""

    transient = False

    def __init__(self, message: str, *, errcode: int | None = None, errmsg: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.errcode = errcode
        self.errmsg = errmsg


class OaNotConfigured(OaError):
    """WECHAT_OA_APP_ID, WECHAT_OA_APP_SECRET or WECHAT_OA_TOKEN is unset: the channel is off."""


class OaUnavailable(OaError):
    """No answer, or WeChat busy or rate-limiting: the same call may succeed later."""

    transient = True


class OaRefused(OaError):
    """WeChat refused the call with an errcode; repeating it unchanged would fail again."""


def oa_enabled() -> bool:
    return integration_enabled("wechat_oa")


def _error_from(error: WeChatClientException) -> OaError:
    errcode = error.errcode if isinstance(error.errcode, int) else None
    errmsg = str(error.errmsg or "")[:300]
    if errcode is None:
        return OaUnavailable(str(_("The Official Account API did not answer.")), errmsg=errmsg)
    message = str(ERRCODE_MESSAGES.get(errcode, _("WeChat refused the request (errcode %(errcode)s).")
                                       % {"errcode": errcode}))
    if errcode in TRANSIENT_ERRORS:
        return OaUnavailable(message, errcode=errcode, errmsg=errmsg)
    return OaRefused(message, errcode=errcode, errmsg=errmsg)


class OaClient:
    """One client per unit of work (a sync, a campaign's tagging): one HTTP session, one token."""

    def __init__(self) -> None:
        if not oa_enabled():
            raise OaNotConfigured(str(_("The WeChat Official Account is not configured.")))
        self._client = wechat_oa_client()
        self._token: str | None = None

    def call(self, method: str, path: str, *, body: dict | None = None, params: dict | None = None) -> dict:
        """`path` under cgi-bin/; a refused token is refreshed once (under the shared lock) and the call repeated."""
        try:
            try:
                return self._call_once(method, path, body, params)
            except WeChatClientException as error:
                if error.errcode not in TOKEN_ERRORS:
                    raise
                logger.info("WeChat refused the Official Account's access token (%s); refreshing it once",
                            error.errcode)
                self._token = self._client.refresh_access_token(stale_token=self._token)
                return self._call_once(method, path, body, params)
        except WeChatClientException as error:
            raise _error_from(error) from error
        except requests.RequestException as error:
            raise OaUnavailable(str(_("The Official Account API did not answer.")),
                                errmsg=type(error).__name__) from error

    def _call_once(self, method: str, path: str, body: dict | None, params: dict | None) -> dict:
        if self._token is None:
            self._token = self._client.access_token
        query = {**(params or {}), "access_token": self._token}
        if method == "GET":
            return self._client.get(path, params=query)
        return self._client.post(path, params=query, data=body or {})

    # --- tags -----------------------------------------------------------------------------------------------

    def tag_create(self, name: str) -> int:
        return int(self.call("POST", "tags/create", body={"tag": {"name": name}})["tag"]["id"])

    def tag_delete(self, tag_id: int) -> None:
        self.call("POST", "tags/delete", body={"tag": {"id": int(tag_id)}})

    def tag_members_change(self, tag_id: int, openids: Iterable[str], *, add: bool) -> int:
        """batchtagging (add) or batchuntagging in calls of 50; returns how many openids were sent."""
        path = "tags/members/batchtagging" if add else "tags/members/batchuntagging"
        batch: list[str] = []
        sent = 0
        for openid in dict.fromkeys(openids):  # once each, in order
            batch.append(openid)
            if len(batch) == TAGGING_BATCH:
                self.call("POST", path, body={"openid_list": batch, "tagid": int(tag_id)})
                sent, batch = sent + len(batch), []
        if batch:
            self.call("POST", path, body={"openid_list": batch, "tagid": int(tag_id)})
            sent += len(batch)
        return sent

    def tag_members(self, tag_id: int) -> Iterator[str]:
        """Every openid WeChat lists under the tag (user/tag/get, paged by next_openid)."""
        next_openid = ""
        while True:
            body: dict[str, Any] = {"tagid": int(tag_id), "next_openid": next_openid}
            page = self.call("POST", "user/tag/get", body=body)
            openids = (page.get("data") or {}).get("openid") or []
            yield from openids
            next_openid = page.get("next_openid") or ""
            if not openids or not next_openid:
                return

    # --- followers ------------------------------------------------------------------------------------------

    def follower_pages(self) -> Iterator[tuple[int, list[str]]]:
        """(total, openids) per user/get page, until WeChat has listed every follower."""
        next_openid = ""
        while True:
            page = self.call("GET", "user/get", params={"next_openid": next_openid} if next_openid else {})
            openids = (page.get("data") or {}).get("openid") or []
            openids = [openid for openid in openids if openid]  # WeChat's own sample shows an empty one
            if openids:
                yield int(page.get("total") or 0), openids
            next_openid = page.get("next_openid") or ""
            if not openids or not next_openid:
                return

    def users_info(self, openids: list[str]) -> list[dict]:
        """user/info/batchget for at most 100 openids."""
        if len(openids) > USER_INFO_BATCH:
            raise ValueError(f"at most {USER_INFO_BATCH} openids per user/info/batchget")
        body = {"user_list": [{"openid": openid, "lang": "zh_CN"} for openid in openids]}
        return list(self.call("POST", "user/info/batchget", body=body).get("user_info_list") or [])

    def user_info(self, openid: str) -> dict:
        return self.call("GET", "user/info", params={"openid": openid, "lang": "zh_CN"})

    # --- mass send ------------------------------------------------------------------------------------------

    def mass_send_to_tag(self, *, tag_id: int, msgtype: str, content: dict, client_msg_id: str) -> dict:
        """`message/mass/sendall` to one tag → {"msg_id", "msg_data_id"?}. A clientmsgid WeChat already holds
        (45065) answers the existing job, so a repeated call after a lost answer never sends twice."""
        if msgtype not in MASS_MSGTYPES:
            raise ValueError(f"unknown mass-send msgtype {msgtype!r}")
        body = {"filter": {"is_to_all": False, "tag_id": int(tag_id)}, "msgtype": msgtype, msgtype: content,
                "send_ignore_reprint": 0, "clientmsgid": client_msg_id}
        try:
            answer = self.call("POST", "message/mass/sendall", body=body)
        except OaRefused as error:
            if error.errcode != CLIENT_MSG_ID_EXISTS:
                raise
            answer = _existing_job(error)
            if answer is None:
                raise
        return {"msg_id": int(answer["msg_id"]),
                "msg_data_id": int(answer["msg_data_id"]) if answer.get("msg_data_id") else None}

    def mass_preview(self, *, openid: str, msgtype: str, content: dict) -> int:
        """`message/mass/preview` to one follower (wechatpy's `send_mass_*(..., preview=True)`): the mass message
        as WeChat shows it, to staff before a campaign; it counts against no monthly quota → WeChat's msg_id."""
        if msgtype not in MASS_MSGTYPES:
            raise ValueError(f"unknown mass-send msgtype {msgtype!r}")
        answer = self.call("POST", "message/mass/preview", body={"touser": openid, "msgtype": msgtype,
                                                                  msgtype: content})
        return int(answer.get("msg_id") or 0)


def _existing_job(error: OaRefused) -> dict | None:
    cause = error.__cause__
    response = getattr(cause, "response", None)
    try:
        answer = response.json() if response is not None else None
    except ValueError:
        return None
    return answer if isinstance(answer, dict) and answer.get("msg_id") else None


# --- the event callback ---------------------------------------------------------------------------------------

def _sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def callback_signature_ok(*, signature: str, timestamp: str, nonce: str) -> bool:
    """WeChat's URL signature (sha1 over the sorted token, timestamp and nonce), compared in constant time."""
    if not (signature and timestamp and nonce and settings.WECHAT_OA_TOKEN):
        return False
    expected = _sha1_signature(settings.WECHAT_OA_TOKEN, timestamp, nonce)
    return hmac.compare_digest(expected, signature.lower())


class CallbackDecryptError(Exception):
    """A safe-mode message that is not ours or not intact (the reason is for logs, never for the answer)."""


def callback_decrypt(*, encrypted: str, msg_signature: str, timestamp: str, nonce: str) -> str:
    """The plain XML of a safe-mode message: `msg_signature` checked over (token, timestamp, nonce, Encrypt) in
    constant time, then decrypted with the EncodingAESKey; the app id inside must be ours."""
    if not settings.WECHAT_OA_AES_KEY:
        raise CallbackDecryptError("no EncodingAESKey configured")
    if not (encrypted and msg_signature):
        raise CallbackDecryptError("Encrypt or msg_signature missing")
    expected = _sha1_signature(settings.WECHAT_OA_TOKEN, timestamp, nonce, encrypted)
    if not hmac.compare_digest(expected, msg_signature.lower()):
        raise CallbackDecryptError("msg_signature mismatch")
    key = base64.b64decode(settings.WECHAT_OA_AES_KEY + "=")
    try:
        # PrpCrypto checks the app id appended to the message (InvalidAppIdException otherwise).
        plain = PrpCrypto(key).decrypt(encrypted, settings.WECHAT_OA_APP_ID)
    except Exception as error:  # noqa: BLE001 - bad padding, bad base64, another app id: all the same to us
        raise CallbackDecryptError(type(error).__name__) from error
    return plain.decode("utf-8") if isinstance(plain, bytes) else str(plain)
