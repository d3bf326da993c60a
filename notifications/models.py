from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Researcher


class NotificationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    NO_CREDIT = "no_credit", _("No subscription credit")
    FAILED = "failed", _("Failed")
    RETRY = "retry", _("Waiting to retry")


class Notification(models.Model):
    """Outbox and inbox in one: created with the event that causes it, then sent, and always kept."""

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="notifications",
                                   verbose_name=_("researcher"))
    kind = models.CharField(_("kind"), max_length=32, db_index=True)
    # The same event never makes two notifications.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.CharField(_("text"), max_length=500, blank=True)
    payload = models.JSONField(_("event data"), default=dict, blank=True)
    page = models.CharField(_("Mini Program page"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=NotificationState.choices,
                             default=NotificationState.PENDING, db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["researcher", "-created_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"
