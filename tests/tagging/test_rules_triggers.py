"""What re-evaluates tag rules: the lower apps' domain events (through their real publishing paths), a changed
rule (in the background, after commit) and the nightly run (expiry, and time passing for time-window rules)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.linking import journal_account_staff_verify
from accounts.models import JournalAccountStatus
from manuscripts.models import StatusEvent
from manuscripts.sync import snapshots_apply
from tagging.models import AssignmentSource, RuleKind, TagAssignment, TagAudit, TagAuditAction, TagRule
from tagging.services.rules import tag_rule_delete, tag_rule_saved, tag_rules_evaluate
from tagging.services.tags import tag_create, tags_assign
from tagging.tasks import rules_nightly
from tests.accounts.tasks_inline import tasks_inline
from tests.factories import BASE_TIME, JournalAccountFactory, ManuscriptFactory, ResearcherFactory, UserFactory
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher, snapshot
from tests.payments.paid_orders import paid_order_of

pytestmark = pytest.mark.django_db

AUTHORS = ("li.wei@example.org", "wang.fang@example.org")


def minutes_since_base_time() -> int:
    """Snapshots are dated BASE_TIME + minutes; this many minutes lands on now."""
    return int((timezone.now() - BASE_TIME).total_seconds() // 60)


def carriers(tag) -> set[int]:
    return set(TagAssignment.objects.filter(tag=tag).values_list("researcher_id", flat=True))


@pytest.fixture
def tag():
    return tag_create(slug="target", name_en="Target")


def test_a_synced_acceptance_tags_every_author_at_once(tag, django_capture_on_commit_callbacks):
    system = make_journal_system()
    li = make_account(make_researcher("Li Wei"), system, email=AUTHORS[0], user_id="2210")
    wang = make_account(make_researcher("Wang Fang"), system, email=AUTHORS[1], user_id="2211")
    TagRule.objects.create(tag=tag, kind=RuleKind.RECENT_ACCEPTANCE, months=2)
    three_days_ago = minutes_since_base_time() - 3 * 24 * 60

    with django_capture_on_commit_callbacks(execute=True):
        snapshots_apply(journal_system=system, seen_by=li, snapshots=[snapshot(
            status="under_review", emails=AUTHORS, minutes=three_days_ago - 60)])
    assert carriers(tag) == set()

    with django_capture_on_commit_callbacks(execute=True):
        snapshots_apply(journal_system=system, seen_by=li, snapshots=[snapshot(
            status="accepted", raw="Accepted", emails=AUTHORS, minutes=three_days_ago)])

    assert carriers(tag) == {li.researcher_id, wang.researcher_id}


def test_a_first_synced_manuscript_tags_its_author_for_its_journal(tag, django_capture_on_commit_callbacks):
    system = make_journal_system()
    li = make_account(make_researcher("Li Wei"), system, email=AUTHORS[0], user_id="2210")
    TagRule.objects.create(tag=tag, kind=RuleKind.JOURNAL_MANUSCRIPT, journal=system.journals.get())

    with django_capture_on_commit_callbacks(execute=True):
        snapshots_apply(journal_system=system, seen_by=li, snapshots=[snapshot(emails=AUTHORS[:1])])

    assert carriers(tag) == {li.researcher_id}


def test_verifying_an_account_tags_its_owner_for_the_platform(tag, django_capture_on_commit_callbacks):
    account = JournalAccountFactory(status=JournalAccountStatus.MANUAL_REVIEW, journal_system__platform="scholarone")
    TagRule.objects.create(tag=tag, kind=RuleKind.PLATFORM_LINKED, platform="scholarone")

    with django_capture_on_commit_callbacks(execute=True):
        journal_account_staff_verify(account=account, staff=UserFactory(is_staff=True))

    assert carriers(tag) == {account.researcher_id}
    assert TagAssignment.objects.get().assigned_by == f"rule:{TagRule.objects.get().pk}"


def test_a_paid_apc_tags_the_payer(tag, django_capture_on_commit_callbacks):
    author, colleague = ResearcherFactory(), ResearcherFactory()
    TagRule.objects.create(tag=tag, kind=RuleKind.APC_PAID)

    with tasks_inline(), django_capture_on_commit_callbacks(execute=True):
        paid_order_of(author, payer=colleague)

    assert carriers(tag) == {colleague.pk}


def test_hearing_a_paid_order_costs_tagging_two_small_reads_when_nothing_listens(django_assert_num_queries):
    # With no rule of a payment kind and no webhook for order.paid, tagging asks exactly that (one read each) and
    # never looks up the payer.
    from payments.events import order_paid

    TagRule.objects.create(tag=tag_create(slug="linked", name_en="Linked"), kind=RuleKind.PLATFORM_LINKED,
                           platform="ojs")
    order = paid_order_of(ResearcherFactory())
    with django_assert_num_queries(2):
        order_paid.send_robust(sender=None, order_id=order.pk)


def test_an_event_about_one_researcher_changes_no_one_else(tag, django_capture_on_commit_callbacks):
    ResearcherFactory(language="en")  # qualifies for the tag's other rule, but nothing said so yet
    TagRule.objects.create(tag=tag, kind=RuleKind.LANGUAGE, language="en")
    TagRule.objects.create(tag=tag, kind=RuleKind.APC_PAID)
    payer = ResearcherFactory()

    with tasks_inline(), django_capture_on_commit_callbacks(execute=True):
        paid_order_of(payer)

    assert carriers(tag) == {payer.pk}


def test_a_saved_rule_evaluates_its_tag_in_the_background_after_commit(tag, django_capture_on_commit_callbacks):
    english = ResearcherFactory(language="en")
    made = TagRule.objects.create(tag=tag, kind=RuleKind.LANGUAGE, language="en")

    with django_capture_on_commit_callbacks() as after_commit:
        tag_rule_saved(rule=made)
    made.refresh_from_db()
    assert made.evaluation_state == "queued"
    assert carriers(tag) == set()  # nothing before the worker runs
    assert [(callback.task_name, callback.args) for callback in after_commit] == [
        ("tagging.tasks.tag_rules_evaluate", (tag.pk,))]

    with tasks_inline():
        for callback in after_commit:
            callback()

    made.refresh_from_db()
    assert carriers(tag) == {english.pk}
    assert (made.evaluation_state, made.evaluation_added, made.evaluation_total) == ("done", 1, 1)


def test_a_rule_moved_to_another_tag_re_evaluates_both(tag, django_capture_on_commit_callbacks):
    other = tag_create(slug="other", name_en="Other")
    english = ResearcherFactory(language="en")
    made = TagRule.objects.create(tag=tag, kind=RuleKind.LANGUAGE, language="en")
    tag_rules_evaluate(tag_id=tag.pk)
    made.tag = other
    made.save()

    with tasks_inline(), django_capture_on_commit_callbacks(execute=True):
        tag_rule_saved(rule=made, previous_tag_id=tag.pk)

    assert carriers(tag) == set()
    assert carriers(other) == {english.pk}


def test_a_deleted_rule_takes_back_what_it_gave(tag, django_capture_on_commit_callbacks):
    by_rule, by_staff = ResearcherFactory(language="en"), ResearcherFactory(language="en")
    tags_assign(tag=tag, researcher_ids=[by_staff.pk], source=AssignmentSource.STAFF, actor="li")
    made = TagRule.objects.create(tag=tag, kind=RuleKind.LANGUAGE, language="en")
    tag_rules_evaluate(tag_id=tag.pk)
    assert carriers(tag) == {by_rule.pk, by_staff.pk}

    with tasks_inline(), django_capture_on_commit_callbacks(execute=True):
        tag_rule_delete(rule=made)

    assert not TagRule.objects.exists()
    assert carriers(tag) == {by_staff.pk}


def test_the_nightly_run_drops_people_whose_acceptance_left_the_window(tag):
    account = JournalAccountFactory()
    manuscript = ManuscriptFactory(journal_system=account.journal_system, canonical_status="accepted")
    account.manuscript_accesses.create(manuscript=manuscript)
    accepted = StatusEvent.objects.create(manuscript=manuscript, from_status="under_review", to_status="accepted",
                                          occurred_at=timezone.now() - timedelta(days=50))
    TagRule.objects.create(tag=tag, kind=RuleKind.RECENT_ACCEPTANCE, months=2)
    with tasks_inline():
        rules_nightly.delay()
    assert carriers(tag) == {account.researcher_id}

    # Time passes: the acceptance is now three months old.
    StatusEvent.objects.filter(pk=accepted.pk).update(occurred_at=timezone.now() - timedelta(days=95))
    with tasks_inline():
        rules_nightly.delay()

    assert carriers(tag) == set()
    assert TagAudit.objects.filter(action=TagAuditAction.REMOVED, source=AssignmentSource.RULE).count() == 1


def test_the_nightly_run_expires_assignments_past_their_date_whatever_gave_them(tag):
    lapsed, lasting, open_ended = ResearcherFactory(), ResearcherFactory(), ResearcherFactory()
    tags_assign(tag=tag, researcher_ids=[lapsed.pk], source=AssignmentSource.IMPORT,
                expires_at=timezone.now() - timedelta(minutes=1))
    tags_assign(tag=tag, researcher_ids=[lasting.pk], source=AssignmentSource.STAFF,
                expires_at=timezone.now() + timedelta(days=1))
    tags_assign(tag=tag, researcher_ids=[open_ended.pk], source=AssignmentSource.STAFF)

    with tasks_inline():
        assert rules_nightly.delay().get() == {"expired": 1, "tags": 0}

    assert carriers(tag) == {lasting.pk, open_ended.pk}
    expiry = TagAudit.objects.get(action=TagAuditAction.EXPIRED)
    assert (expiry.researcher_id, expiry.source, expiry.actor) == (lapsed.pk, AssignmentSource.IMPORT, "expiry")


def test_the_nightly_run_catches_profile_changes_no_event_announces(tag):
    moved = ResearcherFactory(institution="Peking University")
    TagRule.objects.create(tag=tag, kind=RuleKind.INSTITUTION_CONTAINS, text="Peking")
    tag_rules_evaluate(tag_id=tag.pk)
    moved.institution = "Fudan University"
    moved.save()

    with tasks_inline():
        rules_nightly.delay()

    assert carriers(tag) == set()
