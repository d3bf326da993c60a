"""Saved segments: a name and an expression in the Contract's grammar (tagging.services.segments), optionally
belonging to one journal (its own audience, listed with it; the journal does not narrow the expression).

The expression is checked where segments are written: `segment_create` / `segment_update` and admin's form.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
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



class ResearcherFacts(models.Model):
    """What a segment expression tests, one row per researcher, so a count reads one table through GIN indexes
    instead of joining tags, accounts and manuscripts (bench/segments.py: 1M researchers).

    PostgreSQL only, and never written from Python: the table, its indexes and the triggers that keep every row
    in step, in the same transaction as the change, are in migration 0012 (the triggers on the tables it
    summarizes: researchers, tag assignments, journal accounts, journal systems, manuscripts and their accesses).
    `tag_ids` holds the tags live when the row was last refreshed and `tag_expiry` when those that expire do, so a
    tag that lapsed since (until the nightly expiry takes its assignment off) is told from the row alone, with no
    subquery (tagging.services.segments). On SQLite (the embedded demo) the table does not exist and segments read
    the source tables.
    """

    researcher = models.OneToOneField("accounts.Researcher", primary_key=True, on_delete=models.DO_NOTHING,
                                      db_constraint=False, related_name="+")  # the migration's own FK cascades
    language = models.CharField(max_length=8)
    last_seen_at = models.DateTimeField(null=True)
    # Each array is NULL when empty (most researchers have no journal account: 16 bytes a row saved per array).
    tag_ids = ArrayField(models.IntegerField(), null=True)
    tag_expiry = models.JSONField(null=True)  # {"<tag id>": expiry in epoch seconds} for the array's tags that expire
    journal_ids = ArrayField(models.IntegerField(), null=True)
    statuses = ArrayField(models.CharField(max_length=32), null=True)
    platforms = ArrayField(models.CharField(max_length=32), null=True)

    class Meta:
        verbose_name = _("researcher's segment facts")
        verbose_name_plural = _("researchers' segment facts")
        default_permissions = ()

    def __str__(self) -> str:
        return f"facts of researcher {self.researcher_id}"
