"""What notifications holds about a researcher, for accounts.privacy (registered in NotificationsConfig.ready()).

Export: the inbox (every notification, sent or not). Erase needs nothing here: notifications, subscription
grants and preferences are deleted with the researcher (cascade).
"""

from __future__ import annotations

from accounts.models import Researcher
from notifications.selectors import inbox_for_researcher


def notifications_export(researcher: Researcher) -> list[dict]:
    return [{"id": notification.pk, "kind": notification.kind, "title": notification.title,
             "body": notification.body, "state": notification.state,
             "created_at": notification.created_at.isoformat(),
             "read_at": notification.read_at.isoformat() if notification.read_at else None}
            for notification in inbox_for_researcher(researcher_id=researcher.pk)]
