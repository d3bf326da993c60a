"""Audience analytics: what the publisher learns about its researchers, for admin's audience dashboard.

Every figure is ONE SQL query that aggregates in PostgreSQL (GROUP BY; a UNION ALL where a figure needs two
groupings; the tag groups' query is written by hand, see `_TAG_GROUPS_SQL`) and comes back as plain lists and
dicts, never model instances, so it can be cached and handed to a chart as JSON. No researcher row is loaded
into Python: at 1M researchers only the groups travel.

Each result is cached for settings.AUDIENCE_ANALYTICS_CACHE_SECONDS (five minutes by default) under
`tagging:audience:v<N>:g<generation>:<figure>:<arguments>`, inside the deployment's CACHE_KEY_PREFIX, so test
runs and deployments sharing a Redis never read each other's figures; `CACHE_VERSION` changes when a figure's
shape does, the generation when staff ask to count again. Labels are not cached: the dashboard translates
codes at render time, in the viewer's language.

Definitions (the README's staff guide says the same):
- A tag counts while it is carried: assignments past their `expires_at` are left out.
- Researchers by tag group: researchers carrying at least one tag of the group (each once), and per tag.
- Region: a region tag the researcher declared (tag group "region") if any, else the region found in their
  institution's name by `tagging.regions`; "unknown" when neither says. Someone who declared two region tags
  counts in both.
- Platform: researchers with a verified linked account on a journal system of that platform (and the number
  of such accounts).
- Growth: researchers created per ISO week (Monday to Sunday, Beijing time), empty weeks as 0.
- Authors of a journal: researchers with a verified linked account that the journal's platform lists on one of
  its manuscripts (`manuscripts.selectors.authorships_verified`).
- Acceptance rate of a journal: among the manuscripts our researchers author there, accepted ones (accepted,
  in production or published) over decided ones (those plus rejected). Manuscripts still in review and
  withdrawn ones are not decisions and are left out; no decision yet → no rate (None), not 0 %.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, Count, Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Trim, TruncWeek
from django.utils import timezone

from accounts.models import Language, Platform
from accounts.selectors import journal_accounts_verified, journals_all, researchers_population
from manuscripts.selectors import authorships_verified, manuscripts_with_verified_author
from manuscripts.status import CanonicalStatus
from tagging.models import CampaignDelivery, DeliveryState, JournalFollow, Tag, TagAssignment, TagGroup
from tagging.regions import REGIONS, UNKNOWN, region_of

CACHE_VERSION = 1
TOP_TAGS_PER_GROUP = 10
TOP_INSTITUTIONS = 20
GROWTH_WEEKS = 12

ACCEPTED_STATUSES = (CanonicalStatus.ACCEPTED, CanonicalStatus.IN_PRODUCTION, CanonicalStatus.PUBLISHED)
DECIDED_STATUSES = (*ACCEPTED_STATUSES, CanonicalStatus.REJECTED)


_GENERATION_KEY = "tagging:audience:generation"


def audience_cache_key(figure: str, *arguments: Any) -> str:
    """Where a figure is cached. The generation changes with `audience_figures_recount`, so every figure's key
    changes at once (a cache without pattern deletes, and other processes' keys, included)."""
    generation = cache.get(_GENERATION_KEY, 0)
    return ":".join(["tagging", "audience", f"v{CACHE_VERSION}", f"g{generation}", figure, *map(str, arguments)])


def audience_figures_recount() -> None:
    """Forget every cached figure: the next read counts again (the dashboard's "Count again now")."""
    cache.add(_GENERATION_KEY, 0, timeout=None)
    cache.incr(_GENERATION_KEY)


def _cached(figure: str, arguments: tuple, compute: Callable[[], Any]) -> Any:
    key = audience_cache_key(figure, *arguments)
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, settings.AUDIENCE_ANALYTICS_CACHE_SECONDS)
    return found


def _carried():
    """Tag assignments in force now, unordered."""
    return (TagAssignment.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
            .order_by())


