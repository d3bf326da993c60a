"""Institutional coverage: a researcher asks that an agreement pay an order; staff approve or refuse.

Invariants:
- A request is made only for an open, unexpired order and an agreement offered to the requester
  (payments.selectors.institutions holds the matching rules); one pending request per order (a partial unique
  index, so two taps race safely).
- Approval locks the agreement row first, then the order row, then the request (every path here takes them in
  that order, so two approvals never deadlock), re-checks validity and both caps on the locked agreement, closes
  live WeChat Pay prepays and settles through `order_settle` (settled_by "agreement"): an agreement with a cap
  of N covers at most N orders, whatever runs concurrently.
- Refusal needs a reason; the author is told (kind payment_due, one notice per request), after commit like any
  notification. Every decision is audited on the order.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Researcher
from manuscripts.selectors import manuscript_ids_authored_by
from notifications.services import notification_create
from payments.errors import (
    CoverageDecided,
    CoverageNotFound,
    CoverageNotPossible,
    CoveragePending,
    OrderPaid,
    PaymentInvalid,
)
from payments.models import (
    Agreement,
    AuditAction,
    CoverageRequest,
    CoverageStatus,
    Order,
    OrderAudit,
    SettledBy,
)
from payments.selectors.institutions import agreement_tie, agreements_offered
from payments.services.orders import payment_due_payload
from payments.services.paying import (
    attempts_close_open,
    order_attempts_check,
    order_refuse_unless_open,
    order_refuse_unpayable,
)
from payments.services.settlement import order_settle


def _is_author(*, order: Order, researcher: Researcher) -> bool:
    if order.researcher_id == researcher.pk:
        return True
    return bool(order.manuscript_id) and manuscript_ids_authored_by(researcher=researcher).filter(
        pk=order.manuscript_id).exists()


def coverage_request(*, order: Order, researcher: Researcher, agreement_id: int) -> CoverageRequest:
    """Ask that agreement `agreement_id` pay `order`, for its author or a co-author (others: 404). The order must
    be open and unexpired (409 otherwise), the agreement offered to `researcher` (400 fields.agreement), and no
    request pending (409 coverage_pending). What ties the researcher to the institution is kept in the request's
    `reason` for staff, until they decide."""
    if not _is_author(order=order, researcher=researcher):
        raise CoverageNotFound()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        order_refuse_unpayable(order)
        if CoverageRequest.objects.filter(order=order, status=CoverageStatus.REQUESTED).exists():
            raise CoveragePending()
        agreement = next((offer for offer in agreements_offered(order=order, researcher=researcher)
                          if offer.pk == agreement_id), None)
        if agreement is None:
            raise PaymentInvalid(fields={"agreement": [_("This agreement does not cover this order for you.")]})
        with translation.override(settings.LANGUAGE_CODE):  # staff read it
            tie = agreement_tie(agreement=agreement, researcher=researcher)
            basis = _("Requested by %(name)s (researcher #%(id)s). %(tie)s") % {
                "name": researcher.display_name, "id": researcher.pk, "tie": tie}
        try:
            with transaction.atomic():
                return CoverageRequest.objects.create(order=order, agreement=agreement, reason=basis[:300])
        except IntegrityError as error:  # a request made meanwhile, without the order's lock
            raise CoveragePending() from error


def _agreement_refusal(*, agreement: Agreement, order: Order) -> str | None:
    """Why the locked agreement can't pay the locked order now, or None."""
    today = timezone.localdate()
    if not agreement.active:
        return _("The agreement with %(institution)s is not active.") % {"institution": agreement.institution}
    if not agreement.valid_from <= today <= agreement.valid_until:
        return _("The agreement with %(institution)s is valid from %(start)s to %(end)s.") % {
            "institution": agreement.institution, "start": agreement.valid_from, "end": agreement.valid_until}
    if agreement.max_orders is not None and agreement.used_orders >= agreement.max_orders:
        return _("The agreement with %(institution)s has covered all of its %(count)s orders.") % {
            "institution": agreement.institution, "count": agreement.max_orders}
    if agreement.max_amount_fen is not None and agreement.used_amount_fen + order.amount_fen > agreement.max_amount_fen:
        return _("The agreement with %(institution)s has %(left)s fen left, less than the %(amount)s fen due.") % {
            "institution": agreement.institution, "left": agreement.max_amount_fen - agreement.used_amount_fen,
            "amount": order.amount_fen}
    return None


