"""The one way in for notifications, consent credits and preferences; `notifications.sender` sends the rows."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications.formatting import BEIJING
from notifications.models import (
    Notification,
    NotificationPreference,
    NotificationState,
    SubscriptionGrant,
    SubscriptionResult,
)
from publisher_backend.dispatch import enqueue_on_commit
from publisher_backend.rows import row_insert

logger = logging.getLogger(__name__)


SENDER_KICK = "notifications.send_due"  # the coalesce key of the sender's kicks
# The reason an inbox-only notice shows in admin (its state is skipped: never sent to WeChat).
INBOX_ONLY_REASON = "inbox only"


def sender_kick_on_commit() -> None:
    """Ask a worker to send after commit, unless a kick already waits in the queue (it will see these notices:
    a burst of payments or syncs costs one message on the broker). If the broker is unreachable the beat sweep
    sends within a minute anyway."""
    enqueue_on_commit("notifications.tasks.send_due", coalesce_key=SENDER_KICK)


def notification_create(*, researcher_id: int, kind: str, dedupe_key: str, title: str, body: str = "",
                        payload: dict | None = None, page: str = "", thread: str = "") -> Notification | None:
    """Create a pending notification inside the caller's transaction; None if `dedupe_key` already exists.

    Idempotent by `dedupe_key` (a unique column): replaying the same event makes nothing new. Pending
    notices with the same `thread` (e.g. "manuscript:7") for one researcher go out as one message. The
    sender is kicked when the caller's transaction commits, so the message leaves within seconds.
    """
    notification = Notification(researcher_id=researcher_id, kind=kind, dedupe_key=dedupe_key, title=title[:200],
                                body=body[:500], payload=payload or {}, page=page, thread=thread[:64])
    # INSERT … ON CONFLICT (dedupe_key) DO NOTHING: no savepoint, and the caller's transaction goes on either way.
    if not row_insert(notification, unless_exists_on=("dedupe_key",)):
        return None
    sender_kick_on_commit()
    return notification


def notification_mark_read(*, researcher_id: int, notification_id: int) -> Notification | None:
    """Mark one of the researcher's notifications read (idempotent: the first read time is kept)."""
    Notification.objects.filter(pk=notification_id, researcher_id=researcher_id, read_at__isnull=True).update(
        read_at=timezone.now())
    return Notification.objects.filter(pk=notification_id, researcher_id=researcher_id).first()


def notifications_mark_all_read(*, researcher_id: int) -> int:
    """Mark every unread notification of the researcher read; returns how many changed."""
    return Notification.objects.filter(researcher_id=researcher_id, read_at__isnull=True).update(read_at=timezone.now())


def notifications_create_many(*, notifications: list[dict], inbox_only: bool = False) -> int:
    """Create many notifications in the caller's transaction with one INSERT (batch syncs, campaigns).

    Each dict has researcher_id, kind, dedupe_key, title, and optionally body, payload, page, thread.
    Idempotent by dedupe_key: keys that exist already are skipped. Returns how many were new.

    By default the rows are pending and the sender is kicked after commit. With `inbox_only` they are created
    already settled as not sent to WeChat (state skipped, `settled_at` now, reason INBOX_ONLY_REASON): they
    show in the inbox, the sender never takes them (it only claims pending, retry and sending rows), no credit
    is spent and no sender is kicked. For what WeChat does not allow in subscription messages (campaigns).
    """
    if not notifications:
        return 0
    keys = [item["dedupe_key"] for item in notifications]
    existing = set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    settled = {"state": NotificationState.SKIPPED, "settled_at": timezone.now(), "error": INBOX_ONLY_REASON} \
        if inbox_only else {}
    rows = [Notification(researcher_id=item["researcher_id"], kind=item["kind"], dedupe_key=item["dedupe_key"],
                         title=item["title"][:200], body=item.get("body", "")[:500],
                         payload=item.get("payload") or {}, page=item.get("page", ""),
                         thread=item.get("thread", "")[:64], **settled)
            for item in notifications if item["dedupe_key"] not in existing]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows and not inbox_only:
        sender_kick_on_commit()
    return len(rows)


def notifications_resend(*, notification_ids: list[int]) -> int:
    """Staff: put failed notifications back in the queue as new (a fresh credit is needed); returns how many."""
    count = (Notification.objects.filter(pk__in=notification_ids, state=NotificationState.FAILED)
             .update(state=NotificationState.PENDING, next_attempt_at=timezone.now(), attempts=0,
                     credit_spent=False, errcode=None, error="", settled_at=None))
    if count:
        sender_kick_on_commit()
    return count


def subscriptions_record(*, researcher_id: int, results: dict[str, str]) -> None:
    """Apply the raw result of wx.requestSubscribeMessage: {"TEMPLATE_ID": "accept"|"reject"|"ban"|"filter"}.

    Each acceptance adds exactly one credit (an atomic increment, so concurrent reports never lose one);
    a ban is remembered so the Mini Program stops asking. Keys that are not template ids (WeChat adds
    "errMsg") are ignored by the caller's validation.
    """
    for template_id, result in results.items():
        with transaction.atomic():
            grant, _created = SubscriptionGrant.objects.get_or_create(researcher_id=researcher_id,
                                                                      template_id=template_id)
            changes: dict = {"last_result": result, "updated_at": timezone.now()}
            if result == SubscriptionResult.ACCEPT:
                changes.update(credits=F("credits") + 1, banned=False)
            elif result == SubscriptionResult.BAN:
                changes["banned"] = True
            # Waits while a sender holds the grant (subscription_credits_spend_many) until its no_credit is
            # committed, so the requeue below sees it.
            SubscriptionGrant.objects.filter(pk=grant.pk).update(**changes)
        if result == SubscriptionResult.ACCEPT:
            # After the grant's commit, never under its lock: a sender locks notices first and grants second,
            # and taking them in the other order here would deadlock with it.
            _late_consent_requeue(researcher_id=researcher_id, template_id=template_id)


