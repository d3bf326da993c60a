"""Creating tags and putting them on researchers or taking them off: the one way tags change, whoever asks
(staff in admin, rules, the researcher, an import, the staff API).

A researcher carries a tag at most once. Assigning it again changes nothing and writes nothing; each real change
writes a `TagAudit` row, marks the researcher updated for the staff API and emits `tag.assigned` / `tag.removed`
to webhooks. Changes of one tag are serialized on the tag's row, so two requests tagging the same people at
once audit each change once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction

from accounts.selectors import researcher_orcids
from accounts.services import researchers_touch
from tagging.errors import TagExists
from tagging.models import Tag, TagAssignment, TagAudit, TagAuditAction, TagGroup
from tagging.services.webhooks import webhook_event_emit


def tag_create(*, slug: str, name_en: str, name_zh_hans: str = "", group: str = TagGroup.OTHER,
               self_selectable: bool = False, colour: str = "") -> Tag:
    """Create a tag; TagExists (409) when the slug is taken."""
    fields = {"slug": slug, "name_en": name_en, "name_zh_hans": name_zh_hans, "group": group,
              "self_selectable": self_selectable}
    if colour:
        fields["colour"] = colour
    try:
        with transaction.atomic():
            return Tag.objects.create(**fields)
    except IntegrityError as exc:
        raise TagExists() from exc


def _tag_locked(tag: Tag) -> Tag:
    return Tag.objects.select_for_update().get(pk=tag.pk)


def _changed(*, tag: Tag, researcher_ids: list[int], action: str, source: str, actor: str, staff_user) -> None:
    TagAudit.objects.bulk_create([TagAudit(researcher_id=pk, tag_slug=tag.slug, action=action, source=source,
                                           actor=actor[:150], staff_user=staff_user) for pk in researcher_ids])
    researchers_touch(researcher_ids=researcher_ids)
    orcids = researcher_orcids(researcher_ids=researcher_ids)
    event = "tag.removed" if action != TagAuditAction.ADDED else "tag.assigned"
    webhook_event_emit(event=event, data_items=[
        {"tag": tag.slug, "researcher": {"id": pk, "orcid": orcids.get(pk) or None}} for pk in researcher_ids])


def tags_assign(*, tag: Tag, researcher_ids: Iterable[int], source: str, actor: str = "", staff_user=None,
                expires_at: datetime | None = None) -> list[int]:
    """Put `tag` on these researchers; returns the ids that did not carry it before (the others are left as
    they are, whatever put the tag there)."""
    wanted = set(researcher_ids)
    if not wanted:
        return []
    with transaction.atomic():
        tag = _tag_locked(tag)
        carrying = set(TagAssignment.objects.filter(tag=tag, researcher_id__in=wanted)
                       .values_list("researcher_id", flat=True))
        new_ids = sorted(wanted - carrying)
        TagAssignment.objects.bulk_create([
            TagAssignment(researcher_id=pk, tag=tag, source=source, assigned_by=actor[:150], expires_at=expires_at)
            for pk in new_ids], batch_size=1000)
        if new_ids:
            _changed(tag=tag, researcher_ids=new_ids, action=TagAuditAction.ADDED, source=source, actor=actor,
                     staff_user=staff_user)
    return new_ids


def tags_remove(*, tag: Tag, researcher_ids: Iterable[int], source: str, actor: str = "", staff_user=None,
                only_source: str | None = None, action: str = TagAuditAction.REMOVED) -> list[int]:
    """Take `tag` off these researchers; returns the ids that carried it. With `only_source` (a rule taking
    back what it gave), assignments made another way stay."""
    wanted = set(researcher_ids)
    if not wanted:
        return []
    with transaction.atomic():
        tag = _tag_locked(tag)
        assignments = TagAssignment.objects.filter(tag=tag, researcher_id__in=wanted)
        if only_source:
            assignments = assignments.filter(source=only_source)
        removed_ids = sorted(assignments.values_list("researcher_id", flat=True))
        if removed_ids:
            TagAssignment.objects.filter(tag=tag, researcher_id__in=removed_ids).delete()
            _changed(tag=tag, researcher_ids=removed_ids, action=action, source=source, actor=actor,
                     staff_user=staff_user)
    return removed_ids


def tag_delete(*, tag: Tag, source: str, actor: str = "", staff_user=None) -> int:
    """Delete a tag: its carriers lose it first through `tags_remove` (audited, sent to webhooks), so nobody loses
    a tag silently; its rules go with it. Returns how many researchers carried it."""
    with transaction.atomic():
        carriers = list(TagAssignment.objects.filter(tag=tag).values_list("researcher_id", flat=True))
        removed = tags_remove(tag=tag, researcher_ids=carriers, source=source, actor=actor, staff_user=staff_user)
        Tag.objects.filter(pk=tag.pk).delete()
    return len(removed)
