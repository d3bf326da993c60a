"""One error envelope for everything under /api/ and /healthz.

Every error is `{"code": "<stable_snake_case>", "message": "<text in the request's language>",
"fields": {"<field>": ["<message>", ...]}}`. Services raise `ApiError` subclasses (a machine code,
an HTTP status and a translated message); DRF's own exceptions and Django's 404/500 handlers are
converted here. Whatever answers outside them (Django's debug pages under DEBUG, a middleware's refusal)
is replaced by `ApiErrorEnvelopeMiddleware`, so no other shape ever reaches a client.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django.views import defaults as django_defaults
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

# DRF's own messages that our catalog translates again (LOCALE_PATHS come before DRF's catalog): its zh-hans
# catalog says 不允许是用空字符串 ("an empty string is not allowed") for a NUL character.
DRF_MESSAGES_TRANSLATED_HERE = (gettext_noop("Null characters are not allowed."),)


class ApiError(Exception):
    """A failure a client can act on. Subclass per case; raise from services."""

    status_code: int = 400
    code: str = "invalid"
    default_message: Any = _("The request could not be processed.")

    def __init__(self, message: Any = None, *, fields: dict[str, list[str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.fields = fields or {}
        self.headers = headers or {}
        super().__init__(force_str(self.message))


class UpstreamUnavailable(ApiError):
    status_code = 503
    code = "upstream_unavailable"
    default_message = _("A service we depend on is unavailable. Please try again shortly.")


class Conflict(ApiError):
    status_code = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class Throttled(ApiError):
    status_code = 429
    code = "throttled"
    default_message = _("Too many requests. Please try again later.")

    def __init__(self, *, retry_after_seconds: int | None = None, message: Any = None) -> None:
        headers = {"Retry-After": str(int(retry_after_seconds))} if retry_after_seconds else {}
        super().__init__(message, headers=headers)


# DRF's exceptions, by class, mapped onto our stable codes and messages.
_DRF_CODES: dict[type[drf_exceptions.APIException], tuple[str, Any]] = {
    drf_exceptions.NotAuthenticated: ("not_authenticated", _("Please sign in again.")),
    drf_exceptions.AuthenticationFailed: ("not_authenticated", _("Please sign in again.")),
    drf_exceptions.PermissionDenied: ("permission_denied", _("You are not allowed to do this.")),
    drf_exceptions.NotFound: ("not_found", _("Not found.")),
    drf_exceptions.MethodNotAllowed: ("method_not_allowed", _("This method is not allowed here.")),
    drf_exceptions.NotAcceptable: ("not_acceptable", _("This response format is not available.")),
    drf_exceptions.UnsupportedMediaType: (
        "unsupported_media_type", _("Send the request body as JSON (Content-Type: application/json)."),
    ),
    drf_exceptions.ParseError: ("parse_error", _("The request body is not valid JSON.")),
    drf_exceptions.Throttled: ("throttled", _("Too many requests. Please try again later.")),
}

# Error statuses Django itself answers (handlers, debug pages, middleware), as stable codes and messages.
_STATUS_CODES: dict[int, tuple[str, Any]] = {
    400: ("invalid", _("The request could not be processed.")),
    403: ("permission_denied", _("You are not allowed to do this.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    413: ("request_too_large", _("The request body is too large.")),
    500: ("server_error", _("Something went wrong on our side. Please try again later.")),
}


class RequestTooLarge(ApiError):
    status_code = 413
    code = "request_too_large"
    default_message = _("The request body is too large.")


def error_body(code: str, message: Any, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": force_str(message), "fields": fields or {}}


def _flatten_field_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF error details (nested dicts/lists) as {"field" or "parent.child": [messages]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field_name, messages in _flatten_field_errors(value, name).items():
                flat.setdefault(field_name, []).extend(messages)
        return flat
    if isinstance(detail, list):
        flat = {}
        for index, item in enumerate(detail):
            # Lists of messages belong to the field itself; lists of objects are indexed.
            name = f"{prefix}.{index}" if isinstance(item, dict | list) and prefix else prefix
            for field_name, messages in _flatten_field_errors(item, name).items():
                flat.setdefault(field_name, []).extend(messages)
        return flat
    return {prefix or "non_field_errors": [force_str(detail)]}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: turn any known failure into the one envelope."""
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE, met by request.data
        exc = RequestTooLarge()

    if isinstance(exc, ApiError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code,
                        headers=exc.headers)

    if isinstance(exc, drf_exceptions.ValidationError):
        fields = _flatten_field_errors(exc.detail)
        return Response(error_body("invalid", _("Some fields are not valid."), fields), status=400)

    if isinstance(exc, drf_exceptions.APIException):
        code, message = _DRF_CODES.get(type(exc), (exc.default_code, exc.detail))
        headers: dict[str, str] = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        return Response(error_body(code, message), status=exc.status_code, headers=headers)

    return None  # unexpected: Django's handler500 answers (in the envelope for API paths)


def is_api_path(path: str) -> bool:
    return path.startswith("/api/") or path == "/healthz"


def envelope_response(request, status: int) -> JsonResponse:
    """The envelope for an error status Django answered, in the request's language."""
    code, message = _STATUS_CODES.get(status) or _STATUS_CODES[500 if status >= 500 else 400]
    with translation.override(translation.get_language_from_request(request)):
        return JsonResponse(error_body(code, message), status=status)


def handler400(request, exception=None):
    if is_api_path(request.path):
        return envelope_response(request, 400)
    return django_defaults.bad_request(request, exception)


def handler404(request, exception=None):
    if is_api_path(request.path):
        return envelope_response(request, 404)
    return django_defaults.page_not_found(request, exception)


def handler500(request):
    if is_api_path(request.path):
        return envelope_response(request, 500)
    return django_defaults.server_error(request)
