"""Stand-in for ORCID's OAuth server (3-legged, scope ``/authenticate``), under the prefix ``/orcid``.

The product reaches it through ``ORCID_BASE_URL`` (``http://127.0.0.1:8025/orcid`` under ``make run``), the
same code path as the real ``https://orcid.org``. What is faithful (ORCID/ORCID-Source
``orcid-api-web/tutorial/get_id.md``; OAuth 2, RFC 6749 §4.1 and §5.2, whose error shapes ORCID answers):

- ``GET /orcid/oauth/authorize?client_id=…&response_type=code&scope=/authenticate&redirect_uri=…&state=…``:
  the page where a person signs in and grants access. Here: pick one of the sandbox's people, then Authorize
  or Deny. The form posts back; the browser is sent to ``redirect_uri?code=<6 characters>&state=…`` or
  ``redirect_uri?error=access_denied&error_description=…&state=…``.
- ``POST /orcid/oauth/token`` (form-encoded ``client_id``, ``client_secret``, ``grant_type=authorization_code``,
  ``code``, ``redirect_uri``) answers ORCID's JSON ``{"access_token", "token_type": "bearer", "refresh_token",
  "expires_in", "scope": "/authenticate", "name", "orcid"}``. A code works once and for 10 minutes, only for the
  client it was issued to and with the same ``redirect_uri``; refusals are ``{"error", "error_description"}``:
  ``invalid_client`` (401), ``unsupported_grant_type``, ``invalid_request`` and ``invalid_grant`` (400).

Sandbox simplifications, said plainly: no sign-in with a password (a person is picked from a list); any
``redirect_uri`` is accepted at authorize time (ORCID checks it against the client's registered URIs, which
answers an error page for an unregistered one); no OpenID Connect (``id_token``), no refresh grant, no
record API.

Scripting (Python on ``server.orcid``): ``add_person``, ``authorize`` (what the form does, for tests that have
no browser), ``token_requests`` (the call log), ``reset``. The people always include the demo author Li Wei,
``0000-0002-1825-0097``.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from sandbox.server import Request, Response, Router, json_response

PREFIX = "/orcid"
DEFAULT_CLIENT_ID = "APP-SANDBOXSCHOLAR01"
DEFAULT_CLIENT_SECRET = "5a4db0c5-0000-4000-8000-5c401a771171"
DEFAULT_PEOPLE = {"0000-0002-1825-0097": "Wei Li", "0000-0001-5109-3700": "Fang Wang"}
CODE_TTL_SECONDS = 600
TOKEN_LIFETIME_SECONDS = 631138518  # ORCID's long-lived /authenticate tokens (about 20 years), as in its tutorial
_CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class _Grant:
    orcid: str
    client_id: str
    redirect_uri: str
    scope: str
    expires_at: float


def _redirect(location: str) -> Response:
    return Response(302, b"", content_type="text/plain; charset=utf-8", headers={"Location": location})


def _with_query(url: str, params: dict[str, str]) -> str:
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}{urlencode(params)}"


def _form(request: Request) -> dict[str, str]:
    """A form-encoded body, first value of each field (as ORCID's server reads it)."""
    return {name: values[0] for name, values in parse_qs(request.body.decode("utf-8"), keep_blank_values=True).items()}


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status=status)


def _page(title: str, body: str, status: int = 200) -> Response:
    document = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title></head><body style='font-family:sans-serif;padding:16px'>"
        f"<h1 style='font-size:20px'>{html.escape(title)}</h1>{body}</body></html>"
    )
    return Response(status, document.encode("utf-8"), content_type="text/html; charset=utf-8")


