"""`make test` (pytest's session start) says exactly what to start when PostgreSQL or Redis is down."""

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import free_port


def test_reachable_services_pass(capsys):
    call_command("check_services")

    assert "reachable" in capsys.readouterr().out


def test_unreachable_services_name_what_to_start(settings, monkeypatch):
    monkeypatch.setitem(settings.DATABASES["default"], "PORT", free_port())
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    with pytest.raises(CommandError) as failure:
        call_command("check_services")

    message = str(failure.value)
    assert "PostgreSQL at 127.0.0.1" in message
    assert "Redis at redis://127.0.0.1" in message
    assert "docker compose -f docker-compose.dev.yml up -d" in message
