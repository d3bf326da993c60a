"""Proving a researcher's ORCID iD with ORCID's own OAuth (3-legged, scope ``/authenticate``).

A typed iD proves nothing; an iD is proven when its owner signs in at ORCID and ORCID tells us the iD.
What ORCID does, from its own tutorial (ORCID/ORCID-Source ``orcid-api-web/tutorial/get_id.md``):

- the user's browser goes to ``{ORCID_BASE_URL}/oauth/authorize?client_id=…&response_type=code&scope=/authenticate
  &redirect_uri=…`` (we add ``state``), signs in and grants access, and is sent back to ``redirect_uri?code=…``
  (a 6-character code); a user who denies comes back with ``error=access_denied``;
- ``POST {ORCID_BASE_URL}/oauth/token`` (form-encoded ``client_id``, ``client_secret``,
  ``grant_type=authorization_code``, ``code``; ``Accept: application/json``) answers
  ``{"access_token", "token_type": "bearer", "refresh_token", "expires_in", "scope": "/authenticate",
  "orcid", "name"}``. We also send ``redirect_uri``, as OAuth 2 (RFC 6749 §4.1.3) requires of a code whose
  authorization request carried one. Refusals are OAuth 2 JSON errors ``{"error", "error_description"}``.

Our flow, all of it bound to the researcher who asked:
1. ``POST /api/v1/me/orcid`` (``orcid_proof_start``): a one-time ticket (ORCID_PROOF_TTL_SECONDS, stored as a
   SHA-256) in a start URL on PUBLIC_BASE_URL, which the Mini Program opens in a web-view.
2. ``GET /orcid/start?ticket=`` (``orcid_proof_begin``): the ticket is spent; a random state and a browser nonce
   (kept in a cookie) are stored hashed, and the browser goes to ORCID.
3. ``GET /orcid/callback?code=&state=`` (``orcid_proof_complete``): the state is spent (single use, expiry, same
   browser), the code exchanged (timeout, no redirects followed) and the iD stored as proven — unless another
   researcher proved it: that is refused, never taken over.

Without ORCID_CLIENT_ID and ORCID_CLIENT_SECRET the whole proof is switched off (503 ``orcid_unavailable``).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrcidProof, Researcher
from accounts.services import researchers_touch
from accounts.validators import ORCID_PATTERN, normalize_orcid, orcid_check_digit
from publisher_backend.errors import ApiError, Throttled
from publisher_backend.ratelimit import rate_limit_hit

logger = logging.getLogger(__name__)

SCOPE = "/authenticate"
START_PATH = "/orcid/start"
CALLBACK_PATH = "/orcid/callback"


class OrcidUnavailable(ApiError):
    status_code = 503
    code = "orcid_unavailable"
    default_message = _("Proving an ORCID iD is switched off on this server (ORCID sign-in is not configured).")


class OrcidProofFailed(Exception):
    """Why a proof did not complete: ``reason`` is one of the constants below; ``language`` the researcher's."""

    EXPIRED, OTHER_BROWSER, DENIED, UNAVAILABLE, TAKEN = "expired", "other_browser", "denied", "unavailable", "taken"

    def __init__(self, reason: str, *, language: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.language = language


def orcid_configured() -> bool:
    return bool(settings.ORCID_CLIENT_ID and settings.ORCID_CLIENT_SECRET)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def callback_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}{CALLBACK_PATH}"


def orcid_proof_start(*, researcher: Researcher) -> tuple[str, datetime]:
    """A one-time start URL for the researcher's web-view, and when it expires.

    503 when ORCID is not configured; 429 beyond ORCID_PROOFS_PER_RESEARCHER.
    """
    if not orcid_configured():
        raise OrcidUnavailable()
    retry_after = rate_limit_hit(key=f"orcid:researcher:{researcher.pk}", rate=settings.ORCID_PROOFS_PER_RESEARCHER)
    if retry_after:
        raise Throttled(retry_after_seconds=retry_after,
                        message=_("Too many attempts to prove an ORCID iD. Please try again later."))
    ticket = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(seconds=settings.ORCID_PROOF_TTL_SECONDS)
    OrcidProof.objects.create(researcher=researcher, ticket_hash=_digest(ticket), ticket_expires_at=expires_at)
    return f"{settings.PUBLIC_BASE_URL}{START_PATH}?{urlencode({'ticket': ticket})}", expires_at


def orcid_proof_begin(*, ticket: str) -> tuple[str, str]:
    """Spend a ticket: (ORCID's authorize URL with a fresh state, the browser nonce to keep in a cookie).

    Raises OrcidProofFailed(EXPIRED) for an unknown, used or expired ticket, UNAVAILABLE when switched off.
    """
    if not orcid_configured():
        raise OrcidProofFailed(OrcidProofFailed.UNAVAILABLE)
    now = timezone.now()
    proof = OrcidProof.objects.select_related("researcher").filter(ticket_hash=_digest(ticket or "")).first()
    # The conditional UPDATE spends the ticket once, whatever number of requests race for it.
    if proof is None or not OrcidProof.objects.filter(pk=proof.pk, ticket_used_at__isnull=True,
                                                      ticket_expires_at__gt=now).update(ticket_used_at=now):
        raise OrcidProofFailed(OrcidProofFailed.EXPIRED, language=proof.researcher.language if proof else None)
    state, browser_nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    OrcidProof.objects.filter(pk=proof.pk).update(
        state_hash=_digest(state), browser_hash=_digest(browser_nonce),
        state_expires_at=now + timedelta(seconds=settings.ORCID_PROOF_TTL_SECONDS))
    query = urlencode({"client_id": settings.ORCID_CLIENT_ID, "response_type": "code", "scope": SCOPE,
                       "redirect_uri": callback_url(), "state": state})
    return f"{settings.ORCID_BASE_URL}/oauth/authorize?{query}", browser_nonce


