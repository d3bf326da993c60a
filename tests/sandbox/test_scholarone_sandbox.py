"""The ScholarOne sandbox over real HTTP: Digest authentication, the SUCCESS/FAILURE envelope in XML and JSON,
the services and their limits, revisions, move(), generated sites, faults and rate limits.

No Django here on purpose: the sandbox is a standalone process the product only reaches by URL.
"""

from __future__ import annotations

import hashlib
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from requests.auth import HTTPDigestAuth

from sandbox.scholarone import DEFAULT_API_KEY, DEFAULT_USERNAME, REALM
from sandbox.server import SandboxServer

T0 = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)
AUTH = HTTPDigestAuth(DEFAULT_USERNAME, DEFAULT_API_KEY)
FULL = "/api/s1m/v9/submissions/full/metadata"
BASIC = "/api/s1m/v3/submissions/basic/metadata"
VERSIONS = "/api/s1m/v2/submissions/full/revisions"
IDS_BY_DATE = "/api/s1m/v4/submissions/full/idsByDate"
PERSON = "/api/s1m/v3/person/basic/email/search"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


@pytest.fixture(autouse=True)
def s1(server: SandboxServer) -> Iterator[Any]:
    server.reset()
    sandbox = server.scholarone
    sandbox.set_clock(T0)
    saved = (sandbox.timeout_fault_seconds, sandbox.slow_fault_seconds, sandbox.nonce_lifetime_seconds)
    yield sandbox
    sandbox.timeout_fault_seconds, sandbox.slow_fault_seconds, sandbox.nonce_lifetime_seconds = saved
    sandbox.set_credentials(DEFAULT_USERNAME, DEFAULT_API_KEY)


def api(server: SandboxServer, path: str, auth: Any = AUTH, *, timeout: float = 5, **params: Any) -> requests.Response:
    return requests.get(f"{server.base_url}{path}", params=params, auth=auth, timeout=timeout)


def xml(response: requests.Response) -> ElementTree.Element:
    assert response.headers["Content-Type"] == "application/xml", response.text
    return ElementTree.fromstring(response.content)


def ok(response: requests.Response) -> ElementTree.Element:
    assert response.status_code == 200, response.text
    root = xml(response)
    assert root.findtext("status") == "SUCCESS"
    return root


def failure(response: requests.Response, http_status: int, code: str, detail: int | None = None) -> str:
    """The failure's message, after checking the envelope."""
    assert response.status_code == http_status, response.text
    root = xml(response)
    assert root.findtext("status") == "FAILURE" and root.findtext("errorDetails/errorCode") == code
    if detail is not None:
        assert root.findtext("errorDetails/moreInfo/errors/errorCode") == str(detail)
    return root.findtext("errorDetails/errorMessage")


def quoted(*ids: object) -> str:
    return ",".join(f"'{value}'" for value in ids)


def journal(s1: Any, site: str = "jas", **options: Any) -> int:
    """A site with author Li Wei (returned)."""
    s1.add_site(site, **options)
    return s1.add_person(site, email="Li.Wei@Example.org", first_name="Wei", last_name="Li",
                         orcid="0000-0002-1825-0097")


def manuscript(s1: Any, author: int, site: str = "jas", **options: Any) -> str:
    return s1.add_submission(site, title=options.pop("title", "Soil Microbiome Shifts"), authors=[author], **options)


# --- Digest authentication ----------------------------------------------------------------------------------


