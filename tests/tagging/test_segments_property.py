"""For random expressions over random small worlds (tags with and without expiry, journals whose keys repeat across
systems, manuscripts in every status, verified and pending accounts on several platforms, languages, last-seen
times), the segment's SQL holds exactly the researchers a plain Python reading of the grammar picks: read from the
researchers' facts (PostgreSQL) and from the source tables (what SQLite runs), each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import JournalAccountStatus
from manuscripts.models import ManuscriptAccess
from tagging.models import Tag, TagAssignment
from tagging.services import segments
from tagging.services.segments import segment_count, segment_parse, segment_researchers
from tests.factories import (
    JournalAccountFactory,
    JournalFactory,
    JournalSystemFactory,
    ManuscriptFactory,
    ResearcherFactory,
)
from tests.tagging.facts_helpers import facts_as_refreshed_before_lapse

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TAGS = ["t0", "t1", "t2"]
SYSTEMS = [("s0", "ojs"), ("s1", "scholarone"), ("s2", "ojs")]
JOURNALS = [(0, "ja"), (1, "ja"), (1, "jb"), (2, "jc")]  # (system index, key): "ja" is in two systems
JOURNAL_REFERENCES = ["ja", "jb", "jc", "s0/ja", "s1/ja", "s1/jb", "s2/jc"]
STATUSES = ["submitted", "under_review", "accepted", "published", "rejected"]
PLATFORMS = ["ojs", "scholarone", "crossref"]
MOMENTS = [BASE + timedelta(days=days) for days in (-2, 0, 2)]
# "lapsed": expired after the researcher's facts were last refreshed (the facts still list it, checked until then)
EXPIRY = {"none": None, "past": timedelta(days=-1), "future": timedelta(days=1), "lapsed": timedelta(hours=-1)}

researchers_st = st.lists(st.fixed_dictionaries({
    "language": st.sampled_from(["en", "zh-hans"]),
    "last_seen_at": st.none() | st.sampled_from([BASE + timedelta(days=days) for days in (-3, -2, 0, 1, 2, 3)]),
    "tags": st.dictionaries(st.sampled_from(TAGS), st.sampled_from(list(EXPIRY)), max_size=3),
    # (system index, verified?) per account
    "accounts": st.lists(st.tuples(st.integers(0, len(SYSTEMS) - 1), st.booleans()), max_size=2),
}), max_size=6)
manuscripts_st = st.lists(st.tuples(st.integers(0, len(JOURNALS) - 1), st.sampled_from(STATUSES)), max_size=4)
# (account index among all accounts, manuscript index), both taken modulo what exists
accesses_st = st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), max_size=8)

@pytest.fixture(params=[True, False], ids=["facts", "source tables"])
def reads_facts(request, monkeypatch):
    monkeypatch.setattr(segments, "researcher_facts_exist", lambda: request.param)
    return request.param


leaves = st.one_of(
    st.builds(lambda slug: {"tag": slug}, st.sampled_from(TAGS)),
    st.builds(lambda key: {"journal": key}, st.sampled_from(JOURNAL_REFERENCES)),
    st.builds(lambda status: {"status": status}, st.sampled_from(STATUSES)),
    st.builds(lambda platform: {"platform": platform}, st.sampled_from(PLATFORMS)),
    st.builds(lambda language: {"language": language}, st.sampled_from(["en", "zh-hans"])),
    st.builds(lambda moment: {"active_since": moment.isoformat()}, st.sampled_from(MOMENTS)),
)
expressions = st.recursive(leaves, lambda children: st.one_of(
    st.builds(lambda items: {"all": items}, st.lists(children, max_size=3)),
    st.builds(lambda items: {"any": items}, st.lists(children, max_size=3)),
    st.builds(lambda child: {"not": child}, children),
), max_leaves=8)


def evaluate(expression: dict, person: dict, now: datetime) -> bool:
    """The grammar read plainly, on one researcher's facts."""
    (operator, argument), = expression.items()
    if operator == "all":
        return all(evaluate(child, person, now) for child in argument)
    if operator == "any":
        return any(evaluate(child, person, now) for child in argument)
    if operator == "not":
        return not evaluate(argument, person, now)
    if operator == "tag":
        return argument in person["tags"] and (person["tags"][argument] is None or person["tags"][argument] > now)
    if operator == "journal":
        return argument in person["journal_references"]
    if operator == "status":
        return argument in person["statuses"]
    if operator == "platform":
        return argument in person["platforms"]
    if operator == "language":
        return person["language"] == argument
    if operator == "active_since":
        return person["last_seen_at"] is not None and person["last_seen_at"] >= datetime.fromisoformat(argument)
    raise AssertionError(operator)


