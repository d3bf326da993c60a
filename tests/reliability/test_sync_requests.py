"""A sync asked for (pull to refresh) while another sync of the account runs is not dropped, however long the
running sync takes: the running sync syncs once more when it ends."""

import threading

import pytest
from django.db import connection

from manuscripts.models import AccountSyncState, Manuscript
from manuscripts.services.polling import account_sync
from manuscripts.tasks import sync_account
from tests.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refresh_that_arrives_during_a_long_sync_runs_after_it(ojs_account, wechat_sandbox):
    client, account, author = ojs_account
    ojs = wechat_sandbox.ojs
    # The running sync waits on the platform for as long as the refresh and its task take: nothing that waits
    # a fixed time for the lease (a retry window) could be sure to outlast a sync.
    ojs.inject_fault("jas", "slow", seconds=5, path_contains="/submissions")
    running = threading.Thread(target=lambda: (account_sync(account_id=account.pk), connection.close()))
    running.start()
    try:
        wait_until(lambda: AccountSyncState.objects.filter(journal_account=account,
                                                           claimed_until__isnull=False).exists(),
                   message="the long sync to take its lease")
        ojs.add_submission("jas", title="Second Paper", authors=[author], stage_id=3, review_round_status=7)

        refreshed = client.post(f"/api/v1/journal-accounts/{account.pk}/refresh")
        # The refresh's own task, run as a worker runs it, while the lease is held.
        busy = sync_account.apply(args=(account.pk,))
    finally:
        running.join()

    assert refreshed.status_code == 202, refreshed.content
    # The running sync synced again when it ended: two reads of the platform, one after the other.
    assert ojs.call_count("jas", "GET /submissions") == 2
    assert busy.successful()  # the refresh's task found the account busy and left the work to that sync
    assert sorted(Manuscript.objects.values_list("title", flat=True)) == ["First Paper", "Second Paper"]
    state = AccountSyncState.objects.get(journal_account=account)
    assert (state.claimed_until, state.sync_requested) == (None, False)