def test_request_without_authorization_gets_the_documented_digest_challenge(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    response = api(server, IDS_BY_DATE, auth=None, site_name="jas")
    assert response.status_code == 401 and response.headers["Content-Type"] == "text/html"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith(f'Digest realm="{REALM}", nonce="') and challenge.endswith('", stale="false"')
    assert len(challenge.split('nonce="')[1].split('"')[0]) == 32 and "qop" not in challenge


def test_digest_answer_with_the_profiles_key_is_served(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    response = api(server, IDS_BY_DATE, site_name="jas", from_time="2026-01-01T00:00:00Z",
                   to_time="2026-12-01T00:00:00Z")
    ok(response)
    assert [r.status_code for r in response.history] == [401]


def test_digest_answer_with_a_wrong_key_is_refused(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    response = api(server, IDS_BY_DATE, auth=HTTPDigestAuth(DEFAULT_USERNAME, "WRONG"), site_name="jas")
    assert response.status_code == 401 and 'stale="false"' in response.headers["WWW-Authenticate"]


def test_digest_answer_for_another_user_is_refused(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    assert api(server, IDS_BY_DATE, auth=HTTPDigestAuth("someone", DEFAULT_API_KEY), site_name="jas").status_code \
        == 401


def test_digest_answer_for_another_uri_is_refused(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    answered = api(server, PERSON, site_name="jas", primary_email="a@example.org")
    replay = requests.get(f"{server.base_url}{PERSON}", params={"site_name": "jas", "primary_email": "b@example.org"},
                          headers={"Authorization": answered.request.headers["Authorization"]}, timeout=5)
    assert answered.status_code == 200 and replay.status_code == 401


def test_digest_answer_with_qop_auth_is_accepted_too(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    challenge = api(server, PERSON, auth=None, site_name="jas", primary_email="a@example.org")
    nonce = challenge.headers["WWW-Authenticate"].split('nonce="')[1].split('"')[0]
    uri = f"{PERSON}?site_name=jas&primary_email=a%40example.org"

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1, ha2 = md5(f"{DEFAULT_USERNAME}:{REALM}:{DEFAULT_API_KEY}"), md5(f"GET:{uri}")
    answer = md5(f"{ha1}:{nonce}:00000001:abcdef:auth:{ha2}")
    header = (f'Digest username="{DEFAULT_USERNAME}", realm="{REALM}", nonce="{nonce}", uri="{uri}", '
              f'response="{answer}", qop=auth, nc=00000001, cnonce="abcdef"')
    assert requests.get(f"{server.base_url}{uri}", headers={"Authorization": header}, timeout=5).status_code == 200


def test_expired_nonce_gets_a_stale_challenge_and_the_client_answers_it(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.nonce_lifetime_seconds = 0.2
    with requests.Session() as session:
        session.auth = HTTPDigestAuth(DEFAULT_USERNAME, DEFAULT_API_KEY)
        url = f"{server.base_url}{PERSON}"
        assert session.get(url, params={"site_name": "jas", "primary_email": "a@x.org"}, timeout=5).status_code == 200
        time.sleep(0.3)
        again = session.get(url, params={"site_name": "jas", "primary_email": "a@x.org"}, timeout=5)
    assert again.status_code == 200
    assert [r.headers["WWW-Authenticate"].endswith('stale="true"') for r in again.history] == [True]


def test_a_session_reuses_its_nonce_without_further_challenges(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    with requests.Session() as session:
        session.auth = HTTPDigestAuth(DEFAULT_USERNAME, DEFAULT_API_KEY)
        for _ in range(3):
            session.get(f"{server.base_url}{PERSON}", params={"site_name": "jas", "primary_email": "a@x.org"},
                        timeout=5)
    assert s1.call_count("jas") == 3 and s1.call_count("jas", challenges=True) == 4


def test_set_credentials_changes_the_accepted_key(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.set_credentials("publisher_api", "NEWKEY0000000000")
    assert api(server, PERSON, site_name="jas", primary_email="a@x.org").status_code == 401
    assert api(server, PERSON, auth=HTTPDigestAuth("publisher_api", "NEWKEY0000000000"), site_name="jas",
               primary_email="a@x.org").status_code == 200


# --- the envelope, XML and JSON -----------------------------------------------------------------------------------


def test_xml_answer_is_the_documented_envelope(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    response = api(server, f"{FULL}/submissionids", site_name="jas", ids=quoted(sid))
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Response>')
    root = ok(response)
    assert [child.tag for child in root] == ["status", "callId", "result"]
    assert uuid.UUID(root.findtext("callId"))
    assert root.find("result").get(XSI_TYPE) == "submissionInfoFullOutput"


def test_json_answer_wraps_the_same_envelope_in_response(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    response = api(server, f"{FULL}/submissionids", site_name="jas", ids=quoted(sid), _type="json")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    body = response.json()["Response"]
    assert body["status"] == "SUCCESS" and uuid.UUID(body["callId"])
    [record] = body["result"]
    assert record["submissionId"] == sid and record["revisionNumber"] == 0
    assert record["submissionStatus"]["inDraftFlag"] is False


def test_missing_values_are_absent_in_xml_and_null_in_json(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    as_xml = ok(api(server, f"{FULL}/submissionids", site_name="jas", ids=quoted(sid)))
    as_json = api(server, f"{FULL}/submissionids", site_name="jas", ids=quoted(sid), _type="json").json()
    assert as_xml.find("result/journalPrintIssn") is None and as_xml.find("result/decisionDate") is None
    assert as_json["Response"]["result"][0]["journalPrintIssn"] is None


def test_external_id_comes_back_as_profile_call_id(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    root = ok(api(server, PERSON, site_name="jas", primary_email="a@x.org", external_id="poll-42"))
    assert root.findtext("profileCallId") == "poll-42"


def test_unknown_resource_is_tomcats_404_page(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    response = api(server, "/api/s1m/v9/submissions/full/metadata/manuscriptids", site_name="jas", ids="'1'")
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")


# --- getSubmissionInfoFull / Basic / Versions -------------------------------------------------------------------


def test_full_metadata_carries_identifiers_status_dates_and_authors(server: SandboxServer, s1: Any) -> None:
    author = journal(s1, journal_name="Journal of Applied Science")
    sid = s1.add_submission("jas", title="Soil", authors=[author, {"email": "m.garcia@example.org",
                                                                    "first_name": "Maria", "last_name": "Garcia"}])
    result = ok(api(server, f"{FULL}/submissionids", site_name="jas", ids=quoted(sid))).find("result")
    assert result.findtext("submissionId") == result.findtext("submissionIdOriginal") == sid
    assert result.findtext("documentId") == result.findtext("documentIdLatest") == result.findtext("documentIdOriginal")
    assert result.findtext("journalName") == "Journal of Applied Science"
    assert result.findtext("submissionDate") == result.findtext("lastUpdated") == "2026-10-01T08:00:00Z"
    assert result.findtext("submissionStatus/documentStatusName") == "Awaiting Admin Processing"
    assert result.findtext("submissionStatus/inDraftFlag") == "false"
    first, second = result.findall("authors/author")
    assert first.findtext("authorEmailAddress") == "Li.Wei@Example.org"
    assert first.findtext("authorFullName") == "Li, Wei"
    assert first.findtext("authorORCIDId") == "0000-0002-1825-0097" and first.findtext("isCorresponding") == "true"
    assert second.findtext("authorOrderNumber") == "2" and second.findtext("isSubmittingAuthor") == "false"


def test_full_metadata_by_document_id_answers_in_request_order_with_input_index(server: SandboxServer,
                                                                                 s1: Any) -> None:
    author = journal(s1)
    first, second = manuscript(s1, author), manuscript(s1, author)
    ids = [s1.submission_state("jas", sid)["document_id"] for sid in (second, first)]
    results = ok(api(server, f"{FULL}/documentids", site_name="jas", ids=quoted(*ids))).findall("result")
    assert [(r.findtext("inputIndex"), r.findtext("submissionId")) for r in results] == [("0", second), ("1", first)]


def test_unknown_ids_are_left_out_of_the_results(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    results = ok(api(server, f"{FULL}/submissionids", site_name="jas", ids=quoted("NOPE-1", sid))).findall("result")
    assert [r.findtext("submissionId") for r in results] == [sid]


def test_submission_ids_are_case_sensitive(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    assert ok(api(server, f"{FULL}/submissionids", site_name="jas", ids=quoted(sid.lower()))).find("result") is None


def test_double_quoted_ids_are_accepted(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    assert ok(api(server, f"{FULL}/submissionids", site_name="jas", ids=f'"{sid}"')).find("result") is not None


def test_unquoted_ids_are_a_failure(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    message = failure(api(server, f"{FULL}/submissionids", site_name="jas", ids=sid), 400, "700", 703)
    assert "quotes" in message


def test_25_ids_are_answered_and_26_are_a_failure(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    ok(api(server, f"{FULL}/documentids", site_name="jas", ids=quoted(*range(1, 26))))
    message = failure(api(server, f"{FULL}/documentids", site_name="jas", ids=quoted(*range(1, 27))), 400, "700", 701)
    assert message == "The number of ids (26) exceeds the maximum of 25 per call"


def test_non_numeric_document_id_is_a_failure(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    failure(api(server, f"{FULL}/documentids", site_name="jas", ids=quoted("abc")), 400, "700", 703)


@pytest.mark.parametrize(("site_name", "message"), [("nope", "Invalid site_name: nope"), ("", "site_name is required")])
def test_unknown_or_missing_site_is_a_failure(server: SandboxServer, s1: Any, site_name: str, message: str) -> None:
    journal(s1)
    assert failure(api(server, f"{FULL}/documentids", site_name=site_name, ids="'1'"), 400, "700", 702) == message


def test_one_sites_manuscripts_are_not_served_under_another(server: SandboxServer, s1: Any) -> None:
    author = journal(s1, "jas")
    journal(s1, "jbs")
    document_id = s1.submission_state("jas", manuscript(s1, author))["document_id"]
    assert ok(api(server, f"{FULL}/documentids", site_name="jbs", ids=quoted(document_id))).find("result") is None


def test_basic_metadata_names_the_corresponding_author(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = s1.add_submission("jas", title="Soil", corresponding=1, authors=[author, {
        "email": "m.garcia@example.org", "first_name": "Maria", "last_name": "Garcia"}])
    result = ok(api(server, f"{BASIC}/submissionids", site_name="jas", ids=quoted(sid))).find("result")
    assert result.get(XSI_TYPE) == "submissionInfoBasicOutput"
    assert result.findtext("authorFullName") == "Garcia, Maria" and result.find("authors") is None


def test_revision_is_a_new_document_the_original_points_at(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    s1.move("jas", sid, decision="Minor Revision")
    revision = s1.submit_revision("jas", sid)
    original, latest = ok(api(server, f"{FULL}/submissionids", site_name="jas",
                              ids=quoted(sid, revision))).findall("result")
    assert revision == f"{sid}.R1" and latest.findtext("revisionNumber") == "1"
    assert original.findtext("documentIdLatest") == latest.findtext("documentId")
    assert original.findtext("submissionIdLatest") == revision
    assert latest.findtext("documentIdOriginal") == original.findtext("documentId")
    assert latest.findtext("submissionIdOriginal") == sid


def test_versions_lists_every_version_of_the_manuscript(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    s1.move("jas", sid, decision="Major Revision")
    s1.advance_clock(90)
    s1.submit_revision("jas", sid, draft=True)
    results = ok(api(server, f"{VERSIONS}/submissionids", site_name="jas", ids=quoted(sid))).findall("result")
    assert [(r.findtext("submissionId"), r.findtext("submissionStatus/inDraftFlag")) for r in results] == [
        (sid, "false"), (f"{sid}.R1", "true")]
    assert [r.findtext("addedDate") for r in results] == ["2026-10-01 08:00:00.000", "2026-10-01 08:01:30.000"]
    assert results[1].findtext("submissionStatus/documentStatusName") == "Draft"


# --- getIDsByDate -----------------------------------------------------------------------------------------------


def listed(server: SandboxServer, start: str, end: str, **params: Any) -> list[str]:
    root = ok(api(server, IDS_BY_DATE, site_name=params.pop("site_name", "jas"), from_time=start, to_time=end,
                  **params))
    return [s.findtext("submissionId") for s in root.findall("result/submission")]


def test_ids_by_date_lists_documents_created_in_the_range_by_default(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    first = manuscript(s1, author)
    s1.advance_clock(3600)
    manuscript(s1, author)
    assert listed(server, "2026-10-01T07:00:00Z", "2026-10-01T08:30:00Z") == [first]


def test_ids_by_date_records_carry_the_family_ids(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    root = ok(api(server, IDS_BY_DATE, site_name="jas", from_time="2026-10-01T08:00:00Z",
                  to_time="2026-10-01T08:00:00Z"))
    record = root.find("result/submission")
    assert root.find("result").get(XSI_TYPE) == "idsByDateOutput"
    assert {child.tag for child in record} == {
        "datetimeCreated", "documentId", "documentIdLatest", "documentIdOriginal", "documentStatusName",
        "submissionId", "submissionIdLatest", "submissionIdOriginal", "submittingAuthorId"}
    assert record.findtext("submittingAuthorId") == str(author) and record.findtext("submissionIdOriginal") == sid


def test_ids_by_date_by_last_update_finds_manuscripts_that_moved(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    first, second = manuscript(s1, author), manuscript(s1, author)
    s1.advance_clock(3600)
    s1.move("jas", second, "With Editor")
    assert listed(server, "2026-10-01T08:30:00Z", "2026-10-01T10:00:00Z", criteria="datetime_last_updated") == [second]
    assert first not in listed(server, "2026-10-01T08:30:00Z", "2026-10-01T10:00:00Z", criteria="datetime_submitted")


def test_ids_by_date_bounds_are_inclusive(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    assert listed(server, "2026-10-01T08:00:00Z", "2026-10-01T08:00:00Z") == [sid]


def test_ids_by_date_filters_by_document_status(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    manuscript(s1, author)
    draft = manuscript(s1, author, draft=True)
    assert listed(server, "2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z", document_status="DOCUMENT_STATUS_DRAFT") \
        == [draft]


def test_ids_by_date_over_its_limit_is_failure_705(server: SandboxServer, s1: Any) -> None:
    author = journal(s1, max_ids_by_date=2)
    for _ in range(3):
        manuscript(s1, author)
    response = api(server, IDS_BY_DATE, site_name="jas", from_time="2026-10-01T00:00:00Z",
                   to_time="2026-10-02T00:00:00Z")
    assert "Too many results" in failure(response, 400, "700", 705)


def test_ids_by_date_returns_999_but_not_1000_documents(server: SandboxServer, s1: Any) -> None:
    s1.add_generated_site("big", seed=1, authors=1000, submissions_per_author=1)
    newest = s1.now() - timedelta(days=31)  # generated submissions are a minute apart from here backwards

    def created_since(minutes: int) -> requests.Response:
        return api(server, IDS_BY_DATE, site_name="big", to_time=newest.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   from_time=(newest - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ"))

    assert len(ok(created_since(998)).findall("result/submission")) == 999
    failure(created_since(999), 400, "700", 705)


@pytest.mark.parametrize(("params", "complaint"), [
    ({"to_time": "2026-10-01T00:00:00Z"}, "from_time is required"),
    ({"from_time": "yesterday", "to_time": "2026-10-01T00:00:00Z"}, "from_time is not a UTC date and time"),
    ({"from_time": "2026-10-02T00:00:00Z", "to_time": "2026-10-01T00:00:00Z"}, "must not be after"),
    ({"from_time": "2026-10-01T00:00:00Z", "to_time": "2026-10-02T00:00:00Z", "criteria": "datetime_touched"},
     "Unknown criteria datetime_touched"),
])
def test_ids_by_date_with_bad_parameters_is_a_failure(server: SandboxServer, s1: Any, params: dict,
                                                       complaint: str) -> None:
    journal(s1)
    assert complaint in failure(api(server, IDS_BY_DATE, site_name="jas", **params), 400, "700", 703)


# --- getPersonInfoBasic -------------------------------------------------------------------------------------------


def test_person_is_found_by_primary_email_regardless_of_case(server: SandboxServer, s1: Any) -> None:
    person = journal(s1)
    result = ok(api(server, PERSON, site_name="jas", primary_email="LI.WEI@example.org")).find("result")
    assert result.findtext("personId") == str(person) and result.findtext("primaryEmailAddress") == "Li.Wei@Example.org"
    assert result.findtext("orcidId") == "0000-0002-1825-0097" and result.get(XSI_TYPE) == "personInfoBasicOutput"


def test_person_search_without_a_match_succeeds_with_no_result(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    assert ok(api(server, PERSON, site_name="jas", primary_email="nobody@example.org")).find("result") is None


def test_persons_belong_to_their_site(server: SandboxServer, s1: Any) -> None:
    journal(s1, "jas")
    s1.add_site("jbs")
    assert ok(api(server, PERSON, site_name="jbs", primary_email="li.wei@example.org")).find("result") is None


def test_coauthor_given_by_email_becomes_a_person_once(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    coauthor = {"email": "m.garcia@example.org", "first_name": "Maria"}
    s1.add_submission("jas", title="A", authors=[author, coauthor])
    s1.add_submission("jas", title="B", authors=[author, {**coauthor, "email": "M.Garcia@Example.org"}])
    assert s1.add_person("jas", email="m.garcia@example.org", first_name="Maria") == author + 1


# --- scripting: moves, decisions, labels ---------------------------------------------------------------------------


def test_manuscript_ids_are_prefix_year_month_and_sequence(server: SandboxServer, s1: Any) -> None:
    author = journal(s1, prefix="WRK4")
    assert [manuscript(s1, author), manuscript(s1, author)] == ["WRK4-26-Oct-0001", "WRK4-26-Oct-0002"]


def test_move_stamps_last_updated_with_the_sandbox_clock(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    s1.advance_clock(125)
    state = s1.move("jas", sid, "Awaiting Reviewer Scores")
    assert state["last_updated"] == "2026-10-01T08:02:05Z" and state["status_id"] == 13


def test_decision_shows_as_the_status_with_its_date(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    s1.advance_clock(60)
    s1.move("jas", sid, decision="Accept")
    result = ok(api(server, f"{FULL}/submissionids", site_name="jas", ids=quoted(sid))).find("result")
    assert result.findtext("submissionStatus/documentStatusName") == "Accept"
    assert result.findtext("submissionStatus/decisionName") == "Accept"
    assert result.findtext("decisionDate") == "2026-10-01T08:01:00Z"


def test_a_new_status_rescinds_an_earlier_decision(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    s1.move("jas", sid, decision="Reject")
    state = s1.move("jas", sid, "Awaiting EIC Decision")
    assert state["decision"] is None and state["decision_date"] is None


def test_site_labels_rename_standard_statuses_keeping_their_ids(server: SandboxServer, s1: Any) -> None:
    author = journal(s1, status_labels={"Awaiting Reviewer Scores": "Under Review", "Accept": "Accepted"})
    sid = manuscript(s1, author)
    assert s1.move("jas", sid, "Awaiting Reviewer Scores")["status"] == "Under Review"
    state = s1.move("jas", sid, decision="Accept")
    assert (state["status"], state["decision"], state["status_id"]) == ("Accepted", "Accepted", 30)


def test_a_journals_own_status_gets_a_journal_specific_id(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    assert s1.move("jas", sid, "Awaiting Statistical Review")["status_id"] == 1000


def test_a_revision_cannot_start_while_the_previous_one_is_a_draft(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    s1.submit_revision("jas", sid, draft=True)
    with pytest.raises(ValueError, match="still a draft"):
        s1.submit_revision("jas", sid)


def test_submitting_a_draft_dates_it_and_sets_the_first_status(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    revision = s1.submit_revision("jas", sid, draft=True)
    s1.advance_clock(60)
    state = s1.submit_draft("jas", revision)
    assert (state["in_draft"], state["status"], state["submitted_at"]) == (
        False, "Awaiting Admin Processing", "2026-10-01T08:01:00Z")


def test_reset_forgets_the_sites_but_keeps_the_caller_profile(server: SandboxServer, s1: Any) -> None:
    s1.set_credentials("publisher_api", "NEWKEY0000000000")
    journal(s1)
    server.reset()
    with pytest.raises(KeyError):
        s1.add_person("jas", email="a@x.org", first_name="A")
    assert s1.username == "publisher_api"


# --- faults and the rate limit --------------------------------------------------------------------------------------


def person_search(server: SandboxServer, *, timeout: float = 5, **params: Any) -> requests.Response:
    return api(server, PERSON, site_name="jas", primary_email="li.wei@example.org", timeout=timeout, **params)


def test_timeout_fault_outlasts_the_clients_patience(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    person_search(server)  # the nonce, so the faulted call is the authenticated one
    s1.inject_fault("jas", "timeout", seconds=1.0)
    with pytest.raises(requests.Timeout):
        person_search(server, timeout=0.3)


def test_slow_fault_answers_late_but_answers(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.inject_fault("jas", "slow", seconds=0.2)
    started = time.monotonic()
    ok(person_search(server))
    assert time.monotonic() - started >= 0.2


@pytest.mark.parametrize(("kind", "status"), [(500, 500), (503, 503)])
def test_server_error_fault_is_tomcats_html_page(server: SandboxServer, s1: Any, kind: int, status: int) -> None:
    journal(s1)
    s1.inject_fault("jas", kind)
    response = person_search(server)
    assert response.status_code == status and response.headers["Content-Type"].startswith("text/html")
    assert "Retry-After" not in response.headers


def test_503_fault_can_say_retry_after(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.inject_fault("jas", 503, retry_after=45)
    assert person_search(server).headers["Retry-After"] == "45"


def test_429_fault_says_retry_after_30_by_default(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.inject_fault("jas", 429)
    response = person_search(server)
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"


def test_maintenance_fault_is_the_maintenance_envelope_with_a_call_back_time(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.inject_fault("jas", "maintenance", retry_after=600)
    response = person_search(server)
    assert response.status_code == 500
    root = xml(response)
    assert root.findtext("status") == "MAINTENANCE" and root.findtext("errorDetails/errorCode") == "600"
    assert root.findtext("errorDetails/callBackTime") == "2026-10-01T08:10:00Z"


def test_throttled_fault_is_the_throttling_failure(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.inject_fault("jas", "throttled", retry_after=90)
    response = person_search(server)
    failure(response, 400, "500")
    assert xml(response).findtext("errorDetails/callBackTime") == "2026-10-01T08:01:30Z"


def test_rate_limit_throttles_calls_beyond_it(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.set_rate_limit("jas", 2)
    statuses = [person_search(server).status_code for _ in range(3)]
    assert statuses == [200, 200, 400]
    assert s1.calls("jas")[-1]["fault"] == "rate_limit"


def test_malformed_fault_cuts_the_xml_in_half(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.inject_fault("jas", "malformed")
    response = person_search(server)
    assert response.status_code == 200
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(response.content)


def test_malformed_fault_cuts_the_json_in_half(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.inject_fault("jas", "malformed")
    response = person_search(server, _type="json")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_renamed_field_fault_renames_it_in_every_record(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid, other = manuscript(s1, author), manuscript(s1, author)
    s1.inject_fault("jas", "renamed_field")
    results = ok(api(server, f"{FULL}/submissionids", site_name="jas", ids=quoted(sid, other))).findall("result")
    assert [r.find("submissionStatus/documentStatusName") for r in results] == [None, None]
    assert [r.findtext("submissionStatus/statusName") for r in results] == ["Awaiting Admin Processing"] * 2


def test_missing_field_fault_drops_it(server: SandboxServer, s1: Any) -> None:
    author = journal(s1)
    sid = manuscript(s1, author)
    s1.inject_fault("jas", "missing_field", field="submissionTitle")
    assert ok(api(server, f"{FULL}/submissionids", site_name="jas", ids=quoted(sid))).find(
        "result/submissionTitle") is None


def test_faults_hit_only_matching_paths_and_only_as_often_as_asked(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.inject_fault("jas", 500, times=2, path_contains="/person/")
    ok(api(server, IDS_BY_DATE, site_name="jas", from_time="2026-10-01T00:00:00Z", to_time="2026-10-02T00:00:00Z"))
    assert [person_search(server).status_code for _ in range(3)] == [500, 500, 200]
    assert s1.pending_faults("jas") == []


def test_digest_challenges_are_logged_but_never_faulted(server: SandboxServer, s1: Any) -> None:
    journal(s1)
    s1.inject_fault("jas", 500)
    assert person_search(server).status_code == 500
    assert [(c["authenticated"], c["status"], c["fault"]) for c in s1.calls("jas")] == [
        (False, 401, None), (True, 500, "500")]


def test_unknown_fault_kind_is_refused(s1: Any) -> None:
    journal(s1)
    with pytest.raises(ValueError, match="unknown fault kind 'gremlins'"):
        s1.inject_fault("jas", "gremlins")


# --- generated sites -----------------------------------------------------------------------------------------------


def test_generated_site_of_a_million_manuscripts_costs_next_to_no_memory(server: SandboxServer, s1: Any) -> None:
    tracemalloc.start()
    s1.add_generated_site("big", seed=11, authors=100_000, submissions_per_author=10)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1_000_000
    sid = s1.generated_submission_ids("big", 99_999)[-1]
    result = ok(api(server, f"{FULL}/submissionids", site_name="big", ids=quoted(sid))).find("result")
    assert result.findtext("authors/author/authorEmailAddress") == s1.generated_person("big", 99_999)["email"]


def test_generated_change_round_is_what_last_update_lists(server: SandboxServer, s1: Any) -> None:
    s1.add_generated_site("big", seed=5, authors=1000, submissions_per_author=10, changed_fraction=0.001)
    since = s1.now().strftime("%Y-%m-%dT%H:%M:%SZ")  # a later round's changes are stamped after the last round
    s1.advance_clock(3600)
    assert s1.change_generated("big", 0.01) == 100
    ids = listed(server, since, s1.now().strftime("%Y-%m-%dT%H:%M:%SZ"), site_name="big",
                 criteria="datetime_last_updated")
    assert sorted(ids) == s1.changed_generated_submission_ids("big")


def test_generated_person_is_found_by_email(server: SandboxServer, s1: Any) -> None:
    s1.add_generated_site("big", seed=5, authors=1000, submissions_per_author=2)
    person = s1.generated_person("big", 123)
    result = ok(api(server, PERSON, site_name="big", primary_email=person["email"].upper())).find("result")
    assert result.findtext("personId") == str(person["person_id"])


# --- control routes ------------------------------------------------------------------------------------------------


def test_control_routes_script_a_manuscript_over_http(server: SandboxServer, s1: Any) -> None:
    control = f"{server.base_url}/__sandbox__/scholarone"

    def post(path: str, body: dict) -> dict:
        response = requests.post(f"{control}{path}", json=body, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    post("/sites", {"site_name": "jas", "prefix": "JAS"})
    person = post("/sites/jas/persons", {"email": "li.wei@example.org", "first_name": "Wei"})["person_id"]
    sid = post("/sites/jas/submissions", {"title": "Soil", "authors": [person]})["submission_id"]
    post(f"/sites/jas/submissions/{sid}/move", {"decision": "Minor Revision"})
    revision = post(f"/sites/jas/submissions/{sid}/revisions", {})["submission_id"]
    state = requests.get(f"{control}/sites/jas/submissions/{revision}", timeout=5).json()
    assert revision == f"{sid}.R1" and state["status"] == "Awaiting Admin Processing"


def test_control_route_for_an_unknown_site_is_404(server: SandboxServer) -> None:
    response = requests.post(f"{server.base_url}/__sandbox__/scholarone/sites/nope/persons",
                             json={"email": "a@x.org", "first_name": "A"}, timeout=5)
    assert response.status_code == 404
