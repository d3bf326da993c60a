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


class InterestsInvalid(ApiError):
    """A tag that is not offered to researchers, or a journal that cannot be followed (named under `fields`)."""

    default_message = _("Some fields are not valid.")


class ImportFileInvalid(ApiError):
    """An uploaded tag import that can't be read at all (size, encoding, no header): the message says why."""

    default_message = _("The file could not be read.")


class ImportNotApplicable(ApiError):
    default_message = _("Nothing was applied: the file has rows that are unmatched or invalid. Fix them and upload "
                        "the file again.")


class ImportApplied(Conflict):
    default_message = _("This import has been applied already.")


class ImportOutdated(Conflict):
    """Something a previewed row relied on changed before it was applied (a tag or a researcher is gone)."""

    default_message = _("Nothing was applied: the data changed since the preview. Upload the file again.")
