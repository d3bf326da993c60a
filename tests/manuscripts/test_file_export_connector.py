"""The file-export connector (Editorial Manager, Janeway, generic) against real files in a temporary folder:
our CSV and JSON Lines format, file order and the cursor, unfinished files, identities by e-mail and ORCID iD,
bad input, and the export generator and samples it shares its format with."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from manuscripts.connectors.base import (
    ConnectorError,
    PlatformConfig,
    PlatformDataError,
    PlatformIdentity,
    PlatformUnavailable,
)
from manuscripts.connectors.file_export import COLUMNS, FileExportConnector
from manuscripts.connectors.registry import connector_for, platforms_polled_platform_wide
from sandbox import exports

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)
SETTLED = time.time() - 3600  # a modification time old enough for any settle_seconds
HEADER = ",".join(COLUMNS)
LI_WEI = "li.wei@example.org"
LI_WEI_ORCID = "0000-0002-1825-0097"
ZHANG = "zhang.min@example.org"
ZHANG_ORCID = "0000-0001-5109-3700"


def config(folder: Path, platform: str = "editorial_manager", journals: Iterable[str] = ("jas",),
           **credentials: Any) -> PlatformConfig:
    return PlatformConfig(key="press-em", platform=platform, base_url=f"file://{folder}",
                          credentials={"settle_seconds": 5, **credentials},
                          journal_paths={path: path for path in journals})


def connector(folder: Path, platform: str = "editorial_manager", **options: Any) -> FileExportConnector:
    return FileExportConnector(config(folder, platform, **options))


def row(manuscript_id: str = "JAS-D-26-00001", status: str = "Under Review", *, journal: str = "jas",
        title: str = "Soil microbiome shifts", status_date: datetime = T0, emails: tuple[str, ...] = (LI_WEI,),
        orcids: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {"manuscript_id": manuscript_id, "journal": journal, "title": title, "status": status,
            "status_date": status_date.isoformat(), "submitted_at": (T0 - timedelta(days=30)).isoformat(),
            "author_emails": list(emails), "author_orcids": list(orcids), **extra}


def export(folder: Path, rows: Iterable[dict[str, Any]], *, stamp: datetime = T0, fmt: str = "csv",
           prefix: str = "em", settled: bool = True) -> Path:
    return exports.write_export(folder, rows, prefix=prefix, stamp=stamp, fmt=fmt,
                                modified_at=SETTLED if settled else None)


def raw_file(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    os.utime(path, (SETTLED, SETTLED))
    return path


def csv_line(**values: str) -> str:
    return ",".join(values.get(column, "") for column in COLUMNS)


GOOD_LINE = csv_line(manuscript_id="JAS-D-26-00001", journal="jas", title="Soil", status="Under Review",
                     status_date="2026-10-01T08:00:00+00:00", submitted_at="", author_emails=LI_WEI)


# --- registry and configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["editorial_manager", "janeway", "file_export"])
def test_registry_gives_the_file_export_connector(tmp_path: Path, platform: str) -> None:
    built = connector_for(config(tmp_path, platform))
    assert isinstance(built, FileExportConnector) and built.platform == platform


@pytest.mark.parametrize("platform", ["editorial_manager", "janeway", "file_export", "ojs", "crossref"])
def test_no_platform_claims_to_receive_webhooks_yet(tmp_path: Path, platform: str) -> None:
    """Editorial Manager's Notification Services have a documented place (PushConnector) but no connector: their
    message format is not public. Exports stay the way in, and nothing pretends otherwise."""
    from manuscripts.connectors.registry import PUSH_CONNECTORS, push_connector_for

    assert PUSH_CONNECTORS == {} and push_connector_for(config(tmp_path, platform)) is None


def test_the_docstring_names_editorial_managers_own_services() -> None:
    import manuscripts.connectors.file_export as module

    assert "EM Web Services" in module.__doc__ and "EM Notification Services" in module.__doc__
    assert "offers no machine API" not in module.__doc__


def test_export_platforms_are_polled_platform_wide() -> None:
    assert {"editorial_manager", "janeway", "file_export"} <= set(platforms_polled_platform_wide())


@pytest.mark.parametrize("base_url", ["https://em.example.org", "file://exports", "file://host/srv/exports",
                                      "file:relative/exports"])
def test_base_url_that_is_not_an_absolute_folder_is_a_configuration_error(base_url: str) -> None:
    unusable = FileExportConnector(PlatformConfig(key="em", platform="editorial_manager", base_url=base_url,
                                                  credentials={}))
    with pytest.raises(ConnectorError, match="not a file:///absolute/folder URL") as raised:
        unusable.changed_since(None)
    assert not raised.value.retryable


def test_file_localhost_url_names_the_same_folder(tmp_path: Path) -> None:
    export(tmp_path, [row()])
    reached = FileExportConnector(PlatformConfig(key="em", platform="editorial_manager",
                                                 base_url=f"file://localhost{tmp_path}", credentials={}))
    assert len(reached.changed_since(None).snapshots) == 1


def test_missing_folder_is_platform_unavailable(tmp_path: Path) -> None:
    with pytest.raises(PlatformUnavailable, match="does not exist") as raised:
        connector(tmp_path / "not-mounted").test_connection()
    assert raised.value.retryable


def test_missing_folder_stops_polling_too(tmp_path: Path) -> None:
    with pytest.raises(PlatformUnavailable, match="does not exist"):
        connector(tmp_path / "not-mounted").changed_since(None)


def test_base_url_naming_a_file_is_platform_unavailable(tmp_path: Path) -> None:
    not_a_folder = raw_file(tmp_path, "exports", "a file, not a folder")
    with pytest.raises(PlatformUnavailable, match="is not a folder"):
        connector(not_a_folder).test_connection()


@pytest.mark.parametrize(("credentials", "message"), [
    ({"settle_seconds": -1}, "'settle_seconds' must be at least 0"),
    ({"max_files_per_poll": 0}, "'max_files_per_poll' must be at least 1"),
    ({"status_map": {"Awaiting Final Files": "approved"}}, "'Awaiting Final Files' maps to 'approved'"),
    ({"status_map": ["accepted"]}, "'status_map' must map status words"),
])
def test_unusable_credentials_are_a_configuration_error_on_every_call(tmp_path: Path, credentials: dict,
                                                                       message: str) -> None:
    with pytest.raises(ConnectorError, match=message) as raised:
        connector(tmp_path, **credentials).find_identity(LI_WEI)
    assert not raised.value.retryable


# --- test_connection --------------------------------------------------------------------------------------------


def test_connection_counts_the_export_files_and_names_the_newest(tmp_path: Path, english: None) -> None:
    export(tmp_path, [row()], stamp=T0)
    export(tmp_path, [row()], stamp=T0 + timedelta(days=1))
    message = connector(tmp_path).test_connection()
    assert f"Export folder {tmp_path} is readable: 2 export files." in message
    assert "Newest: em-20261002T080000Z.csv." in message


def test_connection_names_files_still_being_written(tmp_path: Path, english: None) -> None:
    raw_file(tmp_path, "em-20261001T080000Z.csv.part", HEADER)
    assert "Still being written: em-20261001T080000Z.csv.part." in connector(tmp_path).test_connection()


def test_connection_names_export_files_without_a_stamp(tmp_path: Path, english: None) -> None:
    raw_file(tmp_path, "weekly.csv", HEADER)
    raw_file(tmp_path, "notes.txt", "not an export")
    message = connector(tmp_path).test_connection()
    assert "0 export files" in message and "so never read: weekly.csv." in message and "notes.txt" not in message


# --- reading rows -------------------------------------------------------------------------------------------------


def test_csv_row_becomes_a_snapshot(tmp_path: Path) -> None:
    export(tmp_path, [row("JAS-D-26-00001", "Completed – Accept", title="Soil microbiome shifts",
                          title_zh="土壤微生物变化", emails=("Li.Wei@Example.org", ZHANG),
                          orcids=(f"https://orcid.org/{LI_WEI_ORCID}",), doi="https://doi.org/10.55555/jas.1",
                          published_on="2026-10-20")])
    [snapshot] = connector(tmp_path).changed_since(None).snapshots
    assert snapshot.platform_id == "jas:JAS-D-26-00001" and snapshot.journal_path == "jas"
    assert snapshot.titles == {"en": "Soil microbiome shifts", "zh-hans": "土壤微生物变化"}
    assert (snapshot.canonical_status, snapshot.raw_status) == ("accepted", "Completed – Accept")
    assert snapshot.last_activity_at == T0 and snapshot.status_changed_at == T0
    assert snapshot.submitted_at == T0 - timedelta(days=30)
    assert snapshot.author_emails == (LI_WEI, ZHANG) and snapshot.author_user_ids == (LI_WEI_ORCID,)
    assert snapshot.doi == "10.55555/jas.1" and snapshot.published_on == date(2026, 10, 20)


def test_jsonl_rows_read_like_the_same_csv_rows(tmp_path: Path) -> None:
    rows = [row("1", "Under Review", orcids=(LI_WEI_ORCID,)), row("2", "Revise", title_zh="城市热岛")]
    csv_folder, jsonl_folder = tmp_path / "csv", tmp_path / "jsonl"
    export(csv_folder, rows, fmt="csv")
    export(jsonl_folder, rows, fmt="jsonl")
    assert connector(csv_folder).changed_since(None).snapshots == connector(jsonl_folder).changed_since(None).snapshots


def test_jsonl_takes_semicolon_separated_authors_too(tmp_path: Path) -> None:
    export(tmp_path, [row(emails=()) | {"author_emails": f"{LI_WEI}; {ZHANG}"}], fmt="jsonl")
    assert connector(tmp_path).changed_since(None).snapshots[0].author_emails == (LI_WEI, ZHANG)


def test_csv_from_a_spreadsheet_with_byte_order_mark_and_extra_columns_is_read(tmp_path: Path) -> None:
    raw_file(tmp_path, "em-20261001T080000Z.csv", "\ufeff" + HEADER.upper() + ",Editor\r\n" + GOOD_LINE + ",Dr Wu\r\n")
    [snapshot] = connector(tmp_path).changed_since(None).snapshots
    assert snapshot.platform_id == "jas:JAS-D-26-00001"


def test_title_in_chinese_only_is_kept_under_zh_hans(tmp_path: Path) -> None:
    export(tmp_path, [row(title="城市热岛效应研究")])
    assert connector(tmp_path).changed_since(None).snapshots[0].titles == {"zh-hans": "城市热岛效应研究"}


def test_empty_title_shows_the_manuscript_number(tmp_path: Path) -> None:
    export(tmp_path, [row("JAS-D-26-00007", title="")])
    assert connector(tmp_path).changed_since(None).snapshots[0].titles == {"en": "#JAS-D-26-00007"}


def test_same_manuscript_number_in_two_journals_is_two_manuscripts(tmp_path: Path) -> None:
    export(tmp_path, [row("17", journal="jas"), row("17", journal="jes")])
    snapshots = connector(tmp_path, journals=("jas", "jes")).changed_since(None).snapshots
    assert [s.platform_id for s in snapshots] == ["jas:17", "jes:17"]


def test_rows_of_journals_the_system_does_not_track_are_left_out(tmp_path: Path) -> None:
    export(tmp_path, [row("1", journal="jas"), row("2", journal="other")])
    assert [s.platform_id for s in connector(tmp_path).changed_since(None).snapshots] == ["jas:1"]


def test_system_without_journals_keeps_every_row(tmp_path: Path) -> None:
    export(tmp_path, [row("1", journal="jas"), row("2", journal="other")])
    assert len(connector(tmp_path, journals=()).changed_since(None).snapshots) == 2


def test_unfinished_submission_yields_no_manuscript(tmp_path: Path) -> None:
    export(tmp_path, [row("1", "Incomplete") | {"submitted_at": ""}])
    assert connector(tmp_path).changed_since(None).snapshots == []


def test_incomplete_after_submission_is_a_revision_being_prepared(tmp_path: Path) -> None:
    export(tmp_path, [row("1", "Incomplete")])
    assert connector(tmp_path).changed_since(None).snapshots[0].canonical_status == "revision_requested"


def test_unknown_status_words_fall_back_to_with_editor_keeping_the_words(tmp_path: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    export(tmp_path, [row("1", "Awaiting Final Files"), row("2", "Awaiting Final Files")])
    reader = connector(tmp_path)
    with caplog.at_level(logging.WARNING, logger="manuscripts.connectors.file_export"):
        snapshots = reader.changed_since(None).snapshots
    assert [(s.canonical_status, s.raw_status) for s in snapshots] == [("with_editor", "Awaiting Final Files")] * 2
    assert reader.unknown_statuses == {"Awaiting Final Files"}
    assert sum("unknown status 'Awaiting Final Files'" in message for message in caplog.messages) == 1


def test_status_map_gives_a_journals_own_words_their_meaning(tmp_path: Path) -> None:
    export(tmp_path, [row("1", "Awaiting Final Files"), row("2", "Under Review")])
    reader = connector(tmp_path, status_map={"awaiting final files": "accepted", "Under Review": "with_editor"})
    assert [s.canonical_status for s in reader.changed_since(None).snapshots] == ["accepted", "with_editor"]
    assert reader.unknown_statuses == set()


def test_janeway_system_reads_janeway_stage_names(tmp_path: Path) -> None:
    export(tmp_path, [row("1001", "pre_publication"), row("1002", "Under Revision")], fmt="jsonl")
    snapshots = connector(tmp_path, "janeway").changed_since(None).snapshots
    assert [s.canonical_status for s in snapshots] == ["in_production", "revision_requested"]


def test_generic_system_reads_our_canonical_codes(tmp_path: Path) -> None:
    export(tmp_path, [row("1", "revision_submitted")])
    assert connector(tmp_path, "file_export").changed_since(None).snapshots[0].canonical_status == "revision_submitted"


# --- files, order and the cursor ------------------------------------------------------------------------------------


def test_first_poll_reads_every_file_in_stamp_order_and_returns_the_newest_as_cursor(tmp_path: Path) -> None:
    export(tmp_path, [row("1", "Revise", status_date=T0 + timedelta(days=1))], stamp=T0 + timedelta(days=1))
    export(tmp_path, [row("1", "Under Review")], stamp=T0)
    page = connector(tmp_path).changed_since(None)
    assert [s.raw_status for s in page.snapshots] == ["Under Review", "Revise"]
    assert page.next_cursor == "em-20261002T080000Z.csv"


def test_files_are_ordered_by_their_stamp_not_their_prefix(tmp_path: Path) -> None:
    export(tmp_path, [row("1", "Under Review")], stamp=T0, prefix="zz-nightly")
    export(tmp_path, [row("1", "Revise")], stamp=T0 + timedelta(hours=1), prefix="aa-upload")
    page = connector(tmp_path).changed_since(None)
    assert [s.raw_status for s in page.snapshots] == ["Under Review", "Revise"]
    assert page.next_cursor == "aa-upload-20261001T090000Z.csv"


def test_next_poll_reads_only_files_after_the_cursor(tmp_path: Path) -> None:
    export(tmp_path, [row("1", "Under Review")], stamp=T0)
    first = connector(tmp_path).changed_since(None)
    export(tmp_path, [row("2", "With Editor")], stamp=T0 + timedelta(days=1))
    page = connector(tmp_path).changed_since(first.next_cursor)
    assert [s.platform_id for s in page.snapshots] == ["jas:2"]
    assert page.next_cursor == "em-20261002T080000Z.csv"


def test_poll_without_new_files_keeps_the_cursor(tmp_path: Path) -> None:
    export(tmp_path, [row()], stamp=T0)
    page = connector(tmp_path).changed_since("em-20261001T080000Z.csv")
    assert page.snapshots == [] and page.next_cursor == "em-20261001T080000Z.csv"


def test_empty_folder_gives_no_cursor(tmp_path: Path) -> None:
    page = connector(tmp_path).changed_since(None)
    assert page.snapshots == [] and page.next_cursor is None


def test_cursor_that_is_no_export_file_name_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match="is not an export file name") as raised:
        connector(tmp_path).changed_since("2026-10-01T08:00:00+00:00")
    assert not raised.value.retryable


def test_part_file_is_not_read_and_holds_back_later_files(tmp_path: Path) -> None:
    export(tmp_path, [row("1")], stamp=T0)
    raw_file(tmp_path, "em-20261002T080000Z.csv.part", HEADER + "\r\n" + GOOD_LINE)
    export(tmp_path, [row("3")], stamp=T0 + timedelta(days=2))
    page = connector(tmp_path).changed_since(None)
    assert [s.platform_id for s in page.snapshots] == ["jas:1"]
    assert page.next_cursor == "em-20261001T080000Z.csv"


def test_recently_modified_file_waits_for_the_next_poll_with_every_later_file(tmp_path: Path) -> None:
    export(tmp_path, [row("1")], stamp=T0, settled=False)
    export(tmp_path, [row("2")], stamp=T0 + timedelta(days=1))
    page = connector(tmp_path, settle_seconds=60).changed_since(None)
    assert page.snapshots == [] and page.next_cursor is None


def test_recently_modified_file_is_read_once_it_settled(tmp_path: Path) -> None:
    export(tmp_path, [row("1")], stamp=T0, settled=False)
    assert len(connector(tmp_path, settle_seconds=0).changed_since(None).snapshots) == 1


def test_leftover_part_file_before_the_cursor_holds_nothing_back(tmp_path: Path) -> None:
    raw_file(tmp_path, "em-20260901T080000Z.csv.part", HEADER)
    export(tmp_path, [row("2")], stamp=T0 + timedelta(days=1))
    page = connector(tmp_path).changed_since("em-20261001T080000Z.csv")
    assert [s.platform_id for s in page.snapshots] == ["jas:2"]


def test_a_backlog_is_read_max_files_per_poll_at_a_time(tmp_path: Path) -> None:
    for day in range(3):
        export(tmp_path, [row(str(day))], stamp=T0 + timedelta(days=day))
    reader = connector(tmp_path, max_files_per_poll=2)
    first = reader.changed_since(None)
    second = reader.changed_since(first.next_cursor)
    assert [s.platform_id for s in first.snapshots] == ["jas:0", "jas:1"]
    assert [s.platform_id for s in second.snapshots] == ["jas:2"]


def test_an_unchanged_row_repeated_by_daily_full_exports_is_one_snapshot(tmp_path: Path) -> None:
    for day in range(3):
        export(tmp_path, [row("1", "Under Review")], stamp=T0 + timedelta(days=day))
    assert len(connector(tmp_path).changed_since(None).snapshots) == 1


def test_each_status_change_across_files_is_its_own_snapshot_in_order(tmp_path: Path) -> None:
    statuses = ["Under Review", "Under Review", "Revise", "Revised Manuscript Submitted"]
    for day, status in enumerate(statuses):
        status_date = T0 + timedelta(days=[0, 0, 2, 3][day])
        export(tmp_path, [row("1", status, status_date=status_date)], stamp=T0 + timedelta(days=day))
    snapshots = connector(tmp_path).changed_since(None).snapshots
    assert [s.raw_status for s in snapshots] == ["Under Review", "Revise", "Revised Manuscript Submitted"]


# --- identities ---------------------------------------------------------------------------------------------------


def test_find_identity_by_email_ignores_case(tmp_path: Path) -> None:
    export(tmp_path, [row(emails=("Li.Wei@Example.org",), orcids=(LI_WEI_ORCID,))])
    assert connector(tmp_path).find_identity(" LI.WEI@example.org ") == PlatformIdentity(
        platform_user_id=LI_WEI, email=LI_WEI, orcid=LI_WEI_ORCID)


def test_find_identity_by_orcid_gives_the_address_it_is_paired_with(tmp_path: Path) -> None:
    export(tmp_path, [row(emails=(LI_WEI, ZHANG), orcids=("", ZHANG_ORCID))])
    assert connector(tmp_path).find_identity(f"https://orcid.org/{ZHANG_ORCID}") == PlatformIdentity(
        platform_user_id=ZHANG, email=ZHANG, orcid=ZHANG_ORCID)


def test_find_identity_reads_the_newest_file_first(tmp_path: Path) -> None:
    export(tmp_path, [row(emails=("old.address@example.org",), orcids=(ZHANG_ORCID,))], stamp=T0)
    export(tmp_path, [row(emails=(ZHANG,), orcids=(ZHANG_ORCID,))], stamp=T0 + timedelta(days=1))
    assert connector(tmp_path).find_identity(ZHANG_ORCID).email == ZHANG


def test_find_identity_by_orcid_without_any_paired_address_has_no_email(tmp_path: Path) -> None:
    export(tmp_path, [row(emails=(LI_WEI, ""), orcids=("", ZHANG_ORCID))])
    assert connector(tmp_path).find_identity(ZHANG_ORCID) == PlatformIdentity(
        platform_user_id=ZHANG_ORCID, email="", orcid=ZHANG_ORCID)


def test_find_identity_of_an_unknown_email_is_none(tmp_path: Path) -> None:
    export(tmp_path, [row()])
    assert connector(tmp_path).find_identity("nobody@example.org") is None


def test_find_identity_of_a_username_is_none_since_exports_have_none(tmp_path: Path) -> None:
    export(tmp_path, [row()])
    assert connector(tmp_path).find_identity("liwei") is None


def test_find_identity_finds_an_author_of_an_unfinished_submission(tmp_path: Path) -> None:
    export(tmp_path, [row("1", "Incomplete") | {"submitted_at": ""}])
    assert connector(tmp_path).find_identity(LI_WEI).email == LI_WEI


def test_manuscripts_for_identity_lists_only_the_authors_manuscripts(tmp_path: Path) -> None:
    export(tmp_path, [row("1", emails=(LI_WEI,)), row("2", emails=(ZHANG, LI_WEI)), row("3", emails=(ZHANG,))])
    identity = PlatformIdentity(platform_user_id=LI_WEI, email=LI_WEI)
    page = connector(tmp_path).manuscripts_for_identity(identity, None)
    assert [s.platform_id for s in page.snapshots] == ["jas:1", "jas:2"]
    assert page.next_cursor == "em-20261001T080000Z.csv"


def test_manuscripts_for_identity_by_orcid_matches_the_listed_ids(tmp_path: Path) -> None:
    export(tmp_path, [row("1", emails=("", LI_WEI), orcids=(ZHANG_ORCID, "")), row("2", emails=(LI_WEI,))])
    identity = PlatformIdentity(platform_user_id=ZHANG_ORCID, email="")
    assert [s.platform_id for s in connector(tmp_path).manuscripts_for_identity(identity, None).snapshots] == [
        "jas:1"]


def test_manuscripts_for_identity_reads_every_file_after_the_cursor_at_once(tmp_path: Path) -> None:
    for day in range(3):
        export(tmp_path, [row(str(day))], stamp=T0 + timedelta(days=day))
    identity = PlatformIdentity(platform_user_id=LI_WEI, email=LI_WEI)
    page = connector(tmp_path, max_files_per_poll=1).manuscripts_for_identity(identity, "em-20261001T080000Z.csv")
    assert [s.platform_id for s in page.snapshots] == ["jas:1", "jas:2"]


# --- bad input ----------------------------------------------------------------------------------------------------


def test_header_without_required_columns_is_a_data_error_naming_file_and_columns(tmp_path: Path) -> None:
    raw_file(tmp_path, "em-20261001T080000Z.csv", "manuscript_id,journal,title\r\nJAS-1,jas,Soil\r\n")
    with pytest.raises(PlatformDataError, match=r"em-20261001T080000Z\.csv line 1: the header lacks column\(s\) "
                                                r"status, status_date, submitted_at, author_emails"):
        connector(tmp_path).changed_since(None)


def test_semicolon_separated_header_says_the_format_is_comma_separated(tmp_path: Path) -> None:
    raw_file(tmp_path, "em-20261001T080000Z.csv", HEADER.replace(",", ";") + "\r\n")
    with pytest.raises(PlatformDataError, match="this header looks semicolon-separated"):
        connector(tmp_path).changed_since(None)


def test_header_repeating_a_column_is_a_data_error(tmp_path: Path) -> None:
    raw_file(tmp_path, "em-20261001T080000Z.csv", HEADER + ",status\r\n")
    with pytest.raises(PlatformDataError, match="line 1: the header repeats status"):
        connector(tmp_path).changed_since(None)


def test_empty_csv_file_is_a_data_error(tmp_path: Path) -> None:
    raw_file(tmp_path, "em-20261001T080000Z.csv", "")
    with pytest.raises(PlatformDataError, match="em-20261001T080000Z.csv line 1: no header row"):
        connector(tmp_path).changed_since(None)


def test_header_only_csv_is_an_empty_export(tmp_path: Path) -> None:
    raw_file(tmp_path, "em-20261001T080000Z.csv", HEADER + "\r\n")
    page = connector(tmp_path).changed_since(None)
    assert page.snapshots == [] and page.next_cursor == "em-20261001T080000Z.csv"


def test_file_that_is_not_utf8_is_a_data_error(tmp_path: Path) -> None:
    raw_file(tmp_path, "em-20261001T080000Z.csv", (HEADER + "\r\n" + GOOD_LINE.replace("Soil", "土壤")).encode("gbk"))
    with pytest.raises(PlatformDataError, match="em-20261001T080000Z.csv: not UTF-8 text"):
        connector(tmp_path).changed_since(None)


def test_broken_csv_quoting_is_a_data_error_naming_the_line(tmp_path: Path) -> None:
    broken = GOOD_LINE.replace("Soil", '"Soil, unterminated')
    raw_file(tmp_path, "em-20261001T080000Z.csv", HEADER + "\r\n" + GOOD_LINE + "\r\n" + broken + "\r\n")
    with pytest.raises(PlatformDataError, match=r"em-20261001T080000Z\.csv line \d+: broken CSV quoting"):
        connector(tmp_path).changed_since(None)


def test_jsonl_file_without_one_readable_row_is_a_data_error(tmp_path: Path) -> None:
    raw_file(tmp_path, "janeway-20261001T080000Z.jsonl", "<html>export failed</html>\n{\"journal\": \"jas\"}\n")
    with pytest.raises(PlatformDataError, match="janeway-20261001T080000Z.jsonl: no row is readable"):
        connector(tmp_path, "janeway").changed_since(None)


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("status_date", "2026-10-01 08:00:00", "status_date has no UTC offset"),
    ("status_date", "yesterday", "status_date is not an ISO 8601 date and time"),
    ("status_date", "", "status_date is empty"),
    ("status", "", "status is empty"),
    ("manuscript_id", " ", "manuscript_id is empty"),
    ("author_emails", "li.wei at example.org", "author_emails: 'li.wei at example.org' is not an e-mail address"),
    ("author_orcids", "0000-0002-1825", "author_orcids: '0000-0002-1825' is not an ORCID iD"),
    ("published_on", "20 Oct 2026", "published_on is not a date"),
    ("submitted_at", "2026-13-01T00:00:00+00:00", "submitted_at is not an ISO 8601 date and time"),
])
def test_malformed_csv_row_is_skipped_and_reported_with_file_and_line(tmp_path: Path, field: str, value: str,
                                                                     reason: str) -> None:
    bad = csv_line(**{"manuscript_id": "JAS-D-26-00002", "journal": "jas", "title": "Bad", "status": "Revise",
                      "status_date": "2026-10-01T08:00:00+00:00", "author_emails": LI_WEI, field: value})
    raw_file(tmp_path, "em-20261001T080000Z.csv", "\r\n".join([HEADER, GOOD_LINE, bad, GOOD_LINE]) + "\r\n")
    reader = connector(tmp_path)
    snapshots = reader.changed_since(None).snapshots
    assert [s.platform_id for s in snapshots] == ["jas:JAS-D-26-00001"]
    assert len(reader.problems) == 1 and reader.problems[0].startswith(f"em-20261001T080000Z.csv line 3: {reason}")


def test_csv_row_with_the_wrong_number_of_fields_is_skipped_and_reported(tmp_path: Path) -> None:
    raw_file(tmp_path, "em-20261001T080000Z.csv", "\r\n".join([HEADER, GOOD_LINE, "JAS-2,jas,Short"]) + "\r\n")
    reader = connector(tmp_path)
    assert len(reader.changed_since(None).snapshots) == 1
    assert reader.problems == [f"em-20261001T080000Z.csv line 3: 3 fields, the header has {len(COLUMNS)}"]


def test_malformed_jsonl_line_is_skipped_and_reported_with_its_line(tmp_path: Path) -> None:
    good = json.dumps(row("1001"))
    raw_file(tmp_path, "janeway-20261001T080000Z.jsonl", f"{good}\n{{\"manuscript_id\": \n[1, 2]\n{good}\n")
    reader = connector(tmp_path, "janeway")
    assert len(reader.changed_since(None).snapshots) == 1  # the same row twice is one snapshot
    assert [problem.split(":")[0] for problem in reader.problems] == [
        "janeway-20261001T080000Z.jsonl line 2", "janeway-20261001T080000Z.jsonl line 3"]
    assert "not an object but list" in reader.problems[1]


def test_multiline_csv_field_reports_the_line_where_its_row_starts(tmp_path: Path) -> None:
    multiline = GOOD_LINE.replace("Soil", '"Soil\nand water"').replace("2026-10-01T08:00:00+00:00", "never")
    raw_file(tmp_path, "em-20261001T080000Z.csv", "\r\n".join([HEADER, multiline, GOOD_LINE]) + "\r\n")
    reader = connector(tmp_path)
    reader.changed_since(None)
    assert reader.problems[0].startswith("em-20261001T080000Z.csv line 2: status_date")


# --- the export generator and the samples share the format -------------------------------------------------------


def test_generator_columns_are_the_connectors_columns() -> None:
    assert exports.COLUMNS == COLUMNS


@pytest.mark.parametrize(("platform", "fmt"), [("editorial_manager", "csv"), ("janeway", "jsonl"),
                                               ("file_export", "csv")])
def test_generated_export_is_read_without_problems_or_unknown_words(tmp_path: Path, platform: str, fmt: str) -> None:
    exports.export_step(tmp_path, platform=platform, fmt=fmt, count=60, step=9, journals=("jas", "jes"))
    reader = connector(tmp_path, platform, journals=("jas", "jes"))
    snapshots = reader.changed_since(None).snapshots
    assert len(snapshots) == 60 and reader.problems == [] and reader.unknown_statuses == set()


def test_next_generated_step_moves_some_manuscripts_on(tmp_path: Path) -> None:
    for step in (10, 11):
        exports.export_step(tmp_path, platform="janeway", fmt="jsonl", count=40, step=step)
    first = connector(tmp_path, "janeway").changed_since(None)
    later = {s.platform_id: s.raw_status for s in first.snapshots[40:]}
    earlier = {s.platform_id: s.raw_status for s in first.snapshots[:40]}
    assert later and all(earlier[platform_id] != status for platform_id, status in later.items())


def test_generator_is_deterministic_for_a_seed() -> None:
    assert list(exports.export_rows(seed=7, count=30, step=5)) == list(exports.export_rows(seed=7, count=30, step=5))


@pytest.mark.parametrize(("sample", "platform"), [("editorial-manager-20261013T080000Z.csv", "editorial_manager"),
                                                  ("janeway-20261013T080000Z.jsonl", "janeway")])
def test_deploy_sample_is_read_without_problems(tmp_path: Path, sample: str, platform: str) -> None:
    raw_file(tmp_path, sample, (REPO / "deploy" / "exports" / sample).read_bytes())
    reader = connector(tmp_path, platform, journals=("jas", "jes"))
    snapshots = reader.changed_since(None).snapshots
    assert len(snapshots) == 6 and reader.problems == [] and reader.unknown_statuses == set()


# --- through the product: a platform-wide poll of an export folder ---------------------------------------------------


@pytest.fixture
def em_system(tmp_path: Path) -> Any:
    from tests.manuscripts.factories import make_account, make_journal_system, make_researcher

    system = make_journal_system(key="press-em", platform="editorial_manager", base_url=f"file://{tmp_path}",
                                 credentials={})
    account = make_account(make_researcher("Li Wei"), system, email=LI_WEI, user_id=LI_WEI)
    return system, account


@pytest.mark.django_db
def test_a_poll_applies_the_export_and_the_author_sees_the_manuscript(tmp_path: Path, em_system: Any) -> None:
    from manuscripts.models import Manuscript, ManuscriptAccess, SystemPollState
    from manuscripts.services.polling import journal_system_poll

    system, account = em_system
    export(tmp_path, [row("JAS-D-26-00001", "Under Review", emails=(ZHANG, LI_WEI))])

    journal_system_poll(journal_system_id=system.pk)

    manuscript = Manuscript.objects.get()
    assert (manuscript.platform_id, manuscript.canonical_status, manuscript.raw_status) == (
        "jas:JAS-D-26-00001", "under_review", "Under Review")
    assert ManuscriptAccess.objects.filter(journal_account=account, manuscript=manuscript).exists()
    assert SystemPollState.objects.get(journal_system=system).cursor == "em-20261001T080000Z.csv"


@pytest.mark.django_db
def test_the_next_export_records_the_change_once(tmp_path: Path, em_system: Any) -> None:
    from manuscripts.models import Manuscript, StatusEvent
    from manuscripts.services.polling import journal_system_poll
    from notifications.models import Notification

    system, _account = em_system
    export(tmp_path, [row("JAS-D-26-00001", "Under Review")], stamp=T0)
    journal_system_poll(journal_system_id=system.pk)
    export(tmp_path, [row("JAS-D-26-00001", "Revise", status_date=T0 + timedelta(days=1))],
           stamp=T0 + timedelta(days=1))

    journal_system_poll(journal_system_id=system.pk)
    journal_system_poll(journal_system_id=system.pk)

    assert Manuscript.objects.get().canonical_status == "revision_requested"
    assert list(StatusEvent.objects.order_by("occurred_at").values_list("to_status", flat=True)) == [
        "under_review", "revision_requested"]
    assert Notification.objects.count() == 1
