"""Reads for accounts."""

from django.db.models import Prefetch, QuerySet

from accounts.models import Journal, JournalSystem


def journal_systems_enabled() -> QuerySet[JournalSystem]:
    return (JournalSystem.objects.filter(enabled=True)
            .prefetch_related(Prefetch("journals", queryset=Journal.objects.order_by("key")))
            .order_by("key"))
