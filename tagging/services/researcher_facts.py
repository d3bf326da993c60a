"""Researchers' segment facts (`tagging.models.ResearcherFacts`): triggers keep them in step with every change;
this rebuilds them all from the source tables, for when rows were written with triggers off (a bulk load or a
restore under `session_replication_role = replica`)."""

from __future__ import annotations

from django.db import connection


def researcher_facts_exist() -> bool:
    """Whether this database keeps the facts (PostgreSQL: its migration made the table and triggers; SQLite, the
    embedded demo, has neither, and segments read the source tables)."""
    return connection.vendor == "postgresql"


def researcher_facts_rebuild() -> int:
    """Recompute every researcher's facts in one statement (writers wait meanwhile, then apply on top); returns how
    many rows changed. Nothing to do where the facts are not kept: 0."""
    if not researcher_facts_exist():
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT tagging_facts_rebuild()")
        return cursor.fetchone()[0]
