"""Writes for conversations with editorial offices: a researcher starts one and writes in it; staff reply,
assign and close it from admin.

Every write locks the conversation row first, so a researcher's message and a staff reply arriving together
leave a state that matches whoever wrote last. A staff reply tells the researcher once (one `editorial_reply`
notification per reply, deduplicated by the message id); the WeChat message leaves after commit (the sender).
Image files are written before the rows that name them; files of erased conversations are deleted after the
erase commits, so a rolled-back erase never leaves rows pointing at missing files.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Researcher
from accounts.selectors import journals_all, journals_enabled, researcher_languages
from editorial.errors import AlreadyOpen, ConversationInvalid
from editorial.images import image_clean
from editorial.models import Conversation, ConversationState, Message
from editorial.selectors import journal_staff_users, open_conversation
from manuscripts.selectors import manuscripts_for_researcher
from notifications.services import notification_create
from publisher_backend.errors import Throttled
from publisher_backend.ratelimit import rate_limit_hit

BODY_MAX_LENGTH = 2000
LANGUAGES = ("zh-hans", "en")
NOTIFICATION_KIND = "editorial_reply"
THREAD_PAGE = "packages/editorial/thread?id={conversation_id}"


def conversation_language(language: str | None) -> str:
    """The conversation's language from a request language: Chinese variants are zh-hans, anything else en."""
    return "zh-hans" if (language or settings.LANGUAGE_CODE).lower().startswith("zh") else "en"


def _researcher_rate_limited(researcher: Researcher) -> None:
    wait = rate_limit_hit(key=f"editorial:message:{researcher.pk}", rate=settings.EDITORIAL_MESSAGE_RATE)
    if wait is not None:
        raise Throttled(retry_after_seconds=wait)


def _body_checked(body: str, *, required: bool) -> str:
    body = (body or "").strip()
    if required and not body:
        raise ConversationInvalid(fields={"body": [_("Write a message.")]})
    if len(body) > BODY_MAX_LENGTH:
        raise ConversationInvalid(fields={"body": [
            _("Keep the message to %(count)d characters or fewer.") % {"count": BODY_MAX_LENGTH}]})
    return body


def _message_add(*, conversation: Conversation, body: str, image=None, staff_author=None) -> Message:
    """Append a message to a conversation the caller holds locked, and move its state and times."""
    now = timezone.now()
    message = Message(conversation=conversation, body=body, from_staff=staff_author is not None,
                      staff_author=staff_author, created_at=now)
    if image is not None:
        message.image.save(image.content.name, image.content, save=False)
        message.image_width, message.image_height = image.width, image.height
    message.save()
    conversation.updated_at = now
    if staff_author is None:
        conversation.state = ConversationState.WAITING
        conversation.last_researcher_message_at = now
    else:
        conversation.state = ConversationState.ANSWERED
        conversation.first_response_at = conversation.first_response_at or now
    conversation.save(update_fields=["state", "updated_at", "last_researcher_message_at", "first_response_at"])
    return message


def _journal_for_start(*, researcher: Researcher, journal_id: int | None, manuscript_id: int | None):
    """(journal, manuscript or None) the researcher may write about, or ConversationInvalid naming the field."""
    manuscript = None
    if manuscript_id is not None:
        manuscript = manuscripts_for_researcher(researcher=researcher).filter(pk=manuscript_id).first()
        if manuscript is None:
            raise ConversationInvalid(fields={"manuscript": [_("This is not one of your manuscripts.")]})
        if manuscript.journal_id is None:
            raise ConversationInvalid(fields={"manuscript": [
                _("This manuscript is not tied to a journal; choose the journal instead.")]})
        if journal_id is not None and journal_id != manuscript.journal_id:
            raise ConversationInvalid(fields={"journal": [_("The manuscript belongs to another journal.")]})
        journal_id = manuscript.journal_id
    if journal_id is None:
        raise ConversationInvalid(fields={"journal": [_("Choose a journal or a manuscript.")]})
    # Per journal: one researchers can see (enabled). About a manuscript: its journal, whatever its state.
    journal = (journals_all() if manuscript is not None else journals_enabled()).filter(pk=journal_id).first()
    if journal is None:
        raise ConversationInvalid(fields={"journal": [
            _("There is no journal with id %(id)s.") % {"id": journal_id}]})
    return journal, manuscript


