"""The admin index's dashboard: the figures of `editorial.selectors`, labelled in the viewer's language and
limited to the viewer's journals, as tables and Chart.js series (handed to the page with json_script)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Platform
from editorial import selectors
from manuscripts.status import CanonicalStatus
from payments.formatting import fen_as_yuan

# The funnel's order, from submission to publication; rejected and withdrawn follow as the way out.
FUNNEL = (CanonicalStatus.SUBMITTED, CanonicalStatus.WITH_EDITOR, CanonicalStatus.UNDER_REVIEW,
          CanonicalStatus.REVISION_REQUESTED, CanonicalStatus.REVISION_SUBMITTED, CanonicalStatus.ACCEPTED,
          CanonicalStatus.IN_PRODUCTION, CanonicalStatus.PUBLISHED, CanonicalStatus.REJECTED,
          CanonicalStatus.WITHDRAWN)


def _per_journal(journals, rows, field: str, empty) -> list[dict]:
    """One row per journal with a cell per funnel status (`empty` where there is no figure)."""
    found = {(row["journal_id"], row["status"]): row[field] for row in rows}
    return [{"journal": journal["label"], "cells": [found.get((journal["id"], status), empty) for status in FUNNEL]}
            for journal in journals]


def dashboard_figures(user) -> dict | None:
    """What the dashboard shows `user`: None when they work for no journal (and are not a superuser)."""
    journal_objects = list(selectors.journals_for_staff(user))
    if not journal_objects and not user.is_superuser:
        return None
    language = translation.get_language() or "zh-hans"
    journals = [{"id": journal.pk, "label": journal.localized_name(language) or journal.key}
                for journal in journal_objects]
    journal_ids = {journal["id"] for journal in journals}
    labels = {journal["id"]: journal["label"] for journal in journals}
    status_labels = [str(status.label) for status in FUNNEL]

    weeks = selectors.researchers_by_week()
    platforms = [{**row, "label": str(dict(Platform.choices).get(row["platform"], row["platform"]))}
                 for row in selectors.linked_accounts_by_platform()]
    counts = selectors.manuscripts_by_status(journal_ids=journal_ids)
    funnel = _per_journal(journals, counts, "manuscripts", 0)
    medians = selectors.median_days_in_status(journal_ids=journal_ids)
    median_rows = (None if medians is None else
                   [{**row, "cells": ["—" if cell is None else f"{cell:.1f}" for cell in row["cells"]]}
                    for row in _per_journal(journals, medians, "median_days", None)])
    notifications = selectors.notifications_by_template()
    revenue = [{**row, "label": labels[row["journal_id"]], "paid": fen_as_yuan(row["paid_fen"]),
                "refunded": fen_as_yuan(row["refunded_fen"]), "net": fen_as_yuan(row["paid_fen"] - row["refunded_fen"]),
                "open": fen_as_yuan(row["open_fen"])}
               for row in selectors.revenue_by_journal(journal_ids=journal_ids)]
    conversations = [{**row, "label": labels[row["journal_id"]],
                      "median": "—" if row["median_first_response_hours"] is None
                      else f"{row['median_first_response_hours']:.1f}"}
                     for row in selectors.conversation_figures(journal_ids=journal_ids)]

    def by_journal(rows, value) -> list[dict]:
        return [{"label": row["journal"], "data": [value(cell) for cell in row["cells"]]} for row in rows]

    charts = {
        "weeks": {"labels": [row["week"] for row in weeks],
                  "datasets": [{"label": _("New researchers"), "data": [row["new"] for row in weeks]},
                               {"label": _("Active researchers"), "data": [row["active"] for row in weeks]}]},
        "platforms": {"labels": [row["label"] for row in platforms],
                      "datasets": [{"label": _("Verified accounts"), "data": [row["accounts"] for row in platforms]}]},
        "funnel": {"labels": status_labels, "datasets": by_journal(funnel, lambda cell: cell)},
        "medians": {"labels": status_labels,
                    "datasets": [] if medians is None else by_journal(
                        _per_journal(journals, medians, "median_days", None),
                        lambda cell: None if cell is None else round(cell, 1))},
        "notifications": {"labels": [row["kind_label"] or row["template_id"] for row in notifications],
                          "datasets": [{"label": _("Sent"), "data": [row["sent"] for row in notifications]},
                                       {"label": _("No credit"), "data": [row["no_credit"] for row in notifications]},
                                       {"label": _("Failed"), "data": [row["failed"] for row in notifications]}]},
        "revenue": {"labels": [row["label"] for row in revenue],
                    "datasets": [{"label": _("Net paid (yuan)"),
                                  "data": [(row["paid_fen"] - row["refunded_fen"]) / 100 for row in revenue]}]},
    }
    return {"journals": journals, "weeks": weeks, "platforms": platforms, "status_labels": status_labels,
            "funnel": funnel, "any_manuscript": bool(counts), "medians": median_rows,
            "notifications": notifications, "notification_days": selectors.NOTIFICATION_DAYS,
            "revenue": revenue, "conversations": conversations, "response_days": selectors.RESPONSE_DAYS,
            "medians_available": medians is not None, "charts": charts,
            "cache_minutes": max(1, settings.EDITORIAL_DASHBOARD_CACHE_SECONDS // 60),
            "time_zone": settings.TIME_ZONE}
