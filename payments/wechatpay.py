"""The one client of WeChat Pay API v3 (JSAPI in a Mini Program), reached only at WECHATPAY_API_BASE.

Calls go through wechatpayv3 2.0.4 (wechatpy speaks only API v2) in public-key mode, so building the client
needs no network (minibear2021/wechatpayv3 core.py: without `public_key` it fetches /v3/certificates on
construction). The library has no base-URL parameter; `Core._gate_way` is set from the setting, which is why the
version is pinned. It signs our requests (`WECHATPAY2-SHA256-RSA2048`, merchant key) and verifies the signature of
every 2xx answer; it raises a bare Exception when that fails, which we treat as WeChat Pay being unreachable.

Wire facts relied on (pay.weixin.qq.com API v3 docs; wechatpay-apiv3/wechatpay-go services/payments/jsapi and
core/notify; wechatpayv3 core.py/utils.py):
- prepay `POST /v3/pay/transactions/jsapi` → `{"prepay_id"}`; the same out_trade_no with the same parameters
  answers the same prepay; a prepay lives 2 hours; amounts are integer fen.
- `wx.requestPayment` wants `timeStamp` (a string), `nonceStr`, `package="prepay_id=…"`, `signType="RSA"` and
  `paySign` = base64 SHA256withRSA over "appId\\ntimeStamp\\nnonceStr\\npackage\\n" with the merchant key.
- query `GET /v3/pay/transactions/out-trade-no/{no}?mchid=…` (404 ORDER_NOT_EXIST), close
  `POST …/{no}/close` → 204, refund `POST /v3/refund/domestic/refunds`.
- notifications: headers Wechatpay-Timestamp/-Nonce/-Signature/-Serial/-Signature-Type, signature over
  "timestamp\\nnonce\\nbody\\n" with WeChat Pay's public key named by its id (`PUB_KEY_ID_…`); the resource is
  AEAD_AES_256_GCM with the API v3 key, nonce and associated_data as UTF-8. WeChat's SDKs refuse a timestamp
  5 minutes off. The library verifies none of: the serial (an unknown one makes it download certificates), the
  timestamp, and whether mchid/appid/amount match the order — `notification_open` and payments.services do.
Not confirmed here (no merchant account): the exact error code for a prepay re-used with other parameters.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import aes_decrypt

from publisher_backend.integrations import integration_enabled

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"


class WeChatPayUnavailable(Exception):
    """WeChat Pay could not be reached, answered 5xx, or its answer failed verification: try again later."""


@dataclass
class WeChatPayRefused(Exception):
    """WeChat Pay answered 4xx with its `{"code", "message"}`."""

    status: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class NotificationRejected(Exception):
    """A notification we must not trust: its reason goes to the log, never to the caller."""


def wechatpay_enabled() -> bool:
    return integration_enabled("wechat_pay")


@dataclass(frozen=True)
class _Config:
    mch_id: str
    app_id: str
    api_v3_key: str
    private_key_path: str
    cert_serial: str
    public_key_path: str
    public_key_id: str
    api_base: str
    timeout: float


def _config() -> _Config:
    return _Config(settings.WECHATPAY_MCH_ID, settings.WECHAT_APP_ID, settings.WECHATPAY_API_V3_KEY,
                   settings.WECHATPAY_PRIVATE_KEY_PATH, settings.WECHATPAY_CERT_SERIAL,
                   settings.WECHATPAY_PUBLIC_KEY_PATH, settings.WECHATPAY_PUBLIC_KEY_ID,
                   settings.WECHATPAY_API_BASE, settings.WECHATPAY_TIMEOUT_SECONDS)


@lru_cache(maxsize=4)
def _client_for(config: _Config) -> WeChatPay:
    client = WeChatPay(
        wechatpay_type=WeChatPayType.MINIPROG, mchid=config.mch_id,
        private_key=Path(config.private_key_path).read_text(), cert_serial_no=config.cert_serial,
        appid=config.app_id, apiv3_key=config.api_v3_key,
        public_key=Path(config.public_key_path).read_text(), public_key_id=config.public_key_id,
        timeout=(min(3.0, config.timeout), config.timeout))
    client._core._gate_way = config.api_base  # no public parameter for it (see the module docstring)
    return client


@lru_cache(maxsize=4)
def _public_key_for(path: str) -> RSAPublicKey:
    key = load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, RSAPublicKey):
        raise ValueError("WECHATPAY_PUBLIC_KEY_PATH must hold an RSA public key")
    return key


def _call(method: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    """One library call; (status, parsed JSON or None). Network trouble, 5xx and unverifiable answers raise
    WeChatPayUnavailable; other non-2xx raise WeChatPayRefused."""
    try:
        status, text = getattr(_client_for(_config()), method)(*args, **kwargs)
    except Exception as error:  # requests' errors, and the library's bare Exception for a bad signature
        raise WeChatPayUnavailable(f"{method}: {error.__class__.__name__}: {error}") from error
    try:
        body = json.loads(text) if text else None
    except (TypeError, ValueError):
        body = None
    if status >= 500:
        raise WeChatPayUnavailable(f"{method}: HTTP {status}")
    if status >= 300:
        body = body if isinstance(body, dict) else {}
        raise WeChatPayRefused(status, str(body.get("code", "")), str(body.get("message", ""))[:300])
    return status, body


def prepay_create(*, out_trade_no: str, description: str, amount_fen: int, openid: str, time_expire: str,
                  notify_url: str) -> str:
    """A JSAPI prepay for `openid`; returns the prepay_id. `time_expire` is RFC 3339 with an offset."""
    _status, body = _call("pay", description=description, out_trade_no=out_trade_no,
                          amount={"total": amount_fen, "currency": "CNY"}, payer={"openid": openid},
                          time_expire=time_expire, notify_url=notify_url, pay_type=WeChatPayType.JSAPI)
    prepay_id = (body or {}).get("prepay_id")
    if not isinstance(prepay_id, str) or not prepay_id:
        raise WeChatPayUnavailable("prepay answer without prepay_id")
    return prepay_id


def request_payment_params(*, prepay_id: str) -> dict[str, str]:
    """The object the Mini Program passes to wx.requestPayment (the app id is signed but not sent)."""
    time_stamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    package = f"prepay_id={prepay_id}"
    pay_sign = _client_for(_config()).sign([settings.WECHAT_APP_ID, time_stamp, nonce, package])
    return {"timeStamp": time_stamp, "nonceStr": nonce, "package": package, "signType": "RSA", "paySign": pay_sign}


def transaction_query(*, out_trade_no: str) -> dict | None:
    """WeChat Pay's Transaction for `out_trade_no`, or None when it has no such order."""
    try:
        _status, body = _call("query", out_trade_no=out_trade_no)
    except WeChatPayRefused as refusal:
        if refusal.status == 404:
            return None
        raise
    return body if isinstance(body, dict) else None


