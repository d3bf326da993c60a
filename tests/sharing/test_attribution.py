"""Opens through a share: counted per share and per sharer, once per visitor per day, never the sharer's own."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from sharing.models import ShareOpen
from sharing.selectors import researcher_ids_with_shares, share_open_counts_by_researcher
from tests.factories import ResearcherFactory
from tests.sharing.conftest import authored_manuscript, client_for, create_share

pytestmark = pytest.mark.django_db


def opened(share_id: str, client: APIClient | None = None, address: str = "203.0.113.5") -> int:
    return (client or APIClient()).post(f"/api/v1/shares/{share_id}/opened", REMOTE_ADDR=address).status_code


def open_count(client: APIClient, manuscript, share_id: str) -> int:
    results = client.get(f"/api/v1/manuscripts/{manuscript.pk}/shares").json()["results"]
    return next(item["open_count"] for item in results if item["id"] == share_id)


def test_an_anonymous_open_counts_once_per_client_address_a_day(sharer, sharer_client):
    manuscript = authored_manuscript(sharer)
    share = create_share(sharer_client, manuscript).json()

    statuses = [opened(share["id"]) for _ in range(5)] + [opened(share["id"], address="203.0.113.6")]

    assert statuses == [204] * 6
    assert open_count(sharer_client, manuscript, share["id"]) == 2


def test_a_signed_in_reader_counts_once_whatever_address_they_come_from(sharer, sharer_client):
    manuscript = authored_manuscript(sharer)
    share = create_share(sharer_client, manuscript).json()
    reader = client_for(ResearcherFactory())

    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        opened(share["id"], reader, address)

    assert open_count(sharer_client, manuscript, share["id"]) == 1


def test_the_sharers_own_opens_do_not_count(sharer, sharer_client):
    manuscript = authored_manuscript(sharer)
    share = create_share(sharer_client, manuscript).json()

    assert opened(share["id"], sharer_client) == 204

    assert open_count(sharer_client, manuscript, share["id"]) == 0


def test_the_client_address_is_not_stored(sharer, sharer_client):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()

    opened(share["id"], address="203.0.113.77")

    assert "203.0.113.77" not in ShareOpen.objects.get().visitor_key


def test_counts_are_per_share_and_per_sharer(sharer, sharer_client):
    manuscript = authored_manuscript(sharer)
    first = create_share(sharer_client, manuscript).json()
    second = create_share(sharer_client, manuscript).json()
    other_sharer = ResearcherFactory()
    others = create_share(client_for(other_sharer), authored_manuscript(other_sharer)).json()
    for address in ("203.0.113.1", "203.0.113.2"):
        opened(first["id"], address=address)
    opened(second["id"], address="203.0.113.1")
    opened(others["id"], address="203.0.113.1")

    assert open_count(sharer_client, manuscript, first["id"]) == 2
    assert open_count(sharer_client, manuscript, second["id"]) == 1
    assert share_open_counts_by_researcher(researcher_ids=[sharer.pk, other_sharer.pk, 0]) == {
        sharer.pk: 3, other_sharer.pk: 1, 0: 0}


def test_staff_see_each_shares_opens_and_its_sharers_total_in_admin(sharer, sharer_client, admin_client):
    from django.urls import reverse

    manuscript = authored_manuscript(sharer)
    first = create_share(sharer_client, manuscript).json()
    second = create_share(sharer_client, manuscript).json()
    for address in ("203.0.113.1", "203.0.113.2"):
        opened(first["id"], address=address)

    page = admin_client.get(reverse("admin:sharing_share_changelist"))

    rows = {share.pk: (share.open_total, share.sharer_open_total) for share in page.context["cl"].result_list}
    assert rows == {first["id"]: (2, 2), second["id"]: (0, 2)}


def test_an_open_of_an_unknown_or_deleted_share_is_404(sharer, sharer_client):
    share = create_share(sharer_client, authored_manuscript(sharer)).json()
    sharer_client.delete(f"/api/v1/shares/{share['id']}")

    assert opened(share["id"]) == 404
    assert not ShareOpen.objects.exists()


def test_tagging_can_select_researchers_who_shared_n_times(sharer, sharer_client):
    manuscript = authored_manuscript(sharer)
    for _ in range(3):
        create_share(sharer_client, manuscript)
    once = ResearcherFactory()
    create_share(client_for(once), authored_manuscript(once))

    assert set(researcher_ids_with_shares(at_least=3).values_list("researcher_id", flat=True)) == {sharer.pk}
    assert set(researcher_ids_with_shares(at_least=1).values_list("researcher_id", flat=True)) == {sharer.pk,
                                                                                                 once.pk}


def test_erasure_deletes_every_share_of_the_researcher_with_posters_and_opens(sharer, sharer_client):
    from sharing.models import Share
    from sharing.selectors import shares_of_researcher
    from sharing.services import shares_delete_of_researcher

    manuscript = authored_manuscript(sharer)
    first = create_share(sharer_client, manuscript).json()
    create_share(sharer_client, manuscript)
    other_sharer = ResearcherFactory()
    create_share(client_for(other_sharer), authored_manuscript(other_sharer))
    opened(first["id"])
    assert [share.open_count for share in shares_of_researcher(researcher=sharer)] == [1, 0]

    assert shares_delete_of_researcher(researcher=sharer) == 2

    assert not Share.objects.filter(researcher=sharer).exists() and not ShareOpen.objects.exists()
    assert Share.objects.filter(researcher=other_sharer).count() == 1
