"""Tagging's API errors (the Contract's error shape)."""

from django.utils.translation import gettext_lazy as _

from publisher_backend.errors import Conflict


class TagExists(Conflict):
    default_message = _("A tag with this slug exists already.")
