"""Staff API keys: created (the key is returned once), authenticated by their hash, revoked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from tagging.models import ApiKey, ApiScope

KEY_PREFIX = "slk_"
# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class UnknownScope(ValueError):
    pass


def api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def api_key_create(*, name: str, scopes: list[str], created_by=None) -> tuple[ApiKey, str]:
    """A new key with these scopes; returns (the row, the key). Only the key's hash is stored."""
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown:
        raise UnknownScope(", ".join(unknown))
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(name=name[:100], prefix=raw_key[:12], key_hash=api_key_hash(raw_key),
                                scopes=sorted(set(scopes)), created_by=created_by)
    return key, raw_key


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    """The live key `raw_key` names, or None. Looked up by its hash, so the answer's timing says nothing of how
    close a guess was."""
    key = ApiKey.objects.filter(key_hash=api_key_hash(raw_key), revoked_at__isnull=True).first()
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def api_key_revoke(*, key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
