"""Payments tests: the product pointed at the sandbox's WeChat Pay (WECHATPAY_API_BASE), orders to pay."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.models import Researcher
from payments.models import Order
from payments.services.settlement import order_settle
from tests.factories import OrderFactory


@pytest.fixture
def pay_sandbox(wechat_sandbox, settings):
    """The sandbox, reset, answering as the tests' WeChat Pay merchant; the product calls it as production does."""
    settings.WECHATPAY_API_BASE = wechat_sandbox.base_url
    return wechat_sandbox


@pytest.fixture
def alice(researcher_client) -> tuple:
    """(API client, researcher) for sandbox WeChat user alice, signed in."""
    client, body = researcher_client
    return client, Researcher.objects.get(pk=body["researcher"]["id"])


@pytest.fixture
def alice_order(alice, pay_sandbox) -> Order:
    """An unpaid APC order of 2,500.00 yuan whose author is alice."""
    return OrderFactory(researcher=alice[1])


def settle(order: Order, **fields) -> Order:
    """Mark an order paid the one way the product does (tests that need a paid order but not a payment)."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        order_settle(order=locked, **{"settled_by": "wechat_pay", **fields})
    return Order.objects.get(pk=order.pk)
