"""Orders in admin: staff create, discount, waive and refund orders through the payments services, never by
editing a row; they read every WeChat Pay event of an order, review flagged ones, and see what was paid per day
and per journal (totals). Amounts are entered in fen and shown in yuan."""

import json
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect, ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from accounts.models import Journal, Researcher
from payments.formatting import fen_as_yuan
from payments.models import (
    ChargeKind,
    Order,
    OrderAudit,
    PaymentAttempt,
    PaymentEvent,
    Refund,
    RefundStatus,
)
from payments.selectors.totals import order_totals
from payments.services import orders as order_services
from payments.services import refunds
from payments.services.review import payment_events_review
from publisher_backend.errors import ApiError

# Above this an amount is a typing slip (¥100,000,000), and far above it a database error.
MAX_AMOUNT_FEN = 10_000_000_000
TOTALS_DEFAULT_DAYS = 30
TOTALS_MAX_DAYS = 366


def _yuan(amount_fen: int | None) -> str:
    """An amount as admin shows it: "¥2,500.00" (payments.formatting), or a dash for none."""
    return "—" if amount_fen is None else fen_as_yuan(amount_fen)


def _error_text(error: ApiError) -> str:
    """A service's refusal as one line: its field messages when it has some, else its message."""
    field_messages = [str(text) for texts in error.fields.values() for text in texts]
    return " ".join(field_messages) if field_messages else str(error.message)


def _language() -> str:
    return translation.get_language() or "zh-hans"


def _pretty_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def _render_fields_errors(form: forms.Form, error: ApiError) -> None:
    """A service's refusal on the form: field messages on their fields, the rest above the form."""
    for name, texts in error.fields.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)
    if not error.fields:
        form.add_error(None, str(error.message))


