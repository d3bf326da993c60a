"""The monthly impact digest: one inbox-only notice per researcher whose published articles grew since their last
digest, in their language, listing each article; idempotent per (researcher, month); nothing when nothing grew."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from manuscripts.models import ImpactDigestRun, ImpactSnapshot, Manuscript, ManuscriptAccess
from manuscripts.services.impact_digest import digest_month_for, impact_digests_send
from notifications.models import Notification, NotificationState
from tests.factories import (
    JournalAccountFactory,
    JournalFactory,
    JournalSystemFactory,
    ManuscriptFactory,
    ResearcherFactory,
)

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
DECEMBER_1ST = datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)  # the digest of November 2026
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def journal():
    return JournalFactory(journal_system=JournalSystemFactory(platform="ojs"))


def authored(researcher, journal, *, title: str, published_on: date, titles: dict | None = None,
             snapshot: tuple | None = None, **numbers) -> Manuscript:
    """A published manuscript the researcher authors, with its numbers now and (citations, views, downloads) as the
    researcher's last digest saw them."""
    manuscript = ManuscriptFactory(journal_system=journal.journal_system, journal=journal, title=title,
                                   titles=titles or {"en": title}, canonical_status="published",
                                   published_on=published_on, **numbers)
    account = (researcher.journal_accounts.filter(journal_system=journal.journal_system).first()
               or JournalAccountFactory(researcher=researcher, journal_system=journal.journal_system))
    ManuscriptAccess.objects.create(journal_account=account, manuscript=manuscript)
    if snapshot is not None:
        citations, views, downloads = snapshot
        ImpactSnapshot.objects.create(researcher=researcher, manuscript=manuscript, citations=citations, views=views,
                                      downloads=downloads, month=date(2026, 10, 1))
    return manuscript


@pytest.fixture
def authors(journal):
    """Wang (zh): three articles grew (one new this month), one did not, one old article is seen for the first
    time. Smith (en): one citation more. Quiet (zh): nothing grew."""
    wang = ResearcherFactory(language="zh-hans")
    m1 = authored(wang, journal, title="Drought and Soil", titles={"en": "Drought and Soil", "zh-hans": "干旱与土壤"},
                  published_on=date(2025, 5, 1), citations=5, views=300, downloads=100, snapshot=(3, 100, 40))
    m2 = authored(wang, journal, title="Nitrogen Cycling", published_on=date(2025, 6, 1), citations=4, views=10,
                  downloads=65, snapshot=(1, 10, 5))
    m3 = authored(wang, journal, title="Glacier Mass", published_on=date(2026, 11, 20), citations=0, views=50,
                  downloads=None)
    authored(wang, journal, title="Unchanged", published_on=date(2024, 1, 1), citations=9, views=9, downloads=9,
             snapshot=(9, 9, 9))
    authored(wang, journal, title="Old, first seen", published_on=date(2024, 1, 1), citations=30, views=900,
             downloads=400)
    smith = ResearcherFactory(language="en")
    authored(smith, journal, title="Coastal Erosion", published_on=date(2025, 1, 1), citations=2, views=None,
             downloads=None, snapshot=(1, None, None))
    quiet = ResearcherFactory(language="zh-hans")
    authored(quiet, journal, title="Quiet Paper", published_on=date(2025, 1, 1), citations=1, views=5, downloads=2,
             snapshot=(1, 5, 2))
    return {"wang": wang, "smith": smith, "quiet": quiet, "m1": m1, "m2": m2, "m3": m3}


def test_the_digest_covers_the_month_before_in_beijing_time():
    assert digest_month_for(DECEMBER_1ST) == NOVEMBER
    assert digest_month_for(datetime(2027, 1, 1, 0, 30, tzinfo=BEIJING)) == date(2026, 12, 1)


def test_each_researcher_whose_articles_grew_gets_one_localized_inbox_notice(authors):
    assert impact_digests_send(now=DECEMBER_1ST) == 2

    wang = Notification.objects.get(researcher=authors["wang"])
    assert wang.title == "2026年11月：3 篇论文新增被引 5 次、浏览 250 次、下载 120 次"
    assert wang.body == ("《Nitrogen Cycling》：被引 3 次、下载 60 次\n"
                         "《干旱与土壤》：被引 2 次、浏览 200 次、下载 60 次\n"
                         "《Glacier Mass》：浏览 50 次")
    assert (wang.kind, wang.page, wang.dedupe_key) == ("impact_digest", "pages/home/home",
                                                       f"impact_digest:{authors['wang'].pk}:2026-11")
    assert wang.payload["totals"] == {"citations": 5, "views": 250, "downloads": 120}
    assert [article["manuscript_id"] for article in wang.payload["articles"]] == [
        authors["m2"].pk, authors["m1"].pk, authors["m3"].pk]
    # Inbox only: settled at once, never sent to WeChat, no credit spent.
    assert (wang.state, wang.credit_spent, wang.template_id) == (NotificationState.SKIPPED, False, "")

    smith = Notification.objects.get(researcher=authors["smith"])
    assert (smith.title, smith.body) == ("November 2026: 1 article gained 1 citation", "Coastal Erosion: 1 citation")
    assert not Notification.objects.filter(researcher=authors["quiet"]).exists()


