"""What public bibliographic sources say of a researcher (works count, subjects): for segments and analytics."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Researcher


class ResearcherEnrichment(models.Model):
    researcher = models.OneToOneField(Researcher, on_delete=models.CASCADE, primary_key=True,
                                      related_name="enrichment", verbose_name=_("researcher"))
    works_count = models.PositiveIntegerField(_("works"), null=True, blank=True)
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=64, blank=True)
    enriched_at = models.DateTimeField(_("looked up at"), null=True, blank=True, db_index=True)
    error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("researcher enrichment")
        verbose_name_plural = _("researcher enrichments")

    def __str__(self) -> str:
        return str(self.researcher_id)
