"""Tag imports in admin: upload → preview → apply ("Add" is the upload form; an import's page is its preview).
Every change goes through tagging.services.imports, which applies a file all at once or not at all."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from publisher_backend.errors import ApiError
from tagging.models import TagImport
from tagging.services import imports

EXAMPLE_CSV = (
    "researcher_id,orcid,unionid,tag,action,expires_at\r\n"
    "42,,,oncology,add,\r\n"
    ",0000-0002-1825-0097,,reviewer,add,2027-06-30\r\n"
    ",,oXYZ-unionid-example,ecology,remove,\r\n"
)


class TagImportUploadForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"), help_text=_(
        "Columns: researcher_id, orcid or unionid (at least one), tag, action (add or remove; empty means add), "
        "expires_at (optional). CSV in UTF-8 or GBK, or an Excel workbook (first sheet)."))


VERDICT_LABELS = {
    imports.INVALID: _("Invalid rows: fix them in the file"),
    imports.UNMATCHED: _("Unmatched rows: no researcher found"),
    imports.MATCHED: _("Matched rows"),
}


@admin.register(TagImport)
class TagImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "created_at", "uploaded_by", "matched", "unmatched", "invalid", "applied_at",
                    "changed", "preview_link"]
    list_filter = [("applied_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["file_name"]
    list_select_related = ["uploaded_by"]
    readonly_fields = ["file_name", "matched", "unmatched", "invalid", "uploaded_by", "created_at", "applied_at",
                       "changed"]

    def has_change_permission(self, request, obj=None):
        # Rows are never edited; "change" is what applying an import needs.
        return super().has_change_permission(request, obj) and (obj is None or obj.applied_at is None)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="tagging_tagimport_import"),
            path("example.csv", wrap(self.example_view), name="tagging_tagimport_example"),
            path("<int:import_id>/preview/", wrap(self.preview_view), name="tagging_tagimport_preview"),
            path("<int:import_id>/apply/", wrap(self.apply_view), name="tagging_tagimport_apply"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:tagging_tagimport_import")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:tagging_tagimport_preview", object_id)

    @admin.display(description=_("preview"))
    def preview_link(self, tag_import: TagImport):
        return format_html('<a href="{}">{}</a>', reverse("admin:tagging_tagimport_preview", args=[tag_import.pk]),
                           _("Preview"))

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TagImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > imports.MAX_IMPORT_BYTES:  # before reading it into memory
                form.add_error("file", _("The file is larger than %(size)s MB.") % {
                    "size": imports.MAX_IMPORT_BYTES // 2**20})
            else:
                try:
                    tag_import = imports.tag_import_preview(file_name=upload.name, content=upload.read(),
                                                            uploaded_by=request.user)
                except ApiError as error:
                    form.add_error("file", str(error.message))
                else:
                    return redirect("admin:tagging_tagimport_preview", tag_import.pk)
        context = {**self.admin_site.each_context(request), "title": _("Import tags"), "opts": self.model._meta,
                   "form": form, "max_rows": f"{imports.MAX_IMPORT_ROWS:,}",
                   "max_megabytes": imports.MAX_IMPORT_BYTES // 2**20}
        return TemplateResponse(request, "admin/tagging/tagimport/import.html", context)

    def example_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        response = HttpResponse(EXAMPLE_CSV.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="tag-import-example.csv"'
        return response

    def preview_view(self, request, import_id: int):
        return require_GET(self._preview)(request, import_id)

    def _preview(self, request, import_id: int):
        tag_import = get_object_or_404(TagImport, pk=import_id)
        if not self.has_view_permission(request, tag_import):
            raise PermissionDenied
        groups = [{"verdict": verdict, "label": label,
                   "rows": [row for row in tag_import.rows if row["verdict"] == verdict]}
                  for verdict, label in VERDICT_LABELS.items()]
        context = {**self.admin_site.each_context(request), "title": _("Tag import %(name)s") % {
                       "name": tag_import.file_name},
                   "opts": self.model._meta, "tag_import": tag_import, "groups": groups,
                   "can_apply": self.has_change_permission(request, tag_import) and tag_import.can_apply}
        return TemplateResponse(request, "admin/tagging/tagimport/preview.html", context)

    def apply_view(self, request, import_id: int):
        return require_POST(self._apply)(request, import_id)

    def _apply(self, request, import_id: int):
        tag_import = get_object_or_404(TagImport, pk=import_id)
        if not super().has_change_permission(request, tag_import):
            raise PermissionDenied
        try:
            changed = imports.tag_import_apply(import_id=tag_import.pk, staff_user=request.user)
        except ApiError as error:
            self.message_user(request, str(error.message), level=messages.ERROR)
            return redirect("admin:tagging_tagimport_preview", tag_import.pk)
        self.message_user(request, _("Import applied: %(count)d tags put on or taken off.") % {"count": changed},
                          level=messages.SUCCESS)
        return redirect("admin:tagging_tagimport_changelist")
