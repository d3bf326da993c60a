"""Linking a researcher to their account on a journal system, with proof (flow 2).

The proof is a 6-digit code sent to the e-mail address the *platform* has on file, or — for a bibliographic
source such as Crossref, which has no e-mail — the researcher's ORCID iD proven at ORCID (accounts.orcid).
Codes are stored as HMACs, expire, allow a few attempts and can be resent at most once a minute.

Limits per researcher and per identity stop e-mail bombing and the enumeration of a platform's users, and
they are counted before the platform is asked (``journal_account_link_limit``). The reply is the same
whether or not the platform knows the identity: an e-mail identity's hint is the mask of the typed address;
a username's is the mask of the address on file or, when the platform does not know it, a stable decoy drawn
like a real one; and the code mail always goes through a Celery task after commit (it sends nothing without
an address), so the request does the same work either way.

Finding the identity on the platform is the caller's job (manuscripts' connectors); this module stores and
proves. An account becomes verified in one place (``_mark_verified``), which publishes
``accounts.events.journal_account_verified`` after commit.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import events
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
from publisher_backend.dispatch import enqueue_on_commit
from publisher_backend.errors import ApiError, Conflict, Throttled
from publisher_backend.fields import decrypt_text, encrypt_text
from publisher_backend.ratelimit import rate_limit_hit

logger = logging.getLogger(__name__)

_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Decoy domains when no linked account on the platform has an address on file yet.
_DECOY_DOMAINS = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "foxmail.com", "sina.com")


class IdentityInvalid(ApiError):
    code = "invalid"


class CodeInvalid(ApiError):
    code = "code_invalid"


class OrcidNotProven(ApiError):
    code = "orcid_not_proven"
    default_message = gettext_lazy("Prove your ORCID iD at ORCID first.")


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
    """A hint for a username the platform does not know, drawn like a real one so replies don't differ.

    A real hint is the first letter of the address on file and its domain. The decoy takes the username's
    first letter and a domain drawn, by a keyed hash of the identity, from the domains of the addresses this
    platform's linked accounts have on file, weighted by how often each occurs, so decoys follow the
    platform's own mix of domains. The first hint minted for an identity is stored on its account and reused
    by later attempts (``_hint_for``), so it stays the same however often it is asked for.
    """
    digest = hmac.new(settings.SECRET_KEY.encode(), f"decoy:{journal_system.pk}:{identity}".encode(),
                      hashlib.sha256).digest()
    first = identity[:1].lower()
    if not (first.isascii() and first.isalpha()):  # an ORCID iD starts with a digit; addresses rarely do
        first = "abcdefghijklmnopqrstuvwxyz"[digest[0] % 26]
    on_file = (JournalAccount.objects.filter(journal_system=journal_system).exclude(email_on_file="")
               .order_by("-id").values_list("email_on_file", flat=True)[:1000])
    domains = sorted(Counter(email.partition("@")[2] for email in on_file).items())
    if not domains:
        domains = [(domain, 1) for domain in _DECOY_DOMAINS]
    pick = int.from_bytes(digest[1:9], "big") % sum(count for _domain, count in domains)
    chosen = domains[-1][0]
    for domain, count in domains:
        if pick < count:
            chosen = domain
            break
        pick -= count
    return f"{first}***@{chosen}"


def _hint_for(*, journal_system: JournalSystem, identity_kind: str, identity: str, found: FoundIdentity | None,
              by_orcid: bool) -> str:
    if by_orcid:
        return ""  # proven by the researcher's ORCID iD: no e-mail is involved
    if identity_kind == IdentityKind.EMAIL:
        return mask_email(identity)  # the typed address, known or not: the reply cannot tell them apart
    if found and found.email:
        return mask_email(found.email)
    minted = (JournalAccount.objects.filter(journal_system=journal_system, identity=identity, platform_user_id="")
              .exclude(email_hint="").values_list("email_hint", flat=True).first())
    return minted or _decoy_email_hint(journal_system, identity)


def email_hint(account: JournalAccount) -> str:
    if account.verification_method == VerificationMethod.ORCID_MATCH:
        return ""  # proven by the researcher's ORCID iD; no e-mail was involved
    if account.email_hint:
        return account.email_hint
    # Accounts started before hints were stored.
    if account.identity_kind == IdentityKind.EMAIL:
        return mask_email(account.identity)
    if account.email_on_file:
        return mask_email(account.email_on_file)
    return _decoy_email_hint(account.journal_system, account.identity)


def _code_digest(account_id: int, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"link-code:{account_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _verified_by_someone_else(account: JournalAccount) -> bool:
    # The query runs for unknown identities too, so both cost the same.
    taken = JournalAccount.objects.filter(
        journal_system_id=account.journal_system_id, platform_user_id=account.platform_user_id,
        status=JournalAccountStatus.VERIFIED,
    ).exclude(researcher_id=account.researcher_id).exists()
    return bool(account.platform_user_id) and taken


def _issue_code(account: JournalAccount) -> None:
    """Store a fresh code's HMAC on the account and hand the code, sealed, to a Celery task after commit.

    The task is enqueued whether or not the platform knows the identity (it mails nothing without an address
    on file), so a request takes the same path either way and never waits for a mail server.
    """
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    account.code_hash = _code_digest(account.pk, code)
    account.code_expires_at = now + timedelta(seconds=settings.LINK_CODE_TTL_SECONDS)
    account.code_attempts = 0
    account.code_sent_at = now
    account.save(update_fields=["code_hash", "code_expires_at", "code_attempts", "code_sent_at"])
    # Sealed with the field-encryption key: the broker never holds a usable code.
    account_id, sealed_code = account.pk, encrypt_text(code)

    # A broker outage is logged and never turns the committed request into a 500; no sweep can mail a code
    # that is stored only hashed, so the researcher asks for it again (resend) once the broker is back.
    enqueue_on_commit("accounts.tasks.send_link_code", account_id, sealed_code)


def journal_account_code_mail_send(*, account_id: int, sealed_code: str) -> bool:
    """Mail a link code to the address on file (the Celery task's body). True when a mail went out.

    Sends nothing for an unknown identity (no address on file), an account no longer pending, or a code that
    a resend has replaced since.
    """
    account = (JournalAccount.objects.select_related("journal_system", "researcher")
               .filter(pk=account_id, status=JournalAccountStatus.PENDING).first())
    if account is None or not account.email_on_file:
        return False
    code = decrypt_text(sealed_code)
    if not account.code_hash or not hmac.compare_digest(account.code_hash, _code_digest(account.pk, code)):
        return False
    language = account.researcher.language
    minutes = settings.LINK_CODE_TTL_SECONDS // 60
    with translation.override(language):
        system_name = account.journal_system.localized_name(language)
        subject = _("Your Scholar Link verification code: %(code)s") % {"code": code}
        body = _(
            "Someone asked to link your account on %(system)s to Scholar Link in WeChat.\n\n"
            "Verification code: %(code)s\n\n"
            "It expires in %(minutes)d minutes. If this was not you, ignore this e-mail: nothing is linked "
            "without the code."
        ) % {"system": system_name, "code": code, "minutes": minutes}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [account.email_on_file])
    return True


def _limit(key: str, rate: str, message: str) -> None:
    retry_after = rate_limit_hit(key=key, rate=rate)
    if retry_after:
        raise Throttled(retry_after_seconds=retry_after, message=message)


def journal_account_link_limit(*, researcher: Researcher, journal_system: JournalSystem, identity: str) -> None:
    """Count one link attempt: 429 beyond LINK_ATTEMPTS_PER_RESEARCHER (e.g. 5/hour) or LINK_CODES_PER_IDENTITY
    (e.g. 3/day, across researchers). Called before the platform is asked, so a limited caller costs no lookup
    and no mail."""
    _limit(f"link:researcher:{researcher.pk}", settings.LINK_ATTEMPTS_PER_RESEARCHER,
           _("Too many link attempts. Please try again later."))
    _limit(f"link:identity:{journal_system.pk}:{identity}", settings.LINK_CODES_PER_IDENTITY,
           _("Too many codes were sent for this account today. Please try again tomorrow."))


def journal_account_already_verified(*, researcher: Researcher, journal_system: JournalSystem,
                                     identity: str) -> JournalAccount | None:
    """The researcher's verified account for this identity, if any: linking it again asks and schedules nothing."""
    return JournalAccount.objects.filter(researcher=researcher, journal_system=journal_system, identity=identity,
                                         status=JournalAccountStatus.VERIFIED).first()


def journal_account_orcid_proof_check(*, researcher: Researcher, identity_kind: str, identity: str) -> None:
    """A source proven by ORCID iD (Crossref) links only the researcher's own proven iD: else 400 orcid_not_proven
    naming the problem under fields.identity."""
    if identity_kind != IdentityKind.ORCID:
        problem = _("This source is linked with your ORCID iD, not an e-mail or username.")
    elif not researcher.orcid_verified:
        problem = _("Prove your ORCID iD first: sign in at ORCID from your profile, then link it here.")
    elif researcher.orcid != identity:
        problem = _("This is not the ORCID iD you proved at ORCID. Link the iD you signed in with.")
    else:
        return
    raise OrcidNotProven(problem, fields={"identity": [problem]})


@transaction.atomic
def journal_account_start(*, researcher: Researcher, journal_system: JournalSystem, identity_kind: str,
                          identity: str, found: FoundIdentity | None, by_orcid: bool = False) -> JournalAccount:
    """Create (or restart) a pending account and, unless it is proven `by_orcid`, send a code to the e-mail on file.

    The caller counted the limits (``journal_account_link_limit``) before asking the platform. 409 when another
    researcher has verified this identity. The reply never reveals whether the platform knows the identity.
    """
    account = (JournalAccount.objects.select_for_update()
               .filter(researcher=researcher, journal_system=journal_system, identity=identity).first())
    if account is not None and account.status == JournalAccountStatus.VERIFIED:
        return account
    if account is None:
        account = JournalAccount(researcher=researcher, journal_system=journal_system, identity=identity,
                                 identity_kind=identity_kind)
    already_mine = JournalAccount.objects.filter(
        researcher=researcher, journal_system=journal_system, platform_user_id=found.platform_user_id if found else "",
        status=JournalAccountStatus.VERIFIED).first()
    if found and already_mine is not None:  # the same platform user, typed another way (e-mail vs username)
        return already_mine
    account.platform_user_id = found.platform_user_id if found else ""
    account.email_on_file = found.email if found else ""
    account.email_hint = _hint_for(journal_system=journal_system, identity_kind=identity_kind, identity=identity,
                                   found=found, by_orcid=by_orcid)
    if _verified_by_someone_else(account):
        raise Conflict(_("Another researcher has already linked this account. "
                         "Ask the publisher's staff if it is yours."))
    account.status = JournalAccountStatus.PENDING
    account.save()
    if not by_orcid:
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
    """The one place an account becomes verified; publishes journal_account_verified after commit.

    An account that is verified already stays as it is and publishes nothing (no second sync, no second notice).
    """
    try:
        with transaction.atomic():
            account = JournalAccount.objects.select_for_update().get(pk=account.pk)
            if account.status == JournalAccountStatus.VERIFIED:
                return account
            if _verified_by_someone_else(account):
                raise Conflict(_("Another researcher has already linked this account. "
                                 "Ask the publisher's staff if it is yours."))
            account.status = JournalAccountStatus.VERIFIED
            account.verification_method = method
            account.verified_at = timezone.now()
            account.code_hash = ""
            account.save(update_fields=["status", "verification_method", "verified_at", "code_hash"])
            events.journal_account_verified_publish(account_id=account.pk)
    except IntegrityError as exc:  # a concurrent verification of the same identity won
        raise Conflict(_("Another researcher has already linked this account. "
                         "Ask the publisher's staff if it is yours.")) from exc
    return account


def journal_account_verify_by_orcid(*, account: JournalAccount) -> JournalAccount:
    """Verify without e-mail: only the researcher's own iD, proven at ORCID (checked again here)."""
    researcher = Researcher.objects.get(pk=account.researcher_id)
    journal_account_orcid_proof_check(researcher=researcher, identity_kind=account.identity_kind,
                                      identity=account.identity)
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