def _text(value: str = "") -> Value:
    return Value(value, output_field=CharField())


# --- Researchers ---------------------------------------------------------------------------------------------


# Per group: (researcher, group) pairs first, then counted. It reads the assignments in researcher order and
# needs no large sort, where COUNT(DISTINCT researcher) per group sorted every assignment and spilled to disk
# (EXPLAIN at 300,000 researchers: about twice as slow). Per tag: counted by tag id, then named.
# Both halves return (group, tag id or NULL for the group's own row, slug, name_en, name_zh_hans, researchers).
_TAG_GROUPS_SQL = """
SELECT pairs.tag_group, NULL, '', '', '', count(*)
FROM (SELECT a.researcher_id, t."group" AS tag_group FROM {assignment} a JOIN {tag} t ON t.id = a.tag_id
      WHERE a.expires_at IS NULL OR a.expires_at > %(now)s GROUP BY a.researcher_id, t."group") pairs
GROUP BY pairs.tag_group
UNION ALL
SELECT t."group", t.id, t.slug, t.name_en, t.name_zh_hans, per_tag.researchers
FROM (SELECT a.tag_id, count(*) AS researchers FROM {assignment} a
      WHERE a.expires_at IS NULL OR a.expires_at > %(now)s GROUP BY a.tag_id) per_tag
JOIN {tag} t ON t.id = per_tag.tag_id
"""


def researchers_by_tag_group(*, top: int = TOP_TAGS_PER_GROUP) -> list[dict]:
    """Per tag group (most researchers first): researchers carrying any of its tags, and its `top` tags with
    their researchers. [{"group", "researchers", "tags": [{"slug", "name_en", "name_zh_hans", "researchers"}]}]"""

    def compute() -> list[dict]:
        groups: dict[str, dict] = {}
        tags: list[tuple] = []
        with connection.cursor() as cursor:
            cursor.execute(_TAG_GROUPS_SQL.format(assignment=TagAssignment._meta.db_table, tag=Tag._meta.db_table),
                           {"now": timezone.now()})
            found = cursor.fetchall()
        for group, tag_id, slug, name_en, name_zh_hans, researchers in found:
            if tag_id is None:
                groups[group] = {"group": group, "researchers": researchers, "tags": []}
            else:
                tags.append((group, {"slug": slug, "name_en": name_en, "name_zh_hans": name_zh_hans,
                                     "researchers": researchers}))
        for group, tag in sorted(tags, key=lambda item: (-item[1]["researchers"], item[1]["slug"])):
            if len(groups[group]["tags"]) < top:
                groups[group]["tags"].append(tag)
        return sorted(groups.values(), key=lambda row: (-row["researchers"], row["group"]))

    return _cached("tag_groups", (top,), compute)


def researchers_by_institution(*, limit: int = TOP_INSTITUTIONS) -> list[dict]:
    """The `limit` institutions with most researchers, as typed (surrounding spaces ignored); "" is the
    researchers who gave none. [{"institution", "researchers"}], most first."""

    def compute() -> list[dict]:
        rows = (researchers_population().annotate(name=Trim("institution")).values("name")
                .annotate(researchers=Count("pk")).order_by("-researchers", "name")[:limit])
        return [{"institution": row["name"], "researchers": row["researchers"]} for row in rows]

    return _cached("institutions", (limit,), compute)