def _exchange_code(code: str) -> dict:
    """ORCID's token answer for an authorization code; OrcidProofFailed(UNAVAILABLE) on any refusal or failure."""
    try:
        response = requests.post(
            f"{settings.ORCID_BASE_URL}/oauth/token",
            data={"client_id": settings.ORCID_CLIENT_ID, "client_secret": settings.ORCID_CLIENT_SECRET,
                  "grant_type": "authorization_code", "code": code, "redirect_uri": callback_url()},
            headers={"Accept": "application/json"}, timeout=settings.ORCID_TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        logger.warning("ORCID token endpoint unreachable: %s", type(exc).__name__)
        raise OrcidProofFailed(OrcidProofFailed.UNAVAILABLE) from exc
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code != 200 or not isinstance(answer, dict):
        error = answer.get("error") if isinstance(answer, dict) else ""
        # Never the body in full: it could echo what we sent.
        logger.warning("ORCID refused the code exchange: HTTP %s %s", response.status_code, str(error)[:60])
        raise OrcidProofFailed(OrcidProofFailed.UNAVAILABLE)
    return answer


def _proven_orcid(answer: dict) -> str:
    orcid = normalize_orcid(str(answer.get("orcid") or ""))
    digits = orcid.replace("-", "")
    if not ORCID_PATTERN.match(orcid) or orcid_check_digit(digits[:15]) != digits[15]:
        logger.warning("ORCID answered a token without a valid iD")
        raise OrcidProofFailed(OrcidProofFailed.UNAVAILABLE)
    return orcid


def orcid_proof_complete(*, state: str, code: str, error: str, browser_nonce: str) -> Researcher:
    """The callback: spend the state, exchange the code, store the proven iD on the state's researcher.

    Refuses (OrcidProofFailed) an unknown, used or expired state (EXPIRED), a state opened in another browser
    (OTHER_BROWSER), a user's refusal at ORCID (DENIED), ORCID failing (UNAVAILABLE), and an iD another
    researcher has proven (TAKEN): a proof is never moved from one researcher to another.
    """
    now = timezone.now()
    proof = (OrcidProof.objects.select_related("researcher")
             .filter(state_hash=_digest(state), state_hash__gt="").first()) if state else None
    if proof is None or not OrcidProof.objects.filter(pk=proof.pk, state_used_at__isnull=True,
                                                      state_expires_at__gt=now).update(state_used_at=now):
        raise OrcidProofFailed(OrcidProofFailed.EXPIRED, language=proof.researcher.language if proof else None)
    language = proof.researcher.language

    def fail(reason: str) -> OrcidProofFailed:
        OrcidProof.objects.filter(pk=proof.pk).update(outcome=reason)
        return OrcidProofFailed(reason, language=language)

    if not secrets.compare_digest(proof.browser_hash, _digest(browser_nonce or "")):
        raise fail(OrcidProofFailed.OTHER_BROWSER)
    if error or not code:
        raise fail(OrcidProofFailed.DENIED if error == "access_denied" else OrcidProofFailed.UNAVAILABLE)
    try:
        answer = _exchange_code(code)
        orcid = _proven_orcid(answer)
    except OrcidProofFailed as exc:
        raise fail(exc.reason) from exc
    if Researcher.objects.filter(orcid=orcid, orcid_verified_at__isnull=False).exclude(pk=proof.researcher_id).exists():
        raise fail(OrcidProofFailed.TAKEN)
    try:
        with transaction.atomic():
            researcher = Researcher.objects.select_for_update().get(pk=proof.researcher_id)
            researcher.orcid, researcher.orcid_verified_at = orcid, now
            update_fields = ["orcid", "orcid_verified_at"]
            name = str(answer.get("name") or "").strip()
            if name and not researcher.display_name:
                researcher.display_name = name[:64]
                update_fields.append("display_name")
            researcher.save(update_fields=update_fields)
            researchers_touch(researcher_ids=[researcher.pk])
            OrcidProof.objects.filter(pk=proof.pk).update(outcome="proven")
    except IntegrityError as exc:  # a concurrent proof of the same iD by another researcher won
        raise fail(OrcidProofFailed.TAKEN) from exc
    return researcher


def orcid_proofs_purge(*, older_than_days: int = 30) -> int:
    """Delete proof attempts (spent or not) older than `older_than_days`; their tickets and states expired long
    ago. Returns the count."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _by_model = OrcidProof.objects.filter(created_at__lt=cutoff).delete()
    return deleted
