"""A manuscript of a journal with an APC reaches `accepted`: its APC order is made once, and its authors hear.

manuscripts publishes the status change (manuscripts/events.py) after the sync commits; payments subscribes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Journal
from manuscripts.events import StatusChange
from manuscripts.models import Manuscript
from manuscripts.sync import snapshots_apply
from notifications.models import Notification
from payments.models import Order
from payments.selectors.orders import orders_for_researcher
from payments.services.orders import apc_orders_for_status_changes
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher, snapshot

pytestmark = pytest.mark.django_db

AUTHORS = ("li.wei@example.org", "wang.fang@example.org")


@pytest.fixture
def system():
    system = make_journal_system()
    Journal.objects.filter(journal_system=system).update(
        charges=[{"kind": "apc", "amount_fen": 250000, "name": {"en": "APC", "zh-hans": "文章处理费"}}])
    return system


@pytest.fixture
def coauthors(system):
    li = make_account(make_researcher("Li Wei"), system, email=AUTHORS[0], user_id="2210")
    wang = make_account(make_researcher("Wang Fang"), system, email=AUTHORS[1], user_id="2211")
    return li, wang


def _sync(system, account, status: str, minutes: int, capture):
    with capture(execute=True):
        snapshots_apply(journal_system=system, seen_by=account,
                        snapshots=[snapshot(status=status, raw=status, minutes=minutes, emails=AUTHORS)])


def test_acceptance_makes_one_apc_order_and_tells_each_coauthor(system, coauthors,
                                                               django_capture_on_commit_callbacks):
    li, wang = coauthors
    _sync(system, li, "under_review", 0, django_capture_on_commit_callbacks)
    assert not Order.objects.exists()
    _sync(system, li, "accepted", 10, django_capture_on_commit_callbacks)
    order = Order.objects.get()
    manuscript = Manuscript.objects.get()
    assert (order.kind, order.amount_fen, order.manuscript_id, order.journal_id) == (
        "apc", 250000, manuscript.pk, manuscript.journal_id)
    assert order.researcher_id == li.researcher_id and order.status == "created"
    due = Notification.objects.filter(kind="payment_due")
    assert sorted(due.values_list("researcher_id", flat=True)) == sorted([li.researcher_id, wang.researcher_id])
    assert all(notice.page == f"packages/payments/order?id={order.pk}" for notice in due)
    # What the payment_due template's keywords read: the amount, and the order's expiry as the due date.
    assert due[0].payload["amount_fen"] == 250000
    assert due[0].payload["due_date"] == timezone.localdate(order.expires_at).isoformat()


def test_a_coauthor_sees_the_manuscripts_order(system, coauthors, django_capture_on_commit_callbacks):
    li, wang = coauthors
    _sync(system, li, "accepted", 10, django_capture_on_commit_callbacks)
    assert list(orders_for_researcher(researcher=wang.researcher)) == list(Order.objects.all())


def test_replays_and_each_coauthors_sync_never_make_a_second_order(system, coauthors,
                                                                  django_capture_on_commit_callbacks):
    li, wang = coauthors
    _sync(system, li, "accepted", 10, django_capture_on_commit_callbacks)
    _sync(system, wang, "accepted", 10, django_capture_on_commit_callbacks)  # the same snapshot, seen by wang
    manuscript = Manuscript.objects.get()
    change = StatusChange(manuscript_id=manuscript.pk, from_status="under_review", to_status="accepted",
                          occurred_at=manuscript.last_activity_at)
    assert apc_orders_for_status_changes(changes=[change, change]) == 0  # a replayed event
    assert Order.objects.count() == 1
    assert Notification.objects.filter(kind="payment_due").count() == 2


def test_a_journal_without_an_apc_makes_no_order(coauthors, system, django_capture_on_commit_callbacks):
    Journal.objects.update(charges=[])
    _sync(system, coauthors[0], "accepted", 10, django_capture_on_commit_callbacks)
    assert not Order.objects.exists()


def test_other_transitions_make_no_order(system, coauthors, django_capture_on_commit_callbacks):
    _sync(system, coauthors[0], "revision_requested", 10, django_capture_on_commit_callbacks)
    assert not Order.objects.exists()
