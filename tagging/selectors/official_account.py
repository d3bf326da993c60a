"""Reads about the publisher's Official Account: who of a set of researchers follows it, and how many of them can
still receive a mass message this month (tagging.services.official_account keeps the counts)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from tagging.models import OaMassSendQuota, OfficialAccountFollower
from tagging.services.official_account import quota_month


def _ids(researcher_ids: Iterable[int] | QuerySet) -> list[int] | QuerySet:
    # A queryset of ids (a segment's) stays a subquery: one SQL statement, no list of a million ids.
    return researcher_ids if isinstance(researcher_ids, QuerySet) else list(researcher_ids)


def oa_followers_of(*, researcher_ids: Iterable[int] | QuerySet) -> QuerySet[OfficialAccountFollower]:
    """The subscribed followers matched to these researchers (ids, or a queryset of ids). A researcher may follow
    from more than one WeChat account, rarely; each follower is one openid."""
    return OfficialAccountFollower.objects.filter(researcher_id__in=_ids(researcher_ids), subscribed=True)


def oa_followers_with_quota(*, researcher_ids: Iterable[int]) -> QuerySet[OfficialAccountFollower]:
    """Those of `oa_followers_of` who have received fewer than the month's limit of mass messages (Beijing time)."""
    used_up = OaMassSendQuota.objects.filter(follower=OuterRef("pk"), month=quota_month(),
                                             sends__gte=settings.WECHAT_OA_MASS_SENDS_PER_MONTH)
    return oa_followers_of(researcher_ids=researcher_ids).exclude(Exists(used_up))


def oa_openids_for(*, researcher_ids: Iterable[int], with_quota_only: bool = True) -> list[str]:
    """The openids to put in an Official Account tag for these researchers (a campaign's segment)."""
    ids = _ids(researcher_ids)
    rows = (oa_followers_with_quota(researcher_ids=ids) if with_quota_only
            else oa_followers_of(researcher_ids=ids))
    return list(rows.order_by("pk").values_list("openid", flat=True))


def oa_reach(*, researcher_ids: Iterable[int]) -> dict[str, int]:
    """Reach before launch: `followers` — subscribed followers among these researchers; `quota_left` — how many of
    them can still receive a mass message this calendar month (WeChat drops the rest). Two counts in SQL."""
    ids = _ids(researcher_ids)
    return {"followers": oa_followers_of(researcher_ids=ids).count(),
            "quota_left": oa_followers_with_quota(researcher_ids=ids).count()}
