"""The fapiao queue in admin: pending requests first, issued by uploading the file, rejected with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from payments.models import FapiaoRequest, FapiaoStatus
from tests.factories import ResearcherFactory
from tests.payments.paid_orders import paid_order_of, signed_in_researcher

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _requested(order, requester, **fields) -> FapiaoRequest:
    values = {"kind": "company", "title": "北京某某科技有限公司", "tax_id": "91350100M000100Y43",
              "email": "finance@example.com", **fields}
    return FapiaoRequest.objects.create(order=order, requester=requester, **values)


def _issue(client, fapiao: FapiaoRequest, name: str = "fapiao.pdf", content: bytes = PDF):
    return client.post(reverse("admin:payments_fapiaorequest_issue", args=[fapiao.pk]),
                       {"file": SimpleUploadedFile(name, content, content_type="application/pdf")})


def _reject(client, fapiao: FapiaoRequest, reason: str):
    return client.post(reverse("admin:payments_fapiaorequest_reject", args=[fapiao.pk]), {"reason": reason})


@pytest.mark.django_db
def test_pending_requests_come_first_in_the_queue(staff_client):
    researcher = ResearcherFactory()
    older_pending = _requested(paid_order_of(researcher), researcher, title="较早待处理",
                               created_at=timezone.now() - timedelta(days=3))
    newer_rejected = _requested(paid_order_of(researcher), researcher, title="较新已驳回",
                                status=FapiaoStatus.REJECTED, reject_reason="x")

    response = staff_client.get(reverse("admin:payments_fapiaorequest_changelist"))

    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown == [older_pending, newer_rejected]


@pytest.mark.django_db
def test_the_queue_is_searched_by_order_number_and_filtered_by_status_and_kind(staff_client):
    researcher = ResearcherFactory()
    wanted = _requested(paid_order_of(researcher), researcher)
    _requested(paid_order_of(researcher), researcher, kind="personal", tax_id="", title="李伟")
    changelist = reverse("admin:payments_fapiaorequest_changelist")

    by_number = staff_client.get(changelist, {"q": wanted.order.out_trade_no})
    by_filters = staff_client.get(changelist, {"status__exact": "requested", "kind__exact": "company"})

    assert list(by_number.context["cl"].result_list) == [wanted]
    assert list(by_filters.context["cl"].result_list) == [wanted]


@pytest.mark.django_db
def test_the_process_page_offers_the_file_upload_and_the_reason(staff_client):
    researcher = ResearcherFactory()
    fapiao = _requested(paid_order_of(researcher), researcher)

    page = staff_client.get(reverse("admin:payments_fapiaorequest_process", args=[fapiao.pk])).content.decode()

    assert 'type="file"' in page and 'name="reason"' in page
    assert fapiao.tax_id in page


@pytest.mark.django_db
def test_staff_issue_by_uploading_and_the_requester_downloads_it_through_the_api(staff_client, login):
    client, researcher = signed_in_researcher(login, "alice")
    order = paid_order_of(researcher)
    fapiao = _requested(order, researcher)

    response = _issue(staff_client, fapiao)

    assert response.status_code == 302
    seen = client.get(f"/api/v1/orders/{order.pk}/fapiao").json()
    assert seen["status"] == "issued"
    download = client.get(seen["file_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.django_db
def test_another_researcher_cannot_download_what_staff_issued(staff_client, login):
    _client, researcher = signed_in_researcher(login, "alice")
    other_client, _other = signed_in_researcher(login, "bob")
    fapiao = _requested(paid_order_of(researcher), researcher)
    _issue(staff_client, fapiao)

    assert other_client.get(f"/api/v1/fapiao/{fapiao.pk}/file").status_code == 404


@pytest.mark.django_db
def test_staff_reject_with_a_reason_the_researcher_reads(staff_client, login):
    client, researcher = signed_in_researcher(login, "alice")
    order = paid_order_of(researcher)
    fapiao = _requested(order, researcher)

    response = _reject(staff_client, fapiao, "税号与名称不符")

    assert response.status_code == 302
    seen = client.get(f"/api/v1/orders/{order.pk}/fapiao").json()
    assert (seen["status"], seen["reject_reason"]) == ("rejected", "税号与名称不符")


@pytest.mark.django_db
def test_a_rejection_without_a_reason_changes_nothing(staff_client):
    researcher = ResearcherFactory()
    fapiao = _requested(paid_order_of(researcher), researcher)

    response = _reject(staff_client, fapiao, "")

    assert response.status_code == 400
    fapiao.refresh_from_db()
    assert fapiao.status == FapiaoStatus.REQUESTED


@pytest.mark.django_db
def test_an_upload_of_another_file_type_is_refused_on_the_form(staff_client):
    researcher = ResearcherFactory()
    fapiao = _requested(paid_order_of(researcher), researcher)

    response = _issue(staff_client, fapiao, name="fapiao.exe")

    assert response.status_code == 400
    assert response.context["issue_form"].errors["file"]
    fapiao.refresh_from_db()
    assert fapiao.status == FapiaoStatus.REQUESTED


@pytest.mark.django_db
def test_the_requester_is_told_once_however_often_staff_submit(staff_client):
    researcher = ResearcherFactory()
    fapiao = _requested(paid_order_of(researcher), researcher)

    _issue(staff_client, fapiao)
    second = _issue(staff_client, fapiao)
    _reject(staff_client, fapiao, "重复提交")

    assert second.status_code == 400
    assert Notification.objects.filter(researcher=researcher, kind="fapiao_ready").count() == 1
    fapiao.refresh_from_db()
    assert fapiao.status == FapiaoStatus.ISSUED


@pytest.mark.django_db
def test_staff_read_the_issued_file_in_admin(staff_client):
    researcher = ResearcherFactory()
    fapiao = _requested(paid_order_of(researcher), researcher)
    _issue(staff_client, fapiao)

    response = staff_client.get(reverse("admin:payments_fapiaorequest_file", args=[fapiao.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


@pytest.mark.django_db
def test_the_status_is_not_edited_by_hand(staff_client):
    researcher = ResearcherFactory()
    fapiao = _requested(paid_order_of(researcher), researcher)
    change = reverse("admin:payments_fapiaorequest_change", args=[fapiao.pk])

    staff_client.post(change, {"status": "issued", "reject_reason": "", "title": "改过的抬头"})

    fapiao.refresh_from_db()
    assert (fapiao.status, fapiao.title) == (FapiaoStatus.REQUESTED, "北京某某科技有限公司")


@pytest.fixture
def viewer_client(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="a-long-viewer-password", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_fapiaorequest"))
    client.force_login(viewer)
    return client


@pytest.mark.django_db
def test_view_only_staff_can_neither_issue_nor_reject(viewer_client):
    researcher = ResearcherFactory()
    fapiao = _requested(paid_order_of(researcher), researcher)

    assert _issue(viewer_client, fapiao).status_code == 403
    assert _reject(viewer_client, fapiao, "no").status_code == 403
    assert viewer_client.get(reverse("admin:payments_fapiaorequest_process", args=[fapiao.pk])).status_code == 403
    fapiao.refresh_from_db()
    assert fapiao.status == FapiaoStatus.REQUESTED
