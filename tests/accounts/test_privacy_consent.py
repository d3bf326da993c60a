"""Consent to the privacy policy: recorded with its version and time, asked again when the version changes."""

import pytest

from accounts.models import Researcher

pytestmark = pytest.mark.django_db

CONSENT = "/api/v1/me/privacy-consent"


def test_a_new_researcher_must_consent(researcher_client):
    client, body = researcher_client

    assert body["researcher"]["privacy_consent_required"] is True
    assert client.get("/api/v1/me").json()["privacy_consent_required"] is True


def test_consent_to_the_current_version_is_recorded_with_its_time(researcher_client, settings):
    settings.PRIVACY_POLICY_VERSION = "2026-12-01"
    client, body = researcher_client

    response = client.post(CONSENT, {"version": "2026-12-01"}, format="json")

    assert response.status_code == 200
    assert response.json()["privacy_consent_required"] is False
    researcher = Researcher.objects.get(pk=body["researcher"]["id"])
    assert researcher.privacy_consent_version == "2026-12-01"
    assert researcher.privacy_consent_at is not None
    assert client.get("/api/v1/me").json()["privacy_consent_required"] is False


def test_a_new_policy_version_asks_again(researcher_client, settings):
    settings.PRIVACY_POLICY_VERSION = "2026-12-01"
    client, _body = researcher_client
    client.post(CONSENT, {"version": "2026-12-01"}, format="json")

    settings.PRIVACY_POLICY_VERSION = "2027-03-01"

    assert client.get("/api/v1/me").json()["privacy_consent_required"] is True
    assert client.get(CONSENT).json() | {"agreed_at": None} == {
        "version": "2027-03-01", "agreed_version": "2026-12-01", "agreed_at": None, "privacy_consent_required": True}


def test_consent_to_another_version_is_400_naming_it(researcher_client, settings):
    settings.PRIVACY_POLICY_VERSION = "2026-12-01"
    client, _body = researcher_client

    response = client.post(CONSENT, {"version": "2025-01-01"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == ["version"]


def test_consent_without_a_version_is_400(researcher_client):
    client, _body = researcher_client

    response = client.post(CONSENT, {}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["version"]
