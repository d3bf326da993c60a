"""Admin's audience dashboard (/admin/tagging/audience/): the audience figures as Chart.js charts, each with its
table. Staff need the "view audience analytics" permission. The figures come from
`tagging.selectors.analytics` (SQL aggregates, cached a few minutes); this module only labels them in the
viewer's language and hands them to the page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from accounts.models import Language, Platform
from tagging.models import Audience, TagGroup
from tagging.regions import UNKNOWN, region_label
from tagging.selectors import analytics


def _language() -> str:
    return translation.get_language() or "zh-hans"


def _localized(row: dict, language: str) -> str:
    chinese, english = row.get("name_zh_hans") or "", row.get("name_en") or ""
    return (chinese if language.startswith("zh") else english) or english or chinese


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def _dash(value) -> object:
    return "—" if value is None else value


def _choice_label(choices, code: str) -> str:
    return str(dict(choices.choices).get(code, code))


def audience_figures(language: str) -> dict:
    """Every figure of the dashboard, labelled in `language`: rows for the tables and, under "charts", what
    Chart.js draws (labels and series), ready for json_script."""
    tag_groups = [{**row, "label": _choice_label(TagGroup, row["group"]),
                   "tags": [{**tag, "label": _localized(tag, language) or tag["slug"]} for tag in row["tags"]]}
                  for row in analytics.researchers_by_tag_group()]
    institutions = [{**row, "label": row["institution"] or _("Not given")}
                    for row in analytics.researchers_by_institution()]
    regions = [{**row, "label": region_label(row["region"], language) if not row["region"].startswith("tag:")
                else _localized(row, language)} for row in analytics.researchers_by_region()]
    languages = [{**row, "label": _choice_label(Language, row["language"])}
                 for row in analytics.researchers_by_language()]
    platforms = [{**row, "label": _choice_label(Platform, row["platform"])}
                 for row in analytics.researchers_by_platform()]
    growth = analytics.researchers_growth_by_week()
    journals = [{**row, "label": _localized(row, language) or row["key"], "rate": _percent(row["acceptance_rate"]),
                 "followers_shown": _dash(row["followers"]), "reached_shown": _dash(row["campaign_reached"]),
                 "opened_shown": _dash(row["campaign_opened"])}
                for row in analytics.journal_figures()]
    researchers_total = sum(row["researchers"] for row in languages)

    def series(rows: list[dict], *fields: tuple[str, str]) -> dict:
        return {"labels": [row["label"] for row in rows],
                "datasets": [{"label": str(label), "data": [row[field] for row in rows]} for field, label in fields]}

    researchers = gettext_lazy("Researchers")
    charts = {
        "tag-groups": series(tag_groups, ("researchers", researchers)),
        "institutions": series(institutions, ("researchers", researchers)),
        "regions": series(regions, ("researchers", researchers)),
        "languages": series(languages, ("researchers", researchers)),
        "platforms": series(platforms, ("researchers", researchers),
                            ("accounts", gettext_lazy("Verified accounts"))),
        "growth": {"labels": [row["week"] for row in growth],
                   "datasets": [{"label": _("New researchers"), "data": [row["new_researchers"] for row in growth]}]},
        "journals": series(journals, ("authors", gettext_lazy("Authors")),
                           *([("followers", gettext_lazy("Followers"))]
                             if any(row["followers"] is not None for row in journals) else [])),
        "acceptance": {"labels": [row["label"] for row in journals if row["acceptance_rate"] is not None],
                       "datasets": [{"label": _("Acceptance rate (%)"),
                                     "data": [round(row["acceptance_rate"] * 100, 1) for row in journals
                                              if row["acceptance_rate"] is not None]}]},
    }
    return {"researchers_total": researchers_total, "tag_groups": tag_groups, "institutions": institutions,
            "regions": regions, "unknown_region": UNKNOWN, "languages": languages, "platforms": platforms,
            "growth": growth, "journals": journals, "charts": charts}


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    """The dashboard is this admin's changelist: no list, no add, change or delete."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and request.user.has_perm("tagging.view_audience")

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        # Only the dashboard: no change view, which would show researchers to whoever may see the figures.
        return [path("", self.admin_site.admin_view(require_safe(self.changelist_view)),
                     name="tagging_audience_changelist")]

    def changelist_view(self, request, extra_context=None):
        """The audience dashboard (read-only)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.GET.get("recount"):
            analytics.audience_figures_recount()
            return HttpResponseRedirect(request.path)
        language = _language()
        context = {**self.admin_site.each_context(request), "title": _("Audience analytics"),
                   "opts": self.model._meta, "cache_minutes": max(1, settings.AUDIENCE_ANALYTICS_CACHE_SECONDS // 60),
                   "time_zone": settings.TIME_ZONE, **audience_figures(language)}
        return TemplateResponse(request, "admin/tagging/audience.html", context)
