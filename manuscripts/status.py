"""The canonical manuscript status: one vocabulary for every platform, with plain explanations.

Each platform's own words ("Awaiting Reviewer Scores", OJS stage 3 with review round status 7, …) map
onto these codes through a table in that platform's connector module; the platform's words are kept
beside the code as `raw_status`, so nothing is lost.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CanonicalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITH_EDITOR = "with_editor", _("With the editor")
    UNDER_REVIEW = "under_review", _("Under peer review")
    REVISION_REQUESTED = "revision_requested", _("Revision requested")
    REVISION_SUBMITTED = "revision_submitted", _("Revision submitted")
    ACCEPTED = "accepted", _("Accepted")
    IN_PRODUCTION = "in_production", _("In production")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# One line a researcher can read without knowing the platform.
EXPLANATIONS = {
    CanonicalStatus.SUBMITTED: _("The journal has received your manuscript; an editor has not picked it up yet."),
    CanonicalStatus.WITH_EDITOR: _("An editor is checking the manuscript and deciding whether to send it for review."),
    CanonicalStatus.UNDER_REVIEW: _(
        "Reviewers are reading the manuscript; the editor will decide after their reports."),
    CanonicalStatus.REVISION_REQUESTED: _("The editor asks you to revise the manuscript and submit it again."),
    CanonicalStatus.REVISION_SUBMITTED: _("Your revised manuscript is back with the journal for assessment."),
    CanonicalStatus.ACCEPTED: _("The journal has accepted the manuscript for publication."),
    CanonicalStatus.IN_PRODUCTION: _("The article is being copyedited, typeset and proofread."),
    CanonicalStatus.PUBLISHED: _("The article is published."),
    CanonicalStatus.REJECTED: _("The journal has declined the manuscript."),
    CanonicalStatus.WITHDRAWN: _("The manuscript was withdrawn from the journal."),
}

# Each status as a WeChat `phrase` keyword value (at most five Chinese characters, nothing else), which
# WeChat accepts only in Chinese whatever the reader's language.
STATUS_PHRASES = {
    CanonicalStatus.SUBMITTED: "已投稿",
    CanonicalStatus.WITH_EDITOR: "编辑处理中",
    CanonicalStatus.UNDER_REVIEW: "审稿中",
    CanonicalStatus.REVISION_REQUESTED: "需修改",
    CanonicalStatus.REVISION_SUBMITTED: "已交修改稿",
    CanonicalStatus.ACCEPTED: "已录用",
    CanonicalStatus.IN_PRODUCTION: "出版制作中",
    CanonicalStatus.PUBLISHED: "已出版",
    CanonicalStatus.REJECTED: "已拒稿",
    CanonicalStatus.WITHDRAWN: "已撤稿",
}

# Decisions and endings: where researchers most want an alert.
DECISION_STATUSES = frozenset({
    CanonicalStatus.REVISION_REQUESTED, CanonicalStatus.ACCEPTED, CanonicalStatus.PUBLISHED, CanonicalStatus.REJECTED,
})
FINAL_STATUSES = frozenset({CanonicalStatus.PUBLISHED, CanonicalStatus.REJECTED, CanonicalStatus.WITHDRAWN})

# Progress order, used when two snapshots carry the same activity time.
PROGRESS_ORDER = {status: index for index, status in enumerate(CanonicalStatus)}


def status_label(status: str) -> str:
    return str(CanonicalStatus(status).label)


def status_explanation(status: str) -> str:
    return str(EXPLANATIONS[CanonicalStatus(status)])


class ActionKind(models.TextChoices):
    """What the journal waits for from the authors: while a manuscript has one, it is "action required". The label
    is what the researcher is asked to do (the API's ``action_needed``)."""

    REVISION = "revision", _("Submit your revision")
    FILES = "files", _("Upload the files the journal asked for")
    PROOFS = "proofs", _("Check and approve your proofs")


# Statuses that by themselves mean the journal waits for the authors, and for what (every platform's "revisions
# requested": OJS review round status 1 or 2, ScholarOne's revision decisions, Editorial Manager's "Revise"…).
STATUS_ACTIONS = {CanonicalStatus.REVISION_REQUESTED: ActionKind.REVISION}


def manuscript_action(status: str, platform_action: str = "") -> str:
    """The action a manuscript waits on: the platform's own word for it, else the one its status implies; none once
    the manuscript has ended (published, rejected, withdrawn), whatever the platform still carries."""
    if status in FINAL_STATUSES:
        return ""
    return platform_action or STATUS_ACTIONS.get(status, "")


def action_needed(action: str) -> str:
    """What the researcher is asked to do, in the active language; "" for no action."""
    return str(ActionKind(action).label) if action else ""
