"""Staff reviewing what WeChat Pay said that did not fit (flagged payment events).

An order needs attention while any of its events is flagged: marking the last one reviewed clears the order's
`needs_attention`, under the order's row lock so a callback flagging a new event meanwhile keeps it set.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from payments.models import Order, PaymentEvent


def payment_events_review(*, event_ids: list[int]) -> int:
    """Un-flag the given events; returns how many were flagged. Orders left with no flagged event no longer
    need attention."""
    with transaction.atomic():
        order_ids = sorted(set(PaymentEvent.objects.filter(pk__in=event_ids, flagged=True, order__isnull=False)
                               .values_list("order_id", flat=True)))
        # Locked in one order (by pk) so two reviews of overlapping events cannot deadlock.
        list(Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk").values_list("pk", flat=True))
        reviewed = PaymentEvent.objects.filter(pk__in=event_ids, flagged=True).update(flagged=False)
        (Order.objects.filter(pk__in=order_ids, needs_attention=True)
         .exclude(events__flagged=True).update(needs_attention=False, updated_at=timezone.now()))
    return reviewed
