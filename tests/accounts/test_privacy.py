"""Privacy rights (PIPL): GET /api/v1/me/export, DELETE /api/v1/me, and the privacy-policy consent."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from rest_framework.test import APIClient

from accounts.models import PrivacyRequest, PrivacyRequestKind, Researcher, WeChatIdentity
from accounts.privacy import (
    EXPORT_SECTIONS,
    privacy_register,
    privacy_registry_reset,
    privacy_sections,
    researcher_erase,
    researcher_reference_hash,
)
from accounts.services import researcher_login_with_wechat
from editorial.services import conversation_start
from manuscripts.models import ManuscriptAccess, StatusEvent
from notifications.models import Notification
from payments.models import FapiaoRequest, FapiaoStatus, Order, OrderStatus, PaymentAttempt, PaymentEvent
from sharing.models import Share
from sharing.services import share_create, share_open_record
from tagging.models import (
    JournalFollow,
    OfficialAccountFollower,
    Tag,
    TagAssignment,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.conftest import contend_with_an_open_transaction, wechat_code
from tests.factories import (
    JournalAccountFactory,
    JournalFactory,
    ManuscriptFactory,
    NotificationFactory,
    OrderFactory,
)

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
EXPORT = "/api/v1/me/export"
CONSENT = "/api/v1/me/privacy-consent"


def _signed_in(login, user: str) -> tuple[APIClient, Researcher]:
    body = login(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    return client, Researcher.objects.get(pk=body["researcher"]["id"])


def _populate(researcher: Researcher, *, tag: str) -> dict:
    """Give `researcher` something in every app; returns the personal values that must not survive an erase."""
    researcher.display_name = f"Zhang Wei {tag}"
    researcher.institution = f"Institute of Soil Science {tag}"
    researcher.orcid = "0000-0002-1825-0097" if tag == "a" else "0000-0001-5109-3700"
    researcher.save()
    email = f"zhang.{tag}@soil.example.org"
    account = JournalAccountFactory(researcher=researcher, identity=email, email_on_file=email,
                                    email_hint="z***@soil.example.org", code_hash="c" * 64)
    journal = JournalFactory(journal_system=account.journal_system, key=f"soil-{tag}", platform_path=f"soil-{tag}")
    manuscript = ManuscriptFactory(journal_system=account.journal_system, journal=journal, canonical_status="accepted")
    ManuscriptAccess.objects.create(manuscript=manuscript, journal_account=account)
    StatusEvent.objects.create(manuscript=manuscript, from_status="under_review", to_status="accepted",
                               occurred_at=manuscript.last_activity_at)
    NotificationFactory(researcher=researcher, title=f"稿件已录用 {tag}")
    paid = OrderFactory(researcher=researcher, journal=journal, manuscript_id=manuscript.pk)
    identity = researcher.wechat_identities.get()
    PaymentAttempt.objects.create(order=paid, out_trade_no=f"{paid.out_trade_no}-1", payer=researcher,
                                  openid=identity.openid, amount_fen=paid.amount_fen, status="paid",
                                  transaction_id=f"4200000{tag}")
    PaymentEvent.objects.create(order=paid, source="payment_notify", out_trade_no=f"{paid.out_trade_no}-1",
                                resource={"transaction_id": f"4200000{tag}", "payer": {"openid": identity.openid}},
                                outcome="applied")
    Order.objects.filter(pk=paid.pk).update(status=OrderStatus.PAID, transaction_id=f"4200000{tag}",
                                            paid_at=manuscript.last_activity_at)
    FapiaoRequest.objects.create(order=paid, requester=researcher, kind="personal", title=researcher.display_name,
                                 email=email, status=FapiaoStatus.REQUESTED)
    unpaid = OrderFactory(researcher=researcher, journal=journal, kind="apc")
    tag_row, _created = Tag.objects.get_or_create(slug="soil", defaults={"name_en": "Soil"})
    TagAssignment.objects.create(researcher=researcher, tag=tag_row, source="self")
    JournalFollow.objects.create(researcher=researcher, journal=journal)
    OfficialAccountFollower.objects.create(openid=f"oa-openid-{tag}", unionid=identity.unionid,
                                           researcher=researcher, subscribed=False)
    endpoint = WebhookEndpoint.objects.create(url=f"https://crm.example.org/hooks/{tag}", secret="s" * 32,
                                              events=["tag.assigned"])
    WebhookDelivery.objects.create(endpoint=endpoint, event="tag.assigned", give_up_at=manuscript.last_activity_at,
                                   payload={"id": "d1", "event": "tag.assigned", "data": {
                                       "tag": "soil", "researcher": {"id": researcher.pk, "orcid": researcher.orcid}}})
    share = share_create(researcher=researcher, manuscript_id=manuscript.pk, show_coauthors=True)
    share_open_record(share=share, researcher_id=None, client_address="203.0.113.9")
    # A question to the editorial office that names the researcher: conversations are personal data too.
    conversation = conversation_start(researcher=researcher, journal_id=None, manuscript_id=manuscript.pk,
                                      body=f"我是 {researcher.institution} 的 {researcher.display_name}，请问进展？",
                                      language="zh-hans")
    return {"values": [researcher.display_name, researcher.institution, researcher.orcid, identity.openid,
                       identity.unionid, email],
            "paid": paid, "unpaid": unpaid, "manuscript": manuscript, "share": share, "conversation": conversation}


def _rows_containing(values: list[str]) -> list[str]:
    """Every row of every model whose text, char or JSON field contains one of `values`."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [field for field in model._meta.concrete_fields
                  if isinstance(field, models.CharField | models.TextField | models.JSONField)
                  and not getattr(field, "encrypted", False)]
        for row in model._default_manager.all().values_list("pk", *[field.attname for field in fields]):
            text = json.dumps(row[1:], default=str, ensure_ascii=False)
            for value in values:
                if value and value in text:
                    found.append(f"{model._meta.label}#{row[0]}: {value}")
    return found


