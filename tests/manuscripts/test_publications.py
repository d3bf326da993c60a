"""Crossref marks manuscripts published (by DOI, or by the researcher's ORCID iD and the title) and fills
the DOI and publication date; a Crossref account links only the researcher's ORCID iD proven at ORCID."""

from datetime import date
from itertools import groupby
from urllib.parse import unquote

import pytest
from django.utils import timezone

from accounts.linking import OrcidNotProven
from accounts.models import Researcher
from manuscripts.models import Manuscript, StatusEvent
from manuscripts.selectors import manuscripts_for_researcher
from manuscripts.services.linking import journal_account_link
from manuscripts.services.polling import account_sync
from manuscripts.services.publications import publications_check
from manuscripts.sync import snapshots_apply
from notifications.models import Notification
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher, snapshot

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"


@pytest.fixture
def tracked():
    """An OJS manuscript in production, seen by Li Wei's verified account."""
    system = make_journal_system()
    account = make_account(make_researcher("Li Wei"), system, email="li.wei@example.org", user_id="5")
    snapshots_apply(journal_system=system, seen_by=account,
                    snapshots=[snapshot("1", status="in_production", title="Soil Microbiome Shifts Under Drought")])
    return account, Manuscript.objects.get()


def test_a_doi_found_on_crossref_marks_the_manuscript_published(crossref, tracked, wechat_sandbox):
    account, manuscript = tracked
    Manuscript.objects.filter(pk=manuscript.pk).update(doi="10.5555/JAS.2026.7")
    wechat_sandbox.crossref.add_work("10.5555/jas.2026.7", "Soil Microbiome Shifts Under Drought", "1234-5678",
                                     published="2026-11-02")

    outcome = publications_check()

    manuscript.refresh_from_db()
    assert outcome.updated == 1
    assert manuscript.canonical_status == "published"
    assert manuscript.published_on == date(2026, 11, 2)
    assert StatusEvent.objects.filter(manuscript=manuscript, to_status="published").count() == 1
    assert Notification.objects.get().payload["to_status"] == "published"


def test_checking_again_writes_nothing(crossref, tracked, wechat_sandbox):
    _account, manuscript = tracked
    Manuscript.objects.filter(pk=manuscript.pk).update(doi="10.5555/jas.2026.7")
    wechat_sandbox.crossref.add_work("10.5555/jas.2026.7", "Soil", "1234-5678", published="2026-11-02")
    publications_check()

    assert publications_check().updated == 0
    assert StatusEvent.objects.filter(to_status="published").count() == 1


def test_an_unknown_doi_changes_nothing(crossref, tracked):
    _account, manuscript = tracked
    Manuscript.objects.filter(pk=manuscript.pk).update(doi="10.5555/not.yet")

    publications_check()

    assert Manuscript.objects.get(pk=manuscript.pk).canonical_status == "in_production"


def proven(researcher: Researcher) -> Researcher:
    """The researcher signed in at ORCID as ORCID (accounts.orcid stores exactly this)."""
    Researcher.objects.filter(pk=researcher.pk).update(orcid=ORCID, orcid_verified_at=timezone.now())
    return Researcher.objects.get(pk=researcher.pk)


def test_linking_crossref_with_the_proven_orcid_id_verifies_and_marks_the_manuscript(crossref, tracked,
                                                                                      wechat_sandbox):
    account, manuscript = tracked
    wechat_sandbox.crossref.add_work("10.5555/jas.2026.9", "Soil microbiome shifts under drought!", "1234-5678",
                                     authors=[{"given": "Wei", "family": "Li", "ORCID": ORCID}],
                                     published="2026-11-20")
    researcher = proven(Researcher.objects.get(pk=account.researcher_id))

    linked = journal_account_link(researcher=researcher, journal_system_id=crossref.pk, identity=ORCID)
    account_sync(account_id=linked.pk)

    assert linked.status == "verified" and linked.verification_method == "orcid_match"
    manuscript.refresh_from_db()
    assert manuscript.canonical_status == "published"
    assert manuscript.doi == "10.5555/jas.2026.9"
    assert Manuscript.objects.count() == 1  # no duplicate row for the same article


def test_a_typed_orcid_id_on_crossref_proves_nothing(crossref, tracked, wechat_sandbox):
    """Typing someone else's iD used to verify at once and show their manuscripts: now it is refused."""
    wechat_sandbox.crossref.add_work("10.5555/jas.2026.9", "Soil microbiome shifts under drought!", "1234-5678",
                                     authors=[{"given": "Wei", "family": "Li", "ORCID": ORCID}],
                                     published="2026-11-20")
    squatter = make_researcher("Mallory")
    Researcher.objects.filter(pk=squatter.pk).update(orcid=ORCID)  # typed on the profile, never proven

    with pytest.raises(OrcidNotProven):
        journal_account_link(researcher=Researcher.objects.get(pk=squatter.pk), journal_system_id=crossref.pk,
                             identity=ORCID)

    assert not squatter.journal_accounts.exists()