def conversation_start(*, researcher: Researcher, journal_id: int | None, manuscript_id: int | None, body: str,
                       language: str) -> Conversation:
    """Start a conversation with a journal's editorial office (about one of the researcher's manuscripts, or the
    journal), with its first message. When the researcher already has an open conversation about the same
    manuscript (or the same journal without a manuscript) the message is appended to it instead: never two open
    ones, even for two requests at once (a partial unique index; the loser appends). Rate limited per researcher
    (EDITORIAL_MESSAGE_RATE)."""
    _researcher_rate_limited(researcher)
    body = _body_checked(body, required=True)
    journal, manuscript = _journal_for_start(researcher=researcher, journal_id=journal_id,
                                             manuscript_id=manuscript_id)
    manuscript_id = manuscript.pk if manuscript else None
    with transaction.atomic():
        conversation = open_conversation(researcher=researcher, journal_id=journal.pk, manuscript_id=manuscript_id)
        if conversation is None:
            try:
                with transaction.atomic():
                    conversation = Conversation.objects.create(
                        researcher=researcher, journal=journal, manuscript=manuscript,
                        language=conversation_language(language))
            except IntegrityError:  # another request opened it meanwhile
                conversation = open_conversation(researcher=researcher, journal_id=journal.pk,
                                                 manuscript_id=manuscript_id)
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        _message_add(conversation=conversation, body=body)
    return conversation


def conversation_post(*, researcher: Researcher, conversation_id: int, body: str = "", image=None) -> Message:
    """A researcher's message (text, an image, or both) in their conversation; Http404 for anyone else's. The
    image is checked and re-encoded first (ImageInvalid, a 400 on `image`). A closed conversation opens again
    (AlreadyOpen, 409, if the researcher has since started another open one about the same thing). Rate limited
    per researcher."""
    _researcher_rate_limited(researcher)
    body = _body_checked(body, required=image is None)
    clean_image = image_clean(image) if image is not None else None
    with transaction.atomic():
        conversation = (Conversation.objects.select_for_update()
                        .filter(pk=conversation_id, researcher=researcher).first())
        if conversation is None:
            raise Http404
        if conversation.state == ConversationState.CLOSED:
            sibling = open_conversation(researcher=researcher, journal_id=conversation.journal_id,
                                        manuscript_id=conversation.manuscript_id)
            if sibling is not None:
                raise AlreadyOpen()
        return _message_add(conversation=conversation, body=body, image=clean_image)


def conversation_mark_read(*, conversation: Conversation) -> None:
    """The researcher read the conversation: its staff messages so far are no longer unread."""
    Conversation.objects.filter(pk=conversation.pk).update(researcher_read_at=timezone.now())


def staff_reply(*, conversation_id: int, staff_user, body: str, image=None) -> Message:
    """A staff member answers (the caller checked they work for the conversation's journal): the conversation
    becomes answered (its first response time is kept), a closed one too, and the researcher gets one
    `editorial_reply` notification (inbox; a WeChat message when they hold a credit), opening the thread."""
    body = _body_checked(body, required=image is None)
    clean_image = image_clean(image) if image is not None else None
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().select_related("journal").get(pk=conversation_id)
        message = _message_add(conversation=conversation, body=body, image=clean_image, staff_author=staff_user)
        _researcher_notify(conversation=conversation, message=message)
    return message


def _researcher_notify(*, conversation: Conversation, message: Message) -> None:
    language = researcher_languages(researcher_ids=[conversation.researcher_id]).get(conversation.researcher_id)
    language = conversation_language(language or conversation.language)
    with translation.override(language):
        journal_name = conversation.journal.localized_name(language) or conversation.journal.key
        notification_create(
            researcher_id=conversation.researcher_id, kind=NOTIFICATION_KIND,
            dedupe_key=f"editorial:message:{message.pk}",
            title=gettext("Reply from the editorial office"),
            body=message.body or gettext("[Image]"),
            payload={"conversation_id": conversation.pk, "message_id": message.pk, "journal": journal_name},
            page=THREAD_PAGE.format(conversation_id=conversation.pk), thread=f"conversation:{conversation.pk}")


class AssigneeInvalid(ConversationInvalid):
    default_message = _("Assign the conversation to someone who works for its journal.")


def conversation_assign(*, conversation_id: int, assignee) -> Conversation:
    """Assign a conversation to a staff member of its journal (JournalStaff), or to nobody (None)."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        if assignee is not None and not journal_staff_users(journal_id=conversation.journal_id).filter(
                pk=assignee.pk).exists():
            raise AssigneeInvalid(fields={"assigned_to": [AssigneeInvalid.default_message]})
        conversation.assigned_to = assignee
        conversation.save(update_fields=["assigned_to"])
    return conversation


def conversation_close(*, conversation_id: int) -> Conversation:
    """Staff close a conversation (idempotent); the researcher's next message opens it again."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        if conversation.state != ConversationState.CLOSED:
            conversation.state = ConversationState.CLOSED
            conversation.save(update_fields=["state"])
    return conversation


def conversations_delete_of_researcher(*, researcher: Researcher) -> int:
    """Delete every conversation of the researcher with its messages; their image files go once the caller's
    transaction commits. Returns how many conversations were deleted."""
    image_names = [name for name in Message.objects.filter(conversation__researcher=researcher)
                   .exclude(image="").values_list("image", flat=True)]
    deleted, counts = Conversation.objects.filter(researcher=researcher).delete()
    if image_names:
        transaction.on_commit(lambda: [default_storage.delete(name) for name in image_names])
    return counts.get(Conversation._meta.label, 0)
