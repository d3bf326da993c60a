"""The WeChat Pay sandbox over real HTTP, driven by the product's real client (wechatpayv3 2.0.4, public-key mode):
signed calls and answers, orders, refunds, and notifications as WeChat Pay sends them (genuine and tampered).

No Django here on purpose: the sandbox is a standalone process the product only reaches by URL.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from wechatpayv3 import WeChatPay, WeChatPayType

from sandbox import wechatpay as pay_sandbox
from sandbox.server import SandboxServer
from sandbox.wechat import DEFAULT_APP_ID
from tests.conftest import (
    REPO_ROOT,
    TEST_WECHATPAY_API_V3_KEY,
    TEST_WECHATPAY_CERT_SERIAL,
    TEST_WECHATPAY_KEYS_DIR,
    TEST_WECHATPAY_MCH_ID,
    TEST_WECHATPAY_PUBLIC_KEY_ID,
    TEST_WECHATPAY_SANDBOX,
    free_port,
    wait_until,
)

APP_ID = "wxpaytest00000000001"
OPENID = "o_payer_0000000000000000000"
MERCHANT_PRIVATE_PEM = (TEST_WECHATPAY_KEYS_DIR / "merchant_private_key.pem").read_text()
WECHATPAY_PUBLIC_PEM = (TEST_WECHATPAY_KEYS_DIR / "wechatpay_public_key.pem").read_text()
NOTIFICATION_HEADERS = ("Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial",
                        "Wechatpay-Signature-Type")


class Receiver:
    """A tiny notify URL: records each POST (headers as sent, body) and answers the next scripted status (200
    when none is left). With ``rendezvous`` set, each request waits until that many are in at once."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.rendezvous: threading.Barrier | None = None
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = 200
                if receiver.rendezvous is not None:
                    try:
                        receiver.rendezvous.wait(timeout=5)
                    except threading.BrokenBarrierError:
                        status = 500
                with receiver._lock:
                    receiver.received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                    if receiver.answers:
                        status = receiver.answers.pop(0)
                answer = b'{"code":"SUCCESS","message":"OK"}' if status < 300 else b'{"code":"FAIL","message":"x"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, path: str = "/pay/notify") -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._thread.join()
        self._httpd.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    sandbox = SandboxServer(port=0, wechat_app_id=APP_ID, quiet=True, **TEST_WECHATPAY_SANDBOX).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture(autouse=True)
def clean_state(server: SandboxServer) -> Iterator[None]:
    server.reset()
    yield
    server.wechatpay.clock = time.time


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def client(base_url: str | None, notify_url: str = "https://merchant.example/pay/notify",
           **overrides: Any) -> WeChatPay:
    options = {
        "mchid": TEST_WECHATPAY_MCH_ID,
        "private_key": MERCHANT_PRIVATE_PEM,
        "cert_serial_no": TEST_WECHATPAY_CERT_SERIAL,
        "appid": APP_ID,
        "apiv3_key": TEST_WECHATPAY_API_V3_KEY,
        "public_key": WECHATPAY_PUBLIC_PEM,
        "public_key_id": TEST_WECHATPAY_PUBLIC_KEY_ID,
        **overrides,
    }
    wxpay = WeChatPay(WeChatPayType.MINIPROG, notify_url=notify_url, timeout=(5, 10), **options)
    if base_url is not None:
        wxpay._core._gate_way = base_url  # wechatpayv3 2.0.4 has no base-URL option (pinned version)
    return wxpay


@pytest.fixture
def wxpay(server: SandboxServer, receiver: Receiver) -> WeChatPay:
    return client(server.base_url, receiver.url())


def prepay(wxpay: WeChatPay, out_trade_no: str = "APC2026000001", total: int = 150000, **extra: Any) -> tuple[int, Any]:
    code, text = wxpay.pay(description="APC 应用科学学报", out_trade_no=out_trade_no, amount={"total": total},
                           payer={"openid": OPENID}, pay_type=WeChatPayType.JSAPI, **extra)
    return code, json.loads(text) if text else None


def paid_order(server: SandboxServer, wxpay: WeChatPay, out_trade_no: str = "APC2026000001",
               total: int = 150000) -> dict[str, Any]:
    assert prepay(wxpay, out_trade_no, total)[0] == 200
    server.wechatpay.pay(out_trade_no, deliver=False)
    return server.wechatpay.order(out_trade_no)