def _late_consent_requeue(*, researcher_id: int, template_id: str) -> None:
    """Consent that arrives just after its notice: the newest notice of this template that found no credit
    in the last few minutes goes out on it (the Mini Program asks right after linking, once the "account
    linked" notice already exists)."""
    recent = (Notification.objects.filter(researcher_id=researcher_id, template_id=template_id,
                                          state=NotificationState.NO_CREDIT,
                                          settled_at__gte=timezone.now() - timedelta(
                                              seconds=settings.NOTIFY_LATE_CONSENT_SECONDS))
              .order_by("-created_at", "-id").values_list("pk", flat=True)[:1])
    if Notification.objects.filter(pk__in=list(recent)).update(
            state=NotificationState.PENDING, next_attempt_at=timezone.now(), settled_at=None, errcode=None,
            error="", credit_spent=False):
        sender_kick_on_commit()


def subscription_credits_spend_many(*, wanted: dict[tuple[int, str], int]) -> dict[tuple[int, str], int]:
    """Take credits for many (researcher_id, template_id) pairs at once: {pair: how many wanted} ->
    {pair: how many taken}, never more than a grant holds, never below zero.

    One insert, one locking read and one write for a whole sender batch, inside the caller's transaction.
    Grants are locked in key order, so concurrent senders wait for each other instead of deadlocking.

    Every wanted grant is locked, with or without credits (a missing one is created empty first), until the
    caller commits what it decided (sent or no_credit). An acceptance arriving meanwhile waits on that lock,
    then finds the no_credit notice and sends it (`_late_consent_requeue`): without the lock it could look
    before the no_credit was committed, and its credit would sit unused while the notice stayed unsent.
    """
    if not wanted:
        return {}
    SubscriptionGrant.objects.bulk_create(
        [SubscriptionGrant(researcher_id=researcher_id, template_id=template_id)
         for researcher_id, template_id in sorted(wanted)], ignore_conflicts=True)
    researcher_ids = sorted({researcher_id for researcher_id, _template_id in wanted})
    template_ids = sorted({template_id for _researcher_id, template_id in wanted})
    locked = list(SubscriptionGrant.objects.select_for_update()
                  .filter(researcher_id__in=researcher_ids, template_id__in=template_ids)
                  .order_by("researcher_id", "template_id"))
    grants = [grant for grant in locked
              if (grant.researcher_id, grant.template_id) in wanted and grant.credits > 0 and not grant.banned]
    taken = {}
    for grant in grants:
        key = (grant.researcher_id, grant.template_id)
        taken[key] = min(grant.credits, wanted[key])
        grant.credits -= taken[key]
    SubscriptionGrant.objects.bulk_update(grants, ["credits"])
    return taken


def subscription_credit_refund(*, researcher_id: int, template_id: str) -> None:
    """Give back a credit whose message WeChat did not deliver (it kept the user's quota)."""
    SubscriptionGrant.objects.filter(researcher_id=researcher_id, template_id=template_id).update(
        credits=F("credits") + 1)


def subscription_credits_void(*, researcher_id: int, template_id: str) -> None:
    """WeChat answered 43101: the user has no quota left for this template, whatever we counted."""
    SubscriptionGrant.objects.filter(researcher_id=researcher_id, template_id=template_id).update(credits=0)


# Payments matter at any hour; the rest can wait for the end of quiet hours.
URGENT_KINDS = frozenset({"payment_due", "payment_received", "refund_done"})


def preferences_update(*, researcher_id: int, changes: dict) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.get_or_create(researcher_id=researcher_id)
    for name in ("disabled_kinds", "status_alerts", "quiet_start", "quiet_end"):
        if name in changes:
            setattr(preference, name, changes[name])
    preference.save()
    return preference


def notification_wanted(*, preference: NotificationPreference | None, kind: str, payload: dict) -> bool:
    """Should this notice go to WeChat at all? (Never spend a credit on one the researcher switched off.)"""
    if preference is None:
        return True
    if kind in preference.disabled_kinds:
        return False
    if kind == "status_changed" and preference.status_alerts:
        return payload.get("to_status") in preference.status_alerts
    return True


def quiet_until(*, preference: NotificationPreference | None, kind: str, at: datetime) -> datetime | None:
    """When a non-urgent notice may leave if `at` falls in the researcher's quiet hours; None: send now."""
    if preference is None or kind in URGENT_KINDS or preference.quiet_start is None or preference.quiet_end is None:
        return None
    local = at.astimezone(BEIJING)
    start, end = preference.quiet_start, preference.quiet_end
    now_time = local.timetz().replace(tzinfo=None)
    in_quiet = start <= now_time < end if start < end else (now_time >= start or now_time < end)
    if not in_quiet:
        return None
    release = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if release <= local:
        release += timedelta(days=1)
    return release
