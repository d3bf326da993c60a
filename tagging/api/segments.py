"""`POST /api/v1/staff/segments/preview {"expression": E}` → `{"count": n, "sample": [ids, at most 20]}` (scope
segments:read). Thin: the grammar, its limits and the SQL are tagging.services.segments'."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from publisher_backend.parsers import ApiJSONParser
from publisher_backend.schema import RULES_BEYOND_SCHEMA, error_responses
from tagging.authentication import StaffApiMixin
from tagging.errors import SegmentInvalid
from tagging.models import ApiScope
from tagging.services.segments import SAMPLE_SIZE, segment_count, segment_parse, segment_sample

TAGS = ["staff: segments"]
# An expression of MAX_TERMS operators fits in a few kilobytes; a body beyond this is refused before it is parsed.
MAX_BODY_BYTES = 64 * 1024


class BoundedJSONParser(ApiJSONParser):
    """The API's JSON, refused (400, under `expression`) when larger than MAX_BODY_BYTES."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            raise SegmentInvalid(fields={"expression": [
                _("The expression is larger than %(limit)s bytes.") % {"limit": MAX_BODY_BYTES}]})
        return super().parse(stream, media_type, parser_context)


class SegmentPreviewRequestSerializer(serializers.Serializer):
    expression = serializers.JSONField(help_text=(
        'A segment expression: {"all": [E, …]}, {"any": [E, …]}, {"not": E}, {"tag": slug}, {"journal": key}, '
        '{"status": canonical status}, {"platform": name}, {"language": "en" | "zh-hans"}, '
        '{"active_since": ISO-8601}. At most 8 levels deep and 100 operators. An unknown tag, journal, status '
        'or platform is a 400 naming it under fields.expression.'))


class SegmentPreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Researchers in the segment.")
    sample = serializers.ListField(child=serializers.IntegerField(), max_length=SAMPLE_SIZE,
                                   help_text=f"Ids of up to {SAMPLE_SIZE} of them, picked at random.")


class SegmentPreviewView(StaffApiMixin, APIView):
    required_scope = ApiScope.SEGMENTS_READ
    parser_classes = [BoundedJSONParser]

    @extend_schema(request=SegmentPreviewRequestSerializer, tags=TAGS,
                   extensions={RULES_BEYOND_SCHEMA: ["expression"]},
                   responses={200: SegmentPreviewSerializer, **error_responses(400, 401, 403, 429)},
                   summary="Count a segment and sample its members")
    def post(self, request):
        serializer = SegmentPreviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parsed = segment_parse(serializer.validated_data["expression"])
        return Response(SegmentPreviewSerializer({"count": segment_count(parsed),
                                                  "sample": segment_sample(parsed)}).data)


urlpatterns = [
    path("staff/segments/preview", SegmentPreviewView.as_view(), name="staff-segments-preview"),
]
