"""What researchers declare themselves in the Mini Program besides their research interests (which are
self-selectable tags, `TagAssignment` with source "self"): the journals they follow."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Journal, Researcher


class JournalFollow(models.Model):
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="journal_follows",
                                   verbose_name=_("researcher"))
    journal = models.ForeignKey(Journal, on_delete=models.CASCADE, related_name="follows",
                                verbose_name=_("journal"))
    created_at = models.DateTimeField(_("followed since"), default=timezone.now)

    class Meta:
        verbose_name = _("journal follow")
        verbose_name_plural = _("journal follows")
        constraints = [models.UniqueConstraint(fields=["researcher", "journal"], name="journal_follow_unique")]
        # "Who follows journal J" (campaigns, analytics); the unique index serves researcher → journals.
        indexes = [models.Index(fields=["journal", "researcher"], name="journal_follow_journal")]

    def __str__(self) -> str:
        return f"{self.researcher_id}→{self.journal_id}"
