from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services
from notifications.models import Notification, NotificationPreference
from notifications.serializers import (
    InboxFilterSerializer,
    MarkedSerializer,
    NotificationSerializer,
    PreferenceSerializer,
    SubscriptionResultSerializer,
    SubscriptionStateSerializer,
    UnreadCountSerializer,
)
from publisher_backend.schema import RULES_BEYOND_SCHEMA, error_responses

TAGS = ["inbox"]


class InboxView(ListAPIView):
    """The inbox: every notice ever created for the researcher, sent to WeChat or not, newest first."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        filters = InboxFilterSerializer(data=self.request.query_params.dict())  # "?kind=" is no filter: 400
        filters.is_valid(raise_exception=True)
        return selectors.inbox_for_researcher(researcher_id=self.request.user.researcher.pk,
                                              filters=filters.validated_data)

    @extend_schema(parameters=[InboxFilterSerializer], tags=TAGS,
                   responses={200: NotificationSerializer(many=True), **error_responses(400, 401)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UnreadCountView(APIView):
    @extend_schema(responses={200: UnreadCountSerializer, **error_responses(401)}, tags=TAGS)
    def get(self, request):
        return Response({"count": selectors.unread_count(researcher_id=request.user.researcher.pk)})


class MarkReadView(APIView):
    @extend_schema(request=None, responses={200: NotificationSerializer, **error_responses(401, 404)}, tags=TAGS)
    def post(self, request, notification_id: int):
        notification = services.notification_mark_read(researcher_id=request.user.researcher.pk,
                                                       notification_id=notification_id)
        if notification is None:
            raise Http404
        return Response(NotificationSerializer(notification).data)


class MarkAllReadView(APIView):
    @extend_schema(request=None, responses={200: MarkedSerializer, **error_responses(401)}, tags=TAGS)
    def post(self, request):
        return Response({"marked": services.notifications_mark_all_read(researcher_id=request.user.researcher.pk)})


class SubscriptionsView(APIView):
    """Consent credits: what the researcher allowed in wx.requestSubscribeMessage, per event kind."""

    @extend_schema(responses={200: SubscriptionStateSerializer(many=True), **error_responses(401)}, tags=TAGS)
    def get(self, request):
        return Response(selectors.subscription_state(researcher_id=request.user.researcher.pk))

    @extend_schema(request={"application/json": {"type": "object", "additionalProperties": {"type": "string"}}},
                   responses={200: SubscriptionStateSerializer(many=True), **error_responses(400, 401)}, tags=TAGS)
    def post(self, request):
        results = SubscriptionResultSerializer(data=request.data)
        results.is_valid(raise_exception=True)
        services.subscriptions_record(researcher_id=request.user.researcher.pk, results=results.validated_data)
        return Response(selectors.subscription_state(researcher_id=request.user.researcher.pk))


class PreferencesView(APIView):
    def _body(self, researcher_id: int) -> dict:
        preference = NotificationPreference.objects.filter(researcher_id=researcher_id).first()
        return PreferenceSerializer(preference).data if preference else {
            "disabled_kinds": [], "status_alerts": [], "quiet_start": None, "quiet_end": None}

    @extend_schema(responses={200: PreferenceSerializer, **error_responses(401)}, tags=TAGS)
    def get(self, request):
        return Response(self._body(request.user.researcher.pk))

    @extend_schema(request=PreferenceSerializer, responses={200: PreferenceSerializer, **error_responses(400, 401)},
                   tags=TAGS, extensions={RULES_BEYOND_SCHEMA: ["quiet_end"]})
    def patch(self, request):
        researcher_id = request.user.researcher.pk
        current = NotificationPreference.objects.filter(researcher_id=researcher_id).first()
        serializer = PreferenceSerializer(current, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.preferences_update(researcher_id=researcher_id, changes=serializer.validated_data)
        return Response(self._body(researcher_id))
