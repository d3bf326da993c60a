from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from notifications import selectors, services
from notifications.formatting import UnknownKeywordType, keyword_type_of
from notifications.models import (
    Notification,
    NotificationState,
    NotificationTemplate,
    SubscriptionGrant,
    WeChatErrcode,
    notification_kind_label,
)

STATS_WINDOWS = ((_("Last 24 hours"), timedelta(hours=24)), (_("Last 7 days"), timedelta(days=7)))


class WeChatAnswerFilter(admin.SimpleListFilter):
    """The errcodes WeChat gave, each with what it means (WeChatErrcode), so staff filter by the reason."""

    title = _("WeChat's answer")
    parameter_name = "errcode"

    def lookups(self, request, model_admin):
        present = (model_admin.get_queryset(request).exclude(errcode=None).order_by("errcode")
                   .values_list("errcode", flat=True).distinct())
        return [(str(errcode), _errcode_label(errcode)) for errcode in present]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        try:
            return queryset.filter(errcode=int(value))
        except ValueError:
            return queryset.none()


class KindFilter(admin.SimpleListFilter):
    """The kinds present, each in the reader's language (inbox-only kinds such as publisher news too)."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        present = model_admin.get_queryset(request).order_by("kind").values_list("kind", flat=True).distinct()
        return [(kind, notification_kind_label(kind)) for kind in present]

    def queryset(self, request, queryset):
        return queryset if self.value() is None else queryset.filter(kind=self.value())


def _errcode_label(errcode: int) -> str:
    if errcode in WeChatErrcode.values:
        return f"{errcode} · {WeChatErrcode(errcode).label}"
    return str(errcode)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "kind_label", "researcher", "state", "template_id", "attempts", "wechat_answer", "error",
                    "created_at", "read_at"]
    list_filter = ["state", KindFilter, "template_id", WeChatAnswerFilter, "created_at",
                   ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "body", "dedupe_key", "error", "researcher__display_name"]
    list_select_related = ["researcher"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Notification._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, notification):
        return notification_kind_label(notification.kind)

    @admin.display(description=_("WeChat's answer"), ordering="errcode")
    def wechat_answer(self, notification):
        return "" if notification.errcode is None else _errcode_label(notification.errcode)

    @admin.action(description=_("Send the selected failed notifications again"), permissions=["change"])
    def resend(self, request, queryset):
        count = services.notifications_resend(notification_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - count
        self.message_user(request, _("%(count)d notification(s) queued to be sent again.") % {"count": count},
                          level=messages.SUCCESS if count else messages.WARNING)
        if skipped:
            self.message_user(request, _("%(count)d selected notification(s) had not failed and were left as they "
                                         "are.") % {"count": skipped}, level=messages.WARNING)


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ["kind", "template_id", "keyword_types", "page", "enabled", "stats_link"]
    list_filter = ["enabled", "kind"]
    search_fields = ["template_id"]

    @admin.display(description=_("keywords"))
    def keyword_types(self, template):
        def describe(spec: dict) -> tuple[str, str]:
            keyword = spec.get("keyword", "?")
            try:
                keyword_type = keyword_type_of(keyword)
            except UnknownKeywordType:
                keyword_type = "?"
            source = spec.get("field") or "/".join(spec.get("text", {}).values())
            if keyword_type == "enum" and isinstance(spec.get("values"), list):
                source = f"{source} ∈ {{{', '.join(map(str, spec['values']))}}}"
            return keyword, f"{keyword_type} ← {source}"

        specs = [spec for spec in template.keywords if isinstance(spec, dict)]
        return format_html_join(mark_safe("<br>"), "{}: {}", (describe(spec) for spec in specs))  # noqa: S308

    @admin.display(description=_("delivery"))
    def stats_link(self, template):
        return format_html('<a href="{}">{}</a>', reverse("admin:notifications_delivery_stats"),
                           _("Delivery stats"))

    def get_urls(self):
        stats = path("delivery-stats/", self.admin_site.admin_view(require_safe(self.delivery_stats)),
                     name="notifications_delivery_stats")
        return [stats, *super().get_urls()]

    def delivery_stats(self, request):
        """Per template: sent, no credit, skipped and failed (by WeChat errcode), over 24 hours and 7 days."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        windows = [{"label": label, "rows": selectors.delivery_stats(since=now - length)}
                   for label, length in STATS_WINDOWS]
        context = {**self.admin_site.each_context(request), "title": _("Subscription-message delivery"),
                   "windows": windows, "opts": self.model._meta,
                   "failed_url": reverse("admin:notifications_notification_changelist")
                   + f"?state__exact={NotificationState.FAILED}"}
        return render(request, "admin/notifications/delivery_stats.html", context)


@admin.register(SubscriptionGrant)
class SubscriptionGrantAdmin(admin.ModelAdmin):
    list_display = ["researcher", "template_id", "credits", "last_result", "banned", "updated_at"]
    list_filter = ["last_result", "banned"]
    search_fields = ["template_id", "researcher__display_name"]
    list_select_related = ["researcher"]
    readonly_fields = ["researcher", "template_id", "credits", "last_result", "banned", "updated_at"]

    def has_add_permission(self, request):
        return False
