"""What other systems read of the publisher's data, one `Dataset` per kind of row: the staff API's lists and the
exports (CSV, XLSX, JSON Lines) are both built from these, so an item of `GET /api/v1/staff/researchers` and a
line of the researchers export are the same object.

A dataset is a base queryset (from the owning app's selectors), a function that turns a batch of its rows into
JSON-ready dicts with a constant number of queries per batch (tags, timelines, authors), and flat columns for
spreadsheets. Another dataset (a campaign's results) is one more `dataset_register(Dataset(...))`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.selectors import researchers_for_staff
from manuscripts.selectors import authors_by_manuscript, manuscript_timelines, manuscripts_for_staff
from manuscripts.status import status_label
from payments.selectors.orders import orders_for_staff
from tagging.models import ApiScope, TagAssignment
from tagging.selectors.campaigns import campaign_deliveries_for_staff


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[dict], object]


@dataclass(frozen=True)
class Dataset:
    name: str
    title: object  # a translatable label for admin
    scope: str  # the staff API scope that reads it
    view_permissions: tuple[str, ...]  # what a staff member needs in admin to export it
    base: Callable[[], QuerySet]
    rows: Callable[[list], list[dict]]  # a batch of model rows → JSON-ready dicts, a fixed number of queries
    columns: tuple[Column, ...]
    # updated_at written by the application's clock (auto_now) rather than the database's (feeds.write_horizon)
    app_clock: bool = False


DATASETS: dict[str, Dataset] = {}


def dataset_register(dataset: Dataset) -> Dataset:
    DATASETS[dataset.name] = dataset
    return dataset


def dataset_rows(dataset: Dataset, *, chunk_size: int) -> Iterator[dict]:
    """Every row of `dataset` by id, read through a server-side cursor `chunk_size` rows at a time: memory holds
    one chunk, whatever the table's size."""
    batch: list = []
    for row in dataset.base().order_by("id").iterator(chunk_size=chunk_size):
        batch.append(row)
        if len(batch) >= chunk_size:
            yield from dataset.rows(batch)
            batch = []
    if batch:
        yield from dataset.rows(batch)


