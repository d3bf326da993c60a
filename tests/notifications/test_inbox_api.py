"""The inbox: list (newest first, filters), unread count, mark read, mark all read; only one's own."""

import pytest

from accounts.models import Researcher
from notifications.models import Notification
from notifications.services import notification_create
from tests.factories import ResearcherFactory

pytestmark = pytest.mark.django_db


def notify(researcher_id: int, number: int, kind: str = "status_changed") -> Notification:
    return notification_create(researcher_id=researcher_id, kind=kind, dedupe_key=f"test:{researcher_id}:{number}",
                               title=f"Notice {number}", body="Body", payload={"manuscript_id": number},
                               page=f"pages/manuscript/detail?id={number}")


@pytest.fixture
def inbox(researcher_client):
    client, _body = researcher_client
    researcher = Researcher.objects.get()
    notices = [notify(researcher.pk, number) for number in range(3)]
    notify(researcher.pk, 3, kind="campaign")
    return client, researcher, notices


def test_list_is_newest_first_with_deep_links(inbox):
    client, _researcher, _notices = inbox

    body = client.get("/api/v1/notifications").json()

    assert [item["title"] for item in body["results"]] == ["Notice 3", "Notice 2", "Notice 1", "Notice 0"]
    assert body["results"][1]["page"] == "pages/manuscript/detail?id=2"
    assert body["results"][1]["is_read"] is False
    assert body["count"] == 4


def test_filter_unread_and_kind(inbox):
    client, _researcher, notices = inbox
    client.post(f"/api/v1/notifications/{notices[0].pk}/read")

    unread = client.get("/api/v1/notifications", {"unread": "true"}).json()["results"]
    campaigns = client.get("/api/v1/notifications", {"kind": "campaign"}).json()["results"]

    assert [item["title"] for item in unread] == ["Notice 3", "Notice 2", "Notice 1"]
    assert [item["title"] for item in campaigns] == ["Notice 3"]


def test_unread_count_and_mark_read(inbox):
    client, _researcher, notices = inbox

    assert client.get("/api/v1/notifications/unread-count").json() == {"count": 4}
    read = client.post(f"/api/v1/notifications/{notices[1].pk}/read")
    assert read.status_code == 200 and read.json()["is_read"] is True
    assert client.get("/api/v1/notifications/unread-count").json() == {"count": 3}


def test_marking_read_twice_keeps_the_first_read_time(inbox):
    client, _researcher, notices = inbox
    first = client.post(f"/api/v1/notifications/{notices[1].pk}/read").json()["read_at"]

    second = client.post(f"/api/v1/notifications/{notices[1].pk}/read").json()["read_at"]

    assert first == second


def test_mark_all_read(inbox):
    client, _researcher, _notices = inbox

    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 4}
    assert client.get("/api/v1/notifications/unread-count").json() == {"count": 0}
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 0}


def test_another_researchers_notifications_are_invisible(inbox):
    client, _researcher, _notices = inbox
    other = notify(ResearcherFactory().pk, 99)

    assert client.post(f"/api/v1/notifications/{other.pk}/read").status_code == 404
    assert "Notice 99" not in str(client.get("/api/v1/notifications").json())
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_empty_inbox(researcher_client):
    client, _body = researcher_client

    assert client.get("/api/v1/notifications").json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert client.get("/api/v1/notifications/unread-count").json() == {"count": 0}


def test_the_same_event_never_makes_two_notifications(researcher_client):
    researcher = Researcher.objects.get()

    assert notify(researcher.pk, 1) is not None
    assert notify(researcher.pk, 1) is None
    assert Notification.objects.count() == 1


def test_inbox_needs_a_token(api_client):
    assert api_client.get("/api/v1/notifications").status_code == 401
