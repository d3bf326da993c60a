"""Preferences: kinds on/off, which statuses alert, quiet hours (Beijing time) for non-urgent kinds."""

from datetime import UTC, datetime, time

import pytest

from accounts.models import Researcher
from notifications.models import NotificationPreference
from notifications.services import notification_wanted, quiet_until

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications/preferences"


def test_defaults_want_everything_at_any_hour(researcher_client):
    client, _body = researcher_client

    assert client.get(URL).json() == {"disabled_kinds": [], "status_alerts": [], "quiet_start": None,
                                      "quiet_end": None}


def test_patch_saves_preferences(researcher_client):
    client, _body = researcher_client

    response = client.patch(URL, {"disabled_kinds": ["account_linked"], "status_alerts": ["accepted", "rejected"],
                                  "quiet_start": "22:00", "quiet_end": "08:00"}, format="json")

    assert response.status_code == 200
    assert response.json() == {"disabled_kinds": ["account_linked"], "status_alerts": ["accepted", "rejected"],
                               "quiet_start": "22:00", "quiet_end": "08:00"}


@pytest.mark.parametrize(("body", "field"), [
    ({"disabled_kinds": ["fax"]}, "disabled_kinds"),
    # Publisher news is never a WeChat alert (WeChat forbids marketing in subscription messages): nothing to switch.
    ({"disabled_kinds": ["campaign"]}, "disabled_kinds"),
    ({"status_alerts": ["lost"]}, "status_alerts"),
    ({"quiet_start": "22:00"}, "quiet_end"),
    ({"quiet_start": "22:00", "quiet_end": "22:00"}, "quiet_end"),
])
def test_bad_preferences_are_field_errors(researcher_client, body, field):
    client, _body = researcher_client

    response = client.patch(URL, body, format="json")

    assert response.status_code == 400
    # List items are named by position, e.g. "disabled_kinds.0".
    assert any(name == field or name.startswith(f"{field}.") for name in response.json()["fields"])


def test_switched_off_kinds_and_statuses_are_not_wanted(researcher_client):
    preference = NotificationPreference.objects.create(researcher=Researcher.objects.get(),
                                                       disabled_kinds=["account_linked"], status_alerts=["accepted"])

    assert notification_wanted(preference=preference, kind="account_linked", payload={}) is False
    assert notification_wanted(preference=preference, kind="status_changed", payload={"to_status": "accepted"})
    assert not notification_wanted(preference=preference, kind="status_changed",
                                   payload={"to_status": "under_review"})
    assert notification_wanted(preference=None, kind="account_linked", payload={})


@pytest.mark.parametrize(("utc_hour", "kind", "released_at_beijing"), [
    (15, "status_changed", "2026-11-26 08:00"),  # 23:00 in Beijing: wait until 08:00
    (23, "status_changed", "2026-11-26 08:00"),  # 07:00 in Beijing, next day: still quiet
    (3, "status_changed", None),  # 11:00 in Beijing: send now
    (15, "payment_due", None),  # payments are urgent
])
def test_quiet_hours_across_midnight(researcher_client, utc_hour, kind, released_at_beijing):
    preference = NotificationPreference.objects.create(researcher=Researcher.objects.get(),
                                                       quiet_start=time(22, 0), quiet_end=time(8, 0))
    day = 26 if utc_hour == 23 else 25
    at = datetime(2026, 11, day - (1 if utc_hour == 23 else 0), utc_hour, 0, tzinfo=UTC)

    release = quiet_until(preference=preference, kind=kind, at=at)

    assert (release.strftime("%Y-%m-%d %H:%M") if release else None) == released_at_beijing
