"""What every payments endpoint shares."""

from django.http import Http404

from payments.models import Order
from payments.selectors.orders import order_for_researcher


def visible_order(request, order_id: int) -> Order:
    """The order if the signed-in researcher sees it (author, co-author, payer); 404 otherwise, the same answer
    for an order that does not exist, so ids reveal nothing."""
    order = order_for_researcher(researcher=request.user.researcher, order_id=order_id)
    if order is None:
        raise Http404
    return order
