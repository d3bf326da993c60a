"""Campaigns: launch, fan-out in batches, cancel, and what researchers do with them (open, dismiss).

Fan-out: launching (now, or at `send_at` through the beat) plans the audience into id ranges of
CAMPAIGN_BATCH_SIZE researchers and queues one task per range; any worker takes any range. Each range is sent in
one transaction under the campaign's row lock, which is also what cancelling takes: a batch that began before the
cancel finishes (it went out before it), and every batch after it sees the campaign cancelled and sends nothing.
A delivery is unique per campaign, researcher and channel, and a batch sends only to researchers it creates a
delivery for, so a range sent twice (a retried task) reaches nobody twice.

In the Mini Program a delivery is an inbox item (created as not sent to WeChat: campaigns never spend
subscription credits, WeChat reserves those for services the researcher asked for) and a home card until it is
dismissed or expires. Opening the campaign's page (its deep link carries `campaign=<id>`) counts as opened.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manuscripts.selectors import journal_ids_by_researcher
from notifications.services import notifications_create_many
from publisher_backend.dispatch import enqueue_on_commit
from publisher_backend.errors import ApiError, Conflict
from tagging.models import (
    Campaign,
    CampaignDelivery,
    CampaignOaSend,
    CampaignState,
    CampaignVariant,
    Channel,
    DeliveryState,
)
from tagging.selectors.official_account import oa_followers_of, oa_followers_with_quota
from tagging.services.official_account import (
    oa_mass_preview,
    oa_mass_send_to_tag,
    oa_tag_create,
    oa_tag_delete,
    oa_tag_members_add,
)
from tagging.services.segments import segment_researchers
from tagging.services.webhooks import webhook_event_emit
from tagging.wechat_oa import OaError, OaRefused

logger = logging.getLogger(__name__)


class CampaignNotEditable(Conflict):
    default_message = _("Only a draft campaign can be launched.")


class CampaignNotCancellable(Conflict):
    default_message = _("Only a scheduled or sending campaign can be cancelled.")


class CampaignInvalid(ApiError):
    default_message = _("The campaign cannot be launched as it is.")


def campaign_page_link(campaign: Campaign, page: str) -> str:
    """The page a delivery opens, carrying the campaign's id so the Mini Program reports the open."""
    page = (page or settings.CAMPAIGN_DEFAULT_PAGE).lstrip("/")
    return f"{page}{'&' if '?' in page else '?'}campaign={campaign.pk}"


def campaign_launch(*, campaign: Campaign) -> Campaign:
    """Draft → scheduled (a future `send_at`) or sending (now). Raises CampaignNotEditable, CampaignInvalid."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state != CampaignState.DRAFT:
            raise CampaignNotEditable()
        if not (campaign.in_app or campaign.official_account):
            raise CampaignInvalid(fields={"channels": [_("Choose at least one channel.")]})
        now = timezone.now()
        campaign.launched_at = now
        if campaign.send_at and campaign.send_at > now:
            campaign.state = CampaignState.SCHEDULED
            campaign.save(update_fields=["state", "launched_at"])
        else:
            _start_sending(campaign)
    return campaign


def _start_sending(campaign: Campaign) -> None:
    campaign.state = CampaignState.SENDING
    campaign.save(update_fields=["state", "launched_at"])
    enqueue_on_commit("tagging.tasks.campaign_plan", campaign.pk)


def campaigns_launch_due() -> int:
    """Beat: scheduled campaigns whose time has come start sending; returns how many."""
    started = 0
    with transaction.atomic():
        due = (Campaign.objects.select_for_update(skip_locked=True)
               .filter(state=CampaignState.SCHEDULED, send_at__lte=timezone.now()))
        for campaign in due:
            _start_sending(campaign)
            started += 1
    return started


def campaign_plan(*, campaign_id: int) -> int:
    """Cut the audience into id ranges and queue one batch task per range; returns the number of batches."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.state != CampaignState.SENDING or campaign.batches_total:
            return 0  # cancelled meanwhile, or planned already (a retried task)
        size = settings.CAMPAIGN_BATCH_SIZE
        ranges, first, count, last = [], None, 0, None
        for researcher_id in (segment_researchers(campaign.audience).order_by("pk")
                              .values_list("pk", flat=True).iterator(chunk_size=10_000)):
            if first is None:
                first = researcher_id
            count += 1
            last = researcher_id
            if count % size == 0:
                ranges.append((first, last))
                first = None
        if first is not None:
            ranges.append((first, last))
        campaign.targeted = count
        campaign.batches_total = len(ranges)
        if not ranges:
            _finish(campaign)  # nobody to reach, through any channel
        campaign.save(update_fields=["targeted", "batches_total", "state", "finished_at"])
        for first_id, last_id in ranges:
            enqueue_on_commit("tagging.tasks.campaign_send_batch", campaign.pk, first_id, last_id)
    return len(ranges)


