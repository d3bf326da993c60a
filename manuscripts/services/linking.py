"""Flow 2 through a connector: find the identity on the platform, and what follows a verified link."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import linking
from accounts.models import IdentityKind, JournalAccount, JournalSystem, Researcher
from manuscripts.connectors.base import ConnectorError
from manuscripts.connectors.registry import connector_for
from manuscripts.services.platforms import PUBLICATION_SOURCES, platform_config_for
from manuscripts.services.polling import account_sync_schedule_now
from notifications.services import notification_create
from publisher_backend.errors import ApiError, UpstreamUnavailable

logger = logging.getLogger(__name__)


class JournalSystemInvalid(ApiError):
    code = "invalid"


def journal_account_link(*, researcher: Researcher, journal_system_id: int, identity: str) -> JournalAccount:
    """Flow 2, first step: find the identity on the platform, then start the e-mail proof."""
    journal_system = JournalSystem.objects.filter(pk=journal_system_id, enabled=True).first()
    if journal_system is None:
        raise JournalSystemInvalid(fields={"journal_system": [_("Choose one of the journal systems offered.")]})
    identity_kind, normalized = linking.identity_classify(identity)
    connector = connector_for(platform_config_for(journal_system))
    try:
        found = connector.find_identity(normalized)
    except ConnectorError as exc:
        logger.warning("identity lookup on %s failed: %s", journal_system.key, exc)
        raise UpstreamUnavailable(_("The journal system cannot be reached right now. Please try again later.")) from exc
    account = linking.journal_account_start(
        researcher=researcher, journal_system=journal_system, identity_kind=identity_kind, identity=normalized,
        found=linking.FoundIdentity(platform_user_id=found.platform_user_id, email=found.email.lower(),
                                    orcid=found.orcid) if found else None,
    )
    if found and journal_system.platform in PUBLICATION_SOURCES and identity_kind == IdentityKind.ORCID:
        # A public bibliographic record has no e-mail to prove with; its own ORCID match is the proof,
        # and the account is marked so (it only shows published, public works).
        account = linking.journal_account_verify_by_orcid_match(account=account)
        journal_account_verified(account=account)
    return account


@transaction.atomic
def journal_account_verified(*, account: JournalAccount) -> None:
    """A researcher proved an account theirs: read its manuscripts now and tell them (inbox, WeChat)."""
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
