"""The researcher's side of campaigns: home cards, dismissing one, and reporting a campaign's page opened."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from publisher_backend.schema import error_responses
from tagging.models import CampaignDelivery
from tagging.selectors.campaigns import campaign_cards_for
from tagging.services.campaigns import campaign_card_dismiss, campaign_opened, campaign_page_link

TAGS = ["campaigns"]


class CampaignCardSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The card (dismiss it with this id).")
    campaign = serializers.IntegerField(help_text="The campaign (report it opened with this id).")
    title = serializers.CharField()
    body = serializers.CharField()
    page = serializers.CharField(help_text="Mini Program page to open, with campaign=<id> in its query.")
    expires_at = serializers.DateTimeField(allow_null=True)


def card_body(delivery: CampaignDelivery) -> dict:
    """A card in the researcher's language (their language now, not at sending time)."""
    campaign = delivery.campaign
    content = campaign.content_for(delivery.researcher.language, delivery.variant)
    return {"id": delivery.pk, "campaign": campaign.pk, "title": content["title"], "body": content["body"],
            "page": campaign_page_link(campaign, content["page"]), "expires_at": campaign.card_expires_at}


class CampaignCardsView(ListAPIView):
    """Campaign cards for the home page, newest first, until dismissed or expired."""

    serializer_class = CampaignCardSerializer
    queryset = CampaignDelivery.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return campaign_cards_for(researcher_id=self.request.user.researcher.pk)

    @extend_schema(tags=TAGS, responses={200: CampaignCardSerializer(many=True), **error_responses(400, 401, 404)})
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CampaignCardSerializer([card_body(card) for card in page], many=True).data)


class CampaignCardDismissView(APIView):
    @extend_schema(request=None, responses={204: None, **error_responses(401, 404)}, tags=TAGS)
    def post(self, request, card_id: int):
        if not campaign_card_dismiss(researcher_id=request.user.researcher.pk, delivery_id=card_id):
            raise Http404
        return Response(status=204)


class CampaignOpenedView(APIView):
    @extend_schema(request=None, responses={204: None, **error_responses(401, 404)}, tags=TAGS,
                   description="The researcher opened the campaign's page (its deep link carries campaign=<id>).")
    def post(self, request, campaign_id: int):
        if not campaign_opened(researcher_id=request.user.researcher.pk, campaign_id=campaign_id):
            raise Http404
        return Response(status=204)
