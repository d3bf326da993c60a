"""publisher_backend.rows: one-row statements built once per model, with the values Model.save() would write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications.models import Notification, NotificationState
from payments.models import Order, OrderStatus
from publisher_backend.rows import row_attnames, row_insert, row_instance, row_update
from tests.factories import OrderFactory, ResearcherFactory

pytestmark = pytest.mark.django_db


def _notice(researcher, dedupe_key: str, **fields) -> Notification:
    return Notification(**{"researcher": researcher, "kind": "payment_received", "dedupe_key": dedupe_key,
                           "title": "Payment received", **fields})


def test_an_inserted_row_reads_back_as_the_orm_would_have_written_it():
    researcher = ResearcherFactory()
    notice = _notice(researcher, "rows:1", payload={"order_id": 7, "note": "支付成功"})

    assert row_insert(notice) is True

    stored = Notification.objects.get(pk=notice.pk)
    assert stored.payload == {"order_id": 7, "note": "支付成功"}
    assert stored.state == NotificationState.PENDING  # the model's default
    assert stored.created_at == notice.created_at and stored.created_at is not None
    assert not notice._state.adding


def test_an_existing_unique_key_inserts_nothing_and_the_transaction_goes_on():
    researcher = ResearcherFactory()
    first = _notice(researcher, "rows:same", title="first")
    row_insert(first, unless_exists_on=("dedupe_key",))

    with transaction.atomic():
        again = _notice(researcher, "rows:same", title="second")
        assert row_insert(again, unless_exists_on=("dedupe_key",)) is False
        assert again.pk is None
        # No IntegrityError was raised, so the transaction is still usable.
        assert Notification.objects.filter(dedupe_key="rows:same").count() == 1

    assert Notification.objects.get(dedupe_key="rows:same").title == "first"


def test_an_update_writes_only_the_named_columns_and_stamps_auto_now():
    order = OrderFactory(description="APC")
    Order.objects.filter(pk=order.pk).update(updated_at=timezone.now() - timedelta(days=1))
    order.refresh_from_db()
    before = order.updated_at
    order.status, order.description = OrderStatus.PAID, "changed here but not named"

    assert row_update(order, ["status", "updated_at"]) == 1

    stored = Order.objects.get(pk=order.pk)
    assert stored.status == OrderStatus.PAID
    assert stored.description == "APC"
    assert stored.updated_at > before


def test_an_update_of_a_row_that_is_gone_changes_nothing():
    order = OrderFactory()
    Order.objects.filter(pk=order.pk).delete()

    assert row_update(order, ["status"]) == 0


def test_a_written_out_select_becomes_an_instance_like_a_querysets():
    order = OrderFactory()
    Order.objects.filter(pk=order.pk).update(needs_attention=True, paid_at=timezone.now())
    order.refresh_from_db()
    names = row_attnames(Order, ("paid_at", "needs_attention", "id"))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(quote(Order._meta.get_field(n).column) for n in names)} "
                       f"FROM {quote(Order._meta.db_table)} WHERE id = %s", [order.pk])
        row = cursor.fetchone()

    loaded = row_instance(Order, names, row)

    assert names == ["id", "paid_at", "needs_attention"]  # the model's field order
    assert (loaded.pk, loaded.paid_at, loaded.needs_attention) == (order.pk, order.paid_at, True)
    assert loaded.get_deferred_fields() >= {"description", "status"}


def test_columns_out_of_field_order_are_refused():
    with pytest.raises(ValueError, match="field order"):
        row_instance(Order, ["needs_attention", "id"], [True, 1])


def test_a_column_the_model_does_not_have_is_refused():
    with pytest.raises(ValueError, match="not all of"):
        row_attnames(Order, ("id", "no_such_column"))


def test_a_unique_constraint_is_named_by_its_fields_even_where_the_column_differs():
    # ManuscriptAccess is unique on (journal_account, manuscript): fields whose columns end in _id.
    from manuscripts.models import ManuscriptAccess
    from tests.factories import JournalAccountFactory, ManuscriptFactory

    manuscript, account = ManuscriptFactory(), JournalAccountFactory()
    first = ManuscriptAccess(manuscript=manuscript, journal_account=account)
    again = ManuscriptAccess(manuscript=manuscript, journal_account=account)

    assert row_insert(first, unless_exists_on=("journal_account", "manuscript")) is True
    assert row_insert(again, unless_exists_on=("journal_account", "manuscript")) is False
    assert ManuscriptAccess.objects.filter(manuscript=manuscript, journal_account=account).count() == 1
