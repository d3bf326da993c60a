"""Orders and paying them: the researcher's orders, WeChat Pay prepays, and share links for someone else to pay."""

from django.conf import settings
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.api.common import visible_order
from payments.models import Order
from payments.selectors.institutions import order_institution_details
from payments.selectors.orders import order_share_for, order_share_live, orders_for_researcher
from payments.serializers import (
    OrderDetailSerializer,
    OrderFilterSerializer,
    OrderSerializer,
    RequestPaymentSerializer,
    SharedOrderSerializer,
    ShareSerializer,
)
from payments.services.paying import order_pay, order_payment_check, order_share_create, order_share_revoke
from publisher_backend.errors import Throttled
from publisher_backend.ratelimit import rate_limit_hit
from publisher_backend.schema import error_responses

TAGS = ["orders"]



def _pay_rate_limited(request) -> None:
    """Each pay may cost a WeChat Pay prepay: counted per researcher before anything is asked."""
    wait = rate_limit_hit(key=f"pay:{request.user.researcher.pk}", rate=settings.PAYMENTS_PAY_RATE)
    if wait is not None:
        raise Throttled(retry_after_seconds=wait)


class OrderListView(ListAPIView):
    """The researcher's orders (their own, their manuscripts' and those they paid for someone): unpaid first."""

    serializer_class = OrderSerializer
    queryset = Order.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        filters = OrderFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return orders_for_researcher(researcher=self.request.user.researcher,
                                     status=filters.validated_data.get("status"))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "researcher": self.request.user.researcher}

    @extend_schema(parameters=[OrderFilterSerializer], tags=TAGS,
                   responses={200: OrderSerializer(many=True), **error_responses(400, 401)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrderDetailView(APIView):
    @extend_schema(responses={200: OrderDetailSerializer, **error_responses(401, 404)}, tags=TAGS)
    def get(self, request, order_id: int):
        researcher = request.user.researcher
        order = order_payment_check(order=visible_order(request, order_id))
        details = order_institution_details(order=order, researcher=researcher)
        share = order_share_for(order=order) if order.researcher_id == researcher.pk else None
        details["share"] = ShareSerializer(share).data if share else None
        return Response(OrderDetailSerializer(order, context={"researcher": researcher, "details": details}).data)


class OrderPayView(APIView):
    @extend_schema(request=None, responses={200: RequestPaymentSerializer, **error_responses(401, 404, 409, 429, 503)},
                   tags=TAGS)
    def post(self, request, order_id: int):
        order = visible_order(request, order_id)
        _pay_rate_limited(request)
        return Response(order_pay(order_id=order.pk, payer=request.user.researcher))


class OrderShareView(APIView):
    """A link the author sends so someone else pays (a WeChat share card)."""

    def _authored_order(self, request, order_id: int) -> Order:
        order = visible_order(request, order_id)
        if order.researcher_id != request.user.researcher.pk:
            raise Http404  # co-authors see the order, but only its author shares it
        return order

    @extend_schema(request=None, responses={201: ShareSerializer, **error_responses(401, 404, 409)}, tags=TAGS)
    def post(self, request, order_id: int):
        share = order_share_create(order=self._authored_order(request, order_id))
        return Response(ShareSerializer(share).data, status=201)

    @extend_schema(request=None, responses={204: None, **error_responses(401, 404)}, tags=TAGS)
    def delete(self, request, order_id: int):
        order_share_revoke(order=self._authored_order(request, order_id))
        return Response(status=204)


def _live_share(token: str):
    share = order_share_live(token=token)
    if share is None:
        raise Http404
    return share


class SharedOrderView(APIView):
    """What whoever opened a share link sees (any signed-in researcher): only what paying needs."""

    @extend_schema(responses={200: SharedOrderSerializer, **error_responses(401, 404)}, tags=TAGS)
    def get(self, request, token: str):
        share = _live_share(token)
        order_payment_check(order=share.order)
        return Response({**SharedOrderSerializer(share.order).data,
                         "expires_at": ShareSerializer(share).data["expires_at"]})


class SharedOrderPayView(APIView):
    @extend_schema(request=None, responses={200: RequestPaymentSerializer, **error_responses(401, 404, 409, 429, 503)},
                   tags=TAGS)
    def post(self, request, token: str):
        share = _live_share(token)
        _pay_rate_limited(request)
        return Response(order_pay(order_id=share.order_id, payer=request.user.researcher))


urlpatterns = [
    path("orders", OrderListView.as_view(), name="orders"),
    path("orders/<int:order_id>", OrderDetailView.as_view(), name="order"),
    path("orders/<int:order_id>/pay", OrderPayView.as_view(), name="order-pay"),
    path("orders/<int:order_id>/share", OrderShareView.as_view(), name="order-share"),
    path("orders/shared/<str:token>", SharedOrderView.as_view(), name="order-shared"),
    path("orders/shared/<str:token>/pay", SharedOrderPayView.as_view(), name="order-shared-pay"),
]
