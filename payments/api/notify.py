"""WeChat Pay's callbacks: `POST /api/v1/payments/wechat/notify` and `…/refund-notify`.

Plain Django views, not DRF: the signature covers the raw body, so the body is read as bytes and the headers are
passed untouched (a parsed and re-serialized body would never verify). Answers are what WeChat Pay expects:
204 when the notification is taken (applied, a duplicate, or kept and flagged), so WeChat stops sending it; 401
with `{"code": "FAIL", "message"}` for one we can't trust, and 500 likewise when we could not store it, so WeChat
sends it again later (its retries run for about 24 hours). The reason a notification was refused is logged,
never told to the sender.
"""

import logging

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.services.callbacks import payment_notification_receive, refund_notification_receive
from payments.wechatpay import NotificationRejected

logger = logging.getLogger(__name__)


def _fail(status: int, message: str) -> JsonResponse:
    # WeChat Pay reads code and message; `fields` keeps the answer in our API's error shape too.
    return JsonResponse({"code": "FAIL", "message": message, "fields": {}}, status=status)


def _receive(request, receive) -> HttpResponse:
    try:
        receive(headers=request.headers, body=request.body)
    except NotificationRejected as rejection:
        logger.warning("WeChat Pay notification refused at %s: %s", request.path, rejection)
        return _fail(401, "verification failed")
    except DatabaseError:
        logger.exception("WeChat Pay notification could not be stored; WeChat Pay will send it again")
        return _fail(500, "try again")
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def payment_notify(request):
    return _receive(request, payment_notification_receive)


@csrf_exempt
@require_POST
def refund_notify(request):
    return _receive(request, refund_notification_receive)


urlpatterns = [
    path("payments/wechat/notify", payment_notify, name="wechatpay-notify"),
    path("payments/wechat/refund-notify", refund_notify, name="wechatpay-refund-notify"),
]
