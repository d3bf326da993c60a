"""Stand-in for WeChat Pay API v3 (https://api.mch.weixin.qq.com): JSAPI payments in a Mini Program, in its
wire format, so the product's real client (wechatpayv3, public-key mode) runs unchanged against it.

What is faithful (wechatpay-apiv3/wechatpay-go ``core/auth``, ``core/notify``, ``core/error.go``,
``services/payments``, ``services/refunddomestic``; minibear2021/wechatpayv3 2.0.4 ``core.py``, ``utils.py``,
``transaction.py``; pay.weixin.qq.com's v3 documentation for the error codes and the notification envelope):

- Every call must carry ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",
  serial_no="…",signature="…"`` (pairs in any order: the SDKs differ). The signature is SHA256withRSA
  (PKCS#1 v1.5) over ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n``, checked with the merchant's public
  key; the mchid must be this merchant's, ``serial_no`` its API certificate serial, and the timestamp within
  5 minutes of now. Anything else is ``401 {"code": "SIGN_ERROR", "message": …}``.
- Every answer, errors included, is signed as WeChat Pay signs: ``Wechatpay-Timestamp``, ``Wechatpay-Nonce``,
  ``Wechatpay-Signature`` (SHA256withRSA over ``TIMESTAMP\\nNONCE\\nBODY\\n`` with the WeChat Pay private key),
  ``Wechatpay-Serial`` (the WeChat Pay public key id, ``PUB_KEY_ID_…``), ``Wechatpay-Signature-Type`` (which
  wechatpayv3 requires on answers too) and ``Request-Id``. Errors are ``{"code", "message"}`` with
  WeChat Pay's HTTP statuses: 400 PARAM_ERROR / INVALID_REQUEST / APPID_MCHID_NOT_MATCH / ORDER_CLOSED /
  ORDERPAID, 401 SIGN_ERROR, 403 OUT_TRADE_NO_USED / NOT_ENOUGH, 404 ORDER_NOT_EXIST (an order) /
  RESOURCE_NOT_EXISTS (a refund), 500 SYSTEM_ERROR.
- ``POST /v3/pay/transactions/jsapi`` checks the body (appid is the Mini Program's, mchid ours, description
  ≤ 127 and attach ≤ 128 bytes, out_trade_no 6–32 of ``[0-9A-Za-z_*-]``, amount.total a positive integer in
  fen, currency CNY, payer.openid, notify_url http(s) without a query, time_expire RFC 3339 with an offset)
  and answers ``{"prepay_id": "wx…"}``. The same out_trade_no with the same body answers the same prepay_id;
  a different body is 400 INVALID_REQUEST, a paid order 403 OUT_TRADE_NO_USED, a closed one 400 ORDER_CLOSED.
- ``GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=`` and ``GET /v3/pay/transactions/id/{id}?mchid=``
  answer the Transaction (appid, mchid, out_trade_no, trade_state NOTPAY|USERPAYING|SUCCESS|REFUND|CLOSED,
  trade_state_desc, attach, amount{total, currency, payer_currency}; once paid also transaction_id ``42000…``,
  trade_type JSAPI, bank_type, success_time, payer{openid}, amount.payer_total, promotion_detail).
- ``POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close`` ``{"mchid"}``: 204 with an empty body; a
  paid order is 400 ORDERPAID.
- ``POST /v3/refund/domestic/refunds`` and ``GET /v3/refund/domestic/refunds/{out_refund_no}``: the Refund
  (refund_id, status PROCESSING then SUCCESS, amount{total, refund, payer_total, payer_refund, …}). A refund
  needs a paid order, ``amount.total`` equal to the order's and ``amount.refund`` within what is left to
  refund (else 400 INVALID_REQUEST); the same out_refund_no with the same body answers the same refund.
- Notifications are POSTed to the notify_url as WeChat Pay sends them: ``{"id": "EV-…", "create_time",
  "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS" | "REFUND.SUCCESS" | …,
  "summary", "resource": {"original_type", "algorithm": "AEAD_AES_256_GCM", "ciphertext", "associated_data",
  "nonce"}}``, the resource encrypted with AES-256-GCM under the API v3 key (12-character nonce, the tag
  appended to the ciphertext), signed like an answer and sent with ``Wechatpay-Signature-Type``. A 2xx
  answer acknowledges it; anything else (or no answer) leaves it pending, as at WeChat Pay.

Simplified, said plainly: public-key mode only (no platform certificates, no ``/v3/certificates``); error
messages are short English texts (WeChat Pay's are Chinese), under its codes and statuses; WeChat Pay's
24-hour retry schedule is not run by the clock: a failed notification is sent again only when asked
(``retry=True``, :meth:`deliver_pending`); an order expires only through :meth:`close_expired` and only if
it has a ``time_expire``; a refund completes (and notifies) right after it was answered unless
``auto_refund_notify`` is off, and notifies only a notify_url given in the request (WeChat Pay would fall
back to one configured in its merchant platform); no partner (服务商) mode, bills, coupons or profit sharing.

Scripting (Python on ``server.wechatpay``): :meth:`pay` (the user paid: marks the order paid and notifies;
``tamper=`` sends a forged notification instead and leaves the order as it is), :meth:`deliver_pending`,
:meth:`complete_refund`, :meth:`notification` (builds a signed notification without sending it, for test
vectors), :meth:`deliver`, :meth:`close_expired`, :meth:`user_paying`, :meth:`inject_error`, :meth:`orders`,
:meth:`order`, :meth:`refunds`, :meth:`deliveries`, :attr:`requests_log`, :meth:`reset`; the attributes
``auto_refund_notify``, ``merchant_balance`` and ``clock``. Over HTTP (for ``make run`` and the Mini
Program's end-to-end tests), under ``/__sandbox__/wechatpay``: ``POST /pay`` (``{"out_trade_no" or
"prepay_id", "deliver"?, "times"?, "concurrently"?, "delay"?, "tamper"?, "retry"?}``), ``POST
/deliver-pending``, ``POST /refunds/{out_refund_no}/complete`` (``{"status"?}``), ``POST /close-expired``,
``POST /config`` (``{"auto_refund_notify"?, "merchant_balance"?}``), ``POST /faults`` (``{"path", "status"?,
"code"?, "message"?, "times"?}``), and ``GET /orders``, ``/refunds``, ``/deliveries``, ``/requests``.
"""

from __future__ import annotations

