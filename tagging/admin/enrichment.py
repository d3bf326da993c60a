"""Works count and subjects from Crossref per researcher (tagging.services.enrichment), looked up again on demand."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from manuscripts.services.author_profiles import AuthorProfileUnavailable
from tagging.models import ResearcherEnrichment
from tagging.services.enrichment import researcher_enrich


@admin.register(ResearcherEnrichment)
class ResearcherEnrichmentAdmin(admin.ModelAdmin):
    list_display = ["researcher", "works_count", "subject_list", "source", "enriched_at", "error"]
    list_filter = ["source", ("enriched_at", admin.EmptyFieldListFilter)]
    search_fields = ["researcher__display_name", "researcher__orcid", "=researcher__id"]
    list_select_related = ["researcher"]
    readonly_fields = ["researcher", "works_count", "subjects", "source", "enriched_at", "error"]
    actions = ["look_up_again"]

    @admin.display(description=_("subjects"))
    def subject_list(self, enrichment: ResearcherEnrichment) -> str:
        return ", ".join(enrichment.subjects[:5])

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Look the selected researchers up in Crossref now"), permissions=["change"])
    def look_up_again(self, request, queryset):
        done = 0
        for enrichment in queryset[:100]:
            try:
                researcher_enrich(researcher_id=enrichment.researcher_id)
                done += 1
            except AuthorProfileUnavailable as exc:
                self.message_user(request, _("Crossref could not be asked: %(error)s") % {"error": exc},
                                  messages.ERROR)
                break
        if done:
            self.message_user(request, _("%(count)d researchers looked up.") % {"count": done}, messages.SUCCESS)
