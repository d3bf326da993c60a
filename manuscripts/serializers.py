from datetime import UTC, datetime, time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.linking import email_hint
from accounts.serializers import JournalBriefSerializer, JournalSystemBriefSerializer, request_language
from manuscripts.selectors import ORDER_ACTION_FIRST, ORDER_ACTIVITY
from manuscripts.status import CanonicalStatus, action_needed, status_explanation, status_label
from publisher_backend.request_fields import QueryTextField, StrictCharField, StrictIntegerField


class ManuscriptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    manuscript_number = serializers.CharField(help_text=_(
        "The number the journal uses for it (quote it to the editorial office); empty for a public record."))
    title = serializers.SerializerMethodField()
    journal = JournalBriefSerializer(allow_null=True)
    journal_system = JournalSystemBriefSerializer(allow_null=True, help_text=_(
        "The submission system that tracks it; null when only a public record shows it."))
    status = serializers.ChoiceField(choices=CanonicalStatus.choices, source="canonical_status")
    status_label = serializers.SerializerMethodField()
    status_explanation = serializers.SerializerMethodField()
    platform_status = serializers.CharField(source="raw_status")
    submitted_at = serializers.DateTimeField(allow_null=True)
    last_activity_at = serializers.DateTimeField()
    doi = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)
    url = serializers.CharField()
    days_in_status = serializers.SerializerMethodField(help_text=_(
        "Whole days since it entered its current status; null when the platform does not say."))
    citations = serializers.IntegerField(allow_null=True, help_text=_(
        "Citations of a published manuscript: Crossref works citing its DOI, counted weekly; null until counted."))
    views = serializers.IntegerField(allow_null=True, help_text=_(
        "Views of a published manuscript's abstract page as its platform counts them (OJS), read weekly; null "
        "where the platform reports none (ScholarOne, Editorial Manager, Janeway, file exports) or not yet read."))
    downloads = serializers.IntegerField(allow_null=True, help_text=_(
        "Full-text (PDF, HTML and other file) views of a published manuscript as its platform counts them (OJS), "
        "read weekly; null where the platform reports none or not yet read."))
    missing_on_platform = serializers.SerializerMethodField()
    action_required = serializers.BooleanField(help_text=_(
        "True while the journal waits on the researcher (a revision, requested files, proofs)."))
    action_needed = serializers.SerializerMethodField(help_text=_(
        "What the journal needs from the researcher, in the request's language; empty when nothing."))
    due_date = serializers.DateField(allow_null=True, help_text=_(
        "By when the journal needs it (YYYY-MM-DD), where its platform says; null otherwise."))
    public_record_only = serializers.SerializerMethodField(help_text=_(
        "True when the researcher sees this manuscript only through a public bibliographic record (Crossref): "
        "then only its public facts are shown (title, journal, DOI, published), never a platform's editorial "
        "status or timeline."))

    def get_public_record_only(self, manuscript) -> bool:
        return not getattr(manuscript, "editorial_view", True)

    def to_representation(self, manuscript):
        shown = super().to_representation(manuscript)
        if not self.get_public_record_only(manuscript):
            return shown
        # Reached through a public record only: what the record says, nothing of the editorial platform.
        published = CanonicalStatus.PUBLISHED
        published_at = (datetime.combine(manuscript.published_on, time.min, tzinfo=UTC)
                        if manuscript.published_on else manuscript.created_at)
        shown.update({
            "status": published, "status_label": status_label(published),
            "status_explanation": status_explanation(published), "platform_status": "", "submitted_at": None,
            "journal_system": None,  # which editorial system handled it is not in the public record
            "last_activity_at": serializers.DateTimeField().to_representation(published_at),
            "url": f"https://doi.org/{manuscript.doi}" if manuscript.doi else "", "missing_on_platform": False,
            "manuscript_number": "", "days_in_status": None,
            "action_required": False, "action_needed": "", "due_date": None,
        })
        if "timeline" in shown:
            shown["timeline"] = []
        return shown

    def get_title(self, manuscript) -> str:
        return manuscript.localized_title(request_language())

    def get_days_in_status(self, manuscript) -> int | None:
        since = getattr(manuscript, "status_since", None) or manuscript.status_changed_at
        return max((timezone.now() - since).days, 0) if since else None

    def get_action_needed(self, manuscript) -> str:
        return action_needed(manuscript.action)

    def get_status_label(self, manuscript) -> str:
        return status_label(manuscript.canonical_status)

    def get_status_explanation(self, manuscript) -> str:
        return status_explanation(manuscript.canonical_status)

    def get_missing_on_platform(self, manuscript) -> bool:
        return manuscript.missing_since is not None


class StatusEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    to_status_label = serializers.SerializerMethodField()
    platform_status = serializers.CharField(source="raw_status")
    occurred_at = serializers.DateTimeField()
    seen_at = serializers.DateTimeField()

    def get_to_status_label(self, event) -> str:
        return status_label(event.to_status)


class ManuscriptDetailSerializer(ManuscriptSerializer):
    timeline = StatusEventSerializer(many=True, source="events.all")


# Ids are 64-bit (BigAutoField): a larger number names nothing, and SQLite cannot even bind it (a 500 there).
LARGEST_ID = 2**63 - 1


class ManuscriptFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CanonicalStatus.choices, required=False)
    journal = serializers.IntegerField(required=False, min_value=1, max_value=LARGEST_ID)
    account = serializers.IntegerField(required=False, min_value=1, max_value=LARGEST_ID)
    # Whitespace is trimmed; what is left empty searches for nothing in particular (no filter), not a 400.
    search = QueryTextField(required=False, max_length=200, allow_blank=True)
    order = serializers.ChoiceField(
        choices=[(ORDER_ACTIVITY, _("Newest platform activity first")),
                 (ORDER_ACTION_FIRST, _("What waits on the researcher first (soonest due date first), then activity"))],
        default=ORDER_ACTIVITY, required=False, help_text=_(
            "activity (default): newest platform activity first. action_first: manuscripts that wait on the "
            "researcher first, soonest due date first, then newest activity (the home page's list)."))


class JournalAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    journal_system = JournalSystemBriefSerializer()
    identity = serializers.CharField()
    status = serializers.CharField()
    email_hint = serializers.SerializerMethodField()
    verification_method = serializers.CharField()
    verified_at = serializers.DateTimeField(allow_null=True)
    # A DateTimeField, like every timestamp: it renders in Beijing time (a raw datetime would leave as UTC).
    last_synced_at = serializers.DateTimeField(source="sync_state.last_synced_at", allow_null=True, default=None)
    sync_error = serializers.SerializerMethodField()
    manuscript_count = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_email_hint(self, account) -> str:
        return email_hint(account)

    def _sync_state(self, account):
        try:
            return account.sync_state
        except account.__class__.sync_state.RelatedObjectDoesNotExist:
            return None

    def get_sync_error(self, account) -> str:
        state = self._sync_state(account)
        return state.last_error if state else ""

    def get_manuscript_count(self, account) -> int:
        return getattr(account, "manuscript_count", 0)


class JournalAccountCreateSerializer(serializers.Serializer):
    journal_system = StrictIntegerField(min_value=1)
    identity = StrictCharField(max_length=254, help_text=_("The e-mail, username or ORCID iD used there."))


class VerifyCodeSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\s*\d{6}\s*$", error_messages={"invalid": _("Enter the 6-digit code.")})


class ManualReviewSerializer(serializers.Serializer):
    note = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")


class RefreshQueuedSerializer(serializers.Serializer):
    queued = serializers.BooleanField()
