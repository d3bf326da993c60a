"""WeChat Pay's payment notifications: verified before anything, kept as received, applied once.

The notifications are built by the sandbox (its own key pair and the API v3 key, its own AES-GCM code), so the
product's verification and decryption are checked against vectors it did not make itself."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.utils import timezone

from notifications.models import Notification
from payments import wechatpay
from payments.models import EventOutcome, Order, OrderStatus, PaymentAttempt, PaymentEvent
from payments.services.callbacks import payment_notification_receive

pytestmark = pytest.mark.django_db

NOTIFY = "/api/v1/payments/wechat/notify"


@pytest.fixture
def paying(alice, alice_order, pay_sandbox) -> PaymentAttempt:
    """alice tapped Pay: the order has a prepay at the sandbox."""
    assert alice[0].post(f"/api/v1/orders/{alice_order.pk}/pay").status_code == 200
    return PaymentAttempt.objects.get(order=alice_order)


def _post(api_client, headers: dict, body: bytes):
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()
            if name.lower() != "content-type"}
    return api_client.generic("POST", NOTIFY, body, content_type="application/json", **meta)


def _paid_notification(sandbox, attempt, **options) -> tuple[dict, bytes]:
    sandbox.wechatpay.pay(attempt.out_trade_no, deliver=False)
    return sandbox.wechatpay.notification(out_trade_no=attempt.out_trade_no, **options)


def test_a_sandbox_notification_opens_to_the_transaction_it_encrypted(paying, pay_sandbox):
    headers, body = _paid_notification(pay_sandbox, paying)
    envelope = wechatpay.notification_open(headers=headers, body=body)
    assert envelope["event_type"] == "TRANSACTION.SUCCESS"
    resource = envelope["resource"]
    assert resource["appid"] == settings.WECHAT_APP_ID and resource["mchid"] == settings.WECHATPAY_MCH_ID
    assert resource["out_trade_no"] == paying.out_trade_no and resource["trade_state"] == "SUCCESS"
    assert resource["amount"]["total"] == 250000 and resource["transaction_id"].startswith("4200")


@pytest.mark.parametrize("tamper", ["signature", "ciphertext", "serial", "timestamp", "wrong_key"])
def test_an_untrustworthy_notification_is_refused_without_touching_the_order(api_client, paying, pay_sandbox,
                                                                             tamper):
    headers, body = _paid_notification(pay_sandbox, paying, tamper=tamper)
    response = _post(api_client, headers, body)
    assert response.status_code == 401
    assert response.json()["code"] == "FAIL" and response.json()["message"]
    assert Order.objects.get(pk=paying.order_id).status == OrderStatus.PAYING
    assert not PaymentEvent.objects.filter(source="payment_notify").exists()


def test_an_unknown_serial_never_makes_the_library_fetch_certificates(api_client, paying, pay_sandbox):
    headers, body = _paid_notification(pay_sandbox, paying, tamper="serial")
    _post(api_client, headers, body)
    assert not [call for call in pay_sandbox.wechatpay.requests_log if "certificates" in call["path"]]


def test_a_timestamp_just_inside_five_minutes_is_accepted(api_client, paying, pay_sandbox):
    headers, body = _paid_notification(pay_sandbox, paying, timestamp=int(timezone.now().timestamp()) - 290)
    assert _post(api_client, headers, body).status_code == 204


def test_a_genuine_notification_settles_the_order_once_and_keeps_the_raw_event(api_client, paying, pay_sandbox):
    headers, body = _paid_notification(pay_sandbox, paying)
    response = _post(api_client, headers, body)
    assert response.status_code == 204
    order = Order.objects.get(pk=paying.order_id)
    transaction_id = pay_sandbox.wechatpay.order(paying.out_trade_no)["transaction_id"]
    assert order.status == OrderStatus.PAID and order.transaction_id == transaction_id
    assert order.settled_by == "wechat_pay" and order.paid_at is not None and order.payer is None
    event = PaymentEvent.objects.get(source="payment_notify")
    assert event.outcome == EventOutcome.APPLIED and event.raw_body == body.decode()
    assert event.event_id == json.loads(body)["id"] and event.resource["transaction_id"] == transaction_id
    assert Notification.objects.filter(kind="payment_received", researcher_id=order.researcher_id).count() == 1


def test_a_duplicate_is_acknowledged_and_changes_nothing(api_client, paying, pay_sandbox):
    headers, body = _paid_notification(pay_sandbox, paying)
    assert _post(api_client, headers, body).status_code == 204
    paid_at = Order.objects.get(pk=paying.order_id).paid_at
    assert _post(api_client, headers, body).status_code == 204
    assert Order.objects.get(pk=paying.order_id).paid_at == paid_at
    assert [event.outcome for event in PaymentEvent.objects.order_by("id")] == ["applied", "duplicate"]
    assert Notification.objects.filter(kind="payment_received").count() == 1


@pytest.mark.parametrize("tamper", ["amount", "appid", "mchid"])
def test_a_signed_notification_that_disagrees_with_the_order_is_kept_flagged_and_never_settles(
        api_client, paying, pay_sandbox, tamper):
    # Signed with WeChat Pay's key, but its content does not match what we asked to be paid.
    headers, body = _paid_notification(pay_sandbox, paying, tamper=tamper)
    assert _post(api_client, headers, body).status_code == 204
    order = Order.objects.get(pk=paying.order_id)
    assert order.status == OrderStatus.PAYING and order.needs_attention
    event = PaymentEvent.objects.get()
    assert event.outcome == EventOutcome.MISMATCH and event.flagged and tamper in event.detail
    assert not Notification.objects.filter(kind="payment_received").exists()


def test_a_notification_for_an_unknown_order_is_kept_and_flagged(api_client, pay_sandbox):
    headers, body = pay_sandbox.wechatpay.notification(resource={
        "mchid": "1900000001", "appid": "wxtestonly0000000001", "out_trade_no": "SL000000NOSUCHP1",
        "transaction_id": "4200000000000000001", "trade_state": "SUCCESS", "amount": {"total": 1, "currency": "CNY"}})
    assert _post(api_client, headers, body).status_code == 204
    event = PaymentEvent.objects.get()
    assert event.outcome == EventOutcome.UNKNOWN_ORDER and event.flagged and event.order is None


def test_a_notification_that_is_not_success_changes_nothing(api_client, paying, pay_sandbox):
    headers, body = pay_sandbox.wechatpay.notification(resource={
        "mchid": "1900000001", "appid": "wxtestonly0000000001", "out_trade_no": paying.out_trade_no,
        "trade_state": "PAYERROR", "amount": {"total": 250000, "currency": "CNY"}}, event_type="TRANSACTION.FAIL")
    assert _post(api_client, headers, body).status_code == 204
    assert Order.objects.get(pk=paying.order_id).status == OrderStatus.PAYING
    assert PaymentEvent.objects.get().outcome == EventOutcome.IGNORED


def test_a_body_that_is_not_json_is_refused(api_client, pay_sandbox):
    response = api_client.generic("POST", NOTIFY, b"\xff\x00not json", content_type="application/json")
    assert response.status_code == 401 and response.json()["code"] == "FAIL"


def test_get_is_not_allowed_on_the_notify_url(api_client):
    response = api_client.get(NOTIFY)
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def test_applying_a_notification_takes_five_statements(paying, pay_sandbox, django_assert_num_queries):
    # Lock the order (reading the attempt with it), mark the attempt and the order paid, the "payment received"
    # notice (INSERT … ON CONFLICT on its dedupe key, no savepoint), the event as received. A column left out of
    # the lock's SELECT would show here as one more statement. Inside the test's transaction the service's own
    # atomic block is a savepoint too (2 more); in production it is BEGIN … COMMIT.
    headers, body = _paid_notification(pay_sandbox, paying)
    with django_assert_num_queries(5 + 2):
        assert payment_notification_receive(headers=headers, body=body) == EventOutcome.APPLIED
