"""A researcher's own choices on the Mini Program's interests page: research interests (self-selectable tags) and
journals followed.

Invariants:
- The page sends the whole choice; what is not in it is unchosen. Unknown or non-selectable tags and unknown or
  disabled journals are refused (400 naming them) before anything changes.
- Tags change only through `tags_assign` / `tags_remove` (audited, webhooks), with source "self" and actor
  "researcher:<id>". Unticking takes back only what the researcher put there (`only_source="self"`): a tag staff,
  a rule, an import or the API gave stays. Ticking a tag the researcher already carries changes nothing.
- Everything is applied in one transaction; tags are changed one tag at a time in slug order, so two saves never
  deadlock on the tag rows `tags_assign` locks.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Researcher
from accounts.selectors import journals_enabled
from tagging.errors import InterestsInvalid
from tagging.models import AssignmentSource, JournalFollow, TagAssignment
from tagging.selectors.interests import tags_self_selectable
from tagging.services.tags import tags_assign, tags_remove


def _unknown_named(values: Iterable, known: set) -> list[str]:
    return [str(value) for value in dict.fromkeys(values) if value not in known]


def researcher_interests_set(*, researcher: Researcher, tag_slugs: Iterable[str], journal_ids: Iterable[int]) -> None:
    """Make the researcher's self-declared tags exactly `tag_slugs` and their followed journals exactly
    `journal_ids`. InterestsInvalid (400, `fields.tags` / `fields.journals` naming each bad value) changes nothing."""
    tag_slugs, journal_ids = list(dict.fromkeys(tag_slugs)), list(dict.fromkeys(journal_ids))
    offered = {tag.slug: tag for tag in tags_self_selectable()}
    followable = set(journals_enabled().filter(pk__in=journal_ids).values_list("pk", flat=True))
    fields = {}
    bad_tags = _unknown_named(tag_slugs, set(offered))
    if bad_tags:
        fields["tags"] = [_("Not a research interest you can choose: %(slug)s.") % {"slug": slug}
                          for slug in bad_tags]
    bad_journals = _unknown_named(journal_ids, followable)
    if bad_journals:
        fields["journals"] = [_("No journal to follow with id %(id)s.") % {"id": journal_id}
                              for journal_id in bad_journals]
    if fields:
        raise InterestsInvalid(fields=fields)

    actor = f"researcher:{researcher.pk}"
    chosen = set(tag_slugs)
    carried = dict(TagAssignment.objects.filter(researcher=researcher, tag__slug__in=offered)
                   .values_list("tag__slug", "source"))
    with transaction.atomic():
        for slug in sorted(offered):
            if slug in chosen and slug not in carried:
                tags_assign(tag=offered[slug], researcher_ids=[researcher.pk], source=AssignmentSource.SELF,
                            actor=actor)
            elif slug not in chosen and carried.get(slug) == AssignmentSource.SELF:
                tags_remove(tag=offered[slug], researcher_ids=[researcher.pk], source=AssignmentSource.SELF,
                            actor=actor, only_source=AssignmentSource.SELF)
        JournalFollow.objects.filter(researcher=researcher).exclude(journal_id__in=journal_ids).delete()
        JournalFollow.objects.bulk_create([JournalFollow(researcher=researcher, journal_id=journal_id)
                                           for journal_id in journal_ids], ignore_conflicts=True)


def journal_follow(*, researcher: Researcher, journal_id: int) -> bool:
    """The researcher follows one more journal (e.g. from a shared manuscript's page), keeping their other choices.
    Idempotent and safe under concurrent calls: True only when newly followed. InterestsInvalid (400 under
    `fields.journals`) for an unknown or disabled journal."""
    if not journals_enabled().filter(pk=journal_id).exists():
        raise InterestsInvalid(fields={"journals": [_("No journal to follow with id %(id)s.") % {"id": journal_id}]})
    _follow, created = JournalFollow.objects.get_or_create(researcher=researcher, journal_id=journal_id)
    return created
