from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from sharing.models import Share


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    """Read-only for staff: a share is the researcher's own act; only they create or delete it."""

    list_display = ("id", "researcher", "manuscript", "show_coauthors", "created_at", "open_count")
    list_select_related = ("researcher", "manuscript")
    search_fields = ("id", "scene", "manuscript__title")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(open_total=Count("opens"))

    @admin.display(description=_("opens"), ordering="open_total")
    def open_count(self, share) -> int:
        return share.open_total

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
