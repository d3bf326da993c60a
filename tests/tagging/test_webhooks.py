"""Outbound webhooks: registration through the staff API (scopes, event names, URL guard, the secret shown once),
deliveries written with the change that caused them, signed so the README's snippet verifies them, retried with
the same delivery id, refused at connect time when the address is private, paused when the endpoint is dead,
re-sent from admin; and the events other apps publish."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Researcher
from manuscripts.events import StatusChange, manuscript_status_changed_publish
from manuscripts.models import ManuscriptAccess
from tagging.models import AssignmentSource, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tagging.services.staff_api import api_key_create
from tagging.services.tags import tag_create, tags_assign, tags_remove
from tagging.services.webhooks import (
    webhook_deliveries_purge,
    webhook_deliveries_send,
    webhook_endpoint_create,
    webhook_event_emit,
    webhook_retry_delay,
    webhooks_sweep,
)
from tests.accounts.tasks_inline import tasks_inline
from tests.factories import JournalAccountFactory, ManuscriptFactory, ResearcherFactory, WeChatIdentityFactory
from tests.payments.paid_orders import paid_order_of
from tests.tagging.webhook_receiver import Answer, WebhookReceiver

pytestmark = pytest.mark.django_db

# The README's verification snippet, character for character (README: Webhooks, "Verifying a delivery").
README_SNIPPET = '''
import hashlib
import hmac
import time


def scholar_link_signature_valid(secret: str, body: bytes, header: str, tolerance_seconds: int = 300) -> bool:
    """True when `body` (the raw request body, as bytes) was signed with `secret`, recently.
    `header` is the X-Scholar-Link-Signature header: "t=<unix seconds>,v1=<hex HMAC-SHA256>"."""
    try:
        fields = dict(part.strip().split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
        received = fields["v1"]
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance_seconds:
        return False  # an old delivery replayed
    expected = hmac.new(secret.encode("utf-8"), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)
'''
_snippet_namespace: dict = {}
exec(README_SNIPPET, _snippet_namespace)  # noqa: S102 - the README's own code, run as a receiver would
signature_valid = _snippet_namespace["scholar_link_signature_valid"]

PUBLIC_IP = "93.184.216.34"


@pytest.fixture(scope="module")
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def fast(settings):
    """Local receivers allowed (as in tests and a receiver on the same private network); short waits."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_CIRCUIT_FAILURES = 5
    return settings


