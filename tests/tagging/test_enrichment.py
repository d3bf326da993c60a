"""Enrichment from Crossref (sandbox over real HTTP): works count and subjects by proven ORCID iD only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from manuscripts.services.author_profiles import AuthorProfileUnavailable
from tagging.models import ResearcherEnrichment
from tagging.services.enrichment import researcher_enrich, researchers_enrich_due
from tests.factories import JournalFactory, JournalSystemFactory, ResearcherFactory

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"
T0 = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def crossref(server):
    server.reset()
    server.crossref.set_clock(T0)
    system = JournalSystemFactory(key="crossref", platform="crossref", base_url=server.base_url,
                                  credentials={"mailto": "ops@press.example.org"})
    JournalFactory(journal_system=system, key="jas", platform_path="1234-5678")
    return server.crossref


def _publish(crossref, number: int, subjects: list[str], orcid: str = ORCID) -> None:
    crossref.add_work(f"10.5555/work.{number}", title=f"Work {number}", issn="9999-0000",
                      authors=[{"given": "Wei", "family": "Li", "ORCID": f"https://orcid.org/{orcid}"}],
                      published=f"2025-0{1 + number % 9}-01", subjects=subjects)


def test_works_count_and_subjects_come_from_every_publisher_by_the_proven_id(crossref):
    _publish(crossref, 1, ["Oncology", "Cancer Research"])
    _publish(crossref, 2, ["Oncology"])
    _publish(crossref, 3, [])
    _publish(crossref, 4, ["Botany"], orcid="0000-0001-5109-3700")  # someone else's
    researcher = ResearcherFactory(orcid=ORCID, orcid_verified_at=timezone.now())

    enrichment = researcher_enrich(researcher_id=researcher.pk)

    assert enrichment.works_count == 3
    assert enrichment.subjects == ["Oncology", "Cancer Research"]
    assert enrichment.source == "crossref" and enrichment.enriched_at and enrichment.error == ""


def test_a_typed_id_is_never_looked_up(crossref):
    _publish(crossref, 1, ["Oncology"])
    claimed = ResearcherFactory(orcid=ORCID)  # typed, never proven at ORCID
    assert researcher_enrich(researcher_id=claimed.pk) is None
    assert researchers_enrich_due() == {"enriched": 0, "stopped": 0}
    assert not ResearcherEnrichment.objects.exists()


def test_the_nightly_run_takes_the_stale_and_stops_when_crossref_fails(crossref, settings):
    _publish(crossref, 1, ["Oncology"])
    fresh = ResearcherFactory(orcid=ORCID, orcid_verified_at=timezone.now())
    stale = ResearcherFactory(orcid="0000-0001-5109-3700", orcid_verified_at=timezone.now())
    never = ResearcherFactory(orcid="0000-0003-1415-9269", orcid_verified_at=timezone.now())
    ResearcherEnrichment.objects.create(researcher=fresh, works_count=1, enriched_at=timezone.now())
    long_ago = timezone.now() - timedelta(days=settings.ENRICHMENT_REFRESH_DAYS + 1)
    ResearcherEnrichment.objects.create(researcher=stale, works_count=9, enriched_at=long_ago)

    assert researchers_enrich_due() == {"enriched": 2, "stopped": 0}
    assert ResearcherEnrichment.objects.get(researcher=stale).works_count == 0  # Crossref lists none of theirs now
    assert ResearcherEnrichment.objects.get(researcher=never).works_count == 0
    assert ResearcherEnrichment.objects.get(researcher=fresh).works_count == 1  # not due: untouched

    ResearcherEnrichment.objects.filter(researcher=never).update(enriched_at=None)
    crossref.inject_fault(500, times=5, path_contains="/works")
    assert researchers_enrich_due() == {"enriched": 0, "stopped": 1}
    assert "500" in ResearcherEnrichment.objects.get(researcher=never).error
    with pytest.raises(AuthorProfileUnavailable):
        researcher_enrich(researcher_id=never.pk)


def test_staff_look_a_researcher_up_again_from_admin(crossref, staff_client):
    from django.urls import reverse

    researcher = ResearcherFactory(orcid=ORCID, orcid_verified_at=timezone.now())
    enrichment = ResearcherEnrichment.objects.create(researcher=researcher, works_count=0)
    _publish(crossref, 1, ["Oncology"])

    staff_client.post(reverse("admin:tagging_researcherenrichment_changelist"),
                      {"action": "look_up_again", "_selected_action": [enrichment.pk]})

    enrichment.refresh_from_db()
    assert enrichment.works_count == 1 and enrichment.subjects == ["Oncology"]
