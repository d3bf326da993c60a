"""Webhooks in admin: endpoints (registered here or through the staff API; the signing secret is shown once, on
the page after creation, and never again) and their deliveries with each one's last outcome, filterable, and
sent again by the "resend" action."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tagging.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tagging.services.webhooks import (
    WebhookInvalid,
    webhook_deliveries_resend,
    webhook_endpoint_create,
    webhook_endpoint_resume,
)
from tagging.webhook_urls import validate_webhook_url


class WebhookEndpointForm(forms.ModelForm):
    url = forms.CharField(label=_("URL"), max_length=500,
                          help_text=_("An https URL; private, loopback and link-local addresses are refused."))
    events = forms.MultipleChoiceField(label=_("events"), choices=WebhookEvent.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "events", "description", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        validate_webhook_url(url)
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "events_list", "active", "consecutive_failures", "paused_until", "last_success_at",
                    "last_failure_at", "created_by_label", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "description"]
    readonly_fields = ["created_at", "created_by_label", "consecutive_failures", "paused_until", "last_success_at",
                       "last_failure_at"]
    actions = ["resume"]

    def get_fields(self, request, obj=None):
        if obj is None:  # a new endpoint: what it needs, nothing computed yet
            return ["url", "events", "description"]
        return ["url", "events", "description", "active", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    @admin.display(description=_("events"))
    def events_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events)

    @admin.display(description=_("created by"))
    def created_by_label(self, endpoint: WebhookEndpoint) -> str:
        if endpoint.created_by_key_id:
            return _("API key %(name)s") % {"name": endpoint.created_by_key.name}
        return str(endpoint.created_by or "—")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            endpoint, secret = webhook_endpoint_create(url=obj.url, events=obj.events, description=obj.description,
                                                       created_by=request.user)
        except WebhookInvalid as error:  # the form checked both already; a race with settings is all that is left
            raise ValidationError(str(error)) from error
        obj.pk = endpoint.pk
        obj.refresh_from_db()
        obj._state.adding = False
        obj.new_secret = secret  # for response_add only; never stored in clear

    def response_add(self, request, obj, post_url_continue=None):
        """The one page that shows the secret: rendered, not redirected, so it is kept in no message or cookie."""
        return TemplateResponse(request, "admin/tagging/webhook_secret.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Signing secret"),
            "endpoint": obj, "secret": obj.new_secret,
            "change_url": reverse("admin:tagging_webhookendpoint_change", args=[obj.pk])})

    @admin.action(description=_("Resume the selected endpoints now (close the circuit)"), permissions=["change"])
    def resume(self, request, queryset):
        count = webhook_endpoint_resume(endpoint_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(count)d endpoint(s) resumed; their waiting deliveries are being sent.")
                          % {"count": count}, messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "endpoint", "status", "attempts", "last_response_code",
                    "last_response_ms", "next_attempt_at", "delivered_at"]
    list_filter = ["status", "event", "endpoint", ("last_response_code", admin.EmptyFieldListFilter)]
    list_select_related = ["endpoint"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    fields = ["delivery_id", "endpoint", "event", "status", "attempts", "created_at", "last_attempt_at",
              "next_attempt_at", "give_up_at", "delivered_at", "last_response_code", "last_response_ms",
              "last_error", "payload_pretty"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # deliveries come from events only

    def get_search_results(self, request, queryset, search_term):
        """Search by delivery id (what a receiver quotes from X-Scholar-Link-Delivery)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(delivery_id=term), False
        except ValidationError:
            return queryset.none(), False

    search_fields = ["delivery_id"]
    search_help_text = _("A delivery id, as the receiver saw it in X-Scholar-Link-Delivery.")

    @admin.display(description=_("payload"))
    def payload_pretty(self, delivery: WebhookDelivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(delivery.payload, ensure_ascii=False, indent=2,
                                                       sort_keys=True))

    @admin.action(description=_("Send the selected deliveries again (same delivery id)"), permissions=["change"])
    def resend(self, request, queryset):
        count = webhook_deliveries_resend(delivery_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - count
        self.message_user(request, _("%(count)d delivery(ies) queued again.") % {"count": count}, messages.SUCCESS)
        if skipped:
            self.message_user(request, _("%(count)d delivery(ies) are being sent right now and were left alone.")
                              % {"count": skipped}, messages.WARNING)

