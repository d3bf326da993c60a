"""Plain pages (not under /api/): the ORCID proof as the Mini Program's web-view shows it (accounts.orcid)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import orcid

# Binds the OAuth state to the browser that spent the ticket (see accounts.orcid).
BROWSER_COOKIE = "orcid_proof"
COOKIE_PATH = "/orcid/"

_FAILURES = {
    orcid.OrcidProofFailed.EXPIRED: (410, lambda: _(
        "This link has expired or was already used. Go back to the Mini Program and start again.")),
    orcid.OrcidProofFailed.OTHER_BROWSER: (400, lambda: _(
        "This sign-in was started on another device or app. Start it again from the Mini Program.")),
    orcid.OrcidProofFailed.DENIED: (400, lambda: _(
        "You did not allow Scholar Link to read your ORCID iD, so nothing was changed.")),
    orcid.OrcidProofFailed.UNAVAILABLE: (502, lambda: _(
        "ORCID could not confirm your iD right now. Please try again later.")),
    orcid.OrcidProofFailed.TAKEN: (409, lambda: _(
        "This ORCID iD is already proven by another Scholar Link researcher. Ask the publisher's staff if it "
        "is yours.")),
}


def _page(request, *, language: str | None, status: int, done: bool, message: str = "", orcid_id: str = ""):
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        text = message or _("Your ORCID iD %(orcid)s is proven.") % {"orcid": orcid_id}
        response = render(request, "accounts/orcid_result.html",
                          {"done": done, "message": text, "language": translation.get_language()}, status=status)
    response.delete_cookie(BROWSER_COOKIE, path=COOKIE_PATH)
    return response


def _failure_page(request, failure: orcid.OrcidProofFailed):
    status, message = _FAILURES[failure.reason]
    with translation.override(failure.language or translation.get_language() or settings.LANGUAGE_CODE):
        text = message()
    return _page(request, language=failure.language, status=status, done=False, message=text)


@never_cache
@require_GET
def orcid_start(request):
    try:
        authorize_url, browser_nonce = orcid.orcid_proof_begin(ticket=request.GET.get("ticket", ""))
    except orcid.OrcidProofFailed as failure:
        return _failure_page(request, failure)
    response = HttpResponseRedirect(authorize_url)
    response.set_cookie(BROWSER_COOKIE, browser_nonce, max_age=settings.ORCID_PROOF_TTL_SECONDS, path=COOKIE_PATH,
                        secure=request.is_secure(), httponly=True, samesite="Lax")
    return response


@never_cache
@require_GET
def orcid_callback(request):
    try:
        researcher = orcid.orcid_proof_complete(
            state=request.GET.get("state", ""), code=request.GET.get("code", ""),
            error=request.GET.get("error", ""), browser_nonce=request.COOKIES.get(BROWSER_COOKIE, ""))
    except orcid.OrcidProofFailed as failure:
        return _failure_page(request, failure)
    return _page(request, language=researcher.language, status=200, done=True, orcid_id=researcher.orcid)
