"""Reads the staff API needs beyond its datasets."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from tagging.models import Tag, TagAssignment


def tag_by_slug(*, slug: str) -> Tag | None:
    return Tag.objects.filter(slug=slug).first()


def researchers_with_tag(*, researchers: QuerySet, tag: Tag) -> QuerySet:
    """`researchers` narrowed to those carrying `tag`."""
    return researchers.filter(Exists(TagAssignment.objects.filter(researcher_id=OuterRef("pk"), tag=tag)))
