"""Who follows which journal (the Mini Program's interests page), read-only: researchers choose it themselves."""

from __future__ import annotations

from django.contrib import admin

from tagging.models import JournalFollow


@admin.register(JournalFollow)
class JournalFollowAdmin(admin.ModelAdmin):
    list_display = ["journal", "researcher", "created_at"]
    list_filter = ["journal"]
    search_fields = ["researcher__display_name", "researcher__orcid", "journal__key", "journal__name_en"]
    list_select_related = ["journal", "researcher"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
