"""The staff API's request and response shapes (DESIGN Contract: Staff API)."""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.validators import ORCID_PATTERN, normalize_orcid, orcid_check_digit
from publisher_backend.request_fields import StrictCharField
from tagging.models import TagGroup

SLUG_VALIDATOR = RegexValidator(r"^[-a-zA-Z0-9_]+\Z", message=_("Use letters, digits, hyphens and underscores only."))
MAX_ID = 2**63 - 1


class LocalizedNameSerializer(serializers.Serializer):
    en = StrictCharField(max_length=100, help_text="Text without NUL characters.")

    def get_fields(self):
        fields = super().get_fields()
        fields["zh-hans"] = StrictCharField(max_length=100, required=False, allow_blank=True,
                                            help_text="Text without NUL characters.")
        return fields


class TagCreateSerializer(serializers.Serializer):
    slug = StrictCharField(max_length=64, validators=[SLUG_VALIDATOR])
    name = LocalizedNameSerializer()
    group = serializers.ChoiceField(choices=TagGroup.choices, required=False, default=TagGroup.OTHER)


class TagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.SerializerMethodField()
    group = serializers.ChoiceField(choices=TagGroup.choices)

    @extend_schema_field({"type": "object", "required": ["en", "zh-hans"],
                          "properties": {"en": {"type": "string"}, "zh-hans": {"type": "string"}}})
    def get_name(self, tag) -> dict:
        return {"en": tag.name_en, "zh-hans": tag.name_zh_hans}


_REFERENCE_KINDS = ("id", "orcid", "unionid")


@extend_schema_field({
    "type": "array", "minItems": 1, "maxItems": settings.STAFF_API_MAX_ASSIGNMENT_ENTRIES,
    "description": "Each entry names one researcher by exactly one of: our id, an ORCID iD (its check digit must "
                   "be right), a WeChat unionid.",
    "items": {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
              "properties": {"id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                             "orcid": {"type": "string", "example": "0000-0002-1825-0097"},
                             "unionid": {"type": "string", "minLength": 1, "maxLength": 64}}},
})
class ResearcherReferencesField(serializers.Field):
    """[{"id": n} | {"orcid": "…"} | {"unionid": "…"}] → [(kind, value as given, normalized value)]."""

    default_error_messages = {
        "not_a_list": _("Give a list of researchers."),
        "empty": _("Give at least one researcher."),
        "too_many": _("Give at most %(largest)d researchers per request."),
        "entry": _("Entry %(index)d: give exactly one of id, orcid or unionid."),
        "id": _("Entry %(index)d: id must be a whole number from 1."),
        "orcid": _("Entry %(index)d: this is not an ORCID iD."),
        "unionid": _("Entry %(index)d: unionid must be a non-empty string of at most 64 characters."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list")
        if not data:
            self.fail("empty")
        largest = settings.STAFF_API_MAX_ASSIGNMENT_ENTRIES
        if len(data) > largest:
            raise serializers.ValidationError(self.error_messages["too_many"] % {"largest": largest})
        references, errors = [], []
        for index, entry in enumerate(data):
            if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in _REFERENCE_KINDS:
                errors.append(self.error_messages["entry"] % {"index": index})
                continue
            kind, value = next(iter(entry.items()))
            if kind == "id":
                if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
                    errors.append(self.error_messages["id"] % {"index": index})
                    continue
                references.append((kind, entry, str(value)))
            elif kind == "orcid":
                normalized = normalize_orcid(value) if isinstance(value, str) else ""
                if not ORCID_PATTERN.match(normalized) or not _orcid_checks(normalized):
                    errors.append(self.error_messages["orcid"] % {"index": index})
                    continue
                references.append((kind, entry, normalized))
            else:
                if not isinstance(value, str) or not 1 <= len(value) <= 64:
                    errors.append(self.error_messages["unionid"] % {"index": index})
                    continue
                references.append((kind, entry, value))
        if errors:
            raise serializers.ValidationError(errors)
        return references

    def to_representation(self, value):
        return [entry for _kind, entry, _normalized in value]


def _orcid_checks(orcid: str) -> bool:
    digits = orcid.replace("-", "")
    return orcid_check_digit(digits[:15]) == digits[15]


class TagAssignmentsSerializer(serializers.Serializer):
    tag = StrictCharField(max_length=64, help_text="The tag's slug; an unknown slug is a 400 naming it under tag.")
    action = serializers.ChoiceField(choices=[("add", "add"), ("remove", "remove")])
    researchers = ResearcherReferencesField()


class TagAssignmentsResultSerializer(serializers.Serializer):
    matched = serializers.IntegerField(help_text="Entries that named a researcher we know.")
    changed = serializers.IntegerField(help_text="Researchers whose tags this request changed (0 on a repeat).")
    unmatched = serializers.ListField(child=serializers.DictField(), help_text="The entries not found, as sent.")


class FeedFilterSerializer(serializers.Serializer):
    updated_since = serializers.DateTimeField(
        required=False, default_timezone=UTC,
        help_text="ISO-8601; items updated at or after this instant (without an offset: UTC). URL-encode '+'.")
    cursor = serializers.CharField(required=False, help_text="From a previous page's next or previous link.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=settings.STAFF_API_MAX_PAGE_SIZE)


class ResearcherFeedFilterSerializer(FeedFilterSerializer):
    tag = serializers.CharField(required=False, max_length=64, help_text="Only researchers carrying this tag (slug).")


class StaffResearcherSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    language = serializers.CharField()
    orcid = serializers.CharField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    updated_at = serializers.DateTimeField()


class StaffJournalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()


class StaffStatusEventSerializer(serializers.Serializer):
    to = serializers.CharField()
    platform_status = serializers.CharField()
    occurred_at = serializers.DateTimeField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField(allow_null=True)
        return fields


class StaffManuscriptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    journal = StaffJournalSerializer(allow_null=True)
    journal_system = serializers.CharField()
    platform_id = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    platform_status = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    last_activity_at = serializers.DateTimeField()
    doi = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)
    authors = serializers.ListField(child=serializers.IntegerField(), help_text="Researcher ids.")
    status_history = StaffStatusEventSerializer(many=True)
    updated_at = serializers.DateTimeField()


class StaffOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    amount_fen = serializers.IntegerField()
    original_amount_fen = serializers.IntegerField()
    discount_fen = serializers.IntegerField()
    refunded_fen = serializers.IntegerField()
    currency = serializers.CharField()
    researcher = serializers.IntegerField(allow_null=True, help_text="The author's researcher id.")
    payer = serializers.IntegerField(allow_null=True, help_text="Who paid, when not the author.")
    manuscript = serializers.IntegerField(allow_null=True)
    journal = serializers.CharField(allow_null=True, help_text="The journal's key.")
    out_trade_no = serializers.CharField()
    transaction_id = serializers.CharField()
    settled_by = serializers.CharField()
    paid_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ExportFilterSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=[("csv", "csv"), ("xlsx", "xlsx"), ("jsonl", "jsonl")], default="csv")
