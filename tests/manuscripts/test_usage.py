"""Views and downloads of published manuscripts: the OJS connector reads OJS's usage statistics API (through the
OJS sandbox over real HTTP, with a manager's token), the weekly refresh writes them, and the API shows them —
null for platforms without a usage API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from manuscripts.connectors.base import PlatformAuthError, PlatformConfig, UsageCounts
from manuscripts.connectors.ojs import OjsConnector
from manuscripts.connectors.registry import platforms_with_usage
from manuscripts.models import Manuscript, ManuscriptAccess
from manuscripts.services.impact import usage_refresh
from tests.factories import JournalAccountFactory, JournalFactory, JournalSystemFactory, ManuscriptFactory

TOKEN = "publisher-manager-token"
T0 = datetime(2026, 10, 1, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def ojs(server):
    server.reset()
    server.ojs.set_clock(T0)
    return server.ojs


def site(ojs, version: str = "3.4") -> tuple[int, list[int]]:
    """Journal jas with author Li Wei and two published articles: one read (abstract and galleys), one not."""
    ojs.add_site("jas", version=version, manager_token=TOKEN)
    author = ojs.add_user("jas", username="liwei", email="li@example.org", given_name="Wei", family_name="Li")
    read, unread = (ojs.add_submission("jas", title=title, authors=[author], status=3, stage_id=5,
                                       date_published=date(2026, 3, 1)) for title in ("Read", "Unread"))
    ojs.add_usage("jas", read, abstract=120, pdf=30, html=12, other=3, day=date(2026, 8, 1))
    ojs.add_usage("jas", read, abstract=8, pdf=2)
    return author, [read, unread]


def connector(server, token: str = TOKEN) -> OjsConnector:
    return OjsConnector(PlatformConfig(key="demo-ojs", platform="ojs", base_url=server.base_url,
                                       credentials={"token": token}, timeout_seconds=2.0,
                                       journal_paths={"jas": "jas"}))


@pytest.mark.parametrize("version", ["3.3", "3.4", "3.5"])
def test_views_are_abstract_views_and_downloads_are_galley_views(server, ojs, version) -> None:
    _author, (read, unread) = site(ojs, version)

    counts = connector(server).usage_counts("jas", [str(read), str(unread)])

    assert counts == {str(read): UsageCounts(views=128, downloads=47), str(unread): UsageCounts(views=0, downloads=0)}
    assert ojs.call_count("jas", "GET /stats/publications") == 1  # both in one request


def test_an_authors_token_is_refused_with_a_clear_error(server, ojs) -> None:
    author, (read, _unread) = site(ojs)

    with pytest.raises(PlatformAuthError) as refused:
        connector(server, token=ojs.token_for(author)).usage_counts("jas", [str(read)])

    message = str(refused.value)
    assert "user.authorization.roleBasedAccessDenied" in message
    assert "journal manager's, section editor's or site admin's API token" in message


def test_only_ojs_reports_usage() -> None:
    assert platforms_with_usage() == ["ojs"]


# --- the weekly refresh and the API ---------------------------------------------------------------------------


@pytest.fixture
def ojs_system(server, ojs):
    system = JournalSystemFactory(key="demo-ojs", platform="ojs", base_url=server.base_url,
                                  credentials={"token": TOKEN})
    return system, JournalFactory(journal_system=system, key="jas", platform_path="jas")


@pytest.mark.django_db
def test_the_refresh_reads_published_ojs_manuscripts_once_a_week(ojs, ojs_system, settings) -> None:
    system, journal = ojs_system
    _author, (read, unread) = site(ojs)
    read_row, unread_row = (ManuscriptFactory(journal_system=system, journal=journal, platform_id=str(pid),
                                              canonical_status="published") for pid in (read, unread))
    in_review = ManuscriptFactory(journal_system=system, journal=journal, platform_id="77")
    scholarone = ManuscriptFactory(journal_system=JournalSystemFactory(platform="scholarone"),
                                   canonical_status="published")

    assert usage_refresh() == 2

    for row in (read_row, unread_row, in_review, scholarone):
        row.refresh_from_db()
    assert (read_row.views, read_row.downloads) == (128, 47)
    assert (unread_row.views, unread_row.downloads) == (0, 0)
    assert (in_review.views, in_review.usage_checked_at, scholarone.views, scholarone.usage_checked_at) \
        == (None, None, None, None)
    assert usage_refresh() == 0  # read this week already

    ojs.add_usage("jas", read, abstract=2, html=5)
    Manuscript.objects.filter(pk=read_row.pk).update(
        usage_checked_at=timezone.now() - timedelta(days=settings.USAGE_REFRESH_DAYS + 1))
    assert usage_refresh() == 1
    read_row.refresh_from_db()
    assert (read_row.views, read_row.downloads) == (130, 52)


@pytest.mark.django_db
def test_a_refused_token_stamps_nothing_and_the_next_run_reads(ojs, ojs_system) -> None:
    system, journal = ojs_system
    author, (read, _unread) = site(ojs)
    row = ManuscriptFactory(journal_system=system, journal=journal, platform_id=str(read),
                            canonical_status="published")
    system.credentials = {"token": ojs.token_for(author)}
    system.save()

    assert usage_refresh() == 0
    row.refresh_from_db()
    assert (row.views, row.usage_checked_at) == (None, None)

    system.credentials = {"token": TOKEN}
    system.save()
    assert usage_refresh() == 1
    row.refresh_from_db()
    assert row.views == 128


@pytest.mark.django_db
def test_the_api_shows_views_and_downloads_and_null_where_the_platform_has_none(ojs, ojs_system,
                                                                                researcher_client) -> None:
    client, body = researcher_client
    system, journal = ojs_system
    _author, (read, _unread) = site(ojs)
    on_ojs = ManuscriptFactory(journal_system=system, journal=journal, platform_id=str(read),
                               canonical_status="published")
    on_scholarone = ManuscriptFactory(journal_system=JournalSystemFactory(platform="scholarone"),
                                      canonical_status="published")
    for manuscript in (on_ojs, on_scholarone):
        account = JournalAccountFactory(researcher_id=body["researcher"]["id"],
                                        journal_system=manuscript.journal_system)
        ManuscriptAccess.objects.create(journal_account=account, manuscript=manuscript)
    usage_refresh()

    items = {item["id"]: item for item in client.get("/api/v1/manuscripts").json()["results"]}
    assert (items[on_ojs.pk]["views"], items[on_ojs.pk]["downloads"]) == (128, 47)
    assert (items[on_scholarone.pk]["views"], items[on_scholarone.pk]["downloads"]) == (None, None)
    detail = client.get(f"/api/v1/manuscripts/{on_ojs.pk}").json()
    assert (detail["views"], detail["downloads"]) == (128, 47)


@pytest.mark.django_db
def test_the_weekly_task_refreshes_usage_beside_the_citations(ojs, ojs_system, settings) -> None:
    from manuscripts.tasks import refresh_usage
    from publisher_backend.celery import app

    system, journal = ojs_system
    _author, (read, _unread) = site(ojs)
    row = ManuscriptFactory(journal_system=system, journal=journal, platform_id=str(read),
                            canonical_status="published")

    assert refresh_usage() == 1
    row.refresh_from_db()
    assert (row.views, row.downloads) == (128, 47)
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name in ("manuscripts-refresh-usage", "manuscripts-impact-digests"):
        assert schedule[name]["task"] in app.tasks
    assert schedule["manuscripts-refresh-usage"]["schedule"].day_of_week \
        == schedule["manuscripts-refresh-citations"]["schedule"].day_of_week
    assert schedule["manuscripts-impact-digests"]["schedule"].day_of_month == {1}
