from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Journal, JournalAccount, JournalSystem
from manuscripts.status import ActionKind, CanonicalStatus


def title_in(titles: dict | None, default: str, language: str) -> str:
    """The title a platform gave in `language` (zh-hans for any Chinese, else English), else `default`."""
    return (titles or {}).get("zh-hans" if language.startswith("zh") else "en") or default


class Manuscript(models.Model):
    """A manuscript as its journal platform shows it; one row per (journal system, platform id).

    Researchers see it through a verified linked account the platform lists on it (ManuscriptAccess),
    so co-authors who each linked their account all see the same row.
    """

    journal_system = models.ForeignKey(JournalSystem, on_delete=models.PROTECT, related_name="manuscripts",
                                       verbose_name=_("journal system"))
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="manuscripts",
                                verbose_name=_("journal"))
    platform_id = models.CharField(_("platform id"), max_length=128)
    title = models.CharField(_("title"), max_length=1000)
    titles = models.JSONField(_("titles by language"), default=dict, blank=True)
    canonical_status = models.CharField(_("status"), max_length=32, choices=CanonicalStatus.choices, db_index=True)
    raw_status = models.CharField(_("platform status"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), db_index=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    # What the journal waits for from the authors ("" for nothing: manuscripts.status.manuscript_action) and by
    # when, where the platform says (kept only while there is an action). The researcher's list puts manuscripts
    # with an action first; the daily reminder task reads both.
    action = models.CharField(_("action required"), max_length=16, choices=ActionKind.choices, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # A digest of the last snapshot applied: the same snapshot twice writes nothing.
    snapshot_digest = models.CharField(max_length=64, editable=False)
    missing_since = models.DateTimeField(_("missing on the platform since"), null=True, blank=True)
    # When the publication check last looked its DOI up: each run starts with the DOIs looked up longest ago
    # (never first), so runs that keep being cut short still reach every DOI in turn.
    publication_checked_at = models.DateTimeField(_("publication last checked"), null=True, blank=True)
    # Crossref's is-referenced-by-count for a published manuscript with a DOI (manuscripts.services.impact).
    citations = models.PositiveIntegerField(_("citations (Crossref)"), null=True, blank=True)
    citations_checked_at = models.DateTimeField(_("citations last counted"), null=True, blank=True)
    # Lifetime usage of a published manuscript where its platform reports it (OJS usage statistics: views are
    # abstract-page views, downloads are full-text galley views); null where the platform has none or until read.
    views = models.PositiveIntegerField(_("views"), null=True, blank=True)
    downloads = models.PositiveIntegerField(_("downloads"), null=True, blank=True)
    usage_checked_at = models.DateTimeField(_("usage last read"), null=True, blank=True)
    created_at = models.DateTimeField(_("first seen"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("manuscript")
        verbose_name_plural = _("manuscripts")
        constraints = [
            models.UniqueConstraint(fields=["journal_system", "platform_id"], name="manuscript_unique_platform_id"),
        ]
        # The staff API's change feed reads manuscripts in (updated_at, id) order from a point on.
        indexes = [models.Index(fields=["updated_at", "id"], name="manuscript_feed_idx"),
                   # The reminder task's daily read: only manuscripts with a due date.
                   models.Index(fields=["due_date"], name="manuscript_due_date_idx",
                                condition=models.Q(due_date__isnull=False))]

    def __str__(self) -> str:
        return self.title[:80]

    @property
    def action_required(self) -> bool:
        """The journal waits on the researcher (a revision, files, proofs)."""
        return bool(self.action)

    def localized_title(self, language: str) -> str:
        return title_in(self.titles, self.title, language)

    @property
    def manuscript_number(self) -> str:
        """The number the journal itself uses for the manuscript, to quote to its editorial office: OJS's and
        Janeway's submission id, ScholarOne's manuscript ID (e.g. JAS-2026-0123), Editorial Manager's number (an
        export's ids are "<journal>:<number>"), a public record's DOI."""
        platform = self.journal_system.platform
        if platform in ("file_export", "editorial_manager"):
            return self.platform_id.split(":", 1)[-1]
        if platform == "crossref":
            return self.doi or self.platform_id
        return self.platform_id


class ManuscriptAccess(models.Model):
    """This linked account is listed on this manuscript (as an author)."""

    manuscript = models.ForeignKey(Manuscript, on_delete=models.CASCADE, related_name="accesses")
    journal_account = models.ForeignKey(JournalAccount, on_delete=models.CASCADE, related_name="manuscript_accesses")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("manuscript access")
        verbose_name_plural = _("manuscript accesses")
        constraints = [
            models.UniqueConstraint(fields=["journal_account", "manuscript"], name="manuscript_access_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.journal_account_id} → {self.manuscript_id}"


class StatusEvent(models.Model):
    """One real status transition: the timeline."""

    manuscript = models.ForeignKey(Manuscript, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=32, choices=CanonicalStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=32, choices=CanonicalStatus.choices)
    raw_status = models.CharField(_("platform status"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("happened at (platform)"))
    seen_at = models.DateTimeField(_("seen at"), default=timezone.now)

    class Meta:
        verbose_name = _("status event")
        verbose_name_plural = _("status events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["manuscript", "-occurred_at"], name="status_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class AccountSyncState(models.Model):
    """When a linked account was and will be polled, and how the last poll went."""

    journal_account = models.OneToOneField(JournalAccount, on_delete=models.CASCADE, related_name="sync_state",
                                           primary_key=True)
    next_sync_at = models.DateTimeField(_("next sync at"), default=timezone.now, db_index=True)
    cursor = models.CharField(_("cursor"), max_length=200, blank=True)
    last_synced_at = models.DateTimeField(_("last synced at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    refresh_requested_at = models.DateTimeField(_("refresh requested at"), null=True, blank=True)
    # Someone asked for a sync now (verify, refresh) and none has started since. The poll tick takes such
    # accounts whatever their platform, and a sync running when it is asked for runs once more when it ends.
    sync_requested = models.BooleanField(_("sync requested"), default=False)
    # A worker syncing the account holds this lease; a worker killed mid-sync loses it when it expires.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)

    class Meta:
        verbose_name = _("account sync state")
        verbose_name_plural = _("account sync states")

    def __str__(self) -> str:
        return f"{self.journal_account_id} @ {self.next_sync_at:%Y-%m-%d %H:%M}"


class CircuitState(models.TextChoices):
    CLOSED = "closed", _("Closed (polling)")
    OPEN = "open", _("Open (paused after failures)")
    HALF_OPEN = "half_open", _("Half-open (trying again)")


class SystemPollState(models.Model):
    """Per journal system: the platform-wide cursor, health counters and the circuit breaker."""

    journal_system = models.OneToOneField(JournalSystem, on_delete=models.CASCADE, related_name="poll_state",
                                          primary_key=True)
    cursor = models.CharField(_("cursor"), max_length=200, blank=True)
    next_poll_at = models.DateTimeField(_("next poll at"), default=timezone.now, db_index=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful poll"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    circuit_open_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    calls_total = models.PositiveBigIntegerField(_("calls"), default=0)
    failures_total = models.PositiveBigIntegerField(_("failed calls"), default=0)
    # Snapshots from this system that no row can hold (a platform id longer than ours, a DOI longer than ours…):
    # refused one by one so the rest of their batch applies (manuscripts.sync.snapshot_fitted), and counted here.
    refused_total = models.PositiveBigIntegerField(_("refused records"), default=0)
    last_refused_at = models.DateTimeField(_("last refused record at"), null=True, blank=True)
    last_refused_reason = models.CharField(_("last refused record"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("polling state")
        verbose_name_plural = _("polling states")

    def __str__(self) -> str:
        return str(self.journal_system_id)

    def circuit_state(self, now=None) -> str:
        now = now or timezone.now()
        if self.circuit_open_until is None:
            return CircuitState.CLOSED
        return CircuitState.OPEN if self.circuit_open_until > now else CircuitState.HALF_OPEN


class ImpactSnapshot(models.Model):
    """A researcher's published manuscript's numbers as their last monthly impact digest saw them: the next digest
    reports what grew since (manuscripts.services.impact_digest). Per researcher, so a co-author who links later
    starts from their own first digest."""

    researcher = models.ForeignKey("accounts.Researcher", on_delete=models.CASCADE, related_name="+")
    manuscript = models.ForeignKey(Manuscript, on_delete=models.CASCADE, related_name="+")
    citations = models.PositiveIntegerField(null=True, blank=True)
    views = models.PositiveIntegerField(null=True, blank=True)
    downloads = models.PositiveIntegerField(null=True, blank=True)
    month = models.DateField(_("digest month"))  # the first day of the month of the digest that took it

    class Meta:
        verbose_name = _("impact snapshot")
        verbose_name_plural = _("impact snapshots")
        constraints = [models.UniqueConstraint(fields=["researcher", "manuscript"], name="impact_snapshot_unique")]

    def __str__(self) -> str:
        return f"{self.researcher_id} / {self.manuscript_id} @ {self.month:%Y-%m}"


class ImpactDigestRun(models.Model):
    """One month's impact digest run: researchers are taken in id order from `last_researcher_id`, batch by batch
    under this row's lock, so a rerun or a second worker continues where the first stopped and never repeats."""

    month = models.DateField(_("month"), unique=True)  # the first day of the month the digest covers
    last_researcher_id = models.BigIntegerField(_("last researcher done"), default=0)
    notified = models.PositiveIntegerField(_("researchers notified"), default=0)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("impact digest run")
        verbose_name_plural = _("impact digest runs")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
