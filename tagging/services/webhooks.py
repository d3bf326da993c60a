"""Outbound webhooks (DESIGN Contract: staff API webhooks). `webhook_event_emit` is the one way in."""

from __future__ import annotations


def webhook_event_emit(*, event: str, data_items: list[dict]) -> None:
    """Queue one delivery per subscribed endpoint for each item of `data_items` (event data), after commit."""
    # Deliveries are being built in this webhook increment; until then an event reaches nobody.
    return None
