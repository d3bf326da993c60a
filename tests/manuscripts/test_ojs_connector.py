"""The OJS connector against the OJS sandbox over real HTTP: identities, manuscripts and their statuses,
cursors, 3.3 and 3.4 journals, and every fault mapped to the right error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
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
from manuscripts.connectors.http import retry_after_seconds
from manuscripts.connectors.ojs import OjsConnector
from manuscripts.connectors.registry import connector_for
from sandbox.server import SandboxServer

TOKEN = "publisher-manager-token"
T0 = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)
LIST = "GET /submissions"
DETAIL = "GET /submissions/{id}"
PUBLICATION = "GET /submissions/{id}/publications/{id}"


@pytest.fixture
def ojs(server: SandboxServer) -> Iterator[Any]:
    """The OJS sandbox, emptied, with its clock at T0."""
    server.reset()
    server.ojs.set_clock(T0)
    yield server.ojs


def config(server: SandboxServer, *paths: str, token: str = TOKEN, timeout: float = 2.0,
           **credentials: str) -> PlatformConfig:
    return PlatformConfig(
        key="demo-ojs", platform="ojs", base_url=server.base_url + "/", credentials={"token": token, **credentials},
        timeout_seconds=timeout, journal_paths={path: path for path in (paths or ("jas",))},
    )


def connector(server: SandboxServer, *paths: str, **options: Any) -> OjsConnector:
    return OjsConnector(config(server, *paths, **options))


def journal(ojs: Any, context: str = "jas", version: str = "3.4", **options: Any) -> int:
    """A journal managed through TOKEN, with author Li Wei (returned)."""
    ojs.add_site(context, version=version, manager_token=TOKEN, **options)
    return ojs.add_user(context, username="liwei", email="Li.Wei@Example.org", given_name="Wei", family_name="Li",
                        orcid="0000-0002-1825-0097")


def identity_of(user_id: int) -> PlatformIdentity:
    return PlatformIdentity(platform_user_id=str(user_id), email="Li.Wei@Example.org", display_name="Wei Li",
                            orcid="0000-0002-1825-0097")


def by_id(snapshots: list[ManuscriptSnapshot]) -> dict[str, ManuscriptSnapshot]:
    return {s.platform_id: s for s in snapshots}


# --- configuration and test_connection -----------------------------------------------------------------------


def test_registry_gives_the_ojs_connector(server: SandboxServer) -> None:
    assert isinstance(connector_for(config(server)), OjsConnector)


def test_registry_refuses_a_platform_without_connector(server: SandboxServer) -> None:
    with pytest.raises(ValueError, match="no connector for platform 'wordpress'"):
        connector_for(PlatformConfig(key="j", platform="wordpress", base_url="https://x.org", credentials={}))


def test_connector_without_token_is_an_auth_error_on_every_call(server: SandboxServer, ojs: Any) -> None:
    journal(ojs)
    unusable = OjsConnector(config(server, token=""))  # building it never raises: callers build outside try
    with pytest.raises(PlatformAuthError, match="no OJS API token"):
        unusable.find_identity("li.wei@example.org")
    with pytest.raises(PlatformAuthError, match="no OJS API token"):
        unusable.changed_since(None)
    assert ojs.call_count("jas") == 0


def test_connector_with_unknown_timezone_is_a_configuration_error(server: SandboxServer, ojs: Any) -> None:
    with pytest.raises(ConnectorError, match="unknown timezone 'Mars/Olympus'") as raised:
        OjsConnector(config(server, timezone="Mars/Olympus")).test_connection()
    assert not raised.value.retryable


def test_connector_without_journal_paths_is_a_configuration_error(server: SandboxServer) -> None:
    empty = PlatformConfig(key="k", platform="ojs", base_url=server.base_url, credentials={"token": TOKEN})
    with pytest.raises(ConnectorError, match="no journals with an OJS path"):
        OjsConnector(empty).manuscripts_for_identity(identity_of(1), None)


def test_connection_names_the_journals_reached(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs, "jas")
    journal(ojs, "jbs", version="3.3")
    ojs.add_submission("jas", title="Soil", authors=[author])
    message = connector(server, "jas", "jbs").test_connection()
    assert "jas (1, OJS 3.4+)" in message and "jbs (0)" in message and server.base_url in message


def test_connection_with_a_wrong_token_is_an_auth_error(server: SandboxServer, ojs: Any) -> None:
    journal(ojs)
    with pytest.raises(PlatformAuthError, match="api.400.tokenCouldNotBeDecoded") as raised:
        connector(server, token="wrong").test_connection()
    assert not raised.value.retryable


def test_connection_with_an_authors_token_is_an_auth_error(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    with pytest.raises(PlatformAuthError, match="roleBasedAccessDenied"):
        connector(server, token=ojs.token_for(author)).test_connection()


def test_connection_to_an_unknown_journal_path_is_a_configuration_error(server: SandboxServer, ojs: Any) -> None:
    journal(ojs)
    with pytest.raises(ConnectorError, match="no journal 'nope'") as raised:
        connector(server, "nope").test_connection()
    assert not raised.value.retryable and not isinstance(raised.value, PlatformAuthError)


def test_connection_refused_is_platform_unavailable(ojs: Any, refused_url: str) -> None:
    dead = PlatformConfig(key="d", platform="ojs", base_url=refused_url, credentials={"token": "t"},
                          timeout_seconds=1, journal_paths={"jas": "jas"})
    with pytest.raises(PlatformUnavailable, match="could not be reached") as raised:
        OjsConnector(dead).test_connection()
    assert raised.value.retryable


# --- find_identity ------------------------------------------------------------------------------------------


def test_identity_found_by_email_regardless_of_case(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    found = connector(server).find_identity("li.wei@example.ORG")
    assert found == PlatformIdentity(platform_user_id=str(author), email="Li.Wei@Example.org", display_name="Wei Li",
                                     orcid="0000-0002-1825-0097")


def test_identity_found_by_username(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    assert connector(server).find_identity("liwei").platform_user_id == str(author)


def test_identity_found_by_bare_orcid(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    assert connector(server).find_identity("0000-0002-1825-0097").platform_user_id == str(author)


def test_identity_found_by_orcid_url(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    assert connector(server).find_identity("https://orcid.org/0000-0002-1825-0097").platform_user_id == str(author)


def test_identity_match_is_exact_although_ojs_search_is_fuzzy(server: SandboxServer, ojs: Any) -> None:
    journal(ojs)
    ojs.add_user("jas", username="liweiwei", email="xli.wei@example.org", given_name="X")
    found = connector(server)
    assert found.find_identity("xli.wei@example.org").email == "xli.wei@example.org"
    assert found.find_identity("li.wei@example.org").email == "Li.Wei@Example.org"
    assert found.find_identity("liwe") is None


def test_unknown_identity_is_none(server: SandboxServer, ojs: Any) -> None:
    journal(ojs)
    assert connector(server).find_identity("nobody@example.org") is None


def test_identity_with_spaces_is_none_without_asking(server: SandboxServer, ojs: Any) -> None:
    journal(ojs)
    assert connector(server).find_identity("Wei Li") is None
    assert ojs.call_count("jas") == 0


def test_identity_is_searched_in_every_journal(server: SandboxServer, ojs: Any) -> None:
    journal(ojs, "jas")
    ojs.add_site("jbs", manager_token=TOKEN)
    only_there = ojs.add_user("jbs", username="ana", email="ana@example.org", given_name="Ana")
    assert connector(server, "jas", "jbs").find_identity("ana@example.org").platform_user_id == str(only_there)


def test_identity_beyond_the_first_page_of_fuzzy_matches_is_found(server: SandboxServer, ojs: Any) -> None:
    journal(ojs)
    for n in range(120):
        ojs.add_user("jas", username=f"alex{n}", email=f"n{n}.alex@example.org", given_name="Alex")
    wanted = ojs.add_user("jas", username="alex", email="alex@example.org", given_name="Alex")
    assert connector(server).find_identity("alex@example.org").platform_user_id == str(wanted)
    assert ojs.call_count("jas", "GET /users") == 2


def test_identity_in_a_generated_journal_of_100000_users(server: SandboxServer, ojs: Any) -> None:
    ojs.add_generated_site("big", seed=11, users=100_000, submissions_per_user=1, manager_token=TOKEN)
    wanted = ojs.generated_user("big", 77_777)
    assert connector(server, "big").find_identity(wanted["orcid"]).platform_user_id == str(wanted["id"])


# --- manuscripts and their statuses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "canonical", "raw"),
    [
        ({}, "submitted", "Unassigned"),
        ({"editor_assigned": True}, "with_editor", "Awaiting Editor Decision"),
        ({"stage_id": 3, "review_round_status": 7}, "under_review", "Awaiting responses from reviewers."),
        ({"stage_id": 3, "review_round_status": 9}, "with_editor",
         "All reviewers have responded and a decision is needed."),
        ({"stage_id": 3, "review_round_status": 1}, "revision_requested", "Revisions have been requested."),
        ({"stage_id": 3, "review_round_status": 11}, "revision_submitted",
         "Revisions have been submitted and a decision is needed."),
        ({"stage_id": 4}, "accepted", "In Copyediting"),
        ({"stage_id": 5}, "in_production", "In Proofreading"),
        ({"status": 5, "stage_id": 5}, "in_production", "Scheduled"),
        ({"status": 3, "stage_id": 5}, "published", "Published"),
        ({"status": 4, "stage_id": 1}, "rejected", "Declined"),
    ],
)
def test_manuscript_status_is_mapped_from_the_full_object(server: SandboxServer, ojs: Any, state: dict,
                                                          canonical: str, raw: str) -> None:
    author = journal(ojs)
    ojs.add_submission("jas", title="Soil", authors=[author], **state)
    [snapshot] = connector(server).manuscripts_for_identity(identity_of(author), None).snapshots
    assert (snapshot.canonical_status, snapshot.raw_status) == (canonical, raw)


def test_manuscript_snapshot_carries_titles_authors_dates_and_url(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    sid = ojs.add_submission("jas", title={"en": "Soil", "zh-hans": "土壤"}, subtitle="A Field Study", authors=[author],
                             contributors=[{"given_name": "Maria", "email": "M.Garcia@example.org"}],
                             date_submitted=T0 - timedelta(days=30))
    [snapshot] = connector(server).manuscripts_for_identity(identity_of(author), None).snapshots
    assert snapshot.platform_id == str(sid) and snapshot.journal_path == "jas"
    assert snapshot.titles == {"en": "Soil: A Field Study", "zh-hans": "土壤"}
    assert snapshot.author_emails == ("li.wei@example.org", "m.garcia@example.org")
    assert snapshot.author_user_ids == (str(author),)
    assert snapshot.submitted_at == T0 - timedelta(days=30) and snapshot.last_activity_at == T0
    assert snapshot.url == f"{server.base_url}/index.php/jas/authorDashboard/submission/{sid}"
    assert snapshot.doi == "" and snapshot.published_on is None


def test_dates_are_read_in_the_sites_timezone(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs, timezone="Asia/Shanghai")
    ojs.add_submission("jas", title="Soil", authors=[author])
    [snapshot] = connector(server, timezone="Asia/Shanghai").manuscripts_for_identity(identity_of(author),
                                                                                        None).snapshots
    assert snapshot.last_activity_at == T0 and snapshot.last_activity_at.utcoffset() == timedelta(hours=8)


def test_published_manuscript_has_doi_and_publication_date_in_3_4(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    sid = ojs.add_submission("jas", title="Soil", authors=[author], status=3, stage_id=5,
                             date_published=date(2026, 8, 15), doi="10.55555/jas.977")
    [snapshot] = connector(server).manuscripts_for_identity(identity_of(author), None).snapshots
    assert (snapshot.doi, snapshot.published_on) == ("10.55555/jas.977", date(2026, 8, 15))
    assert snapshot.url.endswith(f"/index.php/jas/article/view/{sid}")


def test_published_manuscript_has_doi_from_pub_id_in_3_3(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs, version="3.3")
    ojs.add_submission("jas", title={"en_US": "Soil", "zh_CN": ""}, authors=[author], status=3, stage_id=5,
                       date_published=date(2026, 8, 15), doi="10.55555/jas.977")
    [snapshot] = connector(server).manuscripts_for_identity(identity_of(author), None).snapshots
    assert (snapshot.doi, snapshot.published_on, snapshot.titles) == ("10.55555/jas.977", date(2026, 8, 15),
                                                                      {"en": "Soil"})


def test_doi_is_not_reported_before_publication(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    ojs.add_submission("jas", title="Soil", authors=[author], status=5, stage_id=5, doi="10.55555/jas.1",
                       date_published=date(2026, 12, 1))
    [snapshot] = connector(server).manuscripts_for_identity(identity_of(author), None).snapshots
    assert (snapshot.doi, snapshot.published_on) == ("", None)


def test_3_3_review_states_map_like_3_4(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs, version="3.3")
    ojs.add_submission("jas", title="Soil", authors=[author], stage_id=3, review_round_status=15)
    [snapshot] = connector(server).changed_since(None).snapshots
    assert snapshot.canonical_status == "revision_submitted"


def test_latest_review_round_decides_the_status(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    sid = ojs.add_submission("jas", title="Soil", authors=[author], stage_id=3, review_round_status=1)
    ojs.move("jas", sid, decision="submit_revisions")
    ojs.move("jas", sid, decision="new_review_round")
    ojs.move("jas", sid, decision="assign_reviewer")
    [snapshot] = connector(server).changed_since(None).snapshots
    assert snapshot.canonical_status == "under_review"


def test_manuscripts_the_identity_only_reviews_are_left_out(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    colleague = ojs.add_user("jas", username="ana", email="ana@example.org", given_name="Ana")
    own = ojs.add_submission("jas", title="Own", authors=[author])
    ojs.add_submission("jas", title="Reviewed", authors=[colleague], reviewers=[author])
    snapshots = connector(server).manuscripts_for_identity(identity_of(author), None).snapshots
    assert [s.platform_id for s in snapshots] == [str(own)]


def test_identity_listed_as_author_by_orcid_only_still_sees_the_manuscript(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    ojs.add_submission("jas", title="Soil", authors=[author])
    moved_on = PlatformIdentity(platform_user_id=str(author), email="new-address@example.org",
                                orcid="0000-0002-1825-0097")
    assert len(connector(server).manuscripts_for_identity(moved_on, None).snapshots) == 1


def test_unfinished_drafts_are_left_out(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    ojs.add_submission("jas", title="Draft", authors=[author], incomplete=True)
    assert connector(server).manuscripts_for_identity(identity_of(author), None).snapshots == []


def test_full_object_is_read_only_when_the_status_needs_it(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    ojs.add_submission("jas", title="Published", authors=[author], status=3, stage_id=5)
    ojs.add_submission("jas", title="Copyediting", authors=[author], stage_id=4)
    ojs.add_submission("jas", title="In review", authors=[author], stage_id=3, review_round_status=7)
    connector(server).changed_since(None)
    assert ojs.call_count("jas", DETAIL) == 1 and ojs.call_count("jas", PUBLICATION) == 3


def test_unknown_ojs_state_is_a_data_error_naming_it(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    ojs.add_submission("jas", title="Odd", authors=[author], status=2)
    with pytest.raises(PlatformDataError, match="status 2, stage 1"):
        connector(server).changed_since(None)


# --- cursors and paging ----------------------------------------------------------------------------------


def make_submissions(ojs: Any, author: int, count: int, context: str = "jas") -> list[int]:
    """``count`` submissions one minute apart (the last is the newest)."""
    return [ojs.add_submission(context, title=f"Paper {n}", authors=[author],
                               last_modified=T0 + timedelta(minutes=n)) for n in range(count)]


def test_first_sync_returns_everything_and_the_newest_last_modified(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    created = make_submissions(ojs, author, 3)
    page = connector(server).manuscripts_for_identity(identity_of(author), None)
    assert [s.platform_id for s in page.snapshots] == [str(i) for i in reversed(created)]
    assert page.next_cursor == "2026-10-01T08:02:00+00:00"


def test_paging_stops_at_the_cursor(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    make_submissions(ojs, author, 250)
    cursor = (T0 + timedelta(minutes=240)).isoformat()
    page = connector(server).manuscripts_for_identity(identity_of(author), cursor)
    assert len(page.snapshots) == 10  # minutes 240..249, the one at the cursor included
    assert ojs.call_count("jas", LIST) == 1 and ojs.call_count("jas", PUBLICATION) == 10


def test_first_sync_pages_through_everything(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    make_submissions(ojs, author, 250)
    page = connector(server).changed_since(None)
    assert len(by_id(page.snapshots)) == 250 and ojs.call_count("jas", LIST) == 3


@pytest.mark.parametrize(("version", "order_by"), [("3.3", "dateLastActivity"), ("3.4", "lastActivity"),
                                                   ("3.5", "lastActivity")])
def test_list_requests_ask_for_last_activity_newest_first_100_at_a_time(server: SandboxServer, ojs: Any,
                                                                         version: str, order_by: str) -> None:
    author = journal(ojs, version=version)
    make_submissions(ojs, author, 1)
    connector(server, version=version).manuscripts_for_identity(identity_of(author), None)
    [call] = [c for c in ojs.calls("jas") if c["endpoint"] == LIST]
    assert call["query"] == {"orderBy": order_by, "orderDirection": "DESC", "count": "100", "offset": "0",
                             "assignedTo": str(author)}


def test_without_a_configured_version_a_33_journal_is_recognised_and_asked_again(server: SandboxServer,
                                                                                 ojs: Any) -> None:
    author = journal(ojs, version="3.3")
    make_submissions(ojs, author, 3)
    reader = connector(server)
    page = reader.changed_since(None)
    assert [c["query"]["orderBy"] for c in ojs.calls("jas") if c["endpoint"] == LIST] == [
        "lastActivity", "dateLastActivity"]
    assert len(page.snapshots) == 3
    ojs.clear_calls()
    reader.changed_since(page.next_cursor)  # learnt: one request
    assert [c["query"]["orderBy"] for c in ojs.calls("jas") if c["endpoint"] == LIST] == ["dateLastActivity"]


def test_an_unknown_version_is_a_configuration_error(server: SandboxServer, ojs: Any) -> None:
    with pytest.raises(ConnectorError, match="'version' must be one of 3.3, 3.4, 3.5"):
        connector(server, version="3.6").changed_since(None)


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
@pytest.mark.parametrize(("decision", "expected"), [
    ("review_submitted", "under_review"), ("reviews_completed", "with_editor"),
    ("request_revisions", "revision_requested"), ("submit_revisions", "revision_submitted"),
])
def test_review_events_after_the_cursor_are_seen(server: SandboxServer, ojs: Any, version: str, decision: str,
                                                 expected: str) -> None:
    """Reviews in, an author's revised files and decisions that keep the stage move only dateLastActivity."""
    author = journal(ojs, version=version)
    round_status = 1 if decision == "submit_revisions" else 7
    older = [ojs.add_submission("jas", title=f"Older {n}", authors=[author], stage_id=3,
                                review_round_status=round_status, last_modified=T0 - timedelta(days=1, minutes=n))
             for n in range(3)]
    ojs.add_submission("jas", title="Newest", authors=[author], last_modified=T0)
    reader = connector(server)
    cursor = reader.changed_since(None).next_cursor
    ojs.advance_clock(3600)
    ojs.move("jas", older[-1], decision=decision)
    page = reader.changed_since(cursor)
    assert (str(older[-1]), expected) in [(s.platform_id, s.canonical_status) for s in page.snapshots]
    moved = by_id(page.snapshots)[str(older[-1])]
    assert moved.last_activity_at == T0 + timedelta(hours=1)
    assert page.next_cursor == "2026-10-01T09:00:00+00:00"


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
def test_the_submission_stage_maps_alike_on_every_version(server: SandboxServer, ojs: Any, version: str) -> None:
    author = journal(ojs, version=version)
    unassigned = ojs.add_submission("jas", title="Waiting", authors=[author])
    assigned = ojs.add_submission("jas", title="Seen", authors=[author])
    ojs.move("jas", assigned, decision="assign_editor")
    snapshots = by_id(connector(server).changed_since(None).snapshots)
    assert (snapshots[str(unassigned)].canonical_status, snapshots[str(assigned)].canonical_status) == (
        "submitted", "with_editor")


