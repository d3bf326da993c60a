from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Researcher


class NotificationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    NO_CREDIT = "no_credit", _("No subscription credit")
    FAILED = "failed", _("Failed")
    RETRY = "retry", _("Waiting to retry")
    SKIPPED = "skipped", _("Not sent to WeChat")
    COALESCED = "coalesced", _("Merged into a newer notice")


class WeChatErrcode(models.IntegerChoices):
    """WeChat's answers to subscribeMessage.send that the sender records, in words staff can act on.

    Meanings: WeChat's send page and its Tencent Cloud mirror (tencentcloud.com/document/product/1219/67648:
    43107 "subscription message capability banned" for the account or the template, 43108 "concurrent
    message sending", 45168 "sensitive words"); 45009 is "reach max api daily quota limit". See
    notifications.sender for how each is handled.
    """

    NO_ANSWER = -2, _("No answer from WeChat (timeout or network error); retried later")
    BUSY = -1, _("WeChat was busy; retried later")
    INVALID_CREDENTIAL = 40001, _("WeChat refused the access token")
    INVALID_OPENID = 40003, _("WeChat does not know this researcher's openid")
    ILLEGAL_TOKEN = 40014, _("WeChat found the access token malformed")
    INVALID_TEMPLATE = 40037, _("WeChat does not know this template id")
    INVALID_PAGE = 41030, _("The page is not in the released Mini Program")
    EXPIRED_TOKEN = 42001, _("The access token had expired")
    NO_SUBSCRIPTION = 43101, _("No subscription left at WeChat: the researcher declined or used it up")
    SUBSCRIPTION_BANNED = 43107, _("WeChat has banned subscription messages for this Mini Program or template")
    CONCURRENT_SEND = 43108, _("Another message to this researcher was in flight; retried within seconds")
    DAILY_QUOTA = 45009, _("WeChat's daily quota is used up; held until it resets at midnight Beijing time")
    MINUTE_QUOTA = 45011, _("WeChat's per-minute limit was reached; retried later")
    SENSITIVE_WORDS = 45168, _("WeChat's content check refused a word in the message")
    INVALID_DATA = 47003, _("A keyword value broke its template's rule")


# States the sender still has work for (a `sending` row whose lease ran out is recovered).
SENDER_STATES = (NotificationState.PENDING, NotificationState.RETRY, NotificationState.SENDING)


