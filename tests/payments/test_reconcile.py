"""Reconciliation: WeChat Pay's records repair ours when a notification never came; expired orders close."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from notifications.models import Notification
from payments.models import AttemptStatus, Order, OrderStatus, PaymentAttempt, PaymentEvent
from payments.services.reconciliation import payments_reconcile
from payments.tasks import reconcile

pytestmark = pytest.mark.django_db


@pytest.fixture
def paying(alice, alice_order, settings) -> PaymentAttempt:
    settings.PAYMENTS_RECONCILE_AFTER_SECONDS = 0
    assert alice[0].post(f"/api/v1/orders/{alice_order.pk}/pay").status_code == 200
    return PaymentAttempt.objects.get(order=alice_order)


def test_an_order_whose_notification_never_arrived_is_paid_by_reconciliation(paying, pay_sandbox):
    pay_sandbox.wechatpay.pay(paying.out_trade_no, deliver=False)  # the user paid; the notification is lost
    summary = payments_reconcile()
    order = Order.objects.get(pk=paying.order_id)
    assert order.status == OrderStatus.PAID
    assert order.transaction_id == pay_sandbox.wechatpay.order(paying.out_trade_no)["transaction_id"]
    assert (summary.attempts_checked, summary.orders_paid) == (1, 1)
    assert PaymentEvent.objects.get().source == "query"
    assert Notification.objects.filter(kind="payment_received").count() == 1


def test_a_late_notification_after_reconciliation_changes_nothing(paying, pay_sandbox, api_client):
    pay_sandbox.wechatpay.pay(paying.out_trade_no, deliver=False)
    payments_reconcile()
    headers, body = pay_sandbox.wechatpay.notification(out_trade_no=paying.out_trade_no)
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
    assert api_client.generic("POST", "/api/v1/payments/wechat/notify", body, content_type="application/json",
                              **meta).status_code == 204
    assert list(PaymentEvent.objects.order_by("id").values_list("outcome", flat=True)) == ["applied", "duplicate"]
    assert Notification.objects.filter(kind="payment_received").count() == 1


def test_an_unpaid_prepay_stays_open_until_it_expires(paying, pay_sandbox):
    payments_reconcile()
    assert PaymentAttempt.objects.get(pk=paying.pk).status == AttemptStatus.OPEN
    PaymentAttempt.objects.filter(pk=paying.pk).update(prepay_expires_at=timezone.now() - timedelta(seconds=1))
    summary = payments_reconcile()
    assert PaymentAttempt.objects.get(pk=paying.pk).status == AttemptStatus.CLOSED
    assert pay_sandbox.wechatpay.order(paying.out_trade_no)["trade_state"] == "CLOSED"
    assert Order.objects.get(pk=paying.order_id).status == OrderStatus.CREATED and summary.attempts_closed == 1


def test_an_expired_order_is_closed_with_its_prepay(paying, pay_sandbox):
    Order.objects.filter(pk=paying.order_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    summary = payments_reconcile()
    assert Order.objects.get(pk=paying.order_id).status == OrderStatus.CLOSED and summary.orders_closed == 1
    assert pay_sandbox.wechatpay.order(paying.out_trade_no)["trade_state"] == "CLOSED"


def test_an_expired_order_paid_at_the_last_moment_is_paid_not_closed(paying, pay_sandbox):
    pay_sandbox.wechatpay.pay(paying.out_trade_no, deliver=False)
    Order.objects.filter(pk=paying.order_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    PaymentAttempt.objects.filter(pk=paying.pk).update(created_at=timezone.now() + timedelta(hours=1))  # not yet due
    payments_reconcile()
    assert Order.objects.get(pk=paying.order_id).status == OrderStatus.PAID


def test_wechat_pay_unreachable_is_reported_and_changes_nothing(paying, pay_sandbox):
    pay_sandbox.wechatpay.inject_error("/v3/pay/transactions/out-trade-no/{out_trade_no}", status=500)
    summary = payments_reconcile()
    assert len(summary.errors) == 1 and Order.objects.get(pk=paying.order_id).status == OrderStatus.PAYING


def test_the_beat_task_reconciles(paying, pay_sandbox):
    pay_sandbox.wechatpay.pay(paying.out_trade_no, deliver=False)
    assert reconcile()["orders_paid"] == 1


def test_the_command_shows_progress_and_ends_with_a_summary(paying, pay_sandbox):
    pay_sandbox.wechatpay.pay(paying.out_trade_no, deliver=False)
    out = StringIO()
    today = timezone.localdate().isoformat()
    call_command("payments_reconcile", "--from", today, "--to", today, stdout=out)
    text = out.getvalue()
    assert "[##############################] 1/1" in text
    assert text.strip().splitlines()[-1].startswith("Checked 1 open payments (1 found paid")


def test_the_command_outside_the_range_touches_nothing(paying, pay_sandbox):
    pay_sandbox.wechatpay.pay(paying.out_trade_no, deliver=False)
    call_command("payments_reconcile", "--from", "2020-01-01", "--to", "2020-01-31", stdout=StringIO())
    assert Order.objects.get(pk=paying.order_id).status == OrderStatus.PAYING


def test_the_command_refuses_a_bad_range():
    with pytest.raises(CommandError, match="not a date"):
        call_command("payments_reconcile", "--from", "yesterday")
    with pytest.raises(CommandError, match="after"):
        call_command("payments_reconcile", "--from", "2026-12-02", "--to", "2026-12-01")