import base64
import copy
import http.client
import json
import re
import secrets
import string
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from sandbox.server import Request, Response, Router, json_response
from sandbox.wechat import DEFAULT_APP_ID

DEFAULT_MCH_ID = "1900000109"
DEFAULT_API_V3_KEY = "SandboxApiV3Key00000000000000000"  # 32 ASCII characters, as WeChat Pay requires
DEFAULT_MERCHANT_SERIAL = "5A5D0000000000000000000000000000000000A1"
DEFAULT_PUBLIC_KEY_ID = "PUB_KEY_ID_0000SANDBOX"

# The key files (PEM). The sandbox reads only the merchant's public key (to check request signatures) and
# WeChat Pay's private key (to sign answers and notifications); the product holds the other two.
KEYS_DIR = Path(__file__).resolve().parent / "keys"
MERCHANT_PUBLIC_KEY_FILE = "merchant_public_key.pem"
WECHATPAY_PRIVATE_KEY_FILE = "wechatpay_private_key.pem"

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
CLOCK_SKEW_SECONDS = 300  # wechatpay-go refuses |now - timestamp| >= 300 s
STALE_SECONDS = 600  # how old the "timestamp" tamper makes a notification
RETRY_LIMIT = 15  # WeChat Pay's schedule retries 15 times over 24 h; retry=True retries at once, at most this often

PREFIX = "/__sandbox__/wechatpay"
JSAPI = "/v3/pay/transactions/jsapi"
TRANSACTION_BY_OUT_TRADE_NO = "/v3/pay/transactions/out-trade-no/{out_trade_no}"
TRANSACTION_BY_ID = "/v3/pay/transactions/id/{transaction_id}"
CLOSE = "/v3/pay/transactions/out-trade-no/{out_trade_no}/close"
REFUNDS = "/v3/refund/domestic/refunds"
REFUND = "/v3/refund/domestic/refunds/{out_refund_no}"

# What a forged or corrupted notification carries (see TAMPERS).
FORGED_PUBLIC_KEY_ID = "PUB_KEY_ID_0000FORGED"
FORGED_API_V3_KEY = "ForgedApiV3Key000000000000000000"
FORGED_APP_ID = "wxforged000000000001"
FORGED_MCH_ID = "1999999999"
TAMPERS = ("signature", "ciphertext", "serial", "timestamp", "amount", "appid", "mchid", "wrong_key")

NOTPAY, USERPAYING, SUCCESS, REFUND_STATE, CLOSED = "NOTPAY", "USERPAYING", "SUCCESS", "REFUND", "CLOSED"
TRADE_STATE_DESC = {
    NOTPAY: "订单未支付",
    USERPAYING: "用户支付中",
    SUCCESS: "支付成功",
    REFUND_STATE: "转入退款",
    CLOSED: "订单已关闭",
}
PAID_STATES = (SUCCESS, REFUND_STATE)
REFUND_OUTCOMES = ("SUCCESS", "CLOSED", "ABNORMAL")
SUMMARIES = {
    "TRANSACTION.SUCCESS": "支付成功",
    "REFUND.SUCCESS": "退款成功",
    "REFUND.CLOSED": "退款关闭",
    "REFUND.ABNORMAL": "退款异常",
}

CHINA = timezone(timedelta(hours=8))
OUT_TRADE_NO_RE = re.compile(r"[0-9A-Za-z_*\-]{6,32}")
OUT_REFUND_NO_RE = re.compile(r"[0-9A-Za-z_*\-|@]{1,64}")
RFC3339_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
_ALNUM = string.ascii_letters + string.digits

Status = int | None  # what a notify URL answered; None when it could not be reached