def test_unchanged_journal_rereads_only_what_sits_at_the_cursor(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    make_submissions(ojs, author, 5)
    reader = connector(server)
    cursor = reader.changed_since(None).next_cursor
    ojs.clear_calls()
    page = reader.changed_since(cursor)
    assert len(page.snapshots) == 1 and page.next_cursor == cursor
    assert ojs.call_count("jas", LIST) == 1


def test_a_move_after_the_cursor_comes_back_with_its_new_status(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    created = make_submissions(ojs, author, 5)
    reader = connector(server)
    cursor = reader.changed_since(None).next_cursor
    ojs.advance_clock(3600)
    ojs.move("jas", created[0], decision="send_to_review")
    page = reader.changed_since(cursor)
    # the one stamped exactly at the cursor is read again: an edit in that same second may have followed our read
    assert [(s.platform_id, s.canonical_status) for s in page.snapshots] == [
        (str(created[0]), "under_review"), (str(created[-1]), "submitted")]
    assert page.next_cursor == "2026-10-01T09:00:00+00:00"


def test_platform_wide_changes_cover_every_journal_and_author(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs, "jas")
    ojs.add_site("jbs", version="3.3", manager_token=TOKEN)
    other = ojs.add_user("jbs", username="ana", email="ana@example.org", given_name="Ana")
    first = ojs.add_submission("jas", title="A", authors=[author])
    second = ojs.add_submission("jbs", title="B", authors=[other])
    snapshots = by_id(connector(server, "jas", "jbs").changed_since(None).snapshots)
    assert {k: (s.journal_path, s.author_emails, s.author_user_ids) for k, s in snapshots.items()} == {
        str(first): ("jas", ("li.wei@example.org",), ()), str(second): ("jbs", ("ana@example.org",), ())}


def test_several_journals_read_back_over_the_span_of_their_first_reads(server: SandboxServer, ojs: Any) -> None:
    # An edit in one journal can be stamped just before another journal's newest item yet after we read it.
    author = journal(ojs, "jas")
    ojs.add_site("jbs", manager_token=TOKEN)
    ojs.add_submission("jbs", title="Newest", authors=[author], last_modified=T0)
    late = ojs.add_submission("jas", title="Late", authors=[author], last_modified=T0 - timedelta(seconds=2))
    cursor = T0.isoformat()
    assert str(late) in by_id(connector(server, "jas", "jbs", timeout=2.0).changed_since(cursor).snapshots)


def test_generated_journal_of_a_million_submissions_polls_only_the_changed_ones(server: SandboxServer,
                                                                               ojs: Any) -> None:
    ojs.add_generated_site("big", seed=3, users=100_000, submissions_per_user=10, manager_token=TOKEN)
    reader = connector(server, "big")
    cursor = (T0 - timedelta(days=1)).isoformat()  # the newest unchanged stamp
    ojs.advance_clock(3600)
    ojs.change_generated("big", 0.0002)  # 200 submissions
    page = reader.changed_since(cursor)
    assert len(page.snapshots) == 200
    assert ojs.call_count("big", LIST) == 3 and page.next_cursor == "2026-10-01T09:00:00+00:00"


def test_generated_users_manuscripts_are_found_through_their_identity(server: SandboxServer, ojs: Any) -> None:
    ojs.add_generated_site("big", seed=3, users=100_000, submissions_per_user=10, manager_token=TOKEN)
    reader = connector(server, "big")
    identity = reader.find_identity(ojs.generated_user("big", 31_337)["email"])
    page = reader.manuscripts_for_identity(identity, None)
    assert sorted(int(s.platform_id) for s in page.snapshots) == ojs.generated_submission_ids("big", 31_337)


# --- faults -------------------------------------------------------------------------------------------------


def test_transport_fault_is_platform_unavailable(server: SandboxServer, ojs: Any, transport_fault: Any) -> None:
    journal(ojs)
    ojs.inject_fault("jas", transport_fault.kind, **transport_fault.options)
    reader = connector(server, timeout=0.3)
    with pytest.raises(PlatformUnavailable, match=transport_fault.complaint) as raised:
        reader.find_identity("li.wei@example.org") if transport_fault.by_identity else reader.changed_since(None)
    assert raised.value.retryable and raised.value.retry_after_seconds == transport_fault.retry_after


def test_slow_answer_within_the_timeout_succeeds(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    make_submissions(ojs, author, 1)
    ojs.inject_fault("jas", "slow", seconds=0.2)
    assert len(connector(server, timeout=2.0).changed_since(None).snapshots) == 1


def test_rate_limited_journal_is_platform_unavailable_with_retry_after(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    make_submissions(ojs, author, 3)
    ojs.set_rate_limit("jas", 2)
    with pytest.raises(PlatformUnavailable) as raised:
        connector(server).changed_since(None)
    assert raised.value.retry_after_seconds is not None and raised.value.retry_after_seconds >= 1


def test_malformed_json_is_a_data_error(server: SandboxServer, ojs: Any) -> None:
    journal(ojs)
    ojs.inject_fault("jas", "malformed_json")
    with pytest.raises(PlatformDataError, match="not JSON") as raised:
        connector(server).changed_since(None)
    assert raised.value.retryable


def test_malformed_publication_is_a_data_error(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    make_submissions(ojs, author, 1)
    ojs.inject_fault("jas", "malformed_json", path_contains="/publications/")
    with pytest.raises(PlatformDataError, match="publications"):
        connector(server).changed_since(None)


def test_items_renamed_to_data_is_a_data_error_naming_items(server: SandboxServer, ojs: Any) -> None:
    journal(ojs)
    ojs.inject_fault("jas", "renamed_field", field="items", new_name="data")
    with pytest.raises(PlatformDataError, match="has no 'items' \\(it has: data, itemsMax\\)"):
        connector(server).changed_since(None)


def test_missing_last_activity_is_a_data_error_naming_it(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    make_submissions(ojs, author, 1)
    ojs.inject_fault("jas", "missing_field", field="dateLastActivity")
    with pytest.raises(PlatformDataError, match="no 'dateLastActivity'"):
        connector(server).changed_since(None)


def test_users_renamed_email_is_a_data_error_naming_it(server: SandboxServer, ojs: Any) -> None:
    journal(ojs)
    ojs.inject_fault("jas", "renamed_field", field="email", new_name="emailAddress")
    with pytest.raises(PlatformDataError, match="no 'email'"):
        connector(server).find_identity("li.wei@example.org")


def test_missing_review_rounds_in_the_full_object_is_a_data_error(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    ojs.add_submission("jas", title="Soil", authors=[author], stage_id=3, review_round_status=7)
    ojs.inject_fault("jas", "missing_field", field="reviewRounds", path_contains="/submissions/")
    with pytest.raises(PlatformDataError, match="no 'reviewRounds'"):
        connector(server).changed_since(None)


def test_token_refused_while_polling_is_an_auth_error(server: SandboxServer, ojs: Any) -> None:
    journal(ojs)
    with pytest.raises(PlatformAuthError, match="api.400.tokenCouldNotBeDecoded") as raised:
        connector(server, token="expired").changed_since(None)
    assert TOKEN not in str(raised.value)


def test_a_fault_stops_the_poll_without_a_cursor(server: SandboxServer, ojs: Any) -> None:
    author = journal(ojs)
    make_submissions(ojs, author, 3)
    ojs.inject_fault("jas", 500, path_contains="/publications/")
    with pytest.raises(PlatformUnavailable):
        connector(server).changed_since(None)
    assert len(connector(server).changed_since(None).snapshots) == 3  # the caller's retry succeeds


# --- the HTTP wrapper's Retry-After reading -------------------------------------------------------------------


@pytest.mark.parametrize(("header", "seconds"), [("120", 120.0), (" 3 ", 3.0), ("-5", 0.0), (None, None),
                                                 ("soon", None)])
def test_retry_after_reads_delta_seconds(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header) == seconds


def test_retry_after_reads_an_http_date() -> None:
    now = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Thu, 01 Oct 2026 08:01:30 GMT", now=now) == 90.0