def coverage_approve(*, request_id: int, actor) -> CoverageRequest:
    """Approve a pending request: the agreement pays the order. Locks agreement, order, then request; re-checks the
    agreement's validity and caps (CoverageNotPossible, nothing changed: staff then refuse with a reason); closes
    live prepays (PaymentsUnavailable: nothing changed; OrderPaid: nothing changed but the payment that close
    found, applied after the rollback); settles the order (settled_by "agreement"; the author gets "payment
    received"), counts it on the agreement, audits."""
    found = CoverageRequest.objects.filter(pk=request_id).values("agreement_id", "order_id").first()
    if found is None:
        raise CoverageNotFound()
    try:
        with transaction.atomic():
            agreement = Agreement.objects.select_for_update().get(pk=found["agreement_id"])
            order = Order.objects.select_for_update().get(pk=found["order_id"])
            coverage = CoverageRequest.objects.select_for_update().get(pk=request_id)
            if coverage.status != CoverageStatus.REQUESTED:
                raise CoverageDecided()
            order_refuse_unless_open(order)
            refusal = _agreement_refusal(agreement=agreement, order=order)
            if refusal:
                raise CoverageNotPossible(refusal)
            attempts_close_open(order=order)
            order_settle(order=order, settled_by=SettledBy.AGREEMENT)
            agreement.used_orders += 1
            agreement.used_amount_fen += order.amount_fen
            agreement.save(update_fields=["used_orders", "used_amount_fen"])
            coverage.status = CoverageStatus.APPROVED
            coverage.decided_by = actor
            coverage.decided_at = timezone.now()
            coverage.save(update_fields=["status", "decided_by", "decided_at"])
            OrderAudit.objects.create(order=order, actor=actor, action=AuditAction.COVERAGE_APPROVED,
                                      amount_fen=order.amount_fen,
                                      reason=f"{agreement.institution} (coverage request {coverage.pk})"[:300])
    except OrderPaid:
        order_attempts_check(order_id=found["order_id"])  # a close found it paid meanwhile: apply that
        raise
    return coverage


def coverage_refuse(*, request_id: int, actor, reason: str) -> CoverageRequest:
    """Refuse a pending request with a reason (required; it replaces the request's basis and the author reads it).
    Audited; the author is told once (dedupe key coverage_refused:<id>), in their language, after commit. The
    order stays payable."""
    reason = " ".join(reason.split())
    if not reason:
        raise PaymentInvalid(fields={"reason": [_("Say why.")]})
    with transaction.atomic():
        coverage = CoverageRequest.objects.select_for_update().select_related("order", "agreement").filter(
            pk=request_id).first()
        if coverage is None:
            raise CoverageNotFound()
        if coverage.status != CoverageStatus.REQUESTED:
            raise CoverageDecided()
        coverage.status = CoverageStatus.REFUSED
        coverage.reason = reason[:300]
        coverage.decided_by = actor
        coverage.decided_at = timezone.now()
        coverage.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        order = coverage.order
        OrderAudit.objects.create(order=order, actor=actor, action=AuditAction.COVERAGE_REFUSED,
                                  reason=f"{coverage.agreement.institution}: {reason}"[:300])
        if order.researcher_id:
            _refusal_notify(coverage=coverage, order=order)
    return coverage


def _refusal_notify(*, coverage: CoverageRequest, order: Order) -> None:
    language = Researcher.objects.filter(pk=order.researcher_id).values_list("language", flat=True).first()
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        notification_create(
            researcher_id=order.researcher_id, kind="payment_due", dedupe_key=f"coverage_refused:{coverage.pk}",
            title=_("Your institution's coverage was refused: %(reason)s") % {"reason": coverage.reason},
            body=order.description, page=f"packages/payments/order?id={order.pk}", thread=f"order:{order.pk}",
            payload={**payment_due_payload(order=order, language=language),
                     "institution": coverage.agreement.institution})
