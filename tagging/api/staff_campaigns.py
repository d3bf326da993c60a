"""Staff API: campaigns and their figures per channel (scope campaigns:read). Per-researcher results are the
`campaign_results` export (GET /api/v1/staff/exports/campaign_results)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from publisher_backend.schema import error_responses
from tagging.authentication import StaffApiMixin
from tagging.models import ApiScope, Campaign, Channel
from tagging.selectors.campaigns import campaign_stats, campaigns_for_staff, campaigns_stats


class ChannelFiguresSerializer(serializers.Serializer):
    targeted = serializers.IntegerField()
    delivered = serializers.IntegerField()
    opened = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField()


class StaffCampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    journal = serializers.CharField(allow_null=True, help_text="The journal's key, when it speaks for one.")
    state = serializers.CharField()
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices))
    send_at = serializers.DateTimeField(allow_null=True)
    launched_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    audience = serializers.IntegerField(source="targeted", help_text="Researchers in the audience when it was sent.")
    figures = serializers.DictField(child=ChannelFiguresSerializer(), help_text="Per channel.")

    def to_representation(self, campaign: Campaign) -> dict:
        body = {name: getattr(campaign, name) for name in ("id", "name", "state", "send_at", "launched_at",
                                                            "finished_at", "cancelled_at", "targeted")}
        body["journal"] = campaign.journal.key if campaign.journal else None
        body["channels"] = [channel for channel, on in ((Channel.IN_APP, campaign.in_app),
                                                        (Channel.OFFICIAL_ACCOUNT, campaign.official_account)) if on]
        figures = self.context.get("figures")
        body["figures"] = figures[campaign.pk] if figures else campaign_stats(campaign=campaign)
        return super().to_representation(body)


class StaffCampaignsView(StaffApiMixin, ListAPIView):
    """Campaigns, newest first, with their figures per channel (one query for a page's figures)."""

    required_scope = ApiScope.CAMPAIGNS_READ
    serializer_class = StaffCampaignSerializer

    def get_queryset(self):
        return campaigns_for_staff()

    def get_serializer(self, *args, **kwargs):
        if not args:  # the schema's introspection
            return super().get_serializer(**kwargs)
        campaigns = list(args[0])
        kwargs["context"] = {**self.get_serializer_context(),
                             "figures": campaigns_stats(campaign_ids=[campaign.pk for campaign in campaigns])}
        return super().get_serializer(campaigns, *args[1:], **kwargs)

    @extend_schema(tags=["staff API"], operation_id="staff_campaigns_list",
                   responses={200: StaffCampaignSerializer(many=True), **error_responses(400, 401, 403, 404, 429)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


urlpatterns = [path("staff/campaigns", StaffCampaignsView.as_view(), name="staff-campaigns")]
