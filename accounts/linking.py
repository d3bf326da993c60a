"""Linking a researcher to their account on a journal system, with proof (flow 2).

The proof is a 6-digit code sent to the e-mail address the *platform* has on file. Codes are stored
as HMACs, expire, allow a few attempts and can be resent at most once a minute. Limits per researcher
and per identity stop e-mail bombing and the enumeration of a platform's users: the reply is the same
whether or not the platform knows the identity (an unknown identity gets a stable decoy e-mail hint
and no mail). Finding the identity on the platform is the caller's job (manuscripts' connectors);
this module stores and proves.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import (
    IdentityKind,
    JournalAccount,
    JournalAccountStatus,
    JournalSystem,
    Researcher,
    User,
    VerificationMethod,
)
from accounts.validators import ORCID_PATTERN, normalize_orcid
from publisher_backend.errors import ApiError, Conflict, Throttled
from publisher_backend.ratelimit import rate_limit_hit

logger = logging.getLogger(__name__)

_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DECOY_DOMAINS = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "foxmail.com", "sina.com")


class IdentityInvalid(ApiError):
    code = "invalid"


class CodeInvalid(ApiError):
    code = "code_invalid"


class AccountNotPending(ApiError):
    status_code = 409
    code = "conflict"
    default_message = gettext_lazy("This account is not waiting for a code.")


@dataclass(frozen=True)
class FoundIdentity:
    """What the platform told us about the identity (from a connector)."""

    platform_user_id: str
    email: str
    orcid: str = ""


def identity_classify(raw_identity: str) -> tuple[str, str]:
    """'Z.Li@X.org ' -> ('email', 'z.li@x.org'); ORCID iDs in any form -> ('orcid', '0000-…'); else username."""
    text = (raw_identity or "").strip()
    if not text:
        raise IdentityInvalid(fields={"identity": [_("Enter the e-mail, username or ORCID iD you use there.")]})
    if len(text) > 254:
        raise IdentityInvalid(fields={"identity": [_("This is too long to be an e-mail, username or ORCID iD.")]})
    if "@" in text:
        if not _EMAIL_PATTERN.match(text):
            raise IdentityInvalid(fields={"identity": [_("Enter a valid e-mail address.")]})
        return IdentityKind.EMAIL, text.lower()
    orcid = normalize_orcid(text)
    if ORCID_PATTERN.match(orcid):
        return IdentityKind.ORCID, orcid
    return IdentityKind.USERNAME, text


def mask_email(email: str) -> str:
    """'zhang.wei@x.org' -> 'z***@x.org'."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _decoy_email_hint(journal_system: JournalSystem, identity: str) -> str:
    """A stable, plausible hint for an identity the platform does not know, so replies don't differ."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"decoy:{journal_system.pk}:{identity}".encode(),
                      hashlib.sha256).digest()
    return f"{'abcdefghijklmnopqrstuvwxyz'[digest[0] % 26]}***@{_DECOY_DOMAINS[digest[1] % len(_DECOY_DOMAINS)]}"


def email_hint(account: JournalAccount) -> str:
    if account.verification_method == VerificationMethod.ORCID_MATCH:
        return ""  # proven by the platform's ORCID record; no e-mail was involved
    if account.email_on_file:
        return mask_email(account.email_on_file)
    return _decoy_email_hint(account.journal_system, account.identity)


def _code_digest(account_id: int, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"link-code:{account_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _verified_by_someone_else(account: JournalAccount) -> bool:
    return bool(account.platform_user_id) and JournalAccount.objects.filter(
        journal_system_id=account.journal_system_id, platform_user_id=account.platform_user_id,
        status=JournalAccountStatus.VERIFIED,
    ).exclude(researcher_id=account.researcher_id).exists()


def _issue_code(account: JournalAccount) -> None:
    """Store a fresh code's HMAC on the account and mail the code after commit (only to a real address)."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    account.code_hash = _code_digest(account.pk, code)
    account.code_expires_at = now + timedelta(seconds=settings.LINK_CODE_TTL_SECONDS)
    account.code_attempts = 0
    account.code_sent_at = now
    account.save(update_fields=["code_hash", "code_expires_at", "code_attempts", "code_sent_at"])
    if not account.email_on_file:
        return
    recipient, language = account.email_on_file, account.researcher.language
    system_name = account.journal_system.localized_name(language)
    transaction.on_commit(lambda: _send_code_mail(recipient, code, system_name, language))