def signed_call(server: SandboxServer, method: str, path: str, body: Any = None, *, key_pem: str = MERCHANT_PRIVATE_PEM,
                mchid: str = TEST_WECHATPAY_MCH_ID, serial: str = TEST_WECHATPAY_CERT_SERIAL,
                timestamp: int | None = None, go_order: bool = False) -> requests.Response:
    """A call signed by hand (what wechatpayv3 does), so each part of the signature can be got wrong."""
    data = json.dumps(body) if body is not None else ""
    timestamp = int(time.time()) if timestamp is None else timestamp
    nonce = uuid.uuid4().hex.upper()
    key = load_pem_private_key(key_pem.encode(), password=None)
    message = f"{method}\n{path}\n{timestamp}\n{nonce}\n{data}\n".encode()
    signature = base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    pairs = {"mchid": mchid, "nonce_str": nonce, "timestamp": str(timestamp), "serial_no": serial,
             "signature": signature}
    order = ("mchid", "nonce_str", "timestamp", "serial_no", "signature") if go_order else (
        "mchid", "nonce_str", "signature", "timestamp", "serial_no")
    authorization = "WECHATPAY2-SHA256-RSA2048 " + ",".join(f'{name}="{pairs[name]}"' for name in order)
    return requests.request(method, server.base_url + path, data=data.encode() or None, timeout=5,
                            headers={"Authorization": authorization, "Content-Type": "application/json",
                                     "Accept": "application/json"})


def answer_signature_verifies(response: requests.Response) -> bool:
    public_key = load_pem_public_key(WECHATPAY_PUBLIC_PEM.encode())
    headers = response.headers
    message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n".encode() + response.content + b"\n"
    try:
        public_key.verify(base64.b64decode(headers["Wechatpay-Signature"]), message, padding.PKCS1v15(),
                          hashes.SHA256())
    except Exception:  # noqa: BLE001 - any failure means "does not verify"
        return False
    return headers["Wechatpay-Serial"] == TEST_WECHATPAY_PUBLIC_KEY_ID


# --- constants and configuration -------------------------------------------------------------------------

def test_sandbox_and_test_api_v3_keys_are_32_ascii_characters():
    for key in (pay_sandbox.DEFAULT_API_V3_KEY, TEST_WECHATPAY_API_V3_KEY):
        assert key.isascii() and len(key) == 32


def test_an_api_v3_key_of_another_length_is_refused():
    with pytest.raises(ValueError, match="32 ASCII"):
        pay_sandbox.WeChatPaySandbox(api_v3_key="short")


def test_default_sandbox_answers_a_client_holding_the_make_run_keys():
    keys = REPO_ROOT / "sandbox" / "keys"
    with SandboxServer(port=0, quiet=True) as sandbox:
        wxpay = client(
            sandbox.base_url, mchid=pay_sandbox.DEFAULT_MCH_ID, appid=DEFAULT_APP_ID,
            private_key=(keys / "merchant_private_key.pem").read_text(),
            cert_serial_no=pay_sandbox.DEFAULT_MERCHANT_SERIAL, apiv3_key=pay_sandbox.DEFAULT_API_V3_KEY,
            public_key=(keys / "wechatpay_public_key.pem").read_text(), public_key_id=pay_sandbox.DEFAULT_PUBLIC_KEY_ID)
        code, _ = prepay(wxpay)

    assert code == 200


# --- request signatures ----------------------------------------------------------------------------------

def test_a_correctly_signed_call_is_answered(server):
    response = signed_call(server, "GET", f"/v3/pay/transactions/out-trade-no/NOSUCH01?mchid={TEST_WECHATPAY_MCH_ID}")

    assert response.status_code == 404
    assert response.json()["code"] == "ORDER_NOT_EXIST"


def test_authorization_pairs_are_read_in_any_order(server):
    response = signed_call(server, "GET", f"/v3/pay/transactions/out-trade-no/NOSUCH01?mchid={TEST_WECHATPAY_MCH_ID}",
                           go_order=True)

    assert response.status_code == 404


@pytest.mark.parametrize("wrong", [
    {"key_pem": (REPO_ROOT / "sandbox" / "keys" / "merchant_private_key.pem").read_text()},
    {"serial": "0000000000000000000000000000000000000BAD"},
    {"timestamp_offset": -301},
    {"timestamp_offset": 600},
    {"mchid": "1900009999"},
], ids=["other-private-key", "unknown-serial", "stale-timestamp", "future-timestamp", "other-mchid"])
def test_a_badly_signed_call_is_sign_error(server, wrong):
    # Clock offsets are applied now, not when the module was collected (minutes earlier in a full run).
    if "timestamp_offset" in wrong:
        wrong = {"timestamp": int(time.time()) + wrong["timestamp_offset"]}
    response = signed_call(server, "GET", f"/v3/pay/transactions/out-trade-no/NOSUCH01?mchid={TEST_WECHATPAY_MCH_ID}",
                           **wrong)

    assert response.status_code == 401
    assert response.json()["code"] == "SIGN_ERROR"


