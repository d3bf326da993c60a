"""Domain events of accounts, for higher apps (design flow 7): sent after commit, heard in their AppConfig.ready().

- ``journal_account_verified(account_id=…)``: an account has just become verified — by its e-mailed code, by
  the researcher's proven ORCID iD or by staff. Sent once per transition to verified (never for an account
  that was verified already), from the one place that verifies (``accounts.linking``).
- ``researcher_created(researcher_id=…)``: a researcher has just been created by a first login (a WeChat user
  we did not know, whose unionid joins no researcher either). Sent once per researcher, from the login
  service; a login that joins an existing researcher or loses a first-login race sends nothing.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

journal_account_verified = Signal()
researcher_created = Signal()


def journal_account_verified_publish(*, account_id: int) -> None:
    """Send the event once the current transaction commits. A failing receiver is logged, never raised: the
    verification is committed, so the request that made it must still answer (the beat sweeps catch up)."""

    def send() -> None:
        for receiver, result in journal_account_verified.send_robust(sender=None, account_id=account_id):
            if isinstance(result, Exception):
                logger.error("journal_account_verified receiver %r failed for account %s", receiver, account_id,
                             exc_info=result)

    transaction.on_commit(send)


def researcher_created_publish(*, researcher_id: int) -> None:
    """Send the event once the current transaction commits (never for a rolled-back creation). A failing
    receiver is logged, never raised: the login is committed and must still answer."""

    def send() -> None:
        for receiver, result in researcher_created.send_robust(sender=None, researcher_id=researcher_id):
            if isinstance(result, Exception):
                logger.error("researcher_created receiver %r failed for researcher %s", receiver, researcher_id,
                             exc_info=result)

    transaction.on_commit(send)
