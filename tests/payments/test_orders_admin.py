"""Staff in admin: create orders, discount, waive and refund them through the services, filter the order list,
read what was paid per day and journal, and read and review WeChat Pay's events as received."""

import json
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.urls import reverse

from payments.models import (
    AuditAction,
    ChargeKind,
    EventOutcome,
    EventSource,
    Order,
    OrderStatus,
    PaymentEvent,
    SettledBy,
)
from payments.services.settlement import order_settle
from tests.factories import JournalFactory, ManuscriptFactory, OrderFactory, ResearcherFactory

pytestmark = pytest.mark.django_db

ORDERS_URL = "/admin/payments/order/"
EVENTS_URL = "/admin/payments/paymentevent/"
TOTALS_URL = "/admin/payments/order/totals/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def staff(staff_client, django_user_model):
    """The signed-in staff member of `staff_client`."""
    return django_user_model.objects.get(username="staff")


def settle(order: Order, *, paid_at: datetime, settled_by: str = SettledBy.WECHAT_PAY, payer=None) -> Order:
    """Settle as the services do: the order's row locked, inside the transaction."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        order_settle(order=locked, settled_by=settled_by, transaction_id=f"4200{order.pk:08d}", paid_at=paid_at,
                     payer_id=payer.pk if payer else None, notify=False)
    return locked


def run_action(staff_client, action: str, orders, **values):
    """The action's intermediate form, submitted as its page posts it back (CSRF is checked by the admin)."""
    form = {"action": action, "_selected_action": [order.pk for order in orders], "apply": "yes", **values}
    return staff_client.post(ORDERS_URL, form, follow=True, **EN)


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def create_form(**changes) -> dict:
    researcher = changes.pop("researcher", None) or ResearcherFactory()
    journal = changes.pop("journal", None) or JournalFactory(charges=[{"kind": "apc", "amount_fen": 250000}])
    form = {"researcher": researcher.pk, "journal": journal.pk, "kind": "page_charges", "amount_fen": "180000",
            "manuscript": "", "description": "", "reason": "Page charges agreed by e-mail with the editor"}
    form.update(changes)
    return form


# Creating


def test_the_add_form_asks_the_author_journal_kind_amount_and_reason(staff_client):
    response = staff_client.get(f"{ORDERS_URL}add/", **EN)

    page = response.content.decode()
    assert response.status_code == 200
    for name in ("researcher", "journal", "kind", "amount_fen", "manuscript", "description", "reason"):
        assert f'name="{name}"' in page
    assert "Page charges (page_charges)" in page


def test_the_author_is_found_by_name_as_staff_type(staff_client):
    ResearcherFactory(display_name="Li Na")

    response = staff_client.get("/admin/autocomplete/", {"app_label": "payments", "model_name": "order",
                                                         "field_name": "researcher", "term": "Li N"})

    assert [result["text"] for result in response.json()["results"]] == ["Li Na"]


def test_staff_create_an_order_with_its_reason_in_the_audit(staff_client, staff):
    form = create_form()

    response = staff_client.post(f"{ORDERS_URL}add/", form, **EN)

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:payments_order_change", args=[order.pk])
    assert (order.researcher_id, order.journal_id, order.kind) == (form["researcher"], form["journal"], "page_charges")
    assert (order.original_amount_fen, order.discount_fen, order.amount_fen) == (180000, 0, 180000)
    assert order.status == OrderStatus.CREATED
    audit = order.audit.get()
    assert (audit.action, audit.amount_fen, audit.reason, audit.actor) == (
        AuditAction.CREATED, 180000, "Page charges agreed by e-mail with the editor", staff)


def test_the_success_message_gives_the_order_number_and_amount(staff_client):
    response = staff_client.post(f"{ORDERS_URL}add/", create_form(), follow=True, **EN)

    order = Order.objects.get()
    assert f"Order {order.out_trade_no} created for {order.researcher}: ¥1,800.00 due." in shown_messages(response)


def test_an_empty_amount_charges_what_the_journal_lists_for_the_kind(staff_client):
    staff_client.post(f"{ORDERS_URL}add/", create_form(kind="apc", amount_fen=""), **EN)

    assert Order.objects.get().amount_fen == 250000


