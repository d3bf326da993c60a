"""Staff API keys in admin (created here or by `manage.py staff_api_key_create`; the key is shown once), and the
data exports page: researchers with tags, manuscripts with status history, orders, as CSV, XLSX or JSON Lines."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from tagging.exports import FORMATS, export_response
from tagging.models import ApiKey, ApiScope
from tagging.selectors.datasets import DATASETS
from tagging.services.staff_api import api_key_create, api_key_revoke


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=_("scopes"), choices=ApiScope.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ["name", "scopes"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "prefix", "scope_list", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]
    change_list_template = "admin/tagging/apikey/change_list.html"

    def get_fields(self, request, obj=None):
        return ["name", "scopes"] if obj is None else ["name", "scopes", *self.readonly_fields]

    @admin.display(description=_("scopes"))
    def scope_list(self, key: ApiKey) -> str:
        return ", ".join(key.scopes)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw_key = api_key_create(name=obj.name, scopes=list(form.cleaned_data["scopes"]),
                                      created_by=request.user)
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(key, field.attname))
        messages.warning(request, format_html(
            "{} <code>{}</code>", _("The new key (copy it now: it is not shown again):"), raw_key))

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(key=key)
        self.message_user(request, _("Revoked."), messages.SUCCESS)

    def get_urls(self):
        return [
            path("exports/", self.admin_site.admin_view(require_safe(self.exports_view)), name="tagging_exports"),
            path("exports/download/", self.admin_site.admin_view(require_safe(self.export_download_view)),
                 name="tagging_export_download"),
            *super().get_urls(),
        ]

    def exports_view(self, request):
        """The datasets this staff member may export, each in every format."""
        allowed = [dataset for dataset in DATASETS.values() if request.user.has_perms(dataset.view_permissions)]
        if not allowed:
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "title": _("Data exports"), "opts": self.model._meta,
                   "datasets": allowed, "formats": list(FORMATS)}
        return render(request, "admin/tagging/exports.html", context)

    def export_download_view(self, request):
        dataset = DATASETS.get(request.GET.get("dataset", ""))
        file_format = request.GET.get("format", "")
        if dataset is None or file_format not in FORMATS:
            raise Http404
        if not request.user.has_perms(dataset.view_permissions):
            raise PermissionDenied
        return export_response(dataset=dataset, file_format=file_format, chunk_size=settings.EXPORT_CHUNK_SIZE,
                               now=timezone.now())