# --- Authentication ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [("get", EXPORT), ("delete", ME), ("post", CONSENT), ("get", CONSENT)])
def test_privacy_endpoints_need_a_token(api_client, method, path):
    response = getattr(api_client, method)(path)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- Export ------------------------------------------------------------------------------------------------------

def test_export_has_every_section_with_the_researchers_data(login):
    client, researcher = _signed_in(login, "alice")
    populated = _populate(researcher, tag="a")

    response = client.get(EXPORT)

    assert response.status_code == 200
    exported = response.json()
    assert set(exported) == set(EXPORT_SECTIONS)
    assert exported["profile"]["display_name"] == "Zhang Wei a"
    assert exported["profile"]["orcid"] == "0000-0002-1825-0097"
    assert [identity["has_unionid"] for identity in exported["wechat_identities"]] == [True]
    assert [account["identity"] for account in exported["journal_accounts"]] == ["zhang.a@soil.example.org"]
    assert [m["id"] for m in exported["manuscripts"]] == [populated["manuscript"].pk]
    assert exported["manuscripts"][0]["timeline"][0]["to"] == "accepted"
    assert [n["title"] for n in exported["notifications"]] == ["稿件已录用 a"]
    assert {order["id"] for order in exported["orders"]} == {populated["paid"].pk, populated["unpaid"].pk}
    assert [tag["slug"] for tag in exported["tags"]["tags"]] == ["soil"]
    assert [follow["journal"] for follow in exported["tags"]["journals_followed"]] == ["soil-a"]
    assert [(share["id"], share["open_count"]) for share in exported["shares"]] == [(populated["share"].pk, 1)]
    assert [conversation["id"] for conversation in exported["conversations"]] == [populated["conversation"].pk]
    assert "Zhang Wei a" in json.dumps(exported["conversations"], ensure_ascii=False)


def test_export_holds_no_secret(login):
    client, researcher = _signed_in(login, "alice")
    _populate(researcher, tag="a")
    identity = researcher.wechat_identities.get()
    token_hashes = list(researcher.auth_tokens.values_list("key_hash", flat=True))
    account = researcher.journal_accounts.get()

    text = client.get(EXPORT).content.decode()

    for secret in [identity.session_key, account.code_hash, "t0ken-value", *token_hashes]:
        assert secret and secret not in text
    for key in ["session_key", "code_hash", "credentials", "key_hash", "token"]:
        assert f'"{key}"' not in text


def test_export_shows_nothing_of_another_researcher(login):
    _other_client, other = _signed_in(login, "bob")
    _populate(other, tag="b")
    client, _researcher = _signed_in(login, "alice")

    text = client.get(EXPORT).content.decode()

    for value in ["Zhang Wei b", "zhang.b@soil.example.org", "soil-b"]:
        assert value not in text


