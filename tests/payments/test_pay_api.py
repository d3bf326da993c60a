"""Paying an order: POST /api/v1/orders/{id}/pay against the WeChat Pay sandbox, and the orders list."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from payments.models import Order, OrderStatus, PaymentAttempt
from tests.conftest import REPO_ROOT
from tests.factories import OrderFactory
from tests.payments.conftest import settle

pytestmark = pytest.mark.django_db

MERCHANT_PUBLIC_KEY = load_pem_public_key((REPO_ROOT / "tests" / "keys" / "merchant_public_key.pem").read_bytes())


def _prepay_calls(sandbox) -> list[dict]:
    return [call for call in sandbox.wechatpay.requests_log if call["path"] == "/v3/pay/transactions/jsapi"]


def test_pay_answers_a_request_payment_object_signed_with_the_merchant_key(alice, alice_order, pay_sandbox):
    client, _researcher = alice
    response = client.post(f"/api/v1/orders/{alice_order.pk}/pay")
    assert response.status_code == 200, response.content
    params = response.json()
    assert set(params) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["signType"] == "RSA" and params["timeStamp"].isdigit()
    assert params["package"].startswith("prepay_id=wx")
    signed = f"{settings.WECHAT_APP_ID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    MERCHANT_PUBLIC_KEY.verify(base64.b64decode(params["paySign"]), signed.encode(), PKCS1v15(), SHA256())
    prepay = _prepay_calls(pay_sandbox)[0]["body"]
    assert prepay["amount"] == {"total": 250000, "currency": "CNY"}
    assert prepay["notify_url"] == f"{settings.PUBLIC_BASE_URL}/api/v1/payments/wechat/notify"
    assert prepay["payer"]["openid"] == PaymentAttempt.objects.get(order=alice_order).openid
    assert Order.objects.get(pk=alice_order.pk).status == OrderStatus.PAYING


def test_paying_twice_reuses_the_live_prepay(alice, alice_order, pay_sandbox):
    client, _researcher = alice
    first = client.post(f"/api/v1/orders/{alice_order.pk}/pay").json()
    second = client.post(f"/api/v1/orders/{alice_order.pk}/pay").json()
    assert first["package"] == second["package"]
    assert len(_prepay_calls(pay_sandbox)) == 1
    assert PaymentAttempt.objects.filter(order=alice_order).count() == 1


def test_a_prepay_about_to_expire_is_closed_and_replaced(alice, alice_order, pay_sandbox):
    client, _researcher = alice
    first = client.post(f"/api/v1/orders/{alice_order.pk}/pay").json()
    PaymentAttempt.objects.filter(order=alice_order).update(prepay_expires_at=timezone.now() + timedelta(minutes=1))
    second = client.post(f"/api/v1/orders/{alice_order.pk}/pay").json()
    assert first["package"] != second["package"]
    closed = [attempt.out_trade_no for attempt in PaymentAttempt.objects.filter(order=alice_order, status="closed")]
    assert len(closed) == 1 and pay_sandbox.wechatpay.order(closed[0])["trade_state"] == "CLOSED"


@pytest.mark.parametrize(("status", "code"), [(OrderStatus.CLOSED, "order_closed")])
def test_paying_a_closed_order_is_a_conflict(alice, alice_order, status, code):
    Order.objects.filter(pk=alice_order.pk).update(status=status)
    response = alice[0].post(f"/api/v1/orders/{alice_order.pk}/pay", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json() == {"code": code, "message": "This order is closed and can no longer be paid.",
                               "fields": {}}


def test_paying_a_paid_order_is_a_conflict_and_asks_wechat_pay_nothing(alice, alice_order, pay_sandbox):
    settle(alice_order)
    response = alice[0].post(f"/api/v1/orders/{alice_order.pk}/pay")
    assert response.status_code == 409 and response.json()["code"] == "order_paid"
    assert _prepay_calls(pay_sandbox) == []


def test_paying_an_expired_order_is_a_conflict(alice, alice_order, pay_sandbox):
    Order.objects.filter(pk=alice_order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = alice[0].post(f"/api/v1/orders/{alice_order.pk}/pay")
    assert response.status_code == 409 and response.json()["code"] == "order_expired"
    assert _prepay_calls(pay_sandbox) == []


def test_someone_elses_order_is_not_found(alice, pay_sandbox):
    order = OrderFactory()
    response = alice[0].post(f"/api/v1/orders/{order.pk}/pay")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_wechat_pay_failing_answers_503_and_changes_nothing(alice, alice_order, pay_sandbox):
    pay_sandbox.wechatpay.inject_error("/v3/pay/transactions/jsapi", status=500, code="SYSTEM_ERROR")
    response = alice[0].post(f"/api/v1/orders/{alice_order.pk}/pay")
    assert response.status_code == 503 and response.json()["code"] == "payments_unavailable"
    assert Order.objects.get(pk=alice_order.pk).status == OrderStatus.CREATED
    assert not PaymentAttempt.objects.filter(order=alice_order).exists()


def test_wechat_pay_switched_off_answers_503(alice, alice_order, settings):
    settings.WECHATPAY_MCH_ID = ""
    response = alice[0].post(f"/api/v1/orders/{alice_order.pk}/pay")
    assert response.status_code == 503 and response.json()["code"] == "payments_unavailable"


def test_pay_taps_are_rate_limited_per_researcher(alice, alice_order, pay_sandbox, settings):
    settings.PAYMENTS_PAY_RATE = "2/hour"
    codes = [alice[0].post(f"/api/v1/orders/{alice_order.pk}/pay").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_orders_list_shows_contract_fields_unpaid_first(alice, pay_sandbox):
    client, researcher = alice
    paid = settle(OrderFactory(researcher=researcher), transaction_id="4200000001")
    unpaid = OrderFactory(researcher=researcher)
    OrderFactory()  # someone else's
    body = client.get("/api/v1/orders").json()
    assert [item["id"] for item in body["results"]] == [unpaid.pk, paid.pk]
    item = body["results"][1]
    assert {"id", "kind", "status", "amount_fen", "manuscript", "payer", "transaction_id", "paid_at"} <= set(item)
    assert item["status"] == "paid" and item["transaction_id"] == "4200000001" and item["payer"] is None
    assert item["amount_fen"] == 250000 and item["manuscript"] is None
    assert client.get("/api/v1/orders?status=paid").json()["results"][0]["id"] == paid.pk
    assert client.get("/api/v1/orders?status=nonsense").status_code == 400


def test_order_detail_is_the_order_with_its_refunds_and_share(alice, alice_order):
    body = alice[0].get(f"/api/v1/orders/{alice_order.pk}").json()
    assert body["id"] == alice_order.pk and body["can_pay"] is True
    assert body["refunds"] == [] and body["share"] is None



def test_polling_a_paying_order_asks_wechat_pay_when_the_notification_is_late(alice, alice_order, pay_sandbox):
    client, _researcher = alice
    client.post(f"/api/v1/orders/{alice_order.pk}/pay")
    attempt = PaymentAttempt.objects.get(order=alice_order)
    assert client.get(f"/api/v1/orders/{alice_order.pk}").json()["status"] == "paying"  # asked: not paid yet
    pay_sandbox.wechatpay.pay(attempt.out_trade_no, deliver=False)  # paid; the notification is late
    assert client.get(f"/api/v1/orders/{alice_order.pk}").json()["status"] == "paying"  # asked 5 s ago: waits
    cache.delete(f"payments:paying-check:{alice_order.pk}")  # what PAYMENTS_PAYING_CHECK_SECONDS passing does
    assert client.get(f"/api/v1/orders/{alice_order.pk}").json()["status"] == "paid"
    queries = [call for call in pay_sandbox.wechatpay.requests_log if call["path"].startswith(
        "/v3/pay/transactions/out-trade-no/") and call["method"] == "GET"]
    assert len(queries) == 2


def test_the_orders_list_costs_the_same_queries_for_two_orders_or_twelve(alice, pay_sandbox):
    client, researcher = alice

    def queries_listing() -> int:
        with CaptureQueriesContext(connection) as listing:
            assert client.get("/api/v1/orders").status_code == 200
        return len(listing.captured_queries)

    for _ in range(2):
        settle(OrderFactory(researcher=researcher), transaction_id="4200000002", payer_id=OrderFactory().researcher_id)
    two = queries_listing()
    for _ in range(10):
        OrderFactory(researcher=researcher)
    assert queries_listing() == two
