"""The monthly impact digest: one inbox notice per researcher whose published articles gained citations, views or
downloads since their last digest.

Invariants:
- Sent on the 1st of each month for the month before ("the digest month"), to authors of published manuscripts
  (a verified account on the manuscript's own journal system, as status notices), in their language.
- What grew is measured against the numbers the researcher's last digest saw (:class:`ImpactSnapshot`, one row per
  researcher and manuscript, rewritten by every digest). Only growth is reported; a count that fell (a platform
  that recounted) is recorded silently. No growth at all: no notice, only the snapshots move.
- An article without a snapshot (the first digest, a newly linked account) counts from zero only when it was
  published in the digest month or later; an older one is recorded silently, so years of citations are never
  reported as one month's. A number the platform did not give before (null) is treated the same way.
- Idempotent per (researcher, month): researchers are taken in id order from the month's
  :class:`ImpactDigestRun` cursor, each batch in one transaction under that row's lock, and every notice's dedupe
  key is ``impact_digest:<researcher>:<YYYY-MM>``. A rerun, or a second worker, goes on where the first stopped;
  a finished month does nothing.
- Inbox only: a WeChat subscription message must answer a service the user asked for, and nobody asks for a
  monthly summary at a moment the Mini Program could request consent (see README, "Monthly impact digest").
- Per batch: one query for the authorships and their numbers, one for the snapshots, one INSERT of notices, one
  upsert of snapshots.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from manuscripts.models import ImpactDigestRun, ImpactSnapshot
from manuscripts.selectors import published_authorships, researcher_ids_with_published_manuscripts
from notifications.services import notifications_create_many

logger = logging.getLogger(__name__)

KIND = "impact_digest"  # notifications.models.InboxOnlyKind.IMPACT_DIGEST
PAGE = "pages/home/home"  # the researcher's manuscripts
METRICS = ("citations", "views", "downloads")
BODY_LIMIT = 500  # Notification.body


@dataclass(frozen=True)
class ArticleGain:
    manuscript_id: int
    title: str
    citations: int
    views: int
    downloads: int

    @property
    def gains(self) -> dict[str, int]:
        return {"citations": self.citations, "views": self.views, "downloads": self.downloads}


def digest_month_for(moment: datetime) -> date:
    """The month a digest sent at `moment` covers: the local month before it (its first day)."""
    today = timezone.localdate(moment)
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


def impact_digests_send(*, now: datetime | None = None) -> int:
    """Send the digest of the month before `now` to every researcher it concerns; returns how many notices were
    created (0 for a month already done). Safe to run again and from several workers at once."""
    month = digest_month_for(now or timezone.now())
    run, _created = ImpactDigestRun.objects.get_or_create(month=month)
    created = 0
    while True:
        with transaction.atomic():
            run = ImpactDigestRun.objects.select_for_update().get(pk=run.pk)
            if run.finished_at is not None:
                break
            researcher_ids = researcher_ids_with_published_manuscripts(after_id=run.last_researcher_id,
                                                                       limit=settings.IMPACT_DIGEST_BATCH_SIZE)
            if not researcher_ids:
                run.finished_at = timezone.now()
                run.save(update_fields=["finished_at"])
                break
            notices = _batch_digest(researcher_ids=researcher_ids, month=month)
            batch_created = notifications_create_many(notifications=notices, inbox_only=True)
            run.last_researcher_id = researcher_ids[-1]
            run.notified += batch_created
            run.save(update_fields=["last_researcher_id", "notified"])
            created += batch_created
    logger.info("impact digest %s: %d notices", f"{month:%Y-%m}", created)
    return created


def _batch_digest(*, researcher_ids: list[int], month: date) -> list[dict]:
    """The notices for these researchers, and their snapshots moved to today's numbers (in the caller's
    transaction)."""
    authorships = published_authorships(researcher_ids=researcher_ids)
    before = {(snapshot.researcher_id, snapshot.manuscript_id): snapshot
              for snapshot in ImpactSnapshot.objects.filter(researcher_id__in=researcher_ids)}
    gains: dict[int, list[ArticleGain]] = {}
    languages: dict[int, str] = {}
    snapshots = []
    for row in authorships:
        key = (row.researcher_id, row.manuscript_id)
        previous = before.get(key)
        counts_from_zero = row.published_on is not None and row.published_on >= month
        gained = {}
        for metric in METRICS:
            now_value = getattr(row, metric)
            then_value = getattr(previous, metric) if previous is not None else None
            if then_value is None and counts_from_zero:
                then_value = 0
            gained[metric] = max(now_value - then_value, 0) if now_value is not None and then_value is not None \
                else 0
        if any(gained.values()):
            gains.setdefault(row.researcher_id, []).append(ArticleGain(row.manuscript_id, row.title(row.language),
                                                                       **gained))
        languages[row.researcher_id] = row.language
        snapshots.append(ImpactSnapshot(researcher_id=row.researcher_id, manuscript_id=row.manuscript_id,
                                        citations=row.citations, views=row.views, downloads=row.downloads,
                                        month=month))
    ImpactSnapshot.objects.bulk_create(snapshots, update_conflicts=True, unique_fields=["researcher", "manuscript"],
                                       update_fields=[*METRICS, "month"])
    return [_notice(researcher_id=researcher_id, language=languages[researcher_id], month=month, articles=articles)
            for researcher_id, articles in gains.items()]


def _notice(*, researcher_id: int, language: str, month: date, articles: list[ArticleGain]) -> dict:
    articles = sorted(articles, key=lambda a: (-a.citations, -a.downloads, -a.views, a.manuscript_id))
    totals = {metric: sum(article.gains[metric] for article in articles) for metric in METRICS}
    with translation.override(language):
        title = impact_summary(month=month, articles=len(articles), totals=totals)
        body = _body([_("%(title)s: %(changes)s") % {"title": article.title, "changes": _changes(article.gains)}
                      for article in articles])
    return {
        "researcher_id": researcher_id, "kind": KIND, "dedupe_key": f"{KIND}:{researcher_id}:{month:%Y-%m}",
        "title": title, "body": body, "page": PAGE,
        "payload": {"month": f"{month:%Y-%m}", "totals": totals,
                    "articles": [{"manuscript_id": article.manuscript_id, "title": article.title, **article.gains}
                                 for article in articles]},
    }


def impact_summary(*, month: date, articles: int, totals: dict[str, int]) -> str:
    """E.g. "2026年11月：3 篇论文新增被引 5 次、下载 120 次" / "November 2026: 3 articles gained 5 citations and
    120 downloads", in the active language."""
    return _("%(month)s: %(articles)s gained %(changes)s") % {
        "month": formats.date_format(month, "YEAR_MONTH_FORMAT"),
        "articles": ngettext("%(count)d article", "%(count)d articles", articles) % {"count": articles},
        "changes": _changes(totals),
    }


def _changes(gains: dict[str, int]) -> str:
    """The metrics that grew, e.g. "被引 5 次、下载 120 次" / "5 citations and 120 downloads"."""
    phrases = {
        "citations": lambda n: ngettext("%(count)d citation", "%(count)d citations", n) % {"count": n},
        "views": lambda n: ngettext("%(count)d view", "%(count)d views", n) % {"count": n},
        "downloads": lambda n: ngettext("%(count)d download", "%(count)d downloads", n) % {"count": n},
    }
    parts = [phrases[metric](gains[metric]) for metric in METRICS if gains[metric] > 0]
    if len(parts) == 1:
        return parts[0]
    return _("%(first)s and %(last)s") % {"first": _(", ").join(parts[:-1]), "last": parts[-1]}


def _body(lines: list[str]) -> str:
    """The per-article lines that fit the body, then how many more there are."""
    for shown in range(len(lines), 0, -1):
        rest = len(lines) - shown
        tail = [ngettext("…and %(count)d more article", "…and %(count)d more articles", rest) % {"count": rest}] \
            if rest else []
        body = "\n".join(lines[:shown] + tail)
        if len(body) <= BODY_LIMIT:
            return body
    return lines[0][:BODY_LIMIT - 1] + "…" if lines else ""
