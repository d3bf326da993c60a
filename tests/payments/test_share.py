"""Someone else pays: the author shares an order, whoever opens the link sees only what paying needs, and pays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.models import Order, OrderShare, PaymentAttempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(alice, alice_order):
    alice[1].display_name = "Li Wei"
    alice[1].institution = "Example University"
    alice[1].save()
    response = alice[0].post(f"/api/v1/orders/{alice_order.pk}/share")
    assert response.status_code == 201, response.content
    return response.json()


def test_share_answers_a_token_that_expires_with_the_order_at_the_latest(alice_order, shared):
    assert set(shared) == {"token", "expires_at"} and len(shared["token"]) >= 32
    assert OrderShare.objects.get(token=shared["token"]).expires_at <= alice_order.expires_at


def test_sharing_again_gives_the_same_live_link(alice, alice_order, shared):
    again = alice[0].post(f"/api/v1/orders/{alice_order.pk}/share").json()
    assert again["token"] == shared["token"]


def test_the_payer_sees_what_paying_needs_and_nothing_else_of_the_author(signed_in, alice_order, shared):
    body = signed_in("bob").get(f"/api/v1/orders/shared/{shared['token']}").json()
    assert set(body) == {"id", "kind", "kind_label", "amount_fen", "status", "title", "journal", "author",
                         "expires_at", "can_pay"}
    assert body["author"] == {"display_name": "Li Wei"}
    assert body["amount_fen"] == 250000 and body["status"] == "created"
    assert body["journal"]["name"] == "应用科学学报"


def test_the_payer_pays_with_their_own_wechat_and_is_named_on_the_order(alice, signed_in, alice_order, shared,
                                                                        pay_sandbox, api_client):
    bob = signed_in("bob")
    params = bob.post(f"/api/v1/orders/shared/{shared['token']}/pay").json()
    attempt = PaymentAttempt.objects.get(order=alice_order)
    assert params["package"] == f"prepay_id={attempt.prepay_id}"
    assert attempt.payer.wechat_identities.get().openid == attempt.openid != alice[1].wechat_identities.get().openid
    pay_sandbox.wechatpay.pay(attempt.out_trade_no, deliver=False)
    headers, body = pay_sandbox.wechatpay.notification(out_trade_no=attempt.out_trade_no)
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
    assert api_client.generic("POST", "/api/v1/payments/wechat/notify", body, content_type="application/json",
                              **meta).status_code == 204
    order = alice[0].get(f"/api/v1/orders/{alice_order.pk}").json()
    assert order["status"] == "paid" and order["payer"] == {"display_name": attempt.payer.display_name}
    assert bob.get("/api/v1/orders").json()["results"][0]["role"] == "payer"


def test_a_second_payer_closes_the_first_payers_prepay(alice, signed_in, alice_order, shared, pay_sandbox):
    alice[0].post(f"/api/v1/orders/{alice_order.pk}/pay")
    signed_in("bob").post(f"/api/v1/orders/shared/{shared['token']}/pay")
    first, second = PaymentAttempt.objects.filter(order=alice_order).order_by("id")
    assert (first.status, second.status) == ("closed", "open")
    assert pay_sandbox.wechatpay.order(first.out_trade_no)["trade_state"] == "CLOSED"


def test_a_revoked_link_is_not_found(alice, signed_in, alice_order, shared):
    assert alice[0].delete(f"/api/v1/orders/{alice_order.pk}/share").status_code == 204
    response = signed_in("bob").get(f"/api/v1/orders/shared/{shared['token']}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert signed_in("bob").post(f"/api/v1/orders/shared/{shared['token']}/pay").status_code == 404


def test_an_expired_link_is_not_found(signed_in, shared):
    OrderShare.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert signed_in("bob").get(f"/api/v1/orders/shared/{shared['token']}").status_code == 404


def test_only_the_author_shares_an_order(signed_in, alice_order):
    assert signed_in("bob").post(f"/api/v1/orders/{alice_order.pk}/share").status_code == 404


def test_a_paid_order_cannot_be_shared(alice, alice_order):
    Order.objects.filter(pk=alice_order.pk).update(status="paid")
    response = alice[0].post(f"/api/v1/orders/{alice_order.pk}/share")
    assert response.status_code == 409 and response.json()["code"] == "order_paid"


def test_shared_links_need_a_signed_in_researcher(api_client, shared):
    assert api_client.get(f"/api/v1/orders/shared/{shared['token']}").status_code == 401
