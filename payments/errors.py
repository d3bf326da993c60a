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
