"""Editorial offices: which staff work for which journal (per-journal staff permissions).

A staff member (a Django user with admin access) sees a journal's figures on the dashboard and its
conversations only when a `JournalStaff` row ties them to that journal. Superusers see every journal.

Conversations: a researcher asks a journal's editorial office (text and images); staff answer from admin,
with canned answers per manuscript status."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Journal, Language, Researcher
from manuscripts.status import CanonicalStatus


class JournalStaff(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_staff",
                             verbose_name=_("staff member"))
    journal = models.ForeignKey(Journal, on_delete=models.CASCADE, related_name="+", verbose_name=_("journal"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("journal staff member")
        verbose_name_plural = _("journal staff")
        ordering = ("journal_id", "user_id")
        constraints = [models.UniqueConstraint(fields=("user", "journal"), name="journal_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.journal}"


class ConversationState(models.TextChoices):
    WAITING = "waiting", _("Waiting for the editorial office")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Conversation(models.Model):
    """A researcher's conversation with one journal's editorial office, about a manuscript or the journal.

    `state` follows who wrote last: waiting (the researcher; no staff reply since), answered (staff), closed
    (by staff; the researcher's next message reopens it). Private to the researcher and that journal's staff
    (`editorial.selectors.journals_for_staff`)."""

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("researcher"))
    journal = models.ForeignKey(Journal, on_delete=models.CASCADE, related_name="+", verbose_name=_("journal"))
    manuscript = models.ForeignKey("manuscripts.Manuscript", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("manuscript"))
    state = models.CharField(_("state"), max_length=16, choices=ConversationState.choices,
                             default=ConversationState.WAITING)
    # The researcher's request language when they started it: staff answer in it, canned answers in it come first.
    language = models.CharField(_("language"), max_length=8, choices=Language.choices,
                                default=Language.ZH_HANS)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("assigned to"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    # The last message from either side: the researcher's list is ordered by it.
    updated_at = models.DateTimeField(_("last activity"), default=timezone.now)
    last_researcher_message_at = models.DateTimeField(_("researcher last wrote"), null=True, blank=True)
    # The first staff reply: the response time is first_response_at - created_at.
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    # Staff messages after this are unread by the researcher.
    researcher_read_at = models.DateTimeField(_("researcher read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ("-updated_at", "-id")
        indexes = [
            models.Index(fields=["researcher", "-updated_at"], name="conversation_researcher_idx"),
            models.Index(fields=["journal", "state", "last_researcher_message_at"], name="conversation_queue_idx"),
        ]
        constraints = [
            # One open conversation per manuscript, or per journal when there is no manuscript: a second start
            # appends to it (editorial.services.conversation_start), even when two arrive at once.
            models.UniqueConstraint(fields=("researcher", "manuscript"), name="conversation_open_per_manuscript",
                                    condition=models.Q(manuscript__isnull=False) & ~models.Q(state="closed")),
            models.UniqueConstraint(fields=("researcher", "journal"), name="conversation_open_per_journal",
                                    condition=models.Q(manuscript__isnull=True) & ~models.Q(state="closed")),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.journal}"


def message_image_path(message: "Message", filename: str) -> str:
    # A random name: the path says nothing about the researcher or the original file.
    return f"editorial/conversations/{message.conversation_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class Message(models.Model):
    """One message of a conversation: text, an image, or both. Images are re-encoded on upload (no metadata)
    and kept in the private media folder (MEDIA_ROOT is never served): the API hands out signed, expiring links,
    admin a staff-only view."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages",
                                     verbose_name=_("conversation"))
    body = models.TextField(_("text"), blank=True)
    from_staff = models.BooleanField(_("from the editorial office"), default=False)
    staff_author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("staff author"))
    image = models.FileField(_("image"), upload_to=message_image_path, blank=True)
    image_width = models.PositiveIntegerField(_("image width"), null=True, blank=True)
    image_height = models.PositiveIntegerField(_("image height"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_thread_idx")]

    def __str__(self) -> str:
        return self.body[:60] or "[image]"


class CannedAnswer(models.Model):
    """A prepared answer staff pick when replying: for one journal or every journal (no journal), for a
    manuscript status or any (no status), in one language."""

    journal = models.ForeignKey(Journal, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                verbose_name=_("journal"), help_text=_("Empty: every journal."))
    canonical_status = models.CharField(_("manuscript status"), max_length=32, choices=CanonicalStatus.choices,
                                        blank=True, help_text=_("Empty: any status."))
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned answer")
        verbose_name_plural = _("canned answers")
        ordering = ("title", "id")

    def __str__(self) -> str:
        return self.title
