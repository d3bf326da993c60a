"""Outbound webhooks: the endpoints other systems registered, and every delivery to them with its outcome.

An endpoint's signing secret is encrypted at rest and shown once, when the endpoint is created. A delivery is
one event item for one endpoint; its `delivery_id` is the payload's `id` and the `X-Scholar-Link-Delivery`
header, the same on every attempt, so a receiver recognises a retry.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from publisher_backend.fields import EncryptedTextField
from tagging.models.staff_api import ApiKey


class WebhookEvent(models.TextChoices):
    RESEARCHER_CREATED = "researcher.created", _("A researcher signed in for the first time")
    TAG_ASSIGNED = "tag.assigned", _("A tag was put on a researcher")
    TAG_REMOVED = "tag.removed", _("A tag was taken off a researcher")
    MANUSCRIPT_STATUS_CHANGED = "manuscript.status_changed", _("A manuscript changed status")
    ORDER_PAID = "order.paid", _("An order was paid")
    CAMPAIGN_FINISHED = "campaign.finished", _("A campaign finished sending")


class WebhookEndpoint(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = EncryptedTextField(_("signing secret"), editable=False)
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True,
                                 help_text=_("Inactive endpoints get no new deliveries and nothing is sent to them."))
    created_by_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                       verbose_name=_("created with API key"), editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"), editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    # The circuit: consecutive failed attempts; past WEBHOOK_CIRCUIT_FAILURES the endpoint pauses until
    # paused_until, then gets one attempt at a time until one succeeds.
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0, editable=False)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True, editable=False)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url

    def listens_to(self, event: str) -> bool:
        return event in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries",
                                 verbose_name=_("endpoint"))
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices, db_index=True)
    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField(_("payload"), help_text=_("The JSON body sent: id, event, created_at, data."))
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Pending: when the next attempt is due. Sending: when the worker's lease ends (a dead worker's claim).
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    give_up_at = models.DateTimeField(_("retried until"))
    last_response_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    last_response_ms = models.PositiveIntegerField(_("last response time (ms)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        # The senders' question: this endpoint's deliveries due now, oldest first.
        indexes = [models.Index(fields=["endpoint", "next_attempt_at"], name="webhook_delivery_due",
                                condition=models.Q(status__in=["pending", "sending"]))]

    def __str__(self) -> str:
        return f"{self.event} {self.delivery_id}"
