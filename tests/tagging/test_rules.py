"""Tag rules: each kind tags exactly the researchers it describes, keeps its tag while any rule of the tag holds,
and takes back only what rules gave."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.models import JournalAccountStatus
from manuscripts.models import ManuscriptAccess, StatusEvent
from tagging.models import AssignmentSource, RuleKind, TagAssignment, TagAudit, TagAuditAction, TagRule
from tagging.services.rules import months_before, tag_rules_evaluate
from tagging.services.tags import tag_create, tags_assign
from tests.factories import JournalAccountFactory, JournalFactory, ManuscriptFactory, OrderFactory, ResearcherFactory
from tests.payments.paid_orders import order_paid, paid_order_of

pytestmark = pytest.mark.django_db


def carriers(tag) -> set[int]:
    return set(TagAssignment.objects.filter(tag=tag).values_list("researcher_id", flat=True))


def author_of(manuscript, researcher=None, *, status=JournalAccountStatus.VERIFIED):
    """`researcher` (a new one when not given) listed on `manuscript` through an account on its journal system."""
    account = JournalAccountFactory(researcher=researcher or ResearcherFactory(),
                                    journal_system=manuscript.journal_system, status=status)
    ManuscriptAccess.objects.create(manuscript=manuscript, journal_account=account)
    return account.researcher


def rule(tag, kind, **parameters) -> TagRule:
    made = TagRule(tag=tag, kind=kind, **parameters)
    made.full_clean()
    made.save()
    return made


@pytest.fixture
def tag():
    return tag_create(slug="target", name_en="Target", name_zh_hans="目标")


def test_has_a_manuscript_in_a_journal_tags_its_verified_authors_only(tag):
    manuscript = ManuscriptFactory()
    other_journal = ManuscriptFactory(journal=JournalFactory(key="other", journal_system=manuscript.journal_system),
                                      journal_system=manuscript.journal_system)
    author = author_of(manuscript)
    unverified = author_of(manuscript, status=JournalAccountStatus.PENDING)
    elsewhere = author_of(other_journal)
    made = rule(tag, RuleKind.JOURNAL_MANUSCRIPT, journal=manuscript.journal)

    assert tag_rules_evaluate(tag_id=tag.pk) == (1, 0)

    assert carriers(tag) == {author.pk}
    assignment = TagAssignment.objects.get(tag=tag)
    assert (assignment.source, assignment.assigned_by) == (AssignmentSource.RULE, f"rule:{made.pk}")
    assert unverified.pk not in carriers(tag) and elsewhere.pk not in carriers(tag)


def test_accepted_or_published_in_the_last_months_counts_only_recent_transitions(tag):
    now = timezone.now()
    recent, old, in_review = ManuscriptFactory(), ManuscriptFactory(), ManuscriptFactory()
    StatusEvent.objects.create(manuscript=recent, from_status="under_review", to_status="accepted",
                               occurred_at=now - timedelta(days=40))
    StatusEvent.objects.create(manuscript=old, from_status="accepted", to_status="published",
                               occurred_at=now - timedelta(days=200))
    StatusEvent.objects.create(manuscript=in_review, from_status="submitted", to_status="under_review",
                               occurred_at=now - timedelta(days=5))
    recent_author, old_author, reviewing_author = author_of(recent), author_of(old), author_of(in_review)
    rule(tag, RuleKind.RECENT_ACCEPTANCE, months=3)

    tag_rules_evaluate(tag_id=tag.pk)

    assert carriers(tag) == {recent_author.pk}
    assert old_author.pk not in carriers(tag) and reviewing_author.pk not in carriers(tag)


def test_institution_contains_matches_anywhere_ignoring_case(tag):
    peking = ResearcherFactory(institution="School of Medicine, PEKING University")
    ResearcherFactory(institution="Fudan University")
    ResearcherFactory(institution="")
    rule(tag, RuleKind.INSTITUTION_CONTAINS, text="  peking ")

    tag_rules_evaluate(tag_id=tag.pk)

    assert carriers(tag) == {peking.pk}


def test_linked_platform_counts_verified_accounts_on_that_platform_only(tag):
    on_ojs = JournalAccountFactory(journal_system__platform="ojs").researcher
    JournalAccountFactory(journal_system__platform="ojs", status=JournalAccountStatus.PENDING)
    JournalAccountFactory(journal_system__platform="scholarone")
    rule(tag, RuleKind.PLATFORM_LINKED, platform="ojs")

    tag_rules_evaluate(tag_id=tag.pk)

    assert carriers(tag) == {on_ojs.pk}


def test_paid_an_apc_counts_whoever_paid_it_and_not_waived_or_unpaid_orders(tag):
    author, colleague = ResearcherFactory(), ResearcherFactory()
    paid_by_author = ResearcherFactory()
    paid_order_of(paid_by_author)
    paid_order_of(author, payer=colleague)  # the colleague paid the author's APC
    order_paid(OrderFactory(), settled_by="waived")
    OrderFactory()  # not paid
    rule(tag, RuleKind.APC_PAID)

    tag_rules_evaluate(tag_id=tag.pk)

    assert carriers(tag) == {paid_by_author.pk, colleague.pk}


def test_language_is_english(tag):
    english = ResearcherFactory(language="en")
    ResearcherFactory(language="zh-hans")
    rule(tag, RuleKind.LANGUAGE, language="en")

    tag_rules_evaluate(tag_id=tag.pk)

    assert carriers(tag) == {english.pk}


def test_a_researcher_keeps_the_tag_while_any_enabled_rule_of_it_holds(tag):
    both = ResearcherFactory(language="en", institution="Peking University")
    english_only = ResearcherFactory(language="en", institution="Fudan University")
    by_language = rule(tag, RuleKind.LANGUAGE, language="en")
    rule(tag, RuleKind.INSTITUTION_CONTAINS, text="Peking")
    tag_rules_evaluate(tag_id=tag.pk)
    assert carriers(tag) == {both.pk, english_only.pk}

    by_language.enabled = False
    by_language.save()
    assert tag_rules_evaluate(tag_id=tag.pk) == (0, 1)

    assert carriers(tag) == {both.pk}
    removal = TagAudit.objects.get(action=TagAuditAction.REMOVED)
    assert (removal.researcher_id, removal.source, removal.actor) == (
        english_only.pk, AssignmentSource.RULE, f"rule:{by_language.pk}")


def test_rules_take_back_only_what_rules_gave(tag):
    by_staff, by_self = ResearcherFactory(language="en"), ResearcherFactory(language="en")
    tags_assign(tag=tag, researcher_ids=[by_staff.pk], source=AssignmentSource.STAFF, actor="li")
    tags_assign(tag=tag, researcher_ids=[by_self.pk], source=AssignmentSource.SELF)
    by_rule = ResearcherFactory(language="en")
    english = rule(tag, RuleKind.LANGUAGE, language="en")
    assert tag_rules_evaluate(tag_id=tag.pk) == (1, 0)  # the others carry it already: left as they are
    assert TagAssignment.objects.get(researcher=by_staff).source == AssignmentSource.STAFF

    english.delete()
    assert tag_rules_evaluate(tag_id=tag.pk) == (0, 1)

    assert carriers(tag) == {by_staff.pk, by_self.pk}
    assert by_rule.pk not in carriers(tag)


def test_evaluating_twice_changes_nothing_the_second_time(tag):
    ResearcherFactory(language="en")
    rule(tag, RuleKind.LANGUAGE, language="en")
    assert tag_rules_evaluate(tag_id=tag.pk) == (1, 0)
    audits = TagAudit.objects.count()

    assert tag_rules_evaluate(tag_id=tag.pk) == (0, 0)
    assert TagAudit.objects.count() == audits


def test_evaluation_writes_its_progress_and_outcome_on_the_rules(tag, settings):
    settings.TAG_RULES_BATCH_SIZE = 2
    for _ in range(5):
        ResearcherFactory(language="en")
    english = rule(tag, RuleKind.LANGUAGE, language="en")

    tag_rules_evaluate(tag_id=tag.pk)

    english.refresh_from_db()
    assert (english.evaluation_state, english.evaluation_processed, english.evaluation_total,
            english.evaluation_added, english.evaluation_removed) == ("done", 5, 5, 5, 0)
    assert english.last_evaluated_at is not None
    assert TagAudit.objects.filter(action=TagAuditAction.ADDED).count() == 5


@pytest.mark.parametrize(("parameters", "errors"), [
    ({"kind": RuleKind.JOURNAL_MANUSCRIPT}, {"journal": ["This kind of rule needs it."]}),
    ({"kind": RuleKind.RECENT_ACCEPTANCE, "months": 0}, {"months": ["Give between 1 and 120 months."]}),
    ({"kind": RuleKind.RECENT_ACCEPTANCE}, {"months": ["This kind of rule needs it."]}),
    ({"kind": RuleKind.INSTITUTION_CONTAINS, "text": " a "},
     {"text": ["Give at least 2 characters, or the rule would match almost everyone."]}),
    ({"kind": RuleKind.PLATFORM_LINKED}, {"platform": ["This kind of rule needs it."]}),
    ({"kind": RuleKind.LANGUAGE, "language": "en", "text": "x"},
     {"text": ["Leave it empty: this kind of rule does not use it."]}),
    ({"kind": RuleKind.APC_PAID, "months": 3}, {"months": ["Leave it empty: this kind of rule does not use it."]}),
])
def test_a_rule_with_wrong_parameters_is_refused_with_a_clear_message(tag, parameters, errors):
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            TagRule(tag=tag, **parameters).full_clean()

        assert refused.value.message_dict == errors


def test_months_before_counts_calendar_months():
    moment = timezone.now().replace(year=2026, month=3, day=31)

    assert months_before(moment, 1).date().isoformat() == "2026-02-28"
    assert months_before(moment, 15).date().isoformat() == "2024-12-31"