def build_world(people: list[dict], manuscripts: list[tuple], accesses: list[tuple]) -> dict[int, dict]:
    """The rows in the database and, per researcher id, the facts the Python reading uses."""
    now = timezone.now()
    tags = {slug: Tag.objects.create(slug=slug, name_en=slug) for slug in TAGS}
    systems = [JournalSystemFactory(key=key, platform=platform) for key, platform in SYSTEMS]
    journals = [JournalFactory(journal_system=systems[system], key=key) for system, key in JOURNALS]
    manuscript_rows = [ManuscriptFactory(journal_system=journals[journal].journal_system, journal=journals[journal],
                                         canonical_status=status) for journal, status in manuscripts]
    facts: dict[int, dict] = {}
    accounts: list[tuple] = []  # (account, verified, researcher id, platform)
    for person in people:
        researcher = ResearcherFactory(language=person["language"], last_seen_at=person["last_seen_at"])
        person_tags = {}
        for slug, expiry in person["tags"].items():
            expires_at = None if EXPIRY[expiry] is None else now + EXPIRY[expiry]
            TagAssignment.objects.create(researcher=researcher, tag=tags[slug], source="staff", expires_at=expires_at)
            if expiry == "lapsed":
                facts_as_refreshed_before_lapse(researcher_id=researcher.pk, tag_id=tags[slug].pk,
                                                expired_at=expires_at)
            person_tags[slug] = expires_at
        for system, verified in person["accounts"]:
            account = JournalAccountFactory(researcher=researcher, journal_system=systems[system], status=(
                JournalAccountStatus.VERIFIED if verified else JournalAccountStatus.PENDING))
            accounts.append((account, verified, researcher.pk, SYSTEMS[system][1]))
        facts[researcher.pk] = {"language": person["language"], "last_seen_at": person["last_seen_at"],
                                "tags": person_tags, "journal_references": set(), "statuses": set(),
                                "platforms": set()}
    for _account, verified, researcher_id, platform in accounts:
        if verified:
            facts[researcher_id]["platforms"].add(platform)
    seen = set()
    for account_index, manuscript_index in accesses:
        if not accounts or not manuscript_rows:
            break
        account, verified, researcher_id, _platform = accounts[account_index % len(accounts)]
        manuscript_number = manuscript_index % len(manuscript_rows)
        if (account.pk, manuscript_number) in seen:
            continue
        seen.add((account.pk, manuscript_number))
        ManuscriptAccess.objects.create(journal_account=account, manuscript=manuscript_rows[manuscript_number])
        if verified:
            journal_number, status = manuscripts[manuscript_number]
            system, key = JOURNALS[journal_number]
            facts[researcher_id]["journal_references"] |= {key, f"{SYSTEMS[system][0]}/{key}"}
            facts[researcher_id]["statuses"].add(status)
    return facts


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(people=researchers_st, manuscripts=manuscripts_st, accesses=accesses_st,
       expression=expressions)
def test_sql_segment_equals_the_plain_reading(people, manuscripts, accesses, expression, reads_facts):
    with transaction.atomic():
        facts = build_world(people, manuscripts, accesses)
        parsed = segment_parse(expression)
        now = timezone.now()

        expected = {pk for pk, person in facts.items() if evaluate(expression, person, now)}

        assert set(segment_researchers(parsed).values_list("pk", flat=True)) == expected, expression
        assert segment_count(parsed) == len(expected)
        transaction.set_rollback(True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(people=researchers_st, manuscripts=manuscripts_st, accesses=accesses_st,
       slugs=st.lists(st.sampled_from(TAGS), min_size=1, max_size=3), others=st.lists(expressions, max_size=3))
def test_counts_driven_by_tags_equal_the_plain_reading(people, manuscripts, accesses, slugs, others, reads_facts):
    # A tag, or an "any" of tags, among an "all": what most segments are (and, from the facts, the GIN index's case).
    tags = {"tag": slugs[0]} if len(slugs) == 1 else {"any": [{"tag": slug} for slug in slugs]}
    expression = {"all": [*others, tags]}
    with transaction.atomic():
        facts = build_world(people, manuscripts, accesses)
        now = timezone.now()

        expected = {pk for pk, person in facts.items() if evaluate(expression, person, now)}

        assert segment_count(expression) == len(expected), expression
        assert set(segment_researchers(expression).values_list("pk", flat=True)) == expected, expression
        transaction.set_rollback(True)