def test_an_empty_amount_for_a_kind_the_journal_does_not_list_is_a_form_error(staff_client):
    response = staff_client.post(f"{ORDERS_URL}add/", create_form(kind="reprints", amount_fen=""), **EN)

    assert response.status_code == 200
    assert "The journal lists no amount for this charge kind: enter one." in response.content.decode()
    assert not Order.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-100", "12.50", "lots", "99999999999999999999999"])
def test_a_bad_amount_is_a_form_error_and_makes_no_order(staff_client, amount):
    response = staff_client.post(f"{ORDERS_URL}add/", create_form(amount_fen=amount), **EN)

    assert response.status_code == 200
    assert 'class="form-row errors field-amount_fen"' in response.content.decode()
    assert not Order.objects.exists()


def test_an_order_without_a_reason_is_refused(staff_client):
    response = staff_client.post(f"{ORDERS_URL}add/", create_form(reason=""), **EN)

    assert response.status_code == 200
    assert not Order.objects.exists()


def test_a_manuscript_of_another_journal_is_refused(staff_client):
    manuscript = ManuscriptFactory(journal__key="other")

    response = staff_client.post(f"{ORDERS_URL}add/", create_form(manuscript=manuscript.pk), **EN)

    assert "This manuscript is not in the chosen journal." in response.content.decode()
    assert not Order.objects.exists()


def test_an_order_for_a_manuscript_keeps_it(staff_client):
    manuscript = ManuscriptFactory()

    staff_client.post(f"{ORDERS_URL}add/", create_form(journal=manuscript.journal, manuscript=manuscript.pk), **EN)

    assert Order.objects.get().manuscript_id == manuscript.pk


