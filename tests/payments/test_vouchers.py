"""Vouchers: what a code takes off an order, when it is refused, and that it is never used more than allowed."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from payments.errors import OrderPaid, VoucherRefused
from payments.models import (
    AuditAction,
    OrderAudit,
    OrderStatus,
    SettledBy,
    Voucher,
    VoucherKind,
    VoucherRedemption,
)
from payments.selectors.institutions import order_institution_details
from payments.services.vouchers import voucher_apply
from tests.conftest import contend_with_an_open_transaction
from tests.factories import JournalFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def make_voucher(**fields) -> Voucher:
    return Voucher.objects.create(**{"code": "SPRING20", "kind": VoucherKind.PERCENT, "percent_off": 20,
                                     "expires_at": timezone.now() + timedelta(days=30), **fields})


def refusal(order, code: str) -> list[str]:
    with pytest.raises(VoucherRefused) as refused:
        voucher_apply(order_id=order.pk, code=code)
    assert refused.value.status_code == 400
    return refused.value.fields["code"]


def test_a_percent_voucher_takes_its_share_off_the_amount():
    make_voucher()

    order = voucher_apply(order_id=OrderFactory().pk, code="SPRING20")

    assert (order.original_amount_fen, order.discount_fen, order.amount_fen) == (250000, 50000, 200000)


def test_a_percent_discount_rounds_down_to_the_fen():
    make_voucher(percent_off=15)

    order = voucher_apply(order_id=OrderFactory(amount_fen=99999).pk, code="SPRING20")

    assert order.discount_fen == 14999  # 14,999.85 fen off, floored
    assert order.amount_fen == 85000


def test_a_fixed_voucher_takes_its_amount_off():
    make_voucher(kind=VoucherKind.FIXED, percent_off=None, amount_off_fen=30000)

    order = voucher_apply(order_id=OrderFactory().pk, code="SPRING20")

    assert order.amount_fen == 220000


def test_a_fixed_voucher_larger_than_the_amount_leaves_nothing_due_and_settles_the_order():
    make_voucher(kind=VoucherKind.FIXED, percent_off=None, amount_off_fen=900000)

    order = voucher_apply(order_id=OrderFactory().pk, code="SPRING20")

    order.refresh_from_db()
    assert (order.discount_fen, order.amount_fen) == (250000, 0)
    assert (order.status, order.settled_by) == (OrderStatus.PAID, SettledBy.WAIVED)


def test_the_code_is_found_whatever_its_case_and_spaces():
    make_voucher()

    order = voucher_apply(order_id=OrderFactory().pk, code=" spring 20 ")

    assert order.discount_fen == 50000


def test_a_redemption_is_recorded_counted_and_audited():
    voucher = make_voucher()
    order = OrderFactory()

    voucher_apply(order_id=order.pk, code="SPRING20")

    voucher.refresh_from_db()
    assert voucher.used_count == 1
    assert VoucherRedemption.objects.get(order=order).discount_fen == 50000
    assert OrderAudit.objects.get(order=order, action=AuditAction.VOUCHER).reason == "voucher SPRING20"


def test_the_order_detail_shows_the_voucher():
    make_voucher()
    order = voucher_apply(order_id=OrderFactory().pk, code="SPRING20")

    details = order_institution_details(order=order, researcher=order.researcher)

    assert details["voucher"] == {"code": "SPRING20", "discount_fen": 50000}


def test_an_unknown_code_is_refused():
    assert refusal(OrderFactory(), "NOPE") == ["This voucher code is not valid."]


def test_an_inactive_voucher_is_refused_like_an_unknown_one():
    make_voucher(active=False)

    assert refusal(OrderFactory(), "SPRING20") == ["This voucher code is not valid."]


def test_an_expired_voucher_is_refused():
    make_voucher(expires_at=timezone.now() - timedelta(seconds=1))

    assert refusal(OrderFactory(), "SPRING20") == ["This voucher has expired."]


def test_a_voucher_of_another_journal_is_refused():
    make_voucher(journal=JournalFactory(key="other"))

    assert refusal(OrderFactory(), "SPRING20") == ["This voucher is for another journal."]


def test_a_voucher_of_the_orders_journal_applies():
    order = OrderFactory()
    make_voucher(journal=order.journal)

    assert voucher_apply(order_id=order.pk, code="SPRING20").discount_fen == 50000


def test_a_used_up_voucher_is_refused():
    make_voucher(max_uses=1)
    voucher_apply(order_id=OrderFactory().pk, code="SPRING20")

    assert refusal(OrderFactory(), "SPRING20") == ["This voucher has been used up."]


def test_a_second_voucher_on_the_same_order_is_refused():
    make_voucher()
    make_voucher(code="WINTER10", percent_off=10)
    order = OrderFactory()
    voucher_apply(order_id=order.pk, code="SPRING20")

    assert refusal(order, "WINTER10") == ["This order already has a voucher."]
    assert Voucher.objects.get(code="WINTER10").used_count == 0


def test_a_paid_order_takes_no_voucher():
    make_voucher(kind=VoucherKind.FIXED, percent_off=None, amount_off_fen=250000)
    make_voucher(code="WINTER10", percent_off=10)
    order = voucher_apply(order_id=OrderFactory().pk, code="SPRING20")  # free, so settled

    with pytest.raises(OrderPaid):
        voucher_apply(order_id=order.pk, code="WINTER10")


# --- concurrency (real PostgreSQL transactions) ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_single_use_voucher_raced_by_two_orders_is_redeemed_once():
    make_voucher(max_uses=1)
    orders = [OrderFactory(), OrderFactory()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def redeem(order) -> None:
        try:
            barrier.wait()
            with translation.override("en"):  # each thread has its own language
                voucher_apply(order_id=order.pk, code="SPRING20")
            outcomes.append("applied")
        except VoucherRefused as refused:
            outcomes.append(refused.fields["code"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["This voucher has been used up.", "applied"]
    assert VoucherRedemption.objects.count() == 1
    assert Voucher.objects.get().used_count == 1


@pytest.mark.django_db(transaction=True)
def test_a_redemption_waiting_for_a_concurrent_one_finds_the_voucher_used_up():
    """The second redemption read used_count 0 before the first committed: its conditional count waits for the
    first's row lock and then counts nothing."""
    make_voucher(max_uses=1)
    first, second = OrderFactory(), OrderFactory()
    outcomes: list[str] = []

    def holder() -> None:
        voucher_apply(order_id=first.pk, code="SPRING20")

    def contender() -> None:
        with translation.override("en"), pytest.raises(VoucherRefused) as refused:
            voucher_apply(order_id=second.pk, code="SPRING20")
        outcomes.append(refused.value.fields["code"][0])

    contend_with_an_open_transaction(holder, contender, waits_for="the second count to wait for the first's lock")

    assert outcomes == ["This voucher has been used up."]
    assert Voucher.objects.get().used_count == 1
    assert VoucherRedemption.objects.get().order_id == first.pk
