"""Tagging's API errors (the Contract's error shape)."""

from django.utils.translation import gettext_lazy as _

from publisher_backend.errors import ApiError, Conflict


class TagExists(Conflict):
    default_message = _("A tag with this slug exists already.")


class SegmentInvalid(ApiError):
    """A segment expression that is malformed, too large, or names what does not exist: the messages (under
    `fields.expression`) say where and which value."""

    code = "segment_invalid"
    default_message = _("The segment expression is not valid.")
