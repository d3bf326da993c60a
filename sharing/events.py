"""Domain events of sharing, for higher apps (design flow 7): sent after commit, heard in their AppConfig.ready().

- ``shares_changed(researcher_ids=[…])``: these researchers made or deleted a share, so how many times each has
  shared changed (tagging's "shared at least N times" rule). Receivers must be idempotent.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

shares_changed = Signal()


def shares_changed_publish(*, researcher_ids: list[int]) -> None:
    """Send the event once the current transaction commits (nothing for nobody). A failing receiver is logged,
    never raised: the share is committed and its caller must carry on."""
    if not researcher_ids:
        return

    def send() -> None:
        for receiver, result in shares_changed.send_robust(sender=None, researcher_ids=researcher_ids):
            if isinstance(result, Exception):
                logger.error("shares_changed receiver %r failed", receiver, exc_info=result)

    transaction.on_commit(send)
