"""Secrets at rest: Fernet tokens under rotating keys."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from accounts.models import WeChatIdentity

pytestmark = pytest.mark.django_db


def raw_session_key(identity_pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_key FROM accounts_wechatidentity WHERE id = %s", [identity_pk])
        return cursor.fetchone()[0]


@pytest.fixture
def identity(login) -> WeChatIdentity:
    login("alice")
    return WeChatIdentity.objects.get()


def test_value_written_under_an_old_key_stays_readable_after_a_new_key_is_added(identity, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]

    assert WeChatIdentity.objects.get().session_key == identity.session_key


def test_rotation_re_encrypts_under_the_new_key_so_the_old_key_can_go(identity, settings):
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, settings.FIELD_ENCRYPTION_KEYS[0]]

    call_command("rotate_field_encryption", stdout=open("/dev/null", "w"))  # noqa: SIM115

    raw_value = raw_session_key(identity.pk)
    assert Fernet(new_key.encode()).decrypt(raw_value.encode()).decode() == identity.session_key
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert WeChatIdentity.objects.get().session_key == identity.session_key


def test_a_value_no_key_can_read_is_a_clear_configuration_error(identity, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        WeChatIdentity.objects.get()