def test_a_call_without_authorization_is_sign_error(server):
    response = requests.post(server.base_url + "/v3/pay/transactions/jsapi", json={}, timeout=5)

    assert response.status_code == 401
    assert response.json()["code"] == "SIGN_ERROR"


def test_a_signature_over_another_body_is_sign_error(server):
    good = signed_call(server, "POST", "/v3/pay/transactions/out-trade-no/NOSUCH01/close",
                       {"mchid": TEST_WECHATPAY_MCH_ID})
    replayed = requests.post(server.base_url + "/v3/pay/transactions/out-trade-no/NOSUCH01/close", timeout=5,
                             data=b'{"mchid": "1900000002"}', headers={
                                 "Authorization": good.request.headers["Authorization"],
                                 "Content-Type": "application/json"})

    assert replayed.status_code == 401


def test_errors_are_signed_like_answers(server):
    response = signed_call(server, "GET", "/v3/pay/transactions/out-trade-no/NOSUCH01?mchid=x", timestamp=1)

    assert response.status_code == 401
    assert answer_signature_verifies(response)
    assert response.headers["Wechatpay-Signature-Type"] == "WECHATPAY2-SHA256-RSA2048"
    assert response.headers["Request-Id"]


# --- JSAPI prepay ----------------------------------------------------------------------------------------

def test_prepay_answers_a_prepay_id_that_wechatpayv3_verifies(wxpay):
    code, body = prepay(wxpay)

    assert code == 200
    assert re.fullmatch(r"wx\d{14}[0-9a-f]{20}", body["prepay_id"])


def test_prepay_remembers_the_order_and_its_notify_url(server, wxpay, receiver):
    prepay(wxpay, attach="manuscript=42")

    (order,) = server.wechatpay.orders()
    assert order["notify_url"] == receiver.url()
    assert (order["total"], order["openid"], order["attach"], order["trade_state"]) == (
        150000, OPENID, "manuscript=42", "NOTPAY")


def test_the_same_order_again_answers_the_same_prepay_id(wxpay):
    first, again = prepay(wxpay)[1], prepay(wxpay)[1]

    assert again == first


def test_the_same_out_trade_no_with_another_amount_is_invalid_request(wxpay):
    prepay(wxpay, total=100)

    code, body = prepay(wxpay, total=200)
    assert (code, body["code"]) == (400, "INVALID_REQUEST")


def test_prepay_of_a_paid_order_is_out_trade_no_used(server, wxpay):
    paid_order(server, wxpay)

    code, body = prepay(wxpay)
    assert (code, body["code"]) == (403, "OUT_TRADE_NO_USED")


def test_prepay_of_a_closed_order_is_order_closed(wxpay):
    prepay(wxpay)
    wxpay.close("APC2026000001")

    code, body = prepay(wxpay)
    assert (code, body["code"]) == (400, "ORDER_CLOSED")


def test_prepay_for_another_mini_program_is_appid_mchid_not_match(server, receiver):
    other = client(server.base_url, receiver.url(), appid="wxsomeoneelse0000001")

    code, body = prepay(other)
    assert (code, body["code"]) == (400, "APPID_MCHID_NOT_MATCH")


@pytest.mark.parametrize("change", [
    {"description": "稿" * 43},  # 129 bytes in UTF-8
    {"out_trade_no": "A1234"},
    {"out_trade_no": "A" * 33},
    {"out_trade_no": "APC 2026 0001"},
    {"amount": {"total": 0}},
    {"amount": {"total": 1.5}},
    {"amount": {"total": 100, "currency": "USD"}},
    {"payer": {}},
    {"notify_url": "https://merchant.example/pay/notify?order=1"},
    {"notify_url": "ftp://merchant.example/notify"},
    {"time_expire": "2026-12-05 10:00:00"},
], ids=["description-129-bytes", "out-trade-no-5", "out-trade-no-33", "out-trade-no-space", "total-zero",
        "total-not-integer", "currency-usd", "no-openid", "notify-url-query", "notify-url-ftp",
        "time-expire-no-offset"])
