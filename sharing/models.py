"""Public shares of a manuscript's milestone, their posters and the opens they brought."""

from __future__ import annotations

import secrets
import string

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_ID_ALPHABET = string.ascii_letters + string.digits


def new_share_id() -> str:
    """22 random letters and digits (~131 bits): unguessable, never a number, and valid inside a wxacode scene."""
    while True:
        share_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(22))
        if not share_id.isdigit():
            return share_id


def scene_for(share_id: str) -> str:
    """The wxacode.getUnlimited scene of a share: "s=" + its id (24 characters of the allowed set)."""
    return f"s={share_id}"


class Share(models.Model):
    """A researcher's act of sharing one manuscript. Holds only the choice; the public record is read live."""

    id = models.CharField(primary_key=True, max_length=32, default=new_share_id, editable=False)
    scene = models.CharField(_("scene"), max_length=32, unique=True, editable=False)
    researcher = models.ForeignKey("accounts.Researcher", on_delete=models.CASCADE, related_name="shares",
                                   verbose_name=_("sharer"))
    manuscript = models.ForeignKey("manuscripts.Manuscript", on_delete=models.CASCADE, related_name="shares",
                                   verbose_name=_("manuscript"))
    show_coauthors = models.BooleanField(_("show co-authors"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        indexes = [models.Index(fields=["researcher", "manuscript"], name="share_sharer_manuscript_idx")]

    def __str__(self) -> str:
        return self.id


class ShareOpen(models.Model):
    """One counted open: a visitor (a signed-in researcher, or else a client address, hashed) once per share per day."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="opens")
    visitor_key = models.CharField(max_length=64)
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("share open")
        verbose_name_plural = _("share opens")
        constraints = [models.UniqueConstraint(fields=["share", "visitor_key", "day"], name="share_open_once_a_day")]

    def __str__(self) -> str:
        return f"{self.share_id} {self.day}"


class SharePoster(models.Model):
    """A rendered poster, keyed by the hash of everything drawn on it: a change of content renders a new one."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="posters")
    content_hash = models.CharField(max_length=64)
    png = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["share", "content_hash"], name="share_poster_unique_content")]

    def __str__(self) -> str:
        return f"{self.share_id} {self.content_hash[:12]}"
