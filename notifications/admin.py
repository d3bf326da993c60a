from django.contrib import admin

from notifications.models import Notification, NotificationTemplate, SubscriptionGrant


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "researcher", "state", "created_at", "read_at"]
    list_filter = ["state", "kind", "created_at", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "body", "dedupe_key", "researcher__display_name"]
    list_select_related = ["researcher"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ["kind", "template_id", "page", "enabled"]
    list_filter = ["enabled", "kind"]
    search_fields = ["template_id"]


@admin.register(SubscriptionGrant)
class SubscriptionGrantAdmin(admin.ModelAdmin):
    list_display = ["researcher", "template_id", "credits", "last_result", "banned", "updated_at"]
    list_filter = ["last_result", "banned"]
    search_fields = ["template_id", "researcher__display_name"]
    list_select_related = ["researcher"]
    readonly_fields = ["researcher", "template_id", "credits", "last_result", "banned", "updated_at"]

    def has_add_permission(self, request):
        return False
