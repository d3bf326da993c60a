"""Receipts and fapiao of a settled order, for the researchers who see the order (payments.selectors.orders).

The receipt is readable by everyone who sees the order; a fapiao only by the order's author and payer, and its file
only by the one who requested it.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.api.common import visible_order
from payments.models import FapiaoKind, FapiaoRequest, FapiaoStatus, SettledBy
from payments.selectors.documents import (
    fapiao_issued_for_requester,
    fapiao_latest,
    fapiao_may_request,
    order_receipt,
    receipt_link,
)
from payments.services.fapiao import FAPIAO_FILE_TYPES, FAPIAO_TITLE_MAX_LENGTH, fapiao_request
from publisher_backend.schema import RULES_BEYOND_SCHEMA, error_responses

TAGS = ["payments"]


# The choice fields below are named schema components of their own: drf-spectacular would otherwise name every
# "status" or "kind" enum of the API by its field name and warn when two choice sets share one.
@extend_schema_field({"type": "string", "enum": SettledBy.values}, component_name="ReceiptSettledBy")
class SettledByField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=SettledBy.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": FapiaoKind.values}, component_name="FapiaoKind")
class FapiaoKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=FapiaoKind.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": FapiaoStatus.values}, component_name="FapiaoStatus")
class FapiaoStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=FapiaoStatus.choices, **kwargs)


class ReceiptPayerSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Who paid: the colleague who paid for the author, else the author.")


class ReceiptAuthorSerializer(serializers.Serializer):
    display_name = serializers.CharField()


class ReceiptSellerSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The publisher's legal name.")
    tax_id = serializers.CharField(help_text="The publisher's unified social credit code.")
    address = serializers.CharField()


class ReceiptSerializer(serializers.Serializer):
    receipt_no = serializers.CharField(help_text='Stable: "R" and the order number.')
    order = serializers.IntegerField(help_text="The order's id.")
    out_trade_no = serializers.CharField()
    transaction_id = serializers.CharField(help_text="WeChat Pay's transaction id; empty when settled otherwise.")
    paid_at = serializers.DateTimeField()
    amount_fen = serializers.IntegerField(min_value=0)
    refunded_fen = serializers.IntegerField(min_value=0)
    currency = serializers.CharField()
    description = serializers.CharField()
    journal = serializers.CharField(allow_null=True, help_text="The journal's name in the request's language.")
    payer = ReceiptPayerSerializer()
    author = ReceiptAuthorSerializer()
    seller = ReceiptSellerSerializer()
    settled_by = SettledByField()
    settled_by_label = serializers.CharField()


class ReceiptLinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="A printable page; no sign-in needed until it expires.")
    expires_at = serializers.DateTimeField()


class FapiaoSerializer(serializers.ModelSerializer):
    kind = FapiaoKindField()
    status = FapiaoStatusField()
    status_label = serializers.CharField(source="get_status_display")
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = FapiaoRequest
        fields = ["id", "kind", "title", "tax_id", "email", "status", "status_label", "reject_reason", "file_url",
                  "created_at"]

    def get_file_url(self, fapiao: FapiaoRequest) -> str | None:
        if fapiao.status != FapiaoStatus.ISSUED or not fapiao.file:
            return None
        return reverse("fapiao-file", args=[fapiao.pk])


class FapiaoCreateSerializer(serializers.Serializer):
    kind = FapiaoKindField()
    title = serializers.CharField(max_length=FAPIAO_TITLE_MAX_LENGTH, help_text="The name printed on the fapiao.")
    tax_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=40, help_text=(
        "A company's 18-character unified social credit code (required for kind company, ignored for personal). "
        "Its two check characters must be right (GB 32100-2015, GB 11714-1997); spaces and lower case are "
        "accepted."))
    email = serializers.EmailField(help_text="Where the issued fapiao is sent.")



class ReceiptView(APIView):
    @extend_schema(responses={200: ReceiptSerializer, **error_responses(401, 404, 409)}, tags=TAGS,
                   summary="The receipt of a paid order (409 order_not_paid before it is paid)")
    def get(self, request, order_id: int):
        return Response(ReceiptSerializer(order_receipt(order=visible_order(request, order_id))).data)


class ReceiptLinkView(APIView):
    @extend_schema(request=None, responses={201: ReceiptLinkSerializer, **error_responses(401, 404, 409)},
                   tags=TAGS, summary="A signed link to the printable receipt, valid for a short while")
    def post(self, request, order_id: int):
        link = receipt_link(order=visible_order(request, order_id))
        return Response(ReceiptLinkSerializer(link).data, status=status.HTTP_201_CREATED)


class OrderFapiaoView(APIView):
    @extend_schema(responses={200: FapiaoSerializer, **error_responses(401, 403, 404)}, tags=TAGS,
                   summary="The order's latest fapiao request (author and payer only; 404 when none)")
    def get(self, request, order_id: int):
        order = visible_order(request, order_id)
        if not fapiao_may_request(order=order, researcher=request.user.researcher):
            raise PermissionDenied
        fapiao = fapiao_latest(order=order)
        if fapiao is None:
            raise Http404
        return Response(FapiaoSerializer(fapiao).data)

    @extend_schema(request=FapiaoCreateSerializer, extensions={RULES_BEYOND_SCHEMA: ["tax_id", "title", "email"]},
                   responses={201: FapiaoSerializer, **error_responses(400, 401, 403, 404, 409)}, tags=TAGS,
                   summary="Ask for a fapiao (author or payer of a paid order; one pending or issued at a time)")
    def post(self, request, order_id: int):
        order = visible_order(request, order_id)
        body = FapiaoCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fapiao = fapiao_request(order=order, requester=request.user.researcher, **body.validated_data)
        return Response(FapiaoSerializer(fapiao).data, status=status.HTTP_201_CREATED)


class AnyAcceptNegotiation(BaseContentNegotiation):
    """A file download answers with the file's own type, and errors with JSON, whatever Accept asks for."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FapiaoFileView(APIView):
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(responses={**{(200, media_type): OpenApiTypes.BINARY
                                 for media_type in dict.fromkeys(FAPIAO_FILE_TYPES.values())},
                              **error_responses(401, 404)}, tags=TAGS,
                   summary="The issued fapiao's file, for the researcher who requested it")
    def get(self, request, fapiao_id: int):
        fapiao = fapiao_issued_for_requester(researcher=request.user.researcher, fapiao_id=fapiao_id)
        if fapiao is None:
            raise Http404
        extension = fapiao.file.name.rsplit(".", 1)[-1].lower()
        response = FileResponse(fapiao.file.open("rb"), as_attachment=True,
                                filename=f"fapiao-{fapiao.order.out_trade_no}.{extension}",
                                content_type=FAPIAO_FILE_TYPES.get(extension, "application/octet-stream"))
        response["Cache-Control"] = "private, no-store"
        return response


urlpatterns = [
    path("orders/<int:order_id>/receipt", ReceiptView.as_view(), name="order-receipt"),
    path("orders/<int:order_id>/receipt/link", ReceiptLinkView.as_view(), name="order-receipt-link"),
    path("orders/<int:order_id>/fapiao", OrderFapiaoView.as_view(), name="order-fapiao"),
    path("fapiao/<int:fapiao_id>/file", FapiaoFileView.as_view(), name="fapiao-file"),
]
