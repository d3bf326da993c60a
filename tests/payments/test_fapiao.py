"""Fapiao requests through the API, and the services staff issue and reject them with."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from notifications.models import Notification
from payments.errors import FapiaoProcessed, PaymentInvalid
from payments.models import ChargeKind, FapiaoRequest, FapiaoStatus, Order, OrderStatus
from payments.services.fapiao import FAPIAO_FILE_MAX_BYTES, fapiao_issue, fapiao_reject
from payments.services.orders import order_waive
from tests.conftest import contend_with_an_open_transaction
from tests.factories import OrderFactory, ResearcherFactory, UserFactory
from tests.payments.paid_orders import coauthor_of, paid_order_of, signed_in_researcher

COMPANY = {"kind": "company", "title": "北京某某科技有限公司", "tax_id": "91350100M000100Y43",
           "email": "finance@example.com"}
PERSONAL = {"kind": "personal", "title": "李伟", "email": "li.wei@example.org"}
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def alice(login):
    return signed_in_researcher(login, "alice")


@pytest.fixture
def bob(login):
    return signed_in_researcher(login, "bob")


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


def _ask(client, order: Order, body: dict, **headers):
    return client.post(f"/api/v1/orders/{order.pk}/fapiao", body, format="json", **headers)


def _pdf(name: str = "fapiao.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- asking ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_company_fapiao_is_requested_with_its_code(alice):
    client, researcher = alice
    order = paid_order_of(researcher)

    response = _ask(client, order, COMPANY)

    assert response.status_code == 201
    fapiao = FapiaoRequest.objects.get(order=order)
    assert response.json() == {
        "id": fapiao.pk, "kind": "company", "title": COMPANY["title"], "tax_id": COMPANY["tax_id"],
        "email": COMPANY["email"], "status": "requested", "status_label": response.json()["status_label"],
        "reject_reason": "", "file_url": None, "created_at": response.json()["created_at"],
    }
    assert fapiao.requester == researcher


@pytest.mark.django_db
def test_a_code_typed_in_lower_case_with_spaces_is_stored_as_printed(alice):
    client, researcher = alice
    order = paid_order_of(researcher)

    response = _ask(client, order, {**COMPANY, "tax_id": "9135 0100 m000 100y43"})

    assert response.status_code == 201
    assert response.json()["tax_id"] == "91350100M000100Y43"


@pytest.mark.django_db
def test_a_personal_fapiao_carries_no_tax_id_even_when_one_is_sent(alice):
    client, researcher = alice
    order = paid_order_of(researcher)

    response = _ask(client, order, {**PERSONAL, "tax_id": "whatever was left in the form"})

    assert response.status_code == 201
    assert response.json()["tax_id"] == ""


@pytest.mark.django_db
def test_a_company_fapiao_without_a_code_is_400_naming_tax_id_in_chinese(alice):
    client, researcher = alice
    order = paid_order_of(researcher)

    response = _ask(client, order, {**COMPANY, "tax_id": ""})

    assert response.status_code == 400
    assert response.json()["fields"] == {"tax_id": ["单位发票需要填写该单位的统一社会信用代码。"]}


@pytest.mark.django_db
def test_a_company_fapiao_with_a_mistyped_code_is_400_naming_tax_id_in_chinese(alice):
    client, researcher = alice
    order = paid_order_of(researcher)

    response = _ask(client, order, {**COMPANY, "tax_id": "91350100M000100Y44"})

    assert response.status_code == 400
    assert response.json()["fields"] == {"tax_id": ["该统一社会信用代码的校验码不正确，请检查是否有输入错误。"]}


@pytest.mark.django_db
def test_a_company_fapiao_with_a_mistyped_code_is_400_naming_tax_id_in_english(alice):
    client, researcher = alice
    order = paid_order_of(researcher)

    response = _ask(client, order, {**COMPANY, "tax_id": "91350100M000100Y44"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == {
        "tax_id": ["This unified social credit code's check character is wrong; please check for a typo."]}


@pytest.mark.django_db
def test_a_company_fapiao_with_a_malformed_code_is_400_naming_tax_id_in_english(alice):
    client, researcher = alice
    order = paid_order_of(researcher)

    response = _ask(client, order, {**COMPANY, "tax_id": "12345"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["fields"] == {"tax_id": [
        "Enter the 18-character unified social credit code (letters and digits) as printed on the business "
        "licence."]}


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [({"title": "  "}, "title"), ({"title": "名" * 101}, "title"),
                                               ({"email": "not-an-address"}, "email"), ({"kind": "vat"}, "kind")])
def test_a_bad_title_email_or_kind_is_400_naming_it(alice, change, field):
    client, researcher = alice
    order = paid_order_of(researcher)

    response = _ask(client, order, {**PERSONAL, **change})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


@pytest.mark.django_db
def test_a_second_request_is_409_fapiao_exists(alice):
    client, researcher = alice
    order = paid_order_of(researcher)
    _ask(client, order, PERSONAL)

    response = _ask(client, order, COMPANY, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert response.json()["code"] == "fapiao_exists"
    assert response.json()["message"] == "A fapiao has already been requested for this order."


@pytest.mark.django_db
def test_after_an_issued_fapiao_a_new_request_is_409(alice, staff):
    client, researcher = alice
    order = paid_order_of(researcher)
    fapiao_issue(request_id=_ask(client, order, PERSONAL).json()["id"], file=_pdf(), actor=staff)

    assert _ask(client, order, COMPANY).json()["code"] == "fapiao_exists"


@pytest.mark.django_db
def test_after_a_rejection_a_new_request_is_allowed(alice, staff):
    client, researcher = alice
    order = paid_order_of(researcher)
    fapiao_reject(request_id=_ask(client, order, PERSONAL).json()["id"], reason="抬头应为单位名称", actor=staff)

    response = _ask(client, order, COMPANY)

    assert response.status_code == 201
    assert FapiaoRequest.objects.filter(order=order).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_make_one(login):
    # A transactional test starts from tables an earlier one may have flushed, data migrations' rows included.
    ChargeKind.objects.get_or_create(code="apc", defaults={"name_zh_hans": "文章处理费",
                                                           "name_en": "Article processing charge"})
    client, researcher = signed_in_researcher(login, "alice")
    order = paid_order_of(researcher)
    answers = []

    contend_with_an_open_transaction(
        holder=lambda: answers.append(_ask(client, order, PERSONAL).status_code),
        contender=lambda: answers.append(_ask(client, order, COMPANY).status_code),
        waits_for="the second request to wait on the order's lock")

    assert sorted(answers) == [201, 409]
    assert FapiaoRequest.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_the_colleague_who_paid_may_request_the_fapiao(alice, bob):
    (_client, author), (bob_client, colleague) = alice, bob
    order = paid_order_of(author, payer=colleague)

    response = _ask(bob_client, order, COMPANY)

    assert response.status_code == 201
    assert FapiaoRequest.objects.get(order=order).requester == colleague


@pytest.mark.django_db
def test_a_coauthor_who_did_not_pay_is_403_permission_denied(alice, bob):
    (_client, author), (bob_client, coauthor) = alice, bob
    order = paid_order_of(author)
    coauthor_of(order, coauthor)

    response = _ask(bob_client, order, PERSONAL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["message"] == "Only the author or the payer of this order can request its fapiao."
    assert not FapiaoRequest.objects.exists()


@pytest.mark.django_db
def test_a_researcher_who_cannot_see_the_order_gets_404(alice, bob):
    (_client, author), (bob_client, _bob) = alice, bob
    order = paid_order_of(author)

    response = _ask(bob_client, order, PERSONAL)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_an_unpaid_order_is_409_order_not_paid(alice):
    client, researcher = alice
    order = OrderFactory(researcher=researcher)

    response = _ask(client, order, PERSONAL)

    assert response.status_code == 409
    assert response.json()["code"] == "order_not_paid"


@pytest.mark.django_db
def test_a_waived_order_is_409_nothing_to_invoice(alice):
    client, researcher = alice
    order = order_waive(order_id=OrderFactory(researcher=researcher).pk, reason="editor's invitation", actor=None)

    response = _ask(client, order, PERSONAL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_invoice"


@pytest.mark.django_db
def test_a_fully_refunded_order_is_409_nothing_to_invoice(alice):
    client, researcher = alice
    order = paid_order_of(researcher)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.REFUNDED, refunded_fen=order.amount_fen)

    response = _ask(client, order, PERSONAL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_invoice"
    assert response.json()["message"] == "This order was refunded in full, so there is nothing to invoice."


@pytest.mark.django_db
def test_a_partly_refunded_order_may_have_its_fapiao(alice):
    client, researcher = alice
    order = paid_order_of(researcher)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PARTIALLY_REFUNDED, refunded_fen=50000)

    assert _ask(client, order, PERSONAL).status_code == 201


# --- reading ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_order_without_a_request_has_no_fapiao_404(alice):
    client, researcher = alice
    order = paid_order_of(researcher)

    response = client.get(f"/api/v1/orders/{order.pk}/fapiao")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_the_latest_request_is_the_orders_fapiao(alice, staff):
    client, researcher = alice
    order = paid_order_of(researcher)
    fapiao_reject(request_id=_ask(client, order, PERSONAL).json()["id"], reason="抬头有误", actor=staff)
    latest = _ask(client, order, COMPANY).json()

    assert client.get(f"/api/v1/orders/{order.pk}/fapiao").json() == latest


@pytest.mark.django_db
def test_the_author_sees_the_request_the_payer_made(alice, bob):
    (client, author), (bob_client, colleague) = alice, bob
    order = paid_order_of(author, payer=colleague)
    _ask(bob_client, order, COMPANY)

    response = client.get(f"/api/v1/orders/{order.pk}/fapiao")

    assert response.status_code == 200
    assert response.json()["title"] == COMPANY["title"]


@pytest.mark.django_db
def test_a_coauthor_may_not_read_the_fapiao_403(alice, bob):
    (client, author), (bob_client, coauthor) = alice, bob
    order = paid_order_of(author)
    coauthor_of(order, coauthor)
    _ask(client, order, COMPANY)

    assert bob_client.get(f"/api/v1/orders/{order.pk}/fapiao").status_code == 403


@pytest.mark.django_db
def test_a_rejected_request_shows_its_status_and_reason(alice, staff):
    client, researcher = alice
    order = paid_order_of(researcher)
    fapiao_reject(request_id=_ask(client, order, COMPANY).json()["id"], reason="税号与名称不符", actor=staff)

    fapiao = client.get(f"/api/v1/orders/{order.pk}/fapiao", HTTP_ACCEPT_LANGUAGE="en").json()

    assert (fapiao["status"], fapiao["reject_reason"], fapiao["file_url"]) == ("rejected", "税号与名称不符", None)
    assert fapiao["status_label"] == "Rejected"


# --- issuing, rejecting and the file ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_requester_downloads_the_issued_file_privately(alice, staff):
    client, researcher = alice
    order = paid_order_of(researcher)
    fapiao_issue(request_id=_ask(client, order, COMPANY).json()["id"], file=_pdf(), actor=staff)
    fapiao = client.get(f"/api/v1/orders/{order.pk}/fapiao").json()

    response = client.get(fapiao["file_url"])

    assert fapiao["status"] == "issued"
    assert fapiao["file_url"] == f"/api/v1/fapiao/{fapiao['id']}/file"
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="fapiao-{order.out_trade_no}.pdf"'
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_nobody_but_the_requester_downloads_the_file(alice, bob, login, staff):
    (author_client, author), (bob_client, colleague) = alice, bob
    stranger_client, _stranger = signed_in_researcher(login, "carol")
    order = paid_order_of(author, payer=colleague)
    fapiao_issue(request_id=_ask(bob_client, order, COMPANY).json()["id"], file=_pdf(), actor=staff)
    url = f"/api/v1/fapiao/{FapiaoRequest.objects.get(order=order).pk}/file"

    assert bob_client.get(url).status_code == 200
    assert author_client.get(url).status_code == 404
    assert stranger_client.get(url).status_code == 404


@pytest.mark.django_db
def test_a_file_is_not_downloadable_before_it_is_issued(alice):
    client, researcher = alice
    order = paid_order_of(researcher)
    fapiao_id = _ask(client, order, COMPANY).json()["id"]

    response = client.get(f"/api/v1/fapiao/{fapiao_id}/file")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["fapiao.exe", "fapiao", "fapiao.pdf.html"])
def test_only_fapiao_file_types_are_issued(alice, staff, name):
    client, researcher = alice
    fapiao_id = _ask(client, paid_order_of(researcher), COMPANY).json()["id"]

    with pytest.raises(PaymentInvalid) as refused:
        fapiao_issue(request_id=fapiao_id, file=_pdf(name), actor=staff)

    assert list(refused.value.fields) == ["file"]
    assert FapiaoRequest.objects.get(pk=fapiao_id).status == FapiaoStatus.REQUESTED


@pytest.mark.django_db
def test_a_file_over_ten_megabytes_is_refused(alice, staff):
    client, researcher = alice
    fapiao_id = _ask(client, paid_order_of(researcher), COMPANY).json()["id"]

    with pytest.raises(PaymentInvalid) as refused:
        fapiao_issue(request_id=fapiao_id, file=_pdf(content=b"0" * (FAPIAO_FILE_MAX_BYTES + 1)), actor=staff)

    assert list(refused.value.fields) == ["file"]


@pytest.mark.django_db
def test_a_rejection_needs_a_reason(alice, staff):
    client, researcher = alice
    fapiao_id = _ask(client, paid_order_of(researcher), COMPANY).json()["id"]

    with pytest.raises(PaymentInvalid) as refused:
        fapiao_reject(request_id=fapiao_id, reason="   ", actor=staff)

    assert list(refused.value.fields) == ["reason"]


@pytest.mark.django_db
def test_a_processed_request_is_not_processed_again(alice, staff):
    client, researcher = alice
    fapiao_id = _ask(client, paid_order_of(researcher), COMPANY).json()["id"]
    fapiao_issue(request_id=fapiao_id, file=_pdf(), actor=staff)

    with pytest.raises(FapiaoProcessed):
        fapiao_reject(request_id=fapiao_id, reason="too late", actor=staff)
    with pytest.raises(FapiaoProcessed):
        fapiao_issue(request_id=fapiao_id, file=_pdf(), actor=staff)
    assert FapiaoRequest.objects.get(pk=fapiao_id).status == FapiaoStatus.ISSUED


@pytest.mark.django_db
def test_issuing_tells_the_requester_once_in_their_language(alice, staff):
    client, researcher = alice
    researcher.language = "en"
    researcher.save()
    order = paid_order_of(researcher)
    fapiao_id = _ask(client, order, COMPANY).json()["id"]

    fapiao_issue(request_id=fapiao_id, file=_pdf(), actor=staff)

    notice = Notification.objects.get(researcher=researcher, kind="fapiao_ready")
    assert notice.title == "Your fapiao is ready"
    assert notice.page == f"packages/payments/fapiao?id={order.pk}"
    assert notice.dedupe_key == f"fapiao:{fapiao_id}:issued"


@pytest.mark.django_db
def test_rejecting_tells_the_requester_once_with_the_reason(alice, staff):
    client, researcher = alice
    order = paid_order_of(researcher)
    fapiao_id = _ask(client, order, COMPANY).json()["id"]

    fapiao_reject(request_id=fapiao_id, reason="税号与名称不符", actor=staff)

    notice = Notification.objects.get(researcher=researcher, kind="fapiao_ready")
    assert (notice.title, notice.body) == ("您的发票申请未通过", "税号与名称不符")
    assert notice.dedupe_key == f"fapiao:{fapiao_id}:rejected"


@pytest.mark.django_db
def test_a_request_of_an_erased_researcher_is_still_processed_without_a_notice(staff):
    order = paid_order_of(ResearcherFactory())
    fapiao = FapiaoRequest.objects.create(order=order, requester=None, kind="personal", title="李伟",
                                          email="li.wei@example.org")

    fapiao_reject(request_id=fapiao.pk, reason="无法联系", actor=staff)

    assert not Notification.objects.filter(kind="fapiao_ready").exists()
