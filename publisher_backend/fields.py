"""Encryption at rest for secrets kept in the database (session keys, platform credentials).

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) through MultiFernet: the first key of
FIELD_ENCRYPTION_KEY encrypts, every key decrypts, so keys rotate by putting a new key first
and running `manage.py rotate_field_encryption`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.strip().encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be comma-separated Fernet keys "
            "(make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        ) from exc


def field_fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_text(plaintext: str) -> str:
    return field_fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return field_fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted field cannot be read with any key in FIELD_ENCRYPTION_KEY."
        ) from exc


class EncryptedTextField(models.TextField):
    """A text value stored as a Fernet token. Not searchable; never put it in a serializer."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value)


class EncryptedJSONField(models.TextField):
    """A JSON object (e.g. a platform's API credentials) stored as one Fernet token. Never serialize it."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> dict | None:
        if value is None:
            return None
        if value == "":
            return {}
        return json.loads(decrypt_text(value))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value else {}
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return encrypt_text(json.dumps(value, sort_keys=True))

    def value_to_string(self, obj: Any) -> str:
        # Fixtures and dumpdata never carry the secret in clear.
        return self.get_prep_value(self.value_from_object(obj)) or ""
