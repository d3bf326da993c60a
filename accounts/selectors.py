"""Reads for accounts."""

from django.db.models import CharField, Count, DateField, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import (
    Journal,
    JournalAccount,
    JournalAccountStatus,
    JournalSystem,
    Researcher,
    WeChatIdentity,
)


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


def researchers_with_proven_orcid():
    """Researchers whose ORCID iD ORCID itself confirmed (a typed iD proves nothing), as (id, orcid) rows."""
    return (Researcher.objects.filter(orcid_verified_at__isnull=False).exclude(orcid="")
            .values_list("pk", "orcid"))


def journal_ids_by_reference(*, references) -> dict[str, list[int]]:
    """Journals named as other parts of the product name them (segments): `"<journal key>"` or, where a key
    is used by more than one journal system, `"<system key>/<journal key>"`. A bare key names every journal
    that has it. {reference: [journal ids]}; unknown references are absent. One query."""
    wanted = set(references)
    bare = {reference for reference in wanted if "/" not in reference}
    qualified = {tuple(reference.split("/", 1)) for reference in wanted - bare}
    if not wanted:
        return {}
    matching = Q(key__in=bare)
    for system_key, journal_key in qualified:
        matching |= Q(journal_system__key=system_key, key=journal_key)
    found: dict[str, list[int]] = {}
    for pk, key, system_key in Journal.objects.filter(matching).values_list("pk", "key", "journal_system__key"):
        for reference in (key, f"{system_key}/{key}"):
            if reference in wanted:
                found.setdefault(reference, []).append(pk)
    return found


def verified_journal_accounts_on_platform(*, researcher, platform: str) -> QuerySet[JournalAccount]:
    """Verified journal accounts of `researcher` (a researcher or an OuterRef to one) on journal systems of this
    platform, as a queryset to wrap in Exists (segments)."""
    return JournalAccount.objects.filter(researcher=researcher, status=JournalAccountStatus.VERIFIED,
                                         journal_system__platform=platform)


# Tagging rules read who matches through these, as subqueries of researcher ids (one SQL statement per rule).

def researcher_ids_with_institution_containing(*, text: str) -> QuerySet:
    """Researchers whose institution contains `text`, ignoring case (a subquery of researcher ids)."""
    return Researcher.objects.filter(institution__icontains=text).values("pk")


def researcher_ids_with_language(*, language: str) -> QuerySet:
    return Researcher.objects.filter(language=language).values("pk")


def researcher_ids_with_verified_account_on(*, platform: str) -> QuerySet:
    """Researchers with a verified linked account on a journal system of `platform` (a subquery of ids)."""
    return (JournalAccount.objects.filter(status=JournalAccountStatus.VERIFIED, journal_system__platform=platform)
            .values("researcher_id"))


def journal_account_researcher_ids(*, account_ids) -> list[int]:
    """Whose these linked accounts are, each researcher once."""
    return sorted(set(JournalAccount.objects.filter(pk__in=account_ids).values_list("researcher_id", flat=True)))


def journals_enabled() -> QuerySet[Journal]:
    """Journals researchers can see and follow: enabled, in an enabled journal system (the system joined)."""
    return (Journal.objects.filter(enabled=True, journal_system__enabled=True).select_related("journal_system")
            .order_by("journal_system__key", "key"))


def researchers_population() -> QuerySet[Researcher]:
    """Every researcher, unordered: the population higher apps aggregate over in SQL (audience analytics,
    segments) with `values(...).annotate(...)`, so that no researcher row is loaded in Python."""
    return Researcher.objects.order_by()


def journal_accounts_verified() -> QuerySet[JournalAccount]:
    """Linked journal accounts proven to be their researcher's, unordered, for aggregates (per platform, …)."""
    return JournalAccount.objects.filter(status=JournalAccountStatus.VERIFIED).order_by()


def journals_all() -> QuerySet[Journal]:
    """Every journal (enabled or not), in admin's order, with its journal system."""
    return Journal.objects.select_related("journal_system").order_by("journal_system__key", "key")


def researcher_languages(*, researcher_ids) -> dict[int, str]:
    """{researcher id: preferred language} of these researchers (those that still exist)."""
    return dict(Researcher.objects.filter(pk__in=researcher_ids).values_list("pk", "language"))


def researchers_for_staff() -> QuerySet[Researcher]:
    """Every researcher, with only what other systems read (staff API, exports): id, display name, language,
    ORCID iD, updated_at."""
    return Researcher.objects.only("id", "display_name", "language", "orcid", "orcid_verified_at", "updated_at")


def researcher_display_names(*, researcher_ids) -> dict[int, str]:
    """{researcher id: display name} for these researchers (blank names included), in one query (sharing)."""
    return dict(Researcher.objects.filter(pk__in=list(researcher_ids)).values_list("id", "display_name"))


def researchers_new_and_active_by_week(*, since) -> list[dict]:
    """[{"kind": "new" | "active", "week": Monday (date, current time zone), "researchers"}] from `since` on, in
    one query (two grouped halves, UNION ALL): researchers created in the week, and researchers whose last
    visit (`last_seen_at`) falls in the week. Only the last visit is kept, so a researcher counts as active in
    the week they were last seen, not in every week they came."""
    zone = timezone.get_current_timezone()

    def half(field: str, kind: str):
        return (Researcher.objects.filter(**{f"{field}__gte": since}).order_by()
                .annotate(week=TruncWeek(field, tzinfo=zone, output_field=DateField()),
                          kind=Value(kind, output_field=CharField()))
                .values("kind", "week").annotate(researchers=Count("id")).values("kind", "week", "researchers"))

    return list(half("created_at", "new").union(half("last_seen_at", "active"), all=True))


def verified_accounts_by_platform() -> list[dict]:
    """[{"platform", "accounts", "researchers"}]: verified linked accounts per platform of their journal system,
    and the researchers owning them (each once per platform); one grouped query, most accounts first."""
    return list(JournalAccount.objects.filter(status=JournalAccountStatus.VERIFIED).order_by()
                .values(platform=F("journal_system__platform"))
                .annotate(accounts=Count("id"), researchers=Count("researcher_id", distinct=True))
                .order_by("-accounts", "platform"))
