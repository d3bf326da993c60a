"""Tagging's API errors (the Contract's error shape)."""

from django.utils.translation import gettext_lazy as _

from publisher_backend.errors import ApiError, Conflict


class TagExists(Conflict):
    default_message = _("A tag with this slug exists already.")


class InterestsInvalid(ApiError):
    """A tag that is not offered to researchers, or a journal that cannot be followed (named under `fields`)."""

    default_message = _("Some fields are not valid.")
