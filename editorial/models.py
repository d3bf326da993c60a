"""Editorial offices: which staff work for which journal (per-journal staff permissions).

A staff member (a Django user with admin access) sees a journal's figures on the dashboard, and later its
conversations, only when a `JournalStaff` row ties them to that journal. Superusers see every journal."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Journal


class JournalStaff(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_staff",
                             verbose_name=_("staff member"))
    journal = models.ForeignKey(Journal, on_delete=models.CASCADE, related_name="+", verbose_name=_("journal"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("journal staff member")
        verbose_name_plural = _("journal staff")
        ordering = ("journal_id", "user_id")
        constraints = [models.UniqueConstraint(fields=("user", "journal"), name="journal_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.journal}"