def test_a_prepay_body_outside_the_rules_is_param_error(server, change):
    body = {"appid": APP_ID, "mchid": TEST_WECHATPAY_MCH_ID, "description": "APC", "out_trade_no": "APC2026000001",
            "notify_url": "https://merchant.example/pay/notify", "amount": {"total": 100}, "payer": {"openid": OPENID},
            **change}

    response = signed_call(server, "POST", "/v3/pay/transactions/jsapi", body)

    assert response.status_code == 400
    assert response.json()["code"] == "PARAM_ERROR"


def test_a_prepay_body_at_the_limits_is_accepted(server):
    body = {"appid": APP_ID, "mchid": TEST_WECHATPAY_MCH_ID, "description": "稿" * 42 + "a", "out_trade_no": "a_-*09",
            "notify_url": "http://127.0.0.1:8000/api/v1/pay/notify", "amount": {"total": 1, "currency": "CNY"},
            "payer": {"openid": OPENID}, "time_expire": "2030-01-01T00:00:00+08:00"}

    assert signed_call(server, "POST", "/v3/pay/transactions/jsapi", body).status_code == 200


# --- query and close -------------------------------------------------------------------------------------

def test_an_unpaid_order_queries_as_notpay_without_a_transaction(wxpay):
    prepay(wxpay)

    code, text = wxpay.query(out_trade_no="APC2026000001")
    body = json.loads(text)
    assert code == 200
    assert body["trade_state"] == "NOTPAY"
    assert "transaction_id" not in body
    assert body["amount"] == {"total": 150000, "currency": "CNY", "payer_currency": "CNY"}


def test_a_paid_order_queries_as_success_with_its_transaction(server, wxpay):
    order = paid_order(server, wxpay)

    body = json.loads(wxpay.query(out_trade_no="APC2026000001")[1])
    by_id = json.loads(wxpay.query(transaction_id=order["transaction_id"])[1])
    assert body == by_id
    assert re.fullmatch(r"42000\d{23}", body["transaction_id"])
    assert {key: body[key] for key in ("appid", "mchid", "trade_type", "trade_state", "payer")} == {
        "appid": APP_ID, "mchid": TEST_WECHATPAY_MCH_ID, "trade_type": "JSAPI", "trade_state": "SUCCESS",
        "payer": {"openid": OPENID}}
    assert body["amount"]["payer_total"] == 150000
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", body["success_time"])


def test_each_payment_gets_its_own_transaction_id(server, wxpay):
    first = paid_order(server, wxpay, "APC2026000001")["transaction_id"]
    second = paid_order(server, wxpay, "APC2026000002")["transaction_id"]

    assert first != second


def test_an_unknown_order_is_order_not_exist(wxpay):
    code, text = wxpay.query(out_trade_no="NOSUCH01")

    assert (code, json.loads(text)["code"]) == (404, "ORDER_NOT_EXIST")


def test_close_answers_204_with_an_empty_signed_body(wxpay):
    prepay(wxpay)

    assert wxpay.close("APC2026000001") == (204, "")
    assert json.loads(wxpay.query(out_trade_no="APC2026000001")[1])["trade_state"] == "CLOSED"


def test_closing_a_paid_order_is_orderpaid(server, wxpay):
    paid_order(server, wxpay)

    code, text = wxpay.close("APC2026000001")
    assert (code, json.loads(text)["code"]) == (400, "ORDERPAID")


def test_a_user_entering_their_password_queries_as_userpaying(server, wxpay):
    prepay(wxpay)
    server.wechatpay.user_paying("APC2026000001")

    assert json.loads(wxpay.query(out_trade_no="APC2026000001")[1])["trade_state"] == "USERPAYING"


def test_close_expired_closes_only_unpaid_orders_past_time_expire(server, wxpay):
    prepay(wxpay, "APC2026000001", time_expire="2026-01-01T00:00:00+08:00")
    prepay(wxpay, "APC2026000002", time_expire="2099-01-01T00:00:00+08:00")
    prepay(wxpay, "APC2026000003")

    assert server.wechatpay.close_expired() == ["APC2026000001"]
    with pytest.raises(ValueError, match="only an unpaid order"):
        server.wechatpay.pay("APC2026000001")


def test_an_injected_error_is_answered_signed_and_only_once(server, wxpay):
    server.wechatpay.inject_error(pay_sandbox.TRANSACTION_BY_OUT_TRADE_NO)

    first, second = wxpay.query(out_trade_no="NOSUCH01"), wxpay.query(out_trade_no="NOSUCH01")
    assert (first[0], json.loads(first[1])["code"]) == (500, "SYSTEM_ERROR")
    assert second[0] == 404


