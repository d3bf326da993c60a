"""The ScholarOne connector against the ScholarOne sandbox over real HTTP (Digest auth, XML and JSON):
identities, manuscripts and their revisions, date-range paging and cursors, batching, and every fault mapped
to the right error."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from manuscripts.connectors.base import (
    ConnectorError,
    ManuscriptSnapshot,
    PlatformAuthError,
    PlatformConfig,
    PlatformDataError,
    PlatformIdentity,
    PlatformUnavailable,
)
from manuscripts.connectors.registry import connector_for
from manuscripts.connectors.scholarone import ScholarOneConnector, parse_response
from manuscripts.models import Manuscript, ManuscriptAccess, StatusEvent
from manuscripts.services.polling import journal_system_poll
from sandbox.scholarone import DEFAULT_API_KEY, DEFAULT_USERNAME
from sandbox.server import SandboxServer
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher

T0 = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)
IDS = "getIDsByDate"
FULL = "getSubmissionInfoFull"
VERSIONS = "getSubmissionVersions"


@pytest.fixture
def s1(server: SandboxServer) -> Iterator[Any]:
    """The ScholarOne sandbox, emptied, with its clock at T0."""
    server.reset()
    server.scholarone.set_clock(T0)
    yield server.scholarone


def config(server: SandboxServer, *sites: str, timeout: float = 2.0, **credentials: Any) -> PlatformConfig:
    return PlatformConfig(
        key="demo-s1", platform="scholarone", base_url=server.base_url + "/",
        credentials={"username": DEFAULT_USERNAME, "api_key": DEFAULT_API_KEY, **credentials},
        timeout_seconds=timeout, journal_paths={site: site for site in (sites or ("jas",))},
    )


def connector(server: SandboxServer, *sites: str, clock: Any = None, **options: Any) -> ScholarOneConnector:
    """A connector whose clock is the sandbox's (ours and ScholarOne's agree unless a test says otherwise)."""
    return ScholarOneConnector(config(server, *sites, **options), clock=clock or server.scholarone.now)


def journal(s1: Any, site: str = "jas", **options: Any) -> int:
    """A site with author Li Wei (returned, a person id)."""
    s1.add_site(site, **options)
    return s1.add_person(site, email="Li.Wei@Example.org", first_name="Wei", last_name="Li",
                         orcid="0000-0002-1825-0097")


def submit(s1: Any, author: int, count: int, site: str = "jas", **options: Any) -> list[str]:
    """``count`` manuscripts, one minute apart (the clock moves on)."""
    ids = []
    for n in range(count):
        ids.append(s1.add_submission(site, title=f"Paper {n}", authors=[author], **options))
        s1.advance_clock(60)
    return ids


def by_id(snapshots: list[ManuscriptSnapshot]) -> dict[str, ManuscriptSnapshot]:
    return {s.platform_id: s for s in snapshots}


def ids_in(call: dict[str, Any]) -> list[str]:
    return [part.strip("'") for part in call["query"]["ids"].split(",")]


# --- configuration and test_connection -----------------------------------------------------------------------


def test_registry_gives_the_scholarone_connector(server: SandboxServer) -> None:
    assert isinstance(connector_for(config(server)), ScholarOneConnector)


def test_connector_without_credentials_is_an_auth_error_on_every_call(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    unusable = connector(server, api_key="")  # building it never raises: callers build outside try
    with pytest.raises(PlatformAuthError, match="no ScholarOne API credentials"):
        unusable.find_identity("li.wei@example.org")
    with pytest.raises(PlatformAuthError, match="no ScholarOne API credentials"):
        unusable.changed_since(None)
    assert s1.call_count(challenges=True) == 0


def test_connector_without_site_names_is_a_configuration_error(server: SandboxServer) -> None:
    empty = PlatformConfig(key="k", platform="scholarone", base_url=server.base_url,
                           credentials={"username": DEFAULT_USERNAME, "api_key": DEFAULT_API_KEY})
    with pytest.raises(ConnectorError, match="no journals with a ScholarOne site name") as raised:
        ScholarOneConnector(empty).changed_since(None)
    assert not raised.value.retryable


def test_unknown_response_format_is_a_configuration_error(server: SandboxServer, s1: Any) -> None:
    with pytest.raises(ConnectorError, match="'format' must be xml or json, not 'yaml'"):
        connector(server, format="yaml").test_connection()


def test_connection_names_the_sites_reached_and_their_recent_documents(server: SandboxServer, s1: Any,
                                                                       english: None) -> None:
    author = journal(s1, "jas")
    journal(s1, "jbs")
    submit(s1, author, 2, "jas")
    message = connector(server, "jas", "jbs").test_connection()
    assert "jas (2; documents carry lastUpdated)" in message and "jbs (0;" in message
    assert server.base_url in message and "criteria datetime_last_updated" in message


def test_connection_reports_a_site_that_refuses_the_criteria(server: SandboxServer, s1: Any) -> None:
    """``datetime_last_updated`` is our assumption: a site that does not know it says so, and so do we."""
    journal(s1, "jas", criteria=["datetime_submitted", "datetime_decision"])
    with pytest.raises(ConnectorError) as refused:
        connector(server).test_connection()
    message = str(refused.value)
    assert "did not accept getIDsByDate criteria 'datetime_last_updated'" in message
    assert "Unknown criteria datetime_last_updated" in message  # the site's own words
    assert "'ids_by_date_criteria'" in message and "'datetime_added'" in message
    assert "jas (0;" in connector(server, ids_by_date_criteria="datetime_added").test_connection()


def test_connection_says_when_documents_lack_last_updated(server: SandboxServer, s1: Any, english: None) -> None:
    author = journal(s1, "jas", last_updated_field=False)
    submit(s1, author, 1)
    message = connector(server).test_connection()
    assert "jas (1; documents lack lastUpdated: the newest date they carry is used)" in message


def test_a_document_without_last_updated_takes_the_newest_date_it_carries(server: SandboxServer,
                                                                           s1: Any) -> None:
    author = journal(s1, "jas", last_updated_field=False)
    [sid] = submit(s1, author, 1)
    [before] = connector(server).changed_since(None).snapshots
    assert before.last_activity_at == T0  # only submissionDate
    s1.advance_clock(3600)
    s1.move("jas", sid, decision="Minor Revision")
    [after] = connector(server).changed_since(None).snapshots
    assert after.last_activity_at == T0 + timedelta(seconds=60 + 3600)  # decisionDate
    assert after.canonical_status == "revision_requested"


def test_wrong_api_key_is_an_auth_error_without_the_key(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    with pytest.raises(PlatformAuthError, match="HTTP 401") as raised:
        connector(server, api_key="WRONGKEY00000000").changed_since(None)
    assert "WRONGKEY" not in str(raised.value) and not raised.value.retryable


def test_unknown_site_name_is_a_connector_error_naming_it(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    with pytest.raises(ConnectorError, match="Invalid site_name: nope") as raised:
        connector(server, "nope").changed_since(None)
    assert not raised.value.retryable


def test_connection_refused_is_platform_unavailable(refused_url: str) -> None:
    dead = PlatformConfig(key="k", platform="scholarone", base_url=refused_url,
                          credentials={"username": "u", "api_key": "k"}, journal_paths={"jas": "jas"})
    with pytest.raises(PlatformUnavailable, match="Connection refused"):
        ScholarOneConnector(dead).changed_since(None)


# --- find_identity ------------------------------------------------------------------------------------------


def test_identity_is_the_person_with_that_primary_email_regardless_of_case(server: SandboxServer, s1: Any) -> None:
    person = journal(s1)
    found = connector(server).find_identity("LI.WEI@example.ORG")
    assert found == PlatformIdentity(platform_user_id=str(person), email="Li.Wei@Example.org", display_name="Wei Li",
                                     orcid="0000-0002-1825-0097")


def test_identity_on_a_later_site_is_found(server: SandboxServer, s1: Any) -> None:
    s1.add_site("jas")
    person = journal(s1, "jbs")
    assert connector(server, "jas", "jbs").find_identity("li.wei@example.org").platform_user_id == str(person)


def test_unknown_email_is_no_identity(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    assert connector(server).find_identity("nobody@example.org") is None


@pytest.mark.parametrize("typed", ["liwei", "0000-0002-1825-0097", "li wei@example.org"])
def test_user_names_and_orcid_ids_find_nobody_without_asking(server: SandboxServer, s1: Any, typed: str) -> None:
    journal(s1)
    assert connector(server).find_identity(typed) is None
    assert s1.call_count(challenges=True) == 0


# --- manuscripts and their statuses ----------------------------------------------------------------------------


def test_first_sync_returns_every_manuscript_and_our_clock_as_the_cursor(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    ids = submit(s1, author, 3)
    page = connector(server).changed_since(None)
    assert sorted(s.platform_id for s in page.snapshots) == sorted(ids)
    assert page.next_cursor == s1.now().isoformat()


def test_snapshot_carries_title_status_dates_and_authors(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = s1.add_submission("jas", title="Soil  Microbiome Shifts", authors=[
        author, {"email": "M.Garcia@Example.org", "first_name": "Maria", "last_name": "Garcia"}])
    s1.advance_clock(3600)
    s1.move("jas", sid, "Awaiting Reviewer Scores")
    [snapshot] = connector(server).changed_since(None).snapshots
    assert snapshot.platform_id == sid and snapshot.journal_path == "jas"
    assert snapshot.titles == {"en": "Soil Microbiome Shifts"}
    assert (snapshot.canonical_status, snapshot.raw_status) == ("under_review", "Awaiting Reviewer Scores")
    assert snapshot.submitted_at == T0 and snapshot.last_activity_at == T0 + timedelta(hours=1)
    assert snapshot.status_changed_at is None
    assert snapshot.author_emails == ("li.wei@example.org", "m.garcia@example.org")
    assert snapshot.author_user_ids == (str(author), str(author + 1))


def test_json_answers_give_the_same_snapshots_as_xml(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    first, second = submit(s1, author, 2)
    s1.move("jas", first, decision="Minor Revision")
    s1.submit_revision("jas", first)
    s1.move("jas", second, "Awaiting Reviewer Scores")
    as_xml = connector(server).changed_since(None)
    s1.clear_calls()
    as_json = connector(server, format="json").changed_since(None)
    assert as_json == as_xml
    assert {call["query"].get("_type") for call in s1.calls()} == {"json"}


def test_decision_is_dated_by_its_decision_date(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    [sid] = submit(s1, author, 1)
    s1.advance_clock(600)
    s1.move("jas", sid, decision="Accept")
    [snapshot] = connector(server).changed_since(None).snapshots
    assert snapshot.canonical_status == "accepted" and snapshot.raw_status == "Accept"
    assert snapshot.status_changed_at == s1.now() == snapshot.last_activity_at


def test_a_journals_own_name_for_a_status_maps_through_the_table(server: SandboxServer, s1: Any) -> None:
    author = journal(s1, status_labels={"Awaiting Reviewer Scores": "Under Review"})
    [sid] = submit(s1, author, 1)
    s1.move("jas", sid, "Awaiting Reviewer Scores")
    [snapshot] = connector(server).changed_since(None).snapshots
    assert (snapshot.canonical_status, snapshot.raw_status) == ("under_review", "Under Review")


def test_unknown_status_keeps_its_words_falls_back_to_with_editor_and_is_logged(
        server: SandboxServer, s1: Any, caplog: pytest.LogCaptureFixture) -> None:
    author = journal(s1)
    [sid] = submit(s1, author, 1)
    s1.move("jas", sid, "Awaiting Statistical Review")
    with caplog.at_level(logging.WARNING, logger="manuscripts.connectors.scholarone"):
        [snapshot] = connector(server).changed_since(None).snapshots
    assert (snapshot.canonical_status, snapshot.raw_status) == ("with_editor", "Awaiting Statistical Review")
    assert "unknown status 'Awaiting Statistical Review'" in caplog.text and sid in caplog.text


def test_unknown_status_with_a_known_decision_maps_by_the_decision(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    [sid] = submit(s1, author, 1)
    s1.move("jas", sid, "Decision Letter Sent", decision="Reject")
    [snapshot] = connector(server).changed_since(None).snapshots
    assert (snapshot.canonical_status, snapshot.raw_status) == ("rejected", "Decision Letter Sent")


def test_unsubmitted_draft_is_left_out(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    s1.add_submission("jas", title="Not yet", authors=[author], draft=True)
    assert connector(server).changed_since(None).snapshots == []


def test_invited_manuscript_stub_is_left_out(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    s1.add_submission("jas", title="Invited review", authors=[author], status="Invited")
    assert connector(server).changed_since(None).snapshots == []


def test_withdrawn_manuscript_is_withdrawn(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    [sid] = submit(s1, author, 1)
    s1.move("jas", sid, decision="Withdrawn")
    assert connector(server).changed_since(None).snapshots[0].canonical_status == "withdrawn"


def test_chinese_title_is_filed_under_zh_hans(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    s1.add_submission("jas", title="黄土高原土壤微生物组", authors=[author])
    assert connector(server).changed_since(None).snapshots[0].titles == {"zh-hans": "黄土高原土壤微生物组"}


# --- revisions ------------------------------------------------------------------------------------------------


def test_submitted_revision_is_the_same_manuscript_now_revision_submitted(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    [sid] = submit(s1, author, 1)
    s1.move("jas", sid, decision="Major Revision")
    s1.advance_clock(3600)
    revision = s1.submit_revision("jas", sid)
    [snapshot] = connector(server).changed_since(None).snapshots
    assert revision == f"{sid}.R1" and snapshot.platform_id == sid
    assert (snapshot.canonical_status, snapshot.raw_status) == ("revision_submitted", "Awaiting Admin Processing")
    assert snapshot.status_changed_at == s1.now()


def test_revision_keeps_the_originals_submission_date_and_takes_its_own_title(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    [sid] = submit(s1, author, 1)
    s1.move("jas", sid, decision="Minor Revision")
    s1.advance_clock(3600)
    s1.submit_revision("jas", sid, title="Soil, revised")
    [snapshot] = connector(server).changed_since(None).snapshots
    assert snapshot.submitted_at == T0 and snapshot.titles == {"en": "Soil, revised"}


def test_revision_still_in_draft_leaves_the_manuscript_at_revision_requested(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    [sid] = submit(s1, author, 1)
    s1.move("jas", sid, decision="Minor Revision")
    s1.submit_revision("jas", sid, draft=True)
    [snapshot] = connector(server).changed_since(None).snapshots
    assert (snapshot.canonical_status, snapshot.raw_status) == ("revision_requested", "Minor Revision")
    assert s1.call_count("jas", VERSIONS) == 1


def test_draft_revision_appears_once_submitted(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    [sid] = submit(s1, author, 1)
    s1.move("jas", sid, decision="Minor Revision")
    s1.submit_revision("jas", sid, draft=True)
    reader = connector(server)
    cursor = reader.changed_since(None).next_cursor
    s1.advance_clock(3600)
    s1.submit_draft("jas", f"{sid}.R1")
    [snapshot] = reader.changed_since(cursor).snapshots
    assert snapshot.platform_id == sid and snapshot.canonical_status == "revision_submitted"


def test_revision_under_review_again_is_under_review(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    [sid] = submit(s1, author, 1)
    s1.move("jas", sid, decision="Major Revision")
    revision = s1.submit_revision("jas", sid)
    s1.move("jas", revision, "Awaiting Reviewer Scores")
    assert connector(server).changed_since(None).snapshots[0].canonical_status == "under_review"


def test_decision_on_a_revision_is_the_manuscripts_status(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    [sid] = submit(s1, author, 1)
    s1.move("jas", sid, decision="Minor Revision")
    revision = s1.submit_revision("jas", sid)
    s1.move("jas", revision, decision="Accept")
    [snapshot] = connector(server).changed_since(None).snapshots
    assert (snapshot.platform_id, snapshot.canonical_status) == (sid, "accepted")


# --- batching, date ranges and cursors ------------------------------------------------------------------------


def test_full_metadata_is_read_25_quoted_ids_at_a_time(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    submit(s1, author, 30)
    assert len(connector(server).changed_since(None).snapshots) == 30
    full_calls = [call for call in s1.calls("jas") if call["endpoint"] == FULL and call["authenticated"]]
    assert [len(ids_in(call)) for call in full_calls] == [25, 5]
    assert all(part.startswith("'") for call in full_calls for part in call["query"]["ids"].split(","))


def test_a_date_range_matching_too_many_documents_is_halved_until_each_part_fits(server: SandboxServer,
                                                                                  s1: Any) -> None:
    author = journal(s1, max_ids_by_date=10)
    ids = submit(s1, author, 25)
    snapshots = connector(server, history_start="2026-10-01T00:00:00Z").changed_since(None).snapshots
    assert sorted(s.platform_id for s in snapshots) == sorted(ids)
    listing = [call for call in s1.calls("jas") if call["endpoint"] == IDS and call["authenticated"]]
    refused = sum(call["status"] == 400 for call in listing)
    assert refused >= 2 and len(listing) == 2 * refused + 1  # every refused range became two smaller ones
    assert s1.call_count("jas", FULL) == 1


def test_more_documents_in_one_second_than_one_call_returns_is_an_error(server: SandboxServer, s1: Any) -> None:
    author = journal(s1, max_ids_by_date=2)
    for n in range(3):
        s1.add_submission("jas", title=f"Paper {n}", authors=[author])
    with pytest.raises(ConnectorError, match="more documents within one second"):
        connector(server, history_start="2026-10-01T07:00:00Z").changed_since(None)


def test_poll_reads_from_the_cursor_less_the_clock_skew_by_last_update(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    connector(server, clock_skew_seconds=90).changed_since((T0 - timedelta(hours=1)).isoformat())
    [call] = [call for call in s1.calls("jas") if call["endpoint"] == IDS and call["authenticated"]]
    assert call["query"]["from_time"] == "2026-10-01T06:58:30Z" and call["query"]["to_time"] == "2026-10-01T08:00:00Z"
    assert call["query"]["criteria"] == "datetime_last_updated"


def test_poll_without_changes_since_the_cursor_returns_nothing(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    submit(s1, author, 3)
    reader = connector(server, clock_skew_seconds=30)  # the last manuscript is a minute older than the cursor
    cursor = reader.changed_since(None).next_cursor
    s1.advance_clock(600)
    page = reader.changed_since(cursor)
    assert page.snapshots == [] and s1.call_count("jas", FULL) == 1


def test_move_after_the_cursor_comes_back_with_its_new_status(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    ids = submit(s1, author, 3)
    reader = connector(server, clock_skew_seconds=0)
    cursor = reader.changed_since(None).next_cursor
    s1.advance_clock(600)
    s1.move("jas", ids[0], "With Editor")
    [snapshot] = reader.changed_since(cursor).snapshots
    assert (snapshot.platform_id, snapshot.canonical_status) == (ids[0], "with_editor")


def test_change_stamped_behind_our_clock_within_the_skew_is_still_found(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    [sid] = submit(s1, author, 1)
    ours = {"now": s1.now() + timedelta(seconds=60)}  # our clock runs a minute ahead of ScholarOne's
    reader = connector(server, clock=lambda: ours["now"], clock_skew_seconds=120)
    cursor = reader.changed_since(None).next_cursor
    s1.advance_clock(10)
    s1.move("jas", sid, "With Editor")  # stamped 50 s before the cursor we saved
    ours["now"] += timedelta(seconds=300)
    assert [s.canonical_status for s in reader.changed_since(cursor).snapshots] == ["with_editor"]


def test_platform_wide_changes_cover_every_site(server: SandboxServer, s1: Any) -> None:
    first, second = journal(s1, "jas"), journal(s1, "jbs")
    [a] = submit(s1, first, 1, "jas")
    [b] = submit(s1, second, 1, "jbs")
    snapshots = connector(server, "jas", "jbs").changed_since(None).snapshots
    assert {(s.journal_path, s.platform_id) for s in snapshots} == {("jas", a), ("jbs", b)}


def test_manuscripts_for_identity_keeps_those_listing_its_email(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    other = s1.add_person("jas", email="other@example.org", first_name="O")
    mine = s1.add_submission("jas", title="Mine", authors=[author])
    coauthored = s1.add_submission("jas", title="Ours", authors=[other, {"email": "li.wei@EXAMPLE.org",
                                                                          "first_name": "Wei"}])
    s1.add_submission("jas", title="Theirs", authors=[other])
    identity = PlatformIdentity(platform_user_id="", email="li.wei@example.org")
    page = connector(server).manuscripts_for_identity(identity, None)
    assert sorted(s.platform_id for s in page.snapshots) == sorted([mine, coauthored])


def test_manuscripts_for_identity_matches_the_person_id_when_the_email_changed(server: SandboxServer,
                                                                              s1: Any) -> None:
    author = journal(s1)
    sid = s1.add_submission("jas", title="Mine", authors=[author])
    identity = PlatformIdentity(platform_user_id=str(author), email="old.address@example.org")
    assert [s.platform_id for s in connector(server).manuscripts_for_identity(identity, None).snapshots] == [sid]


def test_generated_site_of_100000_manuscripts_polls_only_the_changed_ones(server: SandboxServer, s1: Any) -> None:
    s1.add_generated_site("big", seed=7, authors=10_000, submissions_per_author=10, changed_fraction=0.0001)
    reader = connector(server, "big")
    cursor = s1.now().isoformat()  # after a first change round, as after an earlier poll
    s1.advance_clock(3600)
    assert s1.change_generated("big", 0.0005) == 50
    page = reader.changed_since(cursor)
    assert sorted(s.platform_id for s in page.snapshots) == s1.changed_generated_submission_ids("big")
    assert s1.call_count("big", FULL) == 2


def test_generated_authors_manuscripts_are_found_through_their_identity(server: SandboxServer, s1: Any) -> None:
    s1.add_generated_site("big", seed=3, authors=100, submissions_per_author=3)
    reader = connector(server, "big", history_start="2026-01-01T00:00:00Z")
    identity = reader.find_identity(s1.generated_person("big", 42)["email"])
    page = reader.manuscripts_for_identity(identity, None)
    assert sorted(s.platform_id for s in page.snapshots) == s1.generated_submission_ids("big", 42)


# --- faults -------------------------------------------------------------------------------------------------


def test_transport_fault_is_platform_unavailable(server: SandboxServer, s1: Any, transport_fault: Any) -> None:
    journal(s1)
    s1.inject_fault("jas", transport_fault.kind, **transport_fault.options)
    reader = connector(server, timeout=0.3)
    with pytest.raises(PlatformUnavailable, match=transport_fault.complaint) as raised:
        reader.find_identity("li.wei@example.org") if transport_fault.by_identity else reader.changed_since(None)
    assert raised.value.retryable and raised.value.retry_after_seconds == transport_fault.retry_after


def test_slow_answer_within_the_timeout_succeeds(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    submit(s1, author, 1)
    s1.inject_fault("jas", "slow", seconds=0.2)
    assert len(connector(server, timeout=2.0).changed_since(None).snapshots) == 1


def test_throttling_failure_is_platform_unavailable_until_its_call_back_time(server: SandboxServer,
                                                                             s1: Any) -> None:
    author = journal(s1)
    submit(s1, author, 3)
    s1.set_rate_limit("jas", 1)
    with pytest.raises(PlatformUnavailable, match="throttled") as raised:
        connector(server).changed_since(None)
    assert 1 <= raised.value.retry_after_seconds <= 61


def test_maintenance_is_platform_unavailable(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.inject_fault("jas", "maintenance", retry_after=600)
    with pytest.raises(PlatformUnavailable, match="HTTP 500") as raised:
        connector(server).changed_since(None)
    assert raised.value.retryable


def test_throttling_failure_in_json_gives_the_call_back_time_as_retry_after(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.inject_fault("jas", "throttled", retry_after=120)
    with pytest.raises(PlatformUnavailable) as raised:
        connector(server, format="json").changed_since(None)
    assert raised.value.retry_after_seconds == 120


@pytest.mark.parametrize(("response_format", "complaint"), [("xml", "not well-formed XML"), ("json", "not JSON")])
def test_malformed_answer_is_a_data_error(server: SandboxServer, s1: Any, response_format: str,
                                          complaint: str) -> None:
    journal(s1)
    s1.inject_fault("jas", "malformed")
    with pytest.raises(PlatformDataError, match=complaint) as raised:
        connector(server, format=response_format).changed_since(None)
    assert raised.value.retryable


def test_renamed_status_name_is_a_data_error_naming_it(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    submit(s1, author, 1)
    s1.inject_fault("jas", "renamed_field", path_contains="/metadata/")
    with pytest.raises(PlatformDataError, match="has no 'documentStatusName' \\(it has: .*statusName"):
        connector(server).changed_since(None)


def test_missing_latest_document_id_is_a_data_error_naming_it(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    submit(s1, author, 1)
    s1.inject_fault("jas", "missing_field", path_contains="idsByDate")
    with pytest.raises(PlatformDataError, match="no 'documentIdLatest'"):
        connector(server).changed_since(None)


def test_refused_request_is_a_connector_error_with_the_platforms_message(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    submit(s1, author, 12)
    s1.max_ids_per_call = 10
    try:
        with pytest.raises(ConnectorError, match="exceeds the maximum of 10 .*error 700/701") as raised:
            connector(server).changed_since(None)
    finally:
        s1.max_ids_per_call = 25
    assert not raised.value.retryable


def test_a_fault_stops_the_poll_and_the_retry_succeeds(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    submit(s1, author, 3)
    s1.inject_fault("jas", 500, path_contains="/metadata/")
    with pytest.raises(PlatformUnavailable):
        connector(server).changed_since(None)
    assert len(connector(server).changed_since(None).snapshots) == 3


def test_xml_declaring_a_dtd_is_refused_before_parsing() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><Response><status>&a;</status></Response>'
    with pytest.raises(PlatformDataError, match="declares a DTD"):
        parse_response(bomb, as_json=False, what="test")


def test_xml_answer_with_another_root_is_a_data_error() -> None:
    with pytest.raises(PlatformDataError, match="root element is <html>"):
        parse_response(b"<html><body>Login</body></html>", as_json=False, what="test")


# --- through the sync service -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_platform_wide_polls_show_a_revised_manuscript_as_one_timeline(server: SandboxServer, s1: Any) -> None:
    s1.set_clock(None)  # ScholarOne's clock and ours are both real time here: steps are a second apart
    author = journal(s1)
    system = make_journal_system(key="demo-s1", platform="scholarone", base_url=server.base_url, credentials={
        "username": DEFAULT_USERNAME, "api_key": DEFAULT_API_KEY})
    account = make_account(make_researcher(), system, email="li.wei@example.org", user_id=str(author))
    sid = s1.add_submission("jas", title="Soil", authors=[author])
    journal_system_poll(journal_system_id=system.pk)
    time.sleep(1.1)
    s1.move("jas", sid, decision="Minor Revision")
    journal_system_poll(journal_system_id=system.pk)
    time.sleep(1.1)
    s1.submit_revision("jas", sid)
    journal_system_poll(journal_system_id=system.pk)

    manuscript = Manuscript.objects.get()
    assert (manuscript.platform_id, manuscript.canonical_status) == (sid, "revision_submitted")
    assert [e.to_status for e in StatusEvent.objects.order_by("occurred_at", "id")] == [
        "submitted", "revision_requested", "revision_submitted"]
    assert ManuscriptAccess.objects.filter(journal_account=account, manuscript=manuscript).exists()
