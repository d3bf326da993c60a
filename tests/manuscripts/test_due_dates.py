"""What the journal waits for from the authors, and by when: read from each platform's wire format (OJS, ScholarOne,
export files), stored by the sync service, and shown by the manuscripts API — action-required first."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from accounts.models import JournalAccountStatus
from manuscripts.connectors.ojs import OjsConnector
from manuscripts.connectors.scholarone import ScholarOneConnector
from manuscripts.models import Manuscript, StatusEvent, SystemPollState
from manuscripts.sync import snapshot_digest, snapshots_apply
from notifications.models import Notification
from sandbox import exports
from sandbox.scholarone import DEFAULT_API_KEY, DEFAULT_USERNAME
from sandbox.server import SandboxServer
from tests.factories import JournalAccountFactory, ResearcherFactory
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher, snapshot
from tests.manuscripts.test_file_export_connector import connector as export_connector
from tests.manuscripts.test_file_export_connector import export, row

T0 = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)
OJS_TOKEN = "manager-token-due"


# --- OJS: "revisions requested" without a date -----------------------------------------------------------------


@pytest.fixture
def ojs(server: SandboxServer) -> Any:
    server.reset()
    server.ojs.set_clock(T0)
    return server.ojs


def _ojs_connector(server: SandboxServer) -> OjsConnector:
    from manuscripts.connectors.base import PlatformConfig

    return OjsConnector(PlatformConfig(key="demo-ojs", platform="ojs", base_url=server.base_url + "/",
                                       credentials={"token": OJS_TOKEN}, timeout_seconds=2.0,
                                       journal_paths={"jas": "jas"}))


@pytest.mark.parametrize("round_status", [1, 2])  # REVISIONS_REQUESTED, RESUBMIT_FOR_REVIEW
def test_ojs_revisions_requested_carries_no_action_or_date_of_its_own(server: SandboxServer, ojs: Any,
                                                                     round_status: int) -> None:
    ojs.add_site("jas", version="3.4", manager_token=OJS_TOKEN)
    author = ojs.add_user("jas", username="liwei", email="li.wei@example.org", given_name="Wei", family_name="Li")
    ojs.add_submission("jas", title="Soil", authors=[author], stage_id=3, review_round_status=round_status)

    [found] = _ojs_connector(server).changed_since(None).snapshots

    assert found.canonical_status == "revision_requested"
    assert (found.action, found.due_date) == ("", None)  # OJS has no author-facing date: the status says it all


@pytest.mark.django_db
def test_ojs_revisions_requested_is_action_required_without_a_date_once_synced(server: SandboxServer,
                                                                              ojs: Any) -> None:
    ojs.add_site("jas", version="3.4", manager_token=OJS_TOKEN)
    author = ojs.add_user("jas", username="liwei", email="li.wei@example.org", given_name="Wei", family_name="Li")
    ojs.add_submission("jas", title="Soil", authors=[author], stage_id=3, review_round_status=1)
    system = make_journal_system()

    snapshots_apply(journal_system=system, snapshots=_ojs_connector(server).changed_since(None).snapshots)

    manuscript = Manuscript.objects.get()
    assert (manuscript.action_required, manuscript.action, manuscript.due_date) == (True, "revision", None)


# --- ScholarOne: revisionDueDate on the document whose decision asks for the revision --------------------------


@pytest.fixture
def s1(server: SandboxServer) -> Any:
    server.reset()
    server.scholarone.set_clock(T0)
    server.scholarone.add_site("jas")
    return server.scholarone


def _s1_connector(server: SandboxServer, response_format: str) -> ScholarOneConnector:
    from manuscripts.connectors.base import PlatformConfig

    config = PlatformConfig(key="demo-s1", platform="scholarone", base_url=server.base_url + "/",
                            credentials={"username": DEFAULT_USERNAME, "api_key": DEFAULT_API_KEY,
                                         "format": response_format},
                            timeout_seconds=2.0, journal_paths={"jas": "jas"})
    return ScholarOneConnector(config, clock=server.scholarone.now)


def _s1_submission(s1: Any) -> str:
    person = s1.add_person("jas", email="li.wei@example.org", first_name="Wei", last_name="Li")
    submission_id = s1.add_submission("jas", title="Paper", authors=[person])
    s1.advance_clock(3600)
    return submission_id


@pytest.mark.parametrize("response_format", ["xml", "json"])
def test_scholarone_revision_decision_carries_its_due_date(server: SandboxServer, s1: Any,
                                                           response_format: str) -> None:
    submission_id = _s1_submission(s1)
    s1.move("jas", submission_id, decision="Major Revision", revision_due=date(2026, 11, 30))

    [found] = _s1_connector(server, response_format).changed_since(None).snapshots

    assert (found.canonical_status, found.due_date) == ("revision_requested", date(2026, 11, 30))


def test_scholarone_revision_decision_without_a_due_date_has_none(server: SandboxServer, s1: Any) -> None:
    submission_id = _s1_submission(s1)
    s1.move("jas", submission_id, decision="Minor Revision")

    [found] = _s1_connector(server, "xml").changed_since(None).snapshots

    assert (found.canonical_status, found.due_date) == ("revision_requested", None)


def test_scholarone_submitted_revision_has_no_due_date(server: SandboxServer, s1: Any) -> None:
    submission_id = _s1_submission(s1)
    s1.move("jas", submission_id, decision="Minor Revision", revision_due=date(2026, 11, 30))
    s1.submit_revision("jas", submission_id)
    s1.advance_clock(60)

    [found] = _s1_connector(server, "json").changed_since(None).snapshots

    assert (found.canonical_status, found.due_date) == ("revision_submitted", None)


# --- export files: the optional due_date and action columns ----------------------------------------------------


def test_export_row_carries_editorial_managers_revision_due_date(tmp_path: Path) -> None:
    export(tmp_path, [row("JAS-D-26-00001", "Revise", due_date="2026-11-30")])

    [found] = export_connector(tmp_path).changed_since(None).snapshots

    assert (found.canonical_status, found.action, found.due_date) == ("revision_requested", "", date(2026, 11, 30))


def test_export_row_action_column_names_what_is_needed(tmp_path: Path) -> None:
    export(tmp_path, [row("JAS-D-26-00001", "Completed – Accept", action="Proofs", due_date="2026-12-02")])

    [found] = export_connector(tmp_path).changed_since(None).snapshots

    assert (found.canonical_status, found.action, found.due_date) == ("accepted", "proofs", date(2026, 12, 2))


@pytest.mark.parametrize(("values", "problem"), [
    ({"due_date": "30/11/2026"}, "due_date is not a date (YYYY-MM-DD): '30/11/2026'"),
    ({"action": "pay"}, "action 'pay' is not one of revision, files, proofs"),
])
def test_export_row_with_a_bad_due_date_or_action_is_skipped_and_reported(tmp_path: Path, values: dict,
                                                                          problem: str) -> None:
    export(tmp_path, [row("JAS-D-26-00001", "Revise", **values), row("JAS-D-26-00002", "Revise")])
    reader = export_connector(tmp_path)

    found = reader.changed_since(None).snapshots

    assert [s.platform_id for s in found] == ["jas:JAS-D-26-00002"]
    assert len(reader.problems) == 1 and reader.problems[0].endswith(problem)


@pytest.mark.parametrize(("platform", "fmt", "words"), [("editorial_manager", "csv", "Revise"),
                                                     ("janeway", "jsonl", "Under Revision")])
def test_generated_export_gives_revision_rows_a_due_date(tmp_path: Path, platform: str, fmt: str,
                                                         words: str) -> None:
    exports.export_step(tmp_path, platform=platform, fmt=fmt, count=60, step=9, journals=("jas",))

    found = export_connector(tmp_path, platform).changed_since(None).snapshots

    revising = [s for s in found if s.raw_status == words]
    assert revising and all(s.due_date == s.last_activity_at.date() + timedelta(days=30) for s in revising)
    assert all(s.due_date is None for s in found if s.raw_status != words)


# --- the sync service stores them ------------------------------------------------------------------------------


@pytest.fixture
def system():
    return make_journal_system()


@pytest.fixture
def account(system):
    return make_account(make_researcher("Li Wei"), system, email="li.wei@example.org", user_id="7")


@pytest.mark.django_db
def test_sync_stores_the_platforms_due_date_and_derives_revision_from_the_status(system, account) -> None:
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("1", status="revision_requested", due_date=date(2026, 11, 30)),
        snapshot("2", status="under_review"),
    ])

    stored = {m.platform_id: (m.action, m.due_date) for m in Manuscript.objects.all()}
    assert stored == {"1": ("revision", date(2026, 11, 30)), "2": ("", None)}


@pytest.mark.django_db
def test_a_changed_due_date_on_the_same_status_updates_without_an_event_or_notice(system, account) -> None:
    first = snapshot("1", status="revision_requested", due_date=date(2026, 11, 30))
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[first])
    events, notices = StatusEvent.objects.count(), Notification.objects.count()

    outcome = snapshots_apply(journal_system=system, seen_by=account,
                              snapshots=[replace(first, due_date=date(2026, 12, 14))])

    assert (outcome.updated, outcome.events, outcome.notifications) == (1, 0, 0)
    assert Manuscript.objects.get().due_date == date(2026, 12, 14)
    assert (StatusEvent.objects.count(), Notification.objects.count()) == (events, notices)


@pytest.mark.django_db
def test_moving_on_from_revision_requested_clears_the_action_and_date(system, account) -> None:
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("1", status="revision_requested", due_date=date(2026, 11, 30))])

    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("1", status="revision_submitted", minutes=5, due_date=date(2026, 11, 30))])

    assert (Manuscript.objects.get().action, Manuscript.objects.get().due_date) == ("", None)


@pytest.mark.django_db
def test_an_ended_manuscript_waits_on_nobody_whatever_the_platform_still_carries(system, account) -> None:
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("1", status="rejected", action="files", due_date=date(2026, 11, 30))])

    assert (Manuscript.objects.get().action, Manuscript.objects.get().due_date) == ("", None)


@pytest.mark.django_db
def test_a_snapshot_with_an_unknown_action_is_refused_and_counted(system, account) -> None:
    outcome = snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("1", status="accepted", action="pay"), snapshot("2", status="accepted")])

    assert outcome.refused == 1 and list(Manuscript.objects.values_list("platform_id", flat=True)) == ["2"]
    assert "unknown action 'pay'" in SystemPollState.objects.get().last_refused_reason


def test_a_snapshot_without_action_or_due_date_digests_as_before_the_fields_existed() -> None:
    plain = snapshot("1", status="under_review")
    before = {name: value for name, value in asdict(plain).items() if name not in ("action", "due_date")}

    assert snapshot_digest(plain) == hashlib.sha256(
        json.dumps(before, sort_keys=True, default=str).encode()).hexdigest()
    assert snapshot_digest(replace(plain, due_date=date(2026, 11, 30))) != snapshot_digest(plain)


# --- the API: fields, language, order, pages ------------------------------------------------------------------


@pytest.fixture
def li_wei(researcher_client, system):
    """The signed-in researcher, with a verified account on `system`."""
    from accounts.models import Researcher

    client, _body = researcher_client
    account = make_account(Researcher.objects.get(), system, email="li.wei@example.org", user_id="7")
    return client, account


def _platform_ids(response) -> list[str]:
    return [Manuscript.objects.get(pk=item["id"]).platform_id for item in response.json()["results"]]


@pytest.mark.django_db
def test_list_and_detail_carry_action_required_action_needed_and_due_date(li_wei, system) -> None:
    client, account = li_wei
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("1", status="revision_requested", due_date=date(2026, 11, 30)),
        snapshot("2", status="under_review", minutes=1)])
    waiting = Manuscript.objects.get(platform_id="1")

    items = {item["id"]: item for item in client.get("/api/v1/manuscripts").json()["results"]}
    detail_en = client.get(f"/api/v1/manuscripts/{waiting.pk}", HTTP_ACCEPT_LANGUAGE="en").json()

    assert {key: items[waiting.pk][key] for key in ("action_required", "action_needed", "due_date")} == {
        "action_required": True, "action_needed": "提交修改稿", "due_date": "2026-11-30"}
    assert (detail_en["action_required"], detail_en["action_needed"], detail_en["due_date"]) == (
        True, "Submit your revision", "2026-11-30")
    other = next(item for pk, item in items.items() if pk != waiting.pk)
    assert (other["action_required"], other["action_needed"], other["due_date"]) == (False, "", None)


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "zh", "en"), [
    ("files", "上传期刊要求的文件", "Upload the files the journal asked for"),
    ("proofs", "核对并确认校样", "Check and approve your proofs"),
])
def test_action_needed_names_each_kind_of_action_in_both_languages(li_wei, system, action, zh, en) -> None:
    client, account = li_wei
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("1", status="in_production", action=action)])

    assert client.get("/api/v1/manuscripts").json()["results"][0]["action_needed"] == zh
    assert client.get("/api/v1/manuscripts", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]["action_needed"] == en


@pytest.mark.django_db
def test_list_puts_action_required_first_soonest_due_first_then_undated_then_newest_activity(li_wei,
                                                                                           system) -> None:
    client, account = li_wei
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("old-plain", status="under_review", minutes=1),
        snapshot("new-plain", status="accepted", minutes=90),
        snapshot("late-due", status="revision_requested", minutes=2, due_date=date(2026, 12, 20)),
        snapshot("undated-new", status="revision_requested", minutes=80),
        snapshot("soon-due", status="revision_requested", minutes=3, due_date=date(2026, 11, 2)),
        snapshot("undated-old", status="revision_requested", minutes=4),
    ])

    response = client.get("/api/v1/manuscripts?order=action_first")

    assert _platform_ids(response) == ["soon-due", "late-due", "undated-new", "undated-old", "new-plain",
                                       "old-plain"]
    # The Contract's default order stays newest platform activity first, whatever waits on the researcher.
    assert _platform_ids(client.get("/api/v1/manuscripts")) == ["new-plain", "undated-new", "undated-old",
                                                                 "soon-due", "late-due", "old-plain"]
    assert _platform_ids(client.get("/api/v1/manuscripts?order=activity")) == _platform_ids(
        client.get("/api/v1/manuscripts"))


@pytest.mark.django_db
def test_an_unknown_order_is_a_400_naming_the_field(li_wei) -> None:
    client, _account = li_wei

    response = client.get("/api/v1/manuscripts?order=due", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "order" in response.json()["fields"]


@pytest.mark.django_db
def test_pages_of_the_action_first_order_neither_repeat_nor_skip(li_wei, system) -> None:
    client, account = li_wei
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot(f"w{n}", status="revision_requested", minutes=n, due_date=date(2026, 11, 1 + n % 3))
        for n in range(5)] + [snapshot(f"p{n}", status="under_review", minutes=10 + n) for n in range(4)])

    seen, url = [], "/api/v1/manuscripts?order=action_first&page_size=2"
    while url:
        body = client.get(url).json()
        seen += [Manuscript.objects.get(pk=item["id"]).platform_id for item in body["results"]]
        url = body["next"]

    assert len(seen) == len(set(seen)) == 9
    assert seen == _platform_ids(client.get("/api/v1/manuscripts?order=action_first&page_size=100"))
    assert seen[:5] == ["w3", "w0", "w4", "w1", "w2"]  # by due date, then newest activity on the same day


@pytest.mark.django_db
def test_a_public_record_only_manuscript_is_never_action_required(li_wei, system) -> None:
    """A manuscript seen only through a Crossref record shows its public facts only: no editorial action."""
    client, account = li_wei
    from accounts.models import Researcher

    crossref = make_journal_system(key="crossref", platform="crossref")
    reader_account = JournalAccountFactory(researcher=Researcher.objects.get(), journal_system=crossref,
                                           identity="0000-0002-1825-0097", platform_user_id="0000-0002-1825-0097",
                                           status=JournalAccountStatus.VERIFIED)
    other = make_account(ResearcherFactory(), system, email="zhang@example.org", user_id="9")
    snapshots_apply(journal_system=system, seen_by=other, snapshots=[
        snapshot("1", status="revision_requested", due_date=date(2026, 11, 30), emails=("zhang@example.org",))])
    from manuscripts.models import ManuscriptAccess

    ManuscriptAccess.objects.create(journal_account=reader_account, manuscript=Manuscript.objects.get())

    [item] = client.get("/api/v1/manuscripts").json()["results"]

    assert (item["public_record_only"], item["action_required"], item["action_needed"], item["due_date"]) == (
        True, False, "", None)
    # Nor does its hidden due date put it ahead of the researcher's own newer manuscript.
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[snapshot("2", minutes=5)])
    assert _platform_ids(client.get("/api/v1/manuscripts?order=action_first")) == ["2", "1"]


@pytest.mark.django_db
def test_someone_elses_manuscript_with_a_due_date_is_not_listed(li_wei, system) -> None:
    client, _account = li_wei
    other = make_account(ResearcherFactory(), system, email="zhang@example.org", user_id="9")
    snapshots_apply(journal_system=system, seen_by=other, snapshots=[
        snapshot("1", status="revision_requested", due_date=date(2026, 11, 30), emails=("zhang@example.org",))])

    assert client.get("/api/v1/manuscripts").json()["results"] == []


@pytest.mark.django_db
def test_the_researchers_data_export_holds_the_action_and_due_date(system, account) -> None:
    from manuscripts.privacy import manuscripts_export

    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("1", status="revision_requested", due_date=date(2026, 11, 30))])

    [exported] = manuscripts_export(account.researcher)

    assert (exported["action"], exported["due_date"]) == ("revision", "2026-11-30")