def campaign_send_batch(*, campaign_id: int, first_id: int, last_id: int) -> int:
    """Send the campaign to its audience members with ids in [first_id, last_id]; returns how many were new."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.state != CampaignState.SENDING:
            return 0
        members = list(segment_researchers(campaign.audience).filter(pk__gte=first_id, pk__lte=last_id)
                       .order_by("pk").values_list("pk", "language"))
        sent = _deliver_in_app(campaign, members) if campaign.in_app else 0
        if campaign.official_account:
            _deliver_official_account(campaign, members)
        campaign.batches_done += 1
        if campaign.batches_done >= campaign.batches_total:
            if campaign.oa_sends.exists():
                # Every follower is in the campaign's tags: the mass sends go out, then the campaign is finished.
                enqueue_on_commit("tagging.tasks.campaign_oa_send", campaign.pk)
            else:
                _finish(campaign)
        campaign.save(update_fields=["batches_done", "state", "finished_at"])
    return sent


def _finish(campaign: Campaign) -> None:
    campaign.state = CampaignState.SENT
    campaign.finished_at = timezone.now()
    webhook_event_emit(event="campaign.finished", data_items=[{"campaign": {
        "id": campaign.pk, "name": campaign.name, "targeted": campaign.targeted}}])


def _variants_for(campaign: Campaign, researcher_ids: list[int]) -> dict[int, CampaignVariant]:
    variants = list(campaign.variants.all())
    if not variants:
        return {}
    journals_of = journal_ids_by_researcher(researcher_ids=researcher_ids,
                                            journal_ids=[variant.journal_id for variant in variants])
    chosen = {}
    for researcher_id, journal_ids in journals_of.items():
        # The first variant (in the order staff added them) whose journal the researcher publishes in.
        chosen[researcher_id] = next(variant for variant in variants if variant.journal_id in journal_ids)
    return chosen


def _deliver_in_app(campaign: Campaign, members: list[tuple[int, str]]) -> int:
    already = set(CampaignDelivery.objects.filter(campaign=campaign, channel=Channel.IN_APP,
                                                  researcher_id__in=[pk for pk, _ in members])
                  .values_list("researcher_id", flat=True))
    new_members = [(pk, language) for pk, language in members if pk not in already]
    if not new_members:
        return 0
    variants = _variants_for(campaign, [pk for pk, _ in new_members])
    notices, deliveries = [], []
    for researcher_id, language in new_members:
        variant = variants.get(researcher_id)
        content = campaign.content_for(language, variant)
        notices.append({"researcher_id": researcher_id, "kind": "campaign",
                        "dedupe_key": f"campaign:{campaign.pk}:{researcher_id}", "title": content["title"],
                        "body": content["body"], "page": campaign_page_link(campaign, content["page"]),
                        "payload": {"campaign_id": campaign.pk}})
        deliveries.append(CampaignDelivery(campaign=campaign, researcher_id=researcher_id, channel=Channel.IN_APP,
                                           state=DeliveryState.DELIVERED, variant=variant))
    CampaignDelivery.objects.bulk_create(deliveries, batch_size=1000)
    notifications_create_many(notifications=notices, inbox_only=True)
    return len(new_members)


def _oa_language(campaign: Campaign, language: str) -> str:
    """The words a follower gets: English when they prefer it and the campaign has it, else Chinese."""
    return "en" if language == "en" and campaign.title_en else "zh-hans"


def _oa_send_for(campaign: Campaign, language: str) -> CampaignOaSend:
    """The campaign's Official Account tag for one language, made at WeChat the first time it is needed. The name
    carries a random part: a batch rolled back after WeChat made the tag makes a new one when retried (WeChat
    refuses a name twice), and the orphan is deleted by nobody; rare, and an account holds 100 tags."""
    oa_send = CampaignOaSend.objects.filter(campaign=campaign, language=language).first()
    if oa_send is None:
        tag_id = oa_tag_create(name=f"SL{campaign.pk}-{language[:2]}-{secrets.token_hex(3)}")
        oa_send = CampaignOaSend.objects.create(campaign=campaign, language=language, tag_id=tag_id)
    return oa_send


def _deliver_official_account(campaign: Campaign, members: list[tuple[int, str]]) -> None:
    """Put this batch's followers in the campaign's Official Account tags (one per language); the mass sends go
    out once every batch is done. Who does not follow the account, or has had the month's mass messages, is
    skipped with the reason."""
    already = set(CampaignDelivery.objects.filter(campaign=campaign, channel=Channel.OFFICIAL_ACCOUNT,
                                                  researcher_id__in=[pk for pk, _ in members])
                  .values_list("researcher_id", flat=True))
    new_members = [(pk, language) for pk, language in members if pk not in already]
    if not new_members:
        return
    ids = [pk for pk, _ in new_members]
    following = set(oa_followers_of(researcher_ids=ids).values_list("researcher_id", flat=True))
    openids_with_quota: dict[int, list[str]] = {}
    for researcher_id, openid in oa_followers_with_quota(researcher_ids=ids).values_list("researcher_id", "openid"):
        openids_with_quota.setdefault(researcher_id, []).append(openid)
    openids_by_language: dict[str, list[str]] = {}
    deliveries = []
    for researcher_id, language in new_members:
        if researcher_id in openids_with_quota:
            openids_by_language.setdefault(_oa_language(campaign, language), []).extend(
                openids_with_quota[researcher_id])
            state, reason = DeliveryState.WAITING, ""
        elif researcher_id in following:
            state, reason = DeliveryState.SKIPPED, "this month's mass messages already received"
        else:
            state, reason = DeliveryState.SKIPPED, "does not follow the Official Account"
        deliveries.append(CampaignDelivery(campaign=campaign, researcher_id=researcher_id,
                                           channel=Channel.OFFICIAL_ACCOUNT, state=state, reason=reason))
    for language, openids in sorted(openids_by_language.items()):
        oa_tag_members_add(tag_id=_oa_send_for(campaign, language).tag_id, openids=openids)
    CampaignDelivery.objects.bulk_create(deliveries, batch_size=1000)


def campaign_oa_text(campaign: Campaign, language: str) -> str:
    """The mass message: title, text, and a link that opens the campaign's page in the Mini Program."""
    content = campaign.content_for(language)
    label = "Open in the Mini Program" if language == "en" else "在小程序中查看"
    link = (f'<a data-miniprogram-appid="{settings.WECHAT_APP_ID}" '
            f'data-miniprogram-path="{campaign_page_link(campaign, content["page"])}">{label}</a>')
    return f"{content['title']}\n\n{content['body']}\n\n{link}"


