"""Tags and who carries them. A researcher carries a tag at most once (whatever put it there); every change is
written to `TagAudit`, so staff can see who or what tagged someone, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import LocalizedName, Researcher


class TagGroup(models.TextChoices):
    SUBJECT = "subject", _("Subject")
    ROLE = "role", _("Role")
    REGION = "region", _("Region")
    JOURNAL_INTEREST = "journal_interest", _("Journal interest")
    OTHER = "other", _("Other")


class Tag(LocalizedName, models.Model):
    slug = models.SlugField(_("slug"), max_length=64, unique=True,
                            help_text=_("Stable identifier used by the staff API, segments and imports."))
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    group = models.CharField(_("group"), max_length=32, choices=TagGroup.choices, default=TagGroup.OTHER,
                             db_index=True)
    colour = models.CharField(_("colour"), max_length=7, default="#0052D9",
                              help_text=_("A hex colour such as #0052D9, used in admin and the Mini Program."))
    self_selectable = models.BooleanField(
        _("researchers may choose it"), default=False,
        help_text=_("Offered on the Mini Program's interests page."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["group", "slug"]

    def __str__(self) -> str:
        return self.slug


class AssignmentSource(models.TextChoices):
    STAFF = "staff", _("Staff")
    RULE = "rule", _("Rule")
    SELF = "self", _("Self-declared")
    IMPORT = "import", _("Import")
    API = "api", _("Staff API")


class TagAssignment(models.Model):
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="tag_assignments",
                                   verbose_name=_("researcher"))
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("tag"))
    source = models.CharField(_("source"), max_length=16, choices=AssignmentSource.choices)
    assigned_by = models.CharField(_("assigned by"), max_length=150, blank=True,
                                   help_text=_("The staff user, rule, import or API key that assigned it."))
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("tag assignment")
        verbose_name_plural = _("tag assignments")
        constraints = [models.UniqueConstraint(fields=["researcher", "tag"], name="tag_assignment_unique")]
        # Segments read "who carries tag T": the unique index serves researcher → tags, this one tag → researchers,
        # with the expiry, so that counting a tag's carriers reads the index alone (bench/segments.py).
        indexes = [models.Index(fields=["tag", "researcher", "expires_at"], name="tag_assignment_tag_carriers")]

    def __str__(self) -> str:
        return f"{self.tag_id}→{self.researcher_id}"


class TagAuditAction(models.TextChoices):
    ADDED = "added", _("Added")
    REMOVED = "removed", _("Removed")
    EXPIRED = "expired", _("Expired")


class TagAudit(models.Model):
    """One change of one researcher's tags, kept after the assignment (or the tag) is gone."""

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="tag_audits",
                                   verbose_name=_("researcher"))
    tag_slug = models.CharField(_("tag"), max_length=64, db_index=True)
    action = models.CharField(_("action"), max_length=16, choices=TagAuditAction.choices)
    source = models.CharField(_("source"), max_length=16, choices=AssignmentSource.choices)
    actor = models.CharField(_("by"), max_length=150, blank=True)
    staff_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("staff user"))
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("tag change")
        verbose_name_plural = _("tag changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.tag_slug} {self.action} {self.researcher_id}"
