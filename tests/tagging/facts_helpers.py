"""Putting a researcher's segment facts in a state only time produces."""

from django.db import connection


def facts_as_refreshed_before_lapse(*, researcher_id: int, tag_id: int, expired_at) -> None:
    """The row as its last refresh left it while the assignment (now expired) was live: the tag in the array, its
    expiry in tag_expiry."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tagging_researcherfacts SET tag_ids = array_append(coalesce(tag_ids, '{}'), %s), "
                       "tag_expiry = coalesce(tag_expiry, '{}'::jsonb) "
                       "|| jsonb_build_object(%s::text, extract(epoch FROM %s::timestamptz)) "
                       "WHERE researcher_id = %s", [tag_id, tag_id, expired_at, researcher_id])