def campaign_oa_send(*, campaign_id: int) -> None:
    """Every batch done: mass-send to each of the campaign's Official Account tags, then finish the campaign.
    Under the campaign's lock (a cancel waits for it, or it sees the cancel). Each send has its own client message
    id, so a retried task never sends twice. WeChat refusing a send fails its waiting deliveries; WeChat unreachable
    (OaUnavailable) is raised, and the task retries."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.state != CampaignState.SENDING:
            return
        for oa_send in campaign.oa_sends.order_by("language"):
            try:
                mass_send = oa_mass_send_to_tag(tag_id=oa_send.tag_id, msgtype="text",
                                                content={"content": campaign_oa_text(campaign, oa_send.language)},
                                                client_msg_id=f"sl-campaign-{campaign.pk}-{oa_send.language}")
            except OaRefused as refusal:
                logger.warning("campaign %s: WeChat refused the %s mass send: %s", campaign.pk, oa_send.language,
                               refusal)
                _oa_deliveries_settle(campaign, oa_send.language, DeliveryState.FAILED, str(refusal)[:200])
                continue
            oa_send.mass_send = mass_send
            oa_send.save(update_fields=["mass_send"])
            _oa_deliveries_settle(campaign, oa_send.language, DeliveryState.DELIVERED, "")
        _finish(campaign)
        campaign.save(update_fields=["state", "finished_at"])


def _oa_deliveries_settle(campaign: Campaign, language: str, state: str, reason: str) -> None:
    waiting = CampaignDelivery.objects.filter(campaign=campaign, channel=Channel.OFFICIAL_ACCOUNT,
                                              state=DeliveryState.WAITING)
    in_language = (waiting.filter(researcher__language="en") if language == "en"
                   else waiting.exclude(researcher__language="en") if campaign.title_en else waiting)
    in_language.update(state=state, reason=reason)


def campaign_oa_send_finished(*, mass_send_id: int) -> None:
    """WeChat finished a campaign's mass send: its tag has done its work and is deleted (an account holds at most
    100 tags). The figures stay on the mass send."""
    oa_send = CampaignOaSend.objects.filter(mass_send_id=mass_send_id).first()
    if oa_send is None:
        return
    try:
        oa_tag_delete(tag_id=oa_send.tag_id)
    except OaError as error:
        logger.warning("could not delete Official Account tag %s of campaign %s: %s", oa_send.tag_id,
                       oa_send.campaign_id, error)


def campaign_cancel(*, campaign: Campaign) -> Campaign:
    """Stop a scheduled or sending campaign: nothing sent is sent again, nothing more goes out."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state not in (CampaignState.SCHEDULED, CampaignState.SENDING):
            raise CampaignNotCancellable()
        campaign.state = CampaignState.CANCELLED
        campaign.cancelled_at = timezone.now()
        campaign.save(update_fields=["state", "cancelled_at"])
    return campaign


