"""Due-date reminders (manuscripts.services.reminders): one notice per (manuscript, due date, threshold, researcher),
whoever runs the task and however often; never after the date, never once nothing is required, never to a researcher
who switched the kind off; and WeChat accepts the message (the sandbox knows the template)."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import translation

from manuscripts.models import Manuscript
from manuscripts.services.reminders import due_reminders_send, reminder_threshold, reminder_title
from manuscripts.sync import snapshots_apply
from notifications.models import Notification, NotificationPreference
from notifications.sender import notifications_send_due
from notifications.services import subscriptions_record
from tests.conftest import TEMPLATE_IDS
from tests.factories import ResearcherFactory, WeChatIdentityFactory
from tests.manuscripts.factories import make_account, make_journal_system, snapshot

TODAY = date(2026, 11, 20)
THRESHOLDS = [7, 1]


@pytest.fixture
def system(db):
    return make_journal_system()


@pytest.fixture
def authors(system):
    """Two co-authors with verified accounts, Li Wei (zh-hans) and Maria (en)."""
    li = make_account(ResearcherFactory(language="zh-hans"), system, email="li.wei@example.org", user_id="7")
    maria = make_account(ResearcherFactory(language="en"), system, email="maria@example.org", user_id="8")
    return li, maria


def waiting(system, authors, *, due: date | None, platform_id: str = "1", status: str = "revision_requested",
            minutes: int = 0) -> Manuscript:
    """A manuscript both authors see, in `status`, with its platform's due date."""
    snapshots_apply(journal_system=system, seen_by=authors[0], snapshots=[snapshot(
        platform_id, status=status, minutes=minutes, due_date=due,
        emails=("li.wei@example.org", "maria@example.org"))])
    return Manuscript.objects.get(journal_system=system, platform_id=platform_id)


def reminders() -> list[tuple[int, str, str]]:
    return sorted(Notification.objects.filter(kind="due_reminder").values_list("researcher_id", "title",
                                                                                 "dedupe_key"))


@pytest.mark.parametrize(("days_left", "threshold"), [
    (10, None), (8, None), (7, 7), (5, 7), (2, 7), (1, 1), (0, 1), (-1, None),
])
def test_the_nearest_threshold_reached_is_the_one_reminded(days_left: int, threshold: int | None) -> None:
    assert reminder_threshold(days_left=days_left, thresholds=THRESHOLDS) == threshold


@pytest.mark.django_db
def test_each_author_gets_one_reminder_in_their_language(system, authors) -> None:
    manuscript = waiting(system, authors, due=TODAY + timedelta(days=5))

    outcome = due_reminders_send(today=TODAY, thresholds=THRESHOLDS)

    li, maria = (account.researcher_id for account in authors)
    key = f"due:{manuscript.pk}:{(TODAY + timedelta(days=5)).isoformat()}:7"
    assert reminders() == sorted([(li, "还有 5 天截止：提交修改稿", f"{key}:{li}"),
                                  (maria, "Due in 5 days: Submit your revision", f"{key}:{maria}")])
    assert outcome.created == 2
    notice = Notification.objects.get(researcher_id=li)
    assert notice.body == manuscript.titles["zh-hans"] and notice.page == f"pages/manuscript/detail?id={manuscript.pk}"
    assert notice.payload == {"manuscript_id": manuscript.pk, "manuscript_number": "1", "action": "revision",
                              "action_needed": "提交修改稿", "due_date": "2026-11-25", "days_left": 5,
                              "threshold_days": 7, "journal": "应用科学学报"}


@pytest.mark.django_db
def test_running_twice_sends_nothing_twice(system, authors) -> None:
    waiting(system, authors, due=TODAY + timedelta(days=1))
    due_reminders_send(today=TODAY, thresholds=THRESHOLDS)
    first = reminders()

    again = due_reminders_send(today=TODAY, thresholds=THRESHOLDS)

    assert reminders() == first and len(first) == 2
    assert (again.created, again.already_sent) == (0, 2)


@pytest.mark.django_db
def test_each_threshold_reminds_once_as_the_date_comes_closer(system, authors) -> None:
    waiting(system, authors, due=TODAY + timedelta(days=7))
    li = authors[0].researcher_id

    for day in range(8):
        due_reminders_send(today=TODAY + timedelta(days=day), thresholds=THRESHOLDS)

    titles = [title for researcher_id, title, _key in reminders() if researcher_id == li]
    assert sorted(titles) == sorted(["还有 7 天截止：提交修改稿", "明天截止：提交修改稿"])


@pytest.mark.django_db
def test_a_run_that_missed_days_sends_only_the_nearest_reminder(system, authors) -> None:
    waiting(system, authors, due=TODAY)

    due_reminders_send(today=TODAY, thresholds=THRESHOLDS)

    assert {title for _researcher, title, _key in reminders()} == {"今天截止：提交修改稿",
                                                                  "Due today: Submit your revision"}
    assert all(key.endswith(f":1:{researcher}") for researcher, _title, key in reminders())


@pytest.mark.django_db
def test_a_moved_due_date_is_reminded_again(system, authors) -> None:
    manuscript = waiting(system, authors, due=TODAY + timedelta(days=3))
    due_reminders_send(today=TODAY, thresholds=THRESHOLDS)
    Manuscript.objects.filter(pk=manuscript.pk).update(due_date=TODAY + timedelta(days=6))

    outcome = due_reminders_send(today=TODAY, thresholds=THRESHOLDS)

    assert outcome.created == 2 and len(reminders()) == 4


@pytest.mark.django_db
def test_no_reminder_after_the_date_has_passed(system, authors) -> None:
    waiting(system, authors, due=TODAY - timedelta(days=1))

    outcome = due_reminders_send(today=TODAY, thresholds=THRESHOLDS)

    assert (outcome.manuscripts, reminders()) == (0, [])