class Notification(models.Model):
    """Outbox and inbox in one: created with the event that causes it, then sent, and always kept."""

    # Every index costs each of the sender's state changes (several per notice), so there are few: the
    # inbox index leads with the researcher, and the sender's queue index holds only unsettled rows.
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="notifications",
                                   verbose_name=_("researcher"), db_index=False)
    kind = models.CharField(_("kind"), max_length=32)
    # The same event never makes two notifications.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.CharField(_("text"), max_length=500, blank=True)
    payload = models.JSONField(_("event data"), default=dict, blank=True)
    page = models.CharField(_("Mini Program page"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=NotificationState.choices,
                             default=NotificationState.PENDING)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Pending notices of one thread (e.g. one manuscript) waiting together go out as one message: the newest.
    thread = models.CharField(_("thread"), max_length=64, blank=True)

    # --- the sender's bookkeeping ---
    # When the sender may next take the row: creation, a retry's backoff, the end of quiet hours, or,
    # while `sending`, the end of the worker's lease (after which another worker recovers it).
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    recoveries = models.PositiveSmallIntegerField(
        _("lease recoveries"), default=0, help_text=_("Times a worker died while sending this notice."))
    template_id = models.CharField(_("WeChat template id"), max_length=64, blank=True)
    # A credit is spent once per notice, when it is first claimed; retries and recoveries reuse it.
    credit_spent = models.BooleanField(_("credit spent"), default=False)
    # 43108 answers (another send to the same user in flight): retried on their own short backoff, outside
    # NOTIFY_MAX_ATTEMPTS. A database default too, so raw inserts (benchmarks) need not name the column.
    busy_retries = models.PositiveSmallIntegerField(
        _("retries after concurrent sends"), default=0, db_default=0,
        help_text=_("Times WeChat answered 43108 (another message to this researcher in flight)."))
    errcode = models.IntegerField(_("WeChat errcode"), choices=WeChatErrcode.choices, null=True, blank=True)
    error = models.CharField(_("reason"), max_length=300, blank=True)
    msgid = models.CharField(_("WeChat msgid"), max_length=32, blank=True)
    # When the sender reached a final state (sent, no_credit, failed, skipped, coalesced): delivery stats use it.
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["researcher", "-created_at"], name="notification_inbox_idx"),
            # The sender's queue: only rows it still has work for.
            models.Index(fields=["next_attempt_at"], name="notification_due_idx",
                         condition=models.Q(state__in=["pending", "retry", "sending"])),
            models.Index(fields=["settled_at", "template_id"], name="notification_stats_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"

    @property
    def errcode_reason(self) -> str:
        """What WeChat's errcode means, in the reader's language ("" for none or an unknown code)."""
        if self.errcode is None or self.errcode not in WeChatErrcode.values:
            return ""
        return str(WeChatErrcode(self.errcode).label)


class EventKind(models.TextChoices):
    """Kinds of notice that may go out as a WeChat subscription message: a template and a preference name them."""

    STATUS_CHANGED = "status_changed", _("Manuscript status changed")
    PAYMENT_DUE = "payment_due", _("Payment due")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    REFUND_DONE = "refund_done", _("Refund done")
    ACCOUNT_LINKED = "account_linked", _("Journal account linked")
    FAPIAO_READY = "fapiao_ready", _("Fapiao ready")
    EDITORIAL_REPLY = "editorial_reply", _("Reply from the editorial office")
    DUE_REMINDER = "due_reminder", _("Due date reminder")


class InboxOnlyKind(models.TextChoices):
    """Kinds of notice that only ever appear in the inbox, never as a WeChat subscription message.

    WeChat allows a subscription message only for a service the user asked for and forbids marketing in it, so
    publisher news (campaigns) and the monthly impact digest have no template and no preference: their notices
    are created already settled (`notifications_create_many(..., inbox_only=True)`).
    """

    CAMPAIGN = "campaign", _("Publisher news")
    # A summary nobody asked for at a moment the Mini Program could request consent, so no subscription message
    # template fits it (manuscripts.services.impact_digest).
    IMPACT_DIGEST = "impact_digest", _("Monthly impact")


def notification_kind_label(kind: str) -> str:
    """A notice kind in the reader's language (the kind itself for one this code does not know)."""
    for choices in (EventKind, InboxOnlyKind):
        if kind in choices.values:
            return str(choices(kind).label)
    return kind


class NotificationTemplate(models.Model):
    """Which WeChat subscription-message template carries each kind of event (configured by staff)."""

    kind = models.CharField(_("event kind"), max_length=32, choices=EventKind.choices, unique=True)
    template_id = models.CharField(_("WeChat template id"), max_length=64, unique=True)
    # [{"keyword": "thing1", "field": "title", "label": "稿件标题"}, {"keyword": "thing4", "text": {"zh-hans":
    # "…", "en": "…"}}, …]: an event field, or a fixed text per language, fills each keyword; the type is
    # the keyword's prefix (thing, phrase, time, …) and notifications.formatting fits the value to it.
    keywords = models.JSONField(_("keywords"), default=list, blank=True, help_text=_(
        'A list like [{"keyword": "thing1", "field": "body", "label": "稿件标题"}, {"keyword": "thing4", '
        '"text": {"zh-hans": "点击查看", "en": "Tap to view"}}]. Fields: title, body, created_at, or a key of '
        'the event data (journal, status_phrase, occurred_at, amount_fen, order_no …).'))
    page = models.CharField(_("page to open"), max_length=300, blank=True,
                            help_text=_("Used when the notice has no page of its own, e.g. pages/inbox/inbox."))
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("subscription-message template")
        verbose_name_plural = _("subscription-message templates")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.template_id})"

    def clean(self) -> None:
        from notifications.formatting import UnknownKeywordType, keyword_type_of

        problems = []
        if not isinstance(self.keywords, list) or not self.keywords:
            raise ValidationError({"keywords": _("List the template's keywords.")})
        seen = set()
        for spec in self.keywords:
            keyword = spec.get("keyword") if isinstance(spec, dict) else None
            if not isinstance(keyword, str):
                problems.append(_("Each keyword needs a \"keyword\" name such as thing1."))
                continue
            try:
                keyword_type = keyword_type_of(keyword)
            except UnknownKeywordType:
                keyword_type = None
                problems.append(_("%(keyword)s: unknown WeChat keyword type.") % {"keyword": keyword})
            if keyword_type == "enum":
                problems.extend(_enum_problems(keyword, spec))
            elif "values" in spec or "map" in spec:
                problems.append(_('%(keyword)s: only an enum keyword takes "values" and "map".')
                                % {"keyword": keyword})
            if keyword in seen:
                problems.append(_("%(keyword)s appears twice.") % {"keyword": keyword})
            seen.add(keyword)
            field, text = spec.get("field"), spec.get("text")
            if not (isinstance(field, str) and field) and not (
                    isinstance(text, dict) and text and all(isinstance(v, str) for v in text.values())):
                problems.append(_("%(keyword)s: give an event \"field\" or a \"text\" per language.")
                                % {"keyword": keyword})
        if problems:
            raise ValidationError({"keywords": problems})
        if self.page.startswith("/"):
            raise ValidationError({"page": _("Write the page without a leading slash, e.g. pages/inbox/inbox.")})


