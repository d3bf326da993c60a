"""Saved segments: a name and an expression in the Contract's grammar (tagging.services.segments), optionally
belonging to one journal (its own audience, listed with it; the journal does not narrow the expression).

The expression is checked where segments are written: `segment_create` / `segment_update` and admin's form.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Journal


def default_expression() -> dict:
    return {"all": []}


class Segment(models.Model):
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    journal = models.ForeignKey(Journal, null=True, blank=True, on_delete=models.SET_NULL, related_name="segments",
                                verbose_name=_("journal"),
                                help_text=_("For a journal's own segments; the expression alone decides who is in."))
    expression = models.JSONField(_("expression"), default=default_expression)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"), editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

