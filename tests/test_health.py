"""GET /healthz checks the database, Redis and the broker for real."""

import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.django_db


def closed_port_url(scheme: str) -> str:
    return f"{scheme}://127.0.0.1:{free_port()}/0"


def test_all_parts_up_is_200(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True, "redis": True, "broker": True,
    }


def test_stopped_redis_is_503_naming_it(client, settings):
    settings.REDIS_URL = closed_port_url("redis")
    settings.HEALTHCHECK_TIMEOUT_SECONDS = 0.5

    response = client.get("/healthz", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "unhealthy"
    assert list(body["fields"]) == ["redis"]
    assert "redis" in body["message"]
    assert body["checks"]["database"]["ok"] is True


def test_stopped_broker_is_503_naming_it(client, settings):
    settings.CELERY_BROKER_URL = closed_port_url("redis")
    settings.HEALTHCHECK_TIMEOUT_SECONDS = 0.5

    response = client.get("/healthz")

    assert response.status_code == 503
    assert list(response.json()["fields"]) == ["broker"]


def test_stopped_database_is_503_naming_it(client, monkeypatch):
    from django.db import connection

    # A fresh connection to a port where nothing listens, as when PostgreSQL is down.
    monkeypatch.setitem(connection.settings_dict, "PORT", free_port())
    connection.close()
    try:
        response = client.get("/healthz")
    finally:
        monkeypatch.undo()
        connection.close()

    assert response.status_code == 503
    assert "database" in response.json()["fields"]
