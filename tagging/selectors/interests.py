"""Reads for the interests page: the tags researchers may choose, grouped, and the journals they may follow, each
marked with what this researcher chose; and who follows a journal, for campaigns and analytics."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from accounts.models import Researcher
from accounts.selectors import journals_enabled
from tagging.models import AssignmentSource, JournalFollow, Tag, TagAssignment, TagGroup

_GROUP_ORDER = {group: index for index, group in enumerate(TagGroup.values)}


def _group_label(group: str) -> str:
    return str(TagGroup(group).label) if group in TagGroup.values else group


def tags_self_selectable() -> QuerySet[Tag]:
    return Tag.objects.filter(self_selectable=True).order_by("group", "name_en", "slug")


def researcher_interests(*, researcher: Researcher, language: str) -> dict:
    """{"groups": [{"group", "label", "tags": [{"slug", "name", "colour", "selected", "removable"}]}],
    "journals": [{"id", "key", "name", "journal_system": {"id", "key", "name"}, "followed"}]} in `language`.

    `selected`: the researcher carries the tag, whoever put it there; `removable`: unticking it takes it off, which
    is true unless staff, a rule, an import or the API put it there (the researcher only takes back their own)."""
    tags = list(tags_self_selectable())
    sources = dict(TagAssignment.objects.filter(researcher=researcher, tag__in=tags)
                   .values_list("tag_id", "source"))
    groups: dict[str, dict] = {}
    for tag in sorted(tags, key=lambda tag: (_GROUP_ORDER.get(tag.group, len(_GROUP_ORDER)),
                                            tag.localized_name(language).casefold(), tag.slug)):
        group = groups.setdefault(tag.group, {"group": tag.group, "label": _group_label(tag.group), "tags": []})
        source = sources.get(tag.pk)
        group["tags"].append({"slug": tag.slug, "name": tag.localized_name(language), "colour": tag.colour,
                              "selected": source is not None,
                              "removable": source in (None, AssignmentSource.SELF)})
    followed = set(JournalFollow.objects.filter(researcher=researcher).values_list("journal_id", flat=True))
    journals = [{"id": journal.pk, "key": journal.key, "name": journal.localized_name(language),
                 "journal_system": {"id": journal.journal_system_id, "key": journal.journal_system.key,
                                    "name": journal.journal_system.localized_name(language)},
                 "followed": journal.pk in followed}
                for journal in journals_enabled()]
    return {"groups": list(groups.values()), "journals": journals}


def journal_follower_ids(*, journal_id: int) -> QuerySet:
    """Ids of the researchers who follow a journal (for "a new issue of a journal I follow")."""
    return JournalFollow.objects.filter(journal_id=journal_id).values_list("researcher_id", flat=True)


def journal_follower_counts() -> dict[int, int]:
    """{journal id: followers}, one grouped query."""
    return dict(JournalFollow.objects.values("journal_id").annotate(followers=Count("id"))
                .values_list("journal_id", "followers"))
