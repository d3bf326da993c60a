"""Admin for per-journal staff: who works for which journal (superusers, or staff with the model's
permissions, manage it)."""

from django.contrib import admin

from editorial.models import JournalStaff


@admin.register(JournalStaff)
class JournalStaffAdmin(admin.ModelAdmin):
    list_display = ("user", "journal", "created_at")
    list_filter = ("journal",)
    search_fields = ("user__username", "user__email", "journal__key", "journal__name_en", "journal__name_zh_hans")
    list_select_related = ("user", "journal", "journal__journal_system")
    raw_id_fields = ("user",)