@pytest.mark.django_db
def test_no_reminder_too_early(system, authors) -> None:
    waiting(system, authors, due=TODAY + timedelta(days=8))

    assert due_reminders_send(today=TODAY, thresholds=THRESHOLDS).created == 0 and reminders() == []


@pytest.mark.django_db
def test_no_reminder_once_the_action_is_no_longer_required(system, authors) -> None:
    waiting(system, authors, due=TODAY + timedelta(days=1))
    waiting(system, authors, due=TODAY + timedelta(days=1), status="revision_submitted", minutes=5)

    assert due_reminders_send(today=TODAY, thresholds=THRESHOLDS).manuscripts == 0 and reminders() == []


@pytest.mark.django_db
def test_no_reminder_for_a_manuscript_the_platform_no_longer_lists(system, authors) -> None:
    manuscript = waiting(system, authors, due=TODAY + timedelta(days=1))
    Manuscript.objects.filter(pk=manuscript.pk).update(missing_since=manuscript.last_activity_at)

    assert due_reminders_send(today=TODAY, thresholds=THRESHOLDS).created == 0 and reminders() == []


@pytest.mark.django_db
def test_a_researcher_who_switched_reminders_off_gets_none(system, authors) -> None:
    li, maria = authors
    NotificationPreference.objects.create(researcher_id=maria.researcher_id, disabled_kinds=["due_reminder"])
    NotificationPreference.objects.create(researcher_id=li.researcher_id, disabled_kinds=["account_linked"])
    waiting(system, authors, due=TODAY + timedelta(days=1))

    outcome = due_reminders_send(today=TODAY, thresholds=THRESHOLDS)

    assert [researcher for researcher, _title, _key in reminders()] == [li.researcher_id]
    assert outcome.opted_out == 1


@pytest.mark.django_db
def test_an_unverified_account_gets_no_reminder(system) -> None:
    li = make_account(ResearcherFactory(), system, email="li.wei@example.org", user_id="7")
    pending = make_account(ResearcherFactory(), system, email="maria@example.org", user_id="8", status="pending")
    waiting(system, (li, pending), due=TODAY + timedelta(days=1))

    due_reminders_send(today=TODAY, thresholds=THRESHOLDS)

    assert [researcher for researcher, _title, _key in reminders()] == [li.researcher_id]


@pytest.mark.django_db
def test_the_settings_thresholds_are_used_by_default(system, authors, settings) -> None:
    settings.REMINDER_DAYS_BEFORE = [3]
    waiting(system, authors, due=TODAY + timedelta(days=5))
    waiting(system, authors, due=TODAY + timedelta(days=3), platform_id="2")

    outcome = due_reminders_send(today=TODAY)

    assert (outcome.manuscripts, outcome.created) == (1, 2)


@pytest.mark.django_db
def test_the_dedupe_key_is_unique_in_the_database(system, authors) -> None:
    waiting(system, authors, due=TODAY + timedelta(days=1))
    due_reminders_send(today=TODAY, thresholds=THRESHOLDS)
    notice = Notification.objects.filter(kind="due_reminder").first()

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(researcher_id=notice.researcher_id, kind="due_reminder",
                                    dedupe_key=notice.dedupe_key, title="again")


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_create_each_reminder_once(system, authors) -> None:
    for number in range(30):
        waiting(system, authors, due=TODAY + timedelta(days=number % 3), platform_id=str(number))
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait(timeout=10)
            due_reminders_send(today=TODAY, thresholds=THRESHOLDS)
        except BaseException as error:  # reported below: a thread's exception is otherwise lost
            failures.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    keys = list(Notification.objects.filter(kind="due_reminder").values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys)) == 60


def test_titles_say_today_tomorrow_or_how_many_days() -> None:
    with translation.override("en"):
        assert [reminder_title(days_left=days, action="files") for days in (0, 1, 6)] == [
            "Due today: Upload the files the journal asked for",
            "Due tomorrow: Upload the files the journal asked for",
            "Due in 6 days: Upload the files the journal asked for"]
    with translation.override("zh-hans"):
        assert reminder_title(days_left=6, action="proofs") == "还有 6 天截止：核对并确认校样"


# --- WeChat accepts it ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reminder_goes_out_through_its_own_template_with_every_keyword_accepted(system, wechat_sandbox) -> None:
    call_command("loaddata", "subscription_templates", verbosity=0)
    sandbox = wechat_sandbox.wechat
    researcher = WeChatIdentityFactory(researcher=ResearcherFactory(language="zh-hans"),
                                       openid=sandbox.register_user("alice")).researcher
    account = make_account(researcher, system, email="li.wei@example.org", user_id="7")
    snapshots_apply(journal_system=system, seen_by=account, snapshots=[
        snapshot("JAS-2026-0042", status="revision_requested", due_date=TODAY + timedelta(days=1))])
    Notification.objects.all().delete()  # the status notice is another template's business
    sandbox.subscribe("alice", {TEMPLATE_IDS["due_reminder"]: "accept"})
    subscriptions_record(researcher_id=researcher.pk, results={TEMPLATE_IDS["due_reminder"]: "accept"})

    due_reminders_send(today=TODAY, thresholds=THRESHOLDS)
    report = notifications_send_due()

    assert report.sent == 1
    [message] = sandbox.sent_messages
    assert message["template_id"] == TEMPLATE_IDS["due_reminder"]
    assert message["data"] == {"thing1": {"value": "干旱下土壤微生物组的变化"},  # the title in the reader's language
                               "thing2": {"value": "提交修改稿"}, "date3": {"value": "2026年11月21日"},
                               "character_string4": {"value": "JAS-2026-0042"}}
