"""Writes for shares: creating and deleting a share, counting opens, rendering (or reusing) its poster and card,
and following the shared manuscript's journal from the share page.

A share exists only because its researcher made one (nothing is shared by default), only of a manuscript they
see through a verified account, and only once it is accepted, in production or published. Nothing rewards or
gates on sharing: WeChat forbids induced sharing, so opens are counted for the sharer to see and nothing else.
"""

from __future__ import annotations

import hashlib
import json

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Researcher
from manuscripts.selectors import manuscripts_for_researcher
from manuscripts.status import CanonicalStatus
from publisher_backend.errors import Conflict, Throttled, UpstreamUnavailable
from publisher_backend.ratelimit import rate_limit_hit
from publisher_backend.wechat import WeChatClientException, wxacode_unlimited
from sharing.events import shares_changed_publish
from sharing.models import Share, ShareOpen, SharePoster, new_share_id, scene_for
from sharing.poster import CardContent, PosterContent, render_card, render_poster
from sharing.selectors import SHAREABLE_STATUSES, share_public

POSTER_LAYOUT_VERSION = "1"  # bump when the drawing changes: every poster renders anew
POSTERS_KEPT_PER_SHARE = 4  # the newest renders (one per language and a previous content or two); older go
CARD_LAYOUT_VERSION = "1"  # bump when the card's drawing changes
CARD_CACHE_SECONDS = 7 * 24 * 3600  # a card is cheap to draw again; the cache only spares repeated renders


class NotShareable(Conflict):
    code = "not_shareable"
    default_message = _("Only an accepted, in-production or published manuscript can be shared.")


@transaction.atomic
def share_create(*, researcher: Researcher, manuscript_id: int, show_coauthors: bool) -> Share:
    """A new share of the researcher's own manuscript. Raises Http404 for a manuscript they do not see through a
    verified account (another researcher's is indistinguishable from none), NotShareable (409) before acceptance.
    Each call makes a new share (its own id, scene and open count); `shares_changed` is sent after commit."""
    wait = rate_limit_hit(key=f"share:create:{researcher.pk}", rate=settings.SHARE_CREATE_RATE)
    if wait is not None:
        raise Throttled(retry_after_seconds=wait)
    manuscript = manuscripts_for_researcher(researcher=researcher).filter(pk=manuscript_id).first()
    if manuscript is None:
        raise Http404
    if manuscript.canonical_status not in SHAREABLE_STATUSES:
        raise NotShareable()
    share_id = new_share_id()
    share = Share.objects.create(id=share_id, scene=scene_for(share_id), researcher=researcher,
                                 manuscript=manuscript, show_coauthors=show_coauthors)
    shares_changed_publish(researcher_ids=[researcher.pk])
    return share


@transaction.atomic
def share_delete(*, researcher: Researcher, share_id: str) -> None:
    """Delete the researcher's share with its posters and opens; Http404 when it is not theirs (or gone).
    `shares_changed` is sent after commit."""
    deleted, _counts = Share.objects.filter(pk=share_id, researcher=researcher).delete()
    if not deleted:
        raise Http404
    shares_changed_publish(researcher_ids=[researcher.pk])


def share_open_record(*, share: Share, researcher_id: int | None, client_address: str | None) -> bool:
    """Count one open of a share: at most one per visitor per day, where the visitor is the signed-in researcher
    or, without a token, the client address (kept only as a keyed hash). The sharer's own opens are not counted.
    Returns whether this open was counted. Idempotent per visitor and day, safe under concurrent calls."""
    if researcher_id is not None:
        if researcher_id == share.researcher_id:
            return False
        visitor = f"r:{researcher_id}"
    elif client_address:
        visitor = "a:" + hashlib.sha256(f"{settings.SECRET_KEY}|{client_address}".encode()).hexdigest()[:40]
    else:
        return False
    try:
        with transaction.atomic():
            ShareOpen.objects.create(share=share, visitor_key=visitor, day=timezone.localdate())
    except IntegrityError:  # counted already today (or the share was deleted meanwhile)
        return False
    return True


