"""Tagging's API under /api/v1/: the staff API, campaigns and the researcher's interests."""

from django.urls import path

from tagging.api import campaigns, interests, segments, staff_api, staff_campaigns, webhooks

urlpatterns: list = [
    path("campaign-cards", campaigns.CampaignCardsView.as_view(), name="campaign-cards"),
    path("campaign-cards/<int:card_id>/dismiss", campaigns.CampaignCardDismissView.as_view(),
         name="campaign-card-dismiss"),
    path("campaigns/<int:campaign_id>/opened", campaigns.CampaignOpenedView.as_view(), name="campaign-opened"),
]
urlpatterns += segments.urlpatterns
urlpatterns += interests.urlpatterns
urlpatterns += webhooks.urlpatterns
urlpatterns += staff_api.urlpatterns
urlpatterns += staff_campaigns.urlpatterns
