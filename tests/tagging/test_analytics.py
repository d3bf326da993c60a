"""Audience analytics: each figure on known data (exact numbers), counted in one SQL query, then read from the
cache."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.models import JournalAccountStatus
from manuscripts.models import ManuscriptAccess
from tagging.models import (
    AssignmentSource,
    Campaign,
    CampaignDelivery,
    CampaignVariant,
    Channel,
    DeliveryState,
    JournalFollow,
    TagGroup,
)
from tagging.regions import region_of
from tagging.selectors import analytics
from tagging.services.tags import tag_create, tags_assign
from tests.factories import (
    JournalAccountFactory,
    JournalFactory,
    JournalSystemFactory,
    ManuscriptFactory,
    ResearcherFactory,
)

pytestmark = pytest.mark.django_db


def _weeks_ago(weeks: int) -> datetime:
    """Noon on this week's Wednesday (Beijing time), `weeks` weeks back."""
    today = timezone.localdate()
    wednesday = today - timedelta(days=today.weekday()) + timedelta(days=2) - timedelta(weeks=weeks)
    return timezone.make_aware(datetime.combine(wednesday, time(12)))


@pytest.fixture
def audience():
    """Seven researchers with known institutions, languages, sign-up weeks and tags."""
    people = {
        "tsinghua": ResearcherFactory(institution="清华大学", created_at=_weeks_ago(0)),
        "zju": ResearcherFactory(institution="Zhejiang University", language="en", created_at=_weeks_ago(0)),
        "declared_gd": ResearcherFactory(institution="某研究所", created_at=_weeks_ago(1)),
        "overseas": ResearcherFactory(institution="", created_at=_weeks_ago(5)),
        "pku": ResearcherFactory(institution="北京大学 ", created_at=_weeks_ago(5)),
        "acme": ResearcherFactory(institution="Acme Labs", created_at=_weeks_ago(5)),
        "tsinghua_2": ResearcherFactory(institution="清华大学", language="en", created_at=_weeks_ago(20)),
    }
    oncology = tag_create(slug="oncology", name_en="Oncology", name_zh_hans="肿瘤学", group=TagGroup.SUBJECT)
    ecology = tag_create(slug="ecology", name_en="Ecology", name_zh_hans="生态学", group=TagGroup.SUBJECT)
    reviewer = tag_create(slug="reviewer", name_en="Reviewer", name_zh_hans="审稿人", group=TagGroup.ROLE)
    guangdong = tag_create(slug="region-gd", name_en="South China", name_zh_hans="广东", group=TagGroup.REGION)
    overseas = tag_create(slug="overseas", name_en="Overseas", name_zh_hans="海外", group=TagGroup.REGION)

    def tag(tag_, *names, **options):
        tags_assign(tag=tag_, researcher_ids=[people[name].pk for name in names], source=AssignmentSource.STAFF,
                    actor="test", **options)

    tag(oncology, "tsinghua", "zju", "declared_gd")
    tag(ecology, "tsinghua")
    tag(ecology, "pku", expires_at=timezone.now() - timedelta(days=1))  # expired: not carried
    tag(reviewer, "zju")
    tag(guangdong, "declared_gd")
    tag(overseas, "overseas")
    return people


@pytest.fixture
def journals():
    """Two OJS journals and a Janeway one; manuscripts with known statuses and authors."""
    ojs, janeway = JournalSystemFactory(key="ojs", platform="ojs"), JournalSystemFactory(key="jw", platform="janeway")
    jas = JournalFactory(journal_system=ojs, key="jas", name_en="Journal of Applied Science",
                         name_zh_hans="应用科学学报")
    JournalFactory(journal_system=ojs, key="quiet", platform_path="quiet", name_en="Quiet Journal", name_zh_hans="")
    eco = JournalFactory(journal_system=janeway, key="eco", name_en="Ecology Letters", name_zh_hans="生态通讯")
    ada, bo, cy = ResearcherFactory(), ResearcherFactory(), ResearcherFactory()
    ada_ojs = JournalAccountFactory(researcher=ada, journal_system=ojs)
    bo_ojs = JournalAccountFactory(researcher=bo, journal_system=ojs)
    bo_janeway = JournalAccountFactory(researcher=bo, journal_system=janeway)
    cy_pending = JournalAccountFactory(researcher=cy, journal_system=ojs, status=JournalAccountStatus.PENDING)

    def manuscript(journal, status, *accounts):
        made = ManuscriptFactory(journal_system=journal.journal_system, journal=journal, canonical_status=status)
        for account in accounts:
            ManuscriptAccess.objects.create(manuscript=made, journal_account=account)
        return made

    manuscript(jas, "accepted", ada_ojs)
    manuscript(jas, "rejected", ada_ojs, bo_ojs)
    manuscript(jas, "under_review", bo_ojs)
    manuscript(jas, "withdrawn", ada_ojs)
    manuscript(jas, "published", cy_pending)  # no verified author: not ours
    manuscript(eco, "in_production", bo_janeway)
    manuscript(eco, "rejected", ada_ojs)  # an account on another system: not an authorship
    return {"jas": jas, "eco": eco, "ada": ada, "bo": bo}


