from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from sharing.models import Share
from sharing.selectors import sharer_open_total


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    """Read-only for staff: a share is the researcher's own act; only they create or delete it."""

    list_display = ("id", "researcher", "manuscript", "show_coauthors", "created_at", "open_count",
                    "sharer_open_count")
    list_select_related = ("researcher", "manuscript")
    search_fields = ("id", "scene", "manuscript__title", "researcher__display_name")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(open_total=Count("opens"), sharer_open_total=sharer_open_total())

    @admin.display(description=_("opens"), ordering="open_total")
    def open_count(self, share) -> int:
        return share.open_total

    @admin.display(description=_("opens of all the sharer's shares"), ordering="sharer_open_total")
    def sharer_open_count(self, share) -> int:
        return share.sharer_open_total

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