def _poster_content(share: Share, language: str) -> PosterContent:
    with translation.override(language):
        public = share_public(share=share, language=language)
        return PosterContent(
            journal_name=public.journal_name,
            title=public.title,
            milestone_label=public.milestone_label,
            date_text=public.date.isoformat() if public.date else "",
            sharer_name=public.sharer_display_name,
            caption=str(_("Scan with WeChat to see the article")),
        )


def share_poster_png(*, share: Share, language: str) -> bytes:
    """The share's poster in `language`: the stored one when nothing drawn on it changed, else rendered anew
    (with a fresh Mini Program code from wxacode.getUnlimited) and stored under its content hash.
    Raises UpstreamUnavailable when WeChat cannot make the code."""
    content = _poster_content(share, language)
    page = settings.SHARE_MINIPROGRAM_PAGE
    fingerprint = json.dumps({"layout": POSTER_LAYOUT_VERSION, "content": content.__dict__, "scene": share.scene,
                              "page": page, "env": settings.SHARE_MINIPROGRAM_ENV_VERSION},
                             ensure_ascii=False, sort_keys=True)
    content_hash = hashlib.sha256(fingerprint.encode()).hexdigest()
    stored = SharePoster.objects.filter(share=share, content_hash=content_hash).values_list("png", flat=True).first()
    if stored is not None:
        return bytes(stored)
    try:
        code_png = wxacode_unlimited(scene=share.scene, page=page, width=430,
                                     env_version=settings.SHARE_MINIPROGRAM_ENV_VERSION)
    except (WeChatClientException, requests.RequestException) as error:
        raise UpstreamUnavailable() from error
    png = render_poster(content, code_png)
    try:
        with transaction.atomic():
            SharePoster.objects.create(share=share, content_hash=content_hash, png=png)
            kept = (SharePoster.objects.filter(share=share).order_by("-created_at", "-pk")
                    .values_list("pk", flat=True)[:POSTERS_KEPT_PER_SHARE])
            SharePoster.objects.filter(share=share).exclude(pk__in=list(kept)).delete()
    except IntegrityError:  # another request rendered the same poster meanwhile, or the share was deleted
        pass
    return png


def share_card_content(*, share: Share, language: str) -> CardContent:
    """What the share card shows: the public record's milestone, journal and title, and "cited N times" once
    published with a citation count above zero (Crossref's, as the manuscript page shows it)."""
    with translation.override(language):
        public = share_public(share=share, language=language)
        citations = share.manuscript.citations
        cited = public.milestone == CanonicalStatus.PUBLISHED and bool(citations)
        return CardContent(
            milestone_label=public.milestone_label,
            journal_name=public.journal_name,
            title=public.title,
            citations_text=ngettext("Cited %(count)d time", "Cited %(count)d times", citations) % {
                "count": citations} if cited else "",
        )


def share_card_png(*, share: Share, language: str) -> bytes:
    """The share card in `language` (the image of a chat card or Moments post). Drawn again only when what it
    shows changes: renders are cached under the hash of their content, so a new milestone or citation count, a
    renamed journal or another language each draw a new card, and a deleted share never reaches the cache (the
    view answers 404 first)."""
    content = share_card_content(share=share, language=language)
    fingerprint = json.dumps({"layout": CARD_LAYOUT_VERSION, "content": content.__dict__},
                             ensure_ascii=False, sort_keys=True)
    cache_key = f"share:card:{share.pk}:{hashlib.sha256(fingerprint.encode()).hexdigest()}"
    png = cache.get(cache_key)
    if png is None:
        png = render_card(content)
        cache.set(cache_key, png, timeout=CARD_CACHE_SECONDS)
    return png


@transaction.atomic
def shares_delete_of_researcher(*, researcher: Researcher) -> int:
    """Delete every share of the researcher, with posters and opens (erasure of their personal data).
    Returns how many shares there were."""
    _deleted, counts = Share.objects.filter(researcher=researcher).delete()
    return counts.get(Share._meta.label, 0)
