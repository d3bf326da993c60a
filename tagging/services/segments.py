"""Segments: boolean expressions over researchers (DESIGN Contract, `segments/preview`), checked and evaluated in SQL.

An expression is JSON, one operator per object:

    {"all": [E, …]}        every one of E (an empty list: every researcher)
    {"any": [E, …]}        at least one of E (an empty list: nobody)
    {"not": E}
    {"tag": slug}          carries the tag (an assignment past its `expires_at` no longer counts)
    {"journal": key}       has a manuscript in that journal: a manuscript listed on one of their verified journal
                           accounts. A bare journal key names every journal with that key (keys are unique per
                           journal system only); "<system key>/<journal key>" names one.
    {"status": canonical}  has a manuscript in that canonical status (manuscripts.status.CanonicalStatus)
    {"platform": name}     has a verified journal account on a journal system of that platform
    {"language": "en" | "zh-hans"}
    {"active_since": ISO-8601}  was last seen (used the Mini Program with their token) at or after that time; a
                           researcher never seen is not active. A date alone is midnight in TIME_ZONE, a time
                           without an offset is in TIME_ZONE. last_seen_at is written at most once per
                           AUTH_TOKEN_TOUCH_SECONDS, so "active" is that coarse.

Checking (`segment_parse`) costs at most two queries (the tags and the journals named) and bounded work: at most
MAX_DEPTH levels and MAX_TERMS operators, checked while walking, so a huge or deeply nested expression is refused
before anything else is done with it. Every problem found is reported with where it is (`all[1].not.tag`) and the
offending value, as `SegmentInvalid` (400, under `fields.expression`).

Evaluating is one SQL query over researchers: each term is a column test or an EXISTS subquery (tags here,
journals and statuses through `manuscripts.selectors`, platforms through `accounts.selectors`); no researcher is
ever loaded into Python to decide membership.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Platform, Researcher
from accounts.selectors import journal_ids_by_reference, verified_journal_accounts_on_platform
from manuscripts.selectors import manuscript_accesses_of_researcher
from manuscripts.status import CanonicalStatus
from tagging.errors import SegmentInvalid
from tagging.models import Segment, Tag, TagAssignment

MAX_DEPTH = 8  # operators nested in one another
MAX_TERMS = 100  # operators in the whole expression
MAX_VALUE_LENGTH = 200  # characters of one slug, key or date
MAX_ERRORS = 10  # problems reported at once
SAMPLE_SIZE = 20
COUNT_CACHE_SECONDS = 300

OPERATORS = ("all", "any", "not", "tag", "journal", "status", "platform", "language", "active_since")
LIST_OPERATORS = ("all", "any")
VALUE_OPERATORS = ("tag", "journal", "status", "platform", "language", "active_since")


@dataclass(frozen=True)
class ParsedSegment:
    """A checked expression, its references resolved to ids: what evaluation needs, with no query left to make.

    `tree` holds tuples: ("all" | "any", (child, …)), ("not", child), ("tag", tag id), ("journal", (journal
    ids, …)), ("status" | "platform" | "language", code), ("active_since", aware datetime).
    """

    expression: Any
    tree: tuple

    @property
    def digest(self) -> str:
        """The same expression (whatever its key order) gives the same digest: a cache key."""
        text = json.dumps(self.expression, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


class _Problems:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, path: str, message: str) -> None:
        if len(self.messages) < MAX_ERRORS:
            self.messages.append(f"{path}: {message}" if path else str(message))

    def raise_if_any(self) -> None:
        if self.messages:
            raise SegmentInvalid(fields={"expression": self.messages})


def _quoted(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _walk(expression: Any, problems: _Problems, references: dict[str, set[str]]) -> None:
    """Check the shape, iteratively (no recursion an attacker could exhaust), within MAX_DEPTH and MAX_TERMS;
    collect the tag slugs and journal references to look up."""
    terms = 0
    stack: list[tuple[Any, str, int]] = [(expression, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        terms += 1
        if terms > MAX_TERMS:
            problems.add("", _("The expression has more than %(limit)s operators.") % {"limit": MAX_TERMS})
            problems.raise_if_any()
        if depth > MAX_DEPTH:
            problems.add("", _("The expression is nested more than %(limit)s levels deep.") % {"limit": MAX_DEPTH})
            problems.raise_if_any()
        if not isinstance(node, dict) or len(node) != 1 or next(iter(node)) not in OPERATORS:
            problems.add(path, _("An expression is an object with exactly one key, one of: %(operators)s.")
                         % {"operators": ", ".join(OPERATORS)})
            continue
        operator, argument = next(iter(node.items()))
        here = f"{path}.{operator}" if path else operator
        if operator in LIST_OPERATORS:
            if not isinstance(argument, list):
                problems.add(here, _("“%(operator)s” takes a list of expressions.") % {"operator": operator})
                continue
            if len(argument) > MAX_TERMS:
                problems.add("", _("The expression has more than %(limit)s operators.") % {"limit": MAX_TERMS})
                problems.raise_if_any()
            stack.extend((child, f"{here}[{index}]", depth + 1) for index, child in reversed(list(enumerate(argument))))
        elif operator == "not":
            stack.append((argument, here, depth + 1))
        elif not isinstance(argument, str) or not argument or len(argument) > MAX_VALUE_LENGTH:
            problems.add(here, _("“%(operator)s” takes a text value of at most %(limit)s characters.")
                         % {"operator": operator, "limit": MAX_VALUE_LENGTH})
        elif operator in ("tag", "journal"):
            references[operator].add(argument)


def _choices_problem(operator: str, value: str, choices) -> str | None:
    if value in choices.values:
        return None
    labels = {"status": _("No manuscript status “%(value)s”; one of: %(choices)s."),
              "platform": _("No platform “%(value)s”; one of: %(choices)s."),
              "language": _("No language “%(value)s”; one of: %(choices)s.")}
    return labels[operator] % {"value": _quoted(value), "choices": ", ".join(choices.values)}


def _moment(value: str) -> datetime | None:
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = datetime.combine(day, time.min) if day else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _build(node: dict, path: str, problems: _Problems, tag_ids: dict[str, int],
           journal_ids: dict[str, list[int]]) -> tuple | None:
    """The tree of an expression whose shape `_walk` accepted (so depth is bounded); None where a value is wrong."""
    operator, argument = next(iter(node.items()))
    here = f"{path}.{operator}" if path else operator
    if operator in LIST_OPERATORS:
        children = tuple(_build(child, f"{here}[{index}]", problems, tag_ids, journal_ids)
                         for index, child in enumerate(argument))
        return (operator, children)
    if operator == "not":
        return ("not", _build(argument, here, problems, tag_ids, journal_ids))
    if operator == "tag":
        if argument not in tag_ids:
            problems.add(here, _("No tag “%(value)s”.") % {"value": _quoted(argument)})
        return ("tag", tag_ids.get(argument))
    if operator == "journal":
        if argument not in journal_ids:
            problems.add(here, _("No journal “%(value)s”.") % {"value": _quoted(argument)})
        return ("journal", tuple(journal_ids.get(argument, ())))
    if operator == "active_since":
        moment = _moment(argument)
        if moment is None:
            problems.add(here, _("“%(value)s” is not an ISO-8601 date or date and time.")
                         % {"value": _quoted(argument)})
        return ("active_since", moment)
    choices = {"status": CanonicalStatus, "platform": Platform, "language": Language}[operator]
    problem = _choices_problem(operator, argument, choices)
    if problem:
        problems.add(here, problem)
    return (operator, argument)


def segment_parse(expression: Any) -> ParsedSegment:
    """Check an expression and resolve what it names; SegmentInvalid (400) naming every offending value (up to
    MAX_ERRORS) otherwise. At most two queries: the tags named and the journals named."""
    if isinstance(expression, ParsedSegment):
        return expression
    problems = _Problems()
    references: dict[str, set[str]] = {"tag": set(), "journal": set()}
    _walk(expression, problems, references)
    problems.raise_if_any()
    tag_ids = (dict(Tag.objects.filter(slug__in=references["tag"]).values_list("slug", "pk"))
               if references["tag"] else {})
    journal_ids = journal_ids_by_reference(references=references["journal"]) if references["journal"] else {}
    tree = _build(expression, "", problems, tag_ids, journal_ids)
    problems.raise_if_any()
    return ParsedSegment(expression=expression, tree=tree)


def segment_problems(expression: Any) -> list[str]:
    """The messages `segment_parse` would raise, or [] for a valid expression (forms, admin)."""
    try:
        segment_parse(expression)
    except SegmentInvalid as invalid:
        return invalid.fields["expression"]
    return []


# --- evaluation -------------------------------------------------------------------------------------------------


def _live(now: datetime) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


def _tag_carried(tag_ids: list[int], now: datetime, ref: str) -> Exists:
    assignments = TagAssignment.objects.filter(researcher=OuterRef(ref)).filter(_live(now))
    if len(tag_ids) == 1:
        return Exists(assignments.filter(tag_id=tag_ids[0]))
    return Exists(assignments.filter(tag_id__in=tag_ids))


def _condition(tree: tuple, now: datetime, ref: str = "pk", prefix: str = "") -> Q:
    """The tree as a condition on rows that name a researcher: researchers themselves (ref "pk", no prefix) or
    tag assignments (ref "researcher_id", prefix "researcher__")."""
    operator, argument = tree
    if operator == "all":
        if not argument:
            return Q(pk__isnull=False)  # everyone; an empty Q() would stay "everyone" under "not" too
        return Q(*[_condition(child, now, ref, prefix) for child in argument])
    if operator == "any":
        if not argument:
            return Q(pk__in=[])
        # Tags and journals side by side in one "any" become one EXISTS each (`tag_id IN (…)`), not one per term.
        tag_ids = [child[1] for child in argument if child[0] == "tag"]
        journal_ids = [pk for child in argument if child[0] == "journal" for pk in child[1]]
        conditions = [_condition(child, now, ref, prefix) for child in argument
                      if child[0] not in ("tag", "journal")]
        if tag_ids:
            conditions.append(Q(_tag_carried(tag_ids, now, ref)))
        if any(child[0] == "journal" for child in argument):
            conditions.append(_condition(("journal", tuple(journal_ids)), now, ref, prefix))
        combined = conditions[0]
        for condition in conditions[1:]:
            combined |= condition
        return combined
    if operator == "not":
        return ~_condition(argument, now, ref, prefix)
    if operator == "tag":
        return Q(_tag_carried([argument], now, ref))
    if operator == "journal":
        if not argument:
            return Q(pk__in=[])
        return Q(Exists(manuscript_accesses_of_researcher(researcher=OuterRef(ref), journal_ids=list(argument))))
    if operator == "status":
        return Q(Exists(manuscript_accesses_of_researcher(researcher=OuterRef(ref), status=argument)))
    if operator == "platform":
        return Q(Exists(verified_journal_accounts_on_platform(researcher=OuterRef(ref), platform=argument)))
    if operator == "language":
        return Q(**{f"{prefix}language": argument})
    if operator == "active_since":
        return Q(**{f"{prefix}last_seen_at__gte": argument})
    raise AssertionError(operator)  # segment_parse builds no other node


def _tag_ids_alone(tree: tuple) -> list[int] | None:
    """The tag ids when the tree is a tag, or an "any" of tags only."""
    if tree[0] == "tag":
        return [tree[1]]
    if tree[0] == "any" and tree[1] and all(child[0] == "tag" for child in tree[1]):
        return [child[1] for child in tree[1]]
    return None


def _tag_driven(tree: tuple) -> tuple[list[int], list[tuple]] | None:
    """(tag ids, the other conditions) when every member must carry one of some tags: the tree is a tag or an
    "any" of tags, or an "all" with one among its terms. Counting then reads those tags' assignments and never
    scans researchers, as a hand-written count would."""
    alone = _tag_ids_alone(tree)
    if alone:
        return alone, []
    if tree[0] == "all":
        for index, child in enumerate(tree[1]):
            alone = _tag_ids_alone(child)
            if alone:
                return alone, [other for position, other in enumerate(tree[1]) if position != index]
    return None


def segment_researchers(expression: Any) -> QuerySet[Researcher]:
    """The researchers in the segment, as one query (unevaluated). `expression` is JSON or a ParsedSegment;
    JSON is checked first (SegmentInvalid)."""
    parsed = segment_parse(expression)
    return Researcher.objects.filter(_condition(parsed.tree, timezone.now())).order_by()


def segment_count(expression: Any) -> int:
    """How many researchers the segment holds: one query once parsed."""
    parsed = segment_parse(expression)
    driven = _tag_driven(parsed.tree)
    if driven is None:
        return segment_researchers(parsed).count()
    now = timezone.now()
    tag_ids, others = driven
    assignments = (TagAssignment.objects.filter(tag_id__in=tag_ids).filter(_live(now))
                   .filter(*[_condition(other, now, ref="researcher_id", prefix="researcher__") for other in others]))
    if len(tag_ids) == 1:
        return assignments.count()  # one assignment per researcher and tag (the unique constraint)
    # COUNT(DISTINCT …) sorts; a DISTINCT subquery hashes, and spilled to disk at a million rows (bench/segments.py).
    return assignments.aggregate(researchers=Count("researcher_id", distinct=True))["researchers"]


def segment_sample(expression: Any, size: int = SAMPLE_SIZE) -> list[int]:
    """Up to `size` researcher ids of the segment, picked at random: one query once parsed."""
    return list(segment_researchers(expression).order_by("?").values_list("pk", flat=True)[:size])


def segment_sample_researchers(expression: Any, size: int = SAMPLE_SIZE) -> list[Researcher]:
    """Up to `size` researchers of the segment (id and display name loaded), picked at random, for admin."""
    return list(segment_researchers(expression).order_by("?").only("pk", "display_name")[:size])


def segment_count_cached(expression: Any) -> tuple[int, datetime]:
    """(count, when it was counted): the count from the cache if made in the last COUNT_CACHE_SECONDS (admin
    shows it on every page view; a few minutes old is fine there)."""
    parsed = segment_parse(expression)
    key = f"tagging:segment-count:{parsed.digest}"
    cached = cache.get(key)
    if cached is not None:
        return cached[0], datetime.fromisoformat(cached[1])
    counted_at = timezone.now()
    count = segment_count(parsed)
    cache.set(key, (count, counted_at.isoformat()), COUNT_CACHE_SECONDS)
    return count, counted_at


# --- saved segments -----------------------------------------------------------------------------------------------


def segment_create(*, name: str, expression: Any, journal=None, description: str = "", created_by=None) -> Segment:
    """Save a segment; SegmentInvalid (400) when the expression is not valid, and nothing is written."""
    segment_parse(expression)
    return Segment.objects.create(name=name, expression=expression, journal=journal, description=description,
                                  created_by=created_by)


def segment_update(*, segment: Segment, **changes: Any) -> Segment:
    """Change a segment's name, description, journal or expression; the expression is checked first."""
    if "expression" in changes:
        segment_parse(changes["expression"])
    for field, value in changes.items():
        setattr(segment, field, value)
    segment.save(update_fields=[*changes, "updated_at"])
    return segment
