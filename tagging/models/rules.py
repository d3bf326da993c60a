"""Rules that tag researchers automatically, and the researcher list staff tag from in admin.

A rule is a kind with its parameters (a journal, a number of months, a piece of text, a platform, a language, a
number of times),
typed columns rather than free JSON so admin shows and checks them. A researcher carries a rule-given tag while
any enabled rule of that tag holds for them (tagging.services.rules); a rule takes back only what rules gave.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Journal, Language, Platform, Researcher
from tagging.models.tags import Tag


class RuleKind(models.TextChoices):
    JOURNAL_MANUSCRIPT = "journal_manuscript", _("Has a manuscript in a journal")
    RECENT_ACCEPTANCE = "recent_acceptance", _("Had a manuscript accepted or published in the last N months")
    INSTITUTION_CONTAINS = "institution_contains", _("Institution contains")
    PLATFORM_LINKED = "platform_linked", _("Linked a verified account on a platform")
    APC_PAID = "apc_paid", _("Paid an APC")
    LANGUAGE = "language", _("Language is")
    # Shares the researcher made (and still has): each POST of a share counts once, whoever opened it.
    SHARED_AT_LEAST = "shared_at_least", _("Shared manuscripts at least N times")


# Which parameters each kind reads: (required, optional). Everything else must stay empty.
RULE_PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    RuleKind.JOURNAL_MANUSCRIPT: (("journal",), ()),
    RuleKind.RECENT_ACCEPTANCE: (("months",), ("journal",)),
    RuleKind.INSTITUTION_CONTAINS: (("text",), ()),
    RuleKind.PLATFORM_LINKED: (("platform",), ()),
    RuleKind.APC_PAID: ((), ("journal",)),
    RuleKind.LANGUAGE: (("language",), ()),
    RuleKind.SHARED_AT_LEAST: (("times",), ()),
}
MAX_MONTHS = 120
MAX_TIMES = 10_000


class EvaluationState(models.TextChoices):
    IDLE = "idle", _("Not evaluated yet")
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class TagRule(models.Model):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="rules", verbose_name=_("tag"))
    kind = models.CharField(_("kind"), max_length=32, choices=RuleKind.choices)
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("journal"),
                                help_text=_("Required for 'has a manuscript in a journal'; optional for "
                                            "'accepted or published' and 'paid an APC' (any journal when empty)."))
    months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True,
                                              help_text=_("For 'accepted or published in the last N months'."))
    text = models.CharField(_("text"), max_length=200, blank=True,
                            help_text=_("For 'institution contains': matched anywhere in the institution, "
                                        "ignoring case."))
    platform = models.CharField(_("platform"), max_length=32, choices=Platform.choices, blank=True,
                                help_text=_("For 'linked a verified account on a platform'."))
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, blank=True,
                                help_text=_("For 'language is'."))
    times = models.PositiveIntegerField(_("times"), null=True, blank=True,
                                        help_text=_("For 'shared manuscripts at least N times': shares the "
                                                    "researcher created and has not deleted."))
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The last (or running) evaluation of the rule's tag, written batch by batch so admin shows progress.
    evaluation_state = models.CharField(_("evaluation"), max_length=16, choices=EvaluationState.choices,
                                        default=EvaluationState.IDLE, editable=False)
    evaluation_processed = models.PositiveIntegerField(_("researchers processed"), default=0, editable=False)
    evaluation_total = models.PositiveIntegerField(_("researchers to process"), default=0, editable=False)
    evaluation_added = models.PositiveIntegerField(_("tags added"), default=0, editable=False)
    evaluation_removed = models.PositiveIntegerField(_("tags removed"), default=0, editable=False)
    evaluation_error = models.CharField(_("evaluation error"), max_length=500, blank=True, editable=False)
    last_evaluated_at = models.DateTimeField(_("last evaluated at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("tag rule")
        verbose_name_plural = _("tag rules")
        ordering = ["tag__slug", "pk"]

    def __str__(self) -> str:
        return f"{self.tag.slug}: {self.get_kind_display()}" if self.tag_id else str(self.get_kind_display())

    @property
    def actor(self) -> str:
        """How assignments and audit rows name this rule."""
        return f"rule:{self.pk}"

    def clean(self) -> None:
        """Each kind has the parameters it reads filled in and no others, so a rule says exactly what it does."""
        if self.kind not in RULE_PARAMETERS:
            return  # the field's own choices validation reports it
        self.text = self.text.strip()
        required, optional = RULE_PARAMETERS[self.kind]
        errors: dict[str, ValidationError] = {}
        values = {"journal": self.journal_id, "months": self.months, "text": self.text, "platform": self.platform,
                  "language": self.language, "times": self.times}
        for name, value in values.items():
            if name in required and value in (None, ""):
                errors[name] = ValidationError(_("This kind of rule needs it."), code="parameter_missing")
            elif name not in required and name not in optional and value not in (None, ""):
                errors[name] = ValidationError(_("Leave it empty: this kind of rule does not use it."),
                                               code="parameter_unused")
        if self.months is not None and not 1 <= self.months <= MAX_MONTHS and "months" not in errors:
            errors["months"] = ValidationError(_("Give between 1 and %(max)d months.") % {"max": MAX_MONTHS},
                                               code="range")
        if self.times is not None and not 1 <= self.times <= MAX_TIMES and "times" not in errors:
            errors["times"] = ValidationError(_("Give between 1 and %(max)d times.") % {"max": MAX_TIMES},
                                              code="range")
        if self.kind == RuleKind.INSTITUTION_CONTAINS and "text" not in errors and len(self.text) < 2:
            errors["text"] = ValidationError(_("Give at least 2 characters, or the rule would match almost everyone."),
                                             code="too_short")
        if errors:
            raise ValidationError(errors)

    def describe(self) -> str:
        """One line staff read in lists: the kind with its parameters."""
        details = {
            RuleKind.JOURNAL_MANUSCRIPT: lambda: str(self.journal) if self.journal_id else "",
            RuleKind.RECENT_ACCEPTANCE: lambda: _("%(months)s months%(journal)s") % {
                "months": self.months, "journal": f", {self.journal}" if self.journal_id else ""},
            RuleKind.INSTITUTION_CONTAINS: lambda: f"“{self.text}”",
            RuleKind.PLATFORM_LINKED: lambda: str(self.get_platform_display()),
            RuleKind.APC_PAID: lambda: str(self.journal) if self.journal_id else "",
            RuleKind.LANGUAGE: lambda: str(self.get_language_display()),
            RuleKind.SHARED_AT_LEAST: lambda: _("%(times)s times") % {"times": self.times},
        }
        detail = details.get(self.kind, lambda: "")()
        return f"{self.get_kind_display()}: {detail}" if detail else str(self.get_kind_display())


class AudienceMember(Researcher):
    """Researchers as the audience staff tag: a view of accounts' researchers owned by tagging, so admin can list
    them with their tags and tag them in bulk without accounts knowing tags exist."""

    class Meta:
        proxy = True
        verbose_name = _("researcher (audience)")
        verbose_name_plural = _("researchers (audience)")
        permissions = [("tag_researchers", _("Can add and remove researchers' tags in bulk"))]
