"""Services enqueue after commit by task name: every name they use is a task the workers know."""

import pytest
from celery import current_app

from accounts.models import Researcher
from manuscripts.services.polling import account_sync_schedule_now
from notifications.services import sender_kick_on_commit
from tests.manuscripts.factories import make_account, make_journal_system

pytestmark = pytest.mark.django_db


def test_the_tasks_services_enqueue_by_name_are_registered(login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as after_commit:
        login("alice")
        account = make_account(Researcher.objects.get(), make_journal_system(), email="a@example.org", user_id="1")
        account_sync_schedule_now(account=account)
        sender_kick_on_commit()

    current_app.loader.import_default_modules()  # what a worker imports at start
    names = [callback.task_name for callback in after_commit]
    assert names == ["accounts.tasks.record_login", "manuscripts.tasks.sync_account", "notifications.tasks.send_due"]
    assert set(names) <= set(current_app.tasks)
    assert after_commit[1].args == (account.pk,)
