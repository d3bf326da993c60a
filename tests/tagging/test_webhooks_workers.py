"""Webhooks through real Celery worker processes on the `webhooks` queue: a slow endpoint does not delay the
deliveries to another endpoint, and a failing one is retried (same delivery id) until it answers."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from publisher_backend.celery import app
from tagging.models import AssignmentSource, DeliveryStatus, WebhookDelivery
from tagging.services.tags import tag_create, tags_assign, tags_remove
from tagging.services.webhooks import webhook_endpoint_create
from tagging.tasks import webhook_sweep
from tests.conftest import start_celery_worker, stop_process, wait_until
from tests.factories import ResearcherFactory
from tests.tagging.webhook_receiver import Answer, WebhookReceiver

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

SLOW_SECONDS = 3.0
WORKER_NAMES = ("pytest-webhooks-1", "pytest-webhooks-2")


@pytest.fixture(scope="module")
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def webhook_workers(django_db_setup, django_db_blocker):
    """Two solo worker processes on the webhooks queue, each endpoint allowed one delivery in flight."""
    env = {"WEBHOOK_ALLOW_PRIVATE_URLS": "true", "WEBHOOK_ENDPOINT_CONCURRENCY": "1",
           "WEBHOOK_TIMEOUT_SECONDS": "10"}
    workers = [start_celery_worker(name, env, queues="webhooks") for name in WORKER_NAMES]
    try:
        wait_until(lambda: len({node for reply in app.control.ping(timeout=1.0) for node in reply
                                if node.split("@")[0] in WORKER_NAMES}) == len(WORKER_NAMES),
                   timeout=60, interval=0.5, message="both webhook workers to answer a ping")
        yield workers
    finally:
        for worker in workers:
            stop_process(worker)


@pytest.fixture
def allow_local(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


def test_a_slow_endpoint_does_not_delay_the_deliveries_to_another(webhook_workers, receiver, allow_local):
    receiver.answers["/slow"] = Answer(delay_seconds=SLOW_SECONDS)
    slow, _ = webhook_endpoint_create(url=receiver.url("/slow"), events=["tag.assigned"])
    fast, _ = webhook_endpoint_create(url=receiver.url("/fast"), events=["tag.removed"])
    researcher_ids = [ResearcherFactory().pk for _ in range(5)]
    tag = tag_create(slug="slow-and-fast", name_en="Slow and fast")

    # The slow endpoint's work is queued first, then the fast one's: one worker would serve them in that order.
    tags_assign(tag=tag, researcher_ids=researcher_ids, source=AssignmentSource.API)
    wait_until(lambda: receiver.at("/slow"), timeout=30, message="the slow endpoint's first delivery to start")
    committed = time.monotonic()
    tags_remove(tag=tag, researcher_ids=researcher_ids, source=AssignmentSource.API)

    wait_until(lambda: WebhookDelivery.objects.filter(endpoint=fast, status=DeliveryStatus.DELIVERED).count() == 5,
               timeout=30, message="the fast endpoint's deliveries")
    fast_done = time.monotonic() - committed
    slow_delivered = WebhookDelivery.objects.filter(endpoint=slow, status=DeliveryStatus.DELIVERED).count()
    # The slow endpoint takes SLOW_SECONDS per delivery, one at a time (its cap): had the fast endpoint waited
    # behind it, all five slow deliveries (5 × SLOW_SECONDS) would have been made first.
    assert slow_delivered <= 2, (fast_done, slow_delivered)
    assert len(receiver.at("/fast")) == 5

    # The slow endpoint gets everything too, one at a time, each delivery once.
    wait_until(lambda: WebhookDelivery.objects.filter(endpoint=slow, status=DeliveryStatus.DELIVERED).count() == 5,
               timeout=60, message="the slow endpoint's deliveries")
    slow_requests = receiver.at("/slow")
    assert len({request.headers["X-Scholar-Link-Delivery"] for request in slow_requests}) == len(slow_requests) == 5
    gaps = [later.at - earlier.at for earlier, later in zip(slow_requests, slow_requests[1:], strict=False)]
    assert min(gaps) >= SLOW_SECONDS * 0.9  # never two in flight to one endpoint (WEBHOOK_ENDPOINT_CONCURRENCY=1)


def test_a_failing_endpoint_is_retried_by_the_workers_with_the_same_delivery_id(webhook_workers, receiver,
                                                                               allow_local):
    receiver.answers["/failing"] = Answer(status=500)
    endpoint, _ = webhook_endpoint_create(url=receiver.url("/failing"), events=["tag.assigned"])
    tag = tag_create(slug="failing", name_en="Failing")

    tags_assign(tag=tag, researcher_ids=[ResearcherFactory().pk], source=AssignmentSource.API)

    wait_until(lambda: WebhookDelivery.objects.filter(endpoint=endpoint, attempts=1,
                                                      status=DeliveryStatus.PENDING).exists(),
               timeout=30, message="the first, failed attempt")
    receiver.answers["/failing"] = Answer(status=200)
    WebhookDelivery.objects.filter(endpoint=endpoint).update(next_attempt_at=timezone.now())  # the backoff is over
    webhook_sweep.delay()  # what beat runs every 15 s

    wait_until(lambda: WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.DELIVERED).exists(),
               timeout=30, message="the retry")
    first, second = receiver.at("/failing")
    assert first.headers["X-Scholar-Link-Delivery"] == second.headers["X-Scholar-Link-Delivery"]
    assert first.body == second.body
    assert WebhookDelivery.objects.get(endpoint=endpoint).attempts == 2
