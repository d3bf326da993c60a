"""One timestamp format in every API answer: ISO 8601 in Beijing time (`+08:00`), as DRF renders
datetimes in the current time zone. No object mixes it with UTC (`Z` or `+00:00`)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Researcher
from manuscripts.models import AccountSyncState
from manuscripts.sync import snapshots_apply
from tests.manuscripts.factories import make_account, make_journal_system, snapshot

pytestmark = pytest.mark.django_db

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def timestamps(value, path: str = "") -> dict[str, str]:
    """Every string in a JSON value that looks like a date-time, by its path."""
    if isinstance(value, dict):
        return {found_path: found for key, item in value.items()
                for found_path, found in timestamps(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {found_path: found for index, item in enumerate(value)
                for found_path, found in timestamps(item, f"{path}[{index}]").items()}
    return {path: value} if isinstance(value, str) and TIMESTAMP.match(value) else {}


@pytest.fixture
def answers(researcher_client):
    """The main endpoints' answers for a researcher with a synced account, a manuscript that moved and its notice."""
    client, _body = researcher_client
    researcher = Researcher.objects.get()
    system = make_journal_system()
    account = make_account(researcher, system, email="alice@example.org", user_id="7")
    AccountSyncState.objects.create(journal_account=account, last_synced_at=timezone.now() - timedelta(minutes=3))
    snapshots_apply(journal_system=system, seen_by=account,
                    snapshots=[snapshot("1", status="under_review", emails=("alice@example.org",))])
    snapshots_apply(journal_system=system, seen_by=account,
                    snapshots=[snapshot("1", status="revision_requested", minutes=5, emails=("alice@example.org",))])
    manuscript_id = client.get("/api/v1/manuscripts").json()["results"][0]["id"]
    paths = ["/api/v1/me", "/api/v1/journal-accounts", f"/api/v1/journal-accounts/{account.pk}",
             "/api/v1/manuscripts", f"/api/v1/manuscripts/{manuscript_id}", "/api/v1/notifications"]
    return {path: client.get(path).json() for path in paths}


def test_every_timestamp_in_the_main_answers_is_beijing_time(answers):
    found = {f"{path}{field}": value for path, body in answers.items() for field, value in timestamps(body).items()}

    # The answers do carry timestamps of each kind: account, sync, manuscript, timeline, notice and its event.
    for expected in ("journal-accounts.results[0].last_synced_at", "manuscripts.results[0].last_activity_at",
                     "timeline[0].occurred_at", "notifications.results[0].created_at",
                     "notifications.results[0].payload.occurred_at"):
        assert any(expected in path for path in found), expected
    assert {path: value for path, value in found.items() if not value.endswith("+08:00")} == {}
