"""Reads for campaigns: a researcher's home cards, and each campaign's figures per channel."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tagging.models import Campaign, CampaignDelivery, CampaignState, Channel, DeliveryState
from tagging.selectors.official_account import oa_reach
from tagging.services.segments import segment_count, segment_researchers


def campaign_cards_for(*, researcher_id: int) -> QuerySet[CampaignDelivery]:
    """The researcher's live home cards, newest first: delivered in the Mini Program, not dismissed, not expired,
    of a campaign that was not cancelled before it reached them (a card already out stays)."""
    now = timezone.now()
    return (CampaignDelivery.objects
            .filter(researcher_id=researcher_id, channel=Channel.IN_APP, state=DeliveryState.DELIVERED,
                    dismissed_at__isnull=True)
            .filter(Q(campaign__card_expires_at__isnull=True) | Q(campaign__card_expires_at__gt=now))
            .select_related("campaign", "variant", "researcher")
            .order_by("-created_at", "-id"))


def campaigns_stats(*, campaign_ids) -> dict[int, dict[str, dict[str, int]]]:
    """{campaign id: {channel: {"targeted", "delivered", "opened", "failed", "skipped"}}} in one query. Targeted is
    the deliveries made so far (the whole audience once the campaign is sent): delivered + failed + skipped (+ those
    still waiting for the Official Account's mass send)."""
    rows = (CampaignDelivery.objects.filter(campaign_id__in=campaign_ids).values("campaign_id", "channel").annotate(
        targeted=Count("id"),
        delivered=Count("id", filter=Q(state=DeliveryState.DELIVERED)),
        opened=Count("id", filter=Q(opened_at__isnull=False)),
        failed=Count("id", filter=Q(state=DeliveryState.FAILED)),
        skipped=Count("id", filter=Q(state=DeliveryState.SKIPPED))))
    stats = {pk: {channel: {"targeted": 0, "delivered": 0, "opened": 0, "failed": 0, "skipped": 0}
                  for channel in Channel.values} for pk in campaign_ids}
    for row in rows:
        stats[row.pop("campaign_id")][row.pop("channel")] = row
    return stats


def campaign_stats(*, campaign: Campaign) -> dict[str, dict[str, int]]:
    """One campaign's figures per channel (see campaigns_stats)."""
    return campaigns_stats(campaign_ids=[campaign.pk])[campaign.pk]


def campaign_reach(*, campaign: Campaign) -> dict[str, int]:
    """Before launch: researchers the audience holds now (each gets the in-app item) and, for the Official
    Account, how many of them follow it and how many of those can still get a mass message this month."""
    reach = {"audience": segment_count(campaign.audience)}
    if campaign.official_account:
        reach.update(oa_reach(researcher_ids=segment_researchers(campaign.audience).values("pk")))
    return reach


def campaign_progress(*, campaign: Campaign) -> int | None:
    """Percent of the fan-out's batches done, while sending (None before it is planned)."""
    if campaign.state == CampaignState.SENT:
        return 100
    if not campaign.batches_total:
        return None
    return int(100 * campaign.batches_done / campaign.batches_total)


def campaigns_for_staff() -> QuerySet[Campaign]:
    """Every campaign, newest first, with its journal (the staff API)."""
    return Campaign.objects.select_related("journal").order_by("-created_at", "-id")


def campaign_deliveries_for_staff() -> QuerySet[CampaignDelivery]:
    """Every delivery with its campaign (campaign results export)."""
    return CampaignDelivery.objects.select_related("campaign")
