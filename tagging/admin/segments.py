"""Segments in admin: the expression as checked JSON, with the grammar and the names it may use beside it, a live
preview while typing (count and 20 members at random, from `preview/`, read-only) and, on a saved segment, its
count (cached a few minutes) and a sample of members linking to their pages."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.models import Language, Platform
from accounts.selectors import journal_systems_enabled
from manuscripts.status import CanonicalStatus
from tagging.errors import SegmentInvalid
from tagging.models import Segment, Tag
from tagging.services.segments import (
    segment_count,
    segment_count_cached,
    segment_parse,
    segment_problems,
    segment_sample_researchers,
)

GRAMMAR_HELP = _(
    'One operator per object: {"all": [E, …]}, {"any": [E, …]}, {"not": E}, {"tag": "slug"}, '
    '{"journal": "key" or "system/key"}, {"status": "accepted"}, {"platform": "ojs"}, {"language": "en"}, '
    '{"active_since": "2026-01-01"}. Example: {"all": [{"tag": "oncology"}, {"language": "en"}, '
    '{"not": {"status": "rejected"}}]}.')


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ["name", "description", "journal", "expression"]
        help_texts = {"expression": GRAMMAR_HELP}
        widgets = {"expression": forms.Textarea(attrs={"rows": 12, "cols": 90, "class": "vLargeTextField",
                                                       "data-segment-expression": "1",
                                                       "style": "font-family: monospace"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        attrs = self.fields["expression"].widget.attrs
        attrs["data-preview-url"] = reverse("admin:tagging_segment_preview")
        # What the composer under the field offers (segment_preview.js): each term's possible values.
        attrs["data-vocabulary"] = json.dumps(segment_vocabulary(), ensure_ascii=False)
        attrs["data-labels"] = json.dumps({"add": str(_("Add to the expression")), "not": str(_("not")),
                                           "all": str(_("all of")), "any": str(_("any of"))}, ensure_ascii=False)

    def clean_expression(self):
        expression = self.cleaned_data["expression"]
        problems = segment_problems(expression)
        if problems:
            raise forms.ValidationError(problems)
        return expression


def segment_vocabulary() -> dict[str, list[str]]:
    """The values each term may take: tag slugs, journal keys (bare and system/key), statuses, platforms, languages."""
    journals: list[str] = []
    for system in journal_systems_enabled():
        for journal in system.journals.all():
            journals += [journal.key, f"{system.key}/{journal.key}"]
    return {"tag": list(Tag.objects.order_by("slug").values_list("slug", flat=True)[:1000]),
            "journal": list(dict.fromkeys(journals)), "status": list(CanonicalStatus.values),
            "platform": list(Platform.values), "language": list(Language.values), "active_since": []}


def _member_links(researchers) -> str:
    return format_html_join(", ", '<a href="{}">{}</a>', (
        (reverse("admin:accounts_researcher_change", args=[researcher.pk]), f"#{researcher.pk} {researcher}")
        for researcher in researchers))


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    form = SegmentForm
    list_display = ["name", "journal", "expression_text", "created_by", "updated_at"]
    list_filter = [("journal", admin.RelatedOnlyFieldListFilter), "updated_at", "created_at"]
    search_fields = ["name", "description", "journal__key", "journal__name_en", "journal__name_zh_hans"]
    list_select_related = ["journal", "created_by"]
    readonly_fields = ["members", "vocabulary", "created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "description", "journal", "expression"]}),
        (_("Members"), {"fields": ["members"]}),
        (_("Names an expression may use"), {"fields": ["vocabulary"], "classes": ["collapse"]}),
        (_("History"), {"fields": ["created_by", "created_at", "updated_at"]}),
    ]

    class Media:
        js = ["tagging/segment_preview.js"]

    @admin.display(description=_("expression"))
    def expression_text(self, segment: Segment) -> str:
        text = json.dumps(segment.expression, ensure_ascii=False)
        return text if len(text) <= 80 else text[:77] + "…"

    @admin.display(description=_("members"))
    def members(self, segment: Segment) -> str:
        if segment.pk is None:
            return _("Shown once saved; use the preview under the expression meanwhile.")
        try:
            count, counted_at = segment_count_cached(segment.expression)
            sample = segment_sample_researchers(segment.expression)
        except SegmentInvalid as invalid:  # a tag or journal it names has gone since it was saved
            return format_html_join("", "<p class='errornote'>{}</p>", ((message,) for message in
                                                                         invalid.fields["expression"]))
        return format_html("<p>{}</p><p>{}</p>",
                           _("%(count)s researchers (counted at %(time)s)") % {
                               "count": formats.number_format(count), "time": formats.localize(counted_at)},
                           _member_links(sample) or "—")

    @admin.display(description=_("names"))
    def vocabulary(self, _segment: Segment) -> str:
        return format_html_join("", "<p><b>{}</b>: {}</p>", (
            (term, ", ".join(values)) for term, values in segment_vocabulary().items() if values))

    def save_model(self, request, segment: Segment, form, change: bool) -> None:
        if not change:
            segment.created_by = request.user
        super().save_model(request, segment, form, change)

    def get_urls(self):
        return [path("preview/", self.admin_site.admin_view(self.preview_view), name="tagging_segment_preview"),
                *super().get_urls()]

    def preview_view(self, request):
        return require_GET(self._preview)(request)

    def _preview(self, request):
        """GET ?expression=<JSON>: {"count", "members": [{"id", "name", "url"}]} or 400 {"problems": [...]}."""
        if not self.has_view_permission(request):
            return JsonResponse({"problems": [str(_("You are not allowed to do this."))]}, status=403)
        try:
            expression = json.loads(request.GET.get("expression", ""))
            parsed = segment_parse(expression)
        except (ValueError, RecursionError):
            return JsonResponse({"problems": [str(_("The expression is not valid JSON."))]}, status=400)
        except SegmentInvalid as invalid:
            return JsonResponse({"problems": [str(message) for message in invalid.fields["expression"]]},
                                status=400)
        sample = segment_sample_researchers(parsed)
        count = segment_count(parsed)
        return JsonResponse({
            "count": count,
            "summary": _("%(count)s researchers") % {"count": formats.number_format(count)},
            "members": [{"id": researcher.pk, "name": str(researcher),
                         "url": reverse("admin:accounts_researcher_change", args=[researcher.pk])}
                        for researcher in sample]})
