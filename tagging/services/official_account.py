"""The publisher's Official Account (公众号): followers, user tags, mass sends and the monthly mass-send quota.

Invariants:
- A follower row is never deleted. Following sets `subscribed`; unfollowing clears it and stamps
  `unsubscribed_at`; the nightly sync marks followers WeChat no longer lists as unfollowed.
- An older answer never wins: each follower keeps the CreateTime of the newest follow/unfollow event applied
  (`last_event_at`). A replayed or late event, or a sync page read before a newer event, changes nothing.
- Followers are matched to researchers by unionid only (accounts.selectors.researcher_ids_by_reference).
- A mass send is recorded before it is submitted, under a `clientmsgid` of its own: submitting it again (after a
  timeout, or a retry of a campaign's batch) never sends twice. Its MASSSENDJOBFINISH is applied once.
- The quota: a service account's follower receives at most WECHAT_OA_MASS_SENDS_PER_MONTH (4) mass messages per
  calendar month, whoever sends them (WeChat's Batch_Sends page: "用户每月只能接收4条 … 多于4条的群发将对该用户发送
  失败"). We count, per follower and Beijing-time month, the sends we submitted to a tag holding them (WeChat does
  not tell us who was filtered, and sends from the web console are not seen), so the count is a lower bound.

WeChat calls go through tagging.wechat_oa; its OaError subclasses (OaNotConfigured, OaUnavailable, OaRefused)
propagate to callers with a translated message and WeChat's errcode.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.selectors import researcher_ids_by_reference
from publisher_backend.dispatch import enqueue_on_commit
from tagging.models import OaMassSend, OaMassSendQuota, OaMassSendStatus, OfficialAccountFollower
from tagging.wechat_oa import USER_INFO_BATCH, OaClient, OaRefused, OaUnavailable

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
SUBSCRIBE_EVENTS = frozenset({"subscribe", "subscribe_scan"})  # wechatpy's names (scan-to-follow included)


def quota_month(at: datetime | None = None) -> date:
    """The first day of the calendar month, Beijing time, that `at` (default now) falls in."""
    local = (at or timezone.now()).astimezone(BEIJING)
    return local.date().replace(day=1)


def _from_timestamp(value) -> datetime | None:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds > 0 else None


def _researchers_by_unionid(unionids: Iterable[str]) -> dict[str, int]:
    found = researcher_ids_by_reference(unionids=[u for u in unionids if u])
    return {reference: researcher_id for (kind, reference), researcher_id in found.items() if kind == "unionid"}


# --- tags ---------------------------------------------------------------------------------------------------------

def oa_tag_create(*, name: str) -> int:
    """Create an Official Account user tag (≤ 30 bytes, unique at WeChat; an account holds at most 100) → its id."""
    return OaClient().tag_create(name)


def oa_tag_members_add(*, tag_id: int, openids: Iterable[str]) -> int:
    """Put the tag on these followers (batchtagging, 50 per call); returns how many openids were sent. Tagging a
    follower twice changes nothing at WeChat."""
    return OaClient().tag_members_change(tag_id, openids, add=True)


def oa_tag_members_remove(*, tag_id: int, openids: Iterable[str]) -> int:
    """Take the tag off these followers (batchuntagging, 50 per call)."""
    return OaClient().tag_members_change(tag_id, openids, add=False)


def oa_tag_delete(*, tag_id: int) -> None:
    """Delete the tag at WeChat (frees one of the account's 100 tags; its followers lose it)."""
    OaClient().tag_delete(tag_id)


# --- followers ----------------------------------------------------------------------------------------------------

@dataclass
class FollowerSyncReport:
    listed: int = 0  # openids WeChat listed
    created: int = 0
    updated: int = 0
    matched: int = 0  # followers (among those listed) matched to a researcher
    unfollowed: int = 0  # rows marked unfollowed because WeChat no longer lists them
    skipped_newer: int = 0  # rows an event had already updated after the page was read


def _apply_user_infos(infos: list[dict], *, read_at: datetime, report: FollowerSyncReport | None = None) -> None:
    """Upsert followers from user/info answers, in one transaction with their rows locked."""
    researchers = _researchers_by_unionid(info.get("unionid") or "" for info in infos)
    by_openid = {info["openid"]: info for info in infos if info.get("openid")}
    with transaction.atomic():
        existing = {row.openid: row for row in
                    OfficialAccountFollower.objects.select_for_update().filter(openid__in=list(by_openid))}
        created, changed = [], []
        for openid, info in by_openid.items():
            row = existing.get(openid)
            if row is not None and row.last_event_at and row.last_event_at > read_at:
                if report:
                    report.skipped_newer += 1
                continue
            if row is None:
                row = OfficialAccountFollower(openid=openid)
                created.append(row)
            else:
                changed.append(row)
            subscribed = bool(int(info.get("subscribe") or 0))
            unionid = info.get("unionid") or row.unionid
            row.unionid = unionid
            row.researcher_id = researchers.get(unionid) if unionid else None
            if subscribed:
                row.subscribed = True
                row.subscribed_at = _from_timestamp(info.get("subscribe_time")) or row.subscribed_at or read_at
                row.unsubscribed_at = None
                row.language = str(info.get("language") or row.language)[:16]
            elif row.subscribed or row.pk is None:
                row.subscribed = False
                row.unsubscribed_at = row.unsubscribed_at or read_at
            row.synced_at = read_at
            if report and row.researcher_id:
                report.matched += 1
        # A follow event may insert the same openid meanwhile: it is newer than this read, so it stays.
        OfficialAccountFollower.objects.bulk_create(created, ignore_conflicts=True)
        OfficialAccountFollower.objects.bulk_update(
            changed, ["unionid", "researcher", "subscribed", "subscribed_at", "unsubscribed_at", "language",
                      "synced_at", "updated_at"])
        if report:
            report.created += len(created)
            report.updated += len(changed)


def oa_followers_sync(*, progress: Callable[[int, int], None] | None = None) -> FollowerSyncReport:
    """Re-read every follower from WeChat: user/get pages (≤ 10,000 openids each, by next_openid), user/info/
    batchget in batches of 100 → upsert openid, unionid, researcher (by unionid), subscribed, subscribed_at and
    language. Followers we hold as subscribed that WeChat no longer lists are marked unfollowed (unless an event
    newer than the sync's start says otherwise). `progress(done, total)` after each batch. Idempotent."""
    client = OaClient()
    report = FollowerSyncReport()
    started_at = timezone.now()
    for total, openids in client.follower_pages():
        for start in range(0, len(openids), USER_INFO_BATCH):
            batch = openids[start:start + USER_INFO_BATCH]
            read_at = timezone.now()
            _apply_user_infos(client.users_info(batch), read_at=read_at, report=report)
            report.listed += len(batch)
            if progress:
                progress(report.listed, total)
    stale = OfficialAccountFollower.objects.filter(subscribed=True).exclude(synced_at__gte=started_at).exclude(
        last_event_at__gte=started_at)
    report.unfollowed = stale.update(subscribed=False, unsubscribed_at=started_at, updated_at=timezone.now())
    return report


def oa_follower_refresh(*, openid: str) -> OfficialAccountFollower | None:
    """Read one follower's user info (unionid, language) from WeChat and store it (after a follow event)."""
    read_at = timezone.now()
    _apply_user_infos([OaClient().user_info(openid)], read_at=read_at)
    return OfficialAccountFollower.objects.filter(openid=openid).first()


def oa_followers_rematch() -> int:
    """Match followers whose unionid now belongs to a researcher (who logged in after following); returns how many."""
    matched = 0
    unmatched = (OfficialAccountFollower.objects.filter(researcher__isnull=True).exclude(unionid="")
                 .values_list("pk", "unionid"))
    rows = list(unmatched)
    for start in range(0, len(rows), 1000):
        chunk = rows[start:start + 1000]
        researchers = _researchers_by_unionid(unionid for _, unionid in chunk)
        for pk, unionid in chunk:
            if unionid in researchers:
                matched += OfficialAccountFollower.objects.filter(pk=pk, researcher__isnull=True).update(
                    researcher_id=researchers[unionid])
    return matched


# --- events from the callback ---------------------------------------------------------------------------------

def _follow_event_apply(*, openid: str, subscribe: bool, event_at: datetime) -> bool:
    """Apply a follow/unfollow event unless a newer one was applied; True if it changed the row."""
    with transaction.atomic():
        row, created = OfficialAccountFollower.objects.select_for_update().get_or_create(
            openid=openid, defaults={"subscribed": subscribe, "last_event_at": event_at,
                                     "subscribed_at": event_at if subscribe else None,
                                     "unsubscribed_at": None if subscribe else event_at})
        if not created:
            if row.last_event_at and (row.last_event_at > event_at or
                                      (row.last_event_at == event_at and row.subscribed == subscribe)):
                return False  # a replay, or older than what we know
            row.subscribed = subscribe
            row.last_event_at = event_at
            if subscribe:
                row.subscribed_at, row.unsubscribed_at = event_at, None
            else:
                row.unsubscribed_at = event_at
            row.save(update_fields=["subscribed", "last_event_at", "subscribed_at", "unsubscribed_at", "updated_at"])
        if subscribe:
            # unionid and language come from user/info: read after the answer, off the callback's 5 s budget.
            enqueue_on_commit("tagging.tasks.oa_follower_refresh", openid)
    return True


def oa_mass_send_finished(*, msg_id: int, result_status: str, total_count: int, filter_count: int,
                          sent_count: int, error_count: int, raw_event: dict, finished_at: datetime) -> bool:
    """Record a MASSSENDJOBFINISH on its mass send (row locked); a replay changes nothing. False if unknown or
    already recorded."""
    with transaction.atomic():
        send = OaMassSend.objects.select_for_update().filter(msg_id=msg_id).first()
        if send is None:
            logger.info("MASSSENDJOBFINISH for msg_id %s, which we did not send (the web console?)", msg_id)
            return False
        if send.status == OaMassSendStatus.FINISHED:
            return False
        send.status = OaMassSendStatus.FINISHED
        send.result_status = result_status[:64]
        send.total_count, send.filter_count = total_count, filter_count
        send.sent_count, send.error_count = sent_count, error_count
        send.raw_event = raw_event
        send.finished_at = finished_at
        send.save(update_fields=["status", "result_status", "total_count", "filter_count", "sent_count",
                                 "error_count", "raw_event", "finished_at"])
        # A campaign's send: its user tag has done its work (tagging.services.campaigns).
        enqueue_on_commit("tagging.tasks.campaign_oa_send_finished", send.pk)
    return True


def oa_callback_event_apply(*, message) -> str:
    """Apply one message parsed by wechatpy (`wechatpy.parse_message`) from the callback; returns what it was
    ("subscribe", "unsubscribe", "masssendjobfinish", or "ignored"). Idempotent: WeChat repeats an event it got
    no answer for within 5 s (three tries), and replays change nothing."""
    event = getattr(message, "event", "") if getattr(message, "type", "") == "event" else ""
    event_at = _from_timestamp(getattr(message, "_data", {}).get("CreateTime")) or timezone.now()
    openid = str(getattr(message, "source", "") or "")
    if event in SUBSCRIBE_EVENTS and openid:
        _follow_event_apply(openid=openid, subscribe=True, event_at=event_at)
        return "subscribe"
    if event == "unsubscribe" and openid:
        _follow_event_apply(openid=openid, subscribe=False, event_at=event_at)
        return "unsubscribe"
    if event == "masssendjobfinish":
        raw = {key: value for key, value in dict(message._data).items()}
        oa_mass_send_finished(msg_id=int(message.id), result_status=str(message.status or ""),
                              total_count=int(message.total_count or 0), filter_count=int(message.filter_count or 0),
                              sent_count=int(message.sent_count or 0), error_count=int(message.error_count or 0),
                              raw_event=raw, finished_at=event_at)
        return "masssendjobfinish"
    return "ignored"


# --- mass send and quota --------------------------------------------------------------------------------------

def _quota_count(openids: Iterable[str], *, at: datetime) -> int:
    """Count one mass message for each subscribed follower among `openids` still under the month's limit; returns
    how many were counted. Race-free: rows are created at 0 first, then raised by one UPDATE."""
    month = quota_month(at)
    follower_ids = list(OfficialAccountFollower.objects.filter(openid__in=set(openids), subscribed=True)
                        .values_list("pk", flat=True))
    counted = 0
    for start in range(0, len(follower_ids), 5000):
        chunk = follower_ids[start:start + 5000]
        OaMassSendQuota.objects.bulk_create([OaMassSendQuota(follower_id=pk, month=month) for pk in chunk],
                                            ignore_conflicts=True)
        counted += OaMassSendQuota.objects.filter(
            follower_id__in=chunk, month=month, sends__lt=settings.WECHAT_OA_MASS_SENDS_PER_MONTH,
        ).update(sends=F("sends") + 1)
    return counted


def oa_mass_send_to_tag(*, tag_id: int, msgtype: str, content: dict, recipients: Iterable[str] | None = None,
                        client_msg_id: str = "") -> OaMassSend:
    """Mass-send a message to the followers carrying an Official Account tag (`message/mass/sendall` with
    `filter.tag_id`) → the OaMassSend row, whose `msg_id` is WeChat's and whose counts the MASSSENDJOBFINISH event
    fills later. `content` is the message part, e.g. `{"content": "…"}` for text or `{"media_id": "…"}` for mpnews.

    `recipients`: the openids the caller put in the tag (WeChat's tag listing, user/tag/get, when None); each
    subscribed one is counted against the month's quota. `client_msg_id` (≤ 64): a key of the caller's so that
    calling again — after a timeout, or from a retried task — returns the same send instead of sending twice; a
    new one is made when empty. Raises OaRefused (the row is marked failed with WeChat's errcode) or OaUnavailable
    (the row stays `sending`; calling again with the same key resolves it).
    """
    client = OaClient()
    client_msg_id = client_msg_id or f"sl-{uuid.uuid4().hex}"
    send, _ = OaMassSend.objects.get_or_create(
        client_msg_id=client_msg_id, defaults={"tag_id": tag_id, "msgtype": msgtype, "content": content})
    if send.status in (OaMassSendStatus.SUBMITTED, OaMassSendStatus.FINISHED):
        return send
    openids = list(client.tag_members(tag_id) if recipients is None else recipients)
    try:
        answer = client.mass_send_to_tag(tag_id=send.tag_id, msgtype=send.msgtype, content=send.content,
                                         client_msg_id=send.client_msg_id)
    except OaRefused as error:
        OaMassSend.objects.filter(pk=send.pk).update(status=OaMassSendStatus.FAILED, errcode=error.errcode,
                                                     errmsg=error.errmsg[:300])
        raise
    except OaUnavailable as error:
        # WeChat may or may not have the job: the row stays `sending`, and its key finds out on the next call.
        OaMassSend.objects.filter(pk=send.pk).update(errcode=error.errcode,
                                                     errmsg=(error.errmsg or error.message)[:300])
        raise
    now = timezone.now()
    with transaction.atomic():
        send = OaMassSend.objects.select_for_update().get(pk=send.pk)
        if send.status == OaMassSendStatus.SENDING:
            send.msg_id, send.msg_data_id = answer["msg_id"], answer["msg_data_id"]
            send.status, send.submitted_at = OaMassSendStatus.SUBMITTED, now
            send.recipients = _quota_count(openids, at=now)
            send.errcode, send.errmsg = None, ""
            send.save(update_fields=["msg_id", "msg_data_id", "status", "submitted_at", "recipients", "errcode",
                                     "errmsg"])
    return send


def oa_mass_preview(*, openid: str, msgtype: str, content: dict) -> int:
    """Show a mass message to one follower (staff checking a campaign); no quota is counted → WeChat's msg_id.
    Raises OaRefused (e.g. 43004: that openid does not follow the account) or OaUnavailable."""
    return OaClient().mass_preview(openid=openid, msgtype=msgtype, content=content)
