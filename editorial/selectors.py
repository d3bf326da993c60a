"""Reads for the editorial dashboard, per-journal staff permissions and conversations with editorial offices.

Every figure comes from another app's selector that aggregates in SQL (GROUP BY, one query per figure where
the figure allows; notifications' delivery stats take two), never loading researchers or manuscripts into
Python. Figures are cached for settings.EDITORIAL_DASHBOARD_CACHE_SECONDS (five minutes by default) under
`editorial:dashboard:v<N>:<figure>`, inside the deployment's CACHE_KEY_PREFIX. Per-journal figures are
counted and cached for every journal once; each viewer then gets only the rows of their journals
(`journals_for_staff`), so the cache holds one copy whoever looks.

Conversations: what a researcher sees of theirs (`conversations_for_researcher`, with unread counts and the
last message, annotated in SQL), what staff see (`conversations_for_staff`, limited to their journals, queue
order), canned answers, signed image links, and the response figures (waiting now, median first response over
the last days; PostgreSQL's percentile_cont, None on SQLite) for the queue and, cached, the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Extract
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Journal
from accounts.selectors import journals_all, researchers_new_and_active_by_week, verified_accounts_by_platform
from editorial.models import CannedAnswer, Conversation, ConversationState, JournalStaff, Message
from manuscripts.selectors import manuscript_counts_by_journal_and_status, status_median_days_by_journal
from notifications.selectors import delivery_stats
from payments.selectors.totals import revenue_and_open_orders_by_journal

CACHE_VERSION = 1
WEEKS = 12
NOTIFICATION_DAYS = 30


def journals_for_staff(user) -> QuerySet[Journal]:
    """The journals this staff member works for: every journal for a superuser, else those a `JournalStaff`
    row ties them to; none for anyone inactive or not staff."""
    if not (user.is_active and user.is_staff):
        return journals_all().none()
    if user.is_superuser:
        return journals_all()
    return journals_all().filter(pk__in=JournalStaff.objects.filter(user=user).values("journal_id"))


def dashboard_cache_key(figure: str) -> str:
    return f"editorial:dashboard:v{CACHE_VERSION}:{figure}"


def _cached(figure: str, compute: Callable[[], Any]) -> Any:
    key = dashboard_cache_key(figure)
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, settings.EDITORIAL_DASHBOARD_CACHE_SECONDS)
    return found


def _this_monday() -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday())


def researchers_by_week(*, weeks: int = WEEKS) -> list[dict]:
    """The last `weeks` ISO weeks (this one last), each {"week": "2026-W49", "starts_on", "new", "active"}:
    researchers created in the week and researchers last seen in it; empty weeks as 0."""

    def compute() -> list[dict]:
        first = _this_monday() - timedelta(weeks=weeks - 1)
        zone = timezone.get_current_timezone()
        since = timezone.make_aware(datetime.combine(first, time.min), zone)
        counts = {(row["kind"], row["week"]): row["researchers"]
                  for row in researchers_new_and_active_by_week(since=since)}
        rows = []
        for index in range(weeks):
            monday = first + timedelta(weeks=index)
            year, week, _ = monday.isocalendar()
            rows.append({"week": f"{year}-W{week:02d}", "starts_on": monday.isoformat(),
                         "new": counts.get(("new", monday), 0), "active": counts.get(("active", monday), 0)})
        return rows

    return _cached(f"researchers_by_week:{weeks}", compute)


def linked_accounts_by_platform() -> list[dict]:
    """[{"platform", "accounts", "researchers"}]: verified linked accounts per platform."""
    return _cached("linked_accounts", verified_accounts_by_platform)


def notifications_by_template(*, days: int = NOTIFICATION_DAYS) -> list[dict]:
    """Per template, what the sender settled in the last `days` days: sent, no credit, skipped, failed."""
    return _cached(f"notifications:{days}",
                   lambda: delivery_stats(since=timezone.now() - timedelta(days=days)))


def _for(rows: list[dict], journal_ids: set[int]) -> list[dict]:
    return [row for row in rows if row["journal_id"] in journal_ids]


def manuscripts_by_status(*, journal_ids: set[int]) -> list[dict]:
    """[{"journal_id", "status", "manuscripts"}] of these journals."""
    return _for(_cached("manuscripts_by_status", manuscript_counts_by_journal_and_status), journal_ids)


def median_days_in_status(*, journal_ids: set[int]) -> list[dict] | None:
    """[{"journal_id", "status", "median_days", "stays"}] of these journals; None where the database cannot
    compute medians (SQLite, `make run`): the dashboard shows "—"."""
    def compute():
        found = status_median_days_by_journal()
        return "unavailable" if found is None else found

    rows = _cached("median_days", compute)
    return None if rows == "unavailable" else _for(rows, journal_ids)


def revenue_by_journal(*, journal_ids: set[int]) -> list[dict]:
    """[{"journal_id", "paid_orders", "paid_fen", "refunded_fen", "open_orders", "open_fen"}] of these journals."""
    return _for(_cached("revenue", revenue_and_open_orders_by_journal), journal_ids)


def conversation_figures(*, journal_ids: set[int]) -> list[dict]:
    """[{"journal_id", "waiting", "answered", "median_first_response_hours"}] of these journals (journals without
    conversations included, with 0 and None): counted for every journal once and cached like the other figures.
    `median_first_response_hours` is None where no conversation got its first answer in the last
    RESPONSE_DAYS days, or where the database cannot compute medians (SQLite)."""
    rows = {row["journal_id"]: row for row in _cached(f"conversations:{RESPONSE_DAYS}", conversation_response_figures)}
    return [rows.get(journal_id) or {"journal_id": journal_id, "waiting": 0, "answered": 0,
                                     "median_first_response_hours": None}
            for journal_id in sorted(journal_ids)]


# --- Conversations ----------------------------------------------------------------------------------------------

RESPONSE_DAYS = 30
# The newest messages a conversation's detail carries (the Contract: at most 200).
THREAD_MESSAGES = 200
IMAGE_SALT = "editorial.conversation-image"


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile (the median at 0.5) of an expression, FILTER-able like any aggregate."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def conversation_response_figures(*, journal_ids: set[int] | None = None, days: int = RESPONSE_DAYS) -> list[dict]:
    """[{"journal_id", "waiting", "answered", "median_first_response_hours"}] per journal that has conversations
    (of `journal_ids`, or every journal), live, in one grouped query: conversations waiting now, conversations
    first answered in the last `days` days, and the median hours from start to that first answer (None on a
    database without percentile_cont, or without such a conversation)."""
    since = timezone.now() - timedelta(days=days)
    answered_recently = Q(first_response_at__gte=since)
    figures = {"waiting": Count("pk", filter=Q(state=ConversationState.WAITING)),
               "answered": Count("pk", filter=answered_recently)}
    if connection.vendor == "postgresql":
        figures["median_seconds"] = PercentileCont(
            Extract(ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField()),
                    "epoch"),
            filter=answered_recently)
    conversations = Conversation.objects.all()
    if journal_ids is not None:
        conversations = conversations.filter(journal_id__in=journal_ids)
    rows = conversations.order_by().values("journal_id").annotate(**figures).order_by("journal_id")
    return [{"journal_id": row["journal_id"], "waiting": row["waiting"], "answered": row["answered"],
             "median_first_response_hours": (None if row.get("median_seconds") is None
                                             else round(row["median_seconds"] / 3600, 2))}
            for row in rows]


def office_name(journal: Journal, language: str) -> str:
    """How the researcher sees staff: the journal's editorial office, never a staff member's name."""
    with translation.override(language):
        return gettext("Editorial office of %(journal)s") % {"journal": journal.localized_name(language) or journal.key}


def _last_message(field: str) -> Subquery:
    return Subquery(Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
                    .values(field)[:1])


def conversations_for_researcher(*, researcher, journal_id: int | None = None,
                                 manuscript_id: int | None = None) -> QuerySet[Conversation]:
    """The researcher's conversations, most recently active first, each with `unread` (staff messages after
    they last read it) and its last message (`last_body`, `last_from_staff`, `last_image`, `last_created_at`)."""
    unread_after = Q(messages__from_staff=True) & (Q(researcher_read_at__isnull=True)
                                                   | Q(messages__created_at__gt=F("researcher_read_at")))
    conversations = (Conversation.objects.filter(researcher=researcher)
                     .select_related("journal", "researcher", "manuscript", "manuscript__journal_system")
                     .annotate(unread=Count("messages", filter=unread_after),
                               last_body=_last_message("body"), last_from_staff=_last_message("from_staff"),
                               last_image=_last_message("image"), last_created_at=_last_message("created_at"))
                     .order_by("-updated_at", "-id"))
    if journal_id is not None:
        conversations = conversations.filter(journal_id=journal_id)
    if manuscript_id is not None:
        conversations = conversations.filter(manuscript_id=manuscript_id)
    return conversations


def conversation_of_researcher(*, researcher, conversation_id: int) -> Conversation | None:
    return conversations_for_researcher(researcher=researcher).filter(pk=conversation_id).first()


def conversation_messages(*, conversation: Conversation, limit: int = THREAD_MESSAGES) -> list[Message]:
    """The conversation's latest `limit` messages, oldest first."""
    newest = list(Message.objects.filter(conversation=conversation).order_by("-created_at", "-id")[:limit])
    return newest[::-1]


