import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from accounts.models import Journal, JournalSystem
from accounts.validators import validate_platform_settings
from manuscripts.connectors.base import ConnectorError
from manuscripts.connectors.http import safe_error_text
from manuscripts.connectors.registry import connector_for
from manuscripts.models import CircuitState, Manuscript, StatusEvent, SystemPollState
from manuscripts.resilience import platform_error_text
from manuscripts.services import exports
from manuscripts.services.platforms import platform_config_for
from publisher_backend.errors import ApiError


class JournalSystemForm(forms.ModelForm):
    """Credentials are write-only: shown masked, replaced only when new JSON is entered."""

    new_credentials = forms.CharField(
        label=_("New API credentials (JSON)"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('Leave empty to keep the stored credentials. For OJS: {"token": "…"}.'),
    )

    class Meta:
        model = JournalSystem
        fields = ["key", "name_zh_hans", "name_en", "platform", "base_url", "new_credentials",
                  "rate_limit_per_minute", "timeout_seconds", "enabled"]

    def clean_new_credentials(self):
        text = self.cleaned_data["new_credentials"].strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Enter a JSON object, e.g. {\"token\": \"…\"}.")) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Enter a JSON object, e.g. {\"token\": \"…\"}."))
        return value

    def clean(self):
        """The base URL, folder and credentials the platform needs, checked together (validate_platform_settings)."""
        cleaned = super().clean()
        if self.errors.get("base_url") or not cleaned.get("platform"):
            return cleaned
        credentials = cleaned.get("new_credentials")
        if credentials is None:
            credentials = self.instance.credentials or {}
        try:
            validate_platform_settings(platform=cleaned["platform"], base_url=cleaned.get("base_url") or "",
                                       credentials=credentials)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error("new_credentials" if name == "credentials" else name, messages)
        return cleaned

    def save(self, commit=True):
        if self.cleaned_data.get("new_credentials") is not None:
            self.instance.credentials = self.cleaned_data["new_credentials"]
        return super().save(commit)


def masked_credentials(journal_system: JournalSystem) -> str:
    masked = {name: ("•" * 4 + str(value)[-2:] if len(str(value)) > 8 else "•" * 4)
              for name, value in (journal_system.credentials or {}).items()}
    return json.dumps(masked, ensure_ascii=False) if masked else "—"


TEST_CONNECTION_CHARS = 1000  # of a Test connection answer shown in admin
URL_FIELDS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class JournalInline(admin.TabularInline):
    model = Journal
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    extra = 0
    fields = ["key", "platform_path", "name_en", "name_zh_hans", "issn", "eissn", "enabled"]


class ExportUploadForm(forms.Form):
    export_file = forms.FileField(label=_("Export file (.csv or .jsonl)"))