class PayError(Exception):
    """Raised by handlers; answered as WeChat Pay's signed ``{"code", "message"}`` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message
        super().__init__(f"{status} {code} {message}")


def rfc3339(timestamp: float) -> str:
    """A time as WeChat Pay writes it: China time with its offset, e.g. ``2026-12-05T05:21:47+08:00``."""
    return datetime.fromtimestamp(int(timestamp), CHINA).isoformat()


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _flip(data: bytes, index: int = 0) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


def _bad_request(message: str, status: int = 400) -> Response:
    # Sandbox-only routes answer like the other sandbox-only routes (plain JSON, real HTTP statuses).
    return json_response({"errcode": -1, "errmsg": message}, status=status)


def _bytes_within(value: Any, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value.encode("utf-8")) <= limit


def _param_error(message: str) -> PayError:
    return PayError(400, "PARAM_ERROR", message)


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_notify_url(value: Any) -> None:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")) or len(value) > 255:
        raise _param_error("notify_url must be an http(s) URL of at most 255 characters")
    if "?" in value:
        raise _param_error("notify_url must not carry a query")


def _check_time_expire(value: Any) -> float:
    if not isinstance(value, str) or not RFC3339_RE.fullmatch(value):
        raise _param_error("time_expire must be RFC 3339 with an offset, e.g. 2018-06-08T10:34:56+08:00")
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class WeChatPaySandbox:
    """One merchant's WeChat Pay: orders, refunds, the notifications sent and the calls received, behind one lock."""

    title = "WeChat Pay"  # the index page's heading

    def __init__(
        self,
        *,
        mch_id: str = DEFAULT_MCH_ID,
        app_id: str = DEFAULT_APP_ID,
        api_v3_key: str = DEFAULT_API_V3_KEY,
        merchant_serial: str = DEFAULT_MERCHANT_SERIAL,
        public_key_id: str = DEFAULT_PUBLIC_KEY_ID,
        keys_dir: str | Path = KEYS_DIR,
    ) -> None:
        if not api_v3_key.isascii() or len(api_v3_key) != 32:
            raise ValueError("the API v3 key is 32 ASCII characters")
        self.mch_id = mch_id
        self.app_id = app_id
        self.api_v3_key = api_v3_key
        self.merchant_serial = merchant_serial
        self.public_key_id = public_key_id
        keys = Path(keys_dir)
        merchant_public_key = load_pem_public_key((keys / MERCHANT_PUBLIC_KEY_FILE).read_bytes())
        wechatpay_private_key = load_pem_private_key((keys / WECHATPAY_PRIVATE_KEY_FILE).read_bytes(), password=None)
        if not isinstance(merchant_public_key, rsa.RSAPublicKey) or not isinstance(
                wechatpay_private_key, rsa.RSAPrivateKey):
            raise ValueError(f"expected RSA keys in {keys}")
        self._merchant_public_key = merchant_public_key
        self._private_key = wechatpay_private_key
        self.clock: Callable[[], float] = time.time  # wall time: signatures and RFC 3339 times carry it
        self.notify_timeout_seconds = 5.0
        self._lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self._orders: dict[str, dict[str, Any]] = {}  # out_trade_no -> order
        self._refunds: dict[str, dict[str, Any]] = {}  # out_refund_no -> refund
        self._deliveries: list[dict[str, Any]] = []
        self._requests: list[dict[str, Any]] = []
        self._faults: dict[str, list[dict[str, Any]]] = {}
        self._serial = 0
        # Refunds complete on their own right after they were answered; off: only on complete_refund().
        self.auto_refund_notify = True
        # None: the merchant's balance never runs out; an int (fen): refunds beyond it answer 403 NOT_ENOUGH.
        self.merchant_balance: int | None = None

    # --- Python API for tests -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget orders, refunds, deliveries, calls and faults; auto_refund_notify and merchant_balance go
        back to their defaults. Configuration (merchant, keys, app id) is kept."""
        with self._lock:
            self._clear()

    def orders(self) -> list[dict[str, Any]]:
        """Every order as the sandbox holds it (its fields, ``trade_state``, ``transaction_id``, ``refunded``,
        ``notified``: whether a genuine notification was acknowledged), oldest first."""
        with self._lock:
            return [self._public(order) for order in self._orders.values()]

    def order(self, out_trade_no: str) -> dict[str, Any]:
        with self._lock:
            return self._public(self._order_locked(out_trade_no))

    def refunds(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._public(refund) for refund in self._refunds.values()]

    def deliveries(self) -> list[dict[str, Any]]:
        """Every notification sent: ``url``, ``event_id``, ``event_type``, ``tamper``, ``headers``,
        ``request_body``, ``status`` (None: unreachable), ``body`` (the answer), ``error``, ``ok`` (2xx)."""
        with self._lock:
            return copy.deepcopy(self._deliveries)

    @property
    def requests_log(self) -> list[dict[str, Any]]:
        """Every API call received: ``method``, ``path`` (with the query), ``status``, ``code`` (the error code,
        None on success), ``body`` (the request's JSON, None if it had none)."""
        with self._lock:
            return copy.deepcopy(self._requests)

    def inject_error(self, path: str, *, status: int = 500, code: str = "SYSTEM_ERROR",
                     message: str = "system error", times: int = 1) -> None:
        """The next ``times`` calls to ``path`` (a request path, or a route pattern such as
        ``/v3/pay/transactions/out-trade-no/{out_trade_no}``) answer this error, after their signature was
        checked and without touching any state."""
        if times < 1 or not 400 <= status <= 599:
            raise ValueError("times >= 1 and a 4xx/5xx status")
        with self._lock:
            self._faults.setdefault(path, []).extend(
                {"status": status, "code": code, "message": message} for _ in range(times))

    def user_paying(self, out_trade_no: str) -> None:
        """The user is entering their password: the order's state becomes USERPAYING until :meth:`pay`."""
        with self._lock:
            order = self._order_locked(out_trade_no)
            if order["trade_state"] != NOTPAY:
                raise ValueError(f"order {out_trade_no} is {order['trade_state']}, not NOTPAY")
            order["trade_state"] = USERPAYING

    def pay(
        self,
        out_trade_no: str | None = None,
        *,
        prepay_id: str | None = None,
        deliver: bool = True,
        times: int = 1,
        concurrently: int = 1,
        delay: float = 0.0,
        tamper: str | None = None,
        retry: bool = False,
    ) -> list[Status]:
        """The user paid the order (by ``out_trade_no`` or ``prepay_id``): it becomes SUCCESS with a new
        transaction_id, and its TRANSACTION.SUCCESS notification goes to its notify_url.

        ``deliver=False`` sends nothing (see :meth:`deliver_pending`). ``delay`` waits that many seconds after the
        order is paid and before sending (a query meanwhile already sees SUCCESS). The notification is sent
        ``times`` times in a row, each time as ``concurrently`` identical copies at once from as many threads;
        ``retry=True`` resends a failed copy at once (up to RETRY_LIMIT times). With ``tamper`` (one of
        TAMPERS) the notification is a forged or corrupted one (as if paid, whatever the order's state), and
        the order stays as it is: only the genuine WeChat Pay changes it.
        Returns the HTTP status of every attempt (each copy, then its retries; None: the URL could not be
        reached), in order.
        """
        self._check_sending(times, concurrently, tamper)
        with self._lock:
            order = self._find_order_locked(out_trade_no, prepay_id)
            if tamper is None:
                self._mark_paid_locked(order)
                resource = self._transaction_locked(order)
            else:
                resource = self._transaction_locked(order, forged=True)
            url, key = order["notify_url"], order["out_trade_no"]
        if not deliver:
            return []
        if delay > 0:
            time.sleep(delay)
        return self._send(url, resource, tamper=tamper, times=times, concurrently=concurrently, retry=retry,
                          acknowledges=None if tamper else ("order", key))

    def deliver_pending(self, out_trade_no: str | None = None, *, out_refund_no: str | None = None,
                        times: int = 1, concurrently: int = 1, retry: bool = False) -> list[Status]:
        """Send the genuine notification of a paid order or a completed refund that no 2xx answer acknowledged
        yet (never sent, or failed); with neither argument, of every such order and refund. An order or
        refund with nothing pending sends nothing. Returns the statuses, as :meth:`pay`."""
        self._check_sending(times, concurrently, None)
        with self._lock:
            pending: list[tuple[str, dict[str, Any], tuple[str, str]]] = []
            if out_trade_no is not None:
                orders = [self._order_locked(out_trade_no)]
            elif out_refund_no is None:
                orders = list(self._orders.values())
            else:
                orders = []
            for order in orders:
                if order["trade_state"] in PAID_STATES and not order["notified"]:
                    pending.append((order["notify_url"], self._transaction_locked(order),
                                    ("order", order["out_trade_no"])))
            if out_refund_no is not None:
                refunds = [self._refund_locked(out_refund_no)]
            elif out_trade_no is None:
                refunds = list(self._refunds.values())
            else:
                refunds = []
            for refund in refunds:
                if refund["status"] in REFUND_OUTCOMES and refund["notify_url"] and not refund["notified"]:
                    pending.append((refund["notify_url"], self._refund_notice_locked(refund),
                                    ("refund", refund["out_refund_no"])))
        statuses: list[Status] = []
        for url, resource, key in pending:
            statuses += self._send(url, resource, tamper=None, times=times, concurrently=concurrently, retry=retry,
                                   acknowledges=key)
        return statuses

    def complete_refund(self, out_refund_no: str, *, status: str = "SUCCESS", deliver: bool = True,
                        retry: bool = False) -> list[Status]:
        """WeChat Pay finishes a PROCESSING refund as ``status`` (SUCCESS, CLOSED or ABNORMAL) and notifies the
        refund's notify_url (REFUND.<status>) if it had one. Returns the statuses, as :meth:`pay`."""
        if status not in REFUND_OUTCOMES:
            raise ValueError(f"status must be one of {REFUND_OUTCOMES}")
        with self._lock:
            refund = self._refund_locked(out_refund_no)
            if refund["status"] != "PROCESSING":
                raise ValueError(f"refund {out_refund_no} is {refund['status']}, not PROCESSING")
            refund["status"] = status
            if status == "SUCCESS":
                refund["success_time"] = rfc3339(self.clock())
            elif status == "CLOSED":  # the money stays with the merchant: it may be refunded again
                order = self._orders[refund["out_trade_no"]]
                order["refunded"] -= refund["amount"]["refund"]
                if self.merchant_balance is not None:
                    self.merchant_balance += refund["amount"]["refund"]
            url, resource = refund["notify_url"], self._refund_notice_locked(refund)
        if not deliver or not url:
            return []
        return self._send(url, resource, tamper=None, times=1, concurrently=1, retry=retry,
                          acknowledges=("refund", out_refund_no))

    def close_expired(self, now: float | None = None) -> list[str]:
        """Close every unpaid order whose time_expire is past (at ``now``, default the clock); returns their
        out_trade_nos. Orders without a time_expire never expire here."""
        now = self.clock() if now is None else now
        closed = []
        with self._lock:
            for order in self._orders.values():
                expires_at = order["expires_at"]
                if order["trade_state"] in (NOTPAY, USERPAYING) and expires_at is not None and expires_at <= now:
                    order["trade_state"] = CLOSED
                    closed.append(order["out_trade_no"])
        return closed

    def notification(
        self,
        *,
        out_trade_no: str | None = None,
        out_refund_no: str | None = None,
        resource: Mapping[str, Any] | None = None,
        event_type: str | None = None,
        tamper: str | None = None,
        event_id: str | None = None,
        create_time: str | None = None,
        timestamp: int | None = None,
        nonce: str | None = None,
        resource_nonce: str | None = None,
        summary: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """Build a signed notification ``(headers, body)`` without sending it.

        The decrypted resource is exactly one of: the order's Transaction as it is now (``out_trade_no``), the
        refund's notice as it is now (``out_refund_no``), or ``resource`` as given (anything: a refund notice
        for an order never paid, another order's amount, …). ``event_type`` defaults to TRANSACTION.SUCCESS,
        or REFUND.<refund_status> for a refund notice (one with ``out_refund_no``). Given ``event_id``,
        ``create_time``, ``timestamp``, ``nonce`` and ``resource_nonce``, the result depends only on the
        arguments and the keys. ``tamper`` (one of TAMPERS): ``signature`` flips a bit of the signature;
        ``ciphertext`` flips a bit of the ciphertext (signed afterwards, so only decryption fails); ``serial``
        names a public key id that is not WeChat Pay's; ``timestamp`` dates it 10 minutes back (signed
        correctly); ``amount`` adds 1 fen to the amount (total and payer_total, or refund and payer_refund);
        ``appid`` / ``mchid`` name another Mini Program / merchant; ``wrong_key`` encrypts with another API v3
        key.
        """
        if tamper is not None and tamper not in TAMPERS:
            raise ValueError(f"tamper must be one of {TAMPERS}")
        if sum(given is not None for given in (out_trade_no, out_refund_no, resource)) != 1:
            raise ValueError("give exactly one of out_trade_no, out_refund_no and resource")
        if resource is None:
            with self._lock:
                if out_trade_no is not None:
                    plaintext = self._transaction_locked(self._order_locked(out_trade_no))
                else:
                    plaintext = self._refund_notice_locked(self._refund_locked(out_refund_no))
        else:
            plaintext = copy.deepcopy(dict(resource))
        is_refund = "out_refund_no" in plaintext
        if event_type is None:
            event_type = f"REFUND.{plaintext.get('refund_status', 'SUCCESS')}" if is_refund else "TRANSACTION.SUCCESS"
        original_type = "refund" if event_type.startswith("REFUND.") else "transaction"
        if tamper == "amount":
            amount = plaintext.setdefault("amount", {})
            for name in ("refund", "payer_refund") if is_refund else ("total", "payer_total"):
                if isinstance(amount.get(name), int):
                    amount[name] += 1
        elif tamper == "appid":
            plaintext["appid"] = FORGED_APP_ID
        elif tamper == "mchid":
            plaintext["mchid"] = FORGED_MCH_ID
        resource_nonce = resource_nonce or _random(12)
        key = FORGED_API_V3_KEY if tamper == "wrong_key" else self.api_v3_key
        ciphertext = AESGCM(key.encode("ascii")).encrypt(
            resource_nonce.encode("utf-8"), _dumps(plaintext), original_type.encode("utf-8"))
        if tamper == "ciphertext":
            ciphertext = _flip(ciphertext, len(ciphertext) // 2)
        now = self.clock()
        # Shaped like WeChat Pay's, e.g. "EV-2018022511223320873".
        moment = datetime.fromtimestamp(int(now), CHINA)
        event_id = event_id or f"EV-{moment:%Y%m%d%H%M%S}{secrets.randbelow(10**5):05d}"
        envelope = {
            "id": event_id,
            "create_time": create_time or rfc3339(now),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary or SUMMARIES.get(event_type, event_type),
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
                "associated_data": original_type,
                "nonce": resource_nonce,
            },
        }
        body = _dumps(envelope)
        timestamp = int(now) if timestamp is None else timestamp
        if tamper == "timestamp":
            timestamp -= STALE_SECONDS
        headers = self._signature_headers(body, timestamp=timestamp, nonce=nonce)
        if tamper == "signature":
            signature = base64.b64decode(headers["Wechatpay-Signature"])
            headers["Wechatpay-Signature"] = base64.b64encode(_flip(signature)).decode("ascii")
        elif tamper == "serial":
            headers["Wechatpay-Serial"] = FORGED_PUBLIC_KEY_ID
        return {"Content-Type": "application/json", **headers}, body

    def deliver(self, url: str, headers: Mapping[str, str], body: bytes, *, tamper: str | None = None
                ) -> dict[str, Any]:
        """POST a notification to ``url`` and record it (see :meth:`deliveries`); returns the record."""
        try:
            envelope = json.loads(body)
            event_id, event_type = envelope.get("id"), envelope.get("event_type")
        except (ValueError, AttributeError):
            event_id = event_type = None
        status: Status
        answer_body, error = b"", None
        target = urlsplit(url)
        connection_class = http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
        try:
            # http.client sends header names as written (urllib would turn Wechatpay-Signature into
            # Wechatpay-signature), and never through a proxy: a notify URL is the product's own server.
            connection = connection_class(target.netloc, timeout=self.notify_timeout_seconds)
            try:
                path = (target.path or "/") + (f"?{target.query}" if target.query else "")
                connection.request("POST", path, body=body, headers=dict(headers))
                answer = connection.getresponse()
                status, answer_body = answer.status, answer.read()
            finally:
                connection.close()
        except (OSError, http.client.HTTPException, ValueError) as failure:  # refused, timed out, malformed URL
            status, error = None, f"{type(failure).__name__}: {failure}"
        record = {
            "url": url,
            "event_id": event_id,
            "event_type": event_type,
            "tamper": tamper,
            "headers": dict(headers),
            "request_body": body.decode("utf-8", "replace"),
            "status": status,
            "body": answer_body.decode("utf-8", "replace"),
            "error": error,
            "ok": status is not None and 200 <= status < 300,
        }
        with self._lock:
            self._deliveries.append(record)
        return copy.deepcopy(record)

    # --- internals --------------------------------------------------------------------------------------

    def _check_sending(self, times: int, concurrently: int, tamper: str | None) -> None:
        if times < 1 or concurrently < 1:
            raise ValueError("times and concurrently are at least 1")
        if tamper is not None and tamper not in TAMPERS:
            raise ValueError(f"tamper must be one of {TAMPERS}")

    def _send(self, url: str, resource: dict[str, Any], *, tamper: str | None, times: int, concurrently: int,
              retry: bool, acknowledges: tuple[str, str] | None) -> list[Status]:
        """Send one notification (one event id) ``times`` rounds of ``concurrently`` copies; each copy is signed
        afresh, as WeChat Pay signs each attempt."""
        envelope = json.loads(self.notification(resource=resource, tamper=tamper)[1])
        event_id, create_time = envelope["id"], envelope["create_time"]
        if acknowledges is not None:  # a genuine event keeps its id through every resend, as at WeChat Pay
            kind, name = acknowledges
            with self._lock:
                record = (self._orders if kind == "order" else self._refunds).get(name)
                if record is not None:
                    record.setdefault("event", (event_id, create_time))
                    event_id, create_time = record["event"]

        def attempt() -> list[Status]:
            statuses = []
            for _ in range(1 + (RETRY_LIMIT if retry else 0)):
                headers, body = self.notification(resource=resource, tamper=tamper, event_id=event_id,
                                                  create_time=create_time)
                record = self.deliver(url, headers, body, tamper=tamper)
                statuses.append(record["status"])
                if record["ok"]:
                    if acknowledges is not None:
                        self._acknowledge(acknowledges)
                    break
                if not retry:
                    break
            return statuses

        statuses: list[Status] = []
        for _ in range(times):
            if concurrently == 1:
                statuses += attempt()
                continue
            barrier = threading.Barrier(concurrently)

            def together(barrier: threading.Barrier = barrier) -> list[Status]:
                barrier.wait(timeout=30)  # every copy leaves at once
                return attempt()

            with ThreadPoolExecutor(max_workers=concurrently, thread_name_prefix="wechatpay-notify") as pool:
                futures = [pool.submit(together) for _ in range(concurrently)]
                for future in futures:
                    statuses += future.result()
        return statuses

    def _acknowledge(self, key: tuple[str, str]) -> None:
        kind, name = key
        with self._lock:
            record = (self._orders if kind == "order" else self._refunds).get(name)
            if record is not None:
                record["notified"] = True

    def _signature_headers(self, body: bytes, *, timestamp: int | None = None, nonce: str | None = None
                           ) -> dict[str, str]:
        timestamp = int(self.clock()) if timestamp is None else timestamp
        nonce = nonce or secrets.token_hex(16).upper()
        message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
        signature = self._private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return {
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": self.public_key_id,
            "Wechatpay-Signature": base64.b64encode(signature).decode("ascii"),
            "Wechatpay-Signature-Type": SIGNATURE_TYPE,
            "Wechatpay-Timestamp": str(timestamp),
        }

    def _answer(self, status: int, payload: Any = None, after: Callable[[], None] | None = None) -> Response:
        body = b"" if payload is None else _dumps(payload)
        headers = self._signature_headers(body)
        headers["Request-Id"] = f"08{secrets.token_hex(20).upper()}-0"
        return Response(status, body, headers=headers, after=after)

    def _check_signature(self, request: Request) -> None:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme != SIGNATURE_TYPE:
            raise PayError(401, "SIGN_ERROR", f"Authorization must use the {SIGNATURE_TYPE} scheme")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', credentials))
        missing = [name for name in ("mchid", "nonce_str", "timestamp", "serial_no", "signature")
                   if not fields.get(name)]
        if missing:
            raise PayError(401, "SIGN_ERROR", f"Authorization lacks {', '.join(missing)}")
        if fields["mchid"] != self.mch_id:
            raise PayError(401, "SIGN_ERROR", "mchid in Authorization is not this merchant")
        if fields["serial_no"].upper() != self.merchant_serial.upper():
            raise PayError(401, "SIGN_ERROR", "serial_no is not the merchant's API certificate serial")
        timestamp = fields["timestamp"]
        if not timestamp.isdigit() or abs(self.clock() - int(timestamp)) >= CLOCK_SKEW_SECONDS:
            raise PayError(401, "SIGN_ERROR", "timestamp is more than 5 minutes from now")
        target = request.path + (f"?{request.query_string}" if request.query_string else "")
        message = f"{request.method}\n{target}\n{timestamp}\n{fields['nonce_str']}\n".encode() + request.body + b"\n"
        try:
            signature = base64.b64decode(fields["signature"], validate=True)
            self._merchant_public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise PayError(401, "SIGN_ERROR", "signature does not verify with the merchant's public key") from None

    def _api(self, pattern: str, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """Check the signature, answer injected faults, answer errors as WeChat Pay, sign, log."""

        def wrapped(request: Request) -> Response:
            code = None
            try:
                self._check_signature(request)
                with self._lock:
                    fault = None
                    for key in (request.path, pattern):
                        if self._faults.get(key):
                            fault = self._faults[key].pop(0)
                            break
                if fault is not None:
                    raise PayError(fault["status"], fault["code"], fault["message"])
                response = handler(request)
            except PayError as error:
                code = error.code
                response = self._answer(error.status, {"code": error.code, "message": error.message})
            try:
                body = request.json() if request.body else None
            except ValueError:
                body = None
            with self._lock:
                self._requests.append({
                    "method": request.method,
                    "path": request.path + (f"?{request.query_string}" if request.query_string else ""),
                    "status": response.status,
                    "code": code,
                    "body": body,
                })
            return response

        return wrapped

    def _public(self, record: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy({name: value for name, value in record.items() if name != "request"})

    def _next_serial_locked(self) -> int:
        self._serial += 1
        return self._serial

    def _order_locked(self, out_trade_no: str | None) -> dict[str, Any]:
        order = self._orders.get(out_trade_no or "")
        if order is None:
            raise KeyError(f"no order {out_trade_no!r}")
        return order

    def _refund_locked(self, out_refund_no: str | None) -> dict[str, Any]:
        refund = self._refunds.get(out_refund_no or "")
        if refund is None:
            raise KeyError(f"no refund {out_refund_no!r}")
        return refund

    def _find_order_locked(self, out_trade_no: str | None, prepay_id: str | None) -> dict[str, Any]:
        if (out_trade_no is None) == (prepay_id is None):
            raise ValueError("give exactly one of out_trade_no and prepay_id")
        if out_trade_no is not None:
            return self._order_locked(out_trade_no)
        for order in self._orders.values():
            if order["prepay_id"] == prepay_id:
                return order
        raise KeyError(f"no order with prepay_id {prepay_id!r}")

    def _mark_paid_locked(self, order: dict[str, Any]) -> None:
        state = order["trade_state"]
        if state not in (NOTPAY, USERPAYING):
            raise ValueError(f"order {order['out_trade_no']} is {state}: only an unpaid order can be paid")
        now = self.clock()
        if order["expires_at"] is not None and order["expires_at"] <= now:
            raise ValueError(f"order {order['out_trade_no']} expired at {order['time_expire']}")
        order["trade_state"] = SUCCESS
        order["transaction_id"] = self._transaction_id_locked(now)
        order["success_time"] = rfc3339(now)

    def _transaction_id_locked(self, now: float) -> str:
        # 28 digits starting 42000, like WeChat Pay's.
        return f"42000{datetime.fromtimestamp(int(now), CHINA):%Y%m%d}{self._next_serial_locked():015d}"

    def _transaction_locked(self, order: dict[str, Any], *, forged: bool = False) -> dict[str, Any]:
        """The Transaction JSON (query answer and decrypted TRANSACTION.SUCCESS); ``forged``: as if paid."""
        state = order["trade_state"]
        if forged and state not in PAID_STATES:
            state = SUCCESS
            transaction_id = self._transaction_id_locked(self.clock())
            success_time = rfc3339(self.clock())
        else:
            transaction_id, success_time = order["transaction_id"], order["success_time"]
        transaction: dict[str, Any] = {
            "appid": order["appid"],
            "mchid": order["mchid"],
            "out_trade_no": order["out_trade_no"],
        }
        amount: dict[str, Any] = {"total": order["total"], "currency": order["currency"], "payer_currency": "CNY"}
        if state in PAID_STATES:
            transaction.update({
                "transaction_id": transaction_id,
                "trade_type": "JSAPI",
                "bank_type": "OTHERS",
                "success_time": success_time,
                "payer": {"openid": order["openid"]},
            })
            amount["payer_total"] = order["total"]
        transaction.update({
            "trade_state": state,
            "trade_state_desc": TRADE_STATE_DESC[state],
            "attach": order["attach"],
            "amount": amount,
        })
        if state in PAID_STATES:
            transaction["promotion_detail"] = []
        return transaction

    def _refund_json_locked(self, refund: dict[str, Any]) -> dict[str, Any]:
        names = ("refund_id", "out_refund_no", "transaction_id", "out_trade_no", "channel", "user_received_account",
                 "success_time", "create_time", "status", "funds_account", "amount", "promotion_detail")
        answer = {name: copy.deepcopy(refund[name]) for name in names}
        if answer["success_time"] is None:
            del answer["success_time"]
        return answer

    def _refund_notice_locked(self, refund: dict[str, Any]) -> dict[str, Any]:
        """The decrypted REFUND.* notification."""
        amount = refund["amount"]
        notice = {
            "mchid": self.mch_id,
            "out_trade_no": refund["out_trade_no"],
            "transaction_id": refund["transaction_id"],
            "out_refund_no": refund["out_refund_no"],
            "refund_id": refund["refund_id"],
            "refund_status": refund["status"],
            "user_received_account": refund["user_received_account"],
            "amount": {name: amount[name] for name in ("total", "refund", "payer_total", "payer_refund")},
        }
        if refund["success_time"] is not None:
            notice["success_time"] = refund["success_time"]
        return notice

    # --- WeChat Pay API handlers ------------------------------------------------------------------------

    def register(self, router: Router) -> None:
        for method, pattern, handler in (
            ("POST", JSAPI, self._prepay),
            ("GET", TRANSACTION_BY_OUT_TRADE_NO, self._query_by_out_trade_no),
            ("GET", TRANSACTION_BY_ID, self._query_by_id),
            ("POST", CLOSE, self._close),
            ("POST", REFUNDS, self._refund),
            ("GET", REFUND, self._query_refund),
        ):
            router.add(method, pattern, self._api(pattern, handler))
        router.add("GET", f"{PREFIX}/orders", lambda request: json_response({"orders": self.orders()}))
        router.add("GET", f"{PREFIX}/refunds", lambda request: json_response({"refunds": self.refunds()}))
        router.add("GET", f"{PREFIX}/deliveries", lambda request: json_response({"deliveries": self.deliveries()}))
        router.add("GET", f"{PREFIX}/requests", lambda request: json_response({"requests": self.requests_log}))
        router.add("POST", f"{PREFIX}/pay", self._pay_route)
        router.add("POST", f"{PREFIX}/deliver-pending", self._deliver_pending_route)
        router.add("POST", f"{PREFIX}/refunds/{{out_refund_no}}/complete", self._complete_refund_route)
        router.add("POST", f"{PREFIX}/close-expired", self._close_expired_route)
        router.add("POST", f"{PREFIX}/config", self._config_route)
        router.add("POST", f"{PREFIX}/faults", self._faults_route)

    def _body(self, request: Request) -> dict[str, Any]:
        try:
            body = request.json()
        except ValueError:
            raise _param_error("the body is not JSON") from None
        if not isinstance(body, dict):
            raise _param_error("the body is not a JSON object")
        return body

    def _check_mchid(self, mchid: Any) -> None:
        if not mchid:
            raise _param_error("mchid is required")
        if mchid != self.mch_id:
            raise PayError(400, "APPID_MCHID_NOT_MATCH", "mchid is not the merchant of this request")

    def _validate_prepay(self, body: dict[str, Any]) -> None:
        for name in ("appid", "mchid", "description", "out_trade_no", "notify_url", "amount", "payer"):
            if body.get(name) in (None, "", {}):
                raise _param_error(f"{name} is required")
        if body["appid"] != self.app_id:
            raise PayError(400, "APPID_MCHID_NOT_MATCH", "appid does not belong to this merchant")
        self._check_mchid(body["mchid"])
        if not _bytes_within(body["description"], 127):
            raise _param_error("description must be 1 to 127 bytes")
        if not isinstance(body["out_trade_no"], str) or not OUT_TRADE_NO_RE.fullmatch(body["out_trade_no"]):
            raise _param_error("out_trade_no must be 6 to 32 of 0-9 A-Z a-z _ - *")
        if "attach" in body and not _bytes_within(body["attach"], 128):
            raise _param_error("attach must be 1 to 128 bytes")
        _check_notify_url(body["notify_url"])
        amount, payer = body["amount"], body["payer"]
        if not isinstance(amount, dict) or not _positive_int(amount.get("total")):
            raise _param_error("amount.total must be a positive integer (fen)")
        if amount.get("currency", "CNY") != "CNY":
            raise _param_error("amount.currency must be CNY")
        if not isinstance(payer, dict) or not isinstance(payer.get("openid"), str) or not payer["openid"]:
            raise _param_error("payer.openid is required")
        if body.get("time_expire") is not None:
            _check_time_expire(body["time_expire"])

    def _prepay(self, request: Request) -> Response:
        body = self._body(request)
        self._validate_prepay(body)
        out_trade_no = body["out_trade_no"]
        with self._lock:
            order = self._orders.get(out_trade_no)
            if order is not None:
                if order["trade_state"] in PAID_STATES:
                    raise PayError(403, "OUT_TRADE_NO_USED", "out_trade_no was already paid")
                if order["trade_state"] == CLOSED:
                    raise PayError(400, "ORDER_CLOSED", "the order is closed")
                if order["request"] != body:
                    raise PayError(400, "INVALID_REQUEST", "out_trade_no is already used with other parameters")
                return self._answer(200, {"prepay_id": order["prepay_id"]})
            now = self.clock()
            prepay_id = f"wx{datetime.fromtimestamp(int(now), CHINA):%Y%m%d%H%M%S}{secrets.token_hex(10)}"
            time_expire = body.get("time_expire")
            self._orders[out_trade_no] = {
                "appid": body["appid"],
                "mchid": body["mchid"],
                "description": body["description"],
                "out_trade_no": out_trade_no,
                "attach": body.get("attach", ""),
                "notify_url": body["notify_url"],
                "time_expire": time_expire,
                "expires_at": _check_time_expire(time_expire) if time_expire is not None else None,
                "total": body["amount"]["total"],
                "currency": body["amount"].get("currency", "CNY"),
                "openid": body["payer"]["openid"],
                "prepay_id": prepay_id,
                "created_at": rfc3339(now),
                "trade_state": NOTPAY,
                "transaction_id": None,
                "success_time": None,
                "refunded": 0,
                "notified": False,
                "request": copy.deepcopy(body),
            }
        return self._answer(200, {"prepay_id": prepay_id})

    def _query_by_out_trade_no(self, request: Request) -> Response:
        self._check_mchid(request.query.get("mchid"))
        with self._lock:
            order = self._orders.get(request.path_params["out_trade_no"])
            if order is None:
                raise PayError(404, "ORDER_NOT_EXIST", "no such order")
            return self._answer(200, self._transaction_locked(order))

    def _query_by_id(self, request: Request) -> Response:
        self._check_mchid(request.query.get("mchid"))
        with self._lock:
            for order in self._orders.values():
                if order["transaction_id"] == request.path_params["transaction_id"]:
                    return self._answer(200, self._transaction_locked(order))
        raise PayError(404, "ORDER_NOT_EXIST", "no such order")

    def _close(self, request: Request) -> Response:
        self._check_mchid(self._body(request).get("mchid"))
        with self._lock:
            order = self._orders.get(request.path_params["out_trade_no"])
            if order is None:
                raise PayError(404, "ORDER_NOT_EXIST", "no such order")
            if order["trade_state"] in PAID_STATES:
                raise PayError(400, "ORDERPAID", "the order is paid")
            order["trade_state"] = CLOSED
        return self._answer(204)

    def _refund(self, request: Request) -> Response:
        body = self._body(request)
        out_refund_no, amount = body.get("out_refund_no"), body.get("amount")
        if not isinstance(out_refund_no, str) or not OUT_REFUND_NO_RE.fullmatch(out_refund_no):
            raise _param_error("out_refund_no must be 1 to 64 of 0-9 A-Z a-z _ - | * @")
        if not isinstance(amount, dict) or not _positive_int(amount.get("refund")) or not _positive_int(
                amount.get("total")):
            raise _param_error("amount.refund and amount.total must be positive integers (fen)")
        if amount.get("currency") != "CNY":
            raise _param_error("amount.currency must be CNY")
        if body.get("notify_url") is not None:
            _check_notify_url(body["notify_url"])
        if body.get("reason") is not None and not _bytes_within(body["reason"], 80):
            raise _param_error("reason must be 1 to 80 bytes")
        by_id, by_no = body.get("transaction_id"), body.get("out_trade_no")
        if not by_id and not by_no:
            raise _param_error("transaction_id or out_trade_no is required")
        with self._lock:
            existing = self._refunds.get(out_refund_no)
            if existing is not None:
                if existing["request"] != body:
                    raise PayError(400, "INVALID_REQUEST", "out_refund_no is already used with other parameters")
                return self._answer(200, self._refund_json_locked(existing))
            if by_id:
                order = next((o for o in self._orders.values() if o["transaction_id"] == by_id), None)
                if order is not None and by_no and order["out_trade_no"] != by_no:
                    order = None
            else:
                order = self._orders.get(by_no)
            if order is None:
                raise PayError(404, "ORDER_NOT_EXIST", "no such order")
            if order["trade_state"] not in PAID_STATES:
                raise PayError(400, "INVALID_REQUEST", "the order is not paid")
            if amount["total"] != order["total"]:
                raise PayError(400, "INVALID_REQUEST", "amount.total is not the order's total")
            if amount["refund"] > order["total"] - order["refunded"]:
                raise PayError(400, "INVALID_REQUEST", "amount.refund exceeds what is left to refund")
            if self.merchant_balance is not None:
                if amount["refund"] > self.merchant_balance:
                    raise PayError(403, "NOT_ENOUGH", "the merchant's balance is not enough")
                self.merchant_balance -= amount["refund"]
            now = self.clock()
            order["refunded"] += amount["refund"]
            order["trade_state"] = REFUND_STATE
            refund = {
                "refund_id": f"5030{datetime.fromtimestamp(int(now), CHINA):%Y%m%d}{self._next_serial_locked():017d}",
                "out_refund_no": out_refund_no,
                "transaction_id": order["transaction_id"],
                "out_trade_no": order["out_trade_no"],
                "channel": "ORIGINAL",
                "user_received_account": "支付用户零钱",
                "success_time": None,
                "create_time": rfc3339(now),
                "status": "PROCESSING",
                "funds_account": "AVAILABLE",
                "amount": {
                    "total": order["total"],
                    "refund": amount["refund"],
                    "payer_total": order["total"],
                    "payer_refund": amount["refund"],
                    "settlement_total": order["total"],
                    "settlement_refund": amount["refund"],
                    "discount_refund": 0,
                    "currency": "CNY",
                    "from": [],
                },
                "promotion_detail": [],
                "reason": body.get("reason"),
                "notify_url": body.get("notify_url"),
                "notified": False,
                "request": copy.deepcopy(body),
            }
            self._refunds[out_refund_no] = refund
            answer = self._refund_json_locked(refund)
            after = (lambda: self._complete_in_background(out_refund_no)) if self.auto_refund_notify else None
        return self._answer(200, answer, after=after)

    def _complete_in_background(self, out_refund_no: str) -> None:
        try:
            self.complete_refund(out_refund_no)
        except (KeyError, ValueError):
            pass  # reset, or completed by a test meanwhile

    def _query_refund(self, request: Request) -> Response:
        with self._lock:
            refund = self._refunds.get(request.path_params["out_refund_no"])
            if refund is None:
                raise PayError(404, "RESOURCE_NOT_EXISTS", "no such refund")
            return self._answer(200, self._refund_json_locked(refund))

    # --- control routes (sandbox-only) -----------------------------------------------------------------

    def _control(self, request: Request, action: Callable[[dict[str, Any]], Any]) -> Response:
        try:
            body = request.json() if request.body else {}
            if not isinstance(body, dict):
                raise ValueError("expected a JSON object")
            return json_response({"ok": True, **action(body)})
        except KeyError as error:
            return _bad_request(str(error.args[0] if error.args else error), status=404)
        except (ValueError, TypeError) as error:
            return _bad_request(str(error))

    def _pay_route(self, request: Request) -> Response:
        def action(body: dict[str, Any]) -> dict[str, Any]:
            statuses = self.pay(
                body.get("out_trade_no"), prepay_id=body.get("prepay_id"), deliver=bool(body.get("deliver", True)),
                times=int(body.get("times", 1)), concurrently=int(body.get("concurrently", 1)),
                delay=float(body.get("delay", 0.0)), tamper=body.get("tamper"), retry=bool(body.get("retry", False)),
            )
            with self._lock:
                order = self._find_order_locked(body.get("out_trade_no"), body.get("prepay_id"))
                return {"statuses": statuses, "order": self._public(order)}

        return self._control(request, action)

    def _deliver_pending_route(self, request: Request) -> Response:
        return self._control(request, lambda body: {"statuses": self.deliver_pending(
            body.get("out_trade_no"), out_refund_no=body.get("out_refund_no"), retry=bool(body.get("retry", False)))})

    def _complete_refund_route(self, request: Request) -> Response:
        return self._control(request, lambda body: {"statuses": self.complete_refund(
            request.path_params["out_refund_no"], status=body.get("status", "SUCCESS"),
            deliver=bool(body.get("deliver", True)))})

    def _close_expired_route(self, request: Request) -> Response:
        return self._control(request, lambda body: {"closed": self.close_expired()})

    def _config_route(self, request: Request) -> Response:
        def action(body: dict[str, Any]) -> dict[str, Any]:
            unknown = set(body) - {"auto_refund_notify", "merchant_balance"}
            if unknown:
                raise ValueError(f"unknown settings: {sorted(unknown)}")
            balance = body.get("merchant_balance", self.merchant_balance)
            if balance is not None and not isinstance(balance, int):
                raise ValueError("merchant_balance is an integer (fen) or null")
            with self._lock:
                self.auto_refund_notify = bool(body.get("auto_refund_notify", self.auto_refund_notify))
                self.merchant_balance = balance
                return {"auto_refund_notify": self.auto_refund_notify, "merchant_balance": self.merchant_balance}

        return self._control(request, action)

    def _faults_route(self, request: Request) -> Response:
        def action(body: dict[str, Any]) -> dict[str, Any]:
            if not isinstance(body.get("path"), str):
                raise ValueError('expected JSON {"path", "status"?, "code"?, "message"?, "times"?}')
            self.inject_error(body["path"], status=int(body.get("status", 500)), code=body.get("code", "SYSTEM_ERROR"),
                              message=body.get("message", "system error"), times=int(body.get("times", 1)))
            return {}

        return self._control(request, action)
