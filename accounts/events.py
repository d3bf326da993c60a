"""Domain events of accounts, for higher apps (design flow 7): sent after commit, heard in their AppConfig.ready().

- ``journal_account_verified(account_id=…)``: an account has just become verified — by its e-mailed code, by
  the researcher's proven ORCID iD or by staff. Sent once per transition to verified (never for an account
  that was verified already), from the one place that verifies (``accounts.linking``).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

journal_account_verified = Signal()


def journal_account_verified_publish(*, account_id: int) -> None:
    """Send the event once the current transaction commits. A failing receiver is logged, never raised: the
    verification is committed, so the request that made it must still answer (the beat sweeps catch up)."""

    def send() -> None:
        for receiver, result in journal_account_verified.send_robust(sender=None, account_id=account_id):
            if isinstance(result, Exception):
                logger.error("journal_account_verified receiver %r failed for account %s", receiver, account_id,
                             exc_info=result)

    transaction.on_commit(send)
