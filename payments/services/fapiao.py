"""Fapiao (发票): a researcher asks for one on a settled order; staff issue the file or reject the request.

Contract:
- Who asks: the order's author or its payer (co-authors see the order but may not ask); FapiaoNotAllowed else.
- What: an order that kept money — paid or partially refunded, not waived (NothingToInvoice) and not fully
  refunded; an order never settled raises OrderNotPaid.
- One live request per order (requested or issued): the order row is locked while checking, and the table's
  partial unique constraint backs it, so two taps make one request (FapiaoExists). After a rejection the
  researcher may ask again.
- Issuing and rejecting lock the request, change it once (a processed request raises FapiaoProcessed) and tell
  the requester with one notification (dedupe key per request and outcome), sent after the commit.
Input errors are PaymentInvalid with messages per field, in the active language.
"""

from __future__ import annotations

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Researcher
from notifications.services import notification_create
from payments.errors import (
    FapiaoExists,
    FapiaoNotAllowed,
    FapiaoProcessed,
    NothingToInvoice,
    OrderNotPaid,
    PaymentInvalid,
)
from payments.models import FapiaoKind, FapiaoRequest, FapiaoStatus, Order, OrderStatus, SettledBy
from payments.selectors.documents import fapiao_may_request
from payments.uscc import uscc_normalize, validate_uscc

FAPIAO_TITLE_MAX_LENGTH = 100
FAPIAO_REASON_MAX_LENGTH = 300
# What tax offices and e-invoicing platforms hand out: the PDF/OFD/XML e-fapiao, or a scan of a paper one.
FAPIAO_FILE_TYPES = {"pdf": "application/pdf", "ofd": "application/ofd", "xml": "application/xml",
                     "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}
FAPIAO_FILE_MAX_BYTES = 10 * 1024 * 1024


def _invoiceable_check(order: Order) -> None:
    if order.status == OrderStatus.REFUNDED:
        raise NothingToInvoice(_("This order was refunded in full, so there is nothing to invoice."))
    if order.status not in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED):
        raise OrderNotPaid
    if order.settled_by == SettledBy.WAIVED or order.amount_fen <= order.refunded_fen:
        raise NothingToInvoice


def _request_fields_checked(*, kind: str, title: str, tax_id: str, email: str) -> dict:
    """The request's fields, cleaned (a personal fapiao carries no tax id), or PaymentInvalid naming each bad one."""
    title, email = title.strip(), email.strip()
    tax_id = uscc_normalize(tax_id) if kind == FapiaoKind.COMPANY else ""
    problems: dict[str, list[str]] = {}
    if kind not in FapiaoKind.values:
        problems["kind"] = [_("Choose a personal or a company fapiao.")]
    if not title:
        problems["title"] = [_("Enter the name to print on the fapiao.")]
    elif len(title) > FAPIAO_TITLE_MAX_LENGTH:
        problems["title"] = [_("Keep the name to %(count)d characters or fewer.") % {"count": FAPIAO_TITLE_MAX_LENGTH}]
    try:
        validate_email(email)
    except ValidationError:
        problems["email"] = [_("Enter a valid e-mail address to send the fapiao to.")]
    if kind == FapiaoKind.COMPANY:
        if not tax_id:
            problems["tax_id"] = [_("A company fapiao needs the company's unified social credit code.")]
        else:
            try:
                validate_uscc(tax_id)
            except ValidationError as exc:
                problems["tax_id"] = [str(message) for message in exc.messages]
    if problems:
        raise PaymentInvalid(fields=problems)
    return {"kind": kind, "title": title, "tax_id": tax_id, "email": email}


