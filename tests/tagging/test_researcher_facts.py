"""Researchers' segment facts (PostgreSQL triggers, tagging/migrations/0012): each change to what a segment tests
is in the researcher's row in the same transaction, whichever way it was written (services, queryset updates,
deletes), including under concurrency; a tag that lapsed since the row was written is told from its expiry in the
row; the rebuild puts back rows written with triggers off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import JournalAccount, JournalAccountStatus, JournalSystem, Researcher
from manuscripts.models import Manuscript, ManuscriptAccess
from tagging.models import AssignmentSource, ResearcherFacts, TagAssignment
from tagging.services.researcher_facts import researcher_facts_rebuild
from tagging.services.segments import segment_count, segment_researchers
from tagging.services.tags import tag_create, tag_delete, tags_assign, tags_remove
from tests.conftest import contend_with_an_open_transaction
from tests.factories import (
    JournalAccountFactory,
    JournalFactory,
    JournalSystemFactory,
    ManuscriptFactory,
    ResearcherFactory,
)
from tests.tagging.facts_helpers import facts_as_refreshed_before_lapse

pytestmark = pytest.mark.django_db


def facts(researcher) -> ResearcherFacts:
    return ResearcherFacts.objects.get(pk=researcher.pk)


def test_a_new_researcher_has_a_row_and_language_and_last_seen_follow_every_kind_of_write():
    researcher = ResearcherFactory(language="zh-hans")
    row = facts(researcher)
    assert (row.language, row.last_seen_at, row.tag_ids, row.journal_ids, row.statuses, row.platforms) == (
        "zh-hans", None, None, None, None, None)  # an empty set is NULL

    researcher.language = "en"
    researcher.save()
    seen = timezone.now().replace(microsecond=0)
    Researcher.objects.filter(pk=researcher.pk).update(last_seen_at=seen)  # as the token touch writes it

    assert (facts(researcher).language, facts(researcher).last_seen_at) == ("en", seen)


def test_tags_put_on_taken_off_and_deleted_are_in_the_array_with_their_expiries():
    researcher, other = ResearcherFactory(), ResearcherFactory()
    forever = tag_create(slug="forever", name_en="Forever")
    soon = tag_create(slug="soon", name_en="Soon")
    later = tag_create(slug="later", name_en="Later")
    expiry = timezone.now() + timedelta(days=3)

    tags_assign(tag=forever, researcher_ids=[researcher.pk, other.pk], source=AssignmentSource.STAFF)
    tags_assign(tag=soon, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF, expires_at=expiry)
    tags_assign(tag=later, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF,
                expires_at=expiry + timedelta(days=1))
    assert facts(researcher).tag_ids == sorted([forever.pk, soon.pk, later.pk])
    assert facts(researcher).tag_expiry == {str(soon.pk): expiry.timestamp(),
                                            str(later.pk): (expiry + timedelta(days=1)).timestamp()}
    assert facts(other).tag_ids == [forever.pk]

    tags_remove(tag=soon, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF)
    assert facts(researcher).tag_ids == sorted([forever.pk, later.pk])
    assert facts(researcher).tag_expiry == {str(later.pk): (expiry + timedelta(days=1)).timestamp()}

    TagAssignment.objects.filter(tag=later).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert (facts(researcher).tag_ids, facts(researcher).tag_expiry) == ([forever.pk], None)

    tag_delete(tag=forever, source=AssignmentSource.STAFF)
    assert facts(researcher).tag_ids is None and facts(other).tag_ids is None


def test_journals_statuses_and_platforms_come_from_verified_accounts_and_follow_each_change():
    researcher = ResearcherFactory()
    ojs = JournalSystemFactory(platform="ojs")
    journal, other_journal = JournalFactory(journal_system=ojs, key="ja"), JournalFactory(journal_system=ojs, key="jb")
    pending = JournalAccountFactory(researcher=researcher, journal_system=ojs, status=JournalAccountStatus.PENDING)
    manuscript = ManuscriptFactory(journal_system=ojs, journal=journal, canonical_status="under_review")
    ManuscriptAccess.objects.create(journal_account=pending, manuscript=manuscript)
    assert (facts(researcher).journal_ids, facts(researcher).statuses, facts(researcher).platforms) == (
        None, None, None)

    JournalAccount.objects.filter(pk=pending.pk).update(status=JournalAccountStatus.VERIFIED)
    assert (facts(researcher).journal_ids, facts(researcher).statuses, facts(researcher).platforms) == (
        [journal.pk], ["under_review"], ["ojs"])

    manuscript.canonical_status = "accepted"
    manuscript.save()
    assert facts(researcher).statuses == ["accepted"]
    Manuscript.objects.filter(pk=manuscript.pk).update(journal=other_journal)
    assert facts(researcher).journal_ids == [other_journal.pk]

    JournalSystem.objects.filter(pk=ojs.pk).update(platform="janeway")
    assert facts(researcher).platforms == ["janeway"]

    ManuscriptAccess.objects.filter(manuscript=manuscript).delete()
    assert (facts(researcher).journal_ids, facts(researcher).statuses, facts(researcher).platforms) == (
        None, None, ["janeway"])
    JournalAccount.objects.filter(pk=pending.pk).delete()
    assert facts(researcher).platforms is None


def test_a_deleted_researcher_takes_its_row_along():
    researcher = ResearcherFactory()
    pk = researcher.pk
    researcher.user.delete()
    assert not ResearcherFacts.objects.filter(pk=pk).exists()


def test_a_rolled_back_change_leaves_the_row_as_it_was():
    researcher = ResearcherFactory()
    tag = tag_create(slug="gone", name_en="Gone")
    with transaction.atomic():
        tags_assign(tag=tag, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF)
        assert facts(researcher).tag_ids == [tag.pk]
        transaction.set_rollback(True)
    assert facts(researcher).tag_ids is None


@pytest.mark.django_db(transaction=True)
def test_two_transactions_tagging_one_researcher_at_once_both_count():
    # The second waits on the first's lock on the row, then recomputes on a snapshot that holds the first's tag.
    researcher = ResearcherFactory()
    first, second = tag_create(slug="first", name_en="First"), tag_create(slug="second", name_en="Second")

    contend_with_an_open_transaction(
        lambda: tags_assign(tag=first, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF),
        lambda: tags_assign(tag=second, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF),
        waits_for="the second tagging to wait on the researcher's facts row")

    assert facts(researcher).tag_ids == sorted([first.pk, second.pk])
    assert segment_count({"all": [{"tag": "first"}, {"tag": "second"}]}) == 1


def test_a_tag_that_lapsed_since_the_row_was_refreshed_no_longer_counts_and_live_ones_still_do():
    lapsed_only, lapsed_and_live = ResearcherFactory(), ResearcherFactory()
    lapsed, live = tag_create(slug="lapsed", name_en="Lapsed"), tag_create(slug="live", name_en="Live")
    past = timezone.now() - timedelta(hours=1)
    tags_assign(tag=lapsed, researcher_ids=[lapsed_only.pk, lapsed_and_live.pk], source=AssignmentSource.STAFF,
                expires_at=timezone.now() + timedelta(days=1))
    tags_assign(tag=live, researcher_ids=[lapsed_and_live.pk], source=AssignmentSource.STAFF)
    TagAssignment.objects.filter(tag=lapsed).update(expires_at=past)
    for researcher in (lapsed_only, lapsed_and_live):
        facts_as_refreshed_before_lapse(researcher_id=researcher.pk, tag_id=lapsed.pk, expired_at=past)

    assert segment_count({"tag": "lapsed"}) == 0
    assert set(segment_researchers({"not": {"tag": "lapsed"}}).values_list("pk", flat=True)) == {
        lapsed_only.pk, lapsed_and_live.pk}
    assert set(segment_researchers({"tag": "live"}).values_list("pk", flat=True)) == {lapsed_and_live.pk}
    assert segment_count({"any": [{"tag": "lapsed"}, {"tag": "live"}]}) == 1


def test_the_rebuild_puts_back_rows_written_with_triggers_off_and_says_how_many(capsys):
    researcher, untouched = ResearcherFactory(language="en"), ResearcherFactory()
    tag = tag_create(slug="kept", name_en="Kept")
    tags_assign(tag=tag, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF)
    account = JournalAccountFactory(researcher=researcher)
    ManuscriptAccess.objects.create(journal_account=account, manuscript=ManuscriptFactory(
        journal_system=account.journal_system, canonical_status="published"))
    expected = facts(researcher)
    with connection.cursor() as cursor:  # as a bulk load with triggers off leaves it
        cursor.execute("UPDATE tagging_researcherfacts SET tag_ids = NULL, statuses = NULL, language = 'zh-hans' "
                       "WHERE researcher_id = %s", [researcher.pk])
        cursor.execute("DELETE FROM tagging_researcherfacts WHERE researcher_id = %s", [untouched.pk])

    assert researcher_facts_rebuild() == 2
    row = facts(researcher)
    assert (row.tag_ids, row.statuses, row.language, row.platforms) == (
        expected.tag_ids, ["published"], "en", expected.platforms)
    assert facts(untouched).tag_ids is None
    assert researcher_facts_rebuild() == 0

    call_command("segments_rebuild_facts")
    assert "0 researchers' facts were out of step" in capsys.readouterr().out


def test_a_count_reads_the_facts_alone():
    researcher = ResearcherFactory(language="en")
    tags_assign(tag=tag_create(slug="read", name_en="Read"), researcher_ids=[researcher.pk],
                source=AssignmentSource.STAFF)
    expression = {"all": [{"tag": "read"}, {"not": {"status": "accepted"}}, {"language": "en"}]}
    with CaptureQueriesContext(connection) as captured:  # the tag's lookup (parsing), then the count
        assert segment_count(expression) == 1
    count_sql = captured[-1]["sql"]
    assert "tagging_researcherfacts" in count_sql
    assert "manuscripts_" not in count_sql and "accounts_" not in count_sql