def test_export_is_recorded_for_staff(login):
    client, researcher = _signed_in(login, "alice")

    client.get(EXPORT)

    request = PrivacyRequest.objects.get()
    assert request.kind == PrivacyRequestKind.EXPORT
    assert request.researcher == researcher


@pytest.fixture
def registry_restored():
    """Put the privacy registry back as the apps filled it, after a test registers a section of its own."""
    before = privacy_sections()
    yield
    privacy_registry_reset(before)


def test_a_section_registered_by_a_later_app_is_exported(login, registry_restored):
    client, researcher = _signed_in(login, "alice")
    privacy_register("shares", export=lambda r: [{"id": "share-of", "researcher": r.pk}])

    exported = client.get(EXPORT).json()

    assert exported["shares"] == [{"id": "share-of", "researcher": researcher.pk}]


def test_a_later_apps_eraser_runs_inside_the_erase(login, registry_restored):
    client, researcher = _signed_in(login, "alice")
    erased = []
    privacy_register("conversations", export=lambda r: [], erase=lambda r: erased.append(r.pk))

    client.delete(ME)

    assert erased == [researcher.pk]


# --- Erase -------------------------------------------------------------------------------------------------------

def test_erase_is_204_and_the_token_no_longer_works(login):
    client, _researcher = _signed_in(login, "alice")

    assert client.delete(ME).status_code == 204

    assert client.get(ME).status_code == 401
    assert client.get(EXPORT).status_code == 401


def test_erase_leaves_nothing_personal_in_any_table(login):
    client, researcher = _signed_in(login, "alice")
    populated = _populate(researcher, tag="a")
    identity = researcher.wechat_identities.get()
    assert _rows_containing(populated["values"])  # the scan sees them before

    assert client.delete(ME).status_code == 204

    # The Official Account follower keeps the unionid only while it still follows (here it does not: deleted).
    assert _rows_containing(populated["values"]) == []
    assert not Researcher.objects.filter(pk=researcher.pk).exists()
    assert not WeChatIdentity.objects.filter(openid=identity.openid).exists()
    assert not Notification.objects.filter(researcher_id=researcher.pk).exists()
    assert not Share.objects.filter(pk=populated["share"].pk).exists()  # the public link is 404 from now on


def test_erase_leaves_nothing_personal_in_admins_history(login, django_user_model):
    client, researcher = _signed_in(login, "alice")
    populated = _populate(researcher, tag="a")
    staff = django_user_model.objects.create_user("editor", is_staff=True)
    account = researcher.journal_accounts.get()
    for row in (researcher, account):  # what admin writes when staff change a profile or verify an account
        LogEntry.objects.create(user=staff, content_type=ContentType.objects.get_for_model(row),
                                object_id=str(row.pk), object_repr=str(row), action_flag=CHANGE, change_message="[]")

    client.delete(ME)

    assert _rows_containing(populated["values"]) == []
    assert list(LogEntry.objects.values_list("object_repr", flat=True)) == ["[erased]", "[erased]"]


def test_erase_keeps_paid_orders_anonymized_and_closes_unpaid_ones(login):
    client, researcher = _signed_in(login, "alice")
    populated = _populate(researcher, tag="a")

    client.delete(ME)

    paid = Order.objects.get(pk=populated["paid"].pk)
    assert (paid.status, paid.amount_fen, paid.transaction_id) == (OrderStatus.PAID, 250000, "4200000a")
    assert paid.researcher_id is None and paid.payer_id is None and paid.paid_at is not None
    attempt = PaymentAttempt.objects.get(order=paid)
    assert (attempt.payer_id, attempt.openid, attempt.transaction_id) == (None, "", "4200000a")
    assert "payer" not in PaymentEvent.objects.get(order=paid).resource
    unpaid = Order.objects.get(pk=populated["unpaid"].pk)
    assert (unpaid.status, unpaid.researcher_id) == (OrderStatus.CLOSED, None)
    fapiao = FapiaoRequest.objects.get(order=paid)
    assert (fapiao.status, fapiao.requester_id, fapiao.email, fapiao.title) == (FapiaoStatus.REJECTED, None, "", "")


