"""Tag imports staff upload in admin (CSV or XLSX): kept with every row's verdict, previewed first, then applied
as a whole or not at all (tagging.services.imports)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TagImport(models.Model):
    file_name = models.CharField(_("file"), max_length=200)
    rows = models.JSONField(_("rows"), default=list, editable=False)  # parsed rows with their verdicts
    matched = models.PositiveIntegerField(_("matched"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched"), default=0)
    invalid = models.PositiveIntegerField(_("invalid"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    changed = models.PositiveIntegerField(_("changed"), default=0,
                                          help_text=_("Tags put on or taken off when it was applied."))

    class Meta:
        verbose_name = _("tag import")
        verbose_name_plural = _("tag imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def can_apply(self) -> bool:
        """Only a file whose every row matched applies (all or nothing), and only once."""
        return self.applied_at is None and self.matched > 0 and self.unmatched == 0 and self.invalid == 0
