"""A researcher's privacy rights (PIPL): export everything we hold about them, erase it, and the consent to the
privacy policy.

accounts knows only its own rows. Every higher app adds what it holds through `privacy_register(...)` from its
`AppConfig.ready()` (manuscripts, notifications, payments, tagging; later sharing and editorial), so accounts
imports none of them. The export always carries the sections of the Contract; a section nobody registered yet
(shares, conversations) is an empty list.

Erase (`researcher_erase`) runs in ONE transaction: each registered eraser first (so a higher app can anonymize the
rows it must keep, e.g. paid orders, before the researcher's row goes), then accounts deletes the journal
accounts (and their proofs), WeChat identities, tokens, the researcher and its user. An eraser may refuse by raising
an ApiError (payments does while a payment is in flight): nothing is then changed. Every export and erase
leaves a `PrivacyRequest` row for staff; an erase row names the researcher only by a keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    JournalAccount,
    OrcidProof,
    PrivacyRequest,
    PrivacyRequestKind,
    Researcher,
    WeChatIdentity,
)

logger = logging.getLogger(__name__)

# The export's keys, in the Contract's order. A section no app registered is exported as [].
EXPORT_SECTIONS = ("profile", "wechat_identities", "journal_accounts", "manuscripts", "notifications", "orders",
                   "shares", "conversations", "tags")

# What admin's history shows for an erased researcher's rows.
ERASED_REPR = "[erased]"

Exporter = Callable[[Researcher], Any]
Eraser = Callable[[Researcher], None]


@dataclass(frozen=True)
class PrivacySection:
    name: str
    export: Exporter
    erase: Eraser | None


_registry: dict[str, PrivacySection] = {}


def privacy_register(section: str, *, export: Exporter, erase: Eraser | None = None) -> None:
    """Add (or replace: `ready()` may run twice in tests) what an app holds about a researcher.

    `export(researcher)` returns JSON-serializable data (a list or a dict) without secrets; `erase(researcher)`
    removes or anonymizes the app's personal data and runs inside the erase transaction, before the
    researcher's row is deleted (rows that cascade from it need no eraser)."""
    _registry[section] = PrivacySection(name=section, export=export, erase=erase)


def privacy_sections() -> dict[str, PrivacySection]:
    return dict(_registry)


def privacy_registry_reset(sections: dict[str, PrivacySection]) -> None:
    """Replace the registry with `sections` (what privacy_sections() returned): for tests."""
    _registry.clear()
    _registry.update(sections)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def researcher_reference_hash(*, researcher_id: int) -> str:
    """A keyed hash of the researcher id: staff can check whether a given id was erased without the audit
    row holding the id itself."""
    return hmac.new(settings.SECRET_KEY.encode(), f"researcher:{researcher_id}".encode(), hashlib.sha256).hexdigest()


# --- What accounts itself holds --------------------------------------------------------------------------------

def _export_profile(researcher: Researcher) -> dict:
    return {
        "id": researcher.pk,
        "display_name": researcher.display_name,
        "institution": researcher.institution,
        "language": researcher.language,
        "orcid": researcher.orcid,
        "orcid_verified": researcher.orcid_verified,
        "created_at": _iso(researcher.created_at),
        "last_seen_at": _iso(researcher.last_seen_at),
        "last_login_at": _iso(researcher.last_login_at),
        "last_login_ip": researcher.last_login_ip,
        "login_count": researcher.login_count,
        "privacy_consent_version": researcher.privacy_consent_version,
        "privacy_consent_at": _iso(researcher.privacy_consent_at),
    }


def _export_wechat_identities(researcher: Researcher) -> list[dict]:
    # The openid is the researcher's own identifier in our Mini Program: theirs to see. The session key never is.
    return [{"appid": identity.appid, "openid": identity.openid, "has_unionid": bool(identity.unionid),
             "created_at": _iso(identity.created_at)}
            for identity in researcher.wechat_identities.order_by("created_at", "pk")]


