"""The Crossref sandbox over real HTTP: Crossref's envelopes and work records, filters, rows, offset and cursor
paging, its error formats, faults, rate limits and the scripting routes.

No Django here on purpose: the sandbox is a standalone process the product only reaches by URL.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests

from sandbox.server import SandboxServer

T0 = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)
LI_WEI = {"given": "Wei", "family": "Li", "ORCID": "0000-0002-1825-0097"}
ZHANG = {"given": "Min", "family": "Zhang", "ORCID": "https://orcid.org/0000-0001-5109-3700"}
NO_ORCID = {"given": "Hong", "family": "Wang"}
LIST_MESSAGE_KEYS = {"facets", "total-results", "items", "items-per-page", "query"}


@pytest.fixture(autouse=True)
def clean_state(server: SandboxServer) -> Iterator[None]:
    server.reset()
    server.crossref.set_clock(T0)
    timeout = server.crossref.timeout_fault_seconds
    yield
    server.crossref.timeout_fault_seconds = timeout


def works(server: SandboxServer, *, timeout: float = 5, **params: Any) -> requests.Response:
    return requests.get(f"{server.base_url}/works", params=params, timeout=timeout)


def ok(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def dois(response: requests.Response) -> list[str]:
    return [item["DOI"] for item in ok(response)["message"]["items"]]


def validation_failure(response: requests.Response, kind: str) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "failed" and body["message-type"] == "validation-failure"
    [problem] = body["message"]
    assert problem["type"] == kind and set(problem) == {"type", "value", "message"}
    return problem


def add(server: SandboxServer, doi: str, **options: Any) -> str:
    options.setdefault("title", f"Work {doi}")
    options.setdefault("issn", "1234-5678")
    options.setdefault("authors", [LI_WEI])
    options.setdefault("published", "2026-09-15")
    return server.crossref.add_work(doi, **options)


# --- envelopes and records ----------------------------------------------------------------------------------------


def test_list_answer_has_crossrefs_envelope(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1")
    body = ok(works(server))
    assert set(body) == {"status", "message-type", "message-version", "message"}
    assert (body["status"], body["message-type"], body["message-version"]) == ("ok", "work-list", "1.0.0")
    assert set(body["message"]) == LIST_MESSAGE_KEYS
    assert body["message"]["total-results"] == 1 and body["message"]["items-per-page"] == 20
    assert body["message"]["query"] == {"start-index": 0, "search-terms": None}


def test_single_work_answer_has_crossrefs_envelope(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1")
    body = ok(requests.get(f"{server.base_url}/works/10.55555%2Fjas.1", timeout=5))
    assert (body["status"], body["message-type"], body["message-version"]) == ("ok", "work", "1.0.0")
    assert body["message"]["DOI"] == "10.55555/jas.1"


def test_work_record_has_crossrefs_field_shapes(server: SandboxServer) -> None:
    add(server, "10.55555/JAS.1", title="Soil microbiome shifts", issn=["1234-5678", "8765-4321"],
        authors=[LI_WEI, NO_ORCID], container_title="Journal of Applied Science", published_online="2026-09",
        published_print=[2026, 10, 5])
    record = ok(requests.get(f"{server.base_url}/works/10.55555/jas.1", timeout=5))["message"]
    assert record["DOI"] == "10.55555/jas.1" and record["URL"] == "https://doi.org/10.55555/jas.1"
    assert record["title"] == ["Soil microbiome shifts"] and record["container-title"] == ["Journal of Applied Science"]
    assert record["ISSN"] == ["1234-5678", "8765-4321"]
    assert record["issn-type"] == [{"type": "print", "value": "1234-5678"},
                                   {"type": "electronic", "value": "8765-4321"}]
    assert record["author"][0] == {"given": "Wei", "family": "Li", "sequence": "first", "affiliation": [],
                                   "ORCID": "https://orcid.org/0000-0002-1825-0097", "authenticated-orcid": False}
    assert "ORCID" not in record["author"][1] and record["author"][1]["sequence"] == "additional"
    assert record["published-online"] == {"date-parts": [[2026, 9]]}
    assert record["published-print"] == {"date-parts": [[2026, 10, 5]]}
    assert record["issued"] == record["published"] == {"date-parts": [[2026, 9]]}  # the earlier of the two
    assert record["deposited"] == {"date-parts": [[2026, 10, 1]], "date-time": "2026-10-01T08:00:00Z",
                                   "timestamp": int(T0.timestamp() * 1000)}


def test_explicit_issued_date_stands_alone(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1", published=None, issued="2025")
    record = server.crossref.work_record("10.55555/jas.1")
    assert record["issued"] == {"date-parts": [[2025]]} and "published-online" not in record


def test_unknown_doi_is_a_plain_text_404(server: SandboxServer) -> None:
    response = requests.get(f"{server.base_url}/works/10.55555%2Fnope", timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/plain") and response.text == "Resource not found."


@pytest.mark.parametrize("path", ["10.55555%2Fjas.1", "10.55555/jas.1", "10.55555/JAS.1",
                                  "https%3A%2F%2Fdoi.org%2F10.55555%2Fjas.1"])
def test_doi_is_found_encoded_or_raw_and_in_any_case(server: SandboxServer, path: str) -> None:
    add(server, "10.55555/jas.1")
    assert ok(requests.get(f"{server.base_url}/works/{path}", timeout=5))["message"]["DOI"] == "10.55555/jas.1"


def test_doi_with_several_slashes_is_found(server: SandboxServer) -> None:
    add(server, "10.55555/jas/2026/1")
    assert ok(requests.get(f"{server.base_url}/works/10.55555/jas/2026/1", timeout=5))["message"]["DOI"] == \
        "10.55555/jas/2026/1"


# --- filters --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("orcid", ["0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097",
                                   "http://orcid.org/0000-0002-1825-0097"])
def test_orcid_filter_takes_the_bare_and_url_forms(server: SandboxServer, orcid: str) -> None:
    add(server, "10.55555/jas.1", authors=[LI_WEI])
    add(server, "10.55555/jas.2", authors=[ZHANG])
    assert dois(works(server, filter=f"orcid:{orcid}")) == ["10.55555/jas.1"]


def test_one_filter_repeated_is_ored_and_different_filters_are_anded(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1", issn="1234-5678", authors=[LI_WEI])
    add(server, "10.55555/jes.1", issn="2345-6789", authors=[LI_WEI])
    add(server, "10.55555/other.1", issn="3456-7890", authors=[LI_WEI])
    add(server, "10.55555/jas.2", issn="1234-5678", authors=[ZHANG])
    listed = dois(works(server, filter="orcid:0000-0002-1825-0097,issn:1234-5678,issn:2345-6789"))
    assert sorted(listed) == ["10.55555/jas.1", "10.55555/jes.1"]


def test_doi_type_and_has_orcid_filters(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1", authors=[LI_WEI])
    add(server, "10.55555/jas.2", authors=[NO_ORCID])
    add(server, "10.55555/jas.issue.1", authors=[], type="journal-issue")
    assert dois(works(server, filter="doi:10.55555/JAS.1")) == ["10.55555/jas.1"]
    assert sorted(dois(works(server, filter="type:journal-article"))) == ["10.55555/jas.1", "10.55555/jas.2"]
    assert dois(works(server, filter="has-orcid:true")) == ["10.55555/jas.1"]


def test_from_pub_date_takes_a_year_month_as_its_first_day(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1", published="2026-08-31")
    add(server, "10.55555/jas.2", published="2026-09")
    assert dois(works(server, filter="from-pub-date:2026-09")) == ["10.55555/jas.2"]


def test_until_pub_date_takes_a_year_as_its_last_day(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1", published="2026-12-31")
    add(server, "10.55555/jas.2", published="2027-01-01")
    assert dois(works(server, filter="until-pub-date:2026")) == ["10.55555/jas.1"]


def test_from_update_date_filters_on_the_deposit_date(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1", deposited=T0 - timedelta(days=2))
    add(server, "10.55555/jas.2", deposited=T0)
    assert dois(works(server, filter="from-update-date:2026-10-01")) == ["10.55555/jas.2"]


def test_from_index_date_sees_a_reindex_that_the_update_date_does_not(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1", deposited=T0 - timedelta(days=5))
    server.crossref.reindex("10.55555/jas.1")
    assert dois(works(server, filter="from-index-date:2026-10-01")) == ["10.55555/jas.1"]
    assert dois(works(server, filter="from-update-date:2026-10-01")) == []


def test_update_work_is_a_redeposit(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1", title="Draft title")
    server.crossref.advance_clock(86_400)
    server.crossref.update_work("10.55555/jas.1", title="Final title")
    record = ok(works(server, filter="from-update-date:2026-10-02"))["message"]["items"][0]
    assert record["title"] == ["Final title"] and record["indexed"]["date-time"] == "2026-10-02T08:00:00Z"


def test_unknown_filter_is_a_validation_failure(server: SandboxServer) -> None:
    problem = validation_failure(works(server, filter="reference.doi:10.1/x"), "filter-not-available")
    assert problem["value"] == "reference.doi" and "Valid filters for this route are:" in problem["message"]


def test_malformed_filter_date_is_a_validation_failure(server: SandboxServer) -> None:
    assert validation_failure(works(server, filter="from-index-date:01/10/2026"), "date-not-valid")["value"] == \
        "01/10/2026"


# --- rows, offset, cursor, sort -----------------------------------------------------------------------------------


def test_rows_above_1000_is_crossrefs_integer_validation_failure(server: SandboxServer) -> None:
    problem = validation_failure(works(server, rows=1001), "integer-not-valid")
    assert problem["message"] == "Integer specified as 1001 but must be a positive integer less than or equal to 1000. "


def test_rows_zero_gives_the_summary_only(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1")
    message = ok(works(server, rows=0))["message"]
    assert message["items"] == [] and message["total-results"] == 1


def test_offset_pages_through_the_list(server: SandboxServer) -> None:
    for n in range(5):
        add(server, f"10.55555/jas.{n}", deposited=T0 + timedelta(minutes=n))
    assert dois(works(server, rows=2, offset=2)) == ["10.55555/jas.2", "10.55555/jas.1"]


def test_offset_above_ten_thousand_is_a_validation_failure(server: SandboxServer) -> None:
    assert validation_failure(works(server, offset=10001), "integer-not-valid")["message"] == \
        "Offset specified as 10001 is too large"


def test_cursor_pages_through_every_work_once(server: SandboxServer) -> None:
    for n in range(5):
        add(server, f"10.55555/jas.{n}", deposited=T0 + timedelta(minutes=n % 2))  # ties broken by DOI
    seen, cursor = [], "*"
    for _ in range(4):
        message = ok(works(server, rows=2, cursor=cursor))["message"]
        seen += [item["DOI"] for item in message["items"]]
        cursor = message["next-cursor"]
    assert sorted(seen) == [f"10.55555/jas.{n}" for n in range(5)] and len(seen) == 5


def test_next_cursor_past_the_last_page_gives_empty_pages(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1")
    first = ok(works(server, rows=5, cursor="*"))["message"]
    after = ok(works(server, rows=5, cursor=first["next-cursor"]))["message"]
    assert len(first["items"]) == 1 and after["items"] == [] and after["total-results"] == 1


def test_cursor_is_standard_base64_that_clients_must_url_encode(server: SandboxServer) -> None:
    for n in range(3):
        add(server, f"10.55555/jas.{n}")
    cursor = ok(works(server, rows=1, cursor="*"))["message"]["next-cursor"]
    assert base64.b64decode(cursor, validate=True)
    assert dois(works(server, rows=1, cursor=cursor)) != dois(works(server, rows=1, cursor="*"))


def test_garbled_cursor_is_a_validation_failure(server: SandboxServer) -> None:
    validation_failure(works(server, cursor="not base64!"), "cursor-not-valid")


def test_cursor_with_offset_is_a_validation_failure(server: SandboxServer) -> None:
    validation_failure(works(server, cursor="*", offset=20), "parameter-not-allowed")


def test_default_order_is_newest_deposit_first_and_sort_order_reverses_it(server: SandboxServer) -> None:
    add(server, "10.55555/jas.old", deposited=T0 - timedelta(days=1))
    add(server, "10.55555/jas.new", deposited=T0)
    assert dois(works(server)) == ["10.55555/jas.new", "10.55555/jas.old"]
    assert dois(works(server, sort="updated", order="asc")) == ["10.55555/jas.old", "10.55555/jas.new"]


def test_sort_by_published_date(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1", published="2026-03", deposited=T0)
    add(server, "10.55555/jas.2", published="2025", deposited=T0 - timedelta(days=1))
    assert dois(works(server, sort="published", order="asc")) == ["10.55555/jas.2", "10.55555/jas.1"]


def test_unknown_parameter_is_crossrefs_validation_failure(server: SandboxServer) -> None:
    problem = validation_failure(works(server, format="bibtex"), "unknown-parameter")
    assert problem["message"] == "Parameter format specified but there is no such parameter available on any route"


def test_mailto_is_accepted_and_recorded(server: SandboxServer) -> None:
    ok(works(server, mailto="ops@press.example.org"))
    assert server.crossref.calls()[-1]["query"]["mailto"] == "ops@press.example.org"


# --- faults and rate limits -----------------------------------------------------------------------------------------


def test_every_answer_advertises_the_rate_limit(server: SandboxServer) -> None:
    response = works(server)
    assert (response.headers["X-Rate-Limit-Limit"], response.headers["X-Rate-Limit-Interval"]) == ("50", "1s")


def test_rate_limit_answers_429_in_plain_text_beyond_the_limit(server: SandboxServer) -> None:
    server.crossref.set_rate_limit(2, interval_seconds=60)
    statuses = [works(server).status_code for _ in range(3)]
    throttled = works(server)
    assert statuses == [200, 200, 429] and throttled.headers["Content-Type"].startswith("text/plain")
    assert (throttled.headers["X-Rate-Limit-Limit"], throttled.headers["X-Rate-Limit-Interval"]) == ("2", "60s")
    assert int(throttled.headers["Retry-After"]) >= 1


def test_injected_429_carries_the_rate_limit_headers(server: SandboxServer) -> None:
    server.crossref.inject_fault("429", retry_after=7)
    response = works(server)
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.headers["X-Rate-Limit-Limit"] == "50"


@pytest.mark.parametrize(("kind", "status"), [("500", 500), ("503", 503)])
def test_injected_server_errors(server: SandboxServer, kind: str, status: int) -> None:
    server.crossref.inject_fault(kind)
    assert works(server).status_code == status
    assert works(server).status_code == 200  # consumed


def test_injected_timeout_holds_the_answer(server: SandboxServer) -> None:
    server.crossref.inject_fault("timeout", seconds=0.5)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        works(server, timeout=0.2)
    assert time.monotonic() - started < 0.5


def test_injected_malformed_json_is_cut_short(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1")
    server.crossref.inject_fault("malformed_json")
    response = works(server)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_injected_missing_field_leaves_it_out_of_the_message_and_items(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1")
    server.crossref.inject_fault("missing_field", field="DOI")
    server.crossref.inject_fault("missing_field")
    assert "DOI" not in ok(works(server))["message"]["items"][0]
    assert "items" not in ok(works(server))["message"]


def test_fault_can_target_one_path_and_several_calls(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1")
    server.crossref.inject_fault("500", times=2, path_contains="/works/")
    assert works(server).status_code == 200
    codes = [requests.get(f"{server.base_url}/works/10.55555%2Fjas.1", timeout=5).status_code for _ in range(3)]
    assert codes == [500, 500, 200]


def test_unknown_fault_kind_is_refused(server: SandboxServer) -> None:
    with pytest.raises(ValueError, match="unknown fault kind 'teapot'"):
        server.crossref.inject_fault("teapot")


def test_call_log_names_each_endpoint_and_fault(server: SandboxServer) -> None:
    server.crossref.inject_fault("503")
    works(server, rows=0)
    requests.get(f"{server.base_url}/works/10.1%2Fx", timeout=5)
    assert [(c["endpoint"], c["status"], c["fault"]) for c in server.crossref.calls()] == [
        ("GET /works", 503, "503"), ("GET /works/{doi}", 404, None)]
    assert server.crossref.call_count("GET /works") == 1


def test_reset_forgets_works_faults_limits_and_calls(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1")
    server.crossref.inject_fault("500")
    server.crossref.set_rate_limit(1)
    server.reset()
    assert ok(works(server))["message"]["total-results"] == 0
    assert works(server).status_code == 200 and len(server.crossref.calls()) == 2


# --- scripting over HTTP ------------------------------------------------------------------------------------------


def test_works_and_faults_can_be_scripted_over_http(server: SandboxServer) -> None:
    control = f"{server.base_url}/__sandbox__/crossref"
    created = requests.post(f"{control}/works", json={
        "doi": "10.55555/jas.9", "title": "Scripted", "issn": "1234-5678", "authors": [LI_WEI],
        "published": "2026-09", "deposited": "2026-09-30T10:00:00+00:00"}, timeout=5)
    assert created.json() == {"doi": "10.55555/jas.9"}
    record = server.crossref.work_record("10.55555/jas.9")
    assert record["published-online"] == {"date-parts": [[2026, 9]]}
    assert record["deposited"]["date-time"] == "2026-09-30T10:00:00Z"
    faults = requests.post(f"{control}/faults", json={"kind": "429", "retry_after": 3}, timeout=5).json()
    assert faults == {"faults": [{"kind": "429", "remaining": 1, "retry_after": 3}]}


def test_scripted_update_and_reindex_over_http_answer_the_record(server: SandboxServer) -> None:
    control = f"{server.base_url}/__sandbox__/crossref"
    add(server, "10.55555/jas.1")
    requests.post(f"{control}/clock", json={"advance_seconds": 3600}, timeout=5)
    updated = requests.post(f"{control}/works/update", json={"doi": "10.55555/jas.1", "volume": "12"}, timeout=5)
    assert updated.json()["volume"] == "12" and updated.json()["deposited"]["date-time"] == "2026-10-01T09:00:00Z"
    reindexed = requests.post(f"{control}/works/reindex", json={"doi": "10.55555/jas.1"}, timeout=5).json()
    assert reindexed["indexed"]["date-time"] == "2026-10-01T09:00:00Z"


def test_scripting_an_unknown_work_is_a_404(server: SandboxServer) -> None:
    response = requests.post(f"{server.base_url}/__sandbox__/crossref/works/reindex", json={"doi": "10.1/none"},
                             timeout=5)
    assert response.status_code == 404


@pytest.mark.parametrize("published", [date(2026, 9, 15), "2026-09-15", [2026, 9, 15]])
def test_dates_may_be_given_as_date_text_or_parts(server: SandboxServer, published: Any) -> None:
    add(server, "10.55555/jas.1", published=published)
    assert server.crossref.work_record("10.55555/jas.1")["published-online"] == {"date-parts": [[2026, 9, 15]]}


# --- select and the pools' limits (since December 2025) ----------------------------------------------------------


def test_select_keeps_only_the_chosen_fields(server: SandboxServer) -> None:
    add(server, "10.55555/jas.1")
    [item] = ok(works(server, select="DOI,title"))["message"]["items"]
    assert item == {"DOI": "10.55555/jas.1", "title": ["Work 10.55555/jas.1"]}
    validation_failure(works(server, select="DOI,secret-field"), "parameter-not-allowed")


def test_the_public_pool_allows_one_list_request_a_second(server: SandboxServer) -> None:
    server.crossref.enforce_pools(window_seconds=30)  # both calls in one window, however slow the machine
    first, second = works(server), works(server)
    assert first.status_code == 200
    assert (first.headers["X-Rate-Limit-Limit"], first.headers["X-Rate-Limit-Interval"]) == ("1", "1s")
    assert second.status_code == 429 and second.headers["Retry-After"] == "1"
    assert [call["fault"] for call in server.crossref.calls()] == [None, "pool_rate"]
    assert [call["pool"] for call in server.crossref.calls()] == ["public", "public"]


def test_the_polite_pool_allows_three_list_requests_a_second_and_three_at_a_time(server: SandboxServer) -> None:
    import threading

    server.crossref.enforce_pools(window_seconds=30)
    answers = [works(server, mailto="ops@example.org") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-Rate-Limit-Limit"] == "3"
    server.reset()
    server.crossref.enforce_pools(window_seconds=0.01)  # only concurrency can refuse now
    server.crossref.inject_fault("slow", times=4, seconds=2.0)
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(works(server, mailto="ops@example.org").status_code))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 200, 429]
    assert [call["fault"] for call in server.crossref.calls()].count("pool_concurrency") == 1
    assert server.crossref.most_in_flight("polite") == 3


def test_metadata_plus_is_not_held_to_the_pools(server: SandboxServer) -> None:
    server.crossref.enforce_pools()
    headers = {"Crossref-Plus-API-Token": "Bearer plus"}
    statuses = [requests.get(f"{server.base_url}/works", headers=headers, timeout=5).status_code for _ in range(5)]
    assert statuses == [200] * 5
