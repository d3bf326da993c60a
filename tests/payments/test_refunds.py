"""Refunds: staff refund all or part of a WeChat Pay order; WeChat Pay's refund notification settles it once."""

from __future__ import annotations

import pytest

from notifications.models import Notification
from payments.errors import PaymentInvalid
from payments.models import EventOutcome, Order, OrderStatus, PaymentAttempt, PaymentEvent, Refund, RefundStatus
from payments.services.reconciliation import payments_reconcile
from payments.services.refunds import refund_create, second_payment_refund
from tests.factories import UserFactory
from tests.payments.conftest import settle

pytestmark = pytest.mark.django_db

REFUND_NOTIFY = "/api/v1/payments/wechat/refund-notify"


@pytest.fixture
def paid(alice, alice_order, pay_sandbox, api_client) -> Order:
    """alice's order, paid with WeChat Pay through the sandbox; refunds are completed by the test."""
    pay_sandbox.wechatpay.auto_refund_notify = False
    alice[0].post(f"/api/v1/orders/{alice_order.pk}/pay")
    attempt = PaymentAttempt.objects.get(order=alice_order)
    pay_sandbox.wechatpay.pay(attempt.out_trade_no, deliver=False)
    _post(api_client, *pay_sandbox.wechatpay.notification(out_trade_no=attempt.out_trade_no), path=NOTIFY)
    order = Order.objects.get(pk=alice_order.pk)
    assert order.status == OrderStatus.PAID
    return order


NOTIFY = "/api/v1/payments/wechat/notify"


def _post(api_client, headers: dict, body: bytes, path: str = REFUND_NOTIFY):
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
    return api_client.generic("POST", path, body, content_type="application/json", **meta)


def _complete(pay_sandbox, api_client, refund: Refund, status: str = "SUCCESS"):
    pay_sandbox.wechatpay.complete_refund(refund.out_refund_no, status=status, deliver=False)
    return _post(api_client, *pay_sandbox.wechatpay.notification(out_refund_no=refund.out_refund_no))


def test_a_partial_refund_then_the_rest(paid, pay_sandbox, api_client):
    staff = UserFactory(is_staff=True)
    first = refund_create(order_id=paid.pk, amount_fen=50000, reason="page charges waived", actor=staff)
    assert first.status == RefundStatus.PROCESSING
    sent = [call["body"] for call in pay_sandbox.wechatpay.requests_log
            if call["path"] == "/v3/refund/domestic/refunds"]
    assert sent[0]["amount"] == {"refund": 50000, "total": 250000, "currency": "CNY"}
    assert sent[0]["notify_url"].endswith("/api/v1/payments/wechat/refund-notify")
    assert _complete(pay_sandbox, api_client, first).status_code == 204
    order = Order.objects.get(pk=paid.pk)
    assert (order.status, order.refunded_fen) == (OrderStatus.PARTIALLY_REFUNDED, 50000)
    rest = refund_create(order_id=paid.pk, amount_fen=200000, reason="article withdrawn", actor=staff)
    _complete(pay_sandbox, api_client, rest)
    order = Order.objects.get(pk=paid.pk)
    assert (order.status, order.refunded_fen) == (OrderStatus.REFUNDED, 250000)
    assert Notification.objects.filter(kind="refund_done", researcher_id=order.researcher_id).count() == 2


def test_a_duplicate_refund_notification_changes_nothing(paid, pay_sandbox, api_client):
    refund = refund_create(order_id=paid.pk, amount_fen=1000, reason="overcharged", actor=None)
    pay_sandbox.wechatpay.complete_refund(refund.out_refund_no, deliver=False)
    notification = pay_sandbox.wechatpay.notification(out_refund_no=refund.out_refund_no)
    assert _post(api_client, *notification).status_code == 204
    assert _post(api_client, *notification).status_code == 204
    assert Order.objects.get(pk=paid.pk).refunded_fen == 1000
    assert Notification.objects.filter(kind="refund_done").count() == 1
    outcomes = list(PaymentEvent.objects.filter(source="refund_notify").order_by("id")
                    .values_list("outcome", flat=True))
    assert outcomes == [EventOutcome.APPLIED, EventOutcome.DUPLICATE]


def test_refunding_more_than_is_left_is_refused(paid):
    refund_create(order_id=paid.pk, amount_fen=200000, reason="most of it", actor=None)
    with pytest.raises(PaymentInvalid) as refused:
        refund_create(order_id=paid.pk, amount_fen=50001, reason="too much", actor=None)
    assert "amount_fen" in refused.value.fields


