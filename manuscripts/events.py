"""Domain events of manuscripts, for higher apps (design flow 7): sent after commit, heard in their AppConfig.ready().

- ``manuscript_status_changed(changes=[StatusChange, …])``: manuscripts moved to a new canonical status (a
  manuscript seen for the first time counts, with ``from_status`` ""). One send per committed sync batch, in the
  order the timeline recorded them; a replayed snapshot writes no timeline entry, so it sends nothing. Receivers
  must still be idempotent: a batch that commits is sent once, but a receiver may be re-run by its own retries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

manuscript_status_changed = Signal()


@dataclass(frozen=True)
class StatusChange:
    manuscript_id: int
    from_status: str
    to_status: str
    occurred_at: datetime


def manuscript_status_changed_publish(*, changes: list[StatusChange]) -> None:
    """Send the event once the current transaction commits (nothing for no change). A failing receiver is
    logged, never raised: the sync is committed and its caller must carry on."""
    if not changes:
        return

    def send() -> None:
        for receiver, result in manuscript_status_changed.send_robust(sender=None, changes=changes):
            if isinstance(result, Exception):
                logger.error("manuscript_status_changed receiver %r failed for %d changes", receiver, len(changes),
                             exc_info=result)

    transaction.on_commit(send)
