"""The staff API's lists: cursor pages in (updated_at, id) order, `updated_since` that misses nothing while
others write, researchers with tags, manuscripts with status history, orders."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from django.db import connection, transaction

from accounts.models import Researcher
from accounts.services import researcher_update_profile, researchers_touch
from manuscripts.models import StatusEvent
from tagging.models import AssignmentSource
from tagging.services.tags import tag_create, tags_assign
from tests.factories import (
    BASE_TIME,
    JournalAccountFactory,
    ManuscriptFactory,
    OrderFactory,
    ResearcherFactory,
)
from tests.tagging.staff_api_helpers import key_client, walk

URL = "/api/v1/staff/researchers"


def _researchers(count: int) -> list[Researcher]:
    researchers = [ResearcherFactory() for _ in range(count)]
    researchers_touch(researcher_ids=[researcher.pk for researcher in researchers])
    return researchers


def _since(value: str) -> str:
    return quote(value, safe="")


@pytest.mark.django_db
def test_a_researcher_item_carries_exactly_the_contracts_fields():
    ada = ResearcherFactory(display_name="Ada", language="en", orcid="0000-0002-1825-0097")
    tag = tag_create(slug="oncology", name_en="Oncology")
    tags_assign(tag=tag, researcher_ids=[ada.pk], source=AssignmentSource.STAFF, actor="li")
    ada.refresh_from_db()

    [item] = key_client("researchers:read").get(URL).json()["results"]

    assert item == {"id": ada.pk, "display_name": "Ada", "language": "en", "orcid": "0000-0002-1825-0097",
                    "tags": ["oncology"], "updated_at": item["updated_at"]}
    assert datetime.fromisoformat(item["updated_at"]) == ada.updated_at


@pytest.mark.django_db
def test_pages_follow_next_and_previous_in_updated_order():
    researchers = _researchers(5)
    reader = key_client("researchers:read")

    first = reader.get(f"{URL}?page_size=2").json()
    second = reader.get(first["next"]).json()
    back = reader.get(second["previous"]).json()

    ids = [item["id"] for item in walk(reader, f"{URL}?page_size=2")]
    assert ids == [researcher.pk for researcher in researchers]
    assert first["previous"] is None
    assert [item["id"] for item in back["results"]] == [item["id"] for item in first["results"]]
    assert "page_size=2" in second["next"]


@pytest.mark.django_db
def test_filters_stay_on_every_page_and_the_tag_filter_narrows():
    tagged = _researchers(3)
    _researchers(2)
    tag = tag_create(slug="reviewer", name_en="Reviewer")
    tags_assign(tag=tag, researcher_ids=[researcher.pk for researcher in tagged], source=AssignmentSource.STAFF)

    items = walk(key_client("researchers:read"), f"{URL}?tag=reviewer&page_size=1")

    assert sorted(item["id"] for item in items) == sorted(researcher.pk for researcher in tagged)
    assert all(item["tags"] == ["reviewer"] for item in items)


@pytest.mark.django_db
def test_updated_since_returns_what_changed_at_or_after_it():
    old, changed = _researchers(2)
    reader = key_client("researchers:read")
    cut = reader.get(URL).json()["results"][-1]["updated_at"]

    researcher_update_profile(researcher=changed, changes={"display_name": "Renamed"})
    items = walk(reader, f"{URL}?updated_since={_since(cut)}")

    assert [item["id"] for item in items] == [changed.pk]  # old is strictly before the cut
    assert items[0]["display_name"] == "Renamed"
    assert old.pk not in [item["id"] for item in items]


@pytest.mark.django_db
def test_an_unencoded_plus_in_the_offset_is_read_as_one():
    _researchers(1)
    response = key_client("researchers:read").get(f"{URL}?updated_since=2000-01-01T08:00:00+08:00")

    assert response.status_code == 200 and len(response.json()["results"]) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "field"), [
    ("updated_since=yesterday", "updated_since"),
    ("cursor=not-a-cursor", "cursor"),
    ("page_size=0", "page_size"),
    ("page_size=1001", "page_size"),
    ("tag=no-such-tag", "tag"),
])
def test_bad_list_parameters_are_a_400_naming_them(query, field):
    response = key_client("researchers:read").get(f"{URL}?{query}")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {field}


@pytest.mark.django_db
def test_a_researcher_changed_after_being_read_comes_again_later_never_lost():
    first, second, third = _researchers(3)
    reader = key_client("researchers:read")
    page = reader.get(f"{URL}?page_size=1").json()
    assert page["results"][0]["id"] == first.pk

    researcher_update_profile(researcher=first, changes={"display_name": "Changed while paging"})
    rest = walk(reader, page["next"])

    assert [item["id"] for item in rest] == [second.pk, third.pk, first.pk]
    assert rest[-1]["display_name"] == "Changed while paging"


@pytest.mark.django_db(transaction=True)
def test_pagination_is_stable_while_others_insert():
    originals = _researchers(12)
    reader = key_client("researchers:read")
    stop = threading.Event()

    def insert() -> None:
        try:
            while not stop.is_set():
                researcher = ResearcherFactory()
                researchers_touch(researcher_ids=[researcher.pk])
        finally:
            connection.close()

    writer = threading.Thread(target=insert)
    writer.start()
    try:
        seen, url = [], f"{URL}?page_size=3"
        while url:
            body = reader.get(url).json()
            seen.extend(body["results"])
            url = body["next"]
            if len(seen) > 200:
                break  # the writer keeps adding: the originals are long behind us
    finally:
        stop.set()
        writer.join()

    keys = [(item["updated_at"], item["id"]) for item in seen]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    seen_ids = [item["id"] for item in seen]
    assert all(seen_ids.count(researcher.pk) == 1 for researcher in originals)


@pytest.mark.django_db(transaction=True)
def test_updated_since_misses_no_write_that_commits_after_a_read():
    """A transaction stamps a researcher, then another commits a later change while the first is still open; a
    client reads (seeing the later change would move its position past the first stamp) and the first commits
    only afterwards. The next incremental read must still bring it."""
    slow, fast = _researchers(2)
    reader = key_client("researchers:read")
    stamped, may_commit, errors = threading.Event(), threading.Event(), []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                researcher_update_profile(researcher=Researcher.objects.get(pk=slow.pk),
                                          changes={"display_name": "Committed late"})
                stamped.set()
                assert may_commit.wait(timeout=30)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            stamped.set()
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    try:
        assert stamped.wait(timeout=30)
        researcher_update_profile(researcher=fast, changes={"display_name": "Committed first"})
        read_while_open = walk(reader, URL)
    finally:
        may_commit.set()
        writer.join()
    assert errors == []

    slow.refresh_from_db()
    fast.refresh_from_db()
    assert slow.updated_at < fast.updated_at  # the late commit carries the older stamp
    assert {item["display_name"] for item in read_while_open}.isdisjoint({"Committed late", "Committed first"})
    position = max(item["updated_at"] for item in read_while_open)
    caught_up = walk(reader, f"{URL}?updated_since={_since(position)}")
    assert {"Committed late", "Committed first"} <= {item["display_name"] for item in caught_up}


@pytest.mark.django_db(transaction=True)
def test_a_list_holds_back_only_while_a_transaction_is_open():
    [researcher] = _researchers(1)
    reader = key_client("researchers:read")
    opened, may_close = threading.Event(), threading.Event()

    def idle_in_transaction() -> None:
        try:
            with transaction.atomic():
                Researcher.objects.filter(pk=researcher.pk).exists()
                opened.set()
                may_close.wait(timeout=30)
        finally:
            opened.set()
            connection.close()

    holder = threading.Thread(target=idle_in_transaction)
    holder.start()
    try:
        assert opened.wait(timeout=30)
        newcomer = ResearcherFactory()
        researchers_touch(researcher_ids=[newcomer.pk])
        while_open = [item["id"] for item in walk(reader, URL)]
    finally:
        may_close.set()
        holder.join()

    assert while_open == [researcher.pk]
    assert [item["id"] for item in walk(reader, URL)] == [researcher.pk, newcomer.pk]


@pytest.mark.django_db
def test_manuscripts_carry_their_authors_and_status_history():
    account = JournalAccountFactory()
    manuscript = ManuscriptFactory(journal_system=account.journal_system, canonical_status="accepted")
    manuscript.accesses.create(journal_account=account)
    StatusEvent.objects.create(manuscript=manuscript, from_status="", to_status="under_review",
                               raw_status="Under review", occurred_at=BASE_TIME)
    StatusEvent.objects.create(manuscript=manuscript, from_status="under_review", to_status="accepted",
                               raw_status="Accept", occurred_at=BASE_TIME + timedelta(days=30))
    manuscript.__class__.objects.filter(pk=manuscript.pk).update(updated_at=BASE_TIME)

    [item] = walk(key_client("manuscripts:read"), "/api/v1/staff/manuscripts")

    assert item["id"] == manuscript.pk and item["status"] == "accepted"
    assert item["journal"]["key"] == manuscript.journal.key
    assert item["journal_system"] == account.journal_system.key
    assert item["authors"] == [account.researcher_id]
    assert item["status_history"] == [
        {"from": None, "to": "under_review", "platform_status": "Under review", "occurred_at": "2026-10-01T09:00:00Z"},
        {"from": "under_review", "to": "accepted", "platform_status": "Accept", "occurred_at": "2026-10-31T09:00:00Z"},
    ]


@pytest.mark.django_db
def test_orders_list_in_fen_and_rows_stamped_by_the_app_clock_wait_out_the_margin(settings):
    order = OrderFactory()
    reader = key_client("orders:read")
    settings.STAFF_API_APP_CLOCK_MARGIN_SECONDS = 3600

    assert reader.get("/api/v1/staff/orders").json()["results"] == []  # written just now: inside the margin

    settings.STAFF_API_APP_CLOCK_MARGIN_SECONDS = 0
    [item] = walk(reader, "/api/v1/staff/orders")
    assert item["id"] == order.pk and item["amount_fen"] == 250000 and item["status"] == "created"
    assert item["researcher"] == order.researcher_id and item["payer"] is None
