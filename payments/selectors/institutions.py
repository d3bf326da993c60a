"""Reads for institutional coverage, vouchers and bank transfers: which agreements could pay an order, and what an
order's detail shows of them.

Matching an agreement (the one place these rules live):
- the agreement is active, today is within valid_from..valid_until, the order's journal is among its journals
  (none chosen: every journal) and its kind among its charge kinds (empty: every kind);
- its caps leave room: fewer covered orders than `max_orders`, and `used_amount_fen` plus this order's amount
  within `max_amount_fen`;
- the researcher shows a tie to the institution: a VERIFIED journal account whose e-mail on file is in one of
  its e-mail domains or a subdomain of one (the platform holds that address: a proof), or a declared
  institution equal to one of its `institution_names` (only a claim: staff approve every request anyway).
The ROR id is kept for staff only: researchers don't declare one.
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import JournalAccount, JournalAccountStatus, Researcher
from payments.models import Agreement, CoverageRequest, CoverageStatus, Order, VoucherRedemption


def email_domain_covered(*, email: str, domains: list[str]) -> bool:
    """Whether the e-mail's domain is one of `domains` or a subdomain of one ("mail.tsinghua.edu.cn" is under
    "tsinghua.edu.cn"; "evil-tsinghua.edu.cn" is not). Case-insensitive."""
    _local, at, domain = email.strip().rpartition("@")
    domain = domain.lower().rstrip(".")
    if not at or not domain:
        return False
    for wanted in domains:
        wanted = str(wanted).strip().lower().lstrip("@.").rstrip(".")
        if wanted and (domain == wanted or domain.endswith("." + wanted)):
            return True
    return False


def institution_name_normalized(name: str) -> str:
    """A name as compared: full-width forms folded (NFKC), case folded, runs of whitespace as one space."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _verified_emails(*, researcher: Researcher) -> list[tuple[str, str]]:
    """(e-mail on file, journal system name) of the researcher's verified journal accounts."""
    return [(email, system) for email, system in JournalAccount.objects.filter(
        researcher=researcher, status=JournalAccountStatus.VERIFIED).exclude(email_on_file="")
        .values_list("email_on_file", "journal_system__name_en")]


def agreement_tie(*, agreement: Agreement, researcher: Researcher,
                  verified_emails: list[tuple[str, str]] | None = None) -> str:
    """What ties the researcher to the agreement's institution, in words for staff ("" when nothing does)."""
    if verified_emails is None:
        verified_emails = _verified_emails(researcher=researcher)
    for email, system in verified_emails:
        if email_domain_covered(email=email, domains=agreement.email_domains or []):
            return _("Verified e-mail %(email)s (%(system)s)") % {"email": email, "system": system}
    declared = institution_name_normalized(researcher.institution or "")
    if declared and declared in {institution_name_normalized(str(name)) for name in agreement.institution_names or []}:
        return _("Declared institution: %(name)s (a claim, not a proof)") % {"name": researcher.institution.strip()}
    return ""


def agreements_open_for(*, order: Order) -> list[Agreement]:
    """Agreements that could pay `order` today whoever asks: active, valid, its journal and kind, caps not reached.

    The charge kinds (a JSON list) are compared here rather than in SQL: SQLite, which `make run` uses, has no
    JSON containment lookup, and an institution has few agreements."""
    today = timezone.localdate()
    journal_links = Agreement.journals.through.objects.filter(agreement_id=OuterRef("pk"))
    candidates = (Agreement.objects
                  .filter(active=True, valid_from__lte=today, valid_until__gte=today)
                  .filter(~Exists(journal_links) | Exists(journal_links.filter(journal_id=order.journal_id)))
                  .filter(Q(max_orders__isnull=True) | Q(used_orders__lt=F("max_orders")))
                  .filter(Q(max_amount_fen__isnull=True)
                          | Q(max_amount_fen__gte=F("used_amount_fen") + order.amount_fen))
                  .order_by("institution", "pk"))
    return [agreement for agreement in candidates
            if not agreement.charge_kinds or order.kind in agreement.charge_kinds]


def agreements_offered(*, order: Order, researcher: Researcher) -> list[Agreement]:
    """The agreements that could cover `order` for `researcher` (see the module's matching rules)."""
    verified_emails = _verified_emails(researcher=researcher)
    return [agreement for agreement in agreements_open_for(order=order)
            if agreement_tie(agreement=agreement, researcher=researcher, verified_emails=verified_emails)]


def bank_transfer_details(*, order: Order) -> dict | None:
    """What a corporate transfer (对公转账) for `order` needs: the publisher's account and the reference the remark
    must carry. None while the account is not configured."""
    if not (settings.PAYMENTS_BANK_ACCOUNT_NAME and settings.PAYMENTS_BANK_NAME
            and settings.PAYMENTS_BANK_ACCOUNT_NUMBER):
        return None
    return {"account_name": settings.PAYMENTS_BANK_ACCOUNT_NAME, "bank_name": settings.PAYMENTS_BANK_NAME,
            "account_number": settings.PAYMENTS_BANK_ACCOUNT_NUMBER, "reference": order.transfer_reference,
            "amount_fen": order.amount_fen}


def coverage_latest(*, order: Order) -> CoverageRequest | None:
    return (CoverageRequest.objects.select_related("agreement").filter(order=order)
            .order_by("-created_at", "-pk").first())


def coverage_body(coverage: CoverageRequest) -> dict:
    """A coverage request as the researcher sees it; `reason` is the refusal's (staff notes stay with staff)."""
    return {"id": coverage.pk, "status": coverage.status, "institution": coverage.agreement.institution,
            "reason": coverage.reason if coverage.status == CoverageStatus.REFUSED else ""}


def order_institution_details(*, order: Order, researcher: Researcher) -> dict:
    """What an order's detail shows of coverage, vouchers and bank transfer, for `researcher`:
    {"coverage": latest request or None, "coverage_offers": [{"agreement", "institution"}] (only while the order
    can still be covered and nothing is pending), "bank_transfer": details or None (open orders only),
    "voucher": {"code", "discount_fen"} or None}."""
    coverage = coverage_latest(order=order)
    payable = order.is_open and not order.is_expired
    offers = []
    if payable and (coverage is None or coverage.status != CoverageStatus.REQUESTED):
        offers = [{"agreement": agreement.pk, "institution": agreement.institution}
                  for agreement in agreements_offered(order=order, researcher=researcher)]
    redemption = VoucherRedemption.objects.select_related("voucher").filter(order=order).first()
    return {
        "coverage": coverage_body(coverage) if coverage else None,
        "coverage_offers": offers,
        "bank_transfer": bank_transfer_details(order=order) if payable else None,
        "voucher": ({"code": redemption.voucher.code, "discount_fen": redemption.discount_fen}
                    if redemption else None),
    }
