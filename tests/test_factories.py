"""The model factories (tests/factories.py) make valid, related rows, and as many of each as a test needs."""

import pytest

from accounts.models import JournalAccountStatus
from tests.factories import (
    JournalAccountFactory,
    ManuscriptFactory,
    NotificationFactory,
    ResearcherFactory,
    WeChatIdentityFactory,
)

pytestmark = pytest.mark.django_db


def test_every_factory_makes_rows_that_pass_the_models_rules_and_do_not_collide():
    for _ in range(2):  # unique fields come from sequences
        researcher = ResearcherFactory()
        identity = WeChatIdentityFactory(researcher=researcher)
        account = JournalAccountFactory(researcher=researcher)
        manuscript = ManuscriptFactory(journal_system=account.journal_system)
        notification = NotificationFactory(researcher=researcher)
        for row in (researcher, identity, notification):
            row.full_clean()
        account.full_clean(exclude=["journal_system"])
        manuscript.full_clean(exclude=["journal_system", "journal", "snapshot_digest"])

        assert manuscript.journal.journal_system == manuscript.journal_system == account.journal_system
        assert (account.status, account.verification_method, account.email_on_file) == (
            JournalAccountStatus.VERIFIED, "email_code", account.identity)


def test_a_pending_account_has_no_verification_method():
    account = JournalAccountFactory(status=JournalAccountStatus.PENDING)

    assert account.verification_method == ""