def researchers_by_region() -> list[dict]:
    """Researchers per region (see the module's definition): [{"region", "name_zh_hans", "name_en",
    "researchers", "declared"}], most first, "unknown" last. `region` is a key of `tagging.regions.REGIONS`,
    "unknown", or "tag:<slug>" for a declared region tag that names no place in the table."""

    def compute() -> list[dict]:
        region_carried = _carried().filter(tag__group=TagGroup.REGION)
        # Same columns on both sides: (slug or institution, name_en, name_zh_hans, source, researchers).
        declared = region_carried.values_list("tag__slug", "tag__name_en", "tag__name_zh_hans").annotate(
            source=_text("declared"), researchers=Count("researcher_id"))
        from_institution = (researchers_population()
                            .exclude(Exists(region_carried.filter(researcher_id=OuterRef("pk"))))
                            .annotate(name=Trim("institution")).values_list("name")
                            .annotate(name_en=_text(), name_zh_hans=_text(), source=_text("institution"),
                                      researchers=Count("pk")))
        regions: dict[str, dict] = {}

        def add(key: str, name_zh_hans: str, name_en: str, researchers: int, *, is_declared: bool) -> None:
            row = regions.setdefault(key, {"region": key, "name_zh_hans": name_zh_hans, "name_en": name_en,
                                           "researchers": 0, "declared": 0})
            row["researchers"] += researchers
            row["declared"] += researchers if is_declared else 0

        for text, name_en, name_zh_hans, source, researchers in declared.union(from_institution, all=True):
            if source == "declared":
                key = region_of(name_zh_hans, name_en, text.replace("-", " "))
                if key == UNKNOWN:
                    add(f"tag:{text}", name_zh_hans or name_en, name_en, researchers, is_declared=True)
                    continue
            else:
                key = region_of(text)
            chinese, english = REGIONS.get(key, ("", ""))
            add(key, chinese, english, researchers, is_declared=source == "declared")
        return sorted(regions.values(), key=lambda row: (row["region"] == UNKNOWN, -row["researchers"], row["region"]))

    return _cached("regions", (), compute)


def researchers_by_language() -> list[dict]:
    """Researchers per preferred language, every language listed (0 when nobody chose it): [{"language",
    "researchers"}] in `accounts.models.Language` order."""

    def compute() -> list[dict]:
        counts = dict(researchers_population().values_list("language").annotate(researchers=Count("pk")))
        known = [{"language": code, "researchers": counts.pop(code, 0)} for code in Language.values]
        return known + [{"language": code, "researchers": n} for code, n in sorted(counts.items())]

    return _cached("languages", (), compute)


def researchers_by_platform() -> list[dict]:
    """Per journal platform (every `accounts.models.Platform`, 0 when none): researchers with a verified linked
    account there, and those accounts. [{"platform", "researchers", "accounts"}]"""

    def compute() -> list[dict]:
        counts = {platform: (researchers, accounts) for platform, researchers, accounts in (
            journal_accounts_verified().values_list("journal_system__platform")
            .annotate(researchers=Count("researcher_id", distinct=True), accounts=Count("pk")))}
        return [{"platform": code, "researchers": counts.get(code, (0, 0))[0], "accounts": counts.get(code, (0, 0))[1]}
                for code in Platform.values]

    return _cached("platforms", (), compute)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def researchers_growth_by_week(*, weeks: int = GROWTH_WEEKS) -> list[dict]:
    """New researchers per ISO week for the last `weeks` weeks, this one included (Beijing time), oldest
    first, empty weeks as 0: [{"week": "2026-W49", "starts_on": "2026-11-30", "new_researchers"}]."""
    this_week = _week_start(timezone.localdate())
    first_week = this_week - timedelta(weeks=weeks - 1)

    def compute() -> list[dict]:
        zone = timezone.get_current_timezone()
        starts_at = timezone.make_aware(timezone.datetime.combine(first_week, timezone.datetime.min.time()), zone)
        counts = {week.astimezone(zone).date(): n for week, n in (
            researchers_population().filter(created_at__gte=starts_at)
            .annotate(week=TruncWeek("created_at", tzinfo=zone)).values_list("week")
            .annotate(new_researchers=Count("pk")))}
        rows = []
        for index in range(weeks):
            monday = first_week + timedelta(weeks=index)
            year, week, _day = monday.isocalendar()
            rows.append({"week": f"{year}-W{week:02d}", "starts_on": monday.isoformat(),
                         "new_researchers": counts.get(monday, 0)})
        return rows

    return _cached("growth", (weeks, this_week.isoformat()), compute)


# --- Journals ------------------------------------------------------------------------------------------------


