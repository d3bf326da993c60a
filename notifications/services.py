"""The one way in for notifications (the notifications issue builds the sender on these rows)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from notifications.models import Notification


def notification_create(*, researcher_id: int, kind: str, dedupe_key: str, title: str, body: str = "",
                        payload: dict | None = None, page: str = "") -> Notification | None:
    """Create a pending notification inside the caller's transaction; None if `dedupe_key` already exists.

    Idempotent by `dedupe_key` (a unique column): replaying the same event makes nothing new.
    """
    try:
        with transaction.atomic():
            return Notification.objects.create(researcher_id=researcher_id, kind=kind, dedupe_key=dedupe_key,
                                               title=title[:200], body=body[:500], payload=payload or {}, page=page)
    except IntegrityError:
        return None