def test_a_refund_needs_a_reason(paid):
    with pytest.raises(PaymentInvalid) as refused:
        refund_create(order_id=paid.pk, amount_fen=100, reason=" ", actor=None)
    assert "reason" in refused.value.fields


def test_an_order_not_paid_with_wechat_pay_is_not_refunded_through_it(alice_order):
    order = settle(alice_order, settled_by="bank_transfer")
    with pytest.raises(PaymentInvalid):
        refund_create(order_id=order.pk, amount_fen=100, reason="duplicate transfer", actor=None)


def test_a_refund_wechat_pay_never_answered_is_sent_again_by_reconciliation(paid, pay_sandbox, settings):
    settings.PAYMENTS_RECONCILE_AFTER_SECONDS = 0
    pay_sandbox.wechatpay.inject_error("/v3/refund/domestic/refunds", status=500)
    refund = refund_create(order_id=paid.pk, amount_fen=1000, reason="overcharged", actor=None)
    assert refund.status == RefundStatus.PROCESSING and not pay_sandbox.wechatpay.refunds()
    payments_reconcile()  # asks (404: never arrived), then sends it again under the same number
    assert [r["out_refund_no"] for r in pay_sandbox.wechatpay.refunds()] == [refund.out_refund_no]
    pay_sandbox.wechatpay.complete_refund(refund.out_refund_no, deliver=False)
    payments_reconcile()  # the notification is lost: the query settles it
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.SUCCEEDED
    assert Order.objects.get(pk=paid.pk).refunded_fen == 1000


def test_a_closed_refund_leaves_the_order_paid(paid, pay_sandbox, api_client):
    refund = refund_create(order_id=paid.pk, amount_fen=1000, reason="overcharged", actor=None)
    _complete(pay_sandbox, api_client, refund, status="CLOSED")
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.CLOSED
    order = Order.objects.get(pk=paid.pk)
    assert (order.status, order.refunded_fen) == (OrderStatus.PAID, 0)


def test_a_refund_notification_that_disagrees_is_flagged(paid, pay_sandbox, api_client):
    refund = refund_create(order_id=paid.pk, amount_fen=1000, reason="overcharged", actor=None)
    pay_sandbox.wechatpay.complete_refund(refund.out_refund_no, deliver=False)
    _post(api_client, *pay_sandbox.wechatpay.notification(out_refund_no=refund.out_refund_no, tamper="amount"))
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.PROCESSING
    assert Order.objects.get(pk=paid.pk).needs_attention


def test_a_second_payment_of_a_settled_order_goes_back_in_full(alice, alice_order, pay_sandbox, api_client,
                                                               django_capture_on_commit_callbacks):
    # alice opened WeChat Pay, then her institution's bank transfer settled the order; she pays all the same.
    pay_sandbox.wechatpay.auto_refund_notify = False
    alice[0].post(f"/api/v1/orders/{alice_order.pk}/pay")
    attempt = PaymentAttempt.objects.get(order=alice_order)
    settle(alice_order, settled_by="bank_transfer")
    pay_sandbox.wechatpay.pay(attempt.out_trade_no, deliver=False)
    with django_capture_on_commit_callbacks() as after_commit:
        _post(api_client, *pay_sandbox.wechatpay.notification(out_trade_no=attempt.out_trade_no), path=NOTIFY)
    assert [(callback.task_name, callback.args) for callback in after_commit
            if getattr(callback, "task_name", "").startswith("payments.")] == [
        ("payments.tasks.refund_second_payment", (attempt.pk,))]
    assert PaymentEvent.objects.get(source="payment_notify").flagged

    refund = second_payment_refund(attempt_id=attempt.pk)
    assert second_payment_refund(attempt_id=attempt.pk).pk == refund.pk  # once, whatever replays it
    assert (refund.amount_fen, refund.attempt_id, refund.status) == (250000, attempt.pk, RefundStatus.PROCESSING)
    assert [r["out_trade_no"] for r in pay_sandbox.wechatpay.refunds()] == [attempt.out_trade_no]
    _complete(pay_sandbox, api_client, refund)
    order = Order.objects.get(pk=alice_order.pk)
    # The order stays settled by the bank transfer; the refund gave back the other payment, not the order's.
    assert (order.status, order.settled_by, order.refunded_fen) == (OrderStatus.PAID, "bank_transfer", 0)
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.SUCCEEDED
