"""Admin for editorial offices: who works for which journal (JournalStaff), the conversation queue per journal,
and canned answers.

Every conversation list, page, action and image is limited to the journals the staff member works for
(`editorial.selectors.journals_for_staff`); Django's model permissions (view/change conversation) apply on top.
Another journal's conversation is simply not there: its change page redirects to the admin index with Django's
"doesn't exist" message, its images answer 404. Replies, assignment and closing go through editorial.services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import F
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from editorial import selectors
from editorial.errors import ImageInvalid
from editorial.images import image_clean, image_content_type
from editorial.models import CannedAnswer, Conversation, JournalStaff
from editorial.services import BODY_MAX_LENGTH, conversation_assign, conversation_close, staff_reply
from publisher_backend.errors import ApiError


@admin.register(JournalStaff)
class JournalStaffAdmin(admin.ModelAdmin):
    """Who works for which journal. A row grants a journal's conversations and figures, so a staff member who is
    not a superuser (with the journal staff permissions: an editorial manager) sees and grants only the journals
    they work for themself: they add colleagues to their journals, never a journal to anyone, themself included."""

    list_display = ("user", "journal", "created_at")
    list_filter = ("journal",)
    search_fields = ("user__username", "user__email", "journal__key", "journal__name_en", "journal__name_zh_hans")
    list_select_related = ("user", "journal", "journal__journal_system")
    raw_id_fields = ("user",)

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        return rows.filter(journal__in=selectors.journals_for_staff(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "journal":
            kwargs["queryset"] = selectors.journals_for_staff(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StaffJournalFilter(admin.SimpleListFilter):
    """Only the journals the viewer works for."""

    title = _("journal")
    parameter_name = "journal"

    def lookups(self, request, model_admin):
        return [(str(journal.pk), str(journal)) for journal in selectors.journals_for_staff(request.user)]

    def queryset(self, request, queryset):
        return queryset.filter(journal_id=self.value()) if self.value() else queryset


class AssignedFilter(admin.SimpleListFilter):
    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("Me")), ("nobody", _("Nobody"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class ConversationForm(forms.ModelForm):
    """Assignment, and a reply: text, a canned answer (used when the text is left empty) and an image."""

    reply_body = forms.CharField(label=_("Reply"), required=False, max_length=BODY_MAX_LENGTH,
                                 widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
                                 help_text=_("The researcher sees it signed by the journal's editorial office."))
    canned_answer = forms.ModelChoiceField(label=_("Canned answer"), required=False,
                                           queryset=CannedAnswer.objects.none(),
                                           help_text=_("Used as the reply when the reply text is left empty. Those "
                                                       "for the manuscript's status and the conversation's "
                                                       "language come first."))
    reply_image = forms.FileField(label=_("Image"), required=False,
                                  help_text=_("JPEG, PNG or WebP, at most 5 MB."))

    class Meta:
        model = Conversation
        fields = ("assigned_to",)

    def clean(self):
        cleaned = super().clean()
        image = cleaned.get("reply_image")
        if image is not None:
            try:
                image_clean(image)
            except ImageInvalid as exc:
                self.add_error("reply_image", exc.fields["image"])
        canned = cleaned.get("canned_answer")
        if not cleaned.get("reply_body", "").strip() and canned is not None:
            cleaned["reply_body"] = canned.body
        return cleaned


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    form = ConversationForm
    list_display = ("id", "journal", "researcher_name", "manuscript", "state", "language", "waiting_since_display",
                    "assigned_to", "updated_at")
    list_display_links = ("id", "journal")
    list_filter = (StaffJournalFilter, "state", AssignedFilter, "language")
    search_fields = ("researcher__display_name", "manuscript__title", "messages__body")
    readonly_fields = ("journal", "researcher_name", "manuscript", "state", "language", "created_at",
                       "first_response_at", "updated_at")
    fieldsets = ((None, {"fields": ("journal", "researcher_name", "manuscript", "state", "language", "created_at",
                                    "first_response_at", "updated_at", "assigned_to")}),
                 (_("Reply"), {"fields": ("canned_answer", "reply_body", "reply_image")}))
    actions = ("assign_to_me", "close")
    change_form_template = "admin/editorial/conversation/change_form.html"
    change_list_template = "admin/editorial/conversation/change_list.html"

    def get_queryset(self, request):
        return selectors.conversations_for_staff(request.user)

    def get_ordering(self, request):
        # The queue: waiting first, the longest waiting first; then answered and closed, latest activity first.
        return [F("queue_rank").asc(), F("waiting_since").asc(nulls_last=True), "-updated_at"]

    def has_add_permission(self, request):
        return False  # researchers start conversations in the Mini Program

    def has_delete_permission(self, request, obj=None):
        return False  # erased with the researcher (privacy), never by hand

    @admin.display(description=_("researcher"), ordering="researcher__display_name")
    def researcher_name(self, conversation: Conversation) -> str:
        return conversation.researcher.display_name or f"#{conversation.researcher_id}"

    @admin.display(description=_("waiting since"), ordering="waiting_since")
    def waiting_since_display(self, conversation: Conversation):
        return conversation.waiting_since or "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            return form
        assignable = selectors.journal_staff_users(journal_id=obj.journal_id)
        canned = selectors.canned_answers_for(conversation=obj)

        class ConversationFormForObject(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                # On the instance's own copies of the fields: the declared ones are shared by every form class.
                if "assigned_to" in self.fields:
                    self.fields["assigned_to"].queryset = assignable
                self.fields["canned_answer"].queryset = canned

        return ConversationFormForObject

    def save_model(self, request, obj, form, change):
        if "assigned_to" in form.changed_data:
            conversation_assign(conversation_id=obj.pk, assignee=obj.assigned_to)
        body = form.cleaned_data.get("reply_body", "").strip()
        image = form.cleaned_data.get("reply_image")
        if body or image is not None:
            staff_reply(conversation_id=obj.pk, staff_user=request.user, body=body, image=image)
            self.message_user(request, _("Reply sent. The researcher has been told."), level=messages.SUCCESS)

    def save_related(self, request, form, formsets, change):
        pass  # no related rows: the reply was written by save_model through the service

    def change_view(self, request, object_id, form_url="", extra_context=None):
        conversation = self.get_object(request, object_id)
        if conversation is not None:
            thread = selectors.conversation_messages(conversation=conversation)
            extra_context = {
                **(extra_context or {}),
                "thread": [{"message": message,
                            "author": (message.staff_author or selectors.office_name(conversation.journal,
                                                                                     conversation.language))
                            if message.from_staff else self.researcher_name(conversation),
                            "image_url": reverse("admin:editorial_conversation_image",
                                                 args=[conversation.pk, message.pk]) if message.image else None}
                           for message in thread],
                "canned_bodies": {str(answer.pk): answer.body
                                  for answer in selectors.canned_answers_for(conversation=conversation)},
                "office": selectors.office_name(conversation.journal, conversation.language),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        journals = {journal.pk: str(journal) for journal in selectors.journals_for_staff(request.user)}
        rows = {row["journal_id"]: row
                for row in selectors.conversation_response_figures(journal_ids=set(journals))}
        figures = [{"journal": label, "waiting": rows.get(pk, {}).get("waiting", 0),
                    "answered": rows.get(pk, {}).get("answered", 0),
                    "median": rows.get(pk, {}).get("median_first_response_hours")}
                   for pk, label in journals.items()]
        extra_context = {**(extra_context or {}), "response_figures": figures,
                         "response_days": selectors.RESPONSE_DAYS}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path("<int:conversation_id>/messages/<int:message_id>/image/",
                 self.admin_site.admin_view(require_safe(self.image_view)), name="editorial_conversation_image"),
            *super().get_urls(),
        ]

    def image_view(self, request, conversation_id: int, message_id: int):
        """A message's image, for staff who may view the conversation (their journal): 404 for anyone else."""
        conversation = self.get_queryset(request).filter(pk=conversation_id).first()
        if conversation is None or not self.has_view_permission(request, conversation):
            raise Http404
        message = conversation.messages.filter(pk=message_id).exclude(image="").first()
        if message is None:
            raise Http404
        response = FileResponse(message.image.open("rb"), content_type=image_content_type(message.image.name))
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(description=_("Assign the selected conversations to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        assigned = skipped = 0
        for conversation_id in queryset.values_list("pk", flat=True):
            try:
                conversation_assign(conversation_id=conversation_id, assignee=request.user)
                assigned += 1
            except ApiError:
                skipped += 1  # a journal they are not listed as staff of (a superuser's view)
        self.message_user(request, _("Assigned to you: %(count)d.") % {"count": assigned}, level=messages.SUCCESS)
        if skipped:
            self.message_user(request, _("Not assigned (you are not staff of their journal): %(count)d.")
                              % {"count": skipped}, level=messages.WARNING)

    @admin.action(description=_("Close the selected conversations"), permissions=["change"])
    def close(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        for conversation_id in ids:
            conversation_close(conversation_id=conversation_id)
        self.message_user(request, _("Closed: %(count)d.") % {"count": len(ids)}, level=messages.SUCCESS)


@admin.register(CannedAnswer)
class CannedAnswerAdmin(admin.ModelAdmin):
    """Staff see the answers for every journal and those of their own journals; they may add answers only for
    their journals (every-journal answers: superusers)."""

    list_display = ("title", "journal", "canonical_status", "language", "active")
    list_filter = ("active", "language", "canonical_status", StaffJournalFilter)
    search_fields = ("title", "body")
    list_select_related = ("journal",)

    def get_queryset(self, request):
        return selectors.canned_answers_for_staff(request.user).select_related("journal")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "journal":
            kwargs["queryset"] = selectors.journals_for_staff(request.user)
            kwargs["required"] = not request.user.is_superuser
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        # An every-journal answer is shared by all journals: only superusers change it.
        if obj is not None and obj.journal_id is None and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.journal_id is None and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

