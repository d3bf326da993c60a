"""The Official Account in admin: its followers (from WeChat; searchable, filterable, never edited by hand) and its
mass sends (read-only: campaigns create them, WeChat's job-finished event completes them)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from tagging.models import OaMassSend, OaMassSendQuota, OfficialAccountFollower
from tagging.services.official_account import oa_follower_refresh, quota_month
from tagging.wechat_oa import OaError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QuotaInline(admin.TabularInline):
    model = OaMassSendQuota
    fields = ("month", "sends")
    readonly_fields = fields
    extra = 0
    ordering = ("-month",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OfficialAccountFollower)
class OfficialAccountFollowerAdmin(admin.ModelAdmin):
    list_display = ("openid", "researcher", "subscribed", "subscribed_at", "unsubscribed_at", "language",
                    "sends_this_month", "synced_at")
    list_filter = ("subscribed", ("researcher", admin.EmptyFieldListFilter), "language")
    search_fields = ("=openid", "=unionid", "researcher__display_name", "=researcher__id")
    list_select_related = ("researcher",)
    readonly_fields = ("openid", "unionid", "researcher", "subscribed", "subscribed_at", "unsubscribed_at",
                       "language", "last_event_at", "synced_at", "created_at", "updated_at")
    fields = readonly_fields
    inlines = [QuotaInline]
    actions = ["refresh_from_wechat"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("mass messages this month"))
    def sends_this_month(self, follower: OfficialAccountFollower) -> int:
        month = quota_month()
        return next((quota.sends for quota in follower.mass_send_quotas.all() if quota.month == month), 0)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("mass_send_quotas")

    @admin.action(description=_("Read again from WeChat (unionid, follows, language)"), permissions=["change"])
    def refresh_from_wechat(self, request, queryset):
        refreshed = 0
        try:
            for openid in queryset.values_list("openid", flat=True)[:100]:
                oa_follower_refresh(openid=openid)
                refreshed += 1
        except OaError as error:
            self.message_user(request, error.message, messages.ERROR)
        self.message_user(request, _("%(count)d followers read again from WeChat.") % {"count": refreshed})


@admin.register(OaMassSend)
class OaMassSendAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "tag_id", "msgtype", "status", "msg_id", "recipients", "result_status",
                    "total_count", "filter_count", "sent_count", "error_count", "finished_at")
    list_filter = ("status", "msgtype")
    search_fields = ("=msg_id", "=client_msg_id", "=tag_id")
    readonly_fields = ("tag_id", "msgtype", "content", "client_msg_id", "msg_id", "msg_data_id", "status",
                       "recipients", "errcode", "errmsg", "result_status", "total_count", "filter_count",
                       "sent_count", "error_count", "raw_event", "created_at", "submitted_at", "finished_at")
    fields = readonly_fields
