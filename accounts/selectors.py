"""Reads for accounts."""

from django.db.models import Prefetch, QuerySet

from accounts.models import Journal, JournalSystem, WeChatIdentity


def journal_systems_enabled() -> QuerySet[JournalSystem]:
    return (JournalSystem.objects.filter(enabled=True)
            .prefetch_related(Prefetch("journals", queryset=Journal.objects.order_by("key")))
            .order_by("key"))


def wechat_recipients(*, researcher_ids: list[int], appid: str) -> dict[int, tuple[str, str]]:
    """{researcher_id: (openid under `appid`, language)}: whom a subscription message goes to, in one query."""
    recipients: dict[int, tuple[str, str]] = {}
    for researcher_id, openid, language in (WeChatIdentity.objects.filter(researcher_id__in=researcher_ids, appid=appid)
                                            .order_by("-id").values_list("researcher_id", "openid",
                                                                         "researcher__language")):
        recipients.setdefault(researcher_id, (openid, language))
    return recipients
