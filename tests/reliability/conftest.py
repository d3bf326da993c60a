"""Fixtures of the reliability tests: a broker of the test's own, an OJS account to sync."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from accounts.models import Researcher
from manuscripts.models import AccountSyncState
from tests.manuscripts.factories import make_account, make_journal_system
from tests.reliability.broker import PrivateRedis, celery_broker


@pytest.fixture
def private_broker() -> Iterator[PrivateRedis]:
    """A running redis-server of this test's own as this process's Celery broker (the cache stays on REDIS_URL);
    the test may stop, hang and start it. Messages left in it die with it."""
    broker = PrivateRedis().start()
    try:
        with celery_broker(broker.url):
            yield broker
    finally:
        broker.stop()


@pytest.fixture
def ojs_account(wechat_sandbox, researcher_client, private_broker):
    """Alice's verified account on an OJS sandbox journal with one submission of hers."""
    ojs = wechat_sandbox.ojs
    token = ojs.add_site("jas", manager_token="manager-token-jas")
    author = ojs.add_user("jas", username="alice", email="alice@example.org", given_name="Alice")
    ojs.add_submission("jas", title="First Paper", authors=[author], stage_id=3, review_round_status=7)
    system = make_journal_system(base_url=wechat_sandbox.base_url, credentials={"token": token},
                                 rate_limit_per_minute=6000, timeout_seconds=10)
    account = make_account(Researcher.objects.get(), system, email="alice@example.org", user_id=str(author))
    AccountSyncState.objects.create(journal_account=account)
    client, _body = researcher_client
    return client, account, author
