"""Consent credits from wx.requestSubscribeMessage: one per acceptance, bans remembered, never negative."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Researcher
from notifications.models import Notification, NotificationState, NotificationTemplate, SubscriptionGrant
from notifications.services import subscription_credits_spend_many, subscriptions_record
from tests.conftest import contend_with_an_open_transaction
from tests.factories import NotificationFactory, ResearcherFactory

URL = "/api/v1/notifications/subscriptions"


@pytest.fixture
def templates(db):
    NotificationTemplate.objects.create(kind="status_changed", template_id="TPL_STATUS")
    NotificationTemplate.objects.create(kind="payment_due", template_id="TPL_PAY")


@pytest.mark.django_db
def test_each_acceptance_is_one_credit(researcher_client, templates):
    client, _body = researcher_client

    client.post(URL, {"errMsg": "requestSubscribeMessage:ok", "TPL_STATUS": "accept", "TPL_PAY": "reject"},
                format="json")
    state = client.post(URL, {"TPL_STATUS": "accept"}, format="json").json()

    by_kind = {item["kind"]: item for item in state}
    assert by_kind["status_changed"]["credits"] == 2 and by_kind["status_changed"]["has_credit"] is True
    assert by_kind["payment_due"] == {"kind": "payment_due", "template_id": "TPL_PAY", "credits": 0,
                                      "has_credit": False, "banned": False, "last_result": "reject"}


@pytest.mark.django_db
def test_a_ban_is_remembered_so_the_mini_program_stops_asking(researcher_client, templates):
    client, _body = researcher_client
    client.post(URL, {"TPL_STATUS": "accept"}, format="json")

    state = {item["kind"]: item for item in client.post(URL, {"TPL_STATUS": "ban"}, format="json").json()}

    assert state["status_changed"]["banned"] is True
    assert state["status_changed"]["has_credit"] is False


@pytest.mark.django_db
def test_unknown_template_ids_and_errmsg_are_ignored(researcher_client, templates):
    client, _body = researcher_client

    response = client.post(URL, {"errMsg": "requestSubscribeMessage:ok", "SOMEONE_ELSES": "accept"}, format="json")

    assert response.status_code == 200
    assert SubscriptionGrant.objects.count() == 0


@pytest.mark.django_db
def test_a_result_word_wechat_never_sends_is_a_field_error(researcher_client, templates):
    client, _body = researcher_client

    response = client.post(URL, {"TPL_STATUS": "yes please"}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["fields"] == {"TPL_STATUS": ["Expected one of: accept, reject, ban, filter."]}


@pytest.mark.django_db
def test_spending_never_goes_below_zero(researcher_client, templates):
    researcher = Researcher.objects.get()
    subscriptions_record(researcher_id=researcher.pk, results={"TPL_STATUS": "accept"})

    assert subscription_credits_spend_many(wanted={(researcher.pk, "TPL_STATUS"): 3}) == {
        (researcher.pk, "TPL_STATUS"): 1}  # only what there is
    assert subscription_credits_spend_many(wanted={(researcher.pk, "TPL_STATUS"): 1}) == {}
    assert SubscriptionGrant.objects.get().credits == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptances_and_spends_never_lose_or_overdraw_a_credit(templates):
    researcher = ResearcherFactory()
    subscriptions_record(researcher_id=researcher.pk, results={"TPL_STATUS": "accept"})
    spent = []
    barrier = threading.Barrier(6)

    def accept() -> None:
        try:
            barrier.wait()
            subscriptions_record(researcher_id=researcher.pk, results={"TPL_STATUS": "accept"})
        finally:
            connection.close()

    def spend() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                taken = subscription_credits_spend_many(wanted={(researcher.pk, "TPL_STATUS"): 1})
            spent.append(bool(taken))
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(3)] + [threading.Thread(target=spend) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    credits = SubscriptionGrant.objects.get().credits
    assert credits >= 0
    assert credits == 1 + 3 - spent.count(True)  # every acceptance counted, every spend real


@pytest.mark.django_db(transaction=True)
def test_an_acceptance_during_a_claim_that_found_no_credit_still_sends_the_notice(templates):
    """The sender found no credit and has not yet committed its no_credit; the acceptance that arrives then waits
    for it and sends the notice, instead of looking too early and leaving its credit unused."""
    researcher = ResearcherFactory()
    notice = NotificationFactory(researcher=researcher, kind="account_linked", template_id="TPL_STATUS")

    def sender_claim() -> None:  # what claim_due does: spend, and settle no_credit in the same transaction
        assert subscription_credits_spend_many(wanted={(researcher.pk, "TPL_STATUS"): 1}) == {}
        Notification.objects.filter(pk=notice.pk).update(state=NotificationState.NO_CREDIT, settled_at=timezone.now())

    contend_with_an_open_transaction(
        sender_claim, lambda: subscriptions_record(researcher_id=researcher.pk, results={"TPL_STATUS": "accept"}),
        waits_for="the acceptance to wait for the sender's claim")

    notice.refresh_from_db()
    assert notice.state == NotificationState.PENDING  # back in the queue, to go out on the new credit
    assert SubscriptionGrant.objects.get(researcher=researcher).credits == 1
