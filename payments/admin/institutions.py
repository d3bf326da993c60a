"""Admin for institutional agreements, coverage requests (approve / refuse), vouchers and bank statements
(upload → preview → apply). Every change goes through payments' services, so admin keeps their locks and audit."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from payments.models import (
    Agreement,
    BankStatementImport,
    CoverageRequest,
    CoverageStatus,
    Voucher,
    VoucherKind,
    VoucherRedemption,
)
from payments.services import bank_transfer
from payments.services.agreements import coverage_approve, coverage_refuse
from payments.services.vouchers import voucher_code_normalized
from publisher_backend.errors import ApiError


def yuan(amount_fen: int | None) -> str:
    if amount_fen is None:
        return "—"
    whole, fen = divmod(amount_fen, 100)
    return f"¥{whole:,}.{fen:02d}"


def _error_text(error: ApiError) -> str:
    details = [str(message) for messages_ in error.fields.values() for message in messages_]
    return " ".join([str(error.message), *details]) if details else str(error.message)


# --- agreements -------------------------------------------------------------------------------------------------


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["institution", "ror_id", "email_domains", "institution_names", "journals", "charge_kinds",
                  "max_orders", "max_amount_fen", "valid_from", "valid_until", "active"]
        help_texts = {
            "ror_id": _("Kept for staff (e.g. https://ror.org/03cve4549). Researchers don't declare a ROR id yet, so "
                        "it plays no part in matching."),
            "email_domains": _('A verified journal account whose e-mail on file is in one of these domains or a '
                               'subdomain (mail.tsinghua.edu.cn is under tsinghua.edu.cn) matches. e.g. '
                               '["tsinghua.edu.cn"]'),
            "institution_names": _('A researcher whose declared institution is one of these names matches (a claim '
                                   'only: staff approve every request). e.g. ["清华大学", "Tsinghua University"]'),
        }

    def clean(self):
        cleaned = super().clean()
        for name in ("email_domains", "institution_names", "charge_kinds"):
            value = cleaned.get(name)
            if value is not None and (not isinstance(value, list) or not all(isinstance(item, str) for item in value)):
                self.add_error(name, _('Enter a list of texts, e.g. ["a", "b"].'))
        if cleaned.get("valid_from") and cleaned.get("valid_until") and cleaned["valid_from"] > cleaned["valid_until"]:
            self.add_error("valid_until", _("The end comes before the start."))
        return cleaned


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    form = AgreementForm
    list_display = ["institution", "valid_from", "valid_until", "orders_used", "amount_used", "active"]
    list_filter = ["active", "valid_until", "journals"]
    search_fields = ["institution", "ror_id", "institution_names", "email_domains"]
    filter_horizontal = ["journals"]
    readonly_fields = ["used_orders", "used_amount_fen", "created_at"]

    @admin.display(description=_("orders covered / cap"))
    def orders_used(self, agreement: Agreement) -> str:
        cap = agreement.max_orders if agreement.max_orders is not None else "∞"
        return f"{agreement.used_orders} / {cap}"

    @admin.display(description=_("amount covered / cap"))
    def amount_used(self, agreement: Agreement) -> str:
        cap = yuan(agreement.max_amount_fen) if agreement.max_amount_fen is not None else "∞"
        return f"{yuan(agreement.used_amount_fen)} / {cap}"


# --- coverage requests ------------------------------------------------------------------------------------------


class RefusalForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the researcher reads it)"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


@admin.register(CoverageRequest)
class CoverageRequestAdmin(admin.ModelAdmin):
    list_display = ["order", "author", "agreement", "amount_due", "status", "reason", "created_at", "decided_by",
                    "decided_at"]
    list_filter = ["status", "agreement"]
    search_fields = ["order__out_trade_no", "agreement__institution", "order__researcher__display_name"]
    list_select_related = ["order", "order__researcher", "agreement", "decided_by"]
    fields = ["order", "agreement", "status", "reason", "decided_by", "decided_at", "created_at"]
    readonly_fields = fields
    actions = ["approve", "refuse"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("author"))
    def author(self, coverage: CoverageRequest):
        return coverage.order.researcher or "—"

    @admin.display(description=_("amount due"))
    def amount_due(self, coverage: CoverageRequest) -> str:
        return yuan(coverage.order.amount_fen)

    @admin.action(description=_("Approve: the agreement pays the selected orders"), permissions=["change"])
    def approve(self, request, queryset):
        approved = 0
        for coverage in queryset.filter(status=CoverageStatus.REQUESTED).order_by("pk"):
            try:
                coverage_approve(request_id=coverage.pk, actor=request.user)
                approved += 1
            except ApiError as error:
                self.message_user(request, _("%(order)s not approved: %(error)s") % {
                    "order": coverage.order, "error": _error_text(error)}, level=messages.ERROR)
        if approved:
            self.message_user(request, _("%(count)d requests approved; their orders are paid.") % {"count": approved},
                              level=messages.SUCCESS)

    @admin.action(description=_("Refuse the selected requests (with a reason)"), permissions=["change"])
    def refuse(self, request, queryset):
        pending = queryset.filter(status=CoverageStatus.REQUESTED).order_by("pk")
        form = RefusalForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            refused = 0
            for coverage in pending:
                try:
                    coverage_refuse(request_id=coverage.pk, actor=request.user, reason=form.cleaned_data["reason"])
                    refused += 1
                except ApiError as error:
                    self.message_user(request, _("%(order)s not refused: %(error)s") % {
                        "order": coverage.order, "error": _error_text(error)}, level=messages.ERROR)
            if refused:
                self.message_user(request, _("%(count)d requests refused; the researchers are told why.") % {
                    "count": refused}, level=messages.SUCCESS)
            return None
        if not pending:
            self.message_user(request, _("None of the selected requests is waiting for a decision."),
                              level=messages.WARNING)
            return None
        context = {**self.admin_site.each_context(request), "title": _("Refuse coverage requests"),
                   "opts": self.model._meta, "requests": pending, "form": form,
                   "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                   "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME}
        return TemplateResponse(request, "admin/payments/coveragerequest/refuse.html", context)


# --- vouchers ---------------------------------------------------------------------------------------------------


class VoucherForm(forms.ModelForm):
    class Meta:
        model = Voucher
        fields = ["code", "journal", "kind", "percent_off", "amount_off_fen", "max_uses", "expires_at", "active"]

    def clean_code(self):
        code = voucher_code_normalized(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(_("Enter a code."))
        return code

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == VoucherKind.PERCENT and not 1 <= (cleaned.get("percent_off") or 0) <= 100:
            self.add_error("percent_off", _("A percent voucher takes 1 to 100 percent off."))
        if kind == VoucherKind.FIXED and not cleaned.get("amount_off_fen"):
            self.add_error("amount_off_fen", _("A fixed voucher takes a positive number of fen off."))
        return cleaned


class VoucherRedemptionInline(admin.TabularInline):
    model = VoucherRedemption
    extra = 0
    can_delete = False
    fields = ["order", "discount_fen", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    form = VoucherForm
    list_display = ["code", "journal", "kind", "discount", "uses", "expires_at", "active"]
    list_filter = ["active", "kind", "journal", "expires_at"]
    search_fields = ["code"]
    list_select_related = ["journal"]
    readonly_fields = ["used_count", "created_at"]
    inlines = [VoucherRedemptionInline]

    @admin.display(description=_("discount"))
    def discount(self, voucher: Voucher) -> str:
        return f"{voucher.percent_off}%" if voucher.kind == VoucherKind.PERCENT else yuan(voucher.amount_off_fen)

    @admin.display(description=_("used / allowed"))
    def uses(self, voucher: Voucher) -> str:
        return f"{voucher.used_count} / {voucher.max_uses}"


# --- bank statements --------------------------------------------------------------------------------------------


class StatementUploadForm(forms.Form):
    statement = forms.FileField(label=_("Statement (CSV)"),
                                help_text=_("The bank's export as CSV: UTF-8 or GBK, Chinese or English headers."))


VERDICT_LABELS = {
    bank_transfer.MATCHED: _("Matched: will be settled"),
    bank_transfer.MISMATCHED: _("Mismatched: reference found, but amount or order state differ"),
    bank_transfer.ALREADY_PAID: _("Already paid"),
    bank_transfer.DUPLICATE_ROW: _("Duplicate rows"),
    bank_transfer.UNMATCHED: _("Unmatched: no order reference"),
}


@admin.register(BankStatementImport)
class BankStatementImportAdmin(admin.ModelAdmin):
    """Upload → preview → apply: "Add" is the upload form, and a statement's page is its preview."""

    list_display = ["file_name", "created_at", "uploaded_by", "matched", "mismatched", "unmatched", "applied_at",
                    "preview_link"]
    list_filter = [("applied_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["file_name"]
    list_select_related = ["uploaded_by"]
    readonly_fields = ["file_name", "matched", "unmatched", "mismatched", "uploaded_by", "applied_at", "created_at"]

    def has_change_permission(self, request, obj=None):
        # Rows are never edited; "change" is what applying a statement needs.
        return super().has_change_permission(request, obj) and (obj is None or obj.applied_at is None)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="payments_bankstatementimport_import"),
            path("<int:import_id>/preview/", wrap(self.preview_view), name="payments_bankstatementimport_preview"),
            path("<int:import_id>/apply/", wrap(self.apply_view), name="payments_bankstatementimport_apply"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:payments_bankstatementimport_import")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:payments_bankstatementimport_preview", object_id)

    @admin.display(description=_("preview"))
    def preview_link(self, statement: BankStatementImport):
        return format_html('<a href="{}">{}</a>', reverse("admin:payments_bankstatementimport_preview",
                                                          args=[statement.pk]), _("Preview"))

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StatementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["statement"]
            if upload.size > bank_transfer.MAX_STATEMENT_BYTES:
                form.add_error("statement", _("The file is larger than %(size)s MB.") % {
                    "size": bank_transfer.MAX_STATEMENT_BYTES // 2**20})
            else:
                try:
                    statement = bank_transfer.bank_statement_preview(file_name=upload.name, content=upload.read(),
                                                                     uploaded_by=request.user)
                except ApiError as error:
                    form.add_error("statement", str(error.message))
                else:
                    return redirect("admin:payments_bankstatementimport_preview", statement.pk)
        context = {**self.admin_site.each_context(request), "title": _("Import a bank statement"),
                   "opts": self.model._meta, "form": form}
        return TemplateResponse(request, "admin/payments/bankstatementimport/import.html", context)

    def preview_view(self, request, import_id: int):
        return require_GET(self._preview)(request, import_id)

    def _preview(self, request, import_id: int):
        statement = get_object_or_404(BankStatementImport, pk=import_id)
        if not self.has_view_permission(request, statement):
            raise PermissionDenied
        groups = [{"verdict": verdict, "label": label,
                   "rows": [row for row in statement.rows if row["verdict"] == verdict]}
                  for verdict, label in VERDICT_LABELS.items()]
        for group in groups:
            for row in group["rows"]:
                row["amount"] = yuan(row["amount_fen"])
        context = {**self.admin_site.each_context(request), "title": _("Bank statement %(name)s") % {
                       "name": statement.file_name},
                   "opts": self.model._meta, "statement": statement, "groups": groups,
                   "matched_count": len(groups[0]["rows"]),
                   "can_apply": self.has_change_permission(request, statement) and statement.applied_at is None}
        return TemplateResponse(request, "admin/payments/bankstatementimport/preview.html", context)

    def apply_view(self, request, import_id: int):
        return require_POST(self._apply)(request, import_id)

    def _apply(self, request, import_id: int):
        statement = get_object_or_404(BankStatementImport, pk=import_id)
        if not super().has_change_permission(request, statement):
            raise PermissionDenied
        try:
            count = bank_transfer.bank_statement_apply(import_id=statement.pk, actor=request.user)
        except ApiError as error:
            self.message_user(request, _error_text(error), level=messages.ERROR)
            return redirect("admin:payments_bankstatementimport_preview", statement.pk)
        self.message_user(request, _("%(count)d orders settled by bank transfer.") % {"count": count},
                          level=messages.SUCCESS)
        return redirect("admin:payments_bankstatementimport_changelist")
