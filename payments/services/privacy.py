"""What payments holds about a researcher, for accounts.privacy (registered in PaymentsConfig.ready()).

Erase keeps what accounting law requires and nothing else that names the researcher:
- Paid, refunded and partly refunded orders stay with their amounts, order number, WeChat Pay transaction id and
  dates (会计档案: accounting records are kept for years); the author and payer links are cleared.
- Orders awaiting payment (`created`, no prepay at WeChat Pay) are closed and unlinked: nobody can pay them any more.
  Staff make a new order for a co-author if one is still owed.
- An order with a payment in flight (`paying`: a prepay WeChat Pay may still complete) refuses the erase (409)
  rather than losing a payment that arrives afterwards; the researcher tries again once it settled or expired
  (the reconciliation closes open prepays after PAYMENTS' expiry).
- Payment attempts lose the payer's openid and link; the decrypted WeChat Pay callbacks of those attempts lose their
  `payer` object (the payer's openid). The raw callback body stays as WeChat Pay sent it (encrypted).
- Fapiao requests: an issued fapiao keeps its name and tax code (the fapiao is a tax record), loses the e-mail;
  a request not yet issued is rejected and emptied; share links of the researcher's orders are deleted.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Researcher
from payments.models import (
    FapiaoRequest,
    FapiaoStatus,
    Order,
    OrderShare,
    OrderStatus,
    PaymentAttempt,
    PaymentEvent,
)
from payments.selectors.orders import orders_for_researcher
from publisher_backend.errors import Conflict

ERASED_REASON = "withdrawn: the requester erased their personal data"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def orders_export(researcher: Researcher) -> list[dict]:
    orders = list(orders_for_researcher(researcher=researcher))
    fapiao = {}
    for request in FapiaoRequest.objects.filter(order__in=orders, requester=researcher).order_by("created_at"):
        fapiao.setdefault(request.order_id, []).append(
            {"kind": request.kind, "title": request.title, "tax_id": request.tax_id, "email": request.email,
             "status": request.status, "created_at": _iso(request.created_at)})
    return [{"id": order.pk, "order_number": order.out_trade_no, "kind": order.kind, "description": order.description,
             "status": order.status, "amount_fen": order.amount_fen, "refunded_fen": order.refunded_fen,
             "journal": order.journal.key if order.journal else None, "manuscript": order.manuscript_id,
             "role": "author" if order.researcher_id == researcher.pk else (
                 "payer" if order.payer_id == researcher.pk else "co-author"),
             "transaction_id": order.transaction_id, "paid_at": _iso(order.paid_at),
             "created_at": _iso(order.created_at), "fapiao_requests": fapiao.get(order.pk, [])}
            for order in orders]


def orders_erase(researcher: Researcher) -> None:
    """Anonymize the researcher's orders (see the module docstring); runs inside the erase transaction."""
    theirs = Order.objects.filter(Q(researcher=researcher) | Q(payer=researcher))
    attempts = PaymentAttempt.objects.filter(Q(payer=researcher) | Q(order__researcher=researcher))
    locked = list(theirs.select_for_update().values_list("pk", "status"))
    if any(status == OrderStatus.PAYING for _pk, status in locked) or attempts.filter(
            order__status=OrderStatus.PAYING).exists():
        raise Conflict(_("A payment is in progress. Please try again once it is finished (within about "
                         "two hours)."))
    order_ids = [pk for pk, _status in locked]
    out_trade_nos = list(attempts.values_list("out_trade_no", flat=True))
    for event in PaymentEvent.objects.filter(out_trade_no__in=out_trade_nos).exclude(resource={}):
        if isinstance(event.resource, dict) and "payer" in event.resource:
            event.resource = {key: value for key, value in event.resource.items() if key != "payer"}
            event.save(update_fields=["resource"])
    attempts.update(payer=None, openid="")
    OrderShare.objects.filter(order_id__in=order_ids, order__researcher=researcher).delete()
    requests = FapiaoRequest.objects.filter(Q(requester=researcher) | Q(order__researcher=researcher))
    requests.filter(status=FapiaoStatus.ISSUED).update(requester=None, email="")
    requests.filter(status=FapiaoStatus.REQUESTED).update(status=FapiaoStatus.REJECTED, reject_reason=ERASED_REASON)
    requests.exclude(status=FapiaoStatus.ISSUED).update(requester=None, email="", title="", tax_id="")
    Order.objects.filter(pk__in=order_ids, researcher=researcher, status=OrderStatus.CREATED).update(
        status=OrderStatus.CLOSED)
    Order.objects.filter(pk__in=order_ids, researcher=researcher).update(researcher=None)
    Order.objects.filter(pk__in=order_ids, payer=researcher).update(payer=None)
