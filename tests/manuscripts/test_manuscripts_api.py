"""GET /api/v1/manuscripts and /manuscripts/{id}, /journal-systems: what a researcher sees, and only that."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import JournalAccount, Researcher
from manuscripts.models import Manuscript, ManuscriptAccess
from manuscripts.sync import snapshots_apply
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return make_journal_system()


@pytest.fixture
def alice(researcher_client, system):
    """Signed-in researcher alice with a verified account that lists three manuscripts."""
    client, _body = researcher_client
    researcher = Researcher.objects.get()
    account = make_account(researcher, system, email="alice@example.org", user_id="7")
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("1", status="under_review", minutes=1, emails=("alice@example.org",), title="Alpha drought"),
        snapshot("2", status="accepted", minutes=3, emails=("alice@example.org",), title="Beta rivers"),
        snapshot("3", status="rejected", minutes=2, emails=("alice@example.org",), title="Gamma soils"),
    ])
    return client, account


def ids(response) -> list[str]:
    return [Manuscript.objects.get(pk=item["id"]).platform_id for item in response.json()["results"]]


def test_list_is_newest_activity_first_with_the_contract_fields(alice):
    client, _account = alice

    response = client.get("/api/v1/manuscripts")

    assert response.status_code == 200
    assert ids(response) == ["2", "3", "1"]
    item = response.json()["results"][0]
    assert {"id", "title", "journal", "status", "status_label", "platform_status", "last_activity_at"} <= set(item)
    assert item["status"] == "accepted"
    assert item["status_label"] == "已录用"
    assert item["journal"] == {"id": item["journal"]["id"], "key": "jas", "name": "应用科学学报"}
    assert response.json()["count"] == 3 and response.json()["next"] is None


def test_labels_and_titles_follow_the_request_language(alice):
    client, _account = alice

    item = client.get("/api/v1/manuscripts", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]

    assert item["status_label"] == "Accepted"
    assert item["journal"]["name"] == "Journal of Applied Science"
    assert item["title"] == "Beta rivers"


@pytest.mark.parametrize(("query", "expected"), [
    ({"status": "rejected"}, ["3"]),
    ({"search": "drought"}, ["1"]),
])
def test_filters(alice, query, expected):
    client, _account = alice

    assert ids(client.get("/api/v1/manuscripts", query)) == expected


def test_filter_by_journal_and_account(alice, system):
    client, account = alice
    journal_id = system.journals.get().pk

    assert len(ids(client.get("/api/v1/manuscripts", {"journal": journal_id, "account": account.pk}))) == 3
    assert ids(client.get("/api/v1/manuscripts", {"account": account.pk + 1000})) == []


def test_unknown_status_filter_is_a_field_error(alice):
    client, _account = alice

    response = client.get("/api/v1/manuscripts", {"status": "lost"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_list_costs_a_constant_number_of_queries(alice, system):
    client, account = alice
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot(str(n), minutes=10 + n, emails=("alice@example.org",)) for n in range(10, 40)])

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/manuscripts")

    assert response.status_code == 200 and len(response.json()["results"]) == 20
    assert len(queries) <= 4, [q["sql"][:80] for q in queries]  # token, count, page (+ nothing per row)


def test_detail_has_the_timeline_newest_first(alice, system):
    client, account = alice
    snapshots_apply(journal_system=system, seen_by=account,
                    snapshots=[snapshot("1", status="revision_requested", raw="Revisions requested", minutes=50,
                                        emails=("alice@example.org",))])
    manuscript = Manuscript.objects.get(platform_id="1")

    body = client.get(f"/api/v1/manuscripts/{manuscript.pk}", HTTP_ACCEPT_LANGUAGE="en").json()

    assert [event["to_status"] for event in body["timeline"]] == ["revision_requested", "under_review"]
    assert body["timeline"][0]["platform_status"] == "Revisions requested"
    assert body["status_explanation"] == "The editor asks you to revise the manuscript and submit it again."


def test_other_researchers_manuscripts_are_404(alice, system):
    client, _account = alice
    bob = make_account(make_researcher(), system, email="bob@example.org", user_id="8")
    snapshots_apply(journal_system=system, seen_by=bob, snapshots=[snapshot("99", emails=("bob@example.org",))])
    bobs = Manuscript.objects.get(platform_id="99")

    assert client.get(f"/api/v1/manuscripts/{bobs.pk}").status_code == 404
    assert "99" not in ids(client.get("/api/v1/manuscripts"))


def test_unlinking_removes_the_accounts_manuscripts_from_the_list(alice):
    client, account = alice

    assert client.delete(f"/api/v1/journal-accounts/{account.pk}").status_code == 204

    assert client.get("/api/v1/manuscripts").json()["results"] == []
    assert Manuscript.objects.count() == 3  # the platform's data stays for co-authors


def test_pending_account_shows_no_manuscripts(researcher_client, system):
    client, _body = researcher_client
    account = make_account(Researcher.objects.get(), system, email="a@example.org", user_id="7", status="pending")
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[snapshot("5", emails=("a@example.org",))])

    assert client.get("/api/v1/manuscripts").json()["results"] == []


def test_empty_list_for_a_new_researcher(researcher_client):
    client, _body = researcher_client

    assert client.get("/api/v1/manuscripts").json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_manuscripts_need_a_token():
    assert APIClient().get("/api/v1/manuscripts").status_code == 401


def test_journal_systems_list_without_credentials(researcher_client, system):
    client, _body = researcher_client

    body = client.get("/api/v1/journal-systems", HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["results"] == [{
        "id": system.pk, "key": "demo-ojs", "name": "Demo OJS", "platform": "ojs",
        "platform_label": "Open Journal Systems",
        "journals": [{"id": system.journals.get().pk, "key": "jas", "name": "Journal of Applied Science",
                      "issn": "1234-5678", "eissn": "", "cover_image_url": ""}],
    }]
    assert "t0ken" not in str(body) and "credentials" not in str(body)


def test_disabled_journal_systems_are_not_offered(researcher_client, system):
    client, _body = researcher_client
    system.enabled = False
    system.save()

    assert client.get("/api/v1/journal-systems").json()["results"] == []


# --- a manuscript reached only through a public bibliographic record ---------------------------------------


@pytest.fixture
def reached_by_crossref_only(researcher_client, system):
    """Bob's OJS manuscript, published, with its editorial timeline; the signed-in researcher sees it only
    through a verified Crossref account (the published article lists their proven ORCID iD, matched by DOI)."""
    client, _body = researcher_client
    bob = make_account(make_researcher("Bob"), system, email="bob@example.org", user_id="8")
    snapshots_apply(journal_system=system, seen_by=bob, snapshots=[
        snapshot("1", status="under_review", raw="Under review", minutes=1, emails=("bob@example.org",))])
    snapshots_apply(journal_system=system, seen_by=bob, snapshots=[
        snapshot("1", status="revision_requested", raw="Revisions requested", minutes=30,
                 emails=("bob@example.org",))])
    manuscript = Manuscript.objects.get()
    Manuscript.objects.filter(pk=manuscript.pk).update(canonical_status="published", doi="10.5555/jas.2026.9",
                                                       published_on=date(2026, 11, 20))
    crossref = make_journal_system(key="crossref", platform="crossref", credentials={"mailto": "ops@example.org"})
    reader = JournalAccount.objects.create(
        researcher=Researcher.objects.get(user__username__startswith="wx_"), journal_system=crossref,
        identity="0000-0002-1825-0097", identity_kind="orcid", platform_user_id="0000-0002-1825-0097",
        status="verified", verification_method="orcid_match")
    ManuscriptAccess.objects.create(journal_account=reader, manuscript=manuscript)
    return client, manuscript, bob


def test_a_manuscript_reached_through_crossref_only_lists_its_public_facts(reached_by_crossref_only):
    client, manuscript, _bob = reached_by_crossref_only

    [item] = client.get("/api/v1/manuscripts", HTTP_ACCEPT_LANGUAGE="en").json()["results"]

    assert (item["id"], item["title"], item["journal"]["key"]) == (
        manuscript.pk, "Soil Microbiome Shifts Under Drought", "jas")
    assert (item["status"], item["status_label"], item["doi"], item["published_on"]) == (
        "published", "Published", "10.5555/jas.2026.9", "2026-11-20")
    assert item["platform_status"] == "" and item["submitted_at"] is None
    assert item["url"] == "https://doi.org/10.5555/jas.2026.9"
    assert item["public_record_only"] is True
    assert item["journal_system"] is None  # which editorial system handled it is not a public fact
    assert "Revisions requested" not in str(item)


def test_its_detail_shows_no_editorial_timeline(reached_by_crossref_only):
    client, manuscript, _bob = reached_by_crossref_only

    body = client.get(f"/api/v1/manuscripts/{manuscript.pk}", HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["timeline"] == []
    assert body["platform_status"] == "" and body["status"] == "published"
    assert "Revisions requested" not in str(body) and "Under review" not in str(body)


def test_its_status_filter_sees_only_the_public_status(reached_by_crossref_only):
    client, manuscript, _bob = reached_by_crossref_only
    Manuscript.objects.filter(pk=manuscript.pk).update(canonical_status="revision_requested")

    assert ids(client.get("/api/v1/manuscripts", {"status": "revision_requested"})) == []
    assert ids(client.get("/api/v1/manuscripts", {"status": "published"})) == ["1"]


def test_the_author_listed_on_the_editorial_platform_still_sees_the_timeline(reached_by_crossref_only):
    _client, manuscript, bob = reached_by_crossref_only
    bobs_client = APIClient()
    bobs_client.force_authenticate(user=bob.researcher.user)

    body = bobs_client.get(f"/api/v1/manuscripts/{manuscript.pk}", HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["public_record_only"] is False and body["journal_system"]["id"] == manuscript.journal_system_id
    assert [event["to_status"] for event in body["timeline"]] == ["revision_requested", "under_review"]
    assert body["platform_status"] == "Revisions requested"


def test_an_editorial_account_of_their_own_shows_them_the_timeline_too(reached_by_crossref_only, system):
    client, manuscript, _bob = reached_by_crossref_only
    own = make_account(Researcher.objects.get(user__username__startswith="wx_"), system, email="me@example.org",
                       user_id="9")
    ManuscriptAccess.objects.create(journal_account=own, manuscript=manuscript)

    body = client.get(f"/api/v1/manuscripts/{manuscript.pk}").json()

    assert body["public_record_only"] is False and len(body["timeline"]) == 2


def test_a_reader_through_crossref_only_hears_of_no_editorial_change(researcher_client, system):
    from notifications.models import Notification

    _client, _body = researcher_client
    bob = make_account(make_researcher("Bob"), system, email="bob@example.org", user_id="8")
    snapshots_apply(journal_system=system, seen_by=bob, snapshots=[
        snapshot("1", status="under_review", minutes=1, emails=("bob@example.org",))])
    crossref = make_journal_system(key="crossref", platform="crossref", credentials={"mailto": "ops@example.org"})
    reader = JournalAccount.objects.create(
        researcher=Researcher.objects.get(user__username__startswith="wx_"), journal_system=crossref,
        identity="0000-0002-1825-0097", identity_kind="orcid", platform_user_id="0000-0002-1825-0097",
        status="verified", verification_method="orcid_match")
    ManuscriptAccess.objects.create(journal_account=reader, manuscript=Manuscript.objects.get())
    Notification.objects.all().delete()

    snapshots_apply(journal_system=system, snapshots=[
        snapshot("1", status="revision_requested", raw="Revisions requested", minutes=30,
                 emails=("bob@example.org",))])

    assert list(Notification.objects.values_list("researcher_id", flat=True)) == [bob.researcher_id]


def test_a_search_with_a_nul_character_searches_without_it(alice):
    """The schema's string admits a NUL, which PostgreSQL text cannot hold: it is dropped, not refused."""
    client, _account = alice

    response = client.get("/api/v1/manuscripts", {"search": "drou\x00ght"})

    assert response.status_code == 200
    assert ids(response) == ["1"]
