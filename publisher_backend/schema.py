"""OpenAPI pieces shared by every app: the error envelope and its responses."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable snake_case error code, e.g. invalid, not_found, throttled.")
    message = serializers.CharField(help_text="Human-readable message in the request's language.")
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="Messages per invalid field.")


_DESCRIPTIONS = {
    400: "Invalid input",
    401: "Missing, expired or revoked token",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    429: "Rate limited (see Retry-After)",
    503: "An upstream service is unavailable",
}


# Operation extension: why a schema-valid request can still get a 400. It lists request fields whose rules go
# beyond what the schema can state (an ORCID iD's check digit, a pair of fields given together: each described
# in its field's description), or error codes that another party decides (WeChat refusing a login code).
RULES_BEYOND_SCHEMA = "x-rules-beyond-schema"


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[status]) for status in statuses}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus what every paginated list answers: 400 for a bad `page` or
    `page_size`, 404 for a page after the last one (publisher_backend.pagination.Pagination)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response" and self.method == "GET" and self._is_list_view() and self._get_paginator():
            for status in (400, 404):
                if str(status) not in responses:
                    responses[str(status)] = self._get_response_for_code(
                        error_responses(status)[status], str(status), direction=direction)
        return responses
