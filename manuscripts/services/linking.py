"""Flow 2 through a connector: find the identity on the platform, and what follows a verified link."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import linking
from accounts.models import JournalAccount, JournalAccountStatus, JournalSystem, Researcher
from manuscripts.connectors.base import ConnectorError
from manuscripts.connectors.registry import connector_for
from manuscripts.resilience import platform_call
from manuscripts.services.platforms import PUBLICATION_SOURCES, platform_config_for
from manuscripts.services.polling import account_sync_schedule_now
from notifications.services import notification_create
from publisher_backend.errors import ApiError, UpstreamUnavailable

logger = logging.getLogger(__name__)


class JournalSystemInvalid(ApiError):
    code = "invalid"


def journal_account_link(*, researcher: Researcher, journal_system_id: int, identity: str) -> JournalAccount:
    """Flow 2, first step: check the limits, find the identity on the platform, then start the proof.

    In this order, so that nothing costs a platform call before it is allowed: the identity's form; for a
    bibliographic source (Crossref) that it is the researcher's ORCID iD proven at ORCID; an account the
    researcher verified already (returned as it is: nothing asked, nothing scheduled); the limits per researcher
    and per identity; and only then the lookup, under the system's rate limit and circuit breaker (like a poll).
    """
    journal_system = JournalSystem.objects.filter(pk=journal_system_id, enabled=True).first()
    if journal_system is None:
        raise JournalSystemInvalid(fields={"journal_system": [_("Choose one of the journal systems offered.")]})
    identity_kind, normalized = linking.identity_classify(identity)
    by_orcid = journal_system.platform in PUBLICATION_SOURCES
    if by_orcid:
        linking.journal_account_orcid_proof_check(researcher=researcher, identity_kind=identity_kind,
                                                  identity=normalized)
    already = linking.journal_account_already_verified(researcher=researcher, journal_system=journal_system,
                                                       identity=normalized)
    if already is not None:
        return already
    linking.journal_account_link_limit(researcher=researcher, journal_system=journal_system, identity=normalized)
    if by_orcid:
        # The proof is the researcher's sign-in at ORCID, not the record: a proven iD links even before its
        # first article is indexed, and the sync finds the works. No lookup is needed.
        account = linking.journal_account_start(
            researcher=researcher, journal_system=journal_system, identity_kind=identity_kind, identity=normalized,
            found=linking.FoundIdentity(platform_user_id=normalized, email="", orcid=normalized), by_orcid=True)
        return linking.journal_account_verify_by_orcid(account=account)
    connector = connector_for(platform_config_for(journal_system))
    try:
        # One try: the researcher is waiting, and retrying would hold a web worker through backoff.
        found = platform_call(journal_system, connector.find_identity, normalized, attempts=1)
    except ConnectorError as exc:
        logger.warning("identity lookup on %s failed: %s", journal_system.key, exc)
        raise UpstreamUnavailable(_("The journal system cannot be reached right now. Please try again later.")) from exc
    return linking.journal_account_start(
        researcher=researcher, journal_system=journal_system, identity_kind=identity_kind, identity=normalized,
        found=linking.FoundIdentity(platform_user_id=found.platform_user_id, email=found.email.lower(),
                                    orcid=found.orcid) if found else None,
    )


@transaction.atomic
def journal_account_verified(*, account_id: int) -> None:
    """An account just became verified (accounts.events.journal_account_verified, after commit): read its
    manuscripts now and tell the researcher (inbox, WeChat). The notice's dedupe key holds the verification
    time, so a redelivered event notifies once."""
    account = (JournalAccount.objects.select_related("journal_system", "researcher")
               .filter(pk=account_id, status=JournalAccountStatus.VERIFIED).first())
    if account is None:  # unlinked in the meantime
        return
    account_sync_schedule_now(account=account)
    language = account.researcher.language
    system_name = account.journal_system.localized_name(language)
    with translation.override(language):
        title = _("Journal account linked: %(system)s") % {"system": system_name}
        body = _("We will follow the manuscripts of %(identity)s and tell you when their status changes.") % {
            "identity": account.identity}
    notification_create(researcher_id=account.researcher_id, kind="account_linked",
                        dedupe_key=f"account_linked:{account.pk}:{account.verified_at.isoformat()}",
                        title=title, body=body, page="pages/accounts/list",
                        payload={"journal_account_id": account.pk, "journal": system_name})
