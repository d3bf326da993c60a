"""A record no row can hold (a platform id or DOI longer than our column, an unknown status…) is refused on its own,
logged and counted on the journal system's poll state, while the rest of its batch applies and the poll moves on:
one poison record never stops a platform. Titles and status words a person reads are cut to their columns."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import Researcher
from manuscripts.models import AccountSyncState, Manuscript, StatusEvent, SystemPollState
from manuscripts.services.linking import journal_account_link
from manuscripts.services.polling import account_sync, journal_system_poll
from manuscripts.sync import snapshots_apply
from sandbox.exports import write_export
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher, snapshot

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"
OVERLONG_ID = "X" * 200  # a platform id may have 128 characters


def export_row(manuscript_id: str, title: str) -> dict:
    return {"manuscript_id": manuscript_id, "journal": "jas", "title": title, "status": "Under Review",
            "status_date": "2026-10-01T08:00:00+00:00", "submitted_at": "2026-09-01T08:00:00+00:00",
            "author_emails": ["li@example.org"]}


def test_a_platform_wide_poll_applies_the_good_rows_of_an_export_and_moves_past_an_overlong_id(tmp_path):
    system = make_journal_system(key="em", platform="editorial_manager", base_url=f"file://{tmp_path}",
                                 credentials={})
    written = write_export(tmp_path, [export_row("EM-1", "First paper"), export_row(OVERLONG_ID, "Too long an id"),
                                      export_row("EM-2", "Second paper")],
                           prefix="em", stamp=datetime(2026, 10, 1, 8, tzinfo=UTC), modified_at=time.time() - 3600)

    outcome = journal_system_poll(journal_system_id=system.pk)

    assert outcome.created == 2 and outcome.refused == 1
    assert sorted(Manuscript.objects.values_list("platform_id", flat=True)) == ["jas:EM-1", "jas:EM-2"]
    state = SystemPollState.objects.get(journal_system=system)
    assert state.cursor == written.name  # the next poll starts after this file
    assert state.claimed_until is None and state.last_error == ""
    assert state.next_poll_at > timezone.now()
    assert state.refused_total == 1 and state.last_refused_at is not None
    assert state.last_refused_reason.startswith("platform id 'jas:XXXX")
    assert "has 204 characters, more than the 128 we store" in state.last_refused_reason
    assert len(state.last_refused_reason) < 300  # bounded, whatever the id's length

    SystemPollState.objects.filter(pk=state.pk).update(next_poll_at=timezone.now())
    again = journal_system_poll(journal_system_id=system.pk)  # nothing new: the file is not read again
    assert (again.created, again.refused) == (0, 0)
    assert SystemPollState.objects.get(pk=state.pk).refused_total == 1


def test_a_crossref_account_sync_applies_the_works_beside_one_with_an_overlong_doi(crossref, wechat_sandbox):
    author = [{"given": "Wei", "family": "Li", "ORCID": ORCID}]
    overlong_doi = "10.5555/" + "x" * 150  # fits no platform id (128 characters)
    wechat_sandbox.crossref.add_work("10.5555/jas.2026.1", "First Paper", "1234-5678", authors=author,
                                     published="2026-05")
    wechat_sandbox.crossref.add_work(overlong_doi, "A Paper", "1234-5678", authors=author, published="2026-05")
    wechat_sandbox.crossref.add_work("10.5555/jas.2026.2", "Second Paper", "1234-5678", authors=author,
                                     published="2026-06")
    researcher = make_researcher()
    Researcher.objects.filter(pk=researcher.pk).update(orcid=ORCID, orcid_verified_at=timezone.now())  # proven
    researcher.refresh_from_db()
    account = journal_account_link(researcher=researcher, journal_system_id=crossref.pk, identity=ORCID)

    outcome = account_sync(account_id=account.pk)

    assert outcome.created == 2 and outcome.refused == 1
    assert sorted(Manuscript.objects.values_list("doi", flat=True)) == ["10.5555/jas.2026.1", "10.5555/jas.2026.2"]
    sync_state = AccountSyncState.objects.get(journal_account=account)
    assert sync_state.last_error == "" and sync_state.consecutive_failures == 0
    assert sync_state.claimed_until is None and sync_state.cursor  # synced: the next sync asks for what changed
    poll_state = SystemPollState.objects.get(journal_system=crossref)
    assert poll_state.refused_total == 1
    assert "has 158 characters, more than the 128 we store" in poll_state.last_refused_reason


@pytest.fixture
def li():
    system = make_journal_system()
    return system, make_account(make_researcher("Li Wei"), system, email="li.wei@example.org", user_id="5")


def test_overlong_titles_and_status_words_are_cut_not_refused(li):
    system, account = li
    long_title = "Soil " * 400  # 2000 characters; the column holds 1000
    outcome = snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("1", title=long_title, raw="Awaiting " * 50, titles={"en": long_title, "zh-hans": "土壤\x00研究"})])

    manuscript = Manuscript.objects.get()
    assert outcome.created == 1 and outcome.refused == 0
    assert len(manuscript.title) == 1000 and manuscript.title.endswith("Soil…")
    assert manuscript.titles["en"] == manuscript.title
    assert manuscript.titles["zh-hans"] == "土壤研究"  # NUL, which PostgreSQL cannot hold, removed
    assert len(manuscript.raw_status) == 300 and manuscript.raw_status.endswith("…")
    assert len(StatusEvent.objects.get().raw_status) == 300
    again = snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("1", title=long_title, raw="Awaiting " * 50, titles={"en": long_title, "zh-hans": "土壤\x00研究"})])
    assert again.unchanged == 1  # the cut snapshot is the same snapshot next time


@pytest.mark.parametrize(("fields", "reason"), [
    ({"doi": "10.5555/" + "y" * 200}, "platform id '2': DOI '10.5555/yyy"),
    ({"url": "https://journal.example.org/" + "p" * 500}, "platform id '2': URL 'https://journal.example.org/ppp"),
    ({"status": "lost_in_the_post"}, "platform id '2': unknown status 'lost_in_the_post'"),
    ({"submitted_at": datetime(2026, 9, 1, 8)}, "platform id '2': submitted_at is datetime.datetime(2026, 9, 1, 8, 0)"),
    ({"platform_id": "2\x00"}, "platform id '2\\x00' contains a NUL character"),
    ({"platform_id": ""}, "an empty platform id"),
])
def test_a_snapshot_that_cannot_be_stored_is_refused_and_the_batch_applies(li, fields, reason):
    system, account = li
    platform_id = fields.pop("platform_id", "2")
    outcome = snapshots_apply(journal_system=system, seen_by=account,
                              snapshots=[snapshot("1"), snapshot(platform_id, **fields), snapshot("3")])

    assert (outcome.created, outcome.refused) == (2, 1)
    assert sorted(Manuscript.objects.values_list("platform_id", flat=True)) == ["1", "3"]
    assert SystemPollState.objects.get(journal_system=system).last_refused_reason.startswith(reason)


def test_a_manuscript_whose_new_snapshot_is_refused_is_not_marked_missing_from_a_full_listing(li):
    system, account = li
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[snapshot("1"), snapshot("2")],
                    full_listing=True)

    outcome = snapshots_apply(journal_system=system, seen_by=account, full_listing=True, snapshots=[
        snapshot("1", minutes=5), snapshot("2", minutes=5, doi="10.5555/" + "y" * 200)])

    assert outcome.refused == 1 and outcome.marked_missing == 0  # the platform still lists it
    assert not Manuscript.objects.filter(missing_since__isnull=False).exists()


def test_refusals_are_counted_and_the_last_one_is_shown_in_admin(li, staff_client):
    system, account = li
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[snapshot("A" * 129)])
    snapshots_apply(journal_system=system, seen_by=account,
                    snapshots=[snapshot("1", doi="10.5555/" + "y" * 200), snapshot("B" * 300)])
    SystemPollState.objects.filter(pk=system.pk).update(
        last_refused_at=datetime(2026, 12, 4, 12, tzinfo=UTC) + timedelta(minutes=30))

    html = staff_client.get("/admin/accounts/journalsystem/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert SystemPollState.objects.get(pk=system.pk).refused_total == 3
    assert "3, the last at 12/04/2026 8:30 p.m.: platform id &#x27;BBBB" in html
    assert "has 300 characters, more than the 128 we store" in html
