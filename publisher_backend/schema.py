"""OpenAPI pieces shared by every app: the error envelope and its responses."""

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


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[status]) for status in statuses}