def _send_code_mail(recipient: str, code: str, system_name: str, language: str) -> None:
    minutes = settings.LINK_CODE_TTL_SECONDS // 60
    with translation.override(language):
        subject = _("Your Scholar Link verification code: %(code)s") % {"code": code}
        body = _(
            "Someone asked to link your account on %(system)s to Scholar Link in WeChat.\n\n"
            "Verification code: %(code)s\n\n"
            "It expires in %(minutes)d minutes. If this was not you, ignore this e-mail: nothing is linked "
            "without the code."
        ) % {"system": system_name, "code": code, "minutes": minutes}
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    except Exception:  # a mail outage must not lose the pending account; the researcher can resend
        logger.exception("sending a link code failed")


def _limit(key: str, rate: str, message: str) -> None:
    retry_after = rate_limit_hit(key=key, rate=rate)
    if retry_after:
        raise Throttled(retry_after_seconds=retry_after, message=message)


@transaction.atomic
def journal_account_start(*, researcher: Researcher, journal_system: JournalSystem, identity_kind: str,
                          identity: str, found: FoundIdentity | None) -> JournalAccount:
    """Create (or restart) a pending account and send a code to the e-mail on file.

    Limits: LINK_ATTEMPTS_PER_RESEARCHER (e.g. 5/hour) and LINK_CODES_PER_IDENTITY (e.g. 3/day).
    409 when another researcher has verified this identity. The reply never reveals whether the
    platform knows the identity.
    """
    _limit(f"link:researcher:{researcher.pk}", settings.LINK_ATTEMPTS_PER_RESEARCHER,
           _("Too many link attempts. Please try again later."))
    account = (JournalAccount.objects.select_for_update()
               .filter(researcher=researcher, journal_system=journal_system, identity=identity).first())
    if account is not None and account.status == JournalAccountStatus.VERIFIED:
        return account
    if account is None:
        account = JournalAccount(researcher=researcher, journal_system=journal_system, identity=identity,
                                 identity_kind=identity_kind)
    if found:
        already_mine = JournalAccount.objects.filter(
            researcher=researcher, journal_system=journal_system, platform_user_id=found.platform_user_id,
            status=JournalAccountStatus.VERIFIED).first()
        if already_mine is not None:  # the same platform user, typed another way (e-mail vs username)
            return already_mine
    account.platform_user_id = found.platform_user_id if found else ""
    account.email_on_file = found.email if found else ""
    if _verified_by_someone_else(account):
        raise Conflict(_("Another researcher has already linked this account. "
                         "Ask the publisher's staff if it is yours."))
    account.status = JournalAccountStatus.PENDING
    account.save()
    _limit(f"link:identity:{journal_system.pk}:{identity}", settings.LINK_CODES_PER_IDENTITY,
           _("Too many codes were sent for this account today. Please try again tomorrow."))
    _issue_code(account)
    return account


@transaction.atomic
def journal_account_resend(*, account: JournalAccount) -> JournalAccount:
    account = (JournalAccount.objects.select_for_update().select_related("journal_system", "researcher")
               .get(pk=account.pk))
    if account.status != JournalAccountStatus.PENDING:
        raise AccountNotPending()
    since_last = (timezone.now() - account.code_sent_at).total_seconds() if account.code_sent_at else None
    if since_last is not None and since_last < settings.LINK_CODE_RESEND_SECONDS:
        wait = settings.LINK_CODE_RESEND_SECONDS - since_last
        raise Throttled(retry_after_seconds=max(1, int(wait) + 1),
                        message=_("A code was sent a moment ago. Please wait before asking for another."))
    _limit(f"link:identity:{account.journal_system_id}:{account.identity}", settings.LINK_CODES_PER_IDENTITY,
           _("Too many codes were sent for this account today. Please try again tomorrow."))
    _issue_code(account)
    return account


