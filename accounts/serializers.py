from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Researcher
from accounts.validators import normalize_orcid, validate_orcid
from publisher_backend.request_fields import StrictCharField

# What OrcidField reads as an iD (normalize_orcid): the bare iD, with or without dashes, or its orcid.org URL.
ORCID_INPUT_PATTERN = r"^\s*((https?://)?orcid\.org/)?[0-9]{4}-?[0-9]{4}-?[0-9]{4}-?[0-9]{3}[0-9Xx]\s*$"


@extend_schema_field({"type": "string", "format": "orcid", "maxLength": 64, "pattern": ORCID_INPUT_PATTERN})
class OrcidField(StrictCharField):
    """Accepts an ORCID iD as typed or pasted (URL form, no dashes), stores the canonical form."""

    def __init__(self, **kwargs):
        # The schema's pattern cannot state the check digit: the description does (a wrong one is a 400).
        kwargs["help_text"] = format_lazy("{} {}", kwargs.get("help_text", ""), _(
            "Also accepted as https://orcid.org/… or without dashes; empty clears it. The last character is the "
            "ISO 7064 11-2 check digit of the other 15: a wrong one is a 400."))
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("validators", [validate_orcid])
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return normalize_orcid(value) if value else value

    def run_validators(self, value):
        if value:
            super().run_validators(value)


class ResearcherSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.CharField: StrictCharField}  # JSON strings only
    orcid = OrcidField(required=False, help_text=_("ORCID iD, e.g. 0000-0002-1825-0097. Typing another iD drops "
                                                   "the proof."))
    orcid_verified = serializers.BooleanField(read_only=True, help_text=_(
        "True once the researcher proved the iD by signing in at ORCID (POST /api/v1/me/orcid)."))

    privacy_consent_required = serializers.SerializerMethodField(help_text=_(
        "True while the researcher has not agreed to the current privacy policy version: show the notice and "
        "POST /api/v1/me/privacy-consent."))

    privacy_policy_version = serializers.SerializerMethodField(help_text=_(
        "The current privacy policy version: what POST /api/v1/me/privacy-consent records."))
    privacy_consent_version = serializers.CharField(read_only=True, help_text=_(
        "The privacy policy version the researcher agreed to; empty until they agree."))

    class Meta:
        model = Researcher
        fields = ["id", "display_name", "institution", "language", "orcid", "orcid_verified", "created_at",
                  "last_seen_at", "privacy_consent_required", "privacy_policy_version", "privacy_consent_version"]
        read_only_fields = ["id", "orcid_verified", "created_at", "last_seen_at", "privacy_consent_required",
                            "privacy_policy_version", "privacy_consent_version"]

    def get_privacy_policy_version(self, researcher) -> str:
        return settings.PRIVACY_POLICY_VERSION

    def get_privacy_consent_required(self, researcher) -> bool:
        return researcher.privacy_consent_version != settings.PRIVACY_POLICY_VERSION


class OrcidProofStartSerializer(serializers.Serializer):
    authorize_url = serializers.URLField(help_text=_("Open in a web-view: it signs the researcher in at ORCID. "
                                                     "One use only."))
    expires_at = serializers.DateTimeField()


class LoginRequestSerializer(serializers.Serializer):
    code = StrictCharField(max_length=128, trim_whitespace=True,
                                 help_text=_("The code from wx.login()."))


class LoginResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send as 'Authorization: Bearer <token>'."))
    researcher = ResearcherSerializer()


def request_language() -> str:
    return translation.get_language() or "zh-hans"


class JournalBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, journal) -> str:
        return journal.localized_name(request_language())


class JournalSerializer(JournalBriefSerializer):
    issn = serializers.CharField()
    eissn = serializers.CharField()
    cover_image_url = serializers.CharField()


class JournalSystemBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.SerializerMethodField()
    platform = serializers.CharField()
    platform_label = serializers.CharField(source="get_platform_display")

    def get_name(self, journal_system) -> str:
        return journal_system.localized_name(request_language())


class JournalSystemSerializer(JournalSystemBriefSerializer):
    journals = serializers.SerializerMethodField()

    @extend_schema_field(JournalSerializer(many=True))
    def get_journals(self, journal_system) -> list[dict]:
        enabled = [journal for journal in journal_system.journals.all() if journal.enabled]
        return JournalSerializer(enabled, many=True).data


class PrivacyConsentSerializer(serializers.Serializer):
    version = StrictCharField(max_length=32, help_text=_("The privacy policy version the researcher agreed to: "
                                                         "the current one (privacy_policy_version in /api/v1/me)."))

    def validate_version(self, value: str) -> str:
        if value != settings.PRIVACY_POLICY_VERSION:
            raise serializers.ValidationError(_("This is not the current privacy policy. Please read the current "
                                                "one and agree again."))
        return value


class PrivacyConsentStateSerializer(serializers.Serializer):
    version = serializers.CharField(help_text=_("The current privacy policy version."))
    agreed_version = serializers.CharField(help_text=_("The version the researcher agreed to (empty: none)."))
    agreed_at = serializers.DateTimeField(allow_null=True)
    privacy_consent_required = serializers.BooleanField()


class PrivacyExportSerializer(serializers.Serializer):
    profile = serializers.DictField()
    wechat_identities = serializers.ListField(child=serializers.DictField())
    journal_accounts = serializers.ListField(child=serializers.DictField())
    manuscripts = serializers.ListField(child=serializers.DictField())
    notifications = serializers.ListField(child=serializers.DictField())
    orders = serializers.ListField(child=serializers.DictField())
    shares = serializers.ListField(child=serializers.DictField())
    conversations = serializers.ListField(child=serializers.DictField())
    tags = serializers.DictField(help_text=_("The tags the researcher carries, the journals they follow and the "
                                             "campaign items they received."))
