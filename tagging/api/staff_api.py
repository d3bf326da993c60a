"""The staff API for other systems (DESIGN Contract: Staff API): tags and tag assignments in bulk, change feeds
of researchers, manuscripts and orders, and exports. Keys and scopes: tagging.authentication."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from publisher_backend.schema import RULES_BEYOND_SCHEMA, error_responses
from tagging.api.staff_api_serializers import (
    ExportFilterSerializer,
    FeedFilterSerializer,
    ResearcherFeedFilterSerializer,
    StaffManuscriptSerializer,
    StaffOrderSerializer,
    StaffResearcherSerializer,
    TagAssignmentsResultSerializer,
    TagAssignmentsSerializer,
    TagCreateSerializer,
    TagSerializer,
)
from tagging.authentication import StaffApiMixin
from tagging.exports import FORMATS, export_response
from tagging.models import ApiKey, ApiScope
from tagging.selectors.datasets import DATASETS, MANUSCRIPTS, ORDERS, RESEARCHERS, Dataset
from tagging.selectors.feeds import InvalidCursor, Position, feed_page
from tagging.selectors.staff_api import researchers_with_tag, tag_by_slug
from tagging.services.bulk_tagging import tags_apply_by_reference
from tagging.services.tags import tag_create

TAGS = ["staff API"]


def _unknown_tag(slug: str, field: str = "tag") -> ValidationError:
    return ValidationError({field: [_("Unknown tag: %(slug)s") % {"slug": slug}]})


class TagCreateView(StaffApiMixin, APIView):
    """Create a tag; a slug that exists already is a 409."""

    required_scope = ApiScope.TAGS_WRITE

    @extend_schema(request=TagCreateSerializer,
                   responses={201: TagSerializer, **error_responses(400, 401, 403, 409, 429)},
                   tags=TAGS, operation_id="staff_tags_create",
                   extensions={RULES_BEYOND_SCHEMA: ["name.en", "name.zh-hans"]})
    def post(self, request):
        given = TagCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        tag = tag_create(slug=data["slug"], name_en=data["name"]["en"], name_zh_hans=data["name"].get("zh-hans", ""),
                         group=data["group"])
        return Response(TagSerializer(tag).data, status=201)


class TagAssignmentsView(StaffApiMixin, APIView):
    """Put a tag on researchers or take it off, in bulk (at most STAFF_API_MAX_ASSIGNMENT_ENTRIES entries). A
    repeat changes nothing (`changed` is 0). An unknown tag is a 400 naming it under `tag`."""

    required_scope = ApiScope.TAGS_WRITE

    @extend_schema(request=TagAssignmentsSerializer,
                   responses={200: TagAssignmentsResultSerializer, **error_responses(400, 401, 403, 429)},
                   tags=TAGS, operation_id="staff_tag_assignments",
                   extensions={RULES_BEYOND_SCHEMA: ["tag", "researchers"]})
    def post(self, request):
        given = TagAssignmentsSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        tag = tag_by_slug(slug=data["tag"])
        if tag is None:
            raise _unknown_tag(data["tag"])
        result = tags_apply_by_reference(tag=tag, action=data["action"], references=data["researchers"],
                                         actor=request.auth.name)
        return Response({"matched": result.matched, "changed": result.changed, "unmatched": result.unmatched})


class FeedView(StaffApiMixin, APIView):
    """A change feed: items in (updated_at, id) order, cursor-paginated (`next`, `previous`).

    Incremental reading: keep the greatest `updated_at` received and pass it as `updated_since` next time (the
    boundary item may come again; nothing is ever skipped, even while others write: see
    tagging.selectors.feeds)."""

    dataset: Dataset
    filter_serializer = FeedFilterSerializer

    def filtered(self, queryset, filters: dict):
        return queryset

    def get(self, request):
        params = request.query_params.copy()
        if " " in params.get("updated_since", ""):
            params["updated_since"] = params["updated_since"].replace(" ", "+")  # an unencoded '+' of an offset
        filters = self.filter_serializer(data=params.dict())
        filters.is_valid(raise_exception=True)
        filters = filters.validated_data
        position = None
        if filters.get("cursor"):
            try:
                position = Position.decode(filters["cursor"])
            except InvalidCursor:
                raise ValidationError({"cursor": [_("This cursor is not one we gave.")]}) from None
        queryset = self.filtered(self.dataset.base(), filters)
        page = feed_page(queryset=queryset, position=position, updated_since=filters.get("updated_since"),
                         page_size=filters.get("page_size") or settings.STAFF_API_PAGE_SIZE,
                         app_clock=self.dataset.app_clock)
        return Response({"results": self.dataset.rows(page.rows), "next": self._link(request, page.next),
                         "previous": self._link(request, page.previous)})

    @staticmethod
    def _link(request, position: Position | None) -> str | None:
        if position is None:
            return None
        url = request.build_absolute_uri()
        return replace_query_param(url, "cursor", position.encode())


def _feed_schema(item, filters, description: str, operation_id: str, rules_beyond_schema=("cursor",)):
    return extend_schema(
        parameters=[filters], tags=TAGS, description=description, operation_id=operation_id,
        extensions={RULES_BEYOND_SCHEMA: list(rules_beyond_schema)},
        responses={200: inline_serializer(f"Staff{item.__name__.removeprefix('Staff')}Page", fields={
            "results": item(many=True), "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True)}), **error_responses(400, 401, 403, 429)})


class ResearcherFeedView(FeedView):
    required_scope = ApiScope.RESEARCHERS_READ
    dataset = RESEARCHERS
    filter_serializer = ResearcherFeedFilterSerializer

    def filtered(self, queryset, filters: dict):
        if filters.get("tag"):
            tag = tag_by_slug(slug=filters["tag"])
            if tag is None:
                raise _unknown_tag(filters["tag"])
            queryset = researchers_with_tag(researchers=queryset, tag=tag)
        return queryset

    @_feed_schema(StaffResearcherSerializer, ResearcherFeedFilterSerializer,
                  "Researchers with their tags (slugs), oldest change first; an unknown `tag` is a 400.",
                  "staff_researchers_list", rules_beyond_schema=("cursor", "tag"))
    def get(self, request):
        return super().get(request)


class ManuscriptFeedView(FeedView):
    required_scope = ApiScope.MANUSCRIPTS_READ
    dataset = MANUSCRIPTS

    @_feed_schema(StaffManuscriptSerializer, FeedFilterSerializer,
                  "Manuscripts with their authors (researcher ids) and status history, oldest change first.",
                  "staff_manuscripts_list")
    def get(self, request):
        return super().get(request)


class OrderFeedView(FeedView):
    required_scope = ApiScope.ORDERS_READ
    dataset = ORDERS

    @_feed_schema(StaffOrderSerializer, FeedFilterSerializer, "Orders (amounts in fen), oldest change first.",
                  "staff_orders_list")
    def get(self, request):
        return super().get(request)


class IgnoreFormatParameter(DefaultContentNegotiation):
    """`?format=` names the export's file format here, not a DRF renderer; errors are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class KeyOnly(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiKey)


