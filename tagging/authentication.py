"""The staff API's authentication (`Authorization: Api-Key <key>`) and scope checks (DESIGN Contract).

No key, or an unknown or revoked one → 401; a key without the endpoint's scope → 403. Each key is rate limited
(STAFF_API_RATE) on the shared cache, so every web process counts against one limit.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from publisher_backend.errors import Throttled
from publisher_backend.ratelimit import rate_limit_hit
from tagging.models import ApiKey
from tagging.services.staff_api import api_key_authenticate


class StaffApiClient:
    """The request's user on the staff API: another system, never a researcher or a staff member."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_active = True

    def __init__(self, key: ApiKey) -> None:
        self.key = key
        self.pk = None

    def __str__(self) -> str:
        return f"api:{self.key.name}"


class ApiKeyAuthentication(BaseAuthentication):
    keyword = b"api-key"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed()
        try:
            raw_key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed() from exc
        key = api_key_authenticate(raw_key=raw_key)
        if key is None:
            raise AuthenticationFailed()
        retry_after = rate_limit_hit(key=f"staff-api:{key.pk}", rate=settings.STAFF_API_RATE)
        if retry_after is not None:
            raise Throttled(retry_after_seconds=retry_after)
        return StaffApiClient(key), key

    def authenticate_header(self, request) -> str:
        return 'Api-Key realm="staff-api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key <key>` (python manage.py staff_api_key_create NAME --scopes …)"}


def scope_required(scope: str) -> type[BasePermission]:
    """A permission class: the request's API key carries `scope` (401 without a key, 403 without the scope)."""

    class HasScope(BasePermission):
        message = "This API key does not have the scope this endpoint needs."

        def has_permission(self, request, view) -> bool:
            return isinstance(request.auth, ApiKey) and request.auth.has_scope(scope)

    HasScope.__name__ = f"HasScope[{scope}]"
    return HasScope


class StaffApiMixin:
    """For staff API views: key authentication only (a researcher's token is no key), and `required_scope`."""

    authentication_classes = [ApiKeyAuthentication]
    required_scope = ""

    def get_permissions(self):
        return [scope_required(self.required_scope)()]
