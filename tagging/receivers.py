"""Tagging hears the lower apps' domain events (design flow 7), connected in TaggingConfig.ready(). Each handler
only names the researchers the event is about and calls one service; the events are sent after commit
(payments' order_paid by a worker, from the order's outbox: payments.events)."""

from __future__ import annotations

from accounts import events as account_events
from accounts.selectors import journal_account_researcher_ids
from manuscripts import events as manuscript_events
from manuscripts.selectors import manuscript_author_ids
from payments import events as payment_events
from payments.selectors.orders import order_payer_ids
from sharing import events as sharing_events
from tagging.services.rules import (
    ACCOUNT_KINDS,
    MANUSCRIPT_KINDS,
    PAYMENT_KINDS,
    SHARE_KINDS,
    rules_reevaluate_researchers,
)
from tagging.services.webhook_sources import (
    webhooks_manuscript_status_changed,
    webhooks_order_paid,
    webhooks_researcher_created,
)


def manuscript_status_changed(sender, *, changes, **kwargs) -> None:
    rules_reevaluate_researchers(
        researchers=lambda: manuscript_author_ids(manuscript_ids={change.manuscript_id for change in changes}),
        kinds=MANUSCRIPT_KINDS)


def journal_account_verified(sender, *, account_id: int, **kwargs) -> None:
    rules_reevaluate_researchers(researchers=lambda: journal_account_researcher_ids(account_ids=[account_id]),
                                 kinds=ACCOUNT_KINDS)


def order_paid(sender, *, order_id: int, **kwargs) -> None:
    rules_reevaluate_researchers(researchers=lambda: order_payer_ids(order_ids=[order_id]), kinds=PAYMENT_KINDS)


def shares_changed(sender, *, researcher_ids, **kwargs) -> None:
    rules_reevaluate_researchers(researchers=lambda: researcher_ids, kinds=SHARE_KINDS)


# Webhooks: each event becomes deliveries to the endpoints that listen for it.


def webhooks_on_researcher_created(sender, *, researcher_id, **kwargs) -> None:
    webhooks_researcher_created(researcher_id=researcher_id)


def webhooks_on_manuscript_status_changed(sender, *, changes, **kwargs) -> None:
    webhooks_manuscript_status_changed(changes=changes)


def webhooks_on_order_paid(sender, *, order_id, **kwargs) -> None:
    webhooks_order_paid(order_id=order_id)


def connect() -> None:
    manuscript_events.manuscript_status_changed.connect(manuscript_status_changed,
                                                        dispatch_uid="tagging.rules.manuscript_status_changed")
    account_events.journal_account_verified.connect(journal_account_verified,
                                                    dispatch_uid="tagging.rules.journal_account_verified")
    payment_events.order_paid.connect(order_paid, dispatch_uid="tagging.rules.order_paid")
    sharing_events.shares_changed.connect(shares_changed, dispatch_uid="tagging.rules.shares_changed")
    account_events.researcher_created.connect(webhooks_on_researcher_created,
                                              dispatch_uid="tagging.webhooks.researcher_created")
    manuscript_events.manuscript_status_changed.connect(webhooks_on_manuscript_status_changed,
                                                        dispatch_uid="tagging.webhooks.manuscript_status_changed")
    payment_events.order_paid.connect(webhooks_on_order_paid, dispatch_uid="tagging.webhooks.order_paid")