def _one_line_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and value.isprintable()


def _enum_problems(keyword: str, spec: dict) -> list[str]:
    """An enum keyword (WeChat's enum.DATA) takes only the template's enumerated values: staff copy them into
    "values" exactly as WeChat lists them; an optional "map" turns event values into them."""
    values = spec.get("values")
    if not isinstance(values, list) or not values or not all(_one_line_text(value) for value in values):
        return [_('%(keyword)s: an enum keyword needs "values", the template\'s enumerated values as WeChat '
                  'lists them (one line each).') % {"keyword": keyword}]
    problems = []
    if len(set(values)) != len(values):
        problems.append(_("%(keyword)s: a value appears twice in \"values\".") % {"keyword": keyword})
    mapping = spec.get("map", {})
    if not isinstance(mapping, dict) or not all(isinstance(target, str) for target in mapping.values()):
        problems.append(_('%(keyword)s: "map" maps event values to enumerated values.') % {"keyword": keyword})
        mapping = {}
    texts = spec.get("text") if isinstance(spec.get("text"), dict) else {}
    fixed = [text for text in texts.values() if isinstance(text, str)]
    outside = sorted({value for value in [*mapping.values(), *fixed] if value not in values})
    if outside:
        problems.append(_("%(keyword)s: not among the enumerated values: %(values)s.")
                        % {"keyword": keyword, "values": ", ".join(outside)})
    return problems


class SubscriptionResult(models.TextChoices):
    ACCEPT = "accept", _("Accepted")
    REJECT = "reject", _("Rejected")
    BAN = "ban", _("Banned")
    FILTER = "filter", _("Filtered")


class SubscriptionGrant(models.Model):
    """How many one-time subscription messages a researcher allowed for a template (one per acceptance)."""

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="subscription_grants",
                                   verbose_name=_("researcher"))
    template_id = models.CharField(_("WeChat template id"), max_length=64)
    credits = models.PositiveIntegerField(_("credits"), default=0)
    last_result = models.CharField(_("last answer"), max_length=8, choices=SubscriptionResult.choices, blank=True)
    banned = models.BooleanField(_("banned"), default=False,
                                 help_text=_("The researcher turned this template off in WeChat: never ask again."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("subscription grant")
        verbose_name_plural = _("subscription grants")
        constraints = [
            models.UniqueConstraint(fields=["researcher", "template_id"], name="subscription_grant_unique"),
            models.CheckConstraint(condition=models.Q(credits__gte=0), name="subscription_grant_credits_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.researcher_id}:{self.template_id}={self.credits}"


class NotificationPreference(models.Model):
    """What a researcher wants to hear about in WeChat (the inbox always keeps everything)."""

    researcher = models.OneToOneField(Researcher, on_delete=models.CASCADE, related_name="notification_preference",
                                      primary_key=True, verbose_name=_("researcher"))
    # Event kinds switched off; an empty list means every kind is on.
    disabled_kinds = models.JSONField(_("kinds switched off"), default=list, blank=True)
    # Canonical statuses that alert on a status change; an empty list means every status.
    status_alerts = models.JSONField(_("statuses that alert"), default=list, blank=True)
    # Non-urgent notices wait while the clock (Beijing time) is in [quiet_start, quiet_end).
    quiet_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.researcher_id)
