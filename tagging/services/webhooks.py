"""Outbound webhooks (DESIGN Contract: staff API webhooks). `webhook_event_emit` is the one way in.

What it keeps:
- An event item becomes one delivery row per active endpoint that listens to the event, written in the caller's
  transaction; the senders are told after commit (a rolled-back change sends nothing).
- A delivery keeps its id (payload `id`, `X-Scholar-Link-Delivery`) on every attempt; each attempt is signed
  anew (`t` is the attempt's time) over the same body.
- Nothing that sends runs in the product's request or transaction. Each endpoint's deliveries are sent by
  `webhook_deliveries_send` in Celery tasks on the `webhooks` queue: oldest first, at most
  WEBHOOK_ENDPOINT_CONCURRENCY in flight per endpoint (claims are counted under the endpoint's row lock), each
  attempt bounded by WEBHOOK_TIMEOUT_SECONDS, and a task gives its worker back after WEBHOOK_DRAIN_SECONDS,
  queueing the rest of the backlog behind other endpoints' work. So a slow endpoint holds at most its cap of
  workers, a dead one pauses (the circuit) instead of holding any, and neither delays another endpoint.
- A failed attempt (no answer in time, no connection, a refused address, any status but 2xx — a redirect
  included, as redirects are not followed) is retried with exponential backoff and jitter until
  WEBHOOK_RETRY_WINDOW_SECONDS after the event (24 h), then the delivery is `failed`. Staff can resend any
  delivery from admin: same id, a new 24 h window.
- Claims are leases (fenced by the attempt count): a worker killed mid-attempt loses nothing; its delivery is
  sent again after WEBHOOK_LEASE_SECONDS, and a late outcome of the dead worker cannot overwrite a newer one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from publisher_backend.dispatch import coalesced_task_started, enqueue_on_commit
from publisher_backend.errors import ApiError
from tagging.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from tagging.webhook_urls import WebhookAddressRefused, validate_webhook_url, webhook_session

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
USER_AGENT = "ScholarLink-Webhooks/1.0"
ERROR_BODY_BYTES = 200  # of a failing answer's body, kept in last_error
DELIVER_TASK = "tagging.tasks.webhook_deliver"


class WebhookInvalid(ApiError):
    status_code = 400
    code = "invalid"
    default_message = _("The webhook could not be registered.")


def _coalesce_key(endpoint_id: int) -> str:
    return f"webhook-endpoint:{endpoint_id}"


def _senders_wanted(endpoint_id: int) -> None:
    """A task for this endpoint after commit (coalesced: a burst of commits costs one message)."""
    enqueue_on_commit(DELIVER_TASK, endpoint_id, coalesce_key=_coalesce_key(endpoint_id))


# --- endpoints ------------------------------------------------------------------------------------------------


def webhook_events_check(events: object) -> list[str]:
    """The events list, de-duplicated in order; WebhookInvalid (400, naming the unknown ones) otherwise."""
    if not isinstance(events, list) or not events or not all(isinstance(event, str) for event in events):
        raise WebhookInvalid(fields={"events": [_("Give a list of one or more events.")]})
    unknown = [event for event in events if event not in WebhookEvent.values]
    if unknown:
        raise WebhookInvalid(fields={"events": [
            _("Unknown event: %(event)s. Known events: %(known)s.") % {"event": event,
                                                                        "known": ", ".join(WebhookEvent.values)}
            for event in unknown]})
    return list(dict.fromkeys(events))


def webhook_endpoint_create(*, url: str, events: object, description: str = "", created_by_key=None,
                            created_by=None) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns (the row, its signing secret). The secret is stored encrypted and this is
    the only time it is returned. The URL is checked (webhook_urls.validate_webhook_url) and every event must be
    known: WebhookInvalid (400) names what is wrong under `fields.url` / `fields.events`."""
    fields: dict[str, list] = {}
    try:
        validate_webhook_url(url)
    except ValidationError as error:
        fields["url"] = error.messages
    try:
        events = webhook_events_check(events)
    except WebhookInvalid as error:
        fields.update(error.fields)
    if fields:
        raise WebhookInvalid(fields=fields)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(url=url, events=events, secret=secret, description=description[:200],
                                              created_by_key=created_by_key, created_by=created_by)
    return endpoint, secret


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its delivery log; nothing more is sent to it (a delivery in flight finishes)."""
    endpoint.delete()


def webhook_endpoint_resume(*, endpoint_ids: Iterable[int]) -> int:
    """Close the circuit of these endpoints now (staff know the receiver is back): their backlog is sent."""
    endpoint_ids = list(endpoint_ids)
    with transaction.atomic():
        resumed = WebhookEndpoint.objects.filter(pk__in=endpoint_ids).update(paused_until=None, consecutive_failures=0)
        for endpoint_id in endpoint_ids:
            _senders_wanted(endpoint_id)
    return resumed


# --- events ---------------------------------------------------------------------------------------------------


def _listening_endpoints(event: str) -> list[WebhookEndpoint]:
    # Endpoints are few; the event list is read in Python so this works the same on SQLite (make run).
    return [endpoint for endpoint in WebhookEndpoint.objects.filter(active=True).only("pk", "events")
            if endpoint.listens_to(event)]


def webhooks_listening(*, event: str) -> bool:
    """Whether any active endpoint wants `event` (callers skip building data nobody receives). Asked after every
    payment notification before it is answered, so it reads only the event lists, unordered."""
    return any(event in (events or ()) for events in
               WebhookEndpoint.objects.filter(active=True).order_by().values_list("events", flat=True))


def webhook_event_emit(*, event: str, data_items: list[dict]) -> None:
    """Queue one delivery per subscribed endpoint for each item of `data_items` (event data), after commit.

    Runs in the caller's transaction (the rows exist only if it commits); never sends anything itself. Items
    must be JSON-serializable and carry no secret (see the README's list of payloads)."""
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    if not data_items:
        return
    endpoints = _listening_endpoints(event)
    if not endpoints:
        return
    now = timezone.now()
    created_at = now.isoformat()
    give_up_at = now + timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS)
    rows = []
    for endpoint in endpoints:
        for item in data_items:
            delivery_id = uuid.uuid4()
            rows.append(WebhookDelivery(
                endpoint_id=endpoint.pk, event=event, delivery_id=delivery_id, next_attempt_at=now,
                give_up_at=give_up_at, created_at=now,
                payload={"id": str(delivery_id), "event": event, "created_at": created_at, "data": item}))
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(rows, batch_size=1000)
        for endpoint in endpoints:
            _senders_wanted(endpoint.pk)


