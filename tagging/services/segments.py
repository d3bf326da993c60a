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

Evaluating is one SQL query; no researcher is ever loaded into Python to decide membership. On PostgreSQL it
reads `ResearcherFacts`, one row per researcher with its tags, journals, statuses, platforms, language and last
seen time, kept in step by triggers in the transaction of each change (migration 0012): a WHERE clause of array
tests behind GIN indexes, its values as parameters. Without that table (SQLite) each term is a column test or an
EXISTS subquery over the source tables (tags here, journals and statuses through `manuscripts.selectors`,
platforms through `accounts.selectors`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, Platform, Researcher
from accounts.selectors import journal_ids_by_reference, verified_journal_accounts_on_platform
from manuscripts.selectors import manuscript_accesses_of_researcher
from manuscripts.status import CanonicalStatus
from tagging.errors import SegmentInvalid
from tagging.models import ResearcherFacts, Segment, Tag, TagAssignment
from tagging.services.researcher_facts import researcher_facts_exist

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
#
# On PostgreSQL an expression is a WHERE clause on `ResearcherFacts` (one row per researcher, arrays behind GIN
# indexes, kept in step by triggers: tagging/migrations/0012), so a count reads that one table, with no subquery (a
# subquery would also keep PostgreSQL from scanning in parallel). Elsewhere (SQLite, the embedded demo, where the
# table does not exist) it is a condition on researchers with an EXISTS per term over the source tables. Both read
# the same normalized tree, and tests/tagging/test_segments_property.py holds each to a plain Python reading.


def _normalized(tree: tuple) -> tuple:
    """The parsed tree with the forms both evaluations take: ("tags", [ids]) and ("journals", [ids]) for tags and
    journals (an "any"'s tags, and its journals, become one such term: one `&&` over their ids), ("everyone",
    None) and ("nobody", None) for what needs no test; an "all" or "any" of one term is that term."""
    operator, argument = tree
    if operator == "all":
        terms = [_normalized(child) for child in argument]
        return ("all", terms) if len(terms) > 1 else terms[0] if terms else ("everyone", None)
    if operator == "any":
        tag_ids = [child[1] for child in argument if child[0] == "tag"]
        journal_ids = [pk for child in argument if child[0] == "journal" for pk in child[1]]
        terms = [_normalized(child) for child in argument if child[0] not in ("tag", "journal")]
        terms += [("tags", tag_ids)] if tag_ids else []
        terms += [("journals", journal_ids)] if journal_ids else []
        return ("any", terms) if len(terms) > 1 else terms[0] if terms else ("nobody", None)
    if operator == "not":
        return ("not", _normalized(argument))
    if operator == "tag":
        return ("tags", [argument])
    if operator == "journal":
        return ("journals", list(argument)) if argument else ("nobody", None)
    return tree


def _live(now: datetime) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


def _source_condition(tree: tuple, now: datetime) -> Q:
    """A normalized tree as a condition on researchers, read from the source tables."""
    operator, argument = tree
    if operator in ("all", "any"):
        conditions = [_source_condition(child, now) for child in argument]
        combined = conditions[0]
        for condition in conditions[1:]:
            combined = combined & condition if operator == "all" else combined | condition
        return combined
    if operator == "not":
        return ~_source_condition(argument, now)
    if operator == "everyone":
        return Q(pk__isnull=False)  # an empty Q() would stay "everyone" under "not" too
    if operator == "nobody":
        return Q(pk__in=[])
    if operator == "tags":
        return Q(Exists(TagAssignment.objects.filter(researcher=OuterRef("pk"), tag_id__in=argument)
                        .filter(_live(now))))
    if operator == "journals":
        return Q(Exists(manuscript_accesses_of_researcher(researcher=OuterRef("pk"), journal_ids=argument)))
    if operator == "status":
        return Q(Exists(manuscript_accesses_of_researcher(researcher=OuterRef("pk"), status=argument)))
    if operator == "platform":
        return Q(Exists(verified_journal_accounts_on_platform(researcher=OuterRef("pk"), platform=argument)))
    if operator == "language":
        return Q(language=argument)
    if operator == "active_since":
        return Q(last_seen_at__gte=argument)
    raise AssertionError(operator)  # segment_parse builds no other node


def _facts_where(tree: tuple, now: datetime, params: list) -> str:
    """A normalized tree as a WHERE clause on the researchers' facts (alias f), its values appended to `params`.
    Every term is true or false, never NULL (an empty array is NULL there), so NOT reads as plainly as in Python."""
    operator, argument = tree
    if operator in ("all", "any"):
        joiner = " AND " if operator == "all" else " OR "
        return "(" + joiner.join(_facts_where(child, now, params) for child in argument) + ")"
    if operator == "not":
        return f"NOT {_facts_where(argument, now, params)}"
    if operator == "everyone":
        return "TRUE"
    if operator == "nobody":
        return "FALSE"
    if operator == "tags":
        # In the array, and not lapsed: a tag that expires has its expiry in tag_expiry (rows without one: NULL).
        params.append(argument)
        lapse_checks = []
        for tag_id in argument:
            key = str(tag_id)
            lapse_checks.append("(f.tag_ids @> ARRAY[%s]::integer[] AND ((f.tag_expiry ->> %s) IS NULL "
                                "OR (f.tag_expiry ->> %s)::numeric > %s))")
            params.extend([tag_id, key, key, now.timestamp()])
        return (f"(f.tag_ids IS NOT NULL AND f.tag_ids && %s::integer[] AND (f.tag_expiry IS NULL OR "
                f"{' OR '.join(lapse_checks)}))")
    if operator == "journals":
        params.append(argument)
        return "(f.journal_ids IS NOT NULL AND f.journal_ids && %s::integer[])"
    if operator in ("status", "platform"):
        column = {"status": "statuses", "platform": "platforms"}[operator]
        params.append(argument)
        return f"(f.{column} IS NOT NULL AND f.{column} @> ARRAY[%s]::varchar(32)[])"
    if operator == "language":
        params.append(argument)
        return "f.language = %s"
    if operator == "active_since":
        params.append(argument)
        return "(f.last_seen_at IS NOT NULL AND f.last_seen_at >= %s)"
    raise AssertionError(operator)  # segment_parse builds no other node


def _facts_query(parsed: ParsedSegment, select: str) -> tuple[str, list]:
    params: list = []
    where = _facts_where(_normalized(parsed.tree), timezone.now(), params)
    return f"SELECT {select} FROM {ResearcherFacts._meta.db_table} f WHERE {where}", params


def segment_researchers(expression: Any) -> QuerySet[Researcher]:
    """The researchers in the segment, as one query (unevaluated). `expression` is JSON or a ParsedSegment;
    JSON is checked first (SegmentInvalid)."""
    parsed = segment_parse(expression)
    if researcher_facts_exist():
        return Researcher.objects.filter(pk__in=RawSQL(*_facts_query(parsed, "f.researcher_id"))).order_by()
    return Researcher.objects.filter(_source_condition(_normalized(parsed.tree), timezone.now())).order_by()


def segment_count(expression: Any) -> int:
    """How many researchers the segment holds: one query once parsed."""
    parsed = segment_parse(expression)
    tree = _normalized(parsed.tree)
    if tree[0] == "tags":
        # Carrying a tag (or one of a few) alone, the most common segment: its live assignments, one per
        # researcher and tag, counted from their index alone; faster than from the facts (bench/segments.py).
        # Written out, as the facts' query is: Django building it took as long as a rare tag's count.
        tag_ids = tree[1]
        counted = "count(*)" if len(tag_ids) == 1 else "count(DISTINCT a.researcher_id)"  # DISTINCT sorts: no spill
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {counted} FROM {TagAssignment._meta.db_table} a "
                           f"WHERE a.tag_id IN ({', '.join(['%s'] * len(tag_ids))}) "
                           f"AND (a.expires_at IS NULL OR a.expires_at > %s)",
                           [*tag_ids, connection.ops.adapt_datetimefield_value(timezone.now())])
            return cursor.fetchone()[0]
    if researcher_facts_exist():
        with connection.cursor() as cursor:
            cursor.execute(*_facts_query(parsed, "count(*)"))
            return cursor.fetchone()[0]
    return segment_researchers(parsed).count()


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