def test_every_call_is_logged(server, wxpay):
    prepay(wxpay)
    wxpay.query(out_trade_no="NOSUCH01")

    log = server.wechatpay.requests_log
    assert [(call["method"], call["status"], call["code"]) for call in log] == [
        ("POST", 200, None), ("GET", 404, "ORDER_NOT_EXIST")]
    assert log[0]["body"]["out_trade_no"] == "APC2026000001"
    assert log[1]["path"] == f"/v3/pay/transactions/out-trade-no/NOSUCH01?mchid={TEST_WECHATPAY_MCH_ID}"


# --- refunds ---------------------------------------------------------------------------------------------

def refund(wxpay: WeChatPay, receiver: Receiver, refund: int = 150000, total: int = 150000,
           out_refund_no: str = "RF2026000001", **extra: Any) -> tuple[int, Any]:
    # wechatpayv3 would send the payment notify_url without notify_url=: pass the refund's own.
    code, text = wxpay.refund(out_refund_no=out_refund_no, out_trade_no="APC2026000001", reason="作者撤稿",
                              amount={"refund": refund, "total": total, "currency": "CNY"},
                              notify_url=receiver.url("/refund/notify"), **extra)
    return code, json.loads(text)


def test_a_refund_answers_processing_and_then_succeeds(server, wxpay, receiver):
    order = paid_order(server, wxpay)

    code, body = refund(wxpay, receiver)
    assert (code, body["status"], body["transaction_id"]) == (200, "PROCESSING", order["transaction_id"])
    assert "success_time" not in body
    wait_until(lambda: server.wechatpay.refunds()[0]["status"] == "SUCCESS", timeout=5, message="refund success")
    code, text = wxpay.query_refund("RF2026000001")
    queried = json.loads(text)
    assert (code, queried["status"], queried["refund_id"]) == (200, "SUCCESS", body["refund_id"])
    assert queried["amount"]["refund"] == 150000


def test_a_refunded_order_queries_as_refund(server, wxpay, receiver):
    paid_order(server, wxpay)
    refund(wxpay, receiver, refund=50000)

    assert json.loads(wxpay.query(out_trade_no="APC2026000001")[1])["trade_state"] == "REFUND"


def test_the_refund_notification_goes_to_the_refunds_notify_url_and_decrypts(server, wxpay, receiver):
    paid_order(server, wxpay)
    refund(wxpay, receiver, refund=50000)

    wait_until(lambda: receiver.received, timeout=5, message="refund notification")
    (delivered,) = receiver.received
    assert delivered["path"] == "/refund/notify"
    notice = wxpay.callback(delivered["headers"], delivered["body"])
    assert notice["event_type"] == "REFUND.SUCCESS"
    assert notice["resource"]["out_refund_no"] == "RF2026000001"
    assert notice["resource"]["refund_status"] == "SUCCESS"
    assert notice["resource"]["amount"] == {"total": 150000, "refund": 50000, "payer_total": 150000,
                                            "payer_refund": 50000}


def test_without_auto_refund_notify_a_refund_waits_for_complete_refund(server, wxpay, receiver):
    paid_order(server, wxpay)
    server.wechatpay.auto_refund_notify = False
    refund(wxpay, receiver)
    time.sleep(0.2)
    assert server.wechatpay.refunds()[0]["status"] == "PROCESSING"

    assert server.wechatpay.complete_refund("RF2026000001", status="ABNORMAL") == [200]
    assert json.loads(receiver.received[0]["body"])["event_type"] == "REFUND.ABNORMAL"


def test_the_same_refund_again_answers_the_same_refund(server, wxpay, receiver):
    paid_order(server, wxpay)
    server.wechatpay.auto_refund_notify = False

    first, again = refund(wxpay, receiver), refund(wxpay, receiver)
    assert again == first
    assert len(server.wechatpay.refunds()) == 1


def test_refunding_more_than_is_left_is_invalid_request(server, wxpay, receiver):
    paid_order(server, wxpay)
    refund(wxpay, receiver, refund=100000, out_refund_no="RF2026000001")

    code, body = refund(wxpay, receiver, refund=50001, out_refund_no="RF2026000002")
    assert (code, body["code"]) == (400, "INVALID_REQUEST")


def test_a_refund_total_other_than_the_orders_is_invalid_request(server, wxpay, receiver):
    paid_order(server, wxpay)

    code, body = refund(wxpay, receiver, refund=100, total=149999)
    assert (code, body["code"]) == (400, "INVALID_REQUEST")