def _export_journal_accounts(researcher: Researcher) -> list[dict]:
    # Without the code hash, its expiry and attempts: they are proof machinery, not the researcher's data.
    return [{"id": account.pk, "journal_system": account.journal_system.key,
             "platform": account.journal_system.platform, "identity": account.identity,
             "identity_kind": account.identity_kind, "email_hint": account.email_hint,
             "status": account.status, "verification_method": account.verification_method,
             "verified_at": _iso(account.verified_at), "created_at": _iso(account.created_at)}
            for account in researcher.journal_accounts.select_related("journal_system").order_by("created_at", "pk")]


privacy_register("profile", export=_export_profile)
privacy_register("wechat_identities", export=_export_wechat_identities)
privacy_register("journal_accounts", export=_export_journal_accounts)


# --- Export and erase ------------------------------------------------------------------------------------------

def researcher_export(*, researcher: Researcher) -> dict:
    """Everything registered about `researcher`, one key per section (the Contract's keys always present).
    Records the export for staff."""
    sections = privacy_sections()
    exported: dict[str, Any] = {name: [] for name in EXPORT_SECTIONS}
    for name, section in sections.items():
        exported[name] = section.export(researcher)
    PrivacyRequest.objects.create(kind=PrivacyRequestKind.EXPORT, researcher=researcher,
                                  researcher_hash=researcher_reference_hash(researcher_id=researcher.pk),
                                  sections=sorted(exported))
    return exported


def researcher_erase(*, researcher: Researcher) -> PrivacyRequest:
    """Erase `researcher` (DELETE /api/v1/me), in one transaction; see the module docstring.

    The researcher row is locked first, so two erases (or an erase and a login's token) do not interleave.
    Afterwards no token of theirs authenticates (they are deleted with the researcher) and a later login by the
    same WeChat user finds no identity, so it starts a new, empty researcher."""
    researcher_id = researcher.pk
    with transaction.atomic():
        researcher = Researcher.objects.select_for_update().select_related("user").get(pk=researcher_id)
        erased = []
        for name, section in privacy_sections().items():
            if section.erase is not None:
                section.erase(researcher)
                erased.append(name)
        _admin_history_anonymize(researcher)
        OrcidProof.objects.filter(researcher=researcher).delete()
        JournalAccount.objects.filter(researcher=researcher).delete()
        WeChatIdentity.objects.filter(researcher=researcher).delete()
        user = researcher.user
        researcher.delete()  # cascades to its API tokens and to every row of higher apps that hangs on it
        user.delete()
        request = PrivacyRequest.objects.create(
            kind=PrivacyRequestKind.ERASE, researcher=None,
            researcher_hash=researcher_reference_hash(researcher_id=researcher_id),
            sections=sorted(set(erased) | {"profile", "wechat_identities", "journal_accounts"}))
    logger.info("researcher erased (privacy request %s)", request.pk)
    return request


def _admin_history_anonymize(researcher: Researcher) -> None:
    """Admin's history names what staff changed by its str() (a display name, a linked identity's e-mail): keep
    that staff changed something, not whose data it was."""
    targets = {
        Researcher: [researcher.pk],
        get_user_model(): [researcher.user_id],
        JournalAccount: list(researcher.journal_accounts.values_list("pk", flat=True)),
        WeChatIdentity: list(researcher.wechat_identities.values_list("pk", flat=True)),
    }
    for model, ids in targets.items():
        if ids:
            LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                    object_id__in=[str(pk) for pk in ids]).update(object_repr=ERASED_REPR)


# --- Consent to the privacy policy ------------------------------------------------------------------------------

def privacy_consent_required(*, researcher: Researcher) -> bool:
    """True until the researcher agreed to the current PRIVACY_POLICY_VERSION (and again after it changes)."""
    return researcher.privacy_consent_version != settings.PRIVACY_POLICY_VERSION


def privacy_consent_record(*, researcher: Researcher, version: str) -> Researcher:
    """Record agreement to `version` (which the API checked is the current one) with the time; idempotent for the
    same version (the first time is kept)."""
    if researcher.privacy_consent_version == version:
        return researcher
    researcher.privacy_consent_version = version
    researcher.privacy_consent_at = timezone.now()
    researcher.save(update_fields=["privacy_consent_version", "privacy_consent_at"])
    return researcher
