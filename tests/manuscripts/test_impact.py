"""Article impact: citations of published manuscripts from Crossref's is-referenced-by-count, through the Crossref
sandbox over real HTTP, counted weekly in batches, shown on the manuscript."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from manuscripts.models import Manuscript, ManuscriptAccess
from manuscripts.services.impact import citations_refresh
from tests.factories import JournalAccountFactory, JournalFactory, JournalSystemFactory, ManuscriptFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def crossref(server):
    server.reset()
    server.crossref.set_clock(T0)
    system = JournalSystemFactory(key="crossref", platform="crossref", base_url=server.base_url,
                                  credentials={"mailto": "ops@press.example.org"})
    JournalFactory(journal_system=system, key="jas", platform_path="1234-5678")
    return server.crossref


def _published(doi: str, **fields) -> Manuscript:
    return ManuscriptFactory(canonical_status="published", doi=doi, **fields)


def test_citations_are_counted_for_published_manuscripts_in_one_request_per_batch(crossref, settings):
    crossref.add_work("10.5555/cited", title="Cited", issn="1234-5678", published="2025-01-01")
    crossref.update_work("10.5555/cited", cited_by=7)
    crossref.add_work("10.5555/quiet", title="Quiet", issn="1234-5678", published="2025-02-01")
    cited, quiet, unknown = _published("10.5555/CITED"), _published("10.5555/quiet"), _published("10.5555/nowhere")
    in_review = ManuscriptFactory(canonical_status="under_review", doi="10.5555/cited2")
    calls_before = crossref.call_count()

    assert citations_refresh() == 3

    assert crossref.call_count() - calls_before == 1  # three DOIs, one request
    for manuscript in (cited, quiet, unknown, in_review):
        manuscript.refresh_from_db()
    assert (cited.citations, quiet.citations, unknown.citations, in_review.citations) == (7, 0, None, None)
    assert cited.citations_checked_at and unknown.citations_checked_at and in_review.citations_checked_at is None
    assert citations_refresh() == 0  # counted this week already

    crossref.update_work("10.5555/cited", cited_by=9)
    Manuscript.objects.filter(pk=cited.pk).update(
        citations_checked_at=timezone.now() - timedelta(days=settings.CITATIONS_REFRESH_DAYS + 1))
    assert citations_refresh() == 1
    cited.refresh_from_db()
    assert cited.citations == 9


def test_a_failing_crossref_stamps_nothing_and_the_next_run_counts(crossref, settings):
    settings.PLATFORM_RETRY_ATTEMPTS = 1
    crossref.add_work("10.5555/w1", title="W1", issn="1234-5678", published="2025-01-01")
    crossref.update_work("10.5555/w1", cited_by=3)
    manuscript = _published("10.5555/w1")
    crossref.inject_fault(500, times=1, path_contains="/works")

    assert citations_refresh() == 0
    manuscript.refresh_from_db()
    assert (manuscript.citations, manuscript.citations_checked_at) == (None, None)
    assert citations_refresh() == 1
    manuscript.refresh_from_db()
    assert manuscript.citations == 3


def test_the_manuscript_shows_its_citations(crossref, researcher_client):
    client, body = researcher_client
    manuscript = _published("10.5555/cited")
    account = JournalAccountFactory(researcher_id=body["researcher"]["id"], journal_system=manuscript.journal_system)
    ManuscriptAccess.objects.create(journal_account=account, manuscript=manuscript)
    assert client.get(f"/api/v1/manuscripts/{manuscript.pk}").json()["citations"] is None
    Manuscript.objects.filter(pk=manuscript.pk).update(citations=12)
    assert client.get(f"/api/v1/manuscripts/{manuscript.pk}").json()["citations"] == 12


def test_each_manuscript_carries_the_journals_number_and_days_in_its_status(researcher_client):
    from tests.factories import JournalSystemFactory

    client, body = researcher_client
    scholarone = JournalSystemFactory(platform="scholarone")
    em = JournalSystemFactory(platform="file_export")
    dated = ManuscriptFactory(journal_system=scholarone, platform_id="JAS-2026-0123",
                              status_changed_at=timezone.now() - timedelta(days=12, hours=3))
    exported = ManuscriptFactory(journal_system=em, platform_id="jas:EM-0042", status_changed_at=None)
    exported.events.create(to_status="under_review", occurred_at=timezone.now() - timedelta(days=3))
    for manuscript in (dated, exported):
        account = JournalAccountFactory(researcher_id=body["researcher"]["id"],
                                        journal_system=manuscript.journal_system)
        ManuscriptAccess.objects.create(journal_account=account, manuscript=manuscript)

    items = {item["id"]: item for item in client.get("/api/v1/manuscripts").json()["results"]}
    assert (items[dated.pk]["manuscript_number"], items[dated.pk]["days_in_status"]) == ("JAS-2026-0123", 12)
    assert (items[exported.pk]["manuscript_number"], items[exported.pk]["days_in_status"]) == ("EM-0042", 3)
    detail = client.get(f"/api/v1/manuscripts/{dated.pk}").json()
    assert (detail["manuscript_number"], detail["days_in_status"]) == ("JAS-2026-0123", 12)
