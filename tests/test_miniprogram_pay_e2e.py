"""Issue 10, paying, through the Mini Program's real payment pages over real HTTP
(miniprogram/test/e2e/pay.e2e.test.js): the author pays an APC order with WeChat Pay and sees success only once the
backend has it paid; then shares a second order, another WeChat user opens the share card's page on their own phone
and pays it, and the author's order names them as the payer.

Here: the live Django server (a thread of this process, so the settings overrides reach it: WeChat Pay at the
sandbox, PUBLIC_BASE_URL the live server's origin, which is where WeChat Pay sends its notifications) and the
session's sandbox serving WeChat (login, the alerts popup's quota) and WeChat Pay (prepays; paying one sends the
signed, encrypted notification to the backend). The Mini Program's stand-in of WeChat's cashier
(helpers/wx-real.js) checks the paySign with the merchant's public key before it pays."""

import os
import shutil
import subprocess

import pytest
from django.core.management import call_command

from accounts.models import Researcher
from notifications.models import Notification
from payments.models import ChargeKind, EventOutcome, EventSource, Order, OrderStatus, PaymentEvent
from tests.conftest import TEMPLATE_IDS, TEST_WECHATPAY_KEYS_DIR, wechat_code
from tests.factories import JournalFactory, OrderFactory
from tests.miniprogram_e2e import MINIPROGRAM

JS_TEST = "test/e2e/pay.e2e.test.js"
AUTHOR, AUTHOR_NAME = "liwei", "李伟"
PAYER, PAYER_NAME = "bob", "王博"
APC_FEN = 250000

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def signed_in_researcher(api_client, user: str, display_name: str) -> Researcher:
    """The researcher of sandbox WeChat user `user`, made by a login through the real endpoint from a phone in
    Chinese (the researcher's language: the backend's labels), with a name."""
    body = api_client.post("/api/v1/auth/login", {"code": wechat_code(user)}, format="json",
                           HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert api_client.patch("/api/v1/me", {"display_name": display_name}, format="json").status_code == 200
    api_client.credentials()
    return Researcher.objects.get(pk=body["researcher"]["id"])


def apc_orders(author: Researcher, count: int) -> list[Order]:
    """`count` unpaid APC orders of ¥2,500.00 of a journal, as staff make them."""
    ChargeKind.objects.get_or_create(code="apc", defaults={"name_zh_hans": "文章处理费",
                                                           "name_en": "Article processing charge"})
    journal = JournalFactory(charges=[{"kind": "apc", "amount_fen": APC_FEN}])
    return [OrderFactory(researcher=author, journal=journal, amount_fen=APC_FEN) for _ in range(count)]


def test_miniprogram_pays_an_order_and_someone_else_pays_a_shared_one(live_server, api_client, wechat_sandbox,
                                                                       settings):
    assert (MINIPROGRAM / "node_modules").is_dir(), "run `cd miniprogram && npm ci` first (make test does)"
    sandbox = wechat_sandbox
    settings.WECHATPAY_API_BASE = sandbox.base_url
    settings.PUBLIC_BASE_URL = live_server.url
    call_command("loaddata", "subscription_templates", verbosity=0)
    author = signed_in_researcher(api_client, AUTHOR, AUTHOR_NAME)
    payer = signed_in_researcher(api_client, PAYER, PAYER_NAME)
    own, shared = apc_orders(author, 2)

    completed = subprocess.run(
        [shutil.which("npx") or "npx", "jest", JS_TEST],
        cwd=MINIPROGRAM,
        env={**os.environ, "CI": "true", "API_BASE": live_server.url, "SANDBOX_BASE": sandbox.base_url,
             "E2E_LOGIN_CODE": wechat_code(AUTHOR), "E2E_PAYER_LOGIN_CODE": wechat_code(PAYER),
             "E2E_MERCHANT_PUBLIC_KEY_FILE": str(TEST_WECHATPAY_KEYS_DIR / "merchant_public_key.pem"),
             "E2E_ORDER_ID": str(own.pk), "E2E_SHARED_ORDER_ID": str(shared.pk),
             "E2E_AUTHOR_NAME": AUTHOR_NAME, "E2E_PAYER_NAME": PAYER_NAME,
             "E2E_PAYMENT_TEMPLATE_IDS": ",".join(TEMPLATE_IDS[kind] for kind in
                                                  ("payment_due", "payment_received", "refund_done"))},
        capture_output=True, text=True, timeout=240,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "1 passed" in output, output

    # Each order was paid once through WeChat Pay, as its notification said: by the author, and by the payer.
    paid = {order.pk: order for order in Order.objects.filter(pk__in=[own.pk, shared.pk])}
    wechat_orders = {order["out_trade_no"]: order for order in sandbox.wechatpay.orders()}
    for order, payer_id in ((paid[own.pk], None), (paid[shared.pk], payer.pk)):
        assert (order.status, order.settled_by, order.payer_id, order.amount_fen) == (
            OrderStatus.PAID, "wechat_pay", payer_id, APC_FEN)
        [attempt] = order.attempts.all()
        wechat_order = wechat_orders[attempt.out_trade_no]
        assert (wechat_order["trade_state"], wechat_order["transaction_id"]) == ("SUCCESS", order.transaction_id)
        assert attempt.payer_id == (payer_id or author.pk)
        [event] = PaymentEvent.objects.filter(order=order, outcome=EventOutcome.APPLIED)
        assert (event.source, event.out_trade_no) == (EventSource.PAYMENT_NOTIFY, attempt.out_trade_no)
        [notice] = Notification.objects.filter(kind="payment_received", page=f"packages/payments/order?id={order.pk}")
        assert notice.researcher_id == author.pk
    # WeChat Pay sent one notification per payment, and the backend took each at once.
    assert [(delivery["event_type"], delivery["status"]) for delivery in sandbox.wechatpay.deliveries()] == [
        ("TRANSACTION.SUCCESS", 204), ("TRANSACTION.SUCCESS", 204)]
    # Two phones, one login each: the author's came back to its stored session.
    assert sandbox.wechat.call_count("/sns/jscode2session") == 4  # two here, two in the Mini Program
    assert Researcher.objects.count() == 2
