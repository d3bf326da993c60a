"""Tag rules in admin: a saved, enabled, disabled or deleted rule re-evaluates its tag in the background; each
rule shows how its tag's last evaluation went (state, processed / total, tags added and removed)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tagging.models import EvaluationState, TagRule
from tagging.services.rules import rule_matches, tag_rule_delete, tag_rule_saved, tag_rules_schedule


@admin.register(TagRule)
class TagRuleAdmin(admin.ModelAdmin):
    list_display = ["tag", "rule_column", "enabled", "evaluation_column", "last_evaluated_at"]
    list_filter = ["enabled", "kind", "evaluation_state", "tag__group"]
    search_fields = ["tag__slug", "tag__name_en", "tag__name_zh_hans", "text"]
    list_select_related = ["tag", "journal"]
    autocomplete_fields = ["tag"]
    actions = ["evaluate_now"]
    fieldsets = [
        (None, {"fields": ["tag", "kind", "enabled"]}),
        (_("Parameters (fill in those the kind uses)"), {"fields": ["journal", "months", "text", "platform",
                                                                    "language", "times"]}),
        (_("Last evaluation of the tag"), {"fields": ["evaluation_column", "evaluation_error", "last_evaluated_at",
                                                      "matching_now"]}),
    ]
    readonly_fields = ["evaluation_column", "evaluation_error", "last_evaluated_at", "matching_now"]

    @admin.display(description=_("rule"), ordering="kind")
    def rule_column(self, rule: TagRule) -> str:
        return rule.describe()

    @admin.display(description=_("evaluation"))
    def evaluation_column(self, rule: TagRule) -> str:
        if rule.evaluation_state in (EvaluationState.IDLE, EvaluationState.QUEUED):
            return rule.get_evaluation_state_display()
        return format_html("{}: {} / {} (+{} / −{})", rule.get_evaluation_state_display(), rule.evaluation_processed,
                           rule.evaluation_total, rule.evaluation_added, rule.evaluation_removed)

    @admin.display(description=_("researchers it holds for now"))
    def matching_now(self, rule: TagRule) -> str:
        if rule.pk is None:
            return "—"
        return str(rule_matches(rule=rule).count())

    def save_model(self, request, obj: TagRule, form, change: bool) -> None:
        previous_tag_id = form.initial.get("tag") if change else None
        super().save_model(request, obj, form, change)
        tag_rule_saved(rule=obj, previous_tag_id=previous_tag_id)
        self.message_user(request, _("The tag %(tag)s is being re-evaluated in the background; reload this list to "
                                     "follow its progress.") % {"tag": obj.tag.slug}, level=messages.INFO)

    def delete_model(self, request, obj: TagRule) -> None:
        tag_rule_delete(rule=obj)

    def delete_queryset(self, request, queryset) -> None:
        for rule in queryset:
            tag_rule_delete(rule=rule)

    @admin.action(description=_("Re-evaluate the selected rules' tags now"), permissions=["change"])
    def evaluate_now(self, request, queryset) -> None:
        tag_ids = set(queryset.values_list("tag_id", flat=True))
        tag_rules_schedule(tag_ids=tag_ids)
        self.message_user(request, ngettext("%(count)d tag is being re-evaluated in the background.",
                                            "%(count)d tags are being re-evaluated in the background.", len(tag_ids))
                          % {"count": len(tag_ids)}, level=messages.INFO)
