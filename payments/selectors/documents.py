"""Documents of a settled order, as researchers read them: the receipt (JSON, and a printable page behind a signed
link) and the fapiao requests.

A receipt link is `PUBLIC_BASE_URL/receipts/<token>`: the token is the order id signed with the secret key
(TimestampSigner, salt "payments.receipt") and lives PAYMENTS_RECEIPT_LINK_TTL_SECONDS. The signature is the only
proof the page asks for, so nothing is stored and nothing is revoked: a link simply runs out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Researcher
from payments.errors import OrderNotPaid
from payments.models import SETTLED_STATUSES, FapiaoRequest, FapiaoStatus, Order, SettledBy

RECEIPT_SALT = "payments.receipt"


def _receipt_signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=RECEIPT_SALT)


def order_receipt(*, order: Order, language: str | None = None) -> dict:
    """The receipt of a settled order (paid, partially or fully refunded) in `language` (the active one by
    default). The payer is whoever paid: the colleague when someone else paid, else the author. Raises
    OrderNotPaid for an order that was never settled."""
    if order.status not in SETTLED_STATUSES:
        raise OrderNotPaid
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    author_name = order.researcher.display_name if order.researcher_id else ""
    payer_name = order.payer.display_name if order.payer_id else author_name
    with translation.override(language):
        settled_by_label = str(SettledBy(order.settled_by).label) if order.settled_by else ""
    return {
        "receipt_no": f"R{order.out_trade_no}",
        "order": order.pk,
        "out_trade_no": order.out_trade_no,
        "transaction_id": order.transaction_id,
        "paid_at": order.paid_at,
        "amount_fen": order.amount_fen,
        "refunded_fen": order.refunded_fen,
        "currency": order.currency,
        "description": order.description,
        "journal": order.journal.localized_name(language) if order.journal_id else None,
        "payer": {"name": payer_name},
        "author": {"display_name": author_name},
        "seller": {"name": settings.PUBLISHER_LEGAL_NAME, "tax_id": settings.PUBLISHER_TAX_ID,
                   "address": settings.PUBLISHER_ADDRESS},
        "settled_by": order.settled_by,
        "settled_by_label": settled_by_label,
    }


def receipt_link(*, order: Order) -> dict:
    """A signed link to the printable receipt of a settled order: {"url", "expires_at"}. Raises OrderNotPaid."""
    if order.status not in SETTLED_STATUSES:
        raise OrderNotPaid
    token = _receipt_signer().sign(str(order.pk))
    expires_at: datetime = timezone.now() + timedelta(seconds=settings.PAYMENTS_RECEIPT_LINK_TTL_SECONDS)
    return {"url": f"{settings.PUBLIC_BASE_URL}{reverse('receipt-page', args=[token])}", "expires_at": expires_at}


def order_for_receipt_token(*, token: str) -> Order | None:
    """The settled order a receipt token names, or None when the signature is wrong or has run out."""
    try:
        order_id = _receipt_signer().unsign(token, max_age=settings.PAYMENTS_RECEIPT_LINK_TTL_SECONDS)
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not order_id.isdigit():
        return None
    return (Order.objects.select_related("journal", "researcher", "payer")
            .filter(pk=int(order_id), status__in=SETTLED_STATUSES).first())


def fapiao_may_request(*, order: Order, researcher: Researcher) -> bool:
    """Who may ask for (and read) an order's fapiao: its author and whoever paid it; co-authors only see the order."""
    return researcher.pk in {order.researcher_id, order.payer_id}


def fapiao_latest(*, order: Order) -> FapiaoRequest | None:
    return FapiaoRequest.objects.filter(order=order).order_by("-created_at", "-pk").first()


def fapiao_issued_for_requester(*, researcher: Researcher, fapiao_id: int) -> FapiaoRequest | None:
    """An issued fapiao with its file, for the researcher who requested it; None for anyone else."""
    return (FapiaoRequest.objects.select_related("order")
            .filter(pk=fapiao_id, requester=researcher, status=FapiaoStatus.ISSUED).exclude(file="").first())