def _instant(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _joined(values) -> str:
    return ";".join(str(value) for value in values)


# --- researchers ---------------------------------------------------------------------------------------------

def tag_slugs_of(*, researcher_ids) -> dict[int, list[str]]:
    slugs: dict[int, list[str]] = {pk: [] for pk in researcher_ids}
    for researcher_id, slug in (TagAssignment.objects.filter(researcher_id__in=researcher_ids)
                                .order_by("tag__slug").values_list("researcher_id", "tag__slug")):
        slugs[researcher_id].append(slug)
    return slugs


def researcher_rows(researchers: list) -> list[dict]:
    tags = tag_slugs_of(researcher_ids=[researcher.pk for researcher in researchers])
    return [{"id": researcher.pk, "display_name": researcher.display_name, "language": researcher.language,
             "orcid": researcher.orcid or None, "tags": tags[researcher.pk],
             "updated_at": _instant(researcher.updated_at)} for researcher in researchers]


RESEARCHERS = dataset_register(Dataset(
    name="researchers", title=_("Researchers with their tags"), scope=ApiScope.RESEARCHERS_READ,
    view_permissions=("accounts.view_researcher",), base=researchers_for_staff, rows=researcher_rows,
    columns=(Column("id", lambda row: row["id"]), Column("display_name", lambda row: row["display_name"]),
             Column("language", lambda row: row["language"]), Column("orcid", lambda row: row["orcid"] or ""),
             Column("tags", lambda row: _joined(row["tags"])), Column("updated_at", lambda row: row["updated_at"])),
))


# --- manuscripts ---------------------------------------------------------------------------------------------

def manuscript_rows(manuscripts: list) -> list[dict]:
    ids = [manuscript.pk for manuscript in manuscripts]
    timelines, authors = manuscript_timelines(manuscript_ids=ids), authors_by_manuscript(manuscript_ids=ids)
    language = translation.get_language() or "zh-hans"
    return [{
        "id": manuscript.pk, "title": manuscript.title,
        "journal": ({"id": manuscript.journal.pk, "key": manuscript.journal.key,
                     "name": manuscript.journal.localized_name(language)} if manuscript.journal else None),
        "journal_system": manuscript.journal_system.key, "platform_id": manuscript.platform_id,
        "status": manuscript.canonical_status, "status_label": status_label(manuscript.canonical_status),
        "platform_status": manuscript.raw_status, "submitted_at": _instant(manuscript.submitted_at),
        "last_activity_at": _instant(manuscript.last_activity_at), "doi": manuscript.doi,
        "published_on": _day(manuscript.published_on), "authors": authors[manuscript.pk],
        "status_history": [{"from": event.from_status or None, "to": event.to_status,
                            "platform_status": event.raw_status, "occurred_at": _instant(event.occurred_at)}
                           for event in timelines[manuscript.pk]],
        "updated_at": _instant(manuscript.updated_at),
    } for manuscript in manuscripts]


MANUSCRIPTS = dataset_register(Dataset(
    name="manuscripts", title=_("Manuscripts with their status history"), scope=ApiScope.MANUSCRIPTS_READ,
    view_permissions=("manuscripts.view_manuscript",), base=manuscripts_for_staff, rows=manuscript_rows,
    app_clock=True,
    columns=(Column("id", lambda row: row["id"]), Column("journal_system", lambda row: row["journal_system"]),
             Column("journal", lambda row: row["journal"]["key"] if row["journal"] else ""),
             Column("platform_id", lambda row: row["platform_id"]), Column("title", lambda row: row["title"]),
             Column("status", lambda row: row["status"]), Column("platform_status", lambda row: row["platform_status"]),
             Column("submitted_at", lambda row: row["submitted_at"] or ""),
             Column("last_activity_at", lambda row: row["last_activity_at"]), Column("doi", lambda row: row["doi"]),
             Column("published_on", lambda row: row["published_on"] or ""),
             Column("authors", lambda row: _joined(row["authors"])),
             Column("status_history", lambda row: json.dumps(row["status_history"], ensure_ascii=False)),
             Column("updated_at", lambda row: row["updated_at"])),
))


# --- orders --------------------------------------------------------------------------------------------------

def order_rows(orders: list) -> list[dict]:
    return [{
        "id": order.pk, "kind": order.kind, "status": order.status, "amount_fen": order.amount_fen,
        "original_amount_fen": order.original_amount_fen, "discount_fen": order.discount_fen,
        "refunded_fen": order.refunded_fen, "currency": order.currency, "researcher": order.researcher_id,
        "payer": order.payer_id, "manuscript": order.manuscript_id,
        "journal": order.journal.key if order.journal else None, "out_trade_no": order.out_trade_no,
        "transaction_id": order.transaction_id, "settled_by": order.settled_by, "paid_at": _instant(order.paid_at),
        "created_at": _instant(order.created_at), "updated_at": _instant(order.updated_at),
    } for order in orders]


_ORDER_FIELDS = ("id", "kind", "status", "amount_fen", "original_amount_fen", "discount_fen", "refunded_fen",
                 "currency", "researcher", "payer", "manuscript", "journal", "out_trade_no", "transaction_id",
                 "settled_by", "paid_at", "created_at", "updated_at")

ORDERS = dataset_register(Dataset(
    name="orders", title=_("Orders"), scope=ApiScope.ORDERS_READ, view_permissions=("payments.view_order",),
    base=orders_for_staff, rows=order_rows, app_clock=True,
    columns=tuple(Column(name, lambda row, name=name: "" if row[name] is None else row[name])
                  for name in _ORDER_FIELDS),
))


# --- campaign results ----------------------------------------------------------------------------------------

def campaign_result_rows(deliveries: list) -> list[dict]:
    return [{
        "id": delivery.pk, "campaign": delivery.campaign_id, "campaign_name": delivery.campaign.name,
        "channel": delivery.channel, "researcher": delivery.researcher_id, "state": delivery.state,
        "reason": delivery.reason, "created_at": _instant(delivery.created_at),
        "opened_at": _instant(delivery.opened_at), "dismissed_at": _instant(delivery.dismissed_at),
    } for delivery in deliveries]


_CAMPAIGN_RESULT_FIELDS = ("id", "campaign", "campaign_name", "channel", "researcher", "state", "reason",
                           "created_at", "opened_at", "dismissed_at")

CAMPAIGN_RESULTS = dataset_register(Dataset(
    name="campaign_results", title=_("Campaign results (one row per researcher and channel)"),
    scope=ApiScope.CAMPAIGNS_READ, view_permissions=("tagging.view_campaigndelivery",),
    base=campaign_deliveries_for_staff, rows=campaign_result_rows,
    columns=tuple(Column(name, lambda row, name=name: "" if row[name] is None else row[name])
                  for name in _CAMPAIGN_RESULT_FIELDS),
))