def staff_api(*scopes: str, name: str = "crm") -> APIClient:
    _key, raw_key = api_key_create(name=name, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def endpoint_for(receiver: WebhookReceiver, path: str, events=("tag.assigned",)) -> tuple[WebhookEndpoint, str]:
    receiver.answers.pop(path, None)
    return webhook_endpoint_create(url=receiver.url(path), events=list(events))


def emit_tag_assigned(count: int = 1) -> list[Researcher]:
    researchers = [ResearcherFactory(orcid=f"0000-0002-1825-00{97 - index:02d}" if index == 0 else "")
                   for index in range(count)]
    tag = tag_create(slug=f"oncology-{time.monotonic_ns()}", name_en="Oncology")
    tags_assign(tag=tag, researcher_ids=[researcher.pk for researcher in researchers], source=AssignmentSource.API)
    return researchers


def make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


# --- registering ----------------------------------------------------------------------------------------------


def test_registering_answers_the_id_and_secret_once_and_keeps_the_secret_encrypted(fast, receiver):
    client = staff_api("webhooks:write")

    response = client.post("/api/v1/staff/webhooks", {"url": receiver.url("/crm"),
                                                      "events": ["tag.assigned", "order.paid"]}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "secret"}
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.secret == body["secret"] and endpoint.events == ["tag.assigned", "order.paid"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM tagging_webhookendpoint WHERE id = %s", [endpoint.pk])
        stored = cursor.fetchone()[0]
    assert body["secret"] not in stored
    for answer in (client.get("/api/v1/staff/webhooks"), client.get(f"/api/v1/staff/webhooks/{endpoint.pk}")):
        assert answer.status_code == 200
        assert body["secret"] not in answer.content.decode()
    assert client.get("/api/v1/staff/webhooks").json()["results"][0]["url"] == receiver.url("/crm")


def test_an_unknown_event_is_a_400_naming_it(fast, receiver):
    response = staff_api("webhooks:write").post(
        "/api/v1/staff/webhooks", {"url": receiver.url("/crm"), "events": ["tag.assigned", "tag.exploded"]},
        format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "tag.exploded" in response.json()["fields"]["events"][0]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hook", "https://10.1.2.3/hook", "https://192.168.0.7/hook",
                                 "https://169.254.169.254/latest/meta-data", "https://[::1]/hook",
                                 "https://[::ffff:127.0.0.1]/hook", "https://localhost/hook"])
def test_private_loopback_and_link_local_urls_are_refused(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False

    response = staff_api("webhooks:write").post("/api/v1/staff/webhooks", {"url": url, "events": ["order.paid"]},
                                                format="json")

    assert response.status_code == 400, response.content
    assert "WEBHOOK_ALLOW_PRIVATE_URLS" in response.json()["fields"]["url"][0]


def test_a_private_url_is_accepted_when_the_setting_allows_it(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True

    response = staff_api("webhooks:write").post("/api/v1/staff/webhooks",
                                                {"url": "http://127.0.0.1:8000/hook", "events": ["order.paid"]},
                                                format="json")

    assert response.status_code == 201


def test_plain_http_to_a_public_address_is_refused_in_production_and_https_accepted(settings):
    settings.DEBUG, settings.WEBHOOK_ALLOW_PRIVATE_URLS = False, False
    client = staff_api("webhooks:write")

    refused = client.post("/api/v1/staff/webhooks", {"url": f"http://{PUBLIC_IP}/hook", "events": ["order.paid"]},
                          format="json")
    accepted = client.post("/api/v1/staff/webhooks", {"url": f"https://{PUBLIC_IP}/hook", "events": ["order.paid"]},
                           format="json")

    assert refused.status_code == 400 and "https" in refused.json()["fields"]["url"][0]
    assert accepted.status_code == 201


def test_no_key_is_401_and_a_key_without_the_scope_is_403(fast, receiver):
    payload = {"url": receiver.url("/crm"), "events": ["order.paid"]}

    assert APIClient().post("/api/v1/staff/webhooks", payload, format="json").status_code == 401
    assert staff_api("researchers:read").post("/api/v1/staff/webhooks", payload, format="json").status_code == 403
    assert staff_api("researchers:read").get("/api/v1/staff/webhooks").status_code == 403


def test_a_key_sees_and_deletes_only_the_endpoints_it_registered(fast, receiver):
    crm, warehouse = staff_api("webhooks:write", name="crm"), staff_api("webhooks:write", name="warehouse")
    endpoint_id = crm.post("/api/v1/staff/webhooks", {"url": receiver.url("/crm"), "events": ["order.paid"]},
                           format="json").json()["id"]

    assert warehouse.get("/api/v1/staff/webhooks").json()["results"] == []
    assert warehouse.delete(f"/api/v1/staff/webhooks/{endpoint_id}").status_code == 404
    assert crm.delete(f"/api/v1/staff/webhooks/{endpoint_id}").status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=endpoint_id).exists()


# --- emitting ---------------------------------------------------------------------------------------------------


def test_an_event_makes_one_delivery_per_listening_active_endpoint_per_item(fast, receiver):
    listening, _ = endpoint_for(receiver, "/a", events=["tag.assigned"])
    endpoint_for(receiver, "/b", events=["tag.removed"])
    inactive, _ = endpoint_for(receiver, "/c", events=["tag.assigned"])
    WebhookEndpoint.objects.filter(pk=inactive.pk).update(active=False)

    first, second = emit_tag_assigned(count=2)

    deliveries = WebhookDelivery.objects.order_by("pk")
    assert [(delivery.endpoint_id, delivery.event) for delivery in deliveries] == [
        (listening.pk, "tag.assigned"), (listening.pk, "tag.assigned")]
    tag_slug = deliveries[0].payload["data"]["tag"]
    assert [delivery.payload["data"] for delivery in deliveries] == [
        {"tag": tag_slug, "researcher": {"id": first.pk, "orcid": first.orcid}},
        {"tag": tag_slug, "researcher": {"id": second.pk, "orcid": None}}]
    assert all(delivery.payload["id"] == str(delivery.delivery_id) for delivery in deliveries)
    assert len({delivery.delivery_id for delivery in deliveries}) == 2


def test_a_rolled_back_change_leaves_no_delivery(fast, receiver):
    endpoint_for(receiver, "/a", events=["tag.removed"])
    tag = tag_create(slug="rollback", name_en="Rollback")
    researcher = ResearcherFactory()
    tags_assign(tag=tag, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF)

    with pytest.raises(RuntimeError), transaction.atomic():
        tags_remove(tag=tag, researcher_ids=[researcher.pk], source=AssignmentSource.STAFF)
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the caller fails after the change")

    assert WebhookDelivery.objects.count() == 0


def test_a_sender_is_queued_per_endpoint_only_after_commit(fast, receiver, django_capture_on_commit_callbacks):
    first, _ = endpoint_for(receiver, "/a")
    second, _ = endpoint_for(receiver, "/b")

    with django_capture_on_commit_callbacks() as callbacks:
        emit_tag_assigned(count=3)

    queued = [(callback.task_name, callback.args) for callback in callbacks if hasattr(callback, "task_name")]
    assert sorted(queued) == sorted([("tagging.tasks.webhook_deliver", (first.pk,)),
                                     ("tagging.tasks.webhook_deliver", (second.pk,))])


def test_an_unknown_event_name_is_a_programming_error():
    with pytest.raises(ValueError, match="tag.exploded"):
        webhook_event_emit(event="tag.exploded", data_items=[{}])


# --- delivering -------------------------------------------------------------------------------------------------


def test_a_delivery_is_signed_so_that_the_readme_snippet_verifies_it(fast, receiver):
    endpoint, secret = endpoint_for(receiver, "/signed")
    emit_tag_assigned()
    delivery = WebhookDelivery.objects.get()

    report = webhook_deliveries_send(endpoint_id=endpoint.pk)

    assert (report.attempted, report.delivered) == (1, 1)
    [request] = receiver.at("/signed")
    body = json.loads(request.body)
    assert set(body) == {"id", "event", "created_at", "data"}
    assert body["id"] == request.headers["X-Scholar-Link-Delivery"] == str(delivery.delivery_id)
    assert body["event"] == request.headers["X-Scholar-Link-Event"] == "tag.assigned"
    header = request.headers["X-Scholar-Link-Signature"]
    assert signature_valid(secret, request.body, header)
    assert not signature_valid(secret, request.body.replace(b"tag.assigned", b"tag.removed"), header)
    assert not signature_valid("whsec_someone-else", request.body, header)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.last_response_code == 200
    assert delivery.attempts == 1 and delivery.delivered_at is not None and delivery.last_response_ms is not None


def test_the_snippet_refuses_an_old_signature():
    body = b'{"id":"x"}'
    old = int(time.time()) - 3600
    signature = hmac.new(b"whsec_s", f"{old}.".encode() + body, hashlib.sha256).hexdigest()
    assert not signature_valid("whsec_s", body, f"t={old},v1={signature}")
    assert not signature_valid("whsec_s", body, "garbage")


def test_a_failing_endpoint_is_retried_with_the_same_delivery_id(fast, receiver):
    endpoint, secret = endpoint_for(receiver, "/flaky")
    receiver.answers["/flaky"] = Answer(status=500, body=b"database is down")
    emit_tag_assigned()
    delivery = WebhookDelivery.objects.get()

    webhook_deliveries_send(endpoint_id=endpoint.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_response_code == 500 and delivery.last_error == "HTTP 500: database is down"
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=10)  # backed off, not at once
    assert webhook_deliveries_send(endpoint_id=endpoint.pk).attempted == 0  # not due yet

    receiver.answers["/flaky"] = Answer(status=204, body=b"")
    make_due(delivery)
    webhook_deliveries_send(endpoint_id=endpoint.pk)

    first, second = receiver.at("/flaky")
    assert first.headers["X-Scholar-Link-Delivery"] == second.headers["X-Scholar-Link-Delivery"] == str(
        delivery.delivery_id)
    assert first.body == second.body
    assert signature_valid(secret, second.body, second.headers["X-Scholar-Link-Signature"])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (DeliveryStatus.DELIVERED, 2, 204)


def test_a_delivery_still_failing_when_its_window_ends_is_failed(fast, receiver):
    endpoint, _ = endpoint_for(receiver, "/down")
    receiver.answers["/down"] = Answer(status=503)
    emit_tag_assigned()
    WebhookDelivery.objects.update(give_up_at=timezone.now() - timedelta(seconds=1))

    webhook_deliveries_send(endpoint_id=endpoint.pk)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_response_code == 503


def test_retries_back_off_exponentially_with_jitter_up_to_a_cap(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS = 30, 3600

    assert 15 <= webhook_retry_delay(1) <= 30
    assert 60 <= webhook_retry_delay(3) <= 120
    assert 1800 <= webhook_retry_delay(20) <= 3600
    assert len({webhook_retry_delay(5) for _ in range(20)}) > 1


def test_the_retry_window_is_a_day_after_the_event(fast, receiver):
    endpoint_for(receiver, "/a")
    emit_tag_assigned()

    delivery = WebhookDelivery.objects.get()
    assert delivery.give_up_at - delivery.created_at == timedelta(hours=24)


def test_redirects_are_not_followed(fast, receiver):
    endpoint, _ = endpoint_for(receiver, "/moved")
    receiver.answers["/moved"] = Answer(status=302, headers={"Location": receiver.url("/elsewhere")})
    emit_tag_assigned()

    webhook_deliveries_send(endpoint_id=endpoint.pk)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_response_code == 302
    assert "redirects are not followed" in delivery.last_error
    assert receiver.at("/elsewhere") == []


def test_a_private_address_is_refused_at_delivery_time_when_not_allowed(fast, receiver):
    endpoint, _ = endpoint_for(receiver, "/internal")
    emit_tag_assigned()
    fast.WEBHOOK_ALLOW_PRIVATE_URLS = False  # e.g. turned off after registration

    webhook_deliveries_send(endpoint_id=endpoint.pk)

    assert receiver.at("/internal") == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_response_code is None
    assert "private, loopback or link-local" in delivery.last_error


def test_a_name_that_resolves_to_a_private_address_later_is_refused_on_connect(settings, receiver, monkeypatch):
    """DNS rebinding: public when registered, 127.0.0.1 when delivering."""
    settings.DEBUG, settings.WEBHOOK_ALLOW_PRIVATE_URLS = False, False
    real_getaddrinfo = socket.getaddrinfo
    answer = {"address": PUBLIC_IP}

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "hooks.example.org":
            return real_getaddrinfo(answer["address"], port, *args, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    port = receiver.server.server_address[1]
    endpoint, _ = webhook_endpoint_create(url=f"https://hooks.example.org:{port}/rebound", events=["tag.assigned"])
    emit_tag_assigned()
    answer["address"] = "127.0.0.1"

    webhook_deliveries_send(endpoint_id=endpoint.pk)

    assert receiver.at("/rebound") == []
    assert "127.0.0.1 is a private, loopback or link-local address" in WebhookDelivery.objects.get().last_error


def test_a_dead_endpoint_is_paused_and_holds_no_sender_while_others_are_served(fast, receiver):
    fast.WEBHOOK_CIRCUIT_FAILURES = 2
    dead, _ = endpoint_for(receiver, "/dead")
    alive, _ = endpoint_for(receiver, "/alive")
    receiver.answers["/dead"] = Answer(status=500)
    emit_tag_assigned(count=4)

    for _ in range(2):
        WebhookDelivery.objects.filter(endpoint=dead).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        webhook_deliveries_send(endpoint_id=dead.pk)

    dead.refresh_from_db()
    assert dead.consecutive_failures >= 2 and dead.paused_until > timezone.now()
    attempts = len(receiver.at("/dead"))
    WebhookDelivery.objects.filter(endpoint=dead).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert webhook_deliveries_send(endpoint_id=dead.pk).attempted == 0  # paused: nothing tried, nothing held
    assert len(receiver.at("/dead")) == attempts
    assert webhooks_sweep() == 1  # the sweep starts the live endpoint's sender only
    assert webhook_deliveries_send(endpoint_id=alive.pk).delivered == 4

    # After the pause, one attempt at a time until one succeeds; a success closes the circuit.
    receiver.answers["/dead"] = Answer(status=200)
    WebhookEndpoint.objects.filter(pk=dead.pk).update(paused_until=timezone.now() - timedelta(seconds=1))
    assert webhook_deliveries_send(endpoint_id=dead.pk).delivered == 4
    dead.refresh_from_db()
    assert dead.consecutive_failures == 0 and dead.paused_until is None


def test_no_more_than_the_cap_is_in_flight_and_a_dead_workers_claim_is_taken_over(fast, receiver):
    fast.WEBHOOK_ENDPOINT_CONCURRENCY = 2
    endpoint, _ = endpoint_for(receiver, "/capped")
    emit_tag_assigned(count=3)
    in_flight = list(WebhookDelivery.objects.order_by("pk")[:2])
    WebhookDelivery.objects.filter(pk__in=[delivery.pk for delivery in in_flight]).update(
        status=DeliveryStatus.SENDING, attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=1))

    assert webhook_deliveries_send(endpoint_id=endpoint.pk).attempted == 0  # two in flight: the cap

    # Their worker died: when the leases end, the deliveries are sent again (as the same deliveries).
    WebhookDelivery.objects.filter(status=DeliveryStatus.SENDING).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert webhook_deliveries_send(endpoint_id=endpoint.pk).delivered == 3
    assert sorted(request.headers["X-Scholar-Link-Delivery"] for request in receiver.at("/capped")) == sorted(
        str(delivery.delivery_id) for delivery in WebhookDelivery.objects.all())
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1, 2}


def test_a_task_gives_its_worker_back_after_its_time_budget_and_queues_the_rest(
        fast, receiver, django_capture_on_commit_callbacks):
    fast.WEBHOOK_DRAIN_SECONDS = 0.0
    endpoint, _ = endpoint_for(receiver, "/budget")
    emit_tag_assigned(count=2)

    with django_capture_on_commit_callbacks() as callbacks:
        report = webhook_deliveries_send(endpoint_id=endpoint.pk)

    assert report.attempted == 0 and report.more_due
    assert [(callback.task_name, callback.args) for callback in callbacks] == [
        ("tagging.tasks.webhook_deliver", (endpoint.pk,))]


def test_old_settled_deliveries_are_purged_and_pending_ones_kept(fast, receiver):
    endpoint_for(receiver, "/log")
    emit_tag_assigned(count=3)
    old = timezone.now() - timedelta(days=fast.WEBHOOK_DELIVERY_RETENTION_DAYS + 1)
    delivered, failed, pending = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=delivered.pk).update(status=DeliveryStatus.DELIVERED, created_at=old)
    WebhookDelivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED, created_at=old)
    WebhookDelivery.objects.filter(pk=pending.pk).update(created_at=old)

    assert webhook_deliveries_purge() == 2

    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [pending.pk]


