"""The researcher's research interests and followed journals (Mini Program interests page):
GET/PUT /api/v1/me/interests with the researcher's Bearer token; and POST /api/v1/shares/{id}/follow-journal, the
public share page's "follow this journal" (tagging reads the share through sharing's selectors; sharing never
imports tagging)."""

from django.core.validators import RegexValidator
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import request_language
from publisher_backend.request_fields import StrictCharField, StrictIntegerField
from publisher_backend.schema import RULES_BEYOND_SCHEMA, error_responses
from sharing.selectors import share_journal_id
from tagging.selectors.interests import researcher_interests
from tagging.services.interests import journal_follow, researcher_interests_set

MAX_CHOICES = 200  # far above any real page (tags and journals offered are a few dozen); bounds the work per PUT


class InterestTagSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(help_text=_("In the request's language (Accept-Language)."))
    colour = serializers.CharField(help_text=_("Hex colour, e.g. #0052D9."))
    selected = serializers.BooleanField(help_text=_("The researcher carries this tag, whoever put it there."))
    removable = serializers.BooleanField(help_text=_(
        "False when staff, a rule, an import or the staff API gave the tag: leaving it out of a PUT keeps it."))


class InterestGroupSerializer(serializers.Serializer):
    group = serializers.CharField(help_text=_("subject, role, region, journal_interest or other."))
    label = serializers.CharField(help_text=_("The group's name in the request's language."))
    tags = InterestTagSerializer(many=True)


class JournalSystemRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()


class InterestJournalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField(help_text=_("In the request's language (Accept-Language)."))
    journal_system = JournalSystemRefSerializer()
    followed = serializers.BooleanField()


class InterestsSerializer(serializers.Serializer):
    groups = InterestGroupSerializer(many=True, help_text=_("Tags researchers may choose, by group."))
    journals = InterestJournalSerializer(many=True, help_text=_("Journals researchers may follow."))


class InterestsUpdateSerializer(serializers.Serializer):
    # Any string is a slug to look up: one not offered (blank included) is a 400 under `tags`, naming it. The
    # pattern states what DRF refuses in any string (a NUL character).
    tags = serializers.ListField(child=StrictCharField(max_length=64, allow_blank=True, trim_whitespace=False,
                                                       validators=[RegexValidator(r"^[^\x00]*$")]),
                                 max_length=MAX_CHOICES, help_text=_(
        "Slugs of the chosen tags (the whole choice: self-chosen tags left out are taken off). Each must be one "
        "GET offers: another is a 400 naming it."))
    journals = serializers.ListField(child=StrictIntegerField(min_value=1), max_length=MAX_CHOICES, help_text=_(
        "Ids of the journals to follow (the whole choice). Each must be one GET offers: another is a 400 naming it."))


class MeInterestsView(APIView):
    @extend_schema(responses={200: InterestsSerializer, **error_responses(401)}, tags=["me"],
                   summary="The research interests and journals the researcher may choose, and what they chose")
    def get(self, request):
        return Response(researcher_interests(researcher=request.user.researcher, language=request_language()))

    @extend_schema(request=InterestsUpdateSerializer, responses={200: InterestsSerializer, **error_responses(400, 401)},
                   tags=["me"], extensions={RULES_BEYOND_SCHEMA: ["tags", "journals"]},
                   summary="Replace the researcher's research interests and followed journals")
    def put(self, request):
        body = InterestsUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        researcher = request.user.researcher
        researcher_interests_set(researcher=researcher, tag_slugs=body.validated_data["tags"],
                                 journal_ids=body.validated_data["journals"])
        return Response(researcher_interests(researcher=researcher, language=request_language()))


class SharedJournalFollowView(APIView):
    """The signed-in researcher follows the journal of a shared manuscript (the share page's button), as if ticked
    on their interests page. Idempotent: 204 whether newly followed or not; 404 for an unknown or deleted share."""

    @extend_schema(request=None, responses={204: None, **error_responses(400, 401, 404)}, tags=["shares"])
    def post(self, request, share_id: str):
        journal_id = share_journal_id(share_id=share_id)
        if journal_id is None:
            raise Http404
        journal_follow(researcher=request.user.researcher, journal_id=journal_id)
        return Response(status=204)


urlpatterns = [path("me/interests", MeInterestsView.as_view(), name="me-interests"),
               path("shares/<str:share_id>/follow-journal", SharedJournalFollowView.as_view(),
                    name="share-follow-journal")]