# --- signing and sending --------------------------------------------------------------------------------------


def webhook_body(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact UTF-8 JSON with sorted keys, the same on every attempt."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 keyed with the secret's UTF-8 bytes over "<timestamp>.<raw body>" (the Contract)."""
    return hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class _Claim:
    pk: int
    attempts: int
    endpoint_id: int
    url: str
    secret: str
    event: str
    delivery_id: str
    body: bytes


@dataclass(frozen=True)
class _Outcome:
    delivered: bool
    response_code: int | None
    error: str
    response_ms: int | None


@dataclass
class SendReport:
    attempted: int = 0
    delivered: int = 0
    more_due: bool = False  # the time budget ran out with deliveries still due (another task was queued)


def _in_flight_cap(endpoint: WebhookEndpoint) -> int:
    if endpoint.consecutive_failures >= settings.WEBHOOK_CIRCUIT_FAILURES:
        return 1  # half-open after a pause: one attempt at a time until one succeeds
    return max(1, settings.WEBHOOK_ENDPOINT_CONCURRENCY)


def _due(endpoint_id: int, now) -> Q:
    # Pending and due, or claimed by a worker whose lease has ended (it died mid-attempt).
    return Q(endpoint_id=endpoint_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING],
             next_attempt_at__lte=now)


