"""Conversations with editorial offices over HTTP, for the signed-in researcher: list, start, read, write (text
or an image), and images behind signed, expiring links (the Mini Program's <image> sends no token).

Someone else's conversation, message or image is a 404, never a 403."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from editorial.images import image_content_type
from editorial.models import Conversation, ConversationState
from editorial.selectors import (
    conversation_messages,
    conversation_of_researcher,
    conversations_for_researcher,
    image_url,
    message_for_image_token,
    office_name,
)
from editorial.services import (
    BODY_MAX_LENGTH,
    conversation_mark_read,
    conversation_post,
    conversation_start,
)
from publisher_backend.parsers import ApiJSONParser
from publisher_backend.request_fields import StrictCharField, StrictIntegerField
from publisher_backend.schema import RULES_BEYOND_SCHEMA, error_responses

TAGS = ["conversations"]
LARGEST_ID = 2**63 - 1


def _language() -> str:
    return translation.get_language() or "zh-hans"


# --- Shapes -------------------------------------------------------------------------------------------------------

class _JournalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="In the request's language.")


class _ManuscriptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    manuscript_number = serializers.CharField()


class _LastMessageSerializer(serializers.Serializer):
    body = serializers.CharField()
    from_staff = serializers.BooleanField()
    has_image = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class _ImageSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="Absolute, signed and expiring: works without an Authorization header.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    from_staff = serializers.BooleanField()
    author = serializers.SerializerMethodField(help_text=(
        "The researcher's own name for theirs; the journal's editorial office for staff (never a staff name)."))
    image = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_author(self, message) -> str:
        if message.from_staff:
            return self.context["office"]
        return self.context["researcher_name"] or translation.gettext("You")

    @extend_schema_field(_ImageSerializer(allow_null=True))
    def get_image(self, message) -> dict | None:
        if not message.image:
            return None
        return {"url": image_url(message=message), "width": message.image_width, "height": message.image_height}


class ConversationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    journal = serializers.SerializerMethodField()
    manuscript = serializers.SerializerMethodField()
    state = serializers.ChoiceField(choices=ConversationState.choices, help_text=(
        "waiting: the researcher wrote last and no staff reply since; answered: staff wrote last; closed by staff."))
    unread = serializers.IntegerField(help_text="Staff messages the researcher has not read yet.")
    last_message = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(_JournalSerializer)
    def get_journal(self, conversation) -> dict:
        return {"id": conversation.journal_id, "name": conversation.journal.localized_name(_language())}

    @extend_schema_field(_ManuscriptSerializer(allow_null=True))
    def get_manuscript(self, conversation) -> dict | None:
        manuscript = conversation.manuscript
        if manuscript is None:
            return None
        return {"id": manuscript.pk, "title": manuscript.localized_title(_language()),
                "manuscript_number": manuscript.manuscript_number}

    @extend_schema_field(_LastMessageSerializer(allow_null=True))
    def get_last_message(self, conversation) -> dict | None:
        if conversation.last_created_at is None:
            return None
        return _LastMessageSerializer({"body": conversation.last_body, "from_staff": conversation.last_from_staff,
                                       "has_image": bool(conversation.last_image),
                                       "created_at": conversation.last_created_at}).data


class ConversationDetailSerializer(ConversationSerializer):
    messages = serializers.SerializerMethodField(help_text="Oldest first; at most the latest 200.")

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, conversation) -> list[dict]:
        return MessageSerializer(conversation_messages(conversation=conversation), many=True,
                                 context=_message_context(conversation)).data


def _message_context(conversation: Conversation) -> dict:
    return {"office": office_name(conversation.journal, _language()),
            "researcher_name": conversation.researcher.display_name}


class ConversationFilterSerializer(serializers.Serializer):
    journal = serializers.IntegerField(required=False, min_value=1, max_value=LARGEST_ID)
    manuscript = serializers.IntegerField(required=False, min_value=1, max_value=LARGEST_ID)


class ConversationStartSerializer(serializers.Serializer):
    journal = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=LARGEST_ID, help_text=(
        "May be left out when a manuscript is given (its journal is taken); must be that journal if given."))
    manuscript = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=LARGEST_ID,
                                    help_text="One of the researcher's own manuscripts, or null.")
    body = StrictCharField(max_length=BODY_MAX_LENGTH)


class MessagePostSerializer(serializers.Serializer):
    body = StrictCharField(required=False, allow_blank=True, max_length=BODY_MAX_LENGTH, default="",
                           help_text="Required unless an image is sent.")
    image = serializers.FileField(required=False, help_text=(
        "multipart/form-data only: one JPEG, PNG or WebP image of at most 5 MB (HEIC is not accepted)."))


# --- Views --------------------------------------------------------------------------------------------------------

def _detail_body(request, conversation_id: int) -> dict:
    conversation = conversation_of_researcher(researcher=request.user.researcher, conversation_id=conversation_id)
    if conversation is None:
        raise Http404
    return ConversationDetailSerializer(conversation).data


class ConversationListView(ListAPIView):
    """The researcher's conversations with editorial offices, most recently active first (POST starts one)."""

    serializer_class = ConversationSerializer
    queryset = Conversation.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        filters = ConversationFilterSerializer(data=self.request.query_params.dict())  # "?journal=" is no filter: 400
        filters.is_valid(raise_exception=True)
        return conversations_for_researcher(researcher=self.request.user.researcher,
                                            journal_id=filters.validated_data.get("journal"),
                                            manuscript_id=filters.validated_data.get("manuscript"))

    @extend_schema(parameters=[ConversationFilterSerializer],
                   responses={200: ConversationSerializer(many=True), **error_responses(400, 401)}, tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ConversationStartSerializer, extensions={RULES_BEYOND_SCHEMA: ["journal", "manuscript"]},
                   responses={201: ConversationDetailSerializer, **error_responses(400, 401, 429)}, tags=TAGS,
                   summary="Ask a journal's editorial office (an open conversation about the same thing is reused)")
    def post(self, request):
        start = ConversationStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        conversation = conversation_start(researcher=request.user.researcher,
                                          journal_id=start.validated_data.get("journal"),
                                          manuscript_id=start.validated_data.get("manuscript"),
                                          body=start.validated_data["body"], language=_language())
        return Response(_detail_body(request, conversation.pk), status=201)


