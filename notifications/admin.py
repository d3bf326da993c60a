from django.contrib import admin

from notifications.models import Notification


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