@admin.register(JournalSystem)
class JournalSystemAdmin(admin.ModelAdmin):
    form = JournalSystemForm
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    list_display = ["key", "name_en", "platform", "enabled", "last_successful_poll", "error_rate", "circuit",
                    "lag", "refused_records"]
    list_filter = ["platform", "enabled"]
    list_select_related = ["poll_state"]
    search_fields = ["key", "name_en", "name_zh_hans", "base_url"]
    readonly_fields = ["stored_credentials", "export_upload_link", "created_at", "updated_at"]
    inlines = [JournalInline]
    actions = ["test_connection"]

    def _poll_state(self, journal_system):
        try:
            return journal_system.poll_state
        except SystemPollState.DoesNotExist:
            return None

    @admin.display(description=_("last successful poll"))
    def last_successful_poll(self, journal_system):
        state = self._poll_state(journal_system)
        return state.last_success_at if state and state.last_success_at else "—"

    @admin.display(description=_("error rate"))
    def error_rate(self, journal_system):
        state = self._poll_state(journal_system)
        if not state or not state.calls_total:
            return "—"
        return f"{100 * state.failures_total / state.calls_total:.1f}% ({state.failures_total}/{state.calls_total})"

    @admin.display(description=_("circuit"))
    def circuit(self, journal_system):
        state = self._poll_state(journal_system)
        if state is None:
            return CircuitState.CLOSED.label
        label = CircuitState(state.circuit_state()).label
        return f"{label}: {state.last_error}" if state.circuit_state() != CircuitState.CLOSED else label

    @admin.display(description=_("lag"))
    def lag(self, journal_system):
        """How stale our view of the platform is: time since the last successful call."""
        state = self._poll_state(journal_system)
        if not state or not state.last_success_at:
            return "—"
        return timesince(state.last_success_at)

    @admin.display(description=_("refused records"))
    def refused_records(self, journal_system):
        """Records the platform sent that no row can hold (manuscripts.sync.snapshot_fitted): how many, and the
        last one's reason (bounded, without credentials), so staff can take it up with the platform."""
        state = self._poll_state(journal_system)
        if not state or not state.refused_total:
            return "—"
        return _("%(count)s, the last at %(at)s: %(reason)s") % {
            "count": state.refused_total, "at": date_format(timezone.localtime(state.last_refused_at),
                                                            "SHORT_DATETIME_FORMAT"),
            "reason": state.last_refused_reason}

    def get_urls(self):
        upload = path("<int:journal_system_id>/upload-export/", self.admin_site.admin_view(self.upload_export),
                      name="accounts_journalsystem_upload_export")
        return [upload, *super().get_urls()]

    def upload_export(self, request, journal_system_id: int):
        """Editorial Manager / Janeway / file-export systems: put the publisher's export where the connector reads."""
        journal_system = get_object_or_404(JournalSystem, pk=journal_system_id)
        if not self.has_change_permission(request, journal_system):
            raise PermissionDenied
        form = ExportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["export_file"]
            try:
                stored = exports.export_file_store(journal_system=journal_system, file_name=upload.name,
                                                    chunks=upload.chunks())
            except ApiError as exc:
                form.add_error("export_file", str(exc.message))
            else:
                self.message_user(request, _("Stored %(name)s; the journal system is being polled.")
                                  % {"name": stored.name}, level=messages.SUCCESS)
                return redirect("admin:accounts_journalsystem_change", journal_system.pk)
        context = {**self.admin_site.each_context(request), "title": _("Upload an export file"),
                   "journal_system": journal_system, "form": form, "opts": self.model._meta}
        return render(request, "admin/manuscripts/upload_export.html", context)

    @admin.display(description=_("Export upload"))
    def export_upload_link(self, journal_system):
        if journal_system.pk is None or journal_system.platform not in exports.EXPORT_PLATFORMS:
            return "—"
        url = reverse("admin:accounts_journalsystem_upload_export", args=[journal_system.pk])
        return format_html('<a href="{}">{}</a>', url, _("Upload an export file"))

    @admin.display(description=_("Stored credentials"))
    def stored_credentials(self, journal_system):
        return masked_credentials(journal_system)

    @admin.action(description=_("Test connection"), permissions=["change"])
    def test_connection(self, request, queryset):
        """Calls each platform with its stored credentials and says what it answered. What is shown is bounded and
        never carries a credential (platform_error_text): a platform may echo what we sent."""
        for journal_system in queryset:
            credentials = journal_system.credentials or {}
            try:
                validate_platform_settings(platform=journal_system.platform, base_url=journal_system.base_url,
                                           credentials=credentials)
                result = connector_for(platform_config_for(journal_system)).test_connection()
            except ValidationError as exc:
                problems = " ".join(str(text) for texts in exc.message_dict.values() for text in texts)
                shown = safe_error_text(problems, credentials=credentials)
                self.message_user(request, f"{journal_system.key}: {shown}", level=messages.ERROR)
            except (ConnectorError, ValueError) as exc:
                # Longer than a stored last_error: what the site answered is the point of the test.
                shown = platform_error_text(journal_system, exc, limit=TEST_CONNECTION_CHARS)
                self.message_user(request, f"{journal_system.key}: {shown}", level=messages.ERROR)
            else:
                shown = safe_error_text(str(result), credentials=credentials, limit=TEST_CONNECTION_CHARS)
                self.message_user(request, f"{journal_system.key}: {shown}", level=messages.SUCCESS)


@admin.register(Journal)
class JournalAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    list_display = ["key", "name_en", "name_zh_hans", "journal_system", "issn", "enabled"]
    list_filter = ["journal_system", "enabled"]
    search_fields = ["key", "name_en", "name_zh_hans", "issn", "eissn"]
    list_select_related = ["journal_system"]


class StatusEventInline(admin.TabularInline):
    model = StatusEvent
    extra = 0
    can_delete = False
    fields = ["from_status", "to_status", "raw_status", "occurred_at", "seen_at"]
    readonly_fields = fields


@admin.register(Manuscript)
class ManuscriptAdmin(admin.ModelAdmin):
    list_display = ["title", "journal", "canonical_status", "raw_status", "action", "due_date", "last_activity_at",
                    "missing_since"]
    list_filter = ["canonical_status", "action", "journal_system", "journal",
                   ("missing_since", admin.EmptyFieldListFilter), ("due_date", admin.EmptyFieldListFilter)]
    search_fields = ["title", "platform_id", "doi"]
    list_select_related = ["journal"]
    date_hierarchy = "last_activity_at"
    readonly_fields = [field.name for field in Manuscript._meta.fields]
    inlines = [StatusEventInline]

    def has_add_permission(self, request):
        return False