def test_refunding_an_unpaid_order_is_invalid_request(wxpay, receiver):
    prepay(wxpay)

    code, body = refund(wxpay, receiver)
    assert (code, body["code"]) == (400, "INVALID_REQUEST")


def test_a_refund_beyond_the_merchant_balance_is_not_enough(server, wxpay, receiver):
    paid_order(server, wxpay)
    server.wechatpay.merchant_balance = 100

    code, body = refund(wxpay, receiver, refund=101)
    assert (code, body["code"]) == (403, "NOT_ENOUGH")


def test_an_unknown_refund_is_resource_not_exists(wxpay):
    code, text = wxpay.query_refund("RF_NOSUCH")

    assert (code, json.loads(text)["code"]) == (404, "RESOURCE_NOT_EXISTS")


# --- payment notifications -------------------------------------------------------------------------------

def test_pay_notifies_the_orders_notify_url_with_wechat_pays_headers(server, wxpay, receiver):
    prepay(wxpay)

    assert server.wechatpay.pay("APC2026000001") == [200]
    (delivered,) = receiver.received
    headers = delivered["headers"]
    assert delivered["path"] == "/pay/notify"
    assert set(NOTIFICATION_HEADERS) <= set(headers)  # named exactly as WeChat Pay writes them
    assert headers["Content-Type"] == "application/json"
    assert headers["Wechatpay-Signature-Type"] == "WECHATPAY2-SHA256-RSA2048"
    assert headers["Wechatpay-Serial"] == TEST_WECHATPAY_PUBLIC_KEY_ID
    assert abs(int(headers["Wechatpay-Timestamp"]) - time.time()) < 60
    envelope = json.loads(delivered["body"])
    assert re.fullmatch(r"EV-\d{19}", envelope["id"])
    assert (envelope["resource_type"], envelope["event_type"], envelope["summary"]) == (
        "encrypt-resource", "TRANSACTION.SUCCESS", "支付成功")
    resource = envelope["resource"]
    assert (resource["original_type"], resource["algorithm"], resource["associated_data"]) == (
        "transaction", "AEAD_AES_256_GCM", "transaction")
    assert len(resource["nonce"]) == 12


def test_callback_decrypts_the_notification_to_the_queried_transaction(server, wxpay, receiver):
    prepay(wxpay, attach="manuscript=42")
    server.wechatpay.pay("APC2026000001")

    notice = wxpay.callback(receiver.received[0]["headers"], receiver.received[0]["body"])
    assert notice["resource"] == json.loads(wxpay.query(out_trade_no="APC2026000001")[1])
    assert notice["resource"]["attach"] == "manuscript=42"


def test_pay_by_prepay_id_pays_that_order(server, wxpay, receiver):
    prepay_id = prepay(wxpay)[1]["prepay_id"]

    server.wechatpay.pay(prepay_id=prepay_id)
    assert server.wechatpay.order("APC2026000001")["trade_state"] == "SUCCESS"


def test_an_acknowledged_notification_is_no_longer_pending(server, wxpay, receiver):
    prepay(wxpay)
    server.wechatpay.pay("APC2026000001")

    assert server.wechatpay.order("APC2026000001")["notified"] is True
    assert server.wechatpay.deliver_pending("APC2026000001") == []


def test_a_late_notification_is_sent_by_deliver_pending(server, wxpay, receiver):
    prepay(wxpay)

    assert server.wechatpay.pay("APC2026000001", deliver=False) == []
    assert receiver.received == []
    assert json.loads(wxpay.query(out_trade_no="APC2026000001")[1])["trade_state"] == "SUCCESS"
    assert server.wechatpay.deliver_pending("APC2026000001") == [200]
    assert len(receiver.received) == 1


def test_a_refused_notification_stays_pending_until_delivered(server, wxpay, receiver):
    prepay(wxpay)
    receiver.answers = [500]

    assert server.wechatpay.pay("APC2026000001") == [500]
    assert server.wechatpay.order("APC2026000001")["notified"] is False
    assert server.wechatpay.deliver_pending() == [200]
    first, second = (json.loads(r["body"])["id"] for r in receiver.received)
    assert first == second  # the same event, sent again


def test_retry_resends_a_failed_notification_at_once(server, wxpay, receiver):
    prepay(wxpay)
    receiver.answers = [500, 503]

    assert server.wechatpay.pay("APC2026000001", retry=True) == [500, 503, 200]
    assert [delivery["ok"] for delivery in server.wechatpay.deliveries()] == [False, False, True]


