"""Keys other systems (CRM, marketing tools, a data warehouse) use on the staff API. Only a hash of each key is
kept; the key itself is shown once, when it is created."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiScope(models.TextChoices):
    RESEARCHERS_READ = "researchers:read", _("Read researchers")
    TAGS_WRITE = "tags:write", _("Write tags and tag assignments")
    SEGMENTS_READ = "segments:read", _("Count and sample segments")
    WEBHOOKS_WRITE = "webhooks:write", _("Register webhooks")
    MANUSCRIPTS_READ = "manuscripts:read", _("Read manuscripts")
    ORDERS_READ = "orders:read", _("Read orders")
    CAMPAIGNS_READ = "campaigns:read", _("Read campaigns and their results")


class ApiKey(models.Model):
    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses it, e.g. CRM."))
    prefix = models.CharField(_("key starts with"), max_length=12, editable=False, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"), editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff API key")
        verbose_name_plural = _("staff API keys")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
