"""Campaigns in admin: write the message per language (and per journal), preview it as researchers will see it,
see the reach, send a test to yourself, launch, follow the figures per channel, cancel."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from publisher_backend.errors import ApiError
from tagging.models import Campaign, CampaignDelivery, CampaignState, CampaignVariant, Channel
from tagging.selectors.campaigns import campaign_progress, campaign_reach, campaign_stats
from tagging.services.campaigns import campaign_cancel, campaign_launch, campaign_oa_text, campaign_test_send
from tagging.services.segments import segment_problems
from tagging.wechat_oa import OaError


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "journal", "segment", "audience", "title_zh_hans", "body_zh_hans", "title_en", "body_en",
                  "page", "in_app", "official_account", "send_at", "card_expires_at"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("segment") and not cleaned.get("audience"):
            cleaned["audience"] = cleaned["segment"].expression  # a copy: later edits of the segment don't move it
        if cleaned.get("audience") in (None, ""):
            self.add_error("audience", _("Choose a saved segment or write an expression."))
        else:
            for problem in segment_problems(cleaned["audience"]):
                self.add_error("audience", problem)
        if not (cleaned.get("in_app") or cleaned.get("official_account")):
            raise ValidationError(_("Choose at least one channel."))
        if bool(cleaned.get("title_en")) != bool(cleaned.get("body_en")):
            raise ValidationError(_("Give the English title and text together, or neither."))
        return cleaned


class VariantInline(admin.StackedInline):
    model = CampaignVariant
    extra = 0
    autocomplete_fields = ["journal"]


def _phone(title: str, body: str, label: str):
    # How the Mini Program shows it: the inbox item and the home card use the same title and text.
    return format_html(
        '<div style="display:inline-block;vertical-align:top;width:260px;margin:0 12px 12px 0;padding:12px;'
        'border:1px solid #ddd;border-radius:12px;background:#f5f5f5;font-family:sans-serif">'
        '<div style="color:#888;font-size:11px;margin-bottom:6px">{}</div>'
        '<div style="background:#fff;border-radius:8px;padding:10px">'
        '<div style="font-weight:600;font-size:14px;margin-bottom:4px">{}</div>'
        '<div style="font-size:13px;color:#333;white-space:pre-wrap">{}</div></div></div>', label, title, body)


def _official_account_bubble(text: str, language: str):
    # How WeChat shows a text mass message: a chat bubble from the account; the Mini Program link is blue.
    link = re.search(r'<a [^>]*>([^<]*)</a>', text)
    plain = text[:link.start()] if link else text
    label = _("Official Account, Chinese") if language != "en" else _("Official Account, English")
    return format_html(
        '<div style="display:inline-block;vertical-align:top;width:260px;margin:0 12px 12px 0;padding:12px;'
        'border:1px solid #ddd;border-radius:12px;background:#ededed;font-family:sans-serif">'
        '<div style="color:#888;font-size:11px;margin-bottom:6px">{}</div>'
        '<div style="background:#fff;border-radius:6px;padding:10px;font-size:13px;white-space:pre-wrap">{}'
        '<span style="color:#576b95">{}</span></div></div>', label, plain, link.group(1) if link else "")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    inlines = [VariantInline]
    list_display = ["name", "journal", "state", "send_at", "targeted", "progress", "in_app", "official_account",
                    "created_at"]
    list_filter = ["state", "in_app", "official_account", "journal"]
    search_fields = ["name", "title_zh_hans", "title_en"]
    autocomplete_fields = ["journal"]
    raw_id_fields = ["segment"]
    date_hierarchy = "created_at"
    actions = ["launch_campaigns", "cancel_campaigns", "send_test_to_me"]
    readonly_fields = ["state", "preview", "reach", "figures", "progress", "created_by", "created_at",
                       "launched_at", "finished_at", "cancelled_at"]
    fieldsets = [
        (None, {"fields": ["name", "journal", "segment", "audience", "reach"]}),
        (_("Message"), {"fields": ["title_zh_hans", "body_zh_hans", "title_en", "body_en", "page", "preview"]}),
        (_("Channels and time"), {"fields": ["in_app", "official_account", "send_at", "card_expires_at"]}),
        (_("Sending"), {"fields": ["state", "progress", "figures", "created_by", "created_at", "launched_at",
                                   "finished_at", "cancelled_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request, obj=None):
        # Once launched, the message and audience are what was sent: only a draft is edited.
        if obj is not None and obj.state != CampaignState.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("preview"))
    def preview(self, campaign: Campaign):
        if not campaign.pk:
            return _("Save the draft to preview it.")
        phones = [_phone(campaign.title_zh_hans, campaign.body_zh_hans, _("Chinese (inbox and home card)"))]
        if campaign.title_en:
            phones.append(_phone(campaign.title_en, campaign.body_en, _("English (inbox and home card)")))
        for variant in campaign.variants.select_related("journal"):
            phones.append(_phone(variant.title_zh_hans, variant.body_zh_hans,
                                 _("%(journal)s (Chinese)") % {"journal": variant.journal}))
        if campaign.official_account:
            for language in (["zh-hans", "en"] if campaign.title_en else ["zh-hans"]):
                phones.append(_official_account_bubble(campaign_oa_text(campaign, language), language))
        return format_html_join("", "{}", ((phone,) for phone in phones))

    @admin.display(description=_("reach"))
    def reach(self, campaign: Campaign):
        if not campaign.pk:
            return "—"
        reach = campaign_reach(campaign=campaign)
        text = _("%(audience)d researchers in the audience now (each gets the Mini Program item).") % reach
        if campaign.official_account:
            text += " " + _("Official Account: %(followers)d of them follow it, %(quota_left)d can still receive a "
                            "mass message this month.") % reach
        return text

    @admin.display(description=_("figures per channel"))
    def figures(self, campaign: Campaign):
        if not campaign.pk:
            return "—"
        stats = campaign_stats(campaign=campaign)
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (Channel(channel).label, row["targeted"], row["delivered"], row["opened"], row["failed"], row["skipped"])
            for channel, row in stats.items()))
        return format_html("<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}"
                           "</table>", _("channel"), _("targeted"), _("delivered"), _("opened"), _("failed"),
                           _("skipped"), rows)

    @admin.display(description=_("progress"))
    def progress(self, campaign: Campaign):
        percent = campaign_progress(campaign=campaign)
        return "—" if percent is None else f"{percent}%"

    def _each(self, request, queryset, operation, done_message):
        done = 0
        for campaign in queryset:
            try:
                operation(campaign=campaign)
                done += 1
            except ApiError as error:
                self.message_user(request, f"{campaign}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Launch the selected campaigns"), permissions=["launch"])
    def launch_campaigns(self, request, queryset):
        self._each(request, queryset, campaign_launch, _("%(count)d campaigns launched."))

    @admin.action(description=_("Cancel the selected campaigns"), permissions=["launch"])
    def cancel_campaigns(self, request, queryset):
        self._each(request, queryset, campaign_cancel, _("%(count)d campaigns cancelled."))

    @admin.action(description=_("Send me a test of the selected campaign"), permissions=["launch"])
    def send_test_to_me(self, request, queryset):
        researcher = getattr(request.user, "researcher", None)
        if researcher is None:
            self.message_user(request, _("Your staff account has no researcher profile in the Mini Program: sign in "
                                         "to the Mini Program with WeChat and ask an administrator to link it."),
                              messages.WARNING)
            return
        for campaign in queryset[:1]:
            try:
                sent = campaign_test_send(campaign=campaign, researcher=researcher)
            except OaError as error:
                self.message_user(request, _("The test is in your Mini Program inbox; the Official Account could "
                                             "not show it: %(error)s") % {"error": error.message}, messages.WARNING)
                return
            self.message_user(request, _("A test of %(campaign)s is in your Mini Program inbox.")
                              % {"campaign": campaign}, messages.SUCCESS)
            if sent["official_account"]:
                self.message_user(request, _("The Official Account sent you its preview in WeChat."),
                                  messages.SUCCESS)
            elif campaign.official_account:
                self.message_user(request, _("You do not follow the Official Account (or it is not synced yet): "
                                             "no preview there."), messages.WARNING)

    def has_launch_permission(self, request):
        return request.user.has_perm("tagging.launch_campaign")


@admin.register(CampaignDelivery)
class CampaignDeliveryAdmin(admin.ModelAdmin):
    list_display = ["campaign", "researcher", "channel", "state", "reason", "created_at", "opened_at",
                    "dismissed_at"]
    list_filter = ["channel", "state", ("opened_at", admin.EmptyFieldListFilter), "campaign"]
    search_fields = ["campaign__name", "researcher__display_name", "=researcher__id"]
    list_select_related = ["campaign", "researcher"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
