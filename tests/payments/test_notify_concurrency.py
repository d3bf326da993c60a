"""Concurrent deliveries against a live server on PostgreSQL: WeChat Pay sends the same success many times at
once (its retries overlap when we answer slowly); the order is paid once, with one payment and one notice."""

from __future__ import annotations

import threading

import pytest
import requests

from accounts.models import Researcher
from notifications.models import Notification
from payments.models import EventOutcome, Order, OrderStatus, PaymentAttempt, PaymentEvent
from payments.services.paying import order_pay
from tests.conftest import wechat_code
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_pay(live_server, pay_sandbox, settings):
    """The product served over HTTP, and its notify URL (from PUBLIC_BASE_URL) pointing at it."""
    settings.PUBLIC_BASE_URL = live_server.url
    return pay_sandbox


def _researcher(api_client, user: str) -> Researcher:
    body = api_client.post("/api/v1/auth/login", {"code": wechat_code(user)}, format="json").json()
    return Researcher.objects.get(pk=body["researcher"]["id"])


def test_32_concurrent_deliveries_of_one_success_pay_the_order_once(api_client, live_pay):
    researcher = _researcher(api_client, "alice")
    order = OrderFactory(researcher=researcher)
    order_pay(order_id=order.pk, payer=researcher)
    attempt = PaymentAttempt.objects.get(order=order)

    statuses = live_pay.wechatpay.pay(attempt.out_trade_no, concurrently=32)

    assert statuses == [204] * 32
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    outcomes = list(PaymentEvent.objects.values_list("outcome", flat=True))
    assert outcomes.count(EventOutcome.APPLIED) == 1 and outcomes.count(EventOutcome.DUPLICATE) == 31
    assert PaymentAttempt.objects.filter(order=order, status="paid").count() == 1
    assert Notification.objects.filter(kind="payment_received").count() == 1


def test_two_payers_racing_on_a_shared_order_leave_one_payable_prepay(api_client, live_server, live_pay):
    author = _researcher(api_client, "alice")
    order = OrderFactory(researcher=author)
    share = api_client.post(f"/api/v1/orders/{order.pk}/share",
                            HTTP_AUTHORIZATION=f"Bearer {_token(api_client, 'alice')}").json()
    tokens = [_token(api_client, user) for user in ("bob", "carol")]
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def tap_pay(token: str) -> None:
        barrier.wait()
        response = requests.post(f"{live_server.url}/api/v1/orders/shared/{share['token']}/pay",
                                 headers={"Authorization": f"Bearer {token}"}, timeout=30)
        answers.append(response.status_code)

    threads = [threading.Thread(target=tap_pay, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200, 200]
    attempts = list(PaymentAttempt.objects.filter(order=order).order_by("id"))
    assert [attempt.status for attempt in attempts] == ["closed", "open"]
    # Both payers try to finish paying at WeChat Pay: only the open prepay can be paid.
    assert live_pay.wechatpay.order(attempts[0].out_trade_no)["trade_state"] == "CLOSED"
    live_pay.wechatpay.pay(attempts[1].out_trade_no)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.payer_id == attempts[1].payer_id
    assert Order.objects.get(pk=order.pk).amount_fen == 250000
    assert PaymentEvent.objects.filter(outcome=EventOutcome.APPLIED).count() == 1


def _token(api_client, user: str) -> str:
    return api_client.post("/api/v1/auth/login", {"code": wechat_code(user)}, format="json").json()["token"]