@pytest.mark.django_db(transaction=True)
def test_sending_never_waits_on_a_product_transaction_that_is_writing_deliveries(fast, receiver):
    """A product transaction that has written deliveries and not committed yet holds nothing the sender needs:
    the sender delivers what is committed and does not wait (nor, with FOR NO KEY UPDATE on the endpoint, does
    the product's commit, whose foreign-key check takes a key-share lock on the endpoint row)."""
    endpoint, _ = endpoint_for(receiver, "/busy")
    emit_tag_assigned()  # committed: one delivery due
    inserted, may_commit = threading.Event(), threading.Event()

    def product_transaction() -> None:
        try:
            with transaction.atomic():
                emit_tag_assigned()
                inserted.set()
                may_commit.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=product_transaction)
    thread.start()
    try:
        assert inserted.wait(timeout=30)
        started = time.monotonic()
        report = webhook_deliveries_send(endpoint_id=endpoint.pk)
        elapsed = time.monotonic() - started
    finally:
        may_commit.set()
        thread.join()

    assert report.delivered == 1  # the committed one; the other was not visible yet
    assert elapsed < 5
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 2


# --- admin ------------------------------------------------------------------------------------------------------


def test_admin_resend_sends_the_same_delivery_again(fast, receiver, staff_client, django_capture_on_commit_callbacks):
    endpoint, _ = endpoint_for(receiver, "/resent")
    emit_tag_assigned()
    webhook_deliveries_send(endpoint_id=endpoint.pk)
    delivery = WebhookDelivery.objects.get()

    with tasks_inline(), django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:tagging_webhookdelivery_changelist"),
                                     {"action": "resend", "_selected_action": [delivery.pk]})

    assert response.status_code == 302
    first, second = receiver.at("/resent")
    assert first.headers["X-Scholar-Link-Delivery"] == second.headers["X-Scholar-Link-Delivery"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2


def test_admin_shows_the_secret_once_after_creation_and_never_in_lists_or_forms(fast, receiver, staff_client):
    response = staff_client.post(reverse("admin:tagging_webhookendpoint_add"), {
        "url": receiver.url("/from-admin"), "events": ["order.paid", "tag.removed"], "description": "CRM"})

    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert endpoint.events == ["order.paid", "tag.removed"]
    emit_tag_assigned()
    for page in (reverse("admin:tagging_webhookendpoint_changelist"),
                 reverse("admin:tagging_webhookendpoint_change", args=[endpoint.pk]),
                 reverse("admin:tagging_webhookdelivery_changelist")):
        shown = staff_client.get(page)
        assert shown.status_code == 200
        assert endpoint.secret not in shown.content.decode()


def test_admin_refuses_a_private_url_in_the_form(settings, staff_client):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False

    response = staff_client.post(reverse("admin:tagging_webhookendpoint_add"), {
        "url": "http://127.0.0.1:6379/", "events": ["order.paid"]})

    assert response.status_code == 200
    assert "WEBHOOK_ALLOW_PRIVATE_URLS" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


# --- events of other apps ---------------------------------------------------------------------------------------


def test_a_first_login_emits_researcher_created_once(fast, receiver, login, django_capture_on_commit_callbacks):
    endpoint_for(receiver, "/people", events=["researcher.created"])

    with django_capture_on_commit_callbacks(execute=True):
        researcher_id = login("wen")["researcher"]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        login("wen")

    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "researcher.created"
    assert delivery.payload["data"] == {"researcher": {"id": researcher_id, "language": "zh-hans"}}


def test_a_login_that_joins_a_researcher_known_by_unionid_creates_no_one(fast, receiver, wechat_sandbox, login,
                                                                          django_capture_on_commit_callbacks):
    endpoint_for(receiver, "/people", events=["researcher.created"])
    known = WeChatIdentityFactory(appid="wx-another-app-of-the-publisher",
                                  unionid=wechat_sandbox.wechat.unionid_for("mei"))

    with django_capture_on_commit_callbacks(execute=True):
        assert login("mei")["researcher"]["id"] == known.researcher_id

    assert not WebhookDelivery.objects.exists()


def test_a_manuscript_status_change_tells_the_journal_and_the_authors(fast, receiver,
                                                                      django_capture_on_commit_callbacks):
    endpoint_for(receiver, "/manuscripts", events=["manuscript.status_changed"])
    manuscript = ManuscriptFactory()
    author = ResearcherFactory(orcid="0000-0002-1825-0097")
    account = JournalAccountFactory(researcher=author, journal_system=manuscript.journal_system)
    ManuscriptAccess.objects.create(manuscript=manuscript, journal_account=account)
    occurred_at = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        manuscript_status_changed_publish(changes=[
            StatusChange(manuscript_id=manuscript.pk, from_status="under_review", to_status="accepted",
                         occurred_at=occurred_at)])

    assert WebhookDelivery.objects.get().payload["data"] == {
        "manuscript": {"id": manuscript.pk, "journal": manuscript.journal.key},
        "from_status": "under_review", "to_status": "accepted", "occurred_at": occurred_at.isoformat(),
        "researchers": [{"id": author.pk, "orcid": "0000-0002-1825-0097"}]}


def test_a_paid_order_emits_order_paid(fast, receiver, django_capture_on_commit_callbacks):
    endpoint_for(receiver, "/orders", events=["order.paid"])
    author = ResearcherFactory()

    with tasks_inline(), django_capture_on_commit_callbacks(execute=True):
        order = paid_order_of(author)

    data = WebhookDelivery.objects.get().payload["data"]
    assert data == {"order": {"id": order.pk, "kind": "apc", "amount_fen": 250000, "currency": "CNY",
                              "paid_at": order.paid_at.isoformat(), "settled_by": "wechat_pay", "manuscript": None,
                              "journal": order.journal.key, "researcher": {"id": author.pk, "orcid": None}}}
    assert "transaction" not in json.dumps(data)


def test_events_nobody_listens_to_write_nothing(fast, receiver, django_capture_on_commit_callbacks):
    endpoint_for(receiver, "/tags-only", events=["tag.assigned"])

    with tasks_inline(), django_capture_on_commit_callbacks(execute=True):
        paid_order_of(ResearcherFactory())

    assert not WebhookDelivery.objects.exists()


def test_the_readme_shows_exactly_the_snippet_these_tests_run():
    from tests.conftest import REPO_ROOT

    assert README_SNIPPET.strip() in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
