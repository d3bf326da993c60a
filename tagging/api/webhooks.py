"""Staff API: webhook endpoints (DESIGN Contract). Scope `webhooks:write`. A key sees and deletes the endpoints
it registered; staff see them all in admin. The signing secret is in the creation answer and nowhere else."""

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from publisher_backend.schema import RULES_BEYOND_SCHEMA, error_responses
from tagging.authentication import StaffApiMixin
from tagging.models import ApiScope, WebhookEndpoint, WebhookEvent
from tagging.services.webhooks import webhook_endpoint_create, webhook_endpoint_delete

TAGS = ["staff: webhooks"]
EVENTS_HELP = "Events to receive: " + ", ".join(WebhookEvent.values) + "."


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="https URL to POST deliveries to (private, loopback and "
                                                           "link-local addresses are refused).")
    events = serializers.ListField(child=serializers.CharField(max_length=40), min_length=1, max_length=20,
                                   help_text=EVENTS_HELP)


class WebhookCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    secret = serializers.CharField(help_text="The signing secret: shown this once, keep it.")


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """An endpoint as the API shows it: never its secret."""

    events = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "active", "created_at", "consecutive_failures", "paused_until",
                  "last_success_at", "last_failure_at"]
        read_only_fields = fields


def _own_endpoints(request):
    return WebhookEndpoint.objects.filter(created_by_key=request.auth)


class WebhookListCreateView(StaffApiMixin, ListAPIView):
    required_scope = ApiScope.WEBHOOKS_WRITE
    serializer_class = WebhookEndpointSerializer
    queryset = WebhookEndpoint.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return _own_endpoints(self.request).order_by("-created_at", "-id")

    @extend_schema(tags=TAGS, responses={200: WebhookEndpointSerializer(many=True), **error_responses(401, 403, 429)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=TAGS, request=WebhookCreateSerializer,
                   responses={201: WebhookCreatedSerializer, **error_responses(400, 401, 403, 429)},
                   extensions={RULES_BEYOND_SCHEMA: ["url", "events"]})
    def post(self, request):
        given = WebhookCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        endpoint, secret = webhook_endpoint_create(url=given.validated_data["url"],
                                                   events=given.validated_data["events"],
                                                   description=f"API key {request.auth.name}"[:200],
                                                   created_by_key=request.auth)
        return Response({"id": endpoint.pk, "secret": secret}, status=201)


class WebhookDetailView(StaffApiMixin, APIView):
    required_scope = ApiScope.WEBHOOKS_WRITE

    def _endpoint(self, request, endpoint_id: int) -> WebhookEndpoint:
        endpoint = _own_endpoints(request).filter(pk=endpoint_id).first()
        if endpoint is None:
            raise Http404
        return endpoint

    @extend_schema(tags=TAGS, responses={200: WebhookEndpointSerializer, **error_responses(401, 403, 404, 429)})
    def get(self, request, endpoint_id: int):
        return Response(WebhookEndpointSerializer(self._endpoint(request, endpoint_id)).data)

    @extend_schema(tags=TAGS, responses={204: None, **error_responses(401, 403, 404, 429)})
    def delete(self, request, endpoint_id: int):
        webhook_endpoint_delete(endpoint=self._endpoint(request, endpoint_id))
        return Response(status=204)


urlpatterns = [
    path("staff/webhooks", WebhookListCreateView.as_view(), name="staff-webhooks"),
    path("staff/webhooks/<int:endpoint_id>", WebhookDetailView.as_view(), name="staff-webhook"),
]
