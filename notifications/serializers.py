from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications.models import EventKind, NotificationTemplate, SubscriptionResult

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
    kind = serializers.CharField(required=False, max_length=32)


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
            if key not in known:
                continue
            if value not in SubscriptionResult.values:
                errors[key] = [_("Expected one of: accept, reject, ban, filter.")]
            else:
                results[key] = value
        if errors:
            raise serializers.ValidationError(errors)
        return results


class PreferenceSerializer(serializers.Serializer):
    disabled_kinds = serializers.ListField(child=serializers.ChoiceField(choices=EventKind.choices), required=False,
                                           help_text="Event kinds not to send to WeChat (the inbox keeps them).")
    status_alerts = serializers.ListField(child=serializers.ChoiceField(choices=CanonicalStatusChoices),
                                          required=False,
                                          help_text="Statuses that alert on a status change; empty: all of them.")
    quiet_start = serializers.TimeField(required=False, allow_null=True, help_text="Beijing time, e.g. 22:00")
    quiet_end = serializers.TimeField(required=False, allow_null=True, help_text="Beijing time, e.g. 08:00")

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
