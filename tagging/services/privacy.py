"""What tagging holds about a researcher, for accounts.privacy (registered in TaggingConfig.ready()).

Export: the tags they carry (name and where the tag came from, not which staff member put it), the journals they
follow and the campaign items they received. Staff-only notes (who assigned, the audit's actor) are not the
researcher's data and are not exported.

Erase: tag assignments, the tag audit, follows, campaign deliveries and enrichment go with the researcher's row
(cascade); deleted here explicitly so the order is clear and nothing waits on the cascade. Official Account
followers are the Official Account's own record of who follows it: a follower who still follows is detached from
the researcher (the link is cleared), one who no longer follows is deleted. Webhook deliveries (the log of what
went to other systems, and what is still to go) keep the researcher's id, which names nobody once the researcher is
gone, and lose the ORCID iD.
"""

from __future__ import annotations

from accounts.models import Researcher
from tagging.models import (
    CampaignDelivery,
    JournalFollow,
    OfficialAccountFollower,
    TagAssignment,
    TagAudit,
    WebhookDelivery,
)
from tagging.models.enrichment import ResearcherEnrichment


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def tags_export(researcher: Researcher) -> dict:
    assignments = TagAssignment.objects.filter(researcher=researcher).select_related("tag").order_by("assigned_at")
    follows = JournalFollow.objects.filter(researcher=researcher).select_related("journal").order_by("created_at")
    deliveries = (CampaignDelivery.objects.filter(researcher=researcher).select_related("campaign")
                  .order_by("created_at"))
    return {
        "tags": [{"slug": assignment.tag.slug, "name": {"en": assignment.tag.name_en,
                                                        "zh-hans": assignment.tag.name_zh_hans},
                  "group": assignment.tag.group, "source": assignment.source,
                  "assigned_at": _iso(assignment.assigned_at), "expires_at": _iso(assignment.expires_at)}
                 for assignment in assignments],
        "journals_followed": [{"journal": follow.journal.key, "since": _iso(follow.created_at)} for follow in follows],
        "campaign_items": [{"campaign": delivery.campaign_id, "channel": delivery.channel, "state": delivery.state,
                            "created_at": _iso(delivery.created_at), "opened_at": _iso(delivery.opened_at)}
                           for delivery in deliveries],
    }


def tags_erase(researcher: Researcher) -> None:
    TagAssignment.objects.filter(researcher=researcher).delete()
    TagAudit.objects.filter(researcher=researcher).delete()
    JournalFollow.objects.filter(researcher=researcher).delete()
    CampaignDelivery.objects.filter(researcher=researcher).delete()
    ResearcherEnrichment.objects.filter(researcher=researcher).delete()
    OfficialAccountFollower.objects.filter(researcher=researcher, subscribed=False).delete()
    OfficialAccountFollower.objects.filter(researcher=researcher).update(researcher=None)
    for delivery in WebhookDelivery.objects.filter(payload__data__researcher__id=researcher.pk):
        delivery.payload["data"]["researcher"]["orcid"] = ""
        delivery.save(update_fields=["payload"])
