"""What manuscripts holds about a researcher, for accounts.privacy (registered in ManuscriptsConfig.ready()).

Export: the manuscripts the researcher sees (through their selector) with their timelines. Erase needs nothing
here: the researcher's access to a manuscript is their linked journal account, which accounts deletes (with the
access rows and sync state); the manuscript itself is the journal's record, shared with co-authors, and stays.
The researcher's impact digest snapshots (what their last monthly digest saw) go with the researcher row (cascade);
the digests themselves are notifications, exported and erased by notifications.
"""

from __future__ import annotations

from accounts.models import Researcher
from manuscripts.selectors import manuscript_timelines, manuscripts_for_researcher


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def manuscripts_export(researcher: Researcher) -> list[dict]:
    manuscripts = list(manuscripts_for_researcher(researcher=researcher))
    timelines = manuscript_timelines(manuscript_ids=[manuscript.pk for manuscript in manuscripts])
    return [{
        "id": manuscript.pk, "title": manuscript.title,
        "journal": manuscript.journal.key if manuscript.journal else None,
        "journal_system": manuscript.journal_system.key, "status": manuscript.canonical_status,
        "platform_status": manuscript.raw_status, "doi": manuscript.doi,
        "submitted_at": _iso(manuscript.submitted_at), "last_activity_at": _iso(manuscript.last_activity_at),
        "published_on": _iso(manuscript.published_on),
        "action": manuscript.action, "due_date": _iso(manuscript.due_date),
        "timeline": [{"from": event.from_status, "to": event.to_status, "platform_status": event.raw_status,
                      "occurred_at": _iso(event.occurred_at)}
                     for event in timelines.get(manuscript.pk, [])],
    } for manuscript in manuscripts]
