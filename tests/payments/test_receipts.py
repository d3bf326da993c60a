"""Receipts: the JSON receipt of a paid order, the signed link to its printable page, and the page itself."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from hypothesis import given
from hypothesis import strategies as st

from payments.formatting import fen_as_yuan
from payments.models import Order, OrderStatus
from payments.selectors.documents import RECEIPT_SALT
from tests.factories import OrderFactory, ResearcherFactory
from tests.payments.paid_orders import TRANSACTION_ID, coauthor_of, paid_order_of, signed_in_researcher

SELLER = {"name": "北京学术出版有限公司", "tax_id": "91110000802100433B", "address": "北京市海淀区学院路 1 号"}


@pytest.fixture(autouse=True)
def _publisher(settings):
    settings.PUBLISHER_LEGAL_NAME = SELLER["name"]
    settings.PUBLISHER_TAX_ID = SELLER["tax_id"]
    settings.PUBLISHER_ADDRESS = SELLER["address"]
    settings.PUBLIC_BASE_URL = "https://scholar-link.example.org"


@pytest.fixture
def alice(login):
    return signed_in_researcher(login, "alice")


@pytest.fixture
def bob(login):
    return signed_in_researcher(login, "bob")


def _page_path(url: str) -> str:
    return url.removeprefix("https://scholar-link.example.org")


# --- formatting amounts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("amount_fen", "shown"), [
    (250000, "¥2,500.00"), (0, "¥0.00"), (5, "¥0.05"), (99, "¥0.99"), (100, "¥1.00"), (123456789, "¥1,234,567.89"),
    (-1050, "-¥10.50"),
])
def test_fen_are_shown_as_yuan_with_thousands_separators(amount_fen, shown):
    assert fen_as_yuan(amount_fen) == shown


@given(amount_fen=st.integers(min_value=-10**15, max_value=10**15))
def test_every_amount_reads_back_as_the_same_number_of_fen(amount_fen):
    shown = fen_as_yuan(amount_fen)

    assert Decimal(shown.replace("¥", "").replace(",", "")) * 100 == amount_fen


@pytest.mark.parametrize("amount", [2500.0, Decimal("2500"), "250000", True])
def test_only_integer_fen_are_formatted(amount):
    with pytest.raises(TypeError):
        fen_as_yuan(amount)


# --- the JSON receipt ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_receipt_of_an_order_the_author_paid_names_the_author_as_payer(alice):
    client, researcher = alice
    researcher.display_name = "李伟"
    researcher.save()
    order = paid_order_of(researcher)

    response = client.get(f"/api/v1/orders/{order.pk}/receipt")

    assert response.status_code == 200
    receipt = response.json()
    assert receipt == {
        "receipt_no": f"R{order.out_trade_no}", "order": order.pk, "out_trade_no": order.out_trade_no,
        "transaction_id": TRANSACTION_ID, "paid_at": receipt["paid_at"], "amount_fen": 250000, "refunded_fen": 0,
        "currency": "CNY", "description": order.description, "journal": "应用科学学报",
        "payer": {"name": "李伟"}, "author": {"display_name": "李伟"}, "seller": SELLER,
        "settled_by": "wechat_pay", "settled_by_label": receipt["settled_by_label"],
    }
    assert parse_datetime(receipt["paid_at"]) == order.paid_at


@pytest.mark.django_db
def test_the_receipt_of_an_order_a_colleague_paid_names_the_colleague_as_payer(alice, bob):
    (client, author), (_bob_client, colleague) = alice, bob
    colleague.display_name = "王芳"
    colleague.save()
    order = paid_order_of(author, payer=colleague)

    receipt = client.get(f"/api/v1/orders/{order.pk}/receipt").json()

    assert receipt["payer"] == {"name": "王芳"}
    assert receipt["author"] == {"display_name": author.display_name}


@pytest.mark.django_db
def test_the_colleague_who_paid_reads_the_receipt_too(alice, bob):
    (_client, author), (bob_client, colleague) = alice, bob
    order = paid_order_of(author, payer=colleague)

    assert bob_client.get(f"/api/v1/orders/{order.pk}/receipt").status_code == 200


@pytest.mark.django_db
def test_a_coauthor_reads_the_receipt_of_the_manuscripts_order(alice, bob):
    (_client, author), (bob_client, coauthor) = alice, bob
    order = paid_order_of(author)
    coauthor_of(order, coauthor)

    assert bob_client.get(f"/api/v1/orders/{order.pk}/receipt").status_code == 200


@pytest.mark.django_db
def test_the_receipt_follows_the_request_language(alice):
    client, researcher = alice
    order = paid_order_of(researcher)

    receipt = client.get(f"/api/v1/orders/{order.pk}/receipt", HTTP_ACCEPT_LANGUAGE="en").json()

    assert receipt["journal"] == "Journal of Applied Science"
    assert receipt["settled_by_label"] == "WeChat Pay"


@pytest.mark.django_db
def test_an_unpaid_orders_receipt_is_409_order_not_paid(alice):
    client, researcher = alice
    order = OrderFactory(researcher=researcher)

    response = client.get(f"/api/v1/orders/{order.pk}/receipt", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert response.json()["code"] == "order_not_paid"
    assert response.json()["message"] == "This order has not been paid yet."


@pytest.mark.django_db
def test_another_researchers_receipt_is_404(alice, bob):
    (_client, author), (bob_client, _bob) = alice, bob
    order = paid_order_of(author)

    response = bob_client.get(f"/api/v1/orders/{order.pk}/receipt")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_a_receipt_needs_a_signed_in_researcher(api_client):
    order = paid_order_of(ResearcherFactory())

    assert api_client.get(f"/api/v1/orders/{order.pk}/receipt").status_code == 401


# --- the signed link and the printable page ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_receipt_link_is_a_page_under_the_public_base_url_that_expires_after_the_ttl(alice, settings):
    client, researcher = alice
    order = paid_order_of(researcher)
    before = timezone.now()

    response = client.post(f"/api/v1/orders/{order.pk}/receipt/link")

    assert response.status_code == 201
    link = response.json()
    assert link["url"].startswith("https://scholar-link.example.org/receipts/")
    ttl = timedelta(seconds=settings.PAYMENTS_RECEIPT_LINK_TTL_SECONDS)
    assert before + ttl <= parse_datetime(link["expires_at"]) <= timezone.now() + ttl


@pytest.mark.django_db
def test_an_unpaid_order_has_no_receipt_link(alice):
    client, researcher = alice
    order = OrderFactory(researcher=researcher)

    response = client.post(f"/api/v1/orders/{order.pk}/receipt/link")

    assert response.status_code == 409
    assert response.json()["code"] == "order_not_paid"


@pytest.mark.django_db
def test_another_researcher_gets_no_receipt_link(alice, bob):
    (_client, author), (bob_client, _bob) = alice, bob
    order = paid_order_of(author)

    assert bob_client.post(f"/api/v1/orders/{order.pk}/receipt/link").status_code == 404


def _link(client, order: Order) -> str:
    return _page_path(client.post(f"/api/v1/orders/{order.pk}/receipt/link").json()["url"])


@pytest.mark.django_db
def test_the_signed_page_opens_without_sign_in_and_shows_the_amount_and_the_publisher(alice, client):
    author_client, researcher = alice
    order = paid_order_of(researcher)

    response = client.get(_link(author_client, order))

    assert response.status_code == 200
    page = response.content.decode()
    assert "¥2,500.00" in page
    assert SELLER["name"] in page and SELLER["tax_id"] in page and SELLER["address"] in page
    assert order.out_trade_no in page and TRANSACTION_ID in page
    assert "window.print()" in page and "@media print" in page


@pytest.mark.django_db
def test_the_page_is_chinese_first_with_english(alice, client):
    author_client, researcher = alice
    order = paid_order_of(researcher)

    page = client.get(_link(author_client, order), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="zh-Hans">' in page
    assert page.index("应用科学学报") < page.index("Journal of Applied Science")


@pytest.mark.django_db
def test_the_page_of_a_partly_refunded_order_shows_what_was_refunded_and_kept(alice, client):
    author_client, researcher = alice
    order = paid_order_of(researcher)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PARTIALLY_REFUNDED, refunded_fen=50000)

    page = client.get(_link(author_client, order)).content.decode()

    assert "-¥500.00" in page and "¥2,000.00" in page


@pytest.mark.django_db
def test_the_page_is_never_cached_indexed_or_referred(alice, client):
    author_client, researcher = alice
    order = paid_order_of(researcher)

    response = client.get(_link(author_client, order))

    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.django_db
def test_a_tampered_token_is_a_404_page_that_shows_nothing_of_the_order(alice, client):
    author_client, researcher = alice
    order = paid_order_of(researcher)
    path = _link(author_client, order)
    tampered = path[:-1] + ("A" if path[-1] != "A" else "B")

    response = client.get(tampered)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Receipt link not valid" in page
    assert order.out_trade_no not in page and "2,500" not in page and SELLER["name"] not in page
    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.django_db
def test_a_token_naming_another_order_without_its_signature_is_404(alice, client):
    author_client, researcher = alice
    order, other = paid_order_of(researcher), paid_order_of(ResearcherFactory())
    token = _link(author_client, order).removeprefix("/receipts/")

    forged = f"{other.pk}:{token.split(':', 1)[1]}"

    assert client.get(f"/receipts/{forged}").status_code == 404


class _SignedAnHourAgo(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 3600)


@pytest.mark.django_db
def test_an_expired_token_is_404(client, settings):
    settings.PAYMENTS_RECEIPT_LINK_TTL_SECONDS = 15 * 60
    order = paid_order_of(ResearcherFactory())
    token = _SignedAnHourAgo(salt=RECEIPT_SALT).sign(str(order.pk))

    response = client.get(f"/receipts/{token}")

    assert response.status_code == 404
    assert order.out_trade_no not in response.content.decode()


@pytest.mark.django_db
def test_a_token_signed_for_another_purpose_is_404(client):
    order = paid_order_of(ResearcherFactory())
    token = signing.TimestampSigner(salt="accounts.something-else").sign(str(order.pk))

    assert client.get(f"/receipts/{token}").status_code == 404


@pytest.mark.django_db
def test_a_link_made_while_paid_shows_nothing_once_the_order_is_no_longer_settled(alice, client):
    author_client, researcher = alice
    order = paid_order_of(researcher)
    path = _link(author_client, order)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CLOSED)

    assert client.get(path).status_code == 404