def test_every_article_is_recorded_for_the_next_digest(authors):
    impact_digests_send(now=DECEMBER_1ST)

    recorded = {snapshot.manuscript.title: (snapshot.citations, snapshot.views, snapshot.downloads, snapshot.month)
                for snapshot in ImpactSnapshot.objects.filter(researcher=authors["wang"]).select_related("manuscript")}
    assert recorded["Old, first seen"] == (30, 900, 400, NOVEMBER)  # silently: years of counts are not a month's
    assert recorded["Glacier Mass"] == (0, 50, None, NOVEMBER)


def test_running_twice_sends_nothing_more(authors):
    assert impact_digests_send(now=DECEMBER_1ST) == 2
    Manuscript.objects.filter(pk=authors["m1"].pk).update(citations=50)  # grows again before the rerun

    assert impact_digests_send(now=DECEMBER_1ST) == 0

    assert Notification.objects.filter(kind="impact_digest").count() == 2
    run = ImpactDigestRun.objects.get(month=NOVEMBER)
    assert run.notified == 2 and run.finished_at is not None
    # What grew after the month's digest waits for the next one.
    assert impact_digests_send(now=datetime(2027, 1, 1, 10, 0, tzinfo=BEIJING)) == 1
    december = Notification.objects.get(researcher=authors["wang"], dedupe_key__endswith=":2026-12")
    assert december.title == "2026年12月：1 篇论文新增被引 45 次"


def test_a_run_stopped_between_batches_goes_on_where_it_stopped(authors, settings):
    settings.IMPACT_DIGEST_BATCH_SIZE = 1
    first = min(authors["wang"].pk, authors["smith"].pk, authors["quiet"].pk)
    ImpactDigestRun.objects.create(month=NOVEMBER, last_researcher_id=first)  # the first batch was done

    impact_digests_send(now=DECEMBER_1ST)

    assert not Notification.objects.filter(researcher_id=first).exists()
    assert ImpactDigestRun.objects.get(month=NOVEMBER).finished_at is not None


def test_nothing_is_sent_when_nothing_grew(journal):
    researcher = ResearcherFactory(language="en")
    authored(researcher, journal, title="Steady", published_on=date(2025, 1, 1), citations=4, views=40,
             downloads=None, snapshot=(4, 41, None))  # views fell (a platform recount): recorded, not reported

    assert impact_digests_send(now=DECEMBER_1ST) == 0
    assert not Notification.objects.exists()
    assert ImpactSnapshot.objects.get(researcher=researcher).views == 40


def test_a_long_list_ends_with_how_many_more(journal):
    researcher = ResearcherFactory(language="en")
    for n in range(12):
        authored(researcher, journal, title=f"A rather long article title about soil number {n:02d} " + "x" * 20,
                 published_on=date(2025, 1, 1), citations=n + 1, views=None, downloads=None, snapshot=(0, None, None))

    impact_digests_send(now=DECEMBER_1ST)

    notice = Notification.objects.get(researcher=researcher)
    assert notice.title == "November 2026: 12 articles gained 78 citations"
    assert len(notice.body) <= 500
    assert notice.body.startswith("A rather long article title about soil number 11")
    assert notice.body.endswith("more articles")
    assert len(notice.payload["articles"]) == 12


def test_a_batch_costs_the_same_queries_however_many_researchers_it_holds(journal):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run_with(researchers: int, now: datetime) -> int:
        for n in range(researchers):
            researcher = ResearcherFactory(language="en")
            for title in ("One", "Two"):
                authored(researcher, journal, title=f"{title} {n}", published_on=date(2025, 1, 1), citations=3,
                         views=None, downloads=None, snapshot=(1, None, None))
        with CaptureQueriesContext(connection) as queries:
            impact_digests_send(now=now)
        return len(queries)

    few = run_with(2, DECEMBER_1ST)
    Notification.objects.all().delete()
    ImpactSnapshot.objects.update(citations=1)
    many = run_with(10, datetime(2027, 1, 1, 10, 0, tzinfo=BEIJING))
    assert many == few
