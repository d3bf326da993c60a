"""Admin for agreements, coverage requests, vouchers and bank statements, through the real admin views."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from payments.models import Agreement, BankStatementImport, CoverageRequest, CoverageStatus, OrderStatus, Voucher
from payments.services.agreements import coverage_request
from tests.factories import JournalAccountFactory, OrderFactory, ResearcherFactory

pytestmark = pytest.mark.django_db

COVERAGE_LIST = reverse("admin:payments_coveragerequest_changelist")
STATEMENTS = reverse("admin:payments_bankstatementimport_changelist")
IMPORT = reverse("admin:payments_bankstatementimport_import")


def pending_request(**agreement_fields) -> CoverageRequest:
    today = timezone.localdate()
    agreement = Agreement.objects.create(**{
        "institution": "清华大学", "email_domains": ["tsinghua.edu.cn"], "valid_from": today - timedelta(days=1),
        "valid_until": today + timedelta(days=100), **agreement_fields})
    researcher = ResearcherFactory(language="en")
    JournalAccountFactory(researcher=researcher, identity="li@mail.tsinghua.edu.cn")
    return coverage_request(order=OrderFactory(researcher=researcher), researcher=researcher,
                            agreement_id=agreement.pk)


def statement_file(*remarks_and_amounts: tuple[str, str]) -> SimpleUploadedFile:
    lines = ["交易日期,贷方金额,摘要,对方户名,交易流水号"]
    lines += [f'2026-11-02,"{amount}",{remark},清华大学,T{number}'
              for number, (remark, amount) in enumerate(remarks_and_amounts)]
    return SimpleUploadedFile("statement.csv", "\r\n".join(lines).encode("gbk"), content_type="text/csv")


# --- coverage requests -----------------------------------------------------------------------------------------


def test_the_approve_action_settles_the_order(staff_client):
    coverage = pending_request()

    response = staff_client.post(COVERAGE_LIST, {"action": "approve", ACTION_CHECKBOX_NAME: [coverage.pk]},
                                 HTTP_ACCEPT_LANGUAGE="en", follow=True)

    coverage.refresh_from_db()
    coverage.order.refresh_from_db()
    assert coverage.status == CoverageStatus.APPROVED and coverage.order.status == OrderStatus.PAID
    assert "1 requests approved; their orders are paid." in response.content.decode()


def test_an_approval_the_cap_refuses_is_shown_as_a_message_not_an_error_page(staff_client):
    coverage = pending_request(max_orders=1)
    Agreement.objects.filter(pk=coverage.agreement_id).update(used_orders=1)

    response = staff_client.post(COVERAGE_LIST, {"action": "approve", ACTION_CHECKBOX_NAME: [coverage.pk]},
                                 HTTP_ACCEPT_LANGUAGE="en", follow=True)

    assert response.status_code == 200
    assert "has covered all of its 1 orders" in response.content.decode()
    coverage.refresh_from_db()
    assert coverage.status == CoverageStatus.REQUESTED


def test_the_refuse_action_asks_for_a_reason_first(staff_client):
    coverage = pending_request()

    response = staff_client.post(COVERAGE_LIST, {"action": "refuse", ACTION_CHECKBOX_NAME: [coverage.pk]},
                                 HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200 and 'name="reason"' in response.content.decode()
    coverage.refresh_from_db()
    assert coverage.status == CoverageStatus.REQUESTED


def test_the_refuse_action_with_a_reason_refuses_and_tells_the_researcher(staff_client):
    coverage = pending_request()

    staff_client.post(COVERAGE_LIST, {"action": "refuse", ACTION_CHECKBOX_NAME: [coverage.pk], "apply": "1",
                                      "reason": "Not on the agreement's list"}, HTTP_ACCEPT_LANGUAGE="en")

    coverage.refresh_from_db()
    assert (coverage.status, coverage.reason) == (CoverageStatus.REFUSED, "Not on the agreement's list")
    assert Notification.objects.get(kind="payment_due").title == (
        "Your institution's coverage was refused: Not on the agreement's list")


def test_the_agreement_list_shows_caps_used_and_allowed(staff_client):
    pending_request(max_orders=10, used_orders=3, max_amount_fen=5_000_000, used_amount_fen=750_000)

    html = staff_client.get(reverse("admin:payments_agreement_changelist")).content.decode()

    assert "3 / 10" in html and "¥7,500.00 / ¥50,000.00" in html


# --- vouchers --------------------------------------------------------------------------------------------------


def test_a_voucher_added_in_admin_is_stored_in_capitals_without_spaces(staff_client):
    staff_client.post(reverse("admin:payments_voucher_add"), {
        "code": " spring 20 ", "kind": "percent", "percent_off": "20", "max_uses": "5",
        "expires_at_0": "2030-01-01", "expires_at_1": "00:00:00", "active": "on",
        "redemptions-TOTAL_FORMS": "0", "redemptions-INITIAL_FORMS": "0"})

    assert Voucher.objects.get().code == "SPRING20"


def test_a_percent_voucher_without_a_percentage_is_refused_in_admin(staff_client):
    response = staff_client.post(reverse("admin:payments_voucher_add"), {
        "code": "X1", "kind": "percent", "max_uses": "1", "expires_at_0": "2030-01-01", "expires_at_1": "00:00:00",
        "redemptions-TOTAL_FORMS": "0", "redemptions-INITIAL_FORMS": "0"},
        HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200 and "A percent voucher takes 1 to 100 percent off." in response.content.decode()
    assert not Voucher.objects.exists()


# --- bank statements: upload → preview → apply ------------------------------------------------------------------


def test_the_statement_list_offers_the_import(staff_client):
    html = staff_client.get(STATEMENTS, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert IMPORT in html and "Import a statement" in html


def test_an_uploaded_statement_is_previewed_with_its_verdicts(staff_client):
    order, other = OrderFactory(), OrderFactory()

    response = staff_client.post(IMPORT, {"statement": statement_file(
        (order.transfer_reference, "2,500.00"), (other.transfer_reference, "10.00"), ("no reference", "5.00"))},
        HTTP_ACCEPT_LANGUAGE="en", follow=True)

    html = response.content.decode()
    statement = BankStatementImport.objects.get()
    assert response.redirect_chain[-1][0] == reverse("admin:payments_bankstatementimport_preview",
                                                     args=[statement.pk])
    assert (statement.matched, statement.mismatched, statement.unmatched) == (1, 1, 1)
    assert "Apply 1 matched row" in html and order.transfer_reference in html
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED


def test_applying_from_the_preview_settles_the_matched_orders(staff_client):
    order = OrderFactory()
    staff_client.post(IMPORT, {"statement": statement_file((order.transfer_reference, "2,500.00"))})
    statement = BankStatementImport.objects.get()

    response = staff_client.post(reverse("admin:payments_bankstatementimport_apply", args=[statement.pk]),
                                 HTTP_ACCEPT_LANGUAGE="en", follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.settled_by == "bank_transfer"
    assert "1 orders settled by bank transfer." in response.content.decode()


def test_applying_twice_from_admin_is_refused_with_a_message(staff_client):
    order = OrderFactory()
    staff_client.post(IMPORT, {"statement": statement_file((order.transfer_reference, "2,500.00"))})
    apply_url = reverse("admin:payments_bankstatementimport_apply", args=[BankStatementImport.objects.get().pk])
    staff_client.post(apply_url)

    response = staff_client.post(apply_url, HTTP_ACCEPT_LANGUAGE="en", follow=True)

    assert "This statement has already been applied." in response.content.decode()


def test_a_malformed_upload_shows_the_line_on_the_form(staff_client):
    upload = SimpleUploadedFile("bad.csv", "日期,金额,摘要\n2026-11-02,lots,SLTABCD2345\n".encode(),
                                content_type="text/csv")

    response = staff_client.post(IMPORT, {"statement": upload}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "Line 2: &quot;lots&quot; is not an amount in yuan" in response.content.decode()
    assert not BankStatementImport.objects.exists()


def test_the_apply_view_refuses_a_get(staff_client):
    order = OrderFactory()
    staff_client.post(IMPORT, {"statement": statement_file((order.transfer_reference, "2,500.00"))})

    response = staff_client.get(reverse("admin:payments_bankstatementimport_apply",
                                        args=[BankStatementImport.objects.get().pk]))

    assert response.status_code == 405