def test_erase_keeps_an_issued_fapiao_as_the_tax_record(login):
    client, researcher = _signed_in(login, "alice")
    populated = _populate(researcher, tag="a")
    FapiaoRequest.objects.filter(order=populated["paid"]).update(status=FapiaoStatus.ISSUED, title="某某大学",
                                                                 tax_id="12100000400000624D")

    client.delete(ME)

    fapiao = FapiaoRequest.objects.get(order=populated["paid"])
    assert (fapiao.title, fapiao.tax_id, fapiao.email, fapiao.requester_id) == ("某某大学", "12100000400000624D", "",
                                                                                None)


def test_erase_is_refused_while_a_payment_is_in_flight_and_changes_nothing(login):
    client, researcher = _signed_in(login, "alice")
    populated = _populate(researcher, tag="a")
    Order.objects.filter(pk=populated["unpaid"].pk).update(status=OrderStatus.PAYING)

    response = client.delete(ME)

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Researcher.objects.filter(pk=researcher.pk).exists()
    assert client.get(ME).status_code == 200
    assert not PrivacyRequest.objects.filter(kind=PrivacyRequestKind.ERASE).exists()


def test_a_follower_of_the_official_account_is_detached_not_deleted(login):
    client, researcher = _signed_in(login, "alice")
    identity = researcher.wechat_identities.get()
    follower = OfficialAccountFollower.objects.create(openid="oa-openid", unionid=identity.unionid,
                                                      researcher=researcher, subscribed=True)

    client.delete(ME)

    follower.refresh_from_db()
    assert follower.researcher_id is None


def test_a_later_login_by_the_same_wechat_user_is_a_new_empty_researcher(login):
    client, researcher = _signed_in(login, "alice")
    _populate(researcher, tag="a")
    client.delete(ME)

    new_client, new_researcher = _signed_in(login, "alice")

    assert new_researcher.pk != researcher.pk
    assert new_researcher.display_name == "" and new_researcher.orcid == ""
    exported = new_client.get(EXPORT).json()
    assert exported["journal_accounts"] == [] and exported["manuscripts"] == []
    assert exported["notifications"] == [] and exported["orders"] == []
    assert exported["tags"]["tags"] == []


def test_erase_leaves_another_researcher_untouched(login):
    other_client, other = _signed_in(login, "bob")
    other_values = _populate(other, tag="b")
    client, researcher = _signed_in(login, "alice")
    _populate(researcher, tag="a")
    before = other_client.get(EXPORT).json()

    client.delete(ME)

    after = other_client.get(EXPORT).json()
    assert after == before
    assert Order.objects.get(pk=other_values["paid"].pk).researcher_id == other.pk


def test_erase_is_recorded_for_staff_by_a_hash_only(login):
    client, researcher = _signed_in(login, "alice")
    client.get(EXPORT)

    client.delete(ME)

    erase = PrivacyRequest.objects.get(kind=PrivacyRequestKind.ERASE)
    assert erase.researcher_id is None
    assert erase.researcher_hash == researcher_reference_hash(researcher_id=researcher.pk)
    assert str(researcher.pk) not in erase.researcher_hash
    assert {"orders", "tags", "profile"} <= set(erase.sections)
    assert PrivacyRequest.objects.get(kind=PrivacyRequestKind.EXPORT).researcher_id is None


def test_privacy_requests_are_read_only_in_admin(staff_client, login):
    client, _researcher = _signed_in(login, "alice")
    client.delete(ME)
    erase = PrivacyRequest.objects.get()

    listing = staff_client.get("/admin/accounts/privacyrequest/")
    change = staff_client.post(f"/admin/accounts/privacyrequest/{erase.pk}/change/", {"kind": "export"})

    assert listing.status_code == 200 and erase.researcher_hash in listing.content.decode()
    assert staff_client.get("/admin/accounts/privacyrequest/add/").status_code == 403
    assert change.status_code == 403
    erase.refresh_from_db()
    assert erase.kind == PrivacyRequestKind.ERASE


@pytest.mark.django_db(transaction=True)
def test_a_login_during_an_erase_waits_and_then_starts_a_new_researcher(login):
    _client, researcher = _signed_in(login, "alice")
    logged_in = []

    contend_with_an_open_transaction(
        lambda: researcher_erase(researcher=researcher),
        lambda: logged_in.append(researcher_login_with_wechat(code=wechat_code("alice"), client_address=None)[1]),
        waits_for="the login to wait for the erase")

    assert logged_in[0].pk != researcher.pk
    assert not Researcher.objects.filter(pk=researcher.pk).exists()
    assert WeChatIdentity.objects.get().researcher_id == logged_in[0].pk
