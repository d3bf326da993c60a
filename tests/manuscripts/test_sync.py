"""The sync service applies snapshots idempotently, writing events and notifications in one transaction; two
syncs creating the same manuscript at once both apply it."""


import pytest
from django.db import connection

from manuscripts.models import Manuscript, ManuscriptAccess, StatusEvent
from manuscripts.sync import snapshots_apply
from notifications.models import Notification
from tests.conftest import contend_with_an_open_transaction
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return make_journal_system()


@pytest.fixture
def li(system):
    researcher = make_researcher("Li Wei")
    return make_account(researcher, system, email="li.wei@example.org", user_id="2210")


def test_first_snapshot_creates_the_manuscript_with_an_initial_event_and_no_notification(system, li):
    outcome = snapshots_apply(journal_system=system, snapshots=[snapshot()], seen_by=li)

    manuscript = Manuscript.objects.get()
    assert outcome.created == 1
    assert manuscript.canonical_status == "under_review"
    assert manuscript.journal.key == "jas"
    assert list(StatusEvent.objects.values_list("from_status", "to_status")) == [("", "under_review")]
    assert Notification.objects.count() == 0
    assert ManuscriptAccess.objects.filter(journal_account=li, manuscript=manuscript).exists()


def test_same_snapshot_twice_writes_nothing(system, li, django_assert_max_num_queries):
    snapshots_apply(journal_system=system, snapshots=[snapshot()], seen_by=li)

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        outcome = snapshots_apply(journal_system=system, snapshots=[snapshot()], seen_by=li)

    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert outcome.unchanged == 1 and outcome.updated == 0


def test_status_change_writes_an_event_and_notifies_the_author(system, li):
    snapshots_apply(journal_system=system, snapshots=[snapshot()], seen_by=li)

    outcome = snapshots_apply(journal_system=system, snapshots=[snapshot(status="accepted", raw="Accept", minutes=5)],
                              seen_by=li)

    assert outcome.events == 1
    event = StatusEvent.objects.get(from_status="under_review")
    assert event.to_status == "accepted"
    assert event.raw_status == "Accept"
    notification = Notification.objects.get()
    assert notification.researcher_id == li.researcher_id
    assert notification.kind == "status_changed"
    assert notification.payload["to_status"] == "accepted"
    assert notification.page == f"pages/manuscript/detail?id={event.manuscript_id}"
    assert notification.title == "稿件状态：已录用"


def test_several_transitions_in_one_batch_make_one_notification_for_the_latest(system, li):
    snapshots_apply(journal_system=system, snapshots=[snapshot()], seen_by=li)

    snapshots_apply(journal_system=system, seen_by=li, snapshots=[
        snapshot(status="revision_requested", minutes=5),
        snapshot(status="revision_submitted", minutes=10),
        snapshot(status="accepted", minutes=15),
    ])

    assert StatusEvent.objects.count() == 4
    assert Notification.objects.get().payload["to_status"] == "accepted"


def test_older_snapshot_never_overwrites_a_newer_one(system, li):
    snapshots_apply(journal_system=system, snapshots=[snapshot(status="accepted", minutes=30)], seen_by=li)

    outcome = snapshots_apply(journal_system=system, snapshots=[snapshot(status="under_review", minutes=10)],
                              seen_by=li)

    assert outcome.stale == 1
    assert Manuscript.objects.get().canonical_status == "accepted"


def test_co_authors_each_see_the_manuscript_and_each_get_a_notification(system, li):
    wang = make_account(make_researcher("Wang Fang"), system, email="wang.fang@example.org", user_id="2211")
    both = ("li.wei@example.org", "wang.fang@example.org")
    snapshots_apply(journal_system=system, snapshots=[snapshot(emails=both)], seen_by=li)

    snapshots_apply(journal_system=system, snapshots=[snapshot(status="accepted", minutes=5, emails=both)], seen_by=li)

    assert ManuscriptAccess.objects.filter(journal_account=wang).count() == 1
    assert sorted(Notification.objects.values_list("researcher_id", flat=True)) == sorted(
        [li.researcher_id, wang.researcher_id])


def test_pending_accounts_get_no_notification(system, li):
    pending = make_account(make_researcher(), system, email="pending@example.org", user_id="9", status="pending")
    emails = ("li.wei@example.org", "pending@example.org")
    snapshots_apply(journal_system=system, snapshots=[snapshot(emails=emails)], seen_by=li)

    snapshots_apply(journal_system=system, snapshots=[snapshot(status="rejected", minutes=5, emails=emails)],
                    seen_by=li)

    assert not Notification.objects.filter(researcher_id=pending.researcher_id).exists()


def test_manuscript_missing_from_a_full_listing_is_marked_not_deleted(system, li):
    snapshots_apply(journal_system=system, snapshots=[snapshot("1"), snapshot("2")], seen_by=li, full_listing=True)

    outcome = snapshots_apply(journal_system=system, snapshots=[snapshot("1")], seen_by=li, full_listing=True)

    assert outcome.marked_missing == 1
    assert Manuscript.objects.get(platform_id="2").missing_since is not None
    assert Manuscript.objects.get(platform_id="1").missing_since is None


def test_a_reappearing_manuscript_is_no_longer_missing(system, li):
    snapshots_apply(journal_system=system, snapshots=[snapshot("1"), snapshot("2")], seen_by=li, full_listing=True)
    snapshots_apply(journal_system=system, snapshots=[snapshot("1")], seen_by=li, full_listing=True)

    snapshots_apply(journal_system=system, snapshots=[snapshot("1"), snapshot("2")], seen_by=li, full_listing=True)

    assert Manuscript.objects.filter(missing_since__isnull=False).count() == 0


def test_replaying_a_batch_does_not_duplicate_notifications(system, li):
    snapshots_apply(journal_system=system, snapshots=[snapshot()], seen_by=li)
    change = [snapshot(status="accepted", minutes=5)]

    snapshots_apply(journal_system=system, snapshots=change, seen_by=li)
    snapshots_apply(journal_system=system, snapshots=change, seen_by=li)

    assert Notification.objects.count() == 1
    assert StatusEvent.objects.count() == 2


# --- two co-authors' syncs at once -----------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_co_authors_syncs_creating_the_same_manuscript_at_once_both_apply_it(system, li):
    zhang = make_account(make_researcher("Zhang Min"), system, email="zhang.min@example.org", user_id="2211")
    both_authors = ("li.wei@example.org", "zhang.min@example.org")
    contend_with_an_open_transaction(
        # Li's sync has inserted the new manuscript and not committed yet; Zhang's meets the same one meanwhile.
        lambda: snapshots_apply(journal_system=system, snapshots=[snapshot(emails=both_authors)], seen_by=li),
        lambda: snapshots_apply(journal_system=system, snapshots=[snapshot(emails=both_authors)], seen_by=zhang),
        waits_for="Zhang's insert to wait for Li's transaction (PostgreSQL's unique index)")

    manuscript = Manuscript.objects.get()
    assert set(ManuscriptAccess.objects.values_list("journal_account_id", flat=True)) == {li.pk, zhang.pk}
    assert StatusEvent.objects.filter(manuscript=manuscript).count() == 1  # created once
