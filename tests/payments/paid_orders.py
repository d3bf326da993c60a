"""Settled orders and signed-in researchers for the receipt and fapiao tests."""

from __future__ import annotations

from django.db import transaction
from rest_framework.test import APIClient

from accounts.models import Researcher
from manuscripts.models import ManuscriptAccess
from payments.models import Order
from payments.services.settlement import order_settle
from tests.factories import JournalAccountFactory, ManuscriptFactory, OrderFactory

TRANSACTION_ID = "4200002614202612041234567890"


def order_paid(order: Order, *, payer: Researcher | None = None, settled_by: str = "wechat_pay") -> Order:
    """Settle `order` the one way orders become paid: locked, through payments.services.settlement."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        order_settle(order=locked, settled_by=settled_by,
                     transaction_id=TRANSACTION_ID if settled_by == "wechat_pay" else "",
                     payer_id=payer.pk if payer else None)
    return Order.objects.select_related("journal", "researcher", "payer").get(pk=order.pk)


def paid_order_of(author: Researcher, *, payer: Researcher | None = None, **fields) -> Order:
    return order_paid(OrderFactory(researcher=author, **fields), payer=payer)


def signed_in_researcher(login, user: str) -> tuple[APIClient, Researcher]:
    """An API client signed in through the real login endpoint as sandbox user `user`, and its researcher."""
    body = login(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    return client, Researcher.objects.get(pk=body["researcher"]["id"])


def coauthor_of(order: Order, researcher: Researcher) -> None:
    """Make `researcher` a co-author of the order's manuscript (a verified account listed on it)."""
    manuscript = ManuscriptFactory(journal=order.journal, journal_system=order.journal.journal_system)
    Order.objects.filter(pk=order.pk).update(manuscript=manuscript)
    account = JournalAccountFactory(researcher=researcher, journal_system=manuscript.journal_system)
    ManuscriptAccess.objects.create(manuscript=manuscript, journal_account=account)
