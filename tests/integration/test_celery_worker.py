"""A real Celery worker process (not eager mode) consuming from Redis and writing to the test database."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuthToken, Researcher
from accounts.tasks import purge_expired_tokens, record_login
from publisher_backend.celery import app
from tests.conftest import wait_until, wechat_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_worker_runs_a_task_and_its_database_effect_is_visible(celery_worker_process, django_user_model):
    user = django_user_model.objects.create(username="r1")
    researcher = Researcher.objects.create(user=user)
    logged_in_at = timezone.now()

    record_login.delay(researcher.pk, "203.0.113.7", logged_in_at.isoformat())

    wait_until(lambda: Researcher.objects.get(pk=researcher.pk).login_count == 1, message="the login record")
    researcher.refresh_from_db()
    assert researcher.last_login_ip == "203.0.113.7"
    assert researcher.last_login_at == logged_in_at


def test_login_is_recorded_by_the_worker_after_commit(celery_worker_process, api_client, wechat_sandbox):
    response = api_client.post("/api/v1/auth/login", {"code": wechat_code("dora")}, format="json",
                               REMOTE_ADDR="198.51.100.9")
    researcher_id = response.json()["researcher"]["id"]

    wait_until(lambda: Researcher.objects.get(pk=researcher_id).login_count == 1, message="the worker")
    assert Researcher.objects.get(pk=researcher_id).last_login_ip == "198.51.100.9"


def test_redelivered_login_record_counts_once(django_user_model):
    user = django_user_model.objects.create(username="r2")
    researcher = Researcher.objects.create(user=user)
    logged_in_at = timezone.now().isoformat()

    record_login.apply(args=(researcher.pk, None, logged_in_at))
    record_login.apply(args=(researcher.pk, None, logged_in_at))

    assert Researcher.objects.get(pk=researcher.pk).login_count == 1


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks


def test_purge_removes_long_expired_and_revoked_tokens_only(django_user_model):
    researcher = Researcher.objects.create(user=django_user_model.objects.create(username="r3"))
    now = timezone.now()
    old = now - timedelta(days=40)
    AuthToken.objects.create(researcher=researcher, key_hash="a" * 64, expires_at=old)
    AuthToken.objects.create(researcher=researcher, key_hash="b" * 64, expires_at=now + timedelta(days=1),
                             revoked_at=old)
    AuthToken.objects.create(researcher=researcher, key_hash="c" * 64, expires_at=now + timedelta(days=1))

    assert purge_expired_tokens.apply().get() == 2

    assert list(AuthToken.objects.values_list("key_hash", flat=True)) == ["c" * 64]


def test_beat_installs_the_schedule_from_code_into_its_tables():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    DatabaseScheduler(app=app)

    task = PeriodicTask.objects.get(name="accounts-purge-expired-tokens")
    assert task.task == "accounts.tasks.purge_expired_tokens"
    assert task.enabled
