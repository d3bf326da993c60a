"""order_paid is published from the order row (its outbox), by a worker, once per settled order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from notifications.models import Notification
from payments.events import order_paid, paid_orders_publish
from payments.models import Order
from publisher_backend.dispatch import TaskAfterCommit
from tagging.models import RuleKind, TagAssignment, TagRule
from tagging.services.tags import tag_create
from tests.conftest import wait_until
from tests.factories import ResearcherFactory
from tests.payments.paid_orders import paid_order_of


@pytest.fixture
def heard() -> Iterator[list[int]]:
    """The order ids order_paid was sent for, in order, while the test runs."""
    order_ids: list[int] = []

    def listen(sender, *, order_id, **kwargs) -> None:
        order_ids.append(order_id)

    order_paid.connect(listen, dispatch_uid="tests.heard")
    yield order_ids
    order_paid.disconnect(dispatch_uid="tests.heard")


def _pending_ids() -> set[int]:
    return set(Order.objects.filter(paid_event_pending=True).values_list("pk", flat=True))


@pytest.mark.django_db
def test_settling_marks_the_order_and_leaves_hearing_it_to_a_worker(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as after_commit:
        order = paid_order_of(ResearcherFactory())

    assert _pending_ids() == {order.pk}
    assert heard == []
    kicks = [callback.task_name for callback in after_commit if isinstance(callback, TaskAfterCommit)]
    assert "payments.tasks.publish_paid_orders" in kicks


@pytest.mark.django_db
def test_publishing_tells_each_paid_order_once_and_clears_its_mark(heard):
    first, second = paid_order_of(ResearcherFactory()), paid_order_of(ResearcherFactory())

    assert paid_orders_publish() == 2
    assert heard == [first.pk, second.pk]
    assert _pending_ids() == set()

    assert paid_orders_publish() == 0
    assert heard == [first.pk, second.pk]


@pytest.mark.django_db
def test_batches_go_on_until_every_marked_order_is_heard(heard):
    orders = [paid_order_of(ResearcherFactory()) for _ in range(5)]

    assert paid_orders_publish(batch_size=2) == 5
    assert heard == [order.pk for order in orders]


@pytest.mark.django_db
def test_a_receivers_database_error_rolls_back_only_its_order_which_stays_marked(heard):
    failing, fine = paid_order_of(ResearcherFactory()), paid_order_of(ResearcherFactory())
    taken = Notification.objects.filter(researcher_id=fine.researcher_id).first()

    def write_then_fail(sender, *, order_id, **kwargs) -> None:
        Notification.objects.create(researcher_id=fine.researcher_id, kind="test", dedupe_key=f"heard:{order_id}",
                                    title="written by a receiver")
        if order_id == failing.pk:
            Notification.objects.create(researcher_id=fine.researcher_id, kind="test",
                                        dedupe_key=taken.dedupe_key, title="a duplicate key")

    order_paid.connect(write_then_fail, dispatch_uid="tests.write_then_fail")
    try:
        assert paid_orders_publish() == 1
    finally:
        order_paid.disconnect(dispatch_uid="tests.write_then_fail")

    assert _pending_ids() == {failing.pk}
    assert Notification.objects.filter(dedupe_key=f"heard:{fine.pk}").exists()
    assert not Notification.objects.filter(dedupe_key=f"heard:{failing.pk}").exists()

    assert paid_orders_publish() == 1  # the receiver no longer fails: the order is heard on the next run
    assert _pending_ids() == set()
    assert heard == [failing.pk, fine.pk, failing.pk]


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_real_worker_hears_a_payment_and_tags_the_payer(celery_worker_process):
    tag = tag_create(slug="apc-payers", name_en="APC payers")
    TagRule.objects.create(tag=tag, kind=RuleKind.APC_PAID)
    author, colleague = ResearcherFactory(), ResearcherFactory()

    order = paid_order_of(author, payer=colleague)

    wait_until(lambda: not _pending_ids(), message="the worker to publish order_paid")
    assert set(TagAssignment.objects.filter(tag=tag).values_list("researcher_id", flat=True)) == {colleague.pk}
    assert Order.objects.get(pk=order.pk).paid_event_pending is False