def open_conversation(*, researcher, journal_id: int, manuscript_id: int | None) -> Conversation | None:
    """The researcher's open (not closed) conversation about this manuscript, or about the journal without one."""
    found = Conversation.objects.filter(researcher=researcher).exclude(state=ConversationState.CLOSED)
    if manuscript_id is not None:
        return found.filter(manuscript_id=manuscript_id).first()
    return found.filter(journal_id=journal_id, manuscript__isnull=True).first()


def conversations_for_staff(user) -> QuerySet[Conversation]:
    """The conversations of the journals this staff member works for (none for anyone else), in queue order:
    waiting first, the longest waiting first; then the others, most recently active first."""
    return (Conversation.objects.filter(journal__in=journals_for_staff(user))
            .select_related("journal", "researcher", "manuscript", "assigned_to")
            .annotate(queue_rank=Case(When(state=ConversationState.WAITING, then=Value(0)),
                                      When(state=ConversationState.ANSWERED, then=Value(1)), default=Value(2)),
                      waiting_since=Case(When(state=ConversationState.WAITING,
                                              then=F("last_researcher_message_at")), default=None)))


def journal_staff_users(*, journal_id: int) -> QuerySet:
    """The active staff users who work for this journal (those a conversation may be assigned to)."""
    return (get_user_model().objects.filter(is_active=True, is_staff=True,
                                            journal_staff__journal_id=journal_id)
            .order_by("username").distinct())


