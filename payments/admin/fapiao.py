"""The fapiao queue: researchers' requests, pending ones first. Staff issue a request by uploading the fapiao file,
or reject it with a reason, on the request's "Issue or reject" page; both go through payments.services.fapiao,
which tells the requester. The status itself is never edited by hand."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST, require_safe

from payments.models import FapiaoRequest, FapiaoStatus
from payments.services.fapiao import (
    FAPIAO_FILE_TYPES,
    FAPIAO_REASON_MAX_LENGTH,
    fapiao_issue,
    fapiao_reject,
)
from publisher_backend.errors import ApiError


class FapiaoIssueForm(forms.Form):
    file = forms.FileField(label=pgettext_lazy("fapiao admin", "Fapiao file"),
                           help_text=_("PDF, OFD, XML, PNG or JPG, at most 10 MB."))


class FapiaoRejectForm(forms.Form):
    reason = forms.CharField(label=pgettext_lazy("fapiao admin", "Reason"), max_length=FAPIAO_REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The researcher reads it and may send a corrected request."))


@admin.register(FapiaoRequest)
class FapiaoRequestAdmin(admin.ModelAdmin):
    list_display = ["order", "requester", "kind", "title", "tax_id", "status", "created_at", "process_link"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "tax_id", "order__out_trade_no"]
    list_select_related = ["order", "requester"]
    fields = ["order", "requester", "kind", "title", "tax_id", "email", "status", "reject_reason", "stored_file",
              "processed_by", "processed_at", "created_at", "process_link"]
    readonly_fields = fields

    def get_ordering(self, request):
        pending_first = Case(When(status=FapiaoStatus.REQUESTED, then=Value(0)), default=Value(1),
                             output_field=IntegerField())
        return [pending_first.asc(), "-created_at"]

    def has_add_permission(self, request):
        return False  # researchers ask in the Mini Program

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what was asked and issued stays

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only: the page's own buttons would save nothing. Issuing and rejecting have theirs.
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=pgettext_lazy("fapiao admin", "Fapiao file"))
    def stored_file(self, fapiao: FapiaoRequest):
        if not fapiao.file:
            return "—"
        url = reverse("admin:payments_fapiaorequest_file", args=[fapiao.pk])
        return format_html('<a href="{}">{}</a>', url, fapiao.file.name.rsplit("/", 1)[-1])

    @admin.display(description=pgettext_lazy("fapiao admin", "Process"))
    def process_link(self, fapiao: FapiaoRequest):
        if fapiao.pk is None or fapiao.status != FapiaoStatus.REQUESTED:
            return "—"
        url = reverse("admin:payments_fapiaorequest_process", args=[fapiao.pk])
        return format_html('<a href="{}">{}</a>', url, _("Issue or reject"))

    def get_urls(self):
        info = "payments_fapiaorequest"
        return [
            path("<int:fapiao_id>/process/", self.admin_site.admin_view(require_safe(self.process_view)),
                 name=f"{info}_process"),
            path("<int:fapiao_id>/file/", self.admin_site.admin_view(require_safe(self.file_view)),
                 name=f"{info}_file"),
            path("<int:fapiao_id>/issue/", self.admin_site.admin_view(require_POST(self.issue_view)),
                 name=f"{info}_issue"),
            path("<int:fapiao_id>/reject/", self.admin_site.admin_view(require_POST(self.reject_view)),
                 name=f"{info}_reject"),
            *super().get_urls(),
        ]

    def _changeable(self, request, fapiao_id: int) -> FapiaoRequest:
        fapiao = get_object_or_404(FapiaoRequest.objects.select_related("order", "requester"), pk=fapiao_id)
        if not self.has_change_permission(request, fapiao):
            raise PermissionDenied
        return fapiao

    def _process_page(self, request, fapiao: FapiaoRequest, *, issue_form=None, reject_form=None, status=200):
        shown = [(self.model._meta.get_field(name).verbose_name, value) for name, value in (
            ("order", f"{fapiao.order.out_trade_no} · {fapiao.order.description}"), ("kind", fapiao.get_kind_display()),
            ("title", fapiao.title), ("tax_id", fapiao.tax_id), ("email", fapiao.email),
            ("status", fapiao.get_status_display())) if value]
        context = {**self.admin_site.each_context(request), "title": _("Issue or reject a fapiao request"),
                   "opts": self.model._meta, "fapiao": fapiao, "shown": shown,
                   "issue_form": issue_form or FapiaoIssueForm(), "reject_form": reject_form or FapiaoRejectForm(),
                   "processed": fapiao.status != FapiaoStatus.REQUESTED}
        return render(request, "payments/admin/fapiao_process.html", context, status=status)

    def process_view(self, request, fapiao_id: int):
        """The two forms; each posts to its own view (issue, reject)."""
        return self._process_page(request, self._changeable(request, fapiao_id))

    def issue_view(self, request, fapiao_id: int):
        fapiao = self._changeable(request, fapiao_id)
        form = FapiaoIssueForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                fapiao_issue(request_id=fapiao.pk, file=form.cleaned_data["file"], actor=request.user)
            except ApiError as exc:
                self._form_errors(form, exc, field="file")
            else:
                self.message_user(request, _("Issued: %(fapiao)s. The researcher has been told.") % {"fapiao": fapiao},
                                  level=messages.SUCCESS)
                return redirect("admin:payments_fapiaorequest_changelist")
        return self._process_page(request, fapiao, issue_form=form, status=400)

    def reject_view(self, request, fapiao_id: int):
        fapiao = self._changeable(request, fapiao_id)
        form = FapiaoRejectForm(request.POST)
        if form.is_valid():
            try:
                fapiao_reject(request_id=fapiao.pk, reason=form.cleaned_data["reason"], actor=request.user)
            except ApiError as exc:
                self._form_errors(form, exc, field="reason")
            else:
                self.message_user(request, _("Rejected: %(fapiao)s. The researcher has been told.")
                                  % {"fapiao": fapiao}, level=messages.SUCCESS)
                return redirect("admin:payments_fapiaorequest_changelist")
        return self._process_page(request, fapiao, reject_form=form, status=400)

    @staticmethod
    def _form_errors(form: forms.Form, exc: ApiError, *, field: str) -> None:
        messages_by_field = exc.fields.get(field) or []
        for message in messages_by_field:
            form.add_error(field, message)
        if not messages_by_field:
            form.add_error(None, str(exc.message))

    def file_view(self, request, fapiao_id: int):
        """Staff read the issued file here: media files are private, never served under a public URL."""
        fapiao = get_object_or_404(FapiaoRequest, pk=fapiao_id)
        if not self.has_view_permission(request, fapiao):
            raise PermissionDenied
        if not fapiao.file:
            raise Http404
        extension = fapiao.file.name.rsplit(".", 1)[-1].lower()
        response = FileResponse(fapiao.file.open("rb"), as_attachment=True,
                                filename=fapiao.file.name.rsplit("/", 1)[-1],
                                content_type=FAPIAO_FILE_TYPES.get(extension, "application/octet-stream"))
        response["Cache-Control"] = "private, no-store"
        return response
