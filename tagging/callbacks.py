"""`GET/POST /wechat/oa/callback`: where WeChat calls the publisher's Official Account server (the URL registered
under 设置与开发 → 基本配置 → 服务器配置).

- GET is WeChat's URL check: the signature is verified and `echostr` echoed as plain text.
- POST is a message or event: the signature is verified; in safe mode (`encrypt_type=aes`) `msg_signature` too and
  the body decrypted with WECHAT_OA_AES_KEY; then it is parsed with wechatpy and applied
  (tagging.services.official_account.oa_callback_event_apply). The answer is "success" at once: WeChat retries an
  event it got no answer for within 5 s (three tries; "推荐使用FromUserName + CreateTime 排重"), and applying is
  idempotent, so a retry is harmless.
- A bad signature is 403 with an empty body (no detail for a prober); a body over WECHAT_OA_CALLBACK_MAX_BYTES is
  413 unread; a body that is not WeChat's XML is 400. With the channel off (not configured) the URL is 404.
"""

from __future__ import annotations

import logging
from xml.parsers.expat import ExpatError

import xmltodict
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from wechatpy import parse_message

from tagging.services.official_account import oa_callback_event_apply
from tagging.wechat_oa import CallbackDecryptError, callback_decrypt, callback_signature_ok, oa_enabled

logger = logging.getLogger(__name__)


def _plain(body: str = "", status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _xml_elements(xml_text: str) -> dict:
    # xmltodict (as wechatpy uses it) refuses entity declarations by default: no entity expansion.
    parsed = xmltodict.parse(xml_text)
    root = parsed.get("xml") if isinstance(parsed, dict) else None
    if not isinstance(root, dict):
        raise ValueError("not a WeChat <xml> message")
    return root


@csrf_exempt
@require_http_methods(["GET", "POST"])
def oa_callback(request: HttpRequest) -> HttpResponse:
    if not oa_enabled():
        return _plain(status=404)
    query = request.GET
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not callback_signature_ok(signature=query.get("signature", ""), timestamp=timestamp, nonce=nonce):
        return _plain(status=403)
    if request.method == "GET":
        return _plain(query.get("echostr", ""))

    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _plain(status=400)
    if length > settings.WECHAT_OA_CALLBACK_MAX_BYTES:
        return _plain(status=413)
    body = request.read(settings.WECHAT_OA_CALLBACK_MAX_BYTES + 1)
    if len(body) > settings.WECHAT_OA_CALLBACK_MAX_BYTES:
        return _plain(status=413)
    try:
        xml_text = body.decode("utf-8")
        if query.get("encrypt_type", "raw") == "aes":
            envelope = _xml_elements(xml_text)
            xml_text = callback_decrypt(encrypted=str(envelope.get("Encrypt") or ""),
                                        msg_signature=query.get("msg_signature", ""), timestamp=timestamp, nonce=nonce)
        message = parse_message(xml_text)
    except CallbackDecryptError as error:
        logger.warning("Official Account callback refused: %s", error)
        return _plain(status=403)
    except (UnicodeDecodeError, ValueError, ExpatError, KeyError, TypeError, AttributeError):
        return _plain(status=400)
    if message is None:
        return _plain(status=400)
    outcome = oa_callback_event_apply(message=message)
    logger.info("Official Account callback: %s", outcome)
    return _plain("success")
