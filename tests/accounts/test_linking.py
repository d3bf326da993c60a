"""Proving a journal account is yours: e-mailed codes, attempts, expiry, resend, limits, one owner."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import linking
from accounts.models import JournalAccount, Researcher
from publisher_backend.errors import Conflict, Throttled
from tests.accounts.tasks_inline import tasks_inline
from tests.manuscripts.factories import make_journal_system, make_researcher

pytestmark = pytest.mark.django_db

FOUND = linking.FoundIdentity(platform_user_id="2210", email="zhang.wei@univ.example.org")


@pytest.fixture
def system():
    return make_journal_system()


def start(researcher, system, identity="zhang.wei@univ.example.org", found=FOUND, capture=None):
    kind, normalized = linking.identity_classify(identity)
    return linking.journal_account_start(researcher=researcher, journal_system=system, identity_kind=kind,
                                         identity=normalized, found=found)


def mailed_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


@pytest.fixture
def started(system, django_capture_on_commit_callbacks):
    researcher = make_researcher()
    with tasks_inline(), django_capture_on_commit_callbacks(execute=True):
        account = start(researcher, system)
    return account


def test_code_goes_to_the_address_the_platform_has_on_file(started):
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["zhang.wei@univ.example.org"]
    assert mailed_code() in mail.outbox[0].subject
    assert started.status == "pending"
    assert linking.email_hint(started) == "z***@univ.example.org"


def test_code_is_stored_only_as_a_hash(started):
    stored = JournalAccount.objects.get()
    assert mailed_code() not in stored.code_hash
    assert len(stored.code_hash) == 64


def test_right_code_verifies(started):
    account = linking.journal_account_verify(account=started, code=mailed_code())

    assert account.status == "verified"
    assert account.verification_method == "email_code"
    assert account.verified_at is not None


def test_wrong_code_counts_attempts_and_says_how_many_are_left(started):
    with pytest.raises(linking.CodeInvalid) as failure:
        linking.journal_account_verify(account=started, code="000000" if mailed_code() != "000000" else "111111")

    assert failure.value.fields["code"] == ["验证码错误，还可尝试 4 次。"]
    assert JournalAccount.objects.get().code_attempts == 1


def test_after_five_wrong_codes_even_the_right_code_is_refused(started, settings):
    wrong = "000000" if mailed_code() != "000000" else "111111"
    for _attempt in range(settings.LINK_CODE_MAX_ATTEMPTS):
        with pytest.raises(linking.CodeInvalid):
            linking.journal_account_verify(account=started, code=wrong)

    with pytest.raises(Throttled):
        linking.journal_account_verify(account=started, code=mailed_code())


def test_expired_code_is_refused(started):
    JournalAccount.objects.update(code_expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(linking.CodeInvalid, match="过期"):
        linking.journal_account_verify(account=started, code=mailed_code())


def test_resend_within_a_minute_is_throttled(started):
    with pytest.raises(Throttled) as failure:
        linking.journal_account_resend(account=started)

    assert int(failure.value.headers["Retry-After"]) <= 60


def test_resend_after_a_minute_sends_a_new_code_and_the_old_one_stops_working(started, settings,
                                                                             django_capture_on_commit_callbacks):
    old_code = mailed_code()
    JournalAccount.objects.update(code_sent_at=timezone.now() - timedelta(seconds=settings.LINK_CODE_RESEND_SECONDS))

    with tasks_inline(), django_capture_on_commit_callbacks(execute=True):
        linking.journal_account_resend(account=started)

    new_code = mailed_code()
    assert len(mail.outbox) == 2
    if new_code != old_code:
        with pytest.raises(linking.CodeInvalid):
            linking.journal_account_verify(account=started, code=old_code)
    assert linking.journal_account_verify(account=started, code=new_code).status == "verified"


def test_unknown_identity_gets_the_same_kind_of_reply_and_no_mail(system, django_capture_on_commit_callbacks):
    with tasks_inline(), django_capture_on_commit_callbacks(execute=True) as after_commit:
        account = start(make_researcher(), system, identity="nobody@nowhere.example", found=None)

    assert account.status == "pending"
    assert linking.email_hint(account) == "n***@nowhere.example"  # the typed address, masked
    # The same path as a known one: the task runs, and finds no address to mail.
    assert [callback.task_name for callback in after_commit] == ["accounts.tasks.send_link_code"]
    assert mail.outbox == []
    with pytest.raises(linking.CodeInvalid):
        linking.journal_account_verify(account=account, code="123456")


def test_the_code_mail_leaves_after_commit_through_a_task_never_inside_the_request(
        system, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as after_commit:
        start(make_researcher(), system)

    assert mail.outbox == []  # nothing was sent while the request ran
    assert [callback.task_name for callback in after_commit] == ["accounts.tasks.send_link_code"]


def test_a_code_replaced_by_a_resend_is_not_mailed_by_a_late_task(system, settings,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as first_commit:
        account = start(make_researcher(), system)
    JournalAccount.objects.update(code_sent_at=timezone.now() - timedelta(seconds=settings.LINK_CODE_RESEND_SECONDS))
    with django_capture_on_commit_callbacks() as resend_commit:
        linking.journal_account_resend(account=account)

    with tasks_inline():
        first_commit[0]()  # the first task arrives late, after the resend
        assert mail.outbox == []
        resend_commit[0]()

    assert len(mail.outbox) == 1
    assert linking.journal_account_verify(account=account, code=mailed_code()).status == "verified"


def test_a_username_the_platform_does_not_know_gets_a_decoy_like_a_real_hint(system):
    from tests.manuscripts.factories import make_account

    for number in range(3):
        make_account(make_researcher(), system, email=f"user{number}@univ.example.edu", user_id=str(100 + number))

    account = start(make_researcher(), system, identity="wzhang", found=None)

    # The username's first letter and a domain of this platform's own addresses: nothing marks it as a decoy.
    assert linking.email_hint(account) == "w***@univ.example.edu"


def test_decoy_hint_is_stable_for_the_same_identity(system):
    first = start(make_researcher(), system, identity="ghost-user", found=None)
    second = start(make_researcher(), system, identity="ghost-user", found=None)

    assert linking.email_hint(first) == linking.email_hint(second)


def test_identity_verified_by_another_researcher_is_a_conflict(started, system):
    linking.journal_account_verify(account=started, code=mailed_code())

    with pytest.raises(Conflict):
        start(make_researcher(), system)


def test_link_attempts_per_researcher_are_limited(system, settings):
    settings.LINK_ATTEMPTS_PER_RESEARCHER = "2/hour"
    researcher = make_researcher()
    linking.journal_account_link_limit(researcher=researcher, journal_system=system, identity="a@example.org")
    linking.journal_account_link_limit(researcher=researcher, journal_system=system, identity="b@example.org")

    with pytest.raises(Throttled):
        linking.journal_account_link_limit(researcher=researcher, journal_system=system, identity="c@example.org")


def test_codes_per_identity_are_limited_across_researchers(system, settings):
    settings.LINK_CODES_PER_IDENTITY = "2/day"
    for _attempt in range(2):
        linking.journal_account_link_limit(researcher=make_researcher(), journal_system=system,
                                           identity="zhang.wei@univ.example.org")

    with pytest.raises(Throttled):
        linking.journal_account_link_limit(researcher=make_researcher(), journal_system=system,
                                           identity="zhang.wei@univ.example.org")


def test_manual_review_moves_the_account_to_the_staff_queue(started):
    account = linking.journal_account_request_manual_review(account=started, note="My university mail is closed.")

    assert account.status == "manual_review"
    assert account.manual_review_note == "My university mail is closed."


def test_staff_verification_marks_the_method(started, django_user_model):
    staff = django_user_model.objects.create(username="staff", is_staff=True)

    account = linking.journal_account_staff_verify(account=started, staff=staff)

    assert account.status == "verified" and account.verification_method == "staff"


@pytest.mark.parametrize(("typed", "kind", "normalized"), [
    ("Zhang.Wei@Univ.Example.org ", "email", "zhang.wei@univ.example.org"),
    ("https://orcid.org/0000-0002-1825-0097", "orcid", "0000-0002-1825-0097"),
    ("0000000218250097", "orcid", "0000-0002-1825-0097"),
    ("zwei", "username", "zwei"),
])
def test_identity_classification(typed, kind, normalized):
    assert linking.identity_classify(typed) == (kind, normalized)


def test_blank_identity_is_a_field_error():
    with pytest.raises(linking.IdentityInvalid) as failure:
        linking.identity_classify("  ")

    assert "identity" in failure.value.fields


def test_unlinking_deletes_only_that_account(started):
    linking.journal_account_unlink(account=started)

    assert JournalAccount.objects.count() == 0
    assert Researcher.objects.count() == 1


def test_an_orcid_id_the_platform_does_not_know_gets_a_hint_like_a_known_one(system):
    account = start(make_researcher(), system, identity="0000-0002-1825-0097", found=None)

    assert re.fullmatch(r"[a-z]\*\*\*@[a-z0-9.]+", linking.email_hint(account))
