"""The publisher's WeChat Official Account (公众号): its followers, its mass sends and each follower's monthly
mass-send count.

A follower is known by its openid under the Official Account and matched to a researcher by unionid (the same
Open Platform binds the Mini Program and the Official Account). Rows are never deleted when someone unfollows:
`subscribed` goes false and `unsubscribed_at` is set, so reach and history stay readable.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Researcher


class OfficialAccountFollower(models.Model):
    openid = models.CharField(_("openid"), max_length=64, unique=True)
    unionid = models.CharField(_("unionid"), max_length=64, blank=True, db_index=True)
    researcher = models.ForeignKey(Researcher, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="official_account_followers", verbose_name=_("researcher"))
    subscribed = models.BooleanField(_("follows"), default=True, db_index=True)
    subscribed_at = models.DateTimeField(_("followed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unfollowed at"), null=True, blank=True)
    # WeChat's language code of the follower's client (zh_CN, en, ...), as user/info reports it.
    language = models.CharField(_("WeChat language"), max_length=16, blank=True)
    # The CreateTime of the newest follow/unfollow event applied: an older (replayed) event never wins.
    last_event_at = models.DateTimeField(_("last event at"), null=True, blank=True, editable=False)
    synced_at = models.DateTimeField(_("last synced at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Official Account follower")
        verbose_name_plural = _("Official Account followers")
        ordering = ["-subscribed_at"]
        indexes = [models.Index(fields=["researcher", "subscribed"], name="oa_follower_researcher_sub")]

    def __str__(self) -> str:
        return self.openid


class OaMassSendStatus(models.TextChoices):
    SENDING = "sending", _("Being submitted")
    SUBMITTED = "submitted", _("Submitted, waiting for WeChat's result")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Refused by WeChat")


class OaMassSend(models.Model):
    """One `message/mass/sendall` to an Official Account user tag, and the MASSSENDJOBFINISH event that ends it.

    `client_msg_id` is sent as WeChat's `clientmsgid`, so a send repeated after a timeout is recognised by WeChat
    (45065) rather than delivered twice. Campaigns link to these rows.
    """

    tag_id = models.PositiveIntegerField(_("Official Account tag id"))
    msgtype = models.CharField(_("message type"), max_length=16)
    content = models.JSONField(_("content"), default=dict, help_text=_("The message part of the request, "
                                                                         "e.g. {\"content\": \"…\"} for text."))
    client_msg_id = models.CharField(_("client message id"), max_length=64, unique=True, editable=False)
    msg_id = models.BigIntegerField(_("WeChat msg_id"), null=True, blank=True, unique=True)
    msg_data_id = models.BigIntegerField(_("WeChat msg_data_id"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=OaMassSendStatus.choices,
                              default=OaMassSendStatus.SENDING, db_index=True)
    # Followers counted against the monthly quota when the send was submitted.
    recipients = models.PositiveIntegerField(_("recipients counted"), default=0)
    errcode = models.IntegerField(_("WeChat errcode"), null=True, blank=True)
    errmsg = models.CharField(_("WeChat errmsg"), max_length=300, blank=True)
    # From MASSSENDJOBFINISH: Status ("send success", "send fail", "err(N)") and the four counts.
    result_status = models.CharField(_("WeChat result"), max_length=64, blank=True)
    total_count = models.PositiveIntegerField(_("followers in the tag"), null=True, blank=True)
    filter_count = models.PositiveIntegerField(_("after WeChat's filters"), null=True, blank=True)
    sent_count = models.PositiveIntegerField(_("sent"), null=True, blank=True)
    error_count = models.PositiveIntegerField(_("failed"), null=True, blank=True)
    raw_event = models.JSONField(_("raw event"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Official Account mass send")
        verbose_name_plural = _("Official Account mass sends")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.msg_id or self.client_msg_id} → tag {self.tag_id}"


class OaMassSendQuota(models.Model):
    """How many mass messages a follower was counted for in one calendar month (Beijing time)."""

    follower = models.ForeignKey(OfficialAccountFollower, on_delete=models.CASCADE, related_name="mass_send_quotas",
                                 verbose_name=_("follower"))
    month = models.DateField(_("month"), help_text=_("The first day of the month, Beijing time."))
    sends = models.PositiveSmallIntegerField(_("mass messages"), default=0)

    class Meta:
        verbose_name = _("Official Account monthly mass sends")
        verbose_name_plural = _("Official Account monthly mass sends")
        constraints = [models.UniqueConstraint(fields=["follower", "month"], name="oa_quota_follower_month")]
        indexes = [models.Index(fields=["month", "sends"], name="oa_quota_month_sends")]

    def __str__(self) -> str:
        return f"{self.follower_id} {self.month:%Y-%m}: {self.sends}"
