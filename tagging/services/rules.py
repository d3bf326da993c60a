"""Tag rules: who carries a rule-given tag, kept true on domain events, on rule changes and every night.

Invariants:
- A researcher carries a tag given by rules while **any enabled rule of that tag** holds for them (rules of one
  tag are alternatives). When none holds any more, the tag is taken back — but only an assignment a rule made
  (`source="rule"`): what staff, the researcher, an import or the staff API gave stays, and a researcher who
  already carries the tag another way is left alone (assigning twice changes nothing).
- Every change goes through `tagging.services.tags` (`tags_assign` / `tags_remove`), so it is audited and sent
  to webhooks; an assignment names the rule that made it (`rule:<id>`), and so does its removal.
- Who matches a rule is one SQL subquery per rule, read through the lower apps' selectors; evaluation never
  loops over researchers in Python, only over the (few) whose tag must change, in batches.
- Idempotent: evaluating twice changes nothing the second time; a full evaluation and an event-driven one may
  overlap (each change is made under the tag's row lock by `tags_assign`/`tags_remove`).

Triggers: domain events re-evaluate the researchers they name (`rules_reevaluate_researchers`); a changed rule
re-evaluates its tag in the background (`tag_rule_saved` / `tag_rule_delete` → `tag_rules_evaluate`, progress on
the rule rows); the nightly run expires assignments past `expires_at` and re-evaluates every tag with rules, which
is also what drops people from time-window rules as time passes and catches changes no event announces
(a profile's institution or language, an unlinked account).
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.selectors import (
    researcher_ids_with_institution_containing,
    researcher_ids_with_language,
    researcher_ids_with_verified_account_on,
)
from manuscripts.selectors import researcher_ids_with_acceptance_since, researcher_ids_with_manuscript_in
from payments.selectors.orders import researcher_ids_who_paid
from publisher_backend.dispatch import enqueue_on_commit
from sharing.selectors import researcher_ids_with_shares
from tagging.models import (
    AssignmentSource,
    AudienceMember,
    EvaluationState,
    RuleKind,
    Tag,
    TagAssignment,
    TagAuditAction,
    TagRule,
)
from tagging.services.tags import tags_assign, tags_remove

logger = logging.getLogger(__name__)

# Which rule kinds each domain event can change the outcome of.
MANUSCRIPT_KINDS = frozenset({RuleKind.JOURNAL_MANUSCRIPT, RuleKind.RECENT_ACCEPTANCE})
ACCOUNT_KINDS = frozenset({RuleKind.PLATFORM_LINKED, RuleKind.JOURNAL_MANUSCRIPT, RuleKind.RECENT_ACCEPTANCE})
PAYMENT_KINDS = frozenset({RuleKind.APC_PAID})
SHARE_KINDS = frozenset({RuleKind.SHARED_AT_LEAST})

EXPIRY_ACTOR = "expiry"
EVALUATE_TASK = "tagging.tasks.tag_rules_evaluate"


def months_before(moment: datetime, months: int) -> datetime:
    """The same time `months` calendar months earlier (the 31st becomes the month's last day)."""
    years_back, month_index = divmod(moment.month - 1 - months, 12)
    year, month = moment.year + years_back, month_index + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def rule_researcher_ids(*, rule: TagRule, now: datetime | None = None) -> QuerySet:
    """Who satisfies `rule`: a subquery of researcher ids (nothing runs until it is used in a query)."""
    if rule.kind == RuleKind.JOURNAL_MANUSCRIPT:
        return researcher_ids_with_manuscript_in(journal_id=rule.journal_id)
    if rule.kind == RuleKind.RECENT_ACCEPTANCE:
        return researcher_ids_with_acceptance_since(since=months_before(now or timezone.now(), rule.months),
                                                    journal_id=rule.journal_id)
    if rule.kind == RuleKind.INSTITUTION_CONTAINS:
        return researcher_ids_with_institution_containing(text=rule.text)
    if rule.kind == RuleKind.PLATFORM_LINKED:
        return researcher_ids_with_verified_account_on(platform=rule.platform)
    if rule.kind == RuleKind.APC_PAID:
        return researcher_ids_who_paid(kind="apc", journal_id=rule.journal_id)
    if rule.kind == RuleKind.LANGUAGE:
        return researcher_ids_with_language(language=rule.language)
    if rule.kind == RuleKind.SHARED_AT_LEAST:
        return researcher_ids_with_shares(at_least=rule.times)
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def rule_matches(*, rule: TagRule, now: datetime | None = None) -> QuerySet[AudienceMember]:
    """The researchers `rule` holds for, as a queryset (admin shows its count)."""
    return AudienceMember.objects.filter(pk__in=rule_researcher_ids(rule=rule, now=now))


def _enabled_rules(tag_id: int) -> list[TagRule]:
    return list(TagRule.objects.filter(tag_id=tag_id, enabled=True).order_by("pk"))


def _any_rule(rules: list[TagRule], now: datetime) -> Q:
    condition = Q(pk__in=[])  # no rule: nobody
    for rule in rules:
        condition |= Q(pk__in=rule_researcher_ids(rule=rule, now=now))
    return condition


def _tag_apply(*, tag: Tag, rules: list[TagRule], researcher_ids: Iterable[int], now: datetime) -> tuple[int, int]:
    """Make these researchers' rule-given assignments of `tag` match `rules`; returns (added, removed)."""
    ids = set(researcher_ids)
    if not ids:
        return 0, 0
    carrying = {researcher_id: (source, assigned_by) for researcher_id, source, assigned_by in
                TagAssignment.objects.filter(tag=tag, researcher_id__in=ids)
                .values_list("researcher_id", "source", "assigned_by")}
    qualified: set[int] = set()
    added = 0
    for rule in rules:  # the first rule that holds is named as the giver
        matching = set(AudienceMember.objects.filter(pk__in=ids)
                       .filter(pk__in=rule_researcher_ids(rule=rule, now=now)).values_list("pk", flat=True))
        new_ids = matching - qualified - carrying.keys()
        if new_ids:
            added += len(tags_assign(tag=tag, researcher_ids=new_ids, source=AssignmentSource.RULE, actor=rule.actor))
        qualified |= matching
    no_longer: dict[str, list[int]] = defaultdict(list)
    for researcher_id, (source, assigned_by) in carrying.items():
        if source == AssignmentSource.RULE and researcher_id not in qualified:
            no_longer[assigned_by or "rule"].append(researcher_id)
    removed = 0
    for actor, removed_ids in no_longer.items():
        removed += len(tags_remove(tag=tag, researcher_ids=removed_ids, source=AssignmentSource.RULE, actor=actor,
                                   only_source=AssignmentSource.RULE))
    return added, removed


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def rules_reevaluate_researchers(*, researchers: Callable[[], Iterable[int]], kinds: Iterable[str],
                                 now: datetime | None = None) -> tuple[int, int]:
    """Re-evaluate, for some researchers only, every tag that has an enabled rule of one of `kinds` (all of that
    tag's enabled rules count). `researchers` gives their ids; it is called only when such a tag exists, so an
    event nobody's rules listen to costs one small query (a payment notification runs this before answering).
    Cheap: a few indexed queries per tag. Returns (added, removed)."""
    tag_ids = sorted(set(TagRule.objects.filter(enabled=True, kind__in=list(kinds)).order_by()
                         .values_list("tag_id", flat=True)))
    if not tag_ids:
        return 0, 0
    ids = sorted(set(researchers()))
    if not ids:
        return 0, 0
    now = now or timezone.now()
    added = removed = 0
    for tag in Tag.objects.filter(pk__in=tag_ids).order_by("pk"):
        rules = _enabled_rules(tag.pk)
        for batch in _batches(ids, settings.TAG_RULES_BATCH_SIZE):
            batch_added, batch_removed = _tag_apply(tag=tag, rules=rules, researcher_ids=batch, now=now)
            added, removed = added + batch_added, removed + batch_removed
    return added, removed


def tag_rules_evaluate(*, tag_id: int, now: datetime | None = None) -> tuple[int, int]:
    """Re-evaluate a whole tag: who should carry it by its enabled rules, against who carries it. The researchers
    whose tag changes are found in SQL, then changed in batches of TAG_RULES_BATCH_SIZE; after each batch the
    progress is written on the tag's rule rows (admin shows it). Returns (added, removed)."""
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is None:
        return 0, 0
    now = now or timezone.now()
    progress = TagRule.objects.filter(tag_id=tag_id)
    try:
        rules = _enabled_rules(tag_id)
        qualifying = AudienceMember.objects.filter(_any_rule(rules, now))
        to_add = set(qualifying.exclude(Exists(TagAssignment.objects.filter(tag_id=tag_id, researcher=OuterRef("pk"))))
                     .values_list("pk", flat=True))
        to_remove = set(TagAssignment.objects.filter(tag_id=tag_id, source=AssignmentSource.RULE)
                        .exclude(researcher_id__in=qualifying.values("pk")).values_list("researcher_id", flat=True))
        candidates = sorted(to_add | to_remove)
        progress.update(evaluation_state=EvaluationState.RUNNING, evaluation_processed=0,
                        evaluation_total=len(candidates), evaluation_added=0, evaluation_removed=0,
                        evaluation_error="")
        processed = added = removed = 0
        for batch in _batches(candidates, settings.TAG_RULES_BATCH_SIZE):
            batch_added, batch_removed = _tag_apply(tag=tag, rules=rules, researcher_ids=batch, now=now)
            processed, added, removed = processed + len(batch), added + batch_added, removed + batch_removed
            progress.update(evaluation_processed=processed, evaluation_added=added, evaluation_removed=removed)
    except Exception as exc:
        progress.update(evaluation_state=EvaluationState.FAILED, evaluation_error=str(exc)[:500])
        raise
    progress.update(evaluation_state=EvaluationState.DONE, last_evaluated_at=timezone.now())
    logger.info("tag %s evaluated by %d rules: %d added, %d removed", tag.slug, len(rules), added, removed)
    return added, removed


def tag_rules_schedule(*, tag_ids: Iterable[int]) -> None:
    """Re-evaluate these tags in the background once the current transaction commits; their rules show
    "waiting for a worker" until it starts. A burst of changes to one tag costs one run."""
    tag_ids = sorted(set(tag_ids))
    TagRule.objects.filter(tag_id__in=tag_ids).update(evaluation_state=EvaluationState.QUEUED,
                                                       evaluation_processed=0, evaluation_total=0,
                                                       evaluation_error="")
    for tag_id in tag_ids:
        enqueue_on_commit(EVALUATE_TASK, tag_id, coalesce_key=tag_rules_coalesce_key(tag_id))


def tag_rules_coalesce_key(tag_id: int) -> str:
    return f"tagging:tag-rules:{tag_id}"


def tag_rule_saved(*, rule: TagRule, previous_tag_id: int | None = None) -> None:
    """A rule was created or edited (enabled, disabled, parameters, or moved to another tag): re-evaluate its
    tag, and the tag it left, in the background."""
    tag_rules_schedule(tag_ids={rule.tag_id, previous_tag_id} - {None})


@transaction.atomic
def tag_rule_delete(*, rule: TagRule) -> None:
    """Delete a rule; its tag is re-evaluated in the background, so what only this rule gave is taken back."""
    tag_id = rule.tag_id
    rule.delete()
    tag_rules_schedule(tag_ids=[tag_id])


def tag_assignments_expire(*, now: datetime | None = None) -> int:
    """Take off every assignment past its `expires_at` (audited as expired, whatever gave it). Returns how many."""
    now = now or timezone.now()
    due: dict[tuple[int, str], list[int]] = defaultdict(list)
    for tag_id, source, researcher_id in (TagAssignment.objects.filter(expires_at__lte=now)
                                          .values_list("tag_id", "source", "researcher_id")):
        due[(tag_id, source)].append(researcher_id)
    tags = Tag.objects.in_bulk({tag_id for tag_id, _source in due})
    expired = 0
    for (tag_id, source), researcher_ids in due.items():
        for batch in _batches(sorted(researcher_ids), settings.TAG_RULES_BATCH_SIZE):
            expired += len(tags_remove(tag=tags[tag_id], researcher_ids=batch, source=source, actor=EXPIRY_ACTOR,
                                       only_source=source, action=TagAuditAction.EXPIRED))
    return expired


def rule_tag_ids() -> list[int]:
    """Tags the nightly run re-evaluates: those with a rule (enabled or not), and those still carrying a
    rule-given assignment (a rule deleted while no worker ran)."""
    return sorted(set(TagRule.objects.values_list("tag_id", flat=True))
                  | set(TagAssignment.objects.filter(source=AssignmentSource.RULE)
                        .values_list("tag_id", flat=True).distinct()))
