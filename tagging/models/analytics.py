"""Admin's audience dashboard. It has no rows of its own: a proxy of the researcher gives it a place in admin
(/admin/tagging/audience/) and one permission, "view audience analytics", that staff need to open it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import Researcher


class Audience(Researcher):
    class Meta:
        proxy = True
        verbose_name = _("audience analytics")
        verbose_name_plural = _("audience analytics")
        default_permissions = ("view",)