def test_a_published_work_no_platform_tracks_becomes_its_own_manuscript(crossref, wechat_sandbox):
    wechat_sandbox.crossref.add_work("10.5555/jas.2025.1", "An Older Paper", "1234-5678",
                                     authors=[{"given": "Wei", "family": "Li", "ORCID": ORCID}], published="2025-05")
    linked = journal_account_link(researcher=proven(make_researcher()), journal_system_id=crossref.pk,
                                  identity=ORCID)

    account_sync(account_id=linked.pk)

    manuscript = Manuscript.objects.get()
    assert manuscript.journal_system == crossref
    assert manuscript.canonical_status == "published"


def test_a_platform_lagging_behind_does_not_undo_publication(crossref, tracked, wechat_sandbox):
    account, manuscript = tracked
    Manuscript.objects.filter(pk=manuscript.pk).update(doi="10.5555/jas.2026.7")
    wechat_sandbox.crossref.add_work("10.5555/jas.2026.7", "Soil", "1234-5678", published="2026-11-02")
    publications_check()

    snapshots_apply(journal_system=account.journal_system, seen_by=account,
                    snapshots=[snapshot("1", status="in_production", minutes=10_000)])

    assert Manuscript.objects.get(pk=manuscript.pk).canonical_status == "published"


def test_an_article_another_platform_already_shows_published_is_the_crossref_readers_too(crossref, tracked,
                                                                                        wechat_sandbox):
    """A co-author's OJS account already brought the article in as published, with the DOI and date Crossref has:
    nothing of it changes, but the researcher linking Crossref with their proven iD sees it (public facts only)."""
    _coauthor_account, manuscript = tracked
    Manuscript.objects.filter(pk=manuscript.pk).update(canonical_status="published", doi="10.5555/jas.2026.9",
                                                       published_on=date(2026, 11, 20))
    wechat_sandbox.crossref.add_work("10.5555/jas.2026.9", "Soil Microbiome Shifts Under Drought", "1234-5678",
                                     authors=[{"given": "Wei", "family": "Li", "ORCID": ORCID}],
                                     published="2026-11-20")
    reader = proven(make_researcher("Reader"))
    linked = journal_account_link(researcher=reader, journal_system_id=crossref.pk, identity=ORCID)

    outcome = account_sync(account_id=linked.pk)

    assert (outcome.unchanged, outcome.updated, outcome.created) == (1, 0, 0)
    assert list(manuscripts_for_researcher(researcher=reader).values_list("pk", "editorial_view")) == [
        (manuscript.pk, False)]
    assert StatusEvent.objects.filter(manuscript=manuscript).count() == 1  # nothing added by Crossref


# --- every DOI gets its turn -----------------------------------------------------------------------------------

def looked_up(wechat_sandbox) -> list[str]:
    """The DOIs Crossref was asked about (GET /works/{doi}), in order."""
    return [unquote(call["path"].removeprefix("/works/")) for call in wechat_sandbox.crossref.calls()
            if call["endpoint"] == "GET /works/{doi}"]


@pytest.fixture
def five_in_production():
    """Five manuscripts in production with DOIs Crossref does not know yet (so they all stay waiting)."""
    system = make_journal_system()
    account = make_account(make_researcher("Li Wei"), system, email="li.wei@example.org", user_id="5")
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot(str(number), status="in_production", title=f"Paper {number}", minutes=number)
        for number in range(1, 6)])
    dois = [f"10.5555/jas.2026.{number}" for number in range(1, 6)]
    for number, doi in enumerate(dois, start=1):
        Manuscript.objects.filter(platform_id=str(number)).update(doi=doi)
    return dois


def test_runs_with_a_limit_smaller_than_the_waiting_set_cover_every_doi_in_turn(crossref, five_in_production,
                                                                                wechat_sandbox):
    for _run in range(3):
        publications_check(limit=2)

    assert looked_up(wechat_sandbox) == [*five_in_production, five_in_production[0]]
    assert all(Manuscript.objects.values_list("publication_checked_at", flat=True))


def test_a_doi_whose_lookup_keeps_failing_does_not_hold_back_the_others(crossref, five_in_production,
                                                                        wechat_sandbox):
    wechat_sandbox.crossref.inject_fault(500, times=100, path_contains="jas.2026.1")

    publications_check(limit=5)  # stops at the first DOI: Crossref fails (after its retries)
    publications_check(limit=5)

    lookups = [doi for doi, _retries in groupby(looked_up(wechat_sandbox))]
    assert lookups == [five_in_production[0], *five_in_production[1:], five_in_production[0]]