def journals_listed() -> list[dict]:
    """Every journal, in admin's order: [{"journal_id", "key", "name_en", "name_zh_hans"}]."""

    def compute() -> list[dict]:
        return [{"journal_id": pk, "key": key, "name_en": name_en, "name_zh_hans": name_zh_hans}
                for pk, key, name_en, name_zh_hans in journals_all().values_list("pk", "key", "name_en",
                                                                                  "name_zh_hans")]

    return _cached("journals", (), compute)


def journal_authors() -> dict[int, int]:
    """{journal id: researchers who author at least one of its manuscripts}; journals with none are absent."""

    def compute() -> dict[int, int]:
        return dict(authorships_verified().filter(manuscript__journal__isnull=False)
                    .values_list("manuscript__journal_id")
                    .annotate(authors=Count("journal_account__researcher_id", distinct=True)))

    return _cached("journal_authors", (), compute)


def journal_acceptance() -> dict[int, dict]:
    """{journal id: {"decided", "accepted", "rate"}} over the manuscripts our researchers author there (see the
    module's definition); `rate` is accepted/decided as a fraction, None before any decision."""

    def compute() -> dict[int, dict]:
        rows = (manuscripts_with_verified_author().filter(journal__isnull=False).values_list("journal_id")
                .annotate(decided=Count("pk", filter=Q(canonical_status__in=DECIDED_STATUSES)),
                          accepted=Count("pk", filter=Q(canonical_status__in=ACCEPTED_STATUSES))))
        return {journal_id: {"decided": decided, "accepted": accepted,
                             "rate": accepted / decided if decided else None}
                for journal_id, decided, accepted in rows}

    return _cached("journal_acceptance", (), compute)


def journal_followers() -> dict[int, int]:
    """{journal id: researchers following it in the Mini Program (the interests page)}."""

    def compute() -> dict[int, int]:
        # A researcher follows a journal at most once (unique together): no DISTINCT needed.
        return dict(JournalFollow.objects.order_by().values_list("journal_id")
                    .annotate(followers=Count("researcher_id")))

    return _cached("journal_followers", (), compute)


def journal_campaign_reach() -> dict[int, dict]:
    """{journal id: {"reached", "opened"}}: researchers a campaign reached on behalf of the journal (a delivery in
    that journal's variant, else of a campaign that speaks for the journal), each counted once whatever the
    channel and however many campaigns, and those of them who opened one. Skipped deliveries reach nobody."""

    def compute() -> dict[int, dict]:
        rows = (CampaignDelivery.objects.filter(state=DeliveryState.DELIVERED)
                .annotate(journal_id=Coalesce("variant__journal_id", "campaign__journal_id"))
                .exclude(journal_id=None).order_by().values("journal_id")
                .annotate(reached=Count("researcher_id", distinct=True),
                          opened=Count("researcher_id", distinct=True, filter=Q(opened_at__isnull=False))))
        return {row["journal_id"]: {"reached": row["reached"], "opened": row["opened"]} for row in rows}

    return _cached("journal_campaign_reach", (), compute)


def journal_figures() -> list[dict]:
    """One row per journal, from the journal figures above: [{"journal_id", "key", "name_en", "name_zh_hans",
    "followers", "authors", "decided", "accepted", "acceptance_rate", "campaign_reached", "campaign_opened"}].
    """
    followers = journal_followers()
    authors = journal_authors()
    acceptance = journal_acceptance()
    reach = journal_campaign_reach()
    rows = []
    for journal in journals_listed():
        journal_id = journal["journal_id"]
        decisions = acceptance.get(journal_id, {"decided": 0, "accepted": 0, "rate": None})
        reached = reach.get(journal_id, {"reached": 0, "opened": 0})
        rows.append({
            **journal,
            "followers": followers.get(journal_id, 0),
            "authors": authors.get(journal_id, 0),
            "decided": decisions["decided"], "accepted": decisions["accepted"],
            "acceptance_rate": decisions["rate"],
            "campaign_reached": reached["reached"],
            "campaign_opened": reached["opened"],
        })
    return rows