def campaign_opened(*, researcher_id: int, campaign_id: int) -> bool:
    """The researcher opened the campaign's page: its deliveries to them count as opened (the first time only).
    False when the campaign never reached them."""
    reached = CampaignDelivery.objects.filter(researcher_id=researcher_id, campaign_id=campaign_id)
    if not reached.exists():
        return False
    reached.filter(opened_at__isnull=True).update(opened_at=timezone.now())
    return True


def campaign_card_dismiss(*, researcher_id: int, delivery_id: int) -> bool:
    """Hide one home card for good; False when it is not the researcher's."""
    card = CampaignDelivery.objects.filter(pk=delivery_id, researcher_id=researcher_id, channel=Channel.IN_APP)
    if not card.exists():
        return False
    card.filter(dismissed_at__isnull=True).update(dismissed_at=timezone.now())
    return True


def campaign_test_send(*, campaign: Campaign, researcher) -> dict[str, bool]:
    """Show the campaign to one researcher (staff checking it), outside its figures; each test is new. In the Mini
    Program it is an inbox item; through the Official Account (when the campaign uses it and the researcher
    follows the account) a mass-message preview to their openid. Returns {"in_app", "official_account"}: what went.
    Raises OaError when WeChat refuses or cannot be reached (the inbox item is there already)."""
    content = campaign.content_for(researcher.language)
    notifications_create_many(notifications=[{
        "researcher_id": researcher.pk, "kind": "campaign",
        "dedupe_key": f"campaign-test:{campaign.pk}:{researcher.pk}:{timezone.now().timestamp()}",
        "title": content["title"], "body": content["body"], "page": campaign_page_link(campaign, content["page"]),
        "payload": {"campaign_id": campaign.pk, "test": True}}], inbox_only=True)
    sent = {"in_app": True, "official_account": False}
    if campaign.official_account:
        openid = oa_followers_of(researcher_ids=[researcher.pk]).values_list("openid", flat=True).first()
        if openid:
            oa_mass_preview(openid=openid, msgtype="text", content={
                "content": campaign_oa_text(campaign, _oa_language(campaign, researcher.language))})
            sent["official_account"] = True
    return sent