def fapiao_request(*, order: Order, requester: Researcher, kind: str, title: str, tax_id: str,
                   email: str) -> FapiaoRequest:
    """Ask for a fapiao on `order` (see the module's contract). Locks the order row while checking."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not fapiao_may_request(order=order, researcher=requester):
            raise FapiaoNotAllowed
        _invoiceable_check(order)
        fields = _request_fields_checked(kind=kind, title=title, tax_id=tax_id, email=email)
        if FapiaoRequest.objects.filter(order=order).exclude(status=FapiaoStatus.REJECTED).exists():
            raise FapiaoExists
        try:
            with transaction.atomic():
                return FapiaoRequest.objects.create(order=order, requester=requester, **fields)
        except IntegrityError:  # the partial unique constraint: a live request appeared after all
            raise FapiaoExists from None


def fapiao_file_checked(*, file: File) -> str:
    """The extension of an acceptable fapiao file (PDF, OFD, XML, PNG or JPG, at most 10 MB), or PaymentInvalid."""
    extension = PurePath(file.name or "").suffix.lower().lstrip(".")
    if extension not in FAPIAO_FILE_TYPES:
        raise PaymentInvalid(fields={"file": [_("Upload the fapiao as a PDF, OFD, XML, PNG or JPG file.")]})
    if not file.size:
        raise PaymentInvalid(fields={"file": [_("The file is empty.")]})
    if file.size > FAPIAO_FILE_MAX_BYTES:
        raise PaymentInvalid(fields={"file": [_("The file is larger than 10 MB.")]})
    return extension


def fapiao_issue(*, request_id: int, file: File, actor) -> FapiaoRequest:
    """Staff attach the issued fapiao: the request becomes issued and the requester is told (once).
    The file is stored under the order number; a storage write whose transaction then fails leaves an unreferenced
    file in the private media folder, never a request pointing at no file."""
    extension = fapiao_file_checked(file=file)
    with transaction.atomic():
        fapiao = FapiaoRequest.objects.select_for_update().select_related("order").get(pk=request_id)
        if fapiao.status != FapiaoStatus.REQUESTED:
            raise FapiaoProcessed
        fapiao.file.save(f"fapiao-{fapiao.order.out_trade_no}.{extension}", file, save=False)
        fapiao.status = FapiaoStatus.ISSUED
        fapiao.processed_by = actor
        fapiao.processed_at = timezone.now()
        fapiao.save(update_fields=["file", "status", "processed_by", "processed_at"])
        _requester_notify(fapiao=fapiao)
    return fapiao


def fapiao_reject(*, request_id: int, reason: str, actor) -> FapiaoRequest:
    """Staff decline a request, saying why (required): the requester is told (once) and may ask again."""
    reason = reason.strip()
    if not reason:
        raise PaymentInvalid(fields={"reason": [_("Say why, so the researcher can correct the request.")]})
    if len(reason) > FAPIAO_REASON_MAX_LENGTH:
        raise PaymentInvalid(fields={"reason": [
            _("Keep the reason to %(count)d characters or fewer.") % {"count": FAPIAO_REASON_MAX_LENGTH}]})
    with transaction.atomic():
        fapiao = FapiaoRequest.objects.select_for_update().select_related("order").get(pk=request_id)
        if fapiao.status != FapiaoStatus.REQUESTED:
            raise FapiaoProcessed
        fapiao.status = FapiaoStatus.REJECTED
        fapiao.reject_reason = reason
        fapiao.processed_by = actor
        fapiao.processed_at = timezone.now()
        fapiao.save(update_fields=["status", "reject_reason", "processed_by", "processed_at"])
        _requester_notify(fapiao=fapiao)
    return fapiao


def _requester_notify(*, fapiao: FapiaoRequest) -> None:
    if fapiao.requester_id is None:  # the requester erased their profile
        return
    order = fapiao.order
    language = Researcher.objects.filter(pk=fapiao.requester_id).values_list("language", flat=True).first()
    with translation.override(language or "zh-hans"):
        if fapiao.status == FapiaoStatus.ISSUED:
            title = _("Your fapiao is ready")
            body = _("%(title)s, order %(order_no)s") % {"title": fapiao.title, "order_no": order.out_trade_no}
        else:
            title = _("Your fapiao request was declined")
            body = fapiao.reject_reason
        notification_create(
            researcher_id=fapiao.requester_id, kind="fapiao_ready", dedupe_key=f"fapiao:{fapiao.pk}:{fapiao.status}",
            title=title, body=body, page=f"packages/payments/fapiao?id={order.pk}", thread=f"fapiao:{order.pk}",
            payload={"order_id": order.pk, "order_no": order.out_trade_no, "fapiao_id": fapiao.pk,
                     "status": fapiao.status})
