"""A test run keeps to its own cache keys: cleaning up between tests never touches another run's keys or the
Celery broker's, which may live in the same Redis database (tests/conftest.py)."""

import os
import secrets

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from publisher_backend.celery import app as celery_app
from tests.conftest import RUN_KEY_PREFIX, broker_key, clear_run_cache
from tests.factories import JournalSystemFactory


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.close()


def test_each_run_has_a_prefix_of_its_own_that_its_workers_inherit():
    configured = os.environ.get("CACHE_KEY_PREFIX", "")
    assert cache.key_prefix == RUN_KEY_PREFIX == configured  # the worker processes get os.environ
    assert len(RUN_KEY_PREFIX.rsplit("-", 1)[-1]) == 8  # CACHE_KEY_PREFIX plus a random suffix


def test_cleanup_deletes_this_runs_keys_and_leaves_another_runs_and_the_brokers(redis_client):
    other_run_key = f"{RUN_KEY_PREFIX}x:1:ratelimit:login:203.0.113.7"  # a longer prefix is another run's
    redis_client.set(other_run_key, "theirs", ex=60)
    # A task waiting in the broker: a queue of its own, so no worker of this run consumes it.
    probe_queue = f"isolation-probe-{secrets.token_hex(4)}"
    celery_app.send_task("notifications.tasks.send_due", queue=probe_queue)
    cache.set("wechatpy:probe", "ours")
    try:
        assert redis_client.llen(broker_key(probe_queue)) == 1

        deleted = clear_run_cache()

        assert deleted >= 1 and cache.get("wechatpy:probe") is None
        assert redis_client.get(other_run_key) == b"theirs"
        assert redis_client.llen(broker_key(probe_queue)) == 1  # the queued task is still there
        assert redis_client.exists(broker_key(f"_kombu.binding.{probe_queue}"))  # and the broker's routing for it
    finally:
        redis_client.delete(other_run_key, *(broker_key(name) for name in (
            probe_queue, f"_kombu.binding.{probe_queue}", f"_kombu.binding_permanent.{probe_queue}")))


@pytest.mark.django_db
def test_the_platform_rate_limit_bucket_lives_under_the_runs_prefix(redis_client):
    from manuscripts.resilience import token_wait_seconds

    system = JournalSystemFactory()
    token_wait_seconds(system)

    assert redis_client.exists(cache.make_key(f"platform-bucket:{system.pk}"))
    clear_run_cache()
    assert not redis_client.exists(cache.make_key(f"platform-bucket:{system.pk}"))
