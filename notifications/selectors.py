"""Reads for the inbox: always one researcher's notifications, newest first."""

from datetime import datetime

from django.db.models import Count, QuerySet

from notifications.models import Notification, NotificationPreference, NotificationTemplate, SubscriptionGrant


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


def delivery_stats(*, since: datetime) -> list[dict]:
    """Per template, what the sender settled since `since`: sent, no credit, skipped, and failures by errcode.

    One grouped query; templates with no traffic are listed too (with zeros), so a silent template shows.
    """
    rows = (Notification.objects.filter(settled_at__gte=since).exclude(template_id="")
            .values("template_id", "state", "errcode").annotate(count=Count("id")))
    stats: dict[str, dict] = {}
    for template in NotificationTemplate.objects.order_by("kind"):
        stats[template.template_id] = {"template_id": template.template_id, "kind": template.kind,
                                       "kind_label": template.get_kind_display(), "sent": 0, "no_credit": 0,
                                       "skipped": 0, "failed": 0, "failed_by_errcode": {}}
    for row in rows:
        entry = stats.setdefault(row["template_id"], {
            "template_id": row["template_id"], "kind": "", "kind_label": "", "sent": 0, "no_credit": 0,
            "skipped": 0, "failed": 0, "failed_by_errcode": {}})
        if row["state"] in ("sent", "no_credit", "skipped", "failed"):
            entry[row["state"]] += row["count"]
        if row["state"] == "failed":
            errcode = row["errcode"] if row["errcode"] is not None else "-"
            entry["failed_by_errcode"][errcode] = entry["failed_by_errcode"].get(errcode, 0) + row["count"]
    return list(stats.values())


def researcher_ids_with_kind_off(*, kind: str, researcher_ids) -> set[int]:
    """Those of these researchers who switched this kind of notice off in their notification preferences."""
    preferences = NotificationPreference.objects.filter(researcher_id__in=list(researcher_ids))
    # Read in Python: a JSON list's "contains" is not a lookup every database backend has (SQLite, make run).
    return {researcher_id for researcher_id, disabled in preferences.values_list("researcher_id", "disabled_kinds")
            if kind in (disabled or [])}
