"""Shares over HTTP: the researcher creates, lists and deletes theirs; anyone reads the public record, the poster,
the share card and reports an open, without a token and rate-limited per client address. (Following the shared
journal is tagging's: `POST /api/v1/shares/{id}/follow-journal` in tagging/api/interests.py.)"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from manuscripts.selectors import manuscripts_for_researcher
from publisher_backend.errors import Throttled
from publisher_backend.http import client_address
from publisher_backend.ratelimit import rate_limit_hit
from publisher_backend.schema import error_responses
from sharing.models import Share
from sharing.selectors import PublicShare, share_by_scene, share_live, share_public, shares_of_manuscript
from sharing.services import (
    share_card_png,
    share_create,
    share_delete,
    share_open_record,
    share_poster_png,
)

TAGS = ["shares"]

# Every key a public share may ever carry; tests hold each public response to this list.
PUBLIC_FIELDS = ("id", "title", "journal", "milestone", "milestone_label", "date", "doi", "sharer", "coauthors")


class ShareCreateSerializer(serializers.Serializer):
    show_coauthors = serializers.BooleanField(default=False)


class ResearcherShareSerializer(serializers.Serializer):
    """The sharer's own view of a share."""

    id = serializers.CharField()
    scene = serializers.CharField()
    show_coauthors = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    open_count = serializers.IntegerField(default=0)


class _JournalNameSerializer(serializers.Serializer):
    name = serializers.CharField()


class _SharerSerializer(serializers.Serializer):
    display_name = serializers.CharField()


class PublicShareSerializer(serializers.Serializer):
    """Exactly what the sharer agreed to show; `coauthors` only when they chose to show them."""

    id = serializers.CharField()
    title = serializers.CharField()
    journal = _JournalNameSerializer()
    milestone = serializers.CharField()
    milestone_label = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    doi = serializers.CharField(allow_null=True)
    sharer = _SharerSerializer()
    coauthors = serializers.ListField(child=serializers.CharField(), required=False)


def public_share_body(public: PublicShare) -> dict:
    body = {
        "id": public.id,
        "title": public.title,
        "journal": {"name": public.journal_name},
        "milestone": public.milestone,
        "milestone_label": public.milestone_label,
        "date": public.date.isoformat() if public.date else None,
        "doi": public.doi,
        "sharer": {"display_name": public.sharer_display_name},
    }
    if public.coauthors is not None:
        body["coauthors"] = list(public.coauthors)
    return body


def _public_rate_limited(request) -> None:
    wait = rate_limit_hit(key=f"share:public:{client_address(request) or 'unknown'}",
                          rate=settings.SHARE_PUBLIC_RATE)
    if wait is not None:
        raise Throttled(retry_after_seconds=wait)


def _public_share(request, share_id: str):
    _public_rate_limited(request)
    share = share_live(share_id=share_id)
    if share is None:
        raise Http404
    return share


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


class ManuscriptSharesView(ListAPIView):
    """The researcher's shares of their manuscript, with how many opened each (POST makes a new one)."""

    serializer_class = ResearcherShareSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, without a signed-in researcher
            return Share.objects.none()
        researcher = self.request.user.researcher
        manuscript_id = self.kwargs["manuscript_id"]
        if not manuscripts_for_researcher(researcher=researcher).filter(pk=manuscript_id).exists():
            raise Http404
        return shares_of_manuscript(researcher=researcher, manuscript_id=manuscript_id)

    @extend_schema(responses={200: ResearcherShareSerializer(many=True), **error_responses(401, 404)}, tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ShareCreateSerializer,
                   responses={201: ResearcherShareSerializer, **error_responses(400, 401, 404, 409, 429)}, tags=TAGS)
    def post(self, request, manuscript_id: int):
        choice = ShareCreateSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        share = share_create(researcher=request.user.researcher, manuscript_id=manuscript_id,
                             show_coauthors=choice.validated_data["show_coauthors"])
        share.open_count = 0
        return Response(ResearcherShareSerializer(share).data, status=201)


class PublicShareView(APIView):
    """A share as anyone sees it, without a token (DELETE: the sharer removes it)."""

    permission_classes = [AllowAny]

    def get_authenticators(self):
        # Reading needs no token, and a stale one must not turn a public page into a 401.
        request = getattr(self, "request", None)
        return [] if request is not None and request.method == "GET" else super().get_authenticators()

    @extend_schema(auth=[], responses={200: PublicShareSerializer, **error_responses(404, 429)}, tags=TAGS)
    def get(self, request, share_id: str):
        share = _public_share(request, share_id)
        return Response(public_share_body(share_public(share=share, language=_language())))

    @extend_schema(request=None, responses={204: None, **error_responses(401, 404)}, tags=TAGS)
    def delete(self, request, share_id: str):
        if not request.user.is_authenticated:
            raise Http404
        share_delete(researcher=request.user.researcher, share_id=share_id)
        return Response(status=204)


class ShareBySceneView(APIView):
    """The share a Mini Program code's scene points to (the page receives `scene` when the code is scanned)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(auth=[], responses={200: PublicShareSerializer, **error_responses(404, 429)}, tags=TAGS)
    def get(self, request, scene: str):
        _public_rate_limited(request)
        found = share_by_scene(scene=scene)
        share = share_live(share_id=found.pk) if found else None
        if share is None:
            raise Http404
        return Response(public_share_body(share_public(share=share, language=_language())))


class SharePosterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(auth=[], responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
                                       **error_responses(404, 429, 503)}, tags=TAGS)
    def get(self, request, share_id: str):
        share = _public_share(request, share_id)
        png = share_poster_png(share=share, language=_language())
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "no-cache"  # a deleted share's poster must not outlive it in a cache
        return response


class ShareOpenedView(APIView):
    """Someone opened the share (the share page reports it once shown). Counted once per visitor per day: the
    signed-in researcher when a token is sent, otherwise the client address; the sharer's own opens not at all."""

    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None, **error_responses(401, 404, 429)}, tags=TAGS)
    def post(self, request, share_id: str):
        share = _public_share(request, share_id)
        researcher_id = request.user.researcher.pk if request.user.is_authenticated else None
        share_open_record(share=share, researcher_id=researcher_id, client_address=client_address(request))
        return Response(status=204)


class ShareCardView(APIView):
    """The share card's image (onShareAppMessage / onShareTimeline `imageUrl`). WeChat fetches it without our
    headers, so `?lang=` may name the language; Accept-Language otherwise."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(auth=[], parameters=[OpenApiParameter("lang", str, enum=[code for code, _name in settings.LANGUAGES],
                                                         description="The card's language (else Accept-Language).")],
                   responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(404, 429)},
                   tags=TAGS)
    def get(self, request, share_id: str):
        share = _public_share(request, share_id)
        asked = request.query_params.get("lang", "")
        language = asked if asked in dict(settings.LANGUAGES) else _language()
        response = HttpResponse(share_card_png(share=share, language=language), content_type="image/png")
        response["Cache-Control"] = "no-cache"  # like the poster: gone with the share
        return response
