"""The OJS sandbox's usage statistics API over real HTTP, in OJS's wire format (pkp-lib
api/v1/stats/publications): who may call it, the item shape, date ranges and their errors.

No Django here on purpose: the sandbox is a standalone process the product only reaches by URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import requests

from sandbox.server import SandboxServer

MANAGER = "manager-token"
T0 = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)
YESTERDAY = date(2026, 9, 30)
ITEM = {"abstractViews", "galleyViews", "pdfViews", "htmlViews", "otherViews", "publication"}
STATS_PUBLICATION = {"_href", "authorsStringShort", "fullTitle", "id", "urlPublished", "urlWorkflow"}


@pytest.fixture(autouse=True)
def clean_state(server: SandboxServer) -> Iterator[None]:
    server.reset()
    server.ojs.set_clock(T0)
    yield


def api(server: SandboxServer, endpoint: str, token: str | None = MANAGER, context: str = "jas",
        **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{server.base_url}/index.php/{context}/api/v1/{endpoint}", params=params, headers=headers,
                        timeout=5)


def published_journal(server: SandboxServer, version: str = "3.4") -> tuple[int, list[int]]:
    """A journal with author Li Wei (returned) and three published submissions, two of them viewed."""
    ojs = server.ojs
    ojs.add_site("jas", version=version, manager_token=MANAGER)
    author = ojs.add_user("jas", username="liwei", email="li@example.org", given_name="Wei", family_name="Li")
    ids = [ojs.add_submission("jas", title=f"Paper {n}", authors=[author], status=3, stage_id=5,
                              date_published=date(2026, 3, n)) for n in (1, 2, 3)]
    ojs.add_usage("jas", ids[0], abstract=40, pdf=10, html=3, other=1, day=date(2026, 9, 1))
    ojs.add_usage("jas", ids[0], abstract=2, pdf=1)  # yesterday
    ojs.add_usage("jas", ids[1], abstract=5)
    return author, ids


def test_the_list_holds_viewed_submissions_most_viewed_first_in_ojs_shape(server: SandboxServer) -> None:
    _author, (first, second, unviewed) = published_journal(server)

    body = api(server, "stats/publications", submissionIds=f"{first},{second},{unviewed}").json()

    assert body["itemsMax"] == 2  # a submission without views in the range is not listed
    assert [item["publication"]["id"] for item in body["items"]] == [first, second]
    item = body["items"][0]
    assert set(item) == ITEM and set(item["publication"]) == STATS_PUBLICATION
    assert (item["abstractViews"], item["galleyViews"], item["pdfViews"], item["htmlViews"], item["otherViews"]) \
        == (42, 15, 11, 3, 1)
    assert item["publication"]["fullTitle"]["en"] == "Paper 1"


def test_one_submission_and_a_date_range(server: SandboxServer) -> None:
    _author, (first, _second, unviewed) = published_journal(server)

    september_first = api(server, f"stats/publications/{first}", dateStart="2026-09-01", dateEnd="2026-09-01")
    assert september_first.status_code == 200
    assert (september_first.json()["abstractViews"], september_first.json()["galleyViews"]) == (40, 14)
    assert api(server, f"stats/publications/{unviewed}").json()["abstractViews"] == 0
    assert api(server, "stats/publications/999").status_code == 404  # OJS's HTML page


def test_authors_are_refused_as_ojs_refuses_them(server: SandboxServer) -> None:
    author, (first, _second, _unviewed) = published_journal(server)
    author_token = server.ojs.token_for(author)

    for endpoint in ("stats/publications", f"stats/publications/{first}"):
        refused = api(server, endpoint, token=author_token)
        assert refused.status_code == 403
        assert refused.json() == {"error": "user.authorization.roleBasedAccessDenied",
                                  "errorMessage": "The current role does not have access to this operation."}
    assert api(server, "stats/publications", token=None).json()["error"] == "api.403.unauthorized"


def test_a_section_editor_reads_the_list_and_only_the_submissions_assigned_to_them(server: SandboxServer) -> None:
    _author, (first, _second, _unviewed) = published_journal(server)
    editor = server.ojs.add_user("jas", username="sece", email="sece@example.org", given_name="Sec",
                                 roles=("section_editor",))
    token = server.ojs.token_for(editor)

    assert api(server, "stats/publications", token=token).json()["itemsMax"] == 2
    assert api(server, f"stats/publications/{first}", token=token).json()["error"] == "api.403.unauthorized"


@pytest.mark.parametrize(("params", "error"), [
    ({"dateStart": "2026/09/01"}, "api.stats.400.wrongDateFormat"),
    ({"dateStart": "2000-12-31"}, "api.stats.400.earlyDateRange"),
    ({"dateEnd": T0.date().isoformat()}, "api.stats.400.lateDateRange"),
    ({"dateStart": "2026-09-02", "dateEnd": "2026-09-01"}, "api.stats.400.wrongDateRange"),
    ({"orderDirection": "sideways"}, "api.stats.400.invalidOrderDirection"),
])
def test_bad_dates_and_order_are_400s_with_ojs_keys(server: SandboxServer, params: dict, error: str) -> None:
    published_journal(server)
    refused = api(server, "stats/publications", **params)
    assert refused.status_code == 400
    assert refused.json()["error"] == error and refused.json()["errorMessage"]


def test_ojs_3_5_answers_a_bad_date_without_an_error_message(server: SandboxServer) -> None:
    published_journal(server, version="3.5")
    refused = api(server, "stats/publications", dateStart="yesterday")
    assert (refused.status_code, refused.json()) == (400, {"error": "api.stats.400.wrongDateFormat"})


def test_ojs_3_3_lists_30_by_default_and_count_pages(server: SandboxServer) -> None:
    ojs = server.ojs
    ojs.add_site("jas", version="3.3", manager_token=MANAGER)
    ids = [ojs.add_submission("jas", title=f"P{n}", status=3, stage_id=5, date_published=date(2026, 1, 1))
           for n in range(35)]
    for views, submission_id in enumerate(ids, start=1):
        ojs.add_usage("jas", submission_id, abstract=views)

    default = api(server, "stats/publications").json()
    assert (default["itemsMax"], len(default["items"])) == (35, 30)
    second_page = api(server, "stats/publications", count=30, offset=30).json()
    assert [item["publication"]["id"] for item in second_page["items"]] == list(reversed(ids[:5]))