def _claim_next(endpoint_id: int) -> _Claim | None:
    """Take this endpoint's oldest due delivery under a lease, unless the endpoint is inactive, paused or has its
    cap of deliveries in flight. Counted under the endpoint's row lock (FOR NO KEY UPDATE, which never waits on
    the product's transactions inserting deliveries), so concurrent senders never exceed the cap."""
    now = timezone.now()
    with transaction.atomic():
        endpoint = (WebhookEndpoint.objects.select_for_update(no_key=True)
                    .filter(pk=endpoint_id, active=True).first())
        if endpoint is None or (endpoint.paused_until is not None and endpoint.paused_until > now):
            return None
        cap = _in_flight_cap(endpoint)
        in_flight = WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.SENDING,
                                                   next_attempt_at__gt=now).count()
        if in_flight >= cap:
            return None
        delivery = (WebhookDelivery.objects.filter(_due(endpoint_id, now)).order_by("next_attempt_at", "pk")
                    .select_for_update(skip_locked=True).first())
        if delivery is None:
            return None
        delivery.status = DeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.next_attempt_at = now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
        delivery.last_attempt_at = now
        delivery.save(update_fields=["status", "attempts", "next_attempt_at", "last_attempt_at"])
        if in_flight + 1 < cap and WebhookDelivery.objects.filter(_due(endpoint_id, now)).exists():
            _senders_wanted(endpoint_id)  # a backlog and a free slot: another sender, in parallel
        return _Claim(pk=delivery.pk, attempts=delivery.attempts, endpoint_id=endpoint_id, url=endpoint.url,
                      secret=endpoint.secret, event=delivery.event, delivery_id=str(delivery.delivery_id),
                      body=webhook_body(delivery.payload))


def _attempt(session: requests.Session, claim: _Claim) -> _Outcome:
    timestamp = int(time.time())
    signature = webhook_signature(secret=claim.secret, timestamp=timestamp, body=claim.body)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Scholar-Link-Event": claim.event,
        "X-Scholar-Link-Delivery": claim.delivery_id,
        "X-Scholar-Link-Signature": f"t={timestamp},v1={signature}",
    }
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    started = time.monotonic()
    try:
        response = session.post(claim.url, data=claim.body, headers=headers, timeout=timeout,
                                allow_redirects=False, stream=True)
        try:
            status = response.status_code
            head = b"" if 200 <= status < 300 else response.raw.read(ERROR_BODY_BYTES, decode_content=True)
        finally:
            response.close()
    except WebhookAddressRefused as error:
        return _Outcome(False, None, str(error)[:300], None)
    except requests.Timeout:
        return _Outcome(False, None, f"no answer within {timeout:g} s", _elapsed_ms(started))
    except (requests.RequestException, OSError) as error:
        return _Outcome(False, None, f"could not connect: {_reason(error)}"[:300], _elapsed_ms(started))
    elapsed = _elapsed_ms(started)
    if 200 <= status < 300:
        return _Outcome(True, status, "", elapsed)
    text = " ".join(head.decode("utf-8", errors="replace").split())
    if 300 <= status < 400:
        error = f"HTTP {status}: redirects are not followed (to {response.headers.get('Location', '?')})"
    else:
        error = f"HTTP {status}" + (f": {text}" if text else "")
    return _Outcome(False, status, error[:300], elapsed)


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _reason(error: Exception) -> str:
    message = str(error)
    for marker in ("Connection refused", "Name or service not known", "Temporary failure in name resolution",
                   "Connection reset", "Remote end closed connection", "certificate verify failed"):
        if marker in message:
            return marker
    return type(error).__name__


