"""What other apps' domain events tell webhook endpoints (design flow 7: tagging.webhook_receivers hears the
events and calls these). Each builds the event's data from the lower apps' selectors, only when an endpoint
listens, and hands it to `webhook_event_emit`. Payloads are minimal: ids, keys, codes and times; never an
openid, unionid, secret or personal detail beyond the ORCID iD (a public identifier).

- researcher.created: {"researcher": {"id", "language"}}
- manuscript.status_changed: {"manuscript": {"id", "journal": key | null}, "from_status": canonical | null (first
  seen), "to_status": canonical, "occurred_at": ISO-8601, "researchers": [{"id", "orcid"}]} (its authors here)
- order.paid: {"order": {"id", "kind", "amount_fen", "currency", "paid_at", "settled_by", "manuscript": id | null,
  "journal": key | null, "researcher": {"id", "orcid"} | null}}
- tag.assigned / tag.removed (tagging.services.tags): {"tag": slug, "researcher": {"id", "orcid"}}
- campaign.finished (campaigns): {"campaign": {...}} as the campaigns service sends it.
"""

from __future__ import annotations

from collections.abc import Iterable

from accounts.selectors import researcher_languages, researcher_orcids
from manuscripts.events import StatusChange
from manuscripts.selectors import manuscripts_journal_and_authors
from payments.selectors.orders import order_with_journal
from tagging.models import WebhookEvent
from tagging.services.webhooks import webhook_event_emit, webhooks_listening


def webhooks_researcher_created(*, researcher_id: int) -> None:
    if not webhooks_listening(event=WebhookEvent.RESEARCHER_CREATED):
        return
    language = researcher_languages(researcher_ids=[researcher_id]).get(researcher_id)
    if language is None:
        return  # erased before the event was heard
    webhook_event_emit(event=WebhookEvent.RESEARCHER_CREATED,
                       data_items=[{"researcher": {"id": researcher_id, "language": language}}])


def webhooks_manuscript_status_changed(*, changes: Iterable[StatusChange]) -> None:
    changes = list(changes)
    if not changes or not webhooks_listening(event=WebhookEvent.MANUSCRIPT_STATUS_CHANGED):
        return
    manuscripts = manuscripts_journal_and_authors(manuscript_ids={change.manuscript_id for change in changes})
    orcids = researcher_orcids(researcher_ids={pk for _key, authors in manuscripts.values() for pk in authors})
    items = []
    for change in changes:
        if change.manuscript_id not in manuscripts:
            continue
        journal_key, authors = manuscripts[change.manuscript_id]
        items.append({
            "manuscript": {"id": change.manuscript_id, "journal": journal_key},
            "from_status": change.from_status or None,
            "to_status": change.to_status,
            "occurred_at": change.occurred_at.isoformat(),
            "researchers": [{"id": pk, "orcid": orcids.get(pk) or None} for pk in authors],
        })
    webhook_event_emit(event=WebhookEvent.MANUSCRIPT_STATUS_CHANGED, data_items=items)


def webhooks_order_paid(*, order_id: int) -> None:
    if not webhooks_listening(event=WebhookEvent.ORDER_PAID):
        return
    order = order_with_journal(order_id=order_id)
    if order is None:
        return
    researcher = None
    if order.researcher_id is not None:
        orcid = researcher_orcids(researcher_ids=[order.researcher_id]).get(order.researcher_id)
        researcher = {"id": order.researcher_id, "orcid": orcid or None}
    webhook_event_emit(event=WebhookEvent.ORDER_PAID, data_items=[{"order": {
        "id": order.pk,
        "kind": order.kind,
        "amount_fen": order.amount_fen,
        "currency": order.currency,
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
        "settled_by": order.settled_by or None,
        "manuscript": order.manuscript_id,
        "journal": order.journal.key if order.journal_id else None,
        "researcher": researcher,
    }}])
