"""Institutional coverage and vouchers for an order: `POST /orders/{id}/voucher`, `POST /orders/{id}/coverage`.

Thin: the order is found among those the caller sees (someone else's is 404), then one service does the rest.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.api.common import visible_order
from payments.selectors.institutions import coverage_body
from payments.serializers import CoverageBriefSerializer, OrderSerializer
from payments.services.agreements import coverage_request
from payments.services.vouchers import voucher_apply, voucher_attempt_limit
from publisher_backend.schema import RULES_BEYOND_SCHEMA, error_responses

TAGS = ["orders"]
ORDER_ID = OpenApiParameter("order_id", int, OpenApiParameter.PATH)


class VoucherCodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64, help_text="The voucher code, any case; spaces are ignored.")


class CoverageCreateSerializer(serializers.Serializer):
    agreement = serializers.IntegerField(help_text="One of the order's coverage_offers.")



class OrderVoucherView(APIView):
    @extend_schema(request=VoucherCodeSerializer, parameters=[ORDER_ID], tags=TAGS,
                   extensions={RULES_BEYOND_SCHEMA: ["code"]},
                   responses={200: OrderSerializer, **error_responses(400, 401, 404, 409, 429, 503)},
                   summary="Apply a voucher: the amount due goes down (an order left at 0 is settled)")
    def post(self, request, order_id: int):
        order = visible_order(request, order_id)
        serializer = VoucherCodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        voucher_attempt_limit(researcher=request.user.researcher)
        voucher_apply(order_id=order.pk, code=serializer.validated_data["code"])
        order = visible_order(request, order_id)
        return Response(OrderSerializer(order, context={"researcher": request.user.researcher}).data)


class OrderCoverageView(APIView):
    @extend_schema(request=CoverageCreateSerializer, parameters=[ORDER_ID], tags=TAGS,
                   extensions={RULES_BEYOND_SCHEMA: ["agreement"]},
                   responses={201: CoverageBriefSerializer, **error_responses(400, 401, 404, 409)},
                   summary="Ask the researcher's institution to pay the order (staff decide)")
    def post(self, request, order_id: int):
        order = visible_order(request, order_id)
        serializer = CoverageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        coverage = coverage_request(order=order, researcher=request.user.researcher,
                                    agreement_id=serializer.validated_data["agreement"])
        return Response(CoverageBriefSerializer(coverage_body(coverage)).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("orders/<int:order_id>/voucher", OrderVoucherView.as_view(), name="order-voucher"),
    path("orders/<int:order_id>/coverage", OrderCoverageView.as_view(), name="order-coverage"),
]
