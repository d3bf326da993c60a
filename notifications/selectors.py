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


def subscription_state(*, researcher_id: int) -> list[dict]:
    """Per event kind with an enabled template: its template id, credits left, and whether it is banned."""
    from notifications.models import NotificationTemplate, SubscriptionGrant

    grants = {grant.template_id: grant for grant in SubscriptionGrant.objects.filter(researcher_id=researcher_id)}
    state = []
    for template in NotificationTemplate.objects.filter(enabled=True).order_by("kind"):
        grant = grants.get(template.template_id)
        state.append({
            "kind": template.kind,
            "template_id": template.template_id,
            "credits": grant.credits if grant else 0,
            "has_credit": bool(grant and grant.credits and not grant.banned),
            "banned": bool(grant and grant.banned),
            "last_result": grant.last_result if grant else "",
        })
    return state