def test_an_unreachable_notify_url_is_recorded_as_no_status(server):
    url = f"http://127.0.0.1:{free_port()}/pay/notify"
    wxpay = client(server.base_url, url)
    prepay(wxpay)

    assert server.wechatpay.pay("APC2026000001") == [None]
    (delivery,) = server.wechatpay.deliveries()
    assert delivery["url"] == url and delivery["error"] and not delivery["ok"]


def test_times_sends_the_same_event_that_many_times(server, wxpay, receiver):
    prepay(wxpay)

    assert server.wechatpay.pay("APC2026000001", times=3) == [200, 200, 200]
    assert len({json.loads(r["body"])["id"] for r in receiver.received}) == 1


def test_concurrently_sends_the_copies_at_the_same_time(server, wxpay, receiver):
    prepay(wxpay)
    receiver.rendezvous = threading.Barrier(4)  # answers 500 unless all four are in at once

    assert server.wechatpay.pay("APC2026000001", concurrently=4) == [200] * 4


def test_delay_pays_first_and_notifies_later(server, wxpay, receiver):
    prepay(wxpay)
    paying = threading.Thread(target=server.wechatpay.pay, args=("APC2026000001",), kwargs={"delay": 1.0})
    paying.start()

    wait_until(lambda: server.wechatpay.order("APC2026000001")["trade_state"] == "SUCCESS", timeout=5,
               message="paid")
    assert receiver.received == []
    paying.join()
    assert len(receiver.received) == 1


# --- tampered notifications ------------------------------------------------------------------------------

@pytest.mark.parametrize("tamper", ["signature", "ciphertext", "wrong_key"])
def test_wechatpayv3_rejects_a_tampered_notification(server, wxpay, tamper):
    paid_order(server, wxpay)

    headers, body = server.wechatpay.notification(out_trade_no="APC2026000001", tamper=tamper)
    assert wxpay.callback(headers, body) is None


def test_a_notification_under_an_unknown_public_key_id_is_rejected_by_wechatpayv3(server, wxpay):
    """wechatpayv3 2.0.4 takes a serial other than its public key id for a platform certificate's and first
    fetches GET /v3/certificates from its gateway (here the sandbox, which has none): the product had better
    compare Wechatpay-Serial with its public key id before calling callback()."""
    paid_order(server, wxpay)

    headers, body = server.wechatpay.notification(out_trade_no="APC2026000001", tamper="serial")
    assert headers["Wechatpay-Serial"] == pay_sandbox.FORGED_PUBLIC_KEY_ID
    assert wxpay.callback(headers, body) is None


def test_a_stale_notification_is_signed_correctly_and_ten_minutes_old(server, wxpay):
    """wechatpayv3 checks no freshness: the product must refuse it by Wechatpay-Timestamp itself."""
    paid_order(server, wxpay)

    headers, body = server.wechatpay.notification(out_trade_no="APC2026000001", tamper="timestamp")
    assert wxpay.callback(headers, body)["resource"]["trade_state"] == "SUCCESS"
    assert time.time() - int(headers["Wechatpay-Timestamp"]) >= 600


@pytest.mark.parametrize(("tamper", "field", "forged"), [
    ("amount", ("amount", "total"), 150001),
    ("appid", ("appid",), pay_sandbox.FORGED_APP_ID),
    ("mchid", ("mchid",), pay_sandbox.FORGED_MCH_ID),
])
def test_a_tampered_plaintext_decrypts_to_values_other_than_the_orders(server, wxpay, tamper, field, forged):
    paid_order(server, wxpay)

    resource = wxpay.callback(*server.wechatpay.notification(out_trade_no="APC2026000001", tamper=tamper))["resource"]
    value = resource
    for name in field:
        value = value[name]
    assert value == forged


def test_a_forged_payment_notification_leaves_the_order_unpaid(server, wxpay, receiver):
    prepay(wxpay)

    assert server.wechatpay.pay("APC2026000001", tamper="amount") == [200]
    claimed = wxpay.callback(receiver.received[0]["headers"], receiver.received[0]["body"])["resource"]
    assert (claimed["trade_state"], claimed["amount"]["total"]) == ("SUCCESS", 150001)
    assert json.loads(wxpay.query(out_trade_no="APC2026000001")[1])["trade_state"] == "NOTPAY"
    assert server.wechatpay.deliveries()[0]["tamper"] == "amount"


