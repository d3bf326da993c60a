"""Errors of conversations, in the API's envelope (publisher_backend.errors)."""

from django.utils.translation import gettext_lazy as _

from publisher_backend.errors import ApiError, Conflict


class ConversationInvalid(ApiError):
    """Input that names something the researcher cannot write about (the field messages say what)."""

    code = "invalid"
    default_message = _("Some fields are not valid.")


class ImageInvalid(ConversationInvalid):
    def __init__(self, reason) -> None:
        super().__init__(fields={"image": [reason]})


class AlreadyOpen(Conflict):
    code = "conversation_open"
    default_message = _("You already have an open conversation about this with the editorial office; "
                        "please continue there.")