class ChangedThroughActionsOnly:
    """Every field is read-only and changes go through actions (services), so the change form has no Save, and
    a POST to it writes nothing: saving a row read a moment ago could undo what a callback did meanwhile."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        pass


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentAttemptInline(ReadOnlyInline):
    model = PaymentAttempt
    fields = ["out_trade_no", "payer", "amount", "status", "transaction_id", "prepay_expires_at", "created_at",
              "checked_at"]
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount(self, attempt):
        return _yuan(attempt.amount_fen)


class PaymentEventInline(ReadOnlyInline):
    model = PaymentEvent
    fields = ["created_at", "source", "event_id", "event_type", "outcome", "flagged", "detail", "raw_body_link"]
    readonly_fields = fields

    @admin.display(description=_("as received"))
    def raw_body_link(self, event):
        return format_html('<a href="{}">{}</a>', reverse("admin:payments_paymentevent_change", args=[event.pk]),
                          _("Raw body"))


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["out_refund_no", "amount", "status", "reason", "requested_by", "created_at", "succeeded_at",
              "refund_id"]
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount(self, refund):
        return _yuan(refund.amount_fen)


class OrderAuditInline(ReadOnlyInline):
    model = OrderAudit
    fields = ["actor", "action", "amount", "reason", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount(self, entry):
        return _yuan(entry.amount_fen)


class ChargeKindFilter(admin.SimpleListFilter):
    title = _("charge kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind.code, kind.localized_name(_language())) for kind in ChargeKind.objects.all()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class PaidBySomeoneElseFilter(admin.SimpleListFilter):
    """Settlement records a payer only when it is not the author (payments.services.settlement)."""

    title = _("paid by someone else")
    parameter_name = "paid_by_someone_else"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(payer__isnull=False)
        if self.value() == "no":
            return queryset.filter(payer__isnull=True)
        return queryset


class OrderCreateForm(forms.Form):
    researcher = forms.ModelChoiceField(Researcher.objects.all(), label=_("author"))
    journal = forms.ModelChoiceField(Journal.objects.all(), label=_("journal"))
    kind = forms.ChoiceField(label=_("charge kind"))
    amount_fen = forms.IntegerField(
        label=_("amount (fen)"), min_value=1, max_value=MAX_AMOUNT_FEN, required=False,
        help_text=_("In fen: 250000 is ¥2,500.00. Leave empty to charge what the journal lists for this kind."))
    manuscript = forms.ModelChoiceField(Order._meta.get_field("manuscript").related_model.objects.all(),
                                        label=_("manuscript"), required=False)
    description = forms.CharField(label=_("description"), max_length=127, required=False,
                                  help_text=_("What the payer sees in WeChat Pay. Empty: the journal and the "
                                              "charge kind."))
    reason = forms.CharField(label=_("reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Kept in the order's audit."))

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "---------")] + [
            (kind.code, f"{kind.localized_name(_language())} ({kind.code})") for kind in ChargeKind.objects.all()]
        # The admin's widgets need the admin site, so they are set here (with the choices a widget carries).
        for name, widget in (
                ("researcher", AutocompleteSelect(Order._meta.get_field("researcher"), admin_site)),
                ("journal", AutocompleteSelect(Order._meta.get_field("journal"), admin_site)),
                ("manuscript", ForeignKeyRawIdWidget(Order._meta.get_field("manuscript").remote_field, admin_site))):
            widget.choices = self.fields[name].choices
            self.fields[name].widget = widget

    def clean(self):
        cleaned = super().clean()
        journal, manuscript = cleaned.get("journal"), cleaned.get("manuscript")
        if journal and manuscript and manuscript.journal_id != journal.pk:
            self.add_error("manuscript", _("This manuscript is not in the chosen journal."))
        if journal and cleaned.get("kind") and cleaned.get("amount_fen") is None and "amount_fen" not in self.errors:
            cleaned["amount_fen"] = order_services.charge_amount_fen(journal=journal, kind=cleaned["kind"])
            if cleaned["amount_fen"] is None:
                self.add_error("amount_fen", _("The journal lists no amount for this charge kind: enter one."))
        return cleaned


class DiscountForm(forms.Form):
    discount_fen = forms.IntegerField(
        label=_("discount (fen)"), min_value=0, max_value=MAX_AMOUNT_FEN,
        help_text=_("The whole discount off the amount charged, in fen (50000 is ¥500.00). It replaces any "
                    "earlier discount."))
    reason = forms.CharField(label=_("reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class WaiveForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class RefundForm(forms.Form):
    amount_fen = forms.IntegerField(label=_("amount to refund (fen)"), min_value=1, max_value=MAX_AMOUNT_FEN)
    reason = forms.CharField(label=_("reason"), max_length=80, help_text=_("WeChat Pay shows it to the payer."))


class TotalsRangeForm(forms.Form):
    """The totals page's range, from GET parameters `from` and `to` (local dates, both included)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in (("from", _("first day")), ("to", _("last day"))):
            self.fields[name] = forms.DateField(label=label,
                                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("from"), cleaned.get("to")
        if since and until and since > until:
            raise forms.ValidationError(_("The range ends before it starts."))
        if since and until and (until - since).days >= TOTALS_MAX_DAYS:
            raise forms.ValidationError(_("Choose at most %(days)d days.") % {"days": TOTALS_MAX_DAYS})
        return cleaned


ORDER_FIELDSETS = [
    (None, {"fields": ["out_trade_no", "status", "researcher", "payer", "journal", "manuscript", "kind_label",
                       "description"]}),
    (_("Amounts"), {"fields": ["original_amount", "discount", "amount", "refunded", "refundable"]}),
    (_("Settlement"), {"fields": ["settled_by", "transaction_id", "paid_at", "transfer_reference", "expires_at",
                                  "needs_attention", "paid_event_pending"]}),
    (_("Record"), {"fields": ["rule_key", "created_by", "created_at", "updated_at"]}),
]


@admin.register(Order)
class OrderAdmin(ChangedThroughActionsOnly, admin.ModelAdmin):
    list_display = ["out_trade_no", "researcher", "journal", "kind_label", "amount", "status", "settled_by",
                    "paid_by_someone_else", "needs_attention", "created_at", "paid_at"]
    list_filter = ["status", "journal", ChargeKindFilter, "settled_by", "needs_attention", PaidBySomeoneElseFilter,
                   "created_at"]
    date_hierarchy = "created_at"
    search_fields = ["out_trade_no", "transaction_id", "transfer_reference", "description",
                     "researcher__display_name", "payer__display_name", "attempts__out_trade_no"]
    list_select_related = ["researcher", "journal"]
    fieldsets = ORDER_FIELDSETS
    readonly_fields = [name for _title, options in ORDER_FIELDSETS for name in options["fields"]]
    inlines = [OrderAuditInline, PaymentAttemptInline, PaymentEventInline, RefundInline]
    actions = ["discount_orders", "waive_orders", "refund_order"]

    def get_queryset(self, request):
        kinds = ChargeKind.objects.filter(code=OuterRef("kind"))
        return super().get_queryset(request).annotate(kind_name_en=Subquery(kinds.values("name_en")[:1]),
                                                      kind_name_zh_hans=Subquery(kinds.values("name_zh_hans")[:1]))

    def has_delete_permission(self, request, obj=None):
        return False  # an order's history (audit, events, refunds) is kept; an unpaid order is closed instead

    @admin.display(description=_("charge kind"), ordering="kind")
    def kind_label(self, order):
        names = ((order.kind_name_zh_hans, order.kind_name_en) if _language().startswith("zh")
                 else (order.kind_name_en, order.kind_name_zh_hans))
        return next((name for name in names if name), order.kind)

    @admin.display(description=_("amount due"), ordering="amount_fen")
    def amount(self, order):
        return _yuan(order.amount_fen)

    @admin.display(description=_("amount charged"))
    def original_amount(self, order):
        return _yuan(order.original_amount_fen)

    @admin.display(description=_("discount"))
    def discount(self, order):
        return _yuan(order.discount_fen)

    @admin.display(description=_("refunded"))
    def refunded(self, order):
        return _yuan(order.refunded_fen)

    @admin.display(description=_("can still be refunded"))
    def refundable(self, order):
        return _yuan(refunds.refundable_fen(order=order))

    @admin.display(description=_("paid by someone else"), boolean=True)
    def paid_by_someone_else(self, order):
        return order.payer_id is not None

    # Creating: through order_create, with a reason for the audit.

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = OrderCreateForm(request.POST or None, initial=request.GET.dict(), admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            try:
                order = order_services.order_create(
                    researcher=form.cleaned_data["researcher"], journal=form.cleaned_data["journal"],
                    kind=form.cleaned_data["kind"], amount_fen=form.cleaned_data["amount_fen"],
                    manuscript_id=form.cleaned_data["manuscript"].pk if form.cleaned_data["manuscript"] else None,
                    description=form.cleaned_data["description"], reason=form.cleaned_data["reason"],
                    created_by=request.user)
            except ApiError as error:
                _render_fields_errors(form, error)
            else:
                self.log_addition(request, order, [{"added": {}}])
                self.message_user(request, _("Order %(number)s created for %(author)s: %(amount)s due.") % {
                    "number": order.out_trade_no, "author": order.researcher, "amount": _yuan(order.amount_fen)},
                    level=messages.SUCCESS)
                return redirect("admin:payments_order_change", order.pk)
        context = {**self.admin_site.each_context(request), "title": _("Create an order"), "form": form,
                   "opts": self.model._meta, "media": self.media + form.media}
        return render(request, "admin/payments/order_add.html", context)

    # Actions: each asks its values on an intermediate page that posts back to the changelist.

    def _action_page(self, request, queryset, *, form_class, action: str, title, intro="", initial=None):
        """The action's form bound to the intermediate page's POST (marked "apply"); a page to show while it is
        not submitted or not valid, else None."""
        form = form_class(request.POST if "apply" in request.POST else None, initial=initial)
        if form.is_bound and form.is_valid():
            return form, None
        orders = [{"order": order, "original": _yuan(order.original_amount_fen), "discount": _yuan(order.discount_fen),
                   "due": _yuan(order.amount_fen)} for order in queryset.select_related("researcher")]
        context = {**self.admin_site.each_context(request), "title": title, "intro": intro, "form": form,
                   "orders": orders, "action": action, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                   "opts": self.model._meta, "media": self.media + form.media}
        return form, TemplateResponse(request, "admin/payments/order_action.html", context)

    @admin.action(description=_("Discount the selected orders"), permissions=["change"])
    def discount_orders(self, request, queryset):
        form, page = self._action_page(request, queryset, form_class=DiscountForm, action="discount_orders",
                                       title=_("Discount orders"),
                                       intro=_("Only unpaid orders can be discounted. A WeChat Pay payment the "
                                               "payer has started is closed first, since it was for the old amount."))
        if page:
            return page
        for order in queryset:
            try:
                discounted = order_services.order_discount(order_id=order.pk,
                                                           discount_fen=form.cleaned_data["discount_fen"],
                                                           reason=form.cleaned_data["reason"], actor=request.user)
            except ApiError as error:
                self.message_user(request, f"{order.out_trade_no}: {_error_text(error)}", level=messages.ERROR)
            else:
                self.message_user(request, _("%(number)s: discount set to %(discount)s; %(amount)s is now due.") % {
                    "number": discounted.out_trade_no, "discount": _yuan(discounted.discount_fen),
                    "amount": _yuan(discounted.amount_fen)}, level=messages.SUCCESS)
        return None

    @admin.action(description=_("Waive the selected orders"), permissions=["change"])
    def waive_orders(self, request, queryset):
        form, page = self._action_page(request, queryset, form_class=WaiveForm, action="waive_orders",
                                       title=_("Waive orders"),
                                       intro=_("Only unpaid orders can be waived: nothing is due any more and the "
                                               "order counts as settled."))
        if page:
            return page
        for order in queryset:
            try:
                waived = order_services.order_waive(order_id=order.pk, reason=form.cleaned_data["reason"],
                                                    actor=request.user)
            except ApiError as error:
                self.message_user(request, f"{order.out_trade_no}: {_error_text(error)}", level=messages.ERROR)
            else:
                self.message_user(request, _("%(number)s: waived (%(amount)s); the order counts as settled.") % {
                    "number": waived.out_trade_no, "amount": _yuan(waived.original_amount_fen)},
                    level=messages.SUCCESS)
        return None

    @admin.action(description=_("Refund the selected order"), permissions=["change"])
    def refund_order(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Refund one order at a time: select just one."), level=messages.ERROR)
            return None
        order = queryset.get()
        refundable_fen = refunds.refundable_fen(order=order)
        form, page = self._action_page(
            request, queryset, form_class=RefundForm, action="refund_order", title=_("Refund an order"),
            initial={"amount_fen": refundable_fen},
            intro=_("WeChat Pay returns the money to the payer. At most %(amount)s can be refunded.")
            % {"amount": _yuan(refundable_fen)})
        if page:
            return page
        try:
            refund = refunds.refund_create(order_id=order.pk, amount_fen=form.cleaned_data["amount_fen"],
                                           reason=form.cleaned_data["reason"], actor=request.user)
        except ApiError as error:
            self.message_user(request, f"{order.out_trade_no}: {_error_text(error)}", level=messages.ERROR)
            return None
        values = {"number": order.out_trade_no, "amount": _yuan(refund.amount_fen), "refund": refund.out_refund_no,
                  "status": refund.get_status_display()}
        if refund.status == RefundStatus.SUCCEEDED:
            self.message_user(request, _("%(number)s: %(amount)s refunded (refund %(refund)s).") % values,
                              level=messages.SUCCESS)
        else:
            self.message_user(request, _("%(number)s: refund %(refund)s of %(amount)s asked of WeChat Pay; it is "
                                         "%(status)s for now.") % values,
                              level=messages.SUCCESS if refund.status == RefundStatus.PROCESSING else messages.WARNING)
        return None

    # Totals: what was paid per day and per journal.

    def get_urls(self):
        totals = path("totals/", self.admin_site.admin_view(require_safe(self.totals_view)),
                      name="payments_order_totals")
        return [totals, *super().get_urls()]

    def totals_view(self, request):
        """Orders paid over a range of days (default: the last 30), per day and per journal, with a total row."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        default_range = {"from": (today - timedelta(days=TOTALS_DEFAULT_DAYS - 1)).isoformat(),
                         "to": today.isoformat()}
        form = TotalsRangeForm({**default_range, **request.GET.dict()})
        context = {**self.admin_site.each_context(request), "title": _("Payments received"), "form": form,
                   "opts": self.model._meta, "time_zone": timezone.get_current_timezone_name()}
        if form.is_valid():
            totals = order_totals(since=form.cleaned_data["from"], until=form.cleaned_data["to"])
            language = _language()
            context.update(
                by_day=[{"label": day, **self._money_row(sums)} for day, sums in totals.by_day],
                by_journal=[{"label": journal.localized_name(language) if journal else "—", **self._money_row(sums)}
                            for journal, sums in totals.by_journal],
                overall=self._money_row(totals.overall))
        return render(request, "admin/payments/order_totals.html", context)

    @staticmethod
    def _money_row(sums) -> dict:
        return {"orders": sums.orders, "paid": _yuan(sums.paid_fen), "refunded": _yuan(sums.refunded_fen),
                "net": _yuan(sums.net_fen)}


@admin.register(PaymentEvent)
class PaymentEventAdmin(ChangedThroughActionsOnly, admin.ModelAdmin):
    """What WeChat Pay sent or answered, as received. Nothing here is edited; staff only mark flagged events
    reviewed."""

    list_display = ["created_at", "source", "out_trade_no", "event_type", "outcome", "flagged", "order_link"]
    list_filter = ["source", "outcome", "flagged"]
    search_fields = ["out_trade_no", "event_id"]
    list_select_related = ["order"]
    date_hierarchy = "created_at"
    fields = ["created_at", "source", "event_id", "event_type", "out_trade_no", "order_link", "outcome", "detail",
              "flagged", "raw_body_shown", "resource_shown"]
    readonly_fields = fields
    actions = ["mark_reviewed"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("order"), ordering="order__out_trade_no")
    def order_link(self, event):
        if event.order_id is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:payments_order_change", args=[event.order_id]),
                           event.order)

    @admin.display(description=_("raw body"))
    def raw_body_shown(self, event):
        if not event.raw_body:
            return "—"
        try:
            shown = _pretty_json(json.loads(event.raw_body))
        except ValueError:
            shown = event.raw_body
        return format_html("<pre>{}</pre>", shown)

    @admin.display(description=_("decrypted resource"))
    def resource_shown(self, event):
        return format_html("<pre>{}</pre>", _pretty_json(event.resource)) if event.resource else "—"

    @admin.action(description=_("Mark the selected events reviewed"), permissions=["change"])
    def mark_reviewed(self, request, queryset):
        reviewed = payment_events_review(event_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(count)d flagged event(s) marked reviewed; their orders no longer need "
                                     "attention unless another event of theirs is flagged.") % {"count": reviewed},
                          level=messages.SUCCESS if reviewed else messages.WARNING)


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    """Refunds are asked from the order list's Refund action; here they are only read."""

    list_display = ["out_refund_no", "order_link", "amount", "status", "reason", "requested_by", "created_at",
                    "succeeded_at"]
    list_filter = ["status"]
    search_fields = ["out_refund_no", "refund_id", "order__out_trade_no"]
    list_select_related = ["order", "requested_by"]
    fields = ["out_refund_no", "refund_id", "order_link", "attempt", "amount", "status", "reason", "requested_by",
              "created_at", "succeeded_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("order"), ordering="order__out_trade_no")
    def order_link(self, refund):
        return format_html('<a href="{}">{}</a>', reverse("admin:payments_order_change", args=[refund.order_id]),
                           refund.order)

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, refund):
        return _yuan(refund.amount_fen)


@admin.register(ChargeKind)
class ChargeKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh_hans", "name_en"]
    search_fields = ["code", "name_zh_hans", "name_en"]

    def get_readonly_fields(self, request, obj=None):
        # Orders and journals' charges name a kind by its code: once made, a kind is renamed, never recoded.
        return ["code"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # for the same reason: an order or a journal's charge would name a kind that is gone