def test_an_unknown_tamper_is_refused(server, wxpay):
    prepay(wxpay)

    with pytest.raises(ValueError, match="tamper"):
        server.wechatpay.pay("APC2026000001", tamper="everything")


# --- building notifications for test vectors -------------------------------------------------------------

def test_a_notification_is_a_function_of_its_inputs(server, wxpay):
    resource = {"mchid": TEST_WECHATPAY_MCH_ID, "out_trade_no": "APC2026000001", "trade_state": "SUCCESS"}
    fixed = {"event_id": "EV-2026120500000000001", "create_time": "2026-12-05T08:00:00+08:00",
             "timestamp": 1796428800, "nonce": "N0NCE", "resource_nonce": "abcdefABCDEF"}

    assert server.wechatpay.notification(resource=resource, **fixed) == server.wechatpay.notification(
        resource=resource, **fixed)


def test_a_refund_notification_for_an_order_never_paid_can_be_crafted(server, wxpay):
    prepay(wxpay)
    resource = {"mchid": TEST_WECHATPAY_MCH_ID, "out_trade_no": "APC2026000001", "transaction_id": "4200000000",
                "out_refund_no": "RF_EARLY", "refund_id": "50300000", "refund_status": "SUCCESS",
                "user_received_account": "支付用户零钱", "amount": {"total": 150000, "refund": 150000,
                                                                  "payer_total": 150000, "payer_refund": 150000}}

    notice = wxpay.callback(*server.wechatpay.notification(resource=resource))
    assert notice["event_type"] == "REFUND.SUCCESS"
    assert notice["resource"] == resource
    assert server.wechatpay.order("APC2026000001")["trade_state"] == "NOTPAY"


def test_deliver_sends_a_built_notification(server, wxpay, receiver):
    paid_order(server, wxpay)
    headers, body = server.wechatpay.notification(out_trade_no="APC2026000001")

    record = server.wechatpay.deliver(receiver.url(), headers, body)
    assert (record["status"], record["ok"]) == (200, True)
    assert receiver.received[0]["body"] == body


# --- control routes and the index page -------------------------------------------------------------------

def test_the_pay_route_pays_by_prepay_id_and_reports_the_statuses(server, wxpay, receiver):
    prepay_id = prepay(wxpay)[1]["prepay_id"]

    response = requests.post(f"{server.base_url}/__sandbox__/wechatpay/pay", json={"prepay_id": prepay_id}, timeout=10)
    assert response.status_code == 200
    assert response.json()["statuses"] == [200]
    assert response.json()["order"]["trade_state"] == "SUCCESS"


def test_the_pay_route_answers_404_for_an_unknown_order(server):
    response = requests.post(f"{server.base_url}/__sandbox__/wechatpay/pay", json={"out_trade_no": "NOSUCH01"},
                             timeout=5)

    assert response.status_code == 404


def test_the_orders_route_lists_the_orders(server, wxpay):
    prepay(wxpay)

    orders = requests.get(f"{server.base_url}/__sandbox__/wechatpay/orders", timeout=5).json()["orders"]
    assert [order["out_trade_no"] for order in orders] == ["APC2026000001"]


def test_the_config_route_turns_auto_refund_notify_off(server):
    response = requests.post(f"{server.base_url}/__sandbox__/wechatpay/config", json={"auto_refund_notify": False},
                             timeout=5)

    assert response.json()["auto_refund_notify"] is False
    assert server.wechatpay.auto_refund_notify is False


def test_the_index_page_lists_the_wechat_pay_routes(server):
    page = requests.get(f"{server.base_url}/", timeout=5).text

    section = re.search(r'<section id="wechat pay"><h2>WeChat Pay</h2>(.*?)</section>', page).group(1)
    for route in ("/v3/pay/transactions/jsapi", "/v3/pay/transactions/out-trade-no/{out_trade_no}",
                  "/v3/pay/transactions/out-trade-no/{out_trade_no}/close", "/v3/refund/domestic/refunds",
                  "/v3/refund/domestic/refunds/{out_refund_no}", "/__sandbox__/wechatpay/pay"):
        assert route in section


def test_reset_forgets_orders_and_deliveries(server, wxpay, receiver):
    prepay(wxpay)
    server.wechatpay.pay("APC2026000001")

    server.reset()
    assert (server.wechatpay.orders(), server.wechatpay.deliveries(), server.wechatpay.requests_log) == ([], [], [])
    assert prepay(wxpay)[0] == 200  # the merchant's configuration is kept
