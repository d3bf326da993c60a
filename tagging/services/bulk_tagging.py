"""Tagging many researchers at once as other systems name them (the staff API's tag assignments)."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.selectors import researcher_ids_by_reference
from tagging.models import AssignmentSource, Tag
from tagging.services.tags import tags_assign, tags_remove


@dataclass
class BulkTaggingResult:
    matched: int  # entries that named a researcher we know
    changed: int  # researchers whose tags changed
    unmatched: list  # the entries not found, as given


def tags_apply_by_reference(*, tag: Tag, action: str, references: list[tuple[str, object, str]],
                            actor: str) -> BulkTaggingResult:
    """Add (`action="add"`) or remove `tag` for the researchers these references name: (kind, entry as given,
    normalized value) with kind id | orcid | unionid. Idempotent: a repeat changes nothing (changed = 0); each
    real change is audited with source `api` and `actor` (tags_assign / tags_remove)."""
    found = researcher_ids_by_reference(
        ids=[value for kind, _entry, value in references if kind == "id"],
        orcids=[value for kind, _entry, value in references if kind == "orcid"],
        unionids=[value for kind, _entry, value in references if kind == "unionid"])
    matched_ids, unmatched = [], []
    for kind, entry, value in references:
        researcher_id = found.get((kind, value))
        if researcher_id is None:
            unmatched.append(entry)
        else:
            matched_ids.append(researcher_id)
    change = tags_assign if action == "add" else tags_remove
    changed = change(tag=tag, researcher_ids=matched_ids, source=AssignmentSource.API, actor=actor)
    return BulkTaggingResult(matched=len(matched_ids), changed=len(changed), unmatched=unmatched)
