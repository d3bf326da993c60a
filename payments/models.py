"""Payments' rows. Every amount is an integer number of fen (分); CNY only.

An `Order` is what is owed (a charge of a journal, optionally for a manuscript). Each time someone pays it
through WeChat Pay a `PaymentAttempt` holds that payer's prepay under its own `out_trade_no`, so a shared order
paid by a colleague never reuses the author's prepay (WeChat binds a prepay to one openid). Every callback and
every answer of WeChat Pay is kept as a `PaymentEvent`, as received.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Journal, LocalizedName, Researcher


class ChargeKind(LocalizedName, models.Model):
    """A kind of charge (APC, page charges, …). Journals list their amounts per kind (`Journal.charges`)."""

    code = models.SlugField(_("code"), max_length=32, unique=True,
                            help_text=_("As journals list it in their charges, e.g. apc."))
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        verbose_name = _("charge kind")
        verbose_name_plural = _("charge kinds")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en or self.code


class OrderStatus(models.TextChoices):
    CREATED = "created", _("Awaiting payment")
    PAYING = "paying", _("Payment in progress")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")


OPEN_STATUSES = (OrderStatus.CREATED, OrderStatus.PAYING)
SETTLED_STATUSES = (OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED)


class SettledBy(models.TextChoices):
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")
    AGREEMENT = "agreement", _("Institutional agreement")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    WAIVED = "waived", _("Waived")


class Order(models.Model):
    researcher = models.ForeignKey(Researcher, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="orders", verbose_name=_("author"))
    manuscript = models.ForeignKey("manuscripts.Manuscript", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("manuscript"))
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("journal"))
    kind = models.CharField(_("charge kind"), max_length=32)
    description = models.CharField(_("description"), max_length=127,
                                   help_text=_("What the payer sees in WeChat Pay."))
    original_amount_fen = models.PositiveBigIntegerField(_("amount charged (fen)"))
    discount_fen = models.PositiveBigIntegerField(_("discount (fen)"), default=0)
    amount_fen = models.PositiveBigIntegerField(_("amount due (fen)"))
    refunded_fen = models.PositiveBigIntegerField(_("refunded (fen)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.CREATED,
                              db_index=True)
    # Our order number; each WeChat Pay attempt adds a suffix. Also shown to staff and on receipts.
    out_trade_no = models.CharField(_("order number"), max_length=24, unique=True, editable=False)
    # What a bank transfer's remark must carry (对公转账), so a statement row finds its order.
    transfer_reference = models.CharField(_("bank transfer reference"), max_length=16, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    # Set when a rule made the order (e.g. "apc:manuscript:7"): the rule makes it once, whatever replays it.
    rule_key = models.CharField(_("rule"), max_length=64, unique=True, null=True, blank=True, editable=False)
    settled_by = models.CharField(_("settled by"), max_length=20, choices=SettledBy.choices, blank=True)
    payer = models.ForeignKey(Researcher, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("paid by"), help_text=_("Set when someone other than the author paid."))
    transaction_id = models.CharField(_("WeChat Pay transaction id"), max_length=64, blank=True, db_index=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, db_index=True)
    # A callback or query that disagreed with the order (amount, ids) or a second payment: staff look.
    needs_attention = models.BooleanField(_("needs attention"), default=False, db_index=True)
    # Settled, and `order_paid` not yet heard by the apps that listen (payments.events.paid_orders_publish): the
    # event's outbox is the order row itself, marked in the settling transaction.
    paid_event_pending = models.BooleanField(_("paid event pending"), default=False, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(discount_fen__lte=F("original_amount_fen")),
                                   name="order_discount_within_amount"),
            models.CheckConstraint(condition=Q(amount_fen=F("original_amount_fen") - F("discount_fen")),
                                   name="order_amount_is_original_less_discount"),
            models.CheckConstraint(condition=Q(refunded_fen__lte=F("amount_fen")), name="order_refund_within_amount"),
        ]
        # The staff API's change feed reads orders in (updated_at, id) order from a point on.
        indexes = [models.Index(fields=["updated_at", "id"], name="order_feed_idx"),
                   models.Index(fields=["id"], condition=Q(paid_event_pending=True),
                                name="order_paid_event_pending_idx")]

    def __str__(self) -> str:
        return self.out_trade_no

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class AttemptStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")


class PaymentAttempt(models.Model):
    """One payer's WeChat Pay prepay for an order, under its own out_trade_no."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("order"))
    out_trade_no = models.CharField(_("out_trade_no"), max_length=32, unique=True)
    payer = models.ForeignKey(Researcher, on_delete=models.SET_NULL, null=True, related_name="+",
                              verbose_name=_("payer"))
    openid = models.CharField(_("payer openid"), max_length=64)
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    prepay_id = models.CharField(_("prepay id"), max_length=64, blank=True)
    prepay_expires_at = models.DateTimeField(_("prepay expires at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.OPEN)
    transaction_id = models.CharField(_("WeChat Pay transaction id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    checked_at = models.DateTimeField(_("last asked WeChat Pay at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment attempt")
        verbose_name_plural = _("payment attempts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="attempt_status_created_idx")]

    def __str__(self) -> str:
        return self.out_trade_no


class EventSource(models.TextChoices):
    PAYMENT_NOTIFY = "payment_notify", _("Payment notification")
    REFUND_NOTIFY = "refund_notify", _("Refund notification")
    QUERY = "query", _("Order query")
    CLOSE = "close", _("Order close")
    REFUND_REQUEST = "refund_request", _("Refund request")
    PREPAY = "prepay", _("Prepay")


class EventOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    DUPLICATE = "duplicate", _("Already applied")
    IGNORED = "ignored", _("Nothing to change")
    MISMATCH = "mismatch", _("Did not match the order")
    UNKNOWN_ORDER = "unknown_order", _("Unknown order")
    FAILED = "failed", _("Failed")


class PaymentEvent(models.Model):
    """A verified callback or an answer of WeChat Pay, kept as received (raw body, decrypted resource)."""

    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="events",
                              verbose_name=_("order"))
    source = models.CharField(_("source"), max_length=20, choices=EventSource.choices)
    event_id = models.CharField(_("WeChat Pay event id"), max_length=64, blank=True, db_index=True)
    event_type = models.CharField(_("event type"), max_length=64, blank=True)
    out_trade_no = models.CharField(_("out_trade_no"), max_length=32, blank=True, db_index=True)
    raw_body = models.TextField(_("raw body"), blank=True)
    resource = models.JSONField(_("decrypted resource"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=EventOutcome.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    flagged = models.BooleanField(_("flagged for staff"), default=False, db_index=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.out_trade_no} ({self.outcome})"


class AuditAction(models.TextChoices):
    CREATED = "created", _("Created")
    DISCOUNTED = "discounted", _("Discounted")
    WAIVED = "waived", _("Waived")
    VOUCHER = "voucher", _("Voucher applied")
    REFUND_REQUESTED = "refund_requested", _("Refund requested")
    COVERAGE_APPROVED = "coverage_approved", _("Covered by agreement")
    COVERAGE_REFUSED = "coverage_refused", _("Coverage refused")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer matched")
    CLOSED = "closed", _("Closed")


class OrderAudit(models.Model):
    """Who changed an order's money, why, and by how much."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="audit", verbose_name=_("order"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"), default=0)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("order audit entry")
        verbose_name_plural = _("order audit")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.order} {self.action}"


class RefundStatus(models.TextChoices):
    PROCESSING = "processing", _("Processing")
    SUCCEEDED = "succeeded", _("Refunded")
    CLOSED = "closed", _("Closed")
    ABNORMAL = "abnormal", _("Needs attention")


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order"))
    attempt = models.ForeignKey(PaymentAttempt, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("payment refunded"))
    out_refund_no = models.CharField(_("refund number"), max_length=64, unique=True)
    refund_id = models.CharField(_("WeChat Pay refund id"), max_length=64, blank=True)
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=80)
    status = models.CharField(_("status"), max_length=12, choices=RefundStatus.choices,
                              default=RefundStatus.PROCESSING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("requested by"))
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    succeeded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return self.out_refund_no


class OrderShare(models.Model):
    """A link the author sends so someone else pays (a WeChat card). One live link per order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shares", verbose_name=_("order"))
    token = models.CharField(_("token"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        constraints = [models.UniqueConstraint(fields=["order"], condition=Q(revoked_at__isnull=True),
                                               name="order_share_one_live")]

    def __str__(self) -> str:
        return f"{self.order} share"


class Agreement(models.Model):
    """An institution pays its researchers' charges (read-and-publish or APC deals)."""

    institution = models.CharField(_("institution"), max_length=200)
    email_domains = models.JSONField(_("e-mail domains"), default=list, blank=True,
                                     help_text=_('e.g. ["tsinghua.edu.cn", "mails.tsinghua.edu.cn"]'))
    ror_id = models.CharField(_("ROR id"), max_length=40, blank=True)
    institution_names = models.JSONField(_("names researchers declare"), default=list, blank=True,
                                         help_text=_('Institution names as researchers type them, e.g. ["清华大学"].'))
    journals = models.ManyToManyField(Journal, blank=True, related_name="+", verbose_name=_("journals"),
                                      help_text=_("None chosen: every journal."))
    charge_kinds = models.JSONField(_("charge kinds covered"), default=list, blank=True,
                                    help_text=_('e.g. ["apc"]; empty: every kind.'))
    max_orders = models.PositiveIntegerField(_("cap on orders"), null=True, blank=True)
    max_amount_fen = models.PositiveBigIntegerField(_("cap on amount (fen)"), null=True, blank=True)
    used_orders = models.PositiveIntegerField(_("orders covered"), default=0, editable=False)
    used_amount_fen = models.PositiveBigIntegerField(_("amount covered (fen)"), default=0, editable=False)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("institutional agreement")
        verbose_name_plural = _("institutional agreements")
        ordering = ["institution"]

    def __str__(self) -> str:
        return self.institution


class CoverageStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class CoverageRequest(models.Model):
    """A researcher asks that an agreement pay an order; staff approve or refuse."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="coverage_requests",
                              verbose_name=_("order"))
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="requests",
                                  verbose_name=_("agreement"))
    status = models.CharField(_("status"), max_length=10, choices=CoverageStatus.choices,
                              default=CoverageStatus.REQUESTED, db_index=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("coverage request")
        verbose_name_plural = _("coverage requests")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["order"], condition=Q(status="requested"),
                                               name="coverage_one_pending_per_order")]

    def __str__(self) -> str:
        return f"{self.order} ← {self.agreement}"


class VoucherKind(models.TextChoices):
    PERCENT = "percent", _("Percent off")
    FIXED = "fixed", _("Fixed amount off")


class Voucher(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True, help_text=_("Stored in capitals."))
    journal = models.ForeignKey(Journal, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                verbose_name=_("journal"), help_text=_("Empty: every journal."))
    kind = models.CharField(_("kind"), max_length=10, choices=VoucherKind.choices)
    percent_off = models.PositiveSmallIntegerField(_("percent off"), null=True, blank=True)
    amount_off_fen = models.PositiveBigIntegerField(_("amount off (fen)"), null=True, blank=True)
    max_uses = models.PositiveIntegerField(_("uses allowed"), default=1)
    used_count = models.PositiveIntegerField(_("used"), default=0, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(used_count__lte=F("max_uses")), name="voucher_uses_within_limit"),
            models.CheckConstraint(condition=Q(percent_off__isnull=True) | Q(percent_off__lte=100),
                                   name="voucher_percent_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.code


class VoucherRedemption(models.Model):
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions",
                                verbose_name=_("voucher"))
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="voucher_redemption",
                                 verbose_name=_("order"))
    discount_fen = models.PositiveBigIntegerField(_("discount (fen)"))
    created_at = models.DateTimeField(_("redeemed at"), default=timezone.now)

    class Meta:
        verbose_name = _("voucher redemption")
        verbose_name_plural = _("voucher redemptions")

    def __str__(self) -> str:
        return f"{self.voucher} → {self.order}"


class BankStatementImport(models.Model):
    """An uploaded bank statement: previewed first, then applied as a whole or not at all."""

    file_name = models.CharField(_("file"), max_length=200)
    rows = models.JSONField(_("rows"), default=list, editable=False)  # parsed rows with their match verdicts
    matched = models.PositiveIntegerField(_("matched"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched"), default=0)
    mismatched = models.PositiveIntegerField(_("mismatched"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("uploaded by"))
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name


class FapiaoKind(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    COMPANY = "company", _("Company")


class FapiaoStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ISSUED = "issued", _("Issued")
    REJECTED = "rejected", _("Rejected")


class FapiaoRequest(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fapiao_requests",
                              verbose_name=_("order"))
    requester = models.ForeignKey(Researcher, on_delete=models.SET_NULL, null=True, related_name="+",
                                  verbose_name=_("requested by"))
    kind = models.CharField(_("kind"), max_length=10, choices=FapiaoKind.choices)
    title = models.CharField(_("name on the fapiao"), max_length=100)
    tax_id = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    email = models.EmailField(_("e-mail"))
    status = models.CharField(_("status"), max_length=10, choices=FapiaoStatus.choices,
                              default=FapiaoStatus.REQUESTED, db_index=True)
    reject_reason = models.CharField(_("reason for rejecting"), max_length=300, blank=True)
    file = models.FileField(_("fapiao file"), upload_to="fapiao/%Y/%m/", blank=True)
    processed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("processed by"))
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("fapiao request")
        verbose_name_plural = _("fapiao requests")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["order"], condition=~Q(status="rejected"),
                                               name="fapiao_one_live_per_order")]

    def __str__(self) -> str:
        return f"{self.order} {self.title}"
