"""Reads for the inbox: always one researcher's notifications, newest first."""

from django.db.models import QuerySet

from notifications.models import Notification


def inbox_for_researcher(*, researcher_id: int, filters: dict | None = None) -> QuerySet[Notification]:
    """Filters: unread (bool), kind."""
    filters = filters or {}
    notifications = Notification.objects.filter(researcher_id=researcher_id).order_by("-created_at", "-id")
    if filters.get("unread") is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif filters.get("unread") is False:
        notifications = notifications.filter(read_at__isnull=False)
    if filters.get("kind"):
        notifications = notifications.filter(kind=filters["kind"])
    return notifications


def unread_count(*, researcher_id: int) -> int:
    return Notification.objects.filter(researcher_id=researcher_id, read_at__isnull=True).count()