class ExportView(StaffApiMixin, APIView):
    """A whole dataset as a file, streamed (constant memory on our side, whatever its size)."""

    content_negotiation_class = IgnoreFormatParameter

    @property
    def required_scope(self) -> str:
        dataset = DATASETS.get(self.kwargs.get("dataset", ""))
        return dataset.scope if dataset else ""

    def get_permissions(self):
        if self.kwargs.get("dataset") not in DATASETS:
            return [KeyOnly()]  # any key learns that the dataset does not exist
        return super().get_permissions()

    @extend_schema(
        tags=TAGS, operation_id="staff_export",
        parameters=[ExportFilterSerializer,
                    OpenApiParameter("dataset", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(DATASETS))],
        responses={**{(200, content_type.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY)
                      for content_type, _suffix in FORMATS.values()},
                   **error_responses(400, 401, 403, 404, 429)})
    def get(self, request, dataset: str):
        if dataset not in DATASETS:
            raise Http404
        filters = ExportFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return export_response(dataset=DATASETS[dataset], file_format=filters.validated_data["format"],
                               chunk_size=settings.EXPORT_CHUNK_SIZE, now=timezone.now())


urlpatterns = [
    path("staff/tags", TagCreateView.as_view(), name="staff-tags"),
    path("staff/tag-assignments", TagAssignmentsView.as_view(), name="staff-tag-assignments"),
    path("staff/researchers", ResearcherFeedView.as_view(), name="staff-researchers"),
    path("staff/manuscripts", ManuscriptFeedView.as_view(), name="staff-manuscripts"),
    path("staff/orders", OrderFeedView.as_view(), name="staff-orders"),
    path("staff/exports/<str:dataset>", ExportView.as_view(), name="staff-export"),
]
