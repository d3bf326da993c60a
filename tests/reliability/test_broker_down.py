"""With the broker down or hung, requests that enqueue work after their commit still answer (login, verify,
refresh); when the broker is back, the periodic sweeps do the work that was not enqueued."""

import base64
import json
import time

import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import Journal, JournalSystem, Researcher
from manuscripts.models import AccountSyncState, Manuscript
from manuscripts.tasks import poll_tick
from notifications.models import Notification
from notifications.tasks import send_due
from publisher_backend.fields import decrypt_text
from tests.conftest import TEMPLATE_IDS, broker_key, start_celery_worker, stop_process, wait_until

# Transactional: the enqueues happen when the requests' transactions really commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ojs_site(wechat_sandbox):
    """An OJS sandbox journal where Li Wei has one submission under review."""
    from django.core.management import call_command

    call_command("loaddata", "subscription_templates", verbosity=0)
    ojs = wechat_sandbox.ojs
    token = ojs.add_site("jas", manager_token="manager-token-jas")
    author = ojs.add_user("jas", username="liwei", email="li.wei@univ.example.org", given_name="Wei",
                          family_name="Li")
    ojs.add_submission("jas", title={"en": "Soil Microbiome Shifts Under Drought"}, authors=[author],
                       stage_id=3, review_round_status=7)
    system = JournalSystem.objects.create(key="demo-ojs", name_en="Demo OJS", platform="ojs",
                                          base_url=wechat_sandbox.base_url, credentials={"token": token},
                                          rate_limit_per_minute=600, timeout_seconds=5)
    Journal.objects.create(journal_system=system, key="jas", platform_path="jas", name_en="J. Appl. Sci.")
    return system


def code_from_the_waiting_mail_task(broker_url: str, account_id: int) -> str:
    """The link code of the send_link_code task waiting on the broker's notifications queue, unsealed as the
    worker does (Celery's message protocol 2: the envelope's base64 body is the JSON [args, kwargs, embed])."""
    envelope = json.loads(redis.Redis.from_url(broker_url).rpop(broker_key("notifications")))
    assert envelope["headers"]["task"] == "accounts.tasks.send_link_code"
    (task_account_id, sealed_code), _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
    assert task_account_id == account_id
    return decrypt_text(sealed_code)


def signed_in(body: dict) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    return client


def test_a_hung_broker_delays_a_login_by_the_broker_timeout_not_forever(private_broker, login):
    with private_broker.hung():
        started = time.monotonic()
        login("alice")
        waited = time.monotonic() - started

    # One publish, given up after about the connection timeout; without a socket timeout the publish waited
    # on the silent broker forever.
    assert waited < 4 * settings.CELERY_BROKER_CONNECTION_TIMEOUT + 5
    assert Researcher.objects.get().login_count == 1  # the login record was written here instead


@pytest.mark.worker
def test_login_verify_and_refresh_answer_while_the_broker_is_down_and_the_sweeps_do_the_work_later(
        private_broker, ojs_site, login, wechat_sandbox):
    private_broker.stop()
    client = signed_in(login("alice"))
    researcher = Researcher.objects.get()
    assert researcher.login_count == 1  # no sweep records logins: written here when the broker can't take it

    # The code mail needs the broker (no sweep can mail a code stored only hashed): link while it is up, and
    # take the code from the task waiting for a worker, as the worker would.
    private_broker.start()
    wechat_sandbox.wechat.subscribe("alice", {TEMPLATE_IDS["account_linked"]: "accept"})
    assert client.post("/api/v1/notifications/subscriptions", {TEMPLATE_IDS["account_linked"]: "accept"},
                       format="json").status_code == 200
    created = client.post("/api/v1/journal-accounts", {"journal_system": ojs_site.pk,
                                                       "identity": "li.wei@univ.example.org"}, format="json")
    assert created.status_code == 201, created.content
    account_id = created.json()["id"]
    code = code_from_the_waiting_mail_task(private_broker.url, account_id)
    private_broker.stop()

    verified = client.post(f"/api/v1/journal-accounts/{account_id}/verify", {"code": code}, format="json")
    refreshed = client.post(f"/api/v1/journal-accounts/{account_id}/refresh")

    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "verified"
    assert refreshed.status_code == 202, refreshed.content
    assert Manuscript.objects.count() == 0  # nothing could be enqueued
    linked = Notification.objects.get(kind="account_linked")
    assert linked.state == "pending"

    private_broker.start()  # back, empty: every message sent while it was down is gone
    worker = start_celery_worker("pytest-broker-back-worker", queues="celery,notifications",
                                 extra_env={"CELERY_BROKER_URL": private_broker.url,
                                            "WECHAT_API_BASE": wechat_sandbox.base_url})
    try:
        # What beat runs: the poll tick every minute, the sender's sweep every 30 s.
        assert poll_tick() == {"systems": 1, "accounts": 1}
        send_due.delay()
        wait_until(lambda: AccountSyncState.objects.filter(journal_account_id=account_id, sync_requested=False,
                                                           last_synced_at__isnull=False).exists(),
                   timeout=60, message="the sync the verify and the refresh asked for")
        wait_until(lambda: Notification.objects.get(pk=linked.pk).state == "sent", timeout=60,
                   message="the account-linked notice to be sent")
    finally:
        stop_process(worker)

    assert Manuscript.objects.filter(accesses__journal_account_id=account_id).count() == 1

    assert [(message["user"], message["template_id"]) for message in wechat_sandbox.wechat.sent_messages] == [
        ("alice", TEMPLATE_IDS["account_linked"])]
