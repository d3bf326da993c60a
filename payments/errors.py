"""Payments' errors, as the API answers them (publisher_backend.errors shapes the envelope)."""

from django.utils.translation import gettext_lazy as _

from publisher_backend.errors import ApiError, Conflict, UpstreamUnavailable


class OrderPaid(Conflict):
    code = "order_paid"
    default_message = _("This order has already been paid.")


class OrderClosed(Conflict):
    code = "order_closed"
    default_message = _("This order is closed and can no longer be paid.")


class OrderExpired(Conflict):
    code = "order_expired"
    default_message = _("This order has expired and can no longer be paid.")


class OrderNotPaid(Conflict):
    code = "order_not_paid"
    default_message = _("This order has not been paid yet.")


class PaymentsUnavailable(UpstreamUnavailable):
    code = "payments_unavailable"
    default_message = _("WeChat Pay is not available right now. Please try again later.")


class PaymentInvalid(ApiError):
    """A staff or researcher input that can't apply to the order (the message says why)."""

    code = "invalid"


class NothingToInvoice(Conflict):
    """A waived or fully refunded order: no money was kept, so no fapiao can be issued."""

    code = "nothing_to_invoice"
    default_message = _("Nothing was paid for this order, so there is nothing to invoice.")


class FapiaoExists(Conflict):
    code = "fapiao_exists"
    default_message = _("A fapiao has already been requested for this order.")


class FapiaoProcessed(Conflict):
    code = "fapiao_processed"
    default_message = _("This fapiao request has already been processed.")


class FapiaoNotAllowed(ApiError):
    status_code = 403
    code = "permission_denied"
    default_message = _("Only the author or the payer of this order can request its fapiao.")


class CoveragePending(Conflict):
    code = "coverage_pending"
    default_message = _("A coverage request for this order is already waiting for staff.")


class CoverageDecided(Conflict):
    code = "coverage_decided"
    default_message = _("This coverage request has already been decided.")


class CoverageNotPossible(Conflict):
    """The agreement can't pay the order now (cap reached, expired, inactive): staff refuse with a reason."""

    code = "coverage_not_possible"


class CoverageNotFound(ApiError):
    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class StatementInvalid(ApiError):
    """The file can't be read as a statement; the message names the line."""

    code = "invalid"
    default_message = _("This file is not a bank statement we can read.")

    def __init__(self, message) -> None:
        super().__init__(message, fields={"file": [str(message)]})


class StatementApplied(Conflict):
    code = "statement_applied"
    default_message = _("This statement has already been applied.")


class StatementOutdated(Conflict):
    """Some matched rows no longer match their orders: nothing was applied."""

    code = "statement_outdated"


class VoucherRefused(ApiError):
    """400 with the reason under fields.code."""

    code = "invalid"
    default_message = _("This voucher can't be used for this order.")

    def __init__(self, reason) -> None:
        super().__init__(reason, fields={"code": [str(reason)]})
