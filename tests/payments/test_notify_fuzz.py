"""Fuzz: a few thousand random notifications (genuine, duplicated, forged, mismatching, out of order, refunds
before payment) through the one receiving path. Whatever the mix: no order is credited twice, none is credited
by a forgery, every mismatch is flagged, and one "payment received" notice goes out per paid order."""

from __future__ import annotations

import random

import pytest

from notifications.models import Notification
from payments.models import AttemptStatus, EventOutcome, Order, OrderStatus, PaymentAttempt, PaymentEvent
from payments.services.callbacks import payment_notification_receive, refund_notification_receive
from payments.services.paying import order_pay
from payments.wechatpay import NotificationRejected
from tests.factories import OrderFactory, WeChatIdentityFactory

pytestmark = pytest.mark.django_db

ORDERS = 24
NOTIFICATIONS = 2000
FORGERIES = ("signature", "ciphertext", "serial", "timestamp", "wrong_key")
MISMATCHES = ("amount", "appid", "mchid")


@pytest.fixture
def attempts(pay_sandbox, settings) -> list[PaymentAttempt]:
    made = []
    for _ in range(ORDERS):
        identity = WeChatIdentityFactory(appid=settings.WECHAT_APP_ID)
        order = OrderFactory(researcher=identity.researcher, amount_fen=random.Random(len(made)).randint(1, 10**6))
        order_pay(order_id=order.pk, payer=identity.researcher)
        made.append(PaymentAttempt.objects.get(order=order))
    return made


def test_random_notifications_never_credit_twice_or_by_forgery(attempts, pay_sandbox):
    sandbox = pay_sandbox.wechatpay
    chooser = random.Random(20261204)
    genuinely_paid: set[str] = set()
    sent_mismatches = unknown_refunds = 0
    for _ in range(NOTIFICATIONS):
        attempt = chooser.choice(attempts)
        roll = chooser.random()
        if roll < 0.35:  # WeChat Pay's genuine word (the user paid; it may be said many times)
            if attempt.out_trade_no not in genuinely_paid:
                sandbox.pay(attempt.out_trade_no, deliver=False)
                genuinely_paid.add(attempt.out_trade_no)
            headers, body = sandbox.notification(out_trade_no=attempt.out_trade_no)
        elif roll < 0.6:  # forged or corrupted: as if paid, whatever the real state
            headers, body = sandbox.notification(out_trade_no=attempt.out_trade_no, tamper=chooser.choice(FORGERIES))
        elif roll < 0.8:  # signed, but not what we asked to be paid
            if attempt.out_trade_no not in genuinely_paid:
                sandbox.pay(attempt.out_trade_no, deliver=False)
                genuinely_paid.add(attempt.out_trade_no)
            headers, body = sandbox.notification(out_trade_no=attempt.out_trade_no, tamper=chooser.choice(MISMATCHES))
            sent_mismatches += 1
        else:  # a refund for a refund we never asked for (before or after any payment)
            headers, body = sandbox.notification(resource={
                "mchid": "1900000001", "out_trade_no": attempt.out_trade_no, "out_refund_no": f"R{chooser.random()}",
                "refund_status": "SUCCESS", "amount": {"refund": 1, "total": attempt.amount_fen}})
            assert refund_notification_receive(headers=headers, body=body) == EventOutcome.UNKNOWN_ORDER
            unknown_refunds += 1
            continue
        try:
            payment_notification_receive(headers=headers, body=body)
        except NotificationRejected:
            pass

    paid_orders = Order.objects.filter(status=OrderStatus.PAID)
    paid_trade_nos = set(PaymentAttempt.objects.filter(status=AttemptStatus.PAID).values_list("out_trade_no",
                                                                                              flat=True))
    assert paid_trade_nos <= genuinely_paid  # no forgery ever credited an order
    for attempt in attempts:
        order = Order.objects.get(pk=attempt.order_id)
        applied = PaymentEvent.objects.filter(out_trade_no=attempt.out_trade_no, outcome=EventOutcome.APPLIED)
        assert applied.count() == (1 if order.status == OrderStatus.PAID else 0)
        if order.status == OrderStatus.PAID:
            assert order.transaction_id == sandbox.order(attempt.out_trade_no)["transaction_id"]
    assert PaymentEvent.objects.filter(outcome=EventOutcome.MISMATCH, flagged=False).count() == 0
    assert PaymentEvent.objects.filter(outcome=EventOutcome.MISMATCH).count() == sent_mismatches
    assert Notification.objects.filter(kind="payment_received").count() == paid_orders.count() > 0
    assert PaymentEvent.objects.filter(outcome=EventOutcome.UNKNOWN_ORDER, flagged=True).count() == unknown_refunds