class OrcidSandbox:
    """ORCID's authorize page and token endpoint for one registered client."""

    title = "ORCID"  # the index page's heading

    def __init__(self, client_id: str = DEFAULT_CLIENT_ID, client_secret: str = DEFAULT_CLIENT_SECRET) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self._lock = threading.Lock()
        self._people: dict[str, str] = dict(DEFAULT_PEOPLE)
        self._grants: dict[str, _Grant] = {}
        self._token_requests: list[dict] = []

    # --- scripting ---------------------------------------------------------------------------------------
    def add_person(self, orcid: str, name: str) -> None:
        with self._lock:
            self._people[orcid] = name

    def authorize(self, *, orcid: str, redirect_uri: str, client_id: str | None = None,
                  scope: str = "/authenticate") -> str:
        """What the person's Authorize click does: a fresh one-time code for ``orcid``."""
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
        with self._lock:
            if orcid not in self._people:
                raise ValueError(f"no sandbox ORCID person {orcid}")
            self._grants[code] = _Grant(orcid=orcid, client_id=client_id or self.client_id,
                                        redirect_uri=redirect_uri, scope=scope,
                                        expires_at=time.monotonic() + CODE_TTL_SECONDS)
        return code

    def token_requests(self) -> list[dict]:
        """The token calls received (form fields, the client secret left out)."""
        with self._lock:
            return [dict(entry) for entry in self._token_requests]

    def reset(self) -> None:
        with self._lock:
            self._people = dict(DEFAULT_PEOPLE)
            self._grants.clear()
            self._token_requests.clear()

    # --- HTTP --------------------------------------------------------------------------------------------
    def register(self, router: Router) -> None:
        router.add("GET", f"{PREFIX}/oauth/authorize", self._authorize_page)
        router.add("POST", f"{PREFIX}/oauth/authorize", self._authorize_decision)
        router.add("POST", f"{PREFIX}/oauth/token", self._token)

    def _authorize_page(self, request: Request) -> Response:
        query = request.query
        problem = self._authorize_problem(query)
        if problem:
            return _page("ORCID: invalid authorization request", f"<p>{html.escape(problem)}</p>", status=400)
        with self._lock:
            people = sorted(self._people.items())
        hidden = "".join(f"<input type='hidden' name='{name}' value='{html.escape(query.get(name, ''), quote=True)}'>"
                         for name in ("client_id", "response_type", "scope", "redirect_uri", "state"))
        choices = "".join(
            f"<p><label><input type='radio' name='orcid' value='{orcid}'{' checked' if index == 0 else ''}> "
            f"{html.escape(name)} ({orcid})</label></p>" for index, (orcid, name) in enumerate(people))
        body = (
            f"<p>Scholar Link (sandbox client {html.escape(self.client_id)}) asks to get your ORCID iD.</p>"
            f"<form method='post' action='{PREFIX}/oauth/authorize'>{hidden}{choices}"
            "<p><button type='submit' name='decision' value='authorize'>Authorize access</button> "
            "<button type='submit' name='decision' value='deny'>Deny access</button></p></form>"
        )
        return _page("ORCID sandbox: sign in and authorize", body)

    def _authorize_problem(self, fields: dict[str, str]) -> str:
        if fields.get("client_id") != self.client_id:
            return f"Client not found: {fields.get('client_id', '')}"
        if fields.get("response_type") != "code":
            return "Unsupported response type: only 'code' is offered here."
        if "/authenticate" not in (fields.get("scope") or "").split():
            return "Invalid scope: ask for /authenticate."
        redirect = urlsplit(fields.get("redirect_uri") or "")
        if redirect.scheme not in ("http", "https") or not redirect.netloc:
            return "Redirect URI doesn't match your registered redirect URIs."
        return ""

    def _authorize_decision(self, request: Request) -> Response:
        form = _form(request)
        problem = self._authorize_problem(form)
        if problem:
            return _page("ORCID: invalid authorization request", f"<p>{html.escape(problem)}</p>", status=400)
        redirect_uri, state = form["redirect_uri"], form.get("state", "")
        echo_state = {"state": state} if state else {}
        if form.get("decision") != "authorize":
            return _redirect(_with_query(redirect_uri, {"error": "access_denied",
                                                        "error_description": "User denied access", **echo_state}))
        try:
            code = self.authorize(orcid=form.get("orcid", ""), redirect_uri=redirect_uri, scope=form["scope"])
        except ValueError as exc:
            return _page("ORCID: pick a person", f"<p>{html.escape(str(exc))}</p>", status=400)
        return _redirect(_with_query(redirect_uri, {"code": code, **echo_state}))

    def _token(self, request: Request) -> Response:
        form = _form(request)
        with self._lock:
            self._token_requests.append({name: value for name, value in form.items() if name != "client_secret"})
        if form.get("client_id") != self.client_id or not secrets.compare_digest(
                form.get("client_secret", ""), self.client_secret):
            return _oauth_error("invalid_client", "Bad client credentials", status=401)
        if form.get("grant_type") != "authorization_code":
            return _oauth_error("unsupported_grant_type", f"Unsupported grant type: {form.get('grant_type', '')}")
        code = form.get("code", "")
        if not code:
            return _oauth_error("invalid_request", "Missing authorization code")
        with self._lock:
            grant = self._grants.pop(code, None)  # one use, whatever the outcome
            name = self._people.get(grant.orcid, "") if grant else ""
        if grant is None or grant.expires_at < time.monotonic() or grant.client_id != form["client_id"]:
            return _oauth_error("invalid_grant", f"Invalid authorization code: {code}")
        if form.get("redirect_uri", "") != grant.redirect_uri:
            return _oauth_error("invalid_grant", "Redirect URI mismatch.")
        return json_response({
            "access_token": secrets.token_hex(16), "token_type": "bearer", "refresh_token": secrets.token_hex(16),
            "expires_in": TOKEN_LIFETIME_SECONDS, "scope": grant.scope, "name": name, "orcid": grant.orcid,
        })