def transaction_close(*, out_trade_no: str) -> None:
    """Close an unpaid prepay. Raises WeChatPayRefused (e.g. ORDERPAID) when WeChat Pay won't."""
    _call("close", out_trade_no=out_trade_no)


def refund_create(*, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str,
                  notify_url: str) -> dict:
    """Ask for a refund; WeChat Pay answers PROCESSING (or SUCCESS) and later notifies `notify_url`."""
    _status, body = _call("refund", out_refund_no=out_refund_no, out_trade_no=out_trade_no, reason=reason,
                          amount={"refund": refund_fen, "total": total_fen, "currency": "CNY"},
                          notify_url=notify_url)
    return body if isinstance(body, dict) else {}


def refund_query(*, out_refund_no: str) -> dict | None:
    try:
        _status, body = _call("query_refund", out_refund_no=out_refund_no)
    except WeChatPayRefused as refusal:
        if refusal.status == 404:
            return None
        raise
    return body if isinstance(body, dict) else None


def notification_open(*, headers: Any, body: bytes, now: float | None = None) -> dict:
    """Verify a notification and return its envelope with `resource` decrypted (a dict).

    In this order, each before anything costlier: the serial must be our WeChat Pay public key's id, the
    signature type ours, the timestamp within WECHATPAY_NOTIFY_MAX_SKEW_SECONDS, the RSA signature over the raw
    body valid; then the AES-GCM resource must decrypt. Raises NotificationRejected otherwise.
    """
    serial = headers.get("Wechatpay-Serial", "")
    if not settings.WECHATPAY_PUBLIC_KEY_ID or serial != settings.WECHATPAY_PUBLIC_KEY_ID:
        raise NotificationRejected("unknown Wechatpay-Serial")
    if headers.get("Wechatpay-Signature-Type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
        raise NotificationRejected("unsupported signature type")
    timestamp, nonce = headers.get("Wechatpay-Timestamp", ""), headers.get("Wechatpay-Nonce", "")
    if not timestamp.isdigit() or not nonce or len(timestamp) > 12:
        raise NotificationRejected("missing timestamp or nonce")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > settings.WECHATPAY_NOTIFY_MAX_SKEW_SECONDS:
        raise NotificationRejected("timestamp too far from our clock")
    try:
        signature = base64.b64decode(headers.get("Wechatpay-Signature", ""), validate=True)
        _public_key_for(settings.WECHATPAY_PUBLIC_KEY_PATH).verify(
            signature, f"{timestamp}\n{nonce}\n".encode() + body + b"\n", PKCS1v15(), SHA256())
    except (InvalidSignature, binascii.Error, ValueError) as error:
        raise NotificationRejected("bad signature") from error
    try:
        envelope = json.loads(body)
        resource = envelope["resource"]
        if envelope.get("resource_type") != "encrypt-resource" or resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise NotificationRejected("unsupported resource")
        plaintext = aes_decrypt(nonce=resource["nonce"], ciphertext=resource["ciphertext"],
                                associated_data=resource.get("associated_data") or "",
                                apiv3_key=settings.WECHATPAY_API_V3_KEY)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as error:
        raise NotificationRejected("malformed envelope") from error
    if plaintext is None:
        raise NotificationRejected("resource does not decrypt with our API v3 key")
    try:
        decrypted = json.loads(plaintext)
    except ValueError as error:
        raise NotificationRejected("resource is not JSON") from error
    if not isinstance(decrypted, dict):
        raise NotificationRejected("resource is not an object")
    envelope["resource"] = decrypted
    return envelope


def notify_url(kind: str) -> str:
    """Where WeChat Pay calls us back: built from PUBLIC_BASE_URL (`kind`: "payment" or "refund")."""
    path = {"payment": "/api/v1/payments/wechat/notify", "refund": "/api/v1/payments/wechat/refund-notify"}[kind]
    return f"{settings.PUBLIC_BASE_URL}{quote(path)}"
