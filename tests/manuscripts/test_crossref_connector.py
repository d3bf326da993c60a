"""The Crossref connector against the Crossref sandbox over real HTTP: ORCID listings with cursor paging, DOI
lookups, publication dates, the polite pool, and every error Crossref can answer mapped to the right class."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from manuscripts.connectors.base import (
    ConnectorError,
    PlatformConfig,
    PlatformDataError,
    PlatformIdentity,
    PlatformUnavailable,
    RequestLimits,
)
from manuscripts.connectors.crossref import LIST_LIMITS, SELECT_FIELDS, CrossrefConnector, partial_date
from manuscripts.connectors.registry import connector_for, platforms_polled_per_account
from sandbox.server import SandboxServer

T0 = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)
JAS, JES, OTHER = "1234-5678", "2345-678X", "9999-0000"
LI_WEI_ORCID = "0000-0002-1825-0097"
LI_WEI = {"given": "Wei", "family": "Li", "ORCID": f"https://orcid.org/{LI_WEI_ORCID}"}
ZHANG = {"given": "Min", "family": "Zhang", "ORCID": "0000-0001-5109-3700"}
MAILTO = "ops@press.example.org"


@pytest.fixture
def crossref(server: SandboxServer) -> Iterator[Any]:
    """The Crossref sandbox, emptied, with its clock at T0."""
    server.reset()
    server.crossref.set_clock(T0)
    yield server.crossref


def config(server: SandboxServer, *issns: str, timeout: float = 2.0, **credentials: Any) -> PlatformConfig:
    return PlatformConfig(key="crossref", platform="crossref", base_url=server.base_url + "/",
                          credentials={"mailto": MAILTO, **credentials}, timeout_seconds=timeout,
                          journal_paths={f"j{n}": issn for n, issn in enumerate(issns or (JAS, JES))})


def connector(server: SandboxServer, *issns: str, **options: Any) -> CrossrefConnector:
    return CrossrefConnector(config(server, *issns, **options))


def li_wei() -> PlatformIdentity:
    return PlatformIdentity(platform_user_id=LI_WEI_ORCID, email="", orcid=LI_WEI_ORCID)


def publish(crossref: Any, doi: str, issn: str | list[str] = JAS, **options: Any) -> str:
    options.setdefault("title", f"Paper {doi}")
    options.setdefault("authors", [LI_WEI])
    options.setdefault("published", "2026-09-15")
    return crossref.add_work(doi, issn=issn, **options)


# --- configuration ------------------------------------------------------------------------------------------------


def test_registry_gives_the_crossref_connector_polled_per_account(server: SandboxServer) -> None:
    assert isinstance(connector_for(config(server)), CrossrefConnector)
    assert "crossref" in platforms_polled_per_account()


def test_system_without_journals_is_a_configuration_error_on_every_call(server: SandboxServer, crossref: Any) -> None:
    unusable = CrossrefConnector(PlatformConfig(key="cr", platform="crossref", base_url=server.base_url,
                                                credentials={"mailto": MAILTO}))
    with pytest.raises(ConnectorError, match="has no journals with an ISSN") as raised:
        unusable.find_identity(LI_WEI_ORCID)
    assert not raised.value.retryable and crossref.call_count() == 0


def test_journal_path_that_is_not_an_issn_is_a_configuration_error(server: SandboxServer) -> None:
    with pytest.raises(ConnectorError, match="journal paths must be ISSNs .*: JAS"):
        connector(server, "jas").test_connection()


def test_rows_above_crossrefs_limit_is_a_configuration_error(server: SandboxServer) -> None:
    with pytest.raises(ConnectorError, match="'rows' must be 1 to 1000"):
        connector(server, rows=5000).manuscripts_for_identity(li_wei(), None)


def test_connection_counts_the_articles_of_our_journals(server: SandboxServer, crossref: Any, english: None) -> None:
    publish(crossref, "10.55555/jas.1", JAS)
    publish(crossref, "10.55555/jes.1", JES)
    publish(crossref, "10.9999/other.1", OTHER)
    message = connector(server).test_connection()
    assert "2 articles for ISSN 1234-5678, 2345-678X" in message and f"polite pool as {MAILTO}" in message


@pytest.mark.parametrize("mailto", ["", "not-an-address"])
def test_without_mailto_every_call_is_a_configuration_error(server: SandboxServer, crossref: Any,
                                                            mailto: str) -> None:
    """Crossref's etiquette asks for a contact, and only the polite pool has workable limits since 2025-12."""
    unusable = connector(server, mailto=mailto)
    for call in (unusable.test_connection, lambda: unusable.find_identity(LI_WEI_ORCID)):
        with pytest.raises(ConnectorError, match="needs a contact address in credentials 'mailto'") as raised:
            call()
        assert not raised.value.retryable
    assert crossref.call_count() == 0