def user_works_for_journal(*, user, journal_id: int) -> bool:
    return journals_for_staff(user).filter(pk=journal_id).exists()


def canned_answers_for(*, conversation: Conversation) -> QuerySet[CannedAnswer]:
    """Active canned answers staff may use on this conversation (every journal's and its journal's),
    the best fit first: those for the manuscript's current status, then those in the conversation's language."""
    status = conversation.manuscript.canonical_status if conversation.manuscript_id else ""
    fits_status = Case(When(canonical_status=status, then=Value(0)), default=Value(1)) if status else Value(1)
    answers = (CannedAnswer.objects.filter(active=True)
               .filter(Q(journal__isnull=True) | Q(journal_id=conversation.journal_id))
               .filter(Q(canonical_status="") | Q(canonical_status=status))
               .annotate(fits_status=fits_status,
                         fits_language=Case(When(language=conversation.language, then=Value(0)), default=Value(1)))
               .order_by("fits_status", "fits_language", "title", "pk"))
    return answers


def canned_answers_for_staff(user) -> QuerySet[CannedAnswer]:
    """Canned answers staff may see in admin: every journal's, and those of their own journals."""
    return CannedAnswer.objects.filter(Q(journal__isnull=True) | Q(journal__in=journals_for_staff(user)))


def image_token(*, message_id: int) -> str:
    return signing.TimestampSigner(salt=IMAGE_SALT).sign(str(message_id))


def image_url(*, message: Message) -> str:
    """An absolute, signed, expiring link to the message's image (works without an Authorization header)."""
    path = reverse("conversation-image", args=[message.pk])
    return f"{settings.PUBLIC_BASE_URL}{path}?{urlencode({'t': image_token(message_id=message.pk)})}"


def message_for_image_token(*, message_id: int, token: str) -> Message | None:
    """The message with an image that `token` was signed for, or None (wrong, forged or expired token)."""
    try:
        signed_id = signing.TimestampSigner(salt=IMAGE_SALT).unsign(
            token, max_age=settings.EDITORIAL_IMAGE_LINK_TTL_SECONDS)
    except signing.BadSignature:  # SignatureExpired included
        return None
    if signed_id != str(message_id):
        return None
    return Message.objects.filter(pk=message_id).exclude(image="").first()


def conversations_of_researcher_export(*, researcher) -> QuerySet[Conversation]:
    """Every conversation of the researcher with its journal and messages, oldest first (the privacy export)."""
    return (Conversation.objects.filter(researcher=researcher).select_related("journal", "manuscript")
            .prefetch_related(Prefetch("messages", queryset=Message.objects.order_by("created_at", "id")))
            .order_by("created_at", "pk"))