def _once_then_cached(django_assert_num_queries, figure):
    with django_assert_num_queries(1):
        first = figure()
    with django_assert_num_queries(0):
        assert figure() == first
    return first


def test_researchers_by_tag_group_counts_each_researcher_once_per_group_and_leaves_expired_tags_out(
        audience, django_assert_num_queries):
    groups = _once_then_cached(django_assert_num_queries, analytics.researchers_by_tag_group)

    assert groups == [
        {"group": "subject", "researchers": 3, "tags": [
            {"slug": "oncology", "name_en": "Oncology", "name_zh_hans": "肿瘤学", "researchers": 3},
            {"slug": "ecology", "name_en": "Ecology", "name_zh_hans": "生态学", "researchers": 1}]},
        {"group": "region", "researchers": 2, "tags": [
            {"slug": "overseas", "name_en": "Overseas", "name_zh_hans": "海外", "researchers": 1},
            {"slug": "region-gd", "name_en": "South China", "name_zh_hans": "广东", "researchers": 1}]},
        {"group": "role", "researchers": 1, "tags": [
            {"slug": "reviewer", "name_en": "Reviewer", "name_zh_hans": "审稿人", "researchers": 1}]},
    ]


def test_top_tags_per_group_are_cut_at_the_limit(audience):
    subject = analytics.researchers_by_tag_group(top=1)[0]

    assert subject["researchers"] == 3
    assert [tag["slug"] for tag in subject["tags"]] == ["oncology"]


def test_researchers_by_institution_groups_names_as_typed_without_surrounding_spaces(
        audience, django_assert_num_queries):
    institutions = _once_then_cached(django_assert_num_queries, lambda: analytics.researchers_by_institution(limit=3))

    assert institutions == [{"institution": "清华大学", "researchers": 2},
                            {"institution": "", "researchers": 1},
                            {"institution": "Acme Labs", "researchers": 1}]
    assert {"institution": "北京大学", "researchers": 1} in analytics.researchers_by_institution(limit=10)


def test_researchers_by_region_prefers_the_declared_region_then_the_institution(audience, django_assert_num_queries):
    regions = _once_then_cached(django_assert_num_queries, analytics.researchers_by_region)

    assert regions == [
        {"region": "beijing", "name_zh_hans": "北京", "name_en": "Beijing", "researchers": 3, "declared": 0},
        {"region": "guangdong", "name_zh_hans": "广东", "name_en": "Guangdong", "researchers": 1, "declared": 1},
        {"region": "tag:overseas", "name_zh_hans": "海外", "name_en": "Overseas", "researchers": 1, "declared": 1},
        {"region": "zhejiang", "name_zh_hans": "浙江", "name_en": "Zhejiang", "researchers": 1, "declared": 0},
        {"region": "unknown", "name_zh_hans": "", "name_en": "", "researchers": 1, "declared": 0},
    ]


@pytest.mark.parametrize(("institution", "region"), [
    ("北京大学深圳研究生院", "beijing"),  # the parent institution wins over the city of its campus
    ("中山大学", "guangdong"),
    ("Sun Yat-sen University", "guangdong"),
    ("西安交通大学", "shaanxi"),
    ("Xiangtan University", "unknown"),  # not Xi'an
    ("山西大学", "shanxi"),
    ("陕西师范大学", "shaanxi"),
    ("中国科学院上海有机化学研究所", "shanghai"),
    ("The Hong Kong University of Science and Technology", "hong_kong"),
    ("", "unknown"),
])
def test_the_region_of_an_institution_comes_from_the_table(institution, region):
    assert region_of(institution) == region


def test_researchers_by_language_lists_every_language(audience, django_assert_num_queries):
    languages = _once_then_cached(django_assert_num_queries, analytics.researchers_by_language)

    assert languages == [{"language": "zh-hans", "researchers": 5}, {"language": "en", "researchers": 2}]


def test_researchers_by_platform_counts_verified_accounts_only(journals, django_assert_num_queries):
    platforms = _once_then_cached(django_assert_num_queries, analytics.researchers_by_platform)

    assert {row["platform"]: (row["researchers"], row["accounts"]) for row in platforms} == {
        "ojs": (2, 2), "janeway": (1, 1), "scholarone": (0, 0), "editorial_manager": (0, 0), "crossref": (0, 0),
        "file_export": (0, 0)}