# --- the polite pool ----------------------------------------------------------------------------------------------


def test_every_call_carries_mailto_and_a_user_agent_naming_it(server: SandboxServer, crossref: Any) -> None:
    connector(server).test_connection()
    call = crossref.calls()[-1]
    assert call["query"]["mailto"] == MAILTO and call["user_agent"] == f"ScholarLink/1.0 (mailto:{MAILTO})"




def test_plus_token_is_sent_in_crossrefs_header(server: SandboxServer, crossref: Any) -> None:
    connector(server, plus_token="jwt-token").test_connection()
    assert crossref.calls()[-1]["plus_token"] is True


# --- find_identity ------------------------------------------------------------------------------------------------


def test_find_identity_by_orcid_names_the_author_and_has_no_email(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.55555/jas.1", authors=[ZHANG, LI_WEI])
    assert connector(server).find_identity(f"https://orcid.org/{LI_WEI_ORCID}") == PlatformIdentity(
        platform_user_id=LI_WEI_ORCID, email="", display_name="Wei Li", orcid=LI_WEI_ORCID)


def test_find_identity_asks_for_our_journals_articles_by_that_orcid(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.55555/jas.1")
    connector(server).find_identity(LI_WEI_ORCID)
    assert crossref.calls()[-1]["query"]["filter"] == \
        f"orcid:{LI_WEI_ORCID},issn:{JAS},issn:{JES},type:journal-article"


def test_find_identity_of_an_author_only_in_other_journals_is_none(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.9999/other.1", OTHER)
    assert connector(server).find_identity(LI_WEI_ORCID) is None


def test_find_identity_of_an_email_is_none_without_asking_crossref(server: SandboxServer, crossref: Any) -> None:
    assert connector(server).find_identity("li.wei@example.org") is None
    assert crossref.call_count() == 0


# --- manuscripts_for_identity -----------------------------------------------------------------------------------


def test_orcid_listing_pages_with_the_cursor_until_a_short_page(server: SandboxServer, crossref: Any) -> None:
    for n in range(5):
        publish(crossref, f"10.55555/jas.{n}")
    page = connector(server, rows=2).manuscripts_for_identity(li_wei(), None)
    assert sorted(s.platform_id for s in page.snapshots) == [f"10.55555/jas.{n}" for n in range(5)]
    cursors = [call["query"]["cursor"] for call in crossref.calls()]
    assert cursors[0] == "*" and len(cursors) == 3 and len(set(cursors)) == 3
    assert all(call["query"]["rows"] == "2" for call in crossref.calls())


def test_listing_an_exact_multiple_of_rows_ends_on_an_empty_page(server: SandboxServer, crossref: Any) -> None:
    for n in range(4):
        publish(crossref, f"10.55555/jas.{n}")
    assert len(connector(server, rows=2).manuscripts_for_identity(li_wei(), None).snapshots) == 4
    assert crossref.call_count("GET /works") == 3


def test_listing_keeps_to_our_journals_and_the_authors_works(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.55555/jas.1", JAS)
    publish(crossref, "10.9999/other.1", OTHER)
    publish(crossref, "10.55555/jes.1", JES, authors=[ZHANG])
    page = connector(server).manuscripts_for_identity(li_wei(), None)
    assert [s.platform_id for s in page.snapshots] == ["10.55555/jas.1"]


def test_a_work_becomes_a_published_snapshot(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.55555/JAS.7", [OTHER, JAS], title="<i>Oryza sativa</i> under CO<sub>2</sub> &amp; heat",
            authors=[LI_WEI, ZHANG, {"given": "Hong", "family": "Wang"}], published_online="2026-09-15",
            published_print="2026-10-01", deposited=T0 - timedelta(hours=2))
    [snapshot] = connector(server).manuscripts_for_identity(li_wei(), None).snapshots
    assert snapshot.platform_id == "10.55555/jas.7" and snapshot.doi == "10.55555/jas.7"
    assert (snapshot.canonical_status, snapshot.raw_status) == ("published", "Published (Crossref)")
    assert snapshot.titles == {"en": "Oryza sativa under CO2 & heat"}
    assert snapshot.journal_path == JAS  # the ISSN of ours, though Crossref lists another first
    assert snapshot.published_on == date(2026, 9, 15)
    assert snapshot.status_changed_at == datetime(2026, 9, 15, tzinfo=UTC)
    assert snapshot.last_activity_at == T0 - timedelta(hours=2)  # the deposit
    assert snapshot.author_emails == () and snapshot.author_user_ids == (LI_WEI_ORCID, "0000-0001-5109-3700")
    assert snapshot.url == "https://doi.org/10.55555/jas.7"


def test_journal_path_is_the_issn_as_the_journal_is_configured(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.55555/jes.1", JES)
    [snapshot] = connector(server, JAS, JES.lower()).manuscripts_for_identity(li_wei(), None).snapshots
    assert snapshot.journal_path == "2345-678x"


def test_chinese_title_is_kept_under_zh_hans(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.55555/jas.1", title=["城市热岛效应研究", "Urban heat islands"])
    [snapshot] = connector(server).manuscripts_for_identity(li_wei(), None).snapshots
    assert snapshot.titles == {"zh-hans": "城市热岛效应研究", "en": "Urban heat islands"}


def test_cursor_is_the_newest_index_instant_seen(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.55555/jas.1", indexed=T0 - timedelta(days=3))
    publish(crossref, "10.55555/jas.2", indexed=T0 - timedelta(days=1))
    page = connector(server).manuscripts_for_identity(li_wei(), None)
    assert page.next_cursor == (T0 - timedelta(days=1)).isoformat()


def test_next_listing_asks_from_the_cursors_index_date_and_sees_what_changed(server: SandboxServer,
                                                                            crossref: Any) -> None:
    publish(crossref, "10.55555/jas.1", indexed=T0 - timedelta(days=5))
    publish(crossref, "10.55555/jas.2", indexed=T0 - timedelta(days=3))
    first = connector(server).manuscripts_for_identity(li_wei(), None)
    crossref.advance_clock(86_400)
    crossref.update_work("10.55555/jas.2", title="Corrected title")
    page = connector(server).manuscripts_for_identity(li_wei(), first.next_cursor)
    assert [(s.platform_id, s.titles["en"]) for s in page.snapshots] == [("10.55555/jas.2", "Corrected title")]
    assert crossref.calls()[-1]["query"]["filter"].endswith(",from-index-date:2026-09-28")
    assert page.next_cursor == (T0 + timedelta(days=1)).isoformat()


def test_next_listing_reads_the_cursors_day_again(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.55555/jas.1", indexed=T0 - timedelta(hours=1))
    first = connector(server).manuscripts_for_identity(li_wei(), None)
    again = connector(server).manuscripts_for_identity(li_wei(), first.next_cursor)
    assert again.snapshots == first.snapshots and again.next_cursor == first.next_cursor


def test_listing_without_changes_keeps_the_cursor(server: SandboxServer, crossref: Any) -> None:
    cursor = T0.isoformat()
    page = connector(server).manuscripts_for_identity(li_wei(), cursor)
    assert page.snapshots == [] and page.next_cursor == cursor


def test_listing_for_an_identity_without_orcid_is_an_error(server: SandboxServer, crossref: Any) -> None:
    with pytest.raises(ConnectorError, match="not an ORCID iD: 'li.wei@example.org'"):
        connector(server).manuscripts_for_identity(PlatformIdentity(platform_user_id="li.wei@example.org",
                                                                    email="li.wei@example.org"), None)


def test_unreadable_cursor_is_a_connector_error(server: SandboxServer, crossref: Any) -> None:
    with pytest.raises(ConnectorError, match="not a Crossref cursor"):
        connector(server).manuscripts_for_identity(li_wei(), "em-20261001T080000Z.csv")


def test_platform_wide_polling_is_refused(server: SandboxServer) -> None:
    with pytest.raises(ConnectorError, match="polled per linked ORCID iD"):
        connector(server).changed_since(None)


# --- publication dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dates", "published_on"), [
    ({"published": "2026"}, date(2026, 1, 1)),  # year only: the year's first day, as Crossref's filters read it
    ({"published": "2026-09"}, date(2026, 9, 1)),  # year and month: the month's first day
    ({"published": "2026-09-15"}, date(2026, 9, 15)),
    ({"published_online": "2026-09-20", "published_print": "2026-09-01"}, date(2026, 9, 1)),  # the earlier one
    ({"published_print": "2026-10"}, date(2026, 10, 1)),
    ({"published": None, "issued": [2025, 12]}, date(2025, 12, 1)),  # only the issued date
])
def test_publication_date_variants(server: SandboxServer, crossref: Any, dates: dict, published_on: date) -> None:
    publish(crossref, "10.55555/jas.1", **dates)
    [snapshot] = connector(server).manuscripts_for_identity(li_wei(), None).snapshots
    assert snapshot.published_on == published_on


@pytest.mark.parametrize(("value", "day"), [
    ({"date-parts": [[2026, 2, 30]]}, date(2026, 2, 1)),  # a day out of range: the month stays
    ({"date-parts": [[2026, 13]]}, date(2026, 1, 1)),
    ({"date-parts": [["2026", "3"]]}, date(2026, 3, 1)),  # numbers as text
    ({"date-parts": [[None]]}, None),
    ({"date-parts": [[]]}, None),
    ({"date-time": "2026-03-01T00:00:00Z"}, None),
    (None, None),
])
def test_partial_dates_that_crossref_gets_wrong_are_read_as_far_as_they_go(value: Any, day: date | None) -> None:
    assert partial_date(value) == day


# --- by DOI -------------------------------------------------------------------------------------------------------


def test_doi_lookup_gives_the_snapshot(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.55555/jas.1", title="Soil microbiome shifts")
    snapshot = connector(server).snapshot_for_doi("https://doi.org/10.55555/JAS.1")
    assert snapshot is not None and snapshot.titles == {"en": "Soil microbiome shifts"}
    assert crossref.calls()[-1]["path"] == "/works/10.55555%2FJAS.1"


def test_doi_of_another_publisher_has_its_first_issn_as_journal(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.9999/other.1", [OTHER, "8888-0000"])
    assert connector(server).snapshot_for_doi("10.9999/other.1").journal_path == OTHER


def test_unknown_doi_is_none(server: SandboxServer, crossref: Any) -> None:
    assert connector(server).snapshot_for_doi("10.55555/nope") is None


def test_text_that_is_no_doi_is_refused_without_asking(server: SandboxServer, crossref: Any) -> None:
    with pytest.raises(ConnectorError, match="not a DOI"):
        connector(server).snapshot_for_doi("jas.1")
    assert crossref.call_count() == 0


# --- errors -----------------------------------------------------------------------------------------------------


def test_validation_failure_is_a_connector_error_quoting_crossref(server: SandboxServer, crossref: Any) -> None:
    crossref.inject_fault("400")
    with pytest.raises(ConnectorError, match="Crossref rejected GET /works: parameter-not-allowed: Injected") as raised:
        connector(server).manuscripts_for_identity(li_wei(), None)
    assert not raised.value.retryable


def test_wrong_base_url_is_a_connector_error(server: SandboxServer, crossref: Any) -> None:
    wrong = CrossrefConnector(PlatformConfig(key="cr", platform="crossref", base_url=server.base_url + "/nothing",
                                             credentials={"mailto": MAILTO}, journal_paths={"jas": JAS}))
    with pytest.raises(ConnectorError, match="has no /works"):
        wrong.test_connection()


def test_timeout_is_platform_unavailable(server: SandboxServer, crossref: Any) -> None:
    crossref.inject_fault("timeout", seconds=1.0)
    with pytest.raises(PlatformUnavailable, match="did not answer within 0.3 s") as raised:
        connector(server, timeout=0.3).find_identity(LI_WEI_ORCID)
    assert raised.value.retryable


def test_server_error_is_platform_unavailable(server: SandboxServer, crossref: Any) -> None:
    crossref.inject_fault("500")
    with pytest.raises(PlatformUnavailable, match="HTTP 500"):
        connector(server).manuscripts_for_identity(li_wei(), None)


def test_503_with_retry_after_says_when_to_retry(server: SandboxServer, crossref: Any) -> None:
    crossref.inject_fault("503", retry_after=20)
    with pytest.raises(PlatformUnavailable) as raised:
        connector(server).manuscripts_for_identity(li_wei(), None)
    assert raised.value.retry_after_seconds == 20


def test_429_is_platform_unavailable_with_retry_after(server: SandboxServer, crossref: Any) -> None:
    crossref.inject_fault("429", retry_after=5)
    with pytest.raises(PlatformUnavailable, match="rate-limited us") as raised:
        connector(server).find_identity(LI_WEI_ORCID)
    assert raised.value.retry_after_seconds == 5


def test_crossrefs_own_rate_limit_is_platform_unavailable(server: SandboxServer, crossref: Any) -> None:
    for n in range(3):
        publish(crossref, f"10.55555/jas.{n}")
    crossref.set_rate_limit(2, interval_seconds=60)
    with pytest.raises(PlatformUnavailable, match="HTTP 429 for GET .*/works"):
        connector(server, rows=1).manuscripts_for_identity(li_wei(), None)


def test_429_in_the_middle_of_paging_loses_nothing_on_retry(server: SandboxServer, crossref: Any) -> None:
    for n in range(3):
        publish(crossref, f"10.55555/jas.{n}")
    reader = connector(server, rows=1)
    crossref.inject_fault("429", path_contains="/works")
    with pytest.raises(PlatformUnavailable):
        reader.manuscripts_for_identity(li_wei(), None)
    assert len(reader.manuscripts_for_identity(li_wei(), None).snapshots) == 3


def test_malformed_json_is_a_data_error(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.55555/jas.1")
    crossref.inject_fault("malformed_json")
    with pytest.raises(PlatformDataError, match="not JSON") as raised:
        connector(server).manuscripts_for_identity(li_wei(), None)
    assert raised.value.retryable


def test_list_without_items_is_a_data_error(server: SandboxServer, crossref: Any) -> None:
    crossref.inject_fault("missing_field", field="items")
    with pytest.raises(PlatformDataError, match="no list of 'items'"):
        connector(server).manuscripts_for_identity(li_wei(), None)


def test_work_without_doi_is_a_data_error(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.55555/jas.1")
    crossref.inject_fault("missing_field", field="DOI")
    with pytest.raises(PlatformDataError, match="Crossref work has no 'DOI'"):
        connector(server).manuscripts_for_identity(li_wei(), None)


def test_full_page_without_next_cursor_is_a_data_error(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.55555/jas.1")
    crossref.inject_fault("missing_field", field="next-cursor")
    with pytest.raises(PlatformDataError, match="full page but no 'next-cursor'"):
        connector(server, rows=1).manuscripts_for_identity(li_wei(), None)


def test_connection_refused_is_platform_unavailable(refused_url: str) -> None:
    dead = CrossrefConnector(PlatformConfig(key="cr", platform="crossref", base_url=refused_url,
                                            credentials={"mailto": MAILTO}, timeout_seconds=1,
                                            journal_paths={"jas": JAS}))
    with pytest.raises(PlatformUnavailable, match="could not be reached"):
        dead.test_connection()


# --- Crossref's limits since December 2025 -------------------------------------------------------------------


def test_listings_ask_only_for_the_fields_read(server: SandboxServer, crossref: Any) -> None:
    publish(crossref, "10.5555/jas.1")
    page = connector(server).manuscripts_for_identity(li_wei(), None)
    assert [(s.doi, s.titles, s.published_on is not None) for s in page.snapshots] == [
        ("10.5555/jas.1", {"en": "Paper 10.5555/jas.1"}, True)]
    [call] = crossref.calls()
    assert call["query"]["select"] == ",".join(SELECT_FIELDS) and call["status"] == 200


def test_the_connector_states_the_polite_pools_limits(server: SandboxServer) -> None:
    polite = connector(server)
    assert (polite.list_limits, polite.work_limits) == (RequestLimits(per_second=3, concurrent=3),
                                                        RequestLimits(per_second=10, concurrent=3))
    plus = connector(server, plus_token="plus-token-value")
    assert (plus.list_limits, plus.work_limits) == (RequestLimits(), RequestLimits())


@pytest.fixture
def crossref_system(db, server: SandboxServer, crossref: Any, settings) -> Any:
    """A Crossref journal system in the database, its rate set far above Crossref's, the sandbox enforcing the
    pools' limits."""
    from accounts.models import Journal, JournalSystem

    settings.PLATFORM_MAX_TOKEN_WAIT_SECONDS = 10
    system = JournalSystem.objects.create(key="crossref", name_en="Crossref", platform="crossref",
                                          base_url=server.base_url, credentials={"mailto": MAILTO},
                                          rate_limit_per_minute=6000, timeout_seconds=5)
    Journal.objects.create(journal_system=system, key="jas", platform_path=JAS, name_en="JAS")
    crossref.enforce_pools()
    return system


def test_requests_through_the_gate_keep_to_three_a_second(server: SandboxServer, crossref: Any,
                                                          crossref_system: Any) -> None:
    from manuscripts.services.platforms import platform_config_for

    reader = connector_for(platform_config_for(crossref_system))
    for _ in range(5):
        reader.test_connection()
    assert [call["status"] for call in crossref.calls()] == [200] * 5
    assert crossref.calls()[0]["pool"] == "polite"


def test_without_the_gate_the_sandbox_refuses_the_fourth_request_of_a_second(server: SandboxServer,
                                                                               crossref: Any) -> None:
    crossref.enforce_pools(window_seconds=30)  # the four calls in one window, however slow the machine
    reader = connector(server)
    with pytest.raises(PlatformUnavailable, match="rate-limited") as refused:
        for _ in range(4):
            reader.test_connection()
    assert refused.value.retry_after_seconds == 1
    assert [call.get("fault") for call in crossref.calls()][-1] == "pool_rate"


def test_workers_share_three_concurrent_requests(server: SandboxServer, crossref: Any,
                                                 crossref_system: Any) -> None:
    """Six workers poll at once; each request takes 0.3 s: never more than three are in flight."""
    import threading

    from manuscripts.services.platforms import platform_config_for

    config = platform_config_for(crossref_system)
    crossref.inject_fault("slow", times=6, seconds=0.3)
    failures: list[Exception] = []

    def worker() -> None:
        try:
            connector_for(config).test_connection()
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert [call["status"] for call in crossref.calls()] == [200] * 6
    assert crossref.most_in_flight("polite") <= 3


def test_an_advertised_limit_is_followed(server: SandboxServer, crossref: Any, crossref_system: Any) -> None:
    from manuscripts.resilience import PLATFORM_LIMIT_MARGIN, effective_per_minute
    from manuscripts.services.platforms import platform_config_for

    assert effective_per_minute(crossref_system, LIST_LIMITS) == pytest.approx(180 * PLATFORM_LIMIT_MARGIN)
    crossref.set_rate_limit(1, interval_seconds=2)  # X-Rate-Limit-Limit: 1, X-Rate-Limit-Interval: 2s
    connector_for(platform_config_for(crossref_system)).test_connection()
    assert effective_per_minute(crossref_system, LIST_LIMITS) == pytest.approx(30 * PLATFORM_LIMIT_MARGIN)


def test_a_429_is_backed_off_and_retried(server: SandboxServer, crossref: Any, crossref_system: Any,
                                         settings) -> None:
    from manuscripts.resilience import platform_call

    settings.PLATFORM_RETRY_MAX_SECONDS = 2
    crossref.inject_fault(429, retry_after=1)
    assert "Crossref" in platform_call(crossref_system, connector(server).test_connection)
    assert [call["status"] for call in crossref.calls()] == [429, 200]
