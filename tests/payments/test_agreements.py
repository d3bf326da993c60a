"""Institutional agreements: who an agreement covers, requesting coverage, and staff's approval or refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import JournalAccountStatus
from manuscripts.models import Manuscript
from manuscripts.sync import snapshots_apply
from notifications.models import Notification
from payments.errors import OrderExpired, PaymentInvalid
from payments.models import (
    Agreement,
    AuditAction,
    CoverageRequest,
    CoverageStatus,
    OrderAudit,
    OrderStatus,
    SettledBy,
)
from payments.selectors.institutions import agreements_offered, order_institution_details
from payments.services.agreements import (
    CoverageDecided,
    CoverageNotFound,
    CoverageNotPossible,
    CoveragePending,
    coverage_approve,
    coverage_refuse,
    coverage_request,
)
from tests.conftest import contend_with_an_open_transaction
from tests.factories import JournalAccountFactory, JournalFactory, OrderFactory, ResearcherFactory, UserFactory
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher, snapshot

pytestmark = pytest.mark.django_db


def make_agreement(**fields) -> Agreement:
    today = timezone.localdate()
    journals = fields.pop("journals", [])
    agreement = Agreement.objects.create(**{
        "institution": "清华大学", "email_domains": ["tsinghua.edu.cn"], "institution_names": ["清华大学"],
        "valid_from": today - timedelta(days=30), "valid_until": today + timedelta(days=300), **fields})
    agreement.journals.set(journals)
    return agreement


def verified_researcher(email: str = "li.wei@mail.tsinghua.edu.cn", **account_fields):
    researcher = ResearcherFactory()
    JournalAccountFactory(researcher=researcher, identity=email, **account_fields)
    return researcher


def offered(order, researcher) -> list[str]:
    return [agreement.institution for agreement in agreements_offered(order=order, researcher=researcher)]


def requested(*, agreement=None, researcher=None, order=None) -> CoverageRequest:
    researcher = researcher or verified_researcher()
    order = order or OrderFactory(researcher=researcher)
    agreement = agreement or make_agreement()
    return coverage_request(order=order, researcher=researcher, agreement_id=agreement.pk)


# --- who an agreement covers -----------------------------------------------------------------------------------


def test_a_verified_email_in_a_subdomain_of_the_agreement_matches():
    make_agreement()
    researcher = verified_researcher("Li.Wei@Mail.Tsinghua.EDU.cn")

    assert offered(OrderFactory(researcher=researcher), researcher) == ["清华大学"]


def test_a_verified_email_in_the_domain_itself_matches():
    make_agreement()
    researcher = verified_researcher("li@tsinghua.edu.cn")

    assert offered(OrderFactory(researcher=researcher), researcher) == ["清华大学"]


def test_a_look_alike_domain_does_not_match():
    make_agreement(institution_names=[])
    researcher = verified_researcher("li@evil-tsinghua.edu.cn")

    assert offered(OrderFactory(researcher=researcher), researcher) == []


def test_an_email_of_an_unverified_account_proves_nothing():
    make_agreement(institution_names=[])
    researcher = verified_researcher(status=JournalAccountStatus.PENDING)

    assert offered(OrderFactory(researcher=researcher), researcher) == []


def test_a_declared_institution_matches_whatever_its_case_and_spacing():
    make_agreement(institution="Tsinghua University", email_domains=[], institution_names=["Tsinghua University"])
    researcher = ResearcherFactory(institution="  tsinghua   UNIVERSITY ")

    assert offered(OrderFactory(researcher=researcher), researcher) == ["Tsinghua University"]


def test_another_declared_institution_does_not_match():
    make_agreement(email_domains=[])
    researcher = ResearcherFactory(institution="北京大学")

    assert offered(OrderFactory(researcher=researcher), researcher) == []


def test_an_agreement_for_other_journals_does_not_cover_the_order():
    make_agreement(journals=[JournalFactory(key="other")])
    researcher = verified_researcher()

    assert offered(OrderFactory(researcher=researcher), researcher) == []


def test_an_agreement_that_names_the_orders_journal_covers_it():
    researcher = verified_researcher()
    order = OrderFactory(researcher=researcher)
    make_agreement(journals=[order.journal, JournalFactory(key="other")])

    assert offered(order, researcher) == ["清华大学"]


def test_an_agreement_for_other_charge_kinds_does_not_cover_the_order():
    make_agreement(charge_kinds=["page_charge"])
    researcher = verified_researcher()

    assert offered(OrderFactory(researcher=researcher), researcher) == []


@pytest.mark.parametrize(("starts_in", "ends_in"), [(1, 30), (-30, -1)], ids=["not yet", "ended"])
def test_an_agreement_outside_its_dates_does_not_match(starts_in, ends_in):
    today = timezone.localdate()
    make_agreement(valid_from=today + timedelta(days=starts_in), valid_until=today + timedelta(days=ends_in))
    researcher = verified_researcher()

    assert offered(OrderFactory(researcher=researcher), researcher) == []


def test_an_inactive_agreement_does_not_match():
    make_agreement(active=False)
    researcher = verified_researcher()

    assert offered(OrderFactory(researcher=researcher), researcher) == []


def test_an_agreement_that_covered_its_cap_of_orders_does_not_match():
    make_agreement(max_orders=3, used_orders=3)
    researcher = verified_researcher()

    assert offered(OrderFactory(researcher=researcher), researcher) == []


def test_an_agreement_without_room_for_the_orders_amount_does_not_match():
    make_agreement(max_amount_fen=1_000_000, used_amount_fen=800_000)  # 2,000 yuan left, 2,500 due
    researcher = verified_researcher()

    assert offered(OrderFactory(researcher=researcher), researcher) == []


def test_an_agreement_with_exactly_the_orders_amount_left_matches():
    make_agreement(max_amount_fen=1_000_000, used_amount_fen=750_000)
    researcher = verified_researcher()

    assert offered(OrderFactory(researcher=researcher), researcher) == ["清华大学"]


def test_the_order_detail_offers_the_matching_agreements():
    agreement = make_agreement()
    researcher = verified_researcher()
    order = OrderFactory(researcher=researcher)

    details = order_institution_details(order=order, researcher=researcher)

    assert details["coverage_offers"] == [{"agreement": agreement.pk, "institution": "清华大学"}]
    assert details["coverage"] is None and details["voucher"] is None


# --- requesting coverage ---------------------------------------------------------------------------------------


def test_a_request_for_an_offered_agreement_waits_for_staff_with_its_basis():
    coverage = requested()

    assert coverage.status == CoverageStatus.REQUESTED
    assert "li.wei@mail.tsinghua.edu.cn" in coverage.reason


def test_a_second_request_while_one_is_pending_is_a_conflict():
    coverage = requested()

    with pytest.raises(CoveragePending) as refused:
        coverage_request(order=coverage.order, researcher=coverage.order.researcher,
                         agreement_id=coverage.agreement_id)

    assert refused.value.status_code == 409 and refused.value.code == "coverage_pending"


def test_while_a_request_is_pending_nothing_more_is_offered():
    coverage = requested()

    details = order_institution_details(order=coverage.order, researcher=coverage.order.researcher)

    assert details["coverage"] == {"id": coverage.pk, "status": "requested", "institution": "清华大学", "reason": ""}
    assert details["coverage_offers"] == []


def test_an_agreement_not_offered_to_the_researcher_is_a_field_error():
    agreement = make_agreement(email_domains=["pku.edu.cn"], institution_names=[])

    with pytest.raises(PaymentInvalid) as refused:
        requested(agreement=agreement)

    assert list(refused.value.fields) == ["agreement"]


def test_a_coauthor_may_ask_their_own_institution_to_pay_the_manuscripts_order():
    emails = ("li.wei@example.org", "wang.fang@mails.tsinghua.edu.cn")
    system = make_journal_system()
    li = make_account(make_researcher("Li Wei"), system, email=emails[0], user_id="2210")
    wang = make_account(make_researcher("Wang Fang"), system, email=emails[1], user_id="2211")
    snapshots_apply(journal_system=system, seen_by=li, snapshots=[snapshot(emails=emails)])
    manuscript = Manuscript.objects.get()
    order = OrderFactory(researcher=li.researcher, journal=manuscript.journal, manuscript_id=manuscript.pk)
    agreement = make_agreement()

    coverage = coverage_request(order=order, researcher=wang.researcher, agreement_id=agreement.pk)

    assert coverage.status == CoverageStatus.REQUESTED and "Wang Fang" in coverage.reason


def test_someone_who_is_not_an_author_of_the_order_cannot_request():
    agreement = make_agreement()
    order = OrderFactory(researcher=verified_researcher())

    with pytest.raises(CoverageNotFound):
        coverage_request(order=order, researcher=verified_researcher(), agreement_id=agreement.pk)


def test_an_expired_order_cannot_be_covered():
    researcher = verified_researcher()
    order = OrderFactory(researcher=researcher, expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(OrderExpired):
        requested(order=order, researcher=researcher)


# --- staff decide ----------------------------------------------------------------------------------------------


def test_approval_settles_the_order_by_the_agreement_and_counts_it():
    coverage = requested()
    staff = UserFactory(is_staff=True)

    coverage_approve(request_id=coverage.pk, actor=staff)

    order, agreement = coverage.order, coverage.agreement
    order.refresh_from_db()
    agreement.refresh_from_db()
    coverage.refresh_from_db()
    assert (order.status, order.settled_by) == (OrderStatus.PAID, SettledBy.AGREEMENT)
    assert (agreement.used_orders, agreement.used_amount_fen) == (1, 250000)
    assert (coverage.status, coverage.decided_by) == (CoverageStatus.APPROVED, staff)
    assert OrderAudit.objects.filter(order=order, action=AuditAction.COVERAGE_APPROVED, actor=staff,
                                     amount_fen=250000).count() == 1


def test_approval_tells_the_author_the_payment_was_received():
    coverage = requested()

    coverage_approve(request_id=coverage.pk, actor=None)

    assert Notification.objects.filter(researcher=coverage.order.researcher, kind="payment_received").count() == 1


def test_a_second_approval_changes_nothing():
    coverage = requested()
    coverage_approve(request_id=coverage.pk, actor=None)

    with pytest.raises(CoverageDecided):
        coverage_approve(request_id=coverage.pk, actor=None)

    agreement = Agreement.objects.get(pk=coverage.agreement_id)
    assert (agreement.used_orders, agreement.used_amount_fen) == (1, 250000)


def test_approval_is_refused_when_the_cap_was_reached_since_the_request():
    coverage = requested(agreement=make_agreement(max_orders=1))
    Agreement.objects.filter(pk=coverage.agreement_id).update(used_orders=1)

    with pytest.raises(CoverageNotPossible) as refused:
        coverage_approve(request_id=coverage.pk, actor=None)

    coverage.refresh_from_db()
    coverage.order.refresh_from_db()
    assert "清华大学" in str(refused.value.message)
    assert coverage.status == CoverageStatus.REQUESTED and coverage.order.status == OrderStatus.CREATED


def test_approval_is_refused_when_the_amount_cap_has_no_room_left():
    coverage = requested(agreement=make_agreement(max_amount_fen=300000))
    Agreement.objects.filter(pk=coverage.agreement_id).update(used_amount_fen=100000)

    with pytest.raises(CoverageNotPossible):
        coverage_approve(request_id=coverage.pk, actor=None)

    assert Agreement.objects.get(pk=coverage.agreement_id).used_orders == 0


def test_refusal_tells_the_author_why_once():
    researcher = verified_researcher()
    researcher.language = "en"
    researcher.save()
    coverage = requested(researcher=researcher)

    coverage_refuse(request_id=coverage.pk, actor=None, reason="Not a member of the faculty")

    notice = Notification.objects.get(researcher=coverage.order.researcher, kind="payment_due")
    assert notice.dedupe_key == f"coverage_refused:{coverage.pk}"
    assert notice.title == "Your institution's coverage was refused: Not a member of the faculty"
    assert notice.page == f"packages/payments/order?id={coverage.order.pk}"


def test_refusal_is_audited_and_leaves_the_order_payable():
    coverage = requested()

    coverage_refuse(request_id=coverage.pk, actor=None, reason="Cap spent for this year")

    coverage.order.refresh_from_db()
    assert coverage.order.status == OrderStatus.CREATED
    assert OrderAudit.objects.get(order=coverage.order, action=AuditAction.COVERAGE_REFUSED).reason.endswith(
        "Cap spent for this year")


def test_refusal_needs_a_reason():
    coverage = requested()

    with pytest.raises(PaymentInvalid) as refused:
        coverage_refuse(request_id=coverage.pk, actor=None, reason="  ")

    assert list(refused.value.fields) == ["reason"]


def test_after_a_refusal_the_researcher_sees_the_reason_and_may_ask_again():
    coverage = requested()
    coverage_refuse(request_id=coverage.pk, actor=None, reason="Wrong department")

    details = order_institution_details(order=coverage.order, researcher=coverage.order.researcher)

    assert details["coverage"]["status"] == "refused" and details["coverage"]["reason"] == "Wrong department"
    assert [offer["agreement"] for offer in details["coverage_offers"]] == [coverage.agreement_id]


# --- concurrency (real PostgreSQL transactions) ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_approvals_for_the_last_place_of_a_cap_approve_exactly_one():
    agreement = make_agreement(max_orders=1)
    first, second = requested(agreement=agreement), requested(agreement=agreement)
    outcomes = []

    def contender() -> None:
        with pytest.raises(CoverageNotPossible):
            coverage_approve(request_id=second.pk, actor=None)
        outcomes.append("refused")

    contend_with_an_open_transaction(lambda: coverage_approve(request_id=first.pk, actor=None), contender,
                                     waits_for="the second approval to wait for the agreement's lock")

    agreement.refresh_from_db()
    assert outcomes == ["refused"]
    assert (agreement.used_orders, agreement.used_amount_fen) == (1, 250000)
    assert list(CoverageRequest.objects.order_by("pk").values_list("status", flat=True)) == ["approved", "requested"]