def test_growth_counts_new_researchers_per_iso_week_with_empty_weeks_as_zero(audience, django_assert_num_queries):
    growth = _once_then_cached(django_assert_num_queries, lambda: analytics.researchers_growth_by_week(weeks=6))

    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    mondays = [monday - timedelta(weeks=back) for back in range(5, -1, -1)]
    assert growth == [{"week": f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}", "starts_on": day.isoformat(),
                       "new_researchers": count} for day, count in zip(mondays, [3, 0, 0, 0, 1, 2], strict=True)]


def test_journal_authors_are_researchers_with_a_verified_account_on_the_journals_own_system(
        journals, django_assert_num_queries):
    authors = _once_then_cached(django_assert_num_queries, analytics.journal_authors)

    assert authors == {journals["jas"].pk: 2, journals["eco"].pk: 1}


def test_acceptance_rate_is_accepted_over_decided_among_our_researchers_manuscripts(
        journals, django_assert_num_queries):
    acceptance = _once_then_cached(django_assert_num_queries, analytics.journal_acceptance)

    assert acceptance == {journals["jas"].pk: {"decided": 2, "accepted": 1, "rate": 0.5},
                          journals["eco"].pk: {"decided": 1, "accepted": 1, "rate": 1.0}}


def test_journal_figures_list_every_journal(journals, django_assert_num_queries):
    with django_assert_num_queries(5):  # journals, authors, acceptance, followers, campaign reach
        rows = analytics.journal_figures()
    with django_assert_num_queries(0):
        assert analytics.journal_figures() == rows

    by_key = {row["key"]: row for row in rows}
    assert [row["key"] for row in rows] == ["eco", "jas", "quiet"]  # by journal system key, then key
    assert by_key["jas"] == {
        "journal_id": journals["jas"].pk, "key": "jas", "name_en": "Journal of Applied Science",
        "name_zh_hans": "应用科学学报", "followers": 0, "authors": 2, "decided": 2, "accepted": 1,
        "acceptance_rate": 0.5, "campaign_reached": 0, "campaign_opened": 0}
    assert (by_key["quiet"]["authors"], by_key["quiet"]["decided"], by_key["quiet"]["acceptance_rate"]) == (0, 0, None)


def test_journal_followers_are_counted(journals):
    JournalFollow.objects.create(researcher=journals["ada"], journal=journals["jas"])
    JournalFollow.objects.create(researcher=journals["bo"], journal=journals["jas"])
    JournalFollow.objects.create(researcher=journals["bo"], journal=journals["eco"])

    assert analytics.journal_followers() == {journals["jas"].pk: 2, journals["eco"].pk: 1}


def test_campaign_reach_counts_each_researcher_once_per_journal_and_their_opens(journals):
    def campaign(journal=None):
        return Campaign.objects.create(name="c", audience={"language": "en"}, title_zh_hans="t", body_zh_hans="b",
                                       journal=journal)

    for_jas, general = campaign(journals["jas"]), campaign()
    eco_words = CampaignVariant.objects.create(campaign=general, journal=journals["eco"], title_zh_hans="e",
                                               body_zh_hans="e")
    deliver = CampaignDelivery.objects.create
    deliver(campaign=for_jas, researcher=journals["ada"], channel=Channel.IN_APP, state=DeliveryState.DELIVERED,
            opened_at=timezone.now())
    deliver(campaign=for_jas, researcher=journals["ada"], channel=Channel.OFFICIAL_ACCOUNT,
            state=DeliveryState.DELIVERED)
    deliver(campaign=for_jas, researcher=journals["bo"], channel=Channel.OFFICIAL_ACCOUNT,
            state=DeliveryState.SKIPPED)  # reached nobody
    deliver(campaign=general, researcher=journals["bo"], channel=Channel.IN_APP, state=DeliveryState.DELIVERED,
            variant=eco_words)
    deliver(campaign=general, researcher=journals["ada"], channel=Channel.IN_APP, state=DeliveryState.DELIVERED)

    assert analytics.journal_campaign_reach() == {journals["jas"].pk: {"reached": 1, "opened": 1},
                                                  journals["eco"].pk: {"reached": 1, "opened": 0}}


def test_a_figure_is_counted_again_once_its_cache_entry_is_gone(audience, django_assert_num_queries):
    from django.core.cache import cache

    assert analytics.researchers_by_language()[0]["researchers"] == 5
    ResearcherFactory()
    assert analytics.researchers_by_language()[0]["researchers"] == 5  # cached

    cache.delete(analytics.audience_cache_key("languages"))

    assert analytics.researchers_by_language()[0]["researchers"] == 6


def test_figures_of_an_empty_database_are_empty_lists_and_zeros(django_assert_num_queries):
    assert analytics.researchers_by_tag_group() == []
    assert analytics.researchers_by_institution() == []
    assert analytics.researchers_by_region() == []
    assert analytics.researchers_by_language() == [{"language": "zh-hans", "researchers": 0},
                                                   {"language": "en", "researchers": 0}]
    assert all(row["new_researchers"] == 0 for row in analytics.researchers_growth_by_week())
    assert analytics.journal_figures() == []
