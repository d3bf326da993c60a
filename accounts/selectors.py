"""Reads for accounts."""

from django.db.models import F, Prefetch, QuerySet

from accounts.models import Journal, JournalSystem, Researcher, WeChatIdentity


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


def researcher_ids_by_reference(*, ids=(), orcids=(), unionids=()) -> dict[tuple[str, str], int]:
    """Researchers named by our id, ORCID iD or WeChat unionid (as other systems know them), in three queries:
    {("id", "42") | ("orcid", "0000-…") | ("unionid", "o…"): researcher id}. Unknown references are absent."""
    found: dict[tuple[str, str], int] = {}
    id_numbers = {int(value) for value in ids if str(value).isdigit()}
    if id_numbers:
        for pk in Researcher.objects.filter(pk__in=id_numbers).values_list("pk", flat=True):
            found[("id", str(pk))] = pk
    if orcids:
        # A typed iD may be on several profiles; the one who proved it at ORCID wins, then the oldest.
        for orcid, pk in (Researcher.objects.filter(orcid__in=set(orcids))
                          .order_by(F("orcid_verified_at").asc(nulls_last=True), "pk").values_list("orcid", "pk")):
            found.setdefault(("orcid", orcid), pk)
    if unionids:
        for unionid, pk in (WeChatIdentity.objects.filter(unionid__in=set(unionids) - {""})
                            .values_list("unionid", "researcher_id")):
            found.setdefault(("unionid", unionid), pk)
    return found


def researcher_orcids(*, researcher_ids) -> dict[int, str]:
    """{researcher id: ORCID iD} for those of these researchers who gave one."""
    return dict(Researcher.objects.filter(pk__in=researcher_ids).exclude(orcid="").values_list("pk", "orcid"))


def researchers_for_staff() -> QuerySet[Researcher]:
    """Every researcher, with only what other systems read (staff API, exports): id, display name, language,
    ORCID iD, updated_at."""
    return Researcher.objects.only("id", "display_name", "language", "orcid", "orcid_verified_at", "updated_at")