def test_view_only_staff_cannot_create_an_order(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="a-long-viewer-password", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_order"))
    client.force_login(viewer)

    response = client.post(f"{ORDERS_URL}add/", create_form())

    assert response.status_code == 403
    assert not Order.objects.exists()


def test_the_order_page_shows_amounts_in_yuan_and_no_save_button(staff_client):
    order = OrderFactory()

    response = staff_client.get(reverse("admin:payments_order_change", args=[order.pk]), **EN)

    page = response.content.decode()
    assert response.status_code == 200
    assert "¥2,500.00" in page
    assert 'name="_save"' not in page


def test_a_post_to_the_order_page_changes_nothing(staff_client):
    order = OrderFactory()

    staff_client.post(reverse("admin:payments_order_change", args=[order.pk]),
                      {"status": OrderStatus.PAID, "amount_fen": "1", "_save": "Save"}, **EN)

    order.refresh_from_db()
    assert (order.status, order.amount_fen) == (OrderStatus.CREATED, 250000)


# Actions


def test_an_action_first_shows_its_form_and_changes_nothing(staff_client):
    order = OrderFactory()

    response = staff_client.post(ORDERS_URL, {"action": "discount_orders", "_selected_action": [order.pk]}, **EN)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="discount_fen"' in page and 'name="csrfmiddlewaretoken"' in page
    assert f'name="_selected_action" value="{order.pk}"' in page
    order.refresh_from_db()
    assert order.discount_fen == 0


def test_discount_through_the_action_lowers_the_amount_due_and_is_audited(staff_client, staff):
    order = OrderFactory()

    response = run_action(staff_client, "discount_orders", [order], discount_fen="50000",
                          reason="Early-career author")

    order.refresh_from_db()
    assert (order.original_amount_fen, order.discount_fen, order.amount_fen) == (250000, 50000, 200000)
    entry = order.audit.get(action=AuditAction.DISCOUNTED)
    assert (entry.amount_fen, entry.reason, entry.actor) == (50000, "Early-career author", staff)
    assert f"{order.out_trade_no}: discount set to ¥500.00; ¥2,000.00 is now due." in shown_messages(response)


def test_a_discount_above_the_amount_is_refused_with_the_services_message(staff_client):
    order = OrderFactory()

    response = run_action(staff_client, "discount_orders", [order], discount_fen="250001", reason="Typo")

    assert response.status_code == 200
    assert (f"{order.out_trade_no}: Enter a whole number of fen, at most the amount."
            in shown_messages(response))
    order.refresh_from_db()
    assert order.discount_fen == 0


def test_a_discount_without_a_reason_shows_the_form_again(staff_client):
    order = OrderFactory()

    response = run_action(staff_client, "discount_orders", [order], discount_fen="100", reason="")

    assert response.status_code == 200
    assert 'class="form-row errors field-reason"' in response.content.decode()
    order.refresh_from_db()
    assert order.discount_fen == 0


def test_a_paid_order_cannot_be_discounted(staff_client):
    order = settle(OrderFactory(), paid_at=datetime(2026, 11, 2, 4, 0, tzinfo=UTC))

    response = run_action(staff_client, "discount_orders", [order], discount_fen="100", reason="Late")

    assert f"{order.out_trade_no}: Only an unpaid order can be discounted." in shown_messages(response)


def test_waive_settles_the_order_as_waived(staff_client, staff):
    order = OrderFactory()

    response = run_action(staff_client, "waive_orders", [order], reason="Editorial board member")

    order.refresh_from_db()
    assert (order.status, order.settled_by, order.amount_fen) == (OrderStatus.PAID, SettledBy.WAIVED, 0)
    entry = order.audit.get(action=AuditAction.WAIVED)
    assert (entry.amount_fen, entry.reason, entry.actor) == (250000, "Editorial board member", staff)
    assert f"{order.out_trade_no}: waived (¥2,500.00); the order counts as settled." in shown_messages(response)


def test_the_refund_form_proposes_what_can_still_be_refunded(staff_client):
    order = settle(OrderFactory(), paid_at=datetime(2026, 11, 2, 4, 0, tzinfo=UTC))

    response = staff_client.post(ORDERS_URL, {"action": "refund_order", "_selected_action": [order.pk]}, **EN)

    page = response.content.decode()
    assert 'name="amount_fen" value="250000"' in page
    assert "At most ¥2,500.00 can be refunded." in page


def test_refunding_an_order_not_paid_with_wechat_pay_shows_why_not(staff_client):
    order = settle(OrderFactory(), paid_at=datetime(2026, 11, 2, 4, 0, tzinfo=UTC),
                   settled_by=SettledBy.BANK_TRANSFER)

    response = run_action(staff_client, "refund_order", [order], amount_fen="1000", reason="Paid twice")

    assert response.status_code == 200
    assert (f"{order.out_trade_no}: This order was not paid with WeChat Pay; refund it the way it was paid."
            in shown_messages(response))
    assert not order.refunds.exists()


def test_refund_takes_one_order_at_a_time(staff_client):
    orders = [OrderFactory(), OrderFactory()]

    response = staff_client.post(ORDERS_URL, {"action": "refund_order",
                                              "_selected_action": [order.pk for order in orders]}, follow=True, **EN)

    assert "Refund one order at a time: select just one." in shown_messages(response)


# The order list


def test_the_paid_by_someone_else_filter_lists_only_orders_a_colleague_paid(staff_client):
    by_colleague = settle(OrderFactory(), paid_at=datetime(2026, 11, 2, 4, 0, tzinfo=UTC), payer=ResearcherFactory())
    by_author = OrderFactory()
    by_author = settle(by_author, paid_at=datetime(2026, 11, 2, 4, 0, tzinfo=UTC), payer=by_author.researcher)

    response = staff_client.get(ORDERS_URL, {"paid_by_someone_else": "yes"}, **EN)

    assert [order.pk for order in response.context["cl"].result_list] == [by_colleague.pk]
    assert by_author.payer_id is None


def test_the_status_filter_lists_only_orders_in_that_status(staff_client):
    paid = settle(OrderFactory(), paid_at=datetime(2026, 11, 2, 4, 0, tzinfo=UTC))
    OrderFactory()

    response = staff_client.get(ORDERS_URL, {"status__exact": OrderStatus.PAID}, **EN)

    assert [order.pk for order in response.context["cl"].result_list] == [paid.pk]


def test_the_charge_kind_filter_offers_the_kinds_by_name(staff_client):
    OrderFactory()

    response = staff_client.get(ORDERS_URL, {"kind": "apc"}, **EN)

    assert len(response.context["cl"].result_list) == 1
    assert "Article processing charge" in response.content.decode()


def test_the_list_is_found_by_a_payers_name(staff_client):
    colleague = ResearcherFactory(display_name="Zhang Wei")
    paid = settle(OrderFactory(), paid_at=datetime(2026, 11, 2, 4, 0, tzinfo=UTC), payer=colleague)
    OrderFactory()

    response = staff_client.get(ORDERS_URL, {"q": "Zhang Wei"}, **EN)

    assert [order.pk for order in response.context["cl"].result_list] == [paid.pk]


def test_the_order_list_links_the_totals(staff_client):
    assert f'href="{TOTALS_URL}"' in staff_client.get(ORDERS_URL, **EN).content.decode()


# Totals


def test_totals_sum_per_beijing_day_and_per_journal(staff_client):
    science = JournalFactory(key="jas", name_en="Journal of Applied Science")
    botany = JournalFactory(key="jbot", name_en="Journal of Botany")
    # 23:30 and 00:30 in Beijing: two days, though both are 2 November in UTC.
    settle(OrderFactory(journal=science), paid_at=datetime(2026, 11, 2, 15, 30, tzinfo=UTC))
    settle(OrderFactory(journal=botany, amount_fen=120050), paid_at=datetime(2026, 11, 2, 16, 30, tzinfo=UTC))
    settle(OrderFactory(journal=science, amount_fen=99), paid_at=datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    refunded = settle(OrderFactory(journal=botany), paid_at=datetime(2026, 11, 3, 3, 0, tzinfo=UTC))
    # What a refund notification leaves on the order (refunds reach WeChat Pay; the lead's tests cover them).
    Order.objects.filter(pk=refunded.pk).update(refunded_fen=50000, status=OrderStatus.PARTIALLY_REFUNDED)
    settle(OrderFactory(journal=science), paid_at=datetime(2026, 11, 5, 3, 0, tzinfo=UTC))  # outside the range

    response = staff_client.get(TOTALS_URL, {"from": "2026-11-01", "to": "2026-11-03"}, **EN)

    assert response.status_code == 200
    assert response.context["by_day"] == [
        {"label": date(2026, 11, 2), "orders": 1, "paid": "¥2,500.00", "refunded": "¥0.00", "net": "¥2,500.00"},
        {"label": date(2026, 11, 3), "orders": 3, "paid": "¥3,701.49", "refunded": "¥500.00", "net": "¥3,201.49"},
    ]
    assert response.context["by_journal"] == [
        {"label": "Journal of Botany", "orders": 2, "paid": "¥3,700.50", "refunded": "¥500.00", "net": "¥3,200.50"},
        {"label": "Journal of Applied Science", "orders": 2, "paid": "¥2,500.99", "refunded": "¥0.00",
         "net": "¥2,500.99"},
    ]
    assert response.context["overall"] == {"orders": 4, "paid": "¥6,201.49", "refunded": "¥500.00",
                                           "net": "¥5,701.49"}
    assert "¥6,201.49" in response.content.decode()


def test_totals_leave_out_waived_and_unpaid_orders(staff_client):
    run_action(staff_client, "waive_orders", [OrderFactory()], reason="Board member")
    OrderFactory()

    response = staff_client.get(TOTALS_URL, **EN)

    assert response.context["overall"]["orders"] == 0


def test_totals_default_to_the_last_30_days(staff_client):
    response = staff_client.get(TOTALS_URL, **EN)

    form = response.context["form"]
    assert (form.cleaned_data["to"] - form.cleaned_data["from"]).days == 29


@pytest.mark.parametrize("params, message", [
    ({"from": "2026-11-03", "to": "2026-11-01"}, "The range ends before it starts."),
    ({"from": "2025-01-01", "to": "2026-11-01"}, "Choose at most 366 days."),
    ({"from": "yesterday"}, "Enter a valid date."),
])
def test_a_bad_range_is_refused_on_the_page(staff_client, params, message):
    response = staff_client.get(TOTALS_URL, params, **EN)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "overall" not in response.context


def test_totals_need_the_view_permission_on_orders(client, django_user_model):
    stranger = django_user_model.objects.create_user("stranger", password="a-long-stranger-pw", is_staff=True)
    client.force_login(stranger)

    assert client.get(TOTALS_URL).status_code == 403


# Payment events


def notification_event(order: Order | None = None, **changes) -> PaymentEvent:
    raw_body = json.dumps({"id": "EV-2026-0001", "event_type": "TRANSACTION.SUCCESS",
                           "resource": {"algorithm": "AEAD_AES_256_GCM", "ciphertext": "c2VjcmV0"}},
                          separators=(",", ":"))
    values = {"order": order, "source": EventSource.PAYMENT_NOTIFY, "event_id": "EV-2026-0001",
              "event_type": "TRANSACTION.SUCCESS", "out_trade_no": f"{order.out_trade_no}P1" if order else "SLX",
              "raw_body": raw_body, "resource": {"trade_state": "SUCCESS", "amount": {"total": 250000}},
              "outcome": EventOutcome.APPLIED, "detail": "paid", **changes}
    return PaymentEvent.objects.create(**values)


def test_an_events_page_shows_its_raw_body_and_resource_pretty_printed(staff_client):
    event = notification_event(OrderFactory())

    response = staff_client.get(reverse("admin:payments_paymentevent_change", args=[event.pk]), **EN)

    page = response.content.decode()
    assert response.status_code == 200
    assert "&quot;ciphertext&quot;: &quot;c2VjcmV0&quot;" in page
    assert "&quot;trade_state&quot;: &quot;SUCCESS&quot;" in page
    assert 'name="_save"' not in page


def test_a_body_that_is_not_json_is_shown_as_received(staff_client):
    event = notification_event(None, raw_body="<xml>not json</xml>", outcome=EventOutcome.UNKNOWN_ORDER)

    response = staff_client.get(reverse("admin:payments_paymentevent_change", args=[event.pk]), **EN)

    assert "&lt;xml&gt;not json&lt;/xml&gt;" in response.content.decode()


def test_an_orders_page_lists_its_events_with_a_link_to_each(staff_client):
    order = OrderFactory()
    event = notification_event(order)

    response = staff_client.get(reverse("admin:payments_order_change", args=[order.pk]), **EN)

    page = response.content.decode()
    assert "EV-2026-0001" in page
    assert reverse("admin:payments_paymentevent_change", args=[event.pk]) in page


def test_the_event_list_filters_flagged_events(staff_client):
    flagged = notification_event(OrderFactory(), flagged=True, outcome=EventOutcome.MISMATCH)
    notification_event(OrderFactory())

    response = staff_client.get(EVENTS_URL, {"flagged__exact": "1"}, **EN)

    assert [event.pk for event in response.context["cl"].result_list] == [flagged.pk]


def test_marking_the_last_flagged_event_reviewed_clears_the_orders_attention(staff_client):
    order = OrderFactory()
    Order.objects.filter(pk=order.pk).update(needs_attention=True)
    event = notification_event(order, flagged=True, outcome=EventOutcome.MISMATCH)

    response = staff_client.post(EVENTS_URL, {"action": "mark_reviewed", "_selected_action": [event.pk]},
                                 follow=True, **EN)

    event.refresh_from_db()
    order.refresh_from_db()
    assert (event.flagged, order.needs_attention) == (False, False)
    assert any(text.startswith("1 flagged event(s) marked reviewed") for text in shown_messages(response))


def test_an_order_with_another_flagged_event_still_needs_attention(staff_client):
    order = OrderFactory()
    Order.objects.filter(pk=order.pk).update(needs_attention=True)
    reviewed = notification_event(order, flagged=True, outcome=EventOutcome.MISMATCH)
    notification_event(order, flagged=True, outcome=EventOutcome.MISMATCH, event_id="EV-2026-0002")

    staff_client.post(EVENTS_URL, {"action": "mark_reviewed", "_selected_action": [reviewed.pk]}, **EN)

    order.refresh_from_db()
    assert order.needs_attention is True


def test_events_cannot_be_added_or_deleted(staff_client):
    event = notification_event(OrderFactory())

    assert staff_client.get(f"{EVENTS_URL}add/").status_code == 403
    assert staff_client.get(reverse("admin:payments_paymentevent_delete", args=[event.pk])).status_code == 403


# Charge kinds


def test_staff_add_a_charge_kind(staff_client):
    response = staff_client.post("/admin/payments/chargekind/add/",
                                 {"code": "open_data", "name_zh_hans": "数据出版费", "name_en": "Open data fee"}, **EN)

    assert response.status_code == 302
    assert ChargeKind.objects.get(code="open_data").localized_name("zh-hans") == "数据出版费"