def webhook_retry_delay(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones: exponential, capped, half of it jittered."""
    delay = min(settings.WEBHOOK_RETRY_MAX_SECONDS, settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - spreading retries, not a secret


def _record(claim: _Claim, outcome: _Outcome) -> None:
    """Write the attempt's outcome, fenced on (sending, this attempt): a worker that outlived its lease cannot
    overwrite a newer attempt's outcome. Then the endpoint's circuit."""
    now = timezone.now()
    fields = {"last_response_code": outcome.response_code, "last_error": outcome.error,
              "last_response_ms": outcome.response_ms}
    with transaction.atomic():
        fence = WebhookDelivery.objects.filter(pk=claim.pk, status=DeliveryStatus.SENDING, attempts=claim.attempts)
        if outcome.delivered:
            fence.update(status=DeliveryStatus.DELIVERED, delivered_at=now, **fields)
        else:
            give_up_at = fence.values_list("give_up_at", flat=True).first()
            if give_up_at is None:
                return  # no longer ours (a newer attempt took it, or the endpoint was deleted)
            if now >= give_up_at:
                fence.update(status=DeliveryStatus.FAILED, **fields)
            else:
                next_at = min(now + timedelta(seconds=webhook_retry_delay(claim.attempts)), give_up_at)
                fence.update(status=DeliveryStatus.PENDING, next_attempt_at=next_at, **fields)
        endpoint = WebhookEndpoint.objects.select_for_update(no_key=True).filter(pk=claim.endpoint_id).first()
        if endpoint is None:
            return
        if outcome.delivered:
            endpoint.consecutive_failures, endpoint.paused_until, endpoint.last_success_at = 0, None, now
        else:
            endpoint.consecutive_failures += 1
            endpoint.last_failure_at = now
            if endpoint.consecutive_failures >= settings.WEBHOOK_CIRCUIT_FAILURES:
                endpoint.paused_until = now + timedelta(seconds=settings.WEBHOOK_CIRCUIT_COOLDOWN_SECONDS)
        endpoint.save(update_fields=["consecutive_failures", "paused_until", "last_success_at", "last_failure_at"])
    logger.info("webhook %s %s to endpoint %s attempt %d: %s", claim.event, claim.delivery_id, claim.endpoint_id,
                claim.attempts, outcome.response_code if outcome.delivered else (outcome.error or "failed"))


def webhook_deliveries_send(*, endpoint_id: int) -> SendReport:
    """Send this endpoint's due deliveries, oldest first, one at a time, for at most WEBHOOK_DRAIN_SECONDS; if
    some are still due then, queue another task for the rest (behind other endpoints' tasks) and return."""
    coalesced_task_started(_coalesce_key(endpoint_id))
    report = SendReport()
    budget_ends = time.monotonic() + settings.WEBHOOK_DRAIN_SECONDS
    session = webhook_session()
    try:
        while True:
            if time.monotonic() >= budget_ends:
                report.more_due = WebhookDelivery.objects.filter(_due(endpoint_id, timezone.now())).exists()
                break
            claim = _claim_next(endpoint_id)
            if claim is None:
                break
            outcome = _attempt(session, claim)
            _record(claim, outcome)
            report.attempted += 1
            report.delivered += outcome.delivered
    finally:
        session.close()
    if report.more_due:
        _senders_wanted(endpoint_id)
    return report


def webhooks_sweep() -> int:
    """Start a sender for every active, unpaused endpoint with deliveries due (retries now due, endpoints back
    from a pause, leases of dead workers, commits whose trigger was lost); returns how many. The beat runs it
    every 15 s. Endpoints are few: one indexed look per endpoint, however long a paused endpoint's backlog."""
    now = timezone.now()
    endpoint_ids = (WebhookEndpoint.objects.filter(active=True)
                    .filter(Q(paused_until__isnull=True) | Q(paused_until__lte=now))
                    .order_by("pk").values_list("pk", flat=True))
    started = 0
    for endpoint_id in endpoint_ids:
        if WebhookDelivery.objects.filter(_due(endpoint_id, now)).exists():
            _senders_wanted(endpoint_id)
            started += 1
    return started


def webhook_deliveries_purge() -> int:
    """Delete delivered and failed deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS (the log is for
    looking into recent trouble, not an archive of researchers' data); returns how many. Daily, from beat."""
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED],
                                                created_at__lt=cutoff).delete()
    return deleted


def webhook_deliveries_resend(*, delivery_ids: Iterable[int]) -> int:
    """Send these deliveries again (staff, from admin), whatever their state but one being sent right now: same
    delivery id, a new retry window. Returns how many were queued."""
    now = timezone.now()
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.filter(pk__in=list(delivery_ids)).exclude(
            status=DeliveryStatus.SENDING, next_attempt_at__gt=now)
        endpoint_ids = set(deliveries.values_list("endpoint_id", flat=True))
        count = deliveries.update(status=DeliveryStatus.PENDING, next_attempt_at=now,
                                  give_up_at=now + timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS))
        for endpoint_id in sorted(endpoint_ids):
            _senders_wanted(endpoint_id)
    return count
