"""Campaigns: a message for an audience, in each researcher's language, through the channels WeChat allows for
news (the Mini Program's inbox and home card, and the publisher's Official Account), never subscription messages.

A `CampaignDelivery` is one researcher on one channel; it is unique per campaign, researcher and channel, so a
fan-out that runs twice (a retried task, two workers) can never reach anyone twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Journal, Researcher


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("Mini Program (inbox and home card)")
    OFFICIAL_ACCOUNT = "official_account", _("Official Account")


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=120, help_text=_("For staff only; researchers never see it."))
    journal = models.ForeignKey(Journal, null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns",
                                verbose_name=_("journal"), help_text=_("The journal it speaks for, if any."))
    segment = models.ForeignKey("tagging.Segment", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="campaigns", verbose_name=_("segment"),
                                help_text=_("A saved segment to start from: its expression is copied to the "
                                            "audience."))
    audience = models.JSONField(
        _("audience"), blank=True,
        help_text=_('A segment expression, e.g. {"all": [{"tag": "oncology"}, {"language": "en"}]}. Choosing a saved '
                    "segment copies its expression here."))
    title_zh_hans = models.CharField(_("title (Chinese)"), max_length=60)
    body_zh_hans = models.TextField(_("text (Chinese)"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=60, blank=True,
                                help_text=_("Researchers who prefer English get this; empty: they get the Chinese."))
    body_en = models.TextField(_("text (English)"), max_length=500, blank=True)
    page = models.CharField(_("page to open"), max_length=300, blank=True,
                            help_text=_("A Mini Program page with its query, e.g. packages/interests/interests."))
    in_app = models.BooleanField(_("in the Mini Program"), default=True)
    official_account = models.BooleanField(_("through the Official Account"), default=False)
    send_at = models.DateTimeField(_("send at"), null=True, blank=True,
                                   help_text=_("Empty: as soon as it is launched."))
    card_expires_at = models.DateTimeField(_("home card until"), null=True, blank=True,
                                           help_text=_("Empty: the card stays until the researcher dismisses it."))
    state = models.CharField(_("state"), max_length=16, choices=CampaignState.choices, default=CampaignState.DRAFT,
                             db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"), editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    # Fan-out progress, written per batch (admin shows it).
    targeted = models.PositiveIntegerField(_("researchers in the audience"), default=0, editable=False)
    batches_total = models.PositiveIntegerField(default=0, editable=False)
    batches_done = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]
        permissions = [("launch_campaign", _("Can launch and cancel campaigns"))]

    def __str__(self) -> str:
        return self.name

    def content_for(self, language: str, variant: CampaignVariant | None = None) -> dict:
        """Title, text and page for a researcher of `language` (a journal's variant first, if given)."""
        source = variant or self
        english = language == "en" and source.title_en
        return {"title": source.title_en if english else source.title_zh_hans,
                "body": source.body_en if english else source.body_zh_hans,
                "page": (variant.page if variant and variant.page else self.page)}


class CampaignVariant(models.Model):
    """Other words for the researchers of one journal: who has a manuscript there or follows it gets these."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants",
                                 verbose_name=_("campaign"))
    journal = models.ForeignKey(Journal, on_delete=models.CASCADE, related_name="+", verbose_name=_("journal"))
    title_zh_hans = models.CharField(_("title (Chinese)"), max_length=60)
    body_zh_hans = models.TextField(_("text (Chinese)"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=60, blank=True)
    body_en = models.TextField(_("text (English)"), max_length=500, blank=True)
    page = models.CharField(_("page to open"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("journal variant")
        verbose_name_plural = _("journal variants")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "journal"], name="campaign_variant_unique")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.journal_id}"


class DeliveryState(models.TextChoices):
    WAITING = "waiting", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class CampaignDelivery(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries",
                                 verbose_name=_("campaign"))
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="campaign_deliveries",
                                   verbose_name=_("researcher"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=16, choices=DeliveryState.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    variant = models.ForeignKey(CampaignVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("variant"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    dismissed_at = models.DateTimeField(_("card dismissed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign delivery")
        verbose_name_plural = _("campaign deliveries")
        constraints = [models.UniqueConstraint(fields=["campaign", "researcher", "channel"],
                                               name="campaign_delivery_once")]
        indexes = [models.Index(fields=["researcher", "channel", "-created_at"], name="campaign_card_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id}→{self.researcher_id} ({self.channel})"


class CampaignOaSend(models.Model):
    """The campaign through the Official Account, in one language: the user tag its followers were put in, and the
    mass send to that tag (one per language: a mass send carries one text)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="oa_sends",
                                 verbose_name=_("campaign"))
    language = models.CharField(_("language"), max_length=8)
    tag_id = models.PositiveIntegerField(_("Official Account tag id"))
    mass_send = models.OneToOneField("tagging.OaMassSend", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="campaign_send", verbose_name=_("mass send"))

    class Meta:
        verbose_name = _("Official Account send")
        verbose_name_plural = _("Official Account sends")
        constraints = [models.UniqueConstraint(fields=["campaign", "language"], name="campaign_oa_send_unique")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.language}"