def journal_account_verify(*, account: JournalAccount, code: str) -> JournalAccount:
    """Check a code. Wrong codes count against LINK_CODE_MAX_ATTEMPTS (the count survives the error)."""
    with transaction.atomic():
        account = JournalAccount.objects.select_for_update().get(pk=account.pk)
        if account.status == JournalAccountStatus.VERIFIED:
            return account
        if account.status != JournalAccountStatus.PENDING or not account.code_hash:
            raise AccountNotPending()
        if account.code_attempts >= settings.LINK_CODE_MAX_ATTEMPTS:
            raise Throttled(message=_("Too many wrong codes. Ask for a new code or for staff to verify you."))
        now = timezone.now()
        expired = account.code_expires_at is None or account.code_expires_at <= now
        matches = bool(account.platform_user_id) and hmac.compare_digest(
            account.code_hash, _code_digest(account.pk, (code or "").strip()))
        if expired or not matches:
            account.code_attempts += 1
            account.save(update_fields=["code_attempts"])
            failure = _("This code has expired. Ask for a new one.") if expired else (
                _("Wrong code. %(left)d attempts left.")
                % {"left": max(settings.LINK_CODE_MAX_ATTEMPTS - account.code_attempts, 0)})
    if expired or not matches:
        raise CodeInvalid(fields={"code": [failure]}, message=failure)
    return _mark_verified(account, VerificationMethod.EMAIL_CODE)


def _mark_verified(account: JournalAccount, method: str) -> JournalAccount:
    try:
        with transaction.atomic():
            account = JournalAccount.objects.select_for_update().get(pk=account.pk)
            if _verified_by_someone_else(account):
                raise Conflict(_("Another researcher has already linked this account. "
                                 "Ask the publisher's staff if it is yours."))
            account.status = JournalAccountStatus.VERIFIED
            account.verification_method = method
            account.verified_at = timezone.now()
            account.code_hash = ""
            account.save(update_fields=["status", "verification_method", "verified_at", "code_hash"])
    except IntegrityError as exc:  # a concurrent verification of the same identity won
        raise Conflict(_("Another researcher has already linked this account. "
                         "Ask the publisher's staff if it is yours.")) from exc
    return account


def journal_account_verify_by_orcid_match(*, account: JournalAccount) -> JournalAccount:
    """Verify without e-mail: allowed only when the platform's own record carries the researcher's ORCID iD."""
    return _mark_verified(account, VerificationMethod.ORCID_MATCH)


@transaction.atomic
def journal_account_request_manual_review(*, account: JournalAccount, note: str) -> JournalAccount:
    account = JournalAccount.objects.select_for_update().get(pk=account.pk)
    if account.status == JournalAccountStatus.VERIFIED:
        raise AccountNotPending()
    account.status = JournalAccountStatus.MANUAL_REVIEW
    account.manual_review_note = note[:2000]
    account.save(update_fields=["status", "manual_review_note"])
    return account


def journal_account_staff_verify(*, account: JournalAccount, staff: User) -> JournalAccount:
    """Staff confirmed by other means that the identity is this researcher's (admin queue)."""
    logger.info("staff %s verified journal account %s by hand", staff.pk, account.pk)
    return _mark_verified(account, VerificationMethod.STAFF)


def journal_account_unlink(*, account: JournalAccount) -> None:
    """Remove the link; the researcher stops seeing the manuscripts they saw only through it."""
    account.delete()
