import re
from datetime import time

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.models import EventKind, NotificationTemplate, SubscriptionResult
from publisher_backend.request_fields import QueryTextField

# The canonical manuscript statuses, by value: notifications knows no domain app, only these words.
CanonicalStatusChoices = ["submitted", "with_editor", "under_review", "revision_requested", "revision_submitted",
                          "accepted", "in_production", "published", "rejected", "withdrawn"]


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    page = serializers.CharField(help_text="Mini Program page and query to open, e.g. pages/manuscript/detail?id=7")
    payload = serializers.DictField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    is_read = serializers.SerializerMethodField()

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class InboxFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)
    kind = QueryTextField(required=False, max_length=32, allow_blank=True)  # blank after trimming: no filter


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class SubscriptionStateSerializer(serializers.Serializer):
    kind = serializers.CharField()
    template_id = serializers.CharField()
    credits = serializers.IntegerField()
    has_credit = serializers.BooleanField()
    banned = serializers.BooleanField(help_text="The researcher turned this template off in WeChat: don't ask.")
    last_result = serializers.CharField()


class SubscriptionResultSerializer(serializers.Serializer):
    """The raw result object of wx.requestSubscribeMessage, e.g. {"errMsg": "requestSubscribeMessage:ok",
    "TEMPLATE_ID": "accept"}. Only configured template ids count; "errMsg" and unknown keys are ignored."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Send the result object of "
                                                                      "wx.requestSubscribeMessage.")]})
        known = set(NotificationTemplate.objects.values_list("template_id", flat=True))
        results, errors = {}, {}
        for key, value in data.items():
            if not isinstance(value, str):  # the schema: an object of strings
                errors[key] = [_("Expected one of: accept, reject, ban, filter.")]
                continue
            if key not in known:
                continue
            if value not in SubscriptionResult.values:
                errors[key] = [_("Expected one of: accept, reject, ban, filter.")]
            else:
                results[key] = value
        if errors:
            raise serializers.ValidationError(errors)
        return results


# A time of day on the Beijing clock, "HH:MM" (seconds, if sent, must be :00): no offset, since quiet hours are
# always in Beijing time and an offset we dropped would silently shift them.
CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):([0-5][0-9])(:00)?$"


@extend_schema_field({"type": "string", "pattern": CLOCK_PATTERN, "example": "22:00",
                      "description": "A time of day in Beijing time (UTC+8), HH:MM, without an offset."})
class BeijingClockField(serializers.Field):
    default_error_messages = {
        "invalid": _("Give a time of day as HH:MM in Beijing time, without a time zone (e.g. 22:00)."),
    }

    def to_internal_value(self, data):
        match = re.match(CLOCK_PATTERN, data) if isinstance(data, str) else None
        if match is None:
            self.fail("invalid")
        return time(int(match.group(1)), int(match.group(2)))

    def to_representation(self, value):
        return value.strftime("%H:%M")


class PreferenceSerializer(serializers.Serializer):
    """Quiet hours are a pair: give both ends or neither (null for both switches them off), and they must differ;
    a request that breaks this is a 400 naming quiet_end."""


    disabled_kinds = serializers.ListField(child=serializers.ChoiceField(choices=EventKind.choices), required=False,
                                           help_text="Event kinds not to send to WeChat (the inbox keeps them). "
                                                     "Publisher news (campaign) is never sent to WeChat: not a "
                                                     "choice here.")
    status_alerts = serializers.ListField(child=serializers.ChoiceField(choices=CanonicalStatusChoices),
                                          required=False,
                                          help_text="Statuses that alert on a status change; empty: all of them.")
    quiet_start = BeijingClockField(required=False, allow_null=True, help_text=(
        "Start of the quiet hours, Beijing time HH:MM, e.g. 22:00; null with quiet_end switches them off."))
    quiet_end = BeijingClockField(required=False, allow_null=True, help_text=(
        "End of the quiet hours, Beijing time HH:MM, e.g. 08:00. Must be given (or stored) together with "
        "quiet_start, both or neither, and differ from it: otherwise 400 naming quiet_end."))

    def validate(self, attrs):
        start = attrs.get("quiet_start", getattr(self.instance, "quiet_start", None))
        end = attrs.get("quiet_end", getattr(self.instance, "quiet_end", None))
        if (start is None) != (end is None):
            raise serializers.ValidationError({"quiet_end": [_("Give both ends of the quiet hours, or neither.")]})
        if start is not None and start == end:
            raise serializers.ValidationError(
                {"quiet_end": [_("Quiet hours must not start and end at the same time.")]})
        for name in ("disabled_kinds", "status_alerts"):
            if name in attrs:
                attrs[name] = sorted(set(attrs[name]))
        return attrs