class ConversationDetailView(APIView):
    @extend_schema(responses={200: ConversationDetailSerializer, **error_responses(401, 404)}, tags=TAGS,
                   summary="A conversation with its messages; reading it marks the staff messages read")
    def get(self, request, conversation_id: int):
        conversation = conversation_of_researcher(researcher=request.user.researcher,
                                                  conversation_id=conversation_id)
        if conversation is None:
            raise Http404
        conversation_mark_read(conversation=conversation)
        return Response(_detail_body(request, conversation_id))


class ConversationMessagesView(APIView):
    parser_classes = [ApiJSONParser, MultiPartParser]

    @extend_schema(request={"application/json": MessagePostSerializer, "multipart/form-data": MessagePostSerializer},
                   extensions={RULES_BEYOND_SCHEMA: ["body", "image"]},
                   responses={201: MessageSerializer, **error_responses(400, 401, 404, 409, 429)}, tags=TAGS,
                   summary="Write in a conversation (text and/or an image); a closed one opens again")
    def post(self, request, conversation_id: int):
        conversation = conversation_of_researcher(researcher=request.user.researcher,
                                                  conversation_id=conversation_id)
        if conversation is None:
            raise Http404
        posted = MessagePostSerializer(data=request.data)
        posted.is_valid(raise_exception=True)
        message = conversation_post(researcher=request.user.researcher, conversation_id=conversation_id,
                                    body=posted.validated_data["body"], image=posted.validated_data.get("image"))
        return Response(MessageSerializer(message, context=_message_context(conversation)).data, status=201)


class _AnyAcceptNegotiation(BaseContentNegotiation):
    """The image answers with its own type, and errors with JSON, whatever Accept asks for (<image> asks image/*)."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ConversationImageView(APIView):
    """An image of a conversation, for whoever holds the signed link (no token: a stale one must not 401)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    content_negotiation_class = _AnyAcceptNegotiation

    @extend_schema(auth=[], parameters=[OpenApiParameter("t", str, required=True, description="The link's signature.")],
                   responses={(200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY),
                              (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(404)},
                   tags=TAGS, summary="A conversation image behind its signed, expiring link")
    def get(self, request, message_id: int):
        message = message_for_image_token(message_id=message_id, token=request.query_params.get("t", ""))
        if message is None:
            raise Http404
        response = FileResponse(message.image.open("rb"), content_type=image_content_type(message.image.name))
        response["Cache-Control"] = "private"
        return response
