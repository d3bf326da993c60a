"""`POST /api/v1/orders/{id}/voucher` and `POST /api/v1/orders/{id}/coverage`, with their error envelopes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.models import Agreement, CoverageRequest, Voucher, VoucherKind
from tests.factories import JournalAccountFactory, OrderFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def make_voucher(**fields) -> Voucher:
    return Voucher.objects.create(**{"code": "SPRING20", "kind": VoucherKind.PERCENT, "percent_off": 20,
                                     "expires_at": timezone.now() + timedelta(days=30), **fields})


def make_agreement() -> Agreement:
    today = timezone.localdate()
    return Agreement.objects.create(institution="清华大学", email_domains=["tsinghua.edu.cn"],
                                    valid_from=today - timedelta(days=1), valid_until=today + timedelta(days=100))


# --- voucher ---------------------------------------------------------------------------------------------------


def test_a_voucher_lowers_the_amount_due(alice):
    client, researcher = alice
    order = OrderFactory(researcher=researcher)
    make_voucher()

    response = client.post(f"/api/v1/orders/{order.pk}/voucher", {"code": "spring20"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["can_pay"]) == (order.pk, "created", True)
    assert (body["original_amount_fen"], body["discount_fen"], body["amount_fen"]) == (250000, 50000, 200000)


def test_a_voucher_that_makes_the_order_free_answers_it_paid(alice):
    client, researcher = alice
    order = OrderFactory(researcher=researcher)
    make_voucher(kind=VoucherKind.FIXED, percent_off=None, amount_off_fen=300000)

    body = client.post(f"/api/v1/orders/{order.pk}/voucher", {"code": "SPRING20"}, format="json").json()

    assert (body["status"], body["amount_fen"], body["settled_by"], body["can_pay"]) == ("paid", 0, "waived", False)


def test_an_unknown_voucher_is_a_field_error_in_the_envelope(alice):
    client, researcher = alice
    order = OrderFactory(researcher=researcher)

    response = client.post(f"/api/v1/orders/{order.pk}/voucher", {"code": "NOPE"}, format="json", **EN)

    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": "This voucher code is not valid.",
                               "fields": {"code": ["This voucher code is not valid."]}}


def test_a_missing_code_is_a_field_error(alice):
    client, researcher = alice
    order = OrderFactory(researcher=researcher)

    response = client.post(f"/api/v1/orders/{order.pk}/voucher", {}, format="json")

    assert response.status_code == 400 and list(response.json()["fields"]) == ["code"]


def test_a_voucher_on_someone_elses_order_is_not_found(alice):
    client, _researcher = alice
    order = OrderFactory()
    make_voucher()

    response = client.post(f"/api/v1/orders/{order.pk}/voucher", {"code": "SPRING20"}, format="json")

    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Voucher.objects.get().used_count == 0


def test_too_many_voucher_attempts_are_throttled(alice, settings):
    settings.PAYMENTS_VOUCHER_ATTEMPTS = "2/hour"
    client, researcher = alice
    order = OrderFactory(researcher=researcher)

    statuses = [client.post(f"/api/v1/orders/{order.pk}/voucher", {"code": f"GUESS{number}"}, format="json")
                .status_code for number in range(3)]

    assert statuses == [400, 400, 429]


# --- coverage --------------------------------------------------------------------------------------------------


def test_requesting_coverage_answers_the_pending_request(alice):
    client, researcher = alice
    JournalAccountFactory(researcher=researcher, identity="alice@mails.tsinghua.edu.cn")
    order = OrderFactory(researcher=researcher)
    agreement = make_agreement()

    response = client.post(f"/api/v1/orders/{order.pk}/coverage", {"agreement": agreement.pk}, format="json")

    assert response.status_code == 201
    coverage = CoverageRequest.objects.get()
    assert response.json() == {"id": coverage.pk, "status": "requested", "institution": "清华大学", "reason": ""}


def test_a_second_coverage_request_while_one_is_pending_is_a_conflict(alice):
    client, researcher = alice
    JournalAccountFactory(researcher=researcher, identity="alice@tsinghua.edu.cn")
    order = OrderFactory(researcher=researcher)
    agreement = make_agreement()
    client.post(f"/api/v1/orders/{order.pk}/coverage", {"agreement": agreement.pk}, format="json")

    response = client.post(f"/api/v1/orders/{order.pk}/coverage", {"agreement": agreement.pk}, format="json", **EN)

    assert response.status_code == 409
    assert response.json() == {"code": "coverage_pending",
                               "message": "A coverage request for this order is already waiting for staff.",
                               "fields": {}}


def test_coverage_by_an_agreement_not_offered_is_a_field_error(alice):
    client, researcher = alice
    order = OrderFactory(researcher=researcher)
    agreement = make_agreement()  # alice has no tie to it

    response = client.post(f"/api/v1/orders/{order.pk}/coverage", {"agreement": agreement.pk}, format="json", **EN)

    assert response.status_code == 400
    assert response.json()["fields"] == {"agreement": ["This agreement does not cover this order for you."]}


def test_coverage_of_someone_elses_order_is_not_found(alice):
    client, researcher = alice
    JournalAccountFactory(researcher=researcher, identity="alice@tsinghua.edu.cn")
    order = OrderFactory()

    response = client.post(f"/api/v1/orders/{order.pk}/coverage", {"agreement": make_agreement().pk}, format="json")

    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not CoverageRequest.objects.exists()


def test_coverage_needs_a_signed_in_researcher(api_client):
    response = api_client.post("/api/v1/orders/1/coverage", {"agreement": 1}, format="json")

    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
