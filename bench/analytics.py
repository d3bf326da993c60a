"""Audience analytics at scale: each dashboard figure counted cold, next to one plain pass over the researchers.

    .venv/bin/python bench/analytics.py                # 1,000,000 researchers
    .venv/bin/python bench/analytics.py --scale 0.1    # 100,000 researchers
    .venv/bin/python bench/analytics.py --tiny         # the smoke run: 2,000 researchers

1. Migrates a fresh database and clears its Redis keys. Seeds with COPY (generated from a fixed seed):
   `1,000,000 × scale` users and researchers (institutions drawn from ~1,500 names, a tenth left empty, 85 %
   Chinese; sign-ups spread over a year), 60 tags in five groups with about 3 assignments per researcher (a
   few expired; a twentieth of researchers declare a region tag), verified linked accounts for a quarter of
   them on three journal systems (ten journals), one manuscript per account with a random status, and a
   co-author on a tenth of them. Then ANALYZE.
2. **Baseline:** `SELECT count(*)` over the researchers: what one pass over the population costs.
3. **The product:** each selector of `tagging.selectors.analytics`, cold (its cache entry forgotten), `--runs`
   times; prints the median and the slowest, and the ratio of the median to the baseline. Then one cached
   read of the whole dashboard (`tagging.admin.analytics.audience_figures`).

Checks (exit 1 on failure): the figures equal hand-written SQL over the same tables (researchers per language
and in total, researchers per tag group, authors per journal, decided and accepted manuscripts), and a cached
read makes no SQL query. The target (each figure cold under 2 s at 1M researchers) is reported, not enforced.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.common import (  # noqa: E402
    REDIS_PREFIX,
    bench_env,
    columns_with_defaults,
    recreate_database,
    redis_clear,
)

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL",
                              "postgres://postgres@127.0.0.1:5432/scholar_link_analytics_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
BENCH_ENV = bench_env(database_url=DATABASE_URL, redis_url=REDIS_URL, cache_prefix="analytics-bench",
                      app_id="wxbench000000000010")
FULL_RESEARCHERS = 1_000_000
TARGET_SECONDS = 2.0
CHUNK_ROWS = 50_000
NOW = datetime.now(UTC).replace(microsecond=0)
STATUSES = ["submitted", "with_editor", "under_review", "revision_requested", "revision_submitted", "accepted",
            "in_production", "published", "rejected", "withdrawn"]


def django_setup() -> None:
    os.environ.update(BENCH_ENV)
    import django

    django.setup()


def institution_names(rng: random.Random) -> list[str]:
    """~1,500 institutions: universities named after provinces and cities (found by the region table), some
    well-known ones, and research institutes whose name says no place."""
    from tagging.regions import CITIES, INSTITUTIONS, REGIONS

    names = [f"{chinese}{kind}" for chinese, _english in REGIONS.values()
             for kind in ("大学", "师范大学", "理工大学", "医科大学", "农业大学")]
    names += [f"{english} University" for _chinese, english in REGIONS.values()]
    names += [f"{city}{kind}" for city in CITIES if not city.isascii() for kind in ("大学", "工业大学", "研究院")]
    names += [f"{name}大学" if not name.isascii() else f"{name} University" for name in INSTITUTIONS]
    names += [f"第{number}研究所" for number in range(1, 1500 - len(names))]
    rng.shuffle(names)
    return names


class Copier:
    """Rows for one table in COPY text format, written in chunks: the given columns, then the model's others
    with their defaults (bench.common.columns_with_defaults)."""

    def __init__(self, connection, model, columns: tuple[str, ...]):
        self.connection, self.table = connection, model._meta.db_table
        rest, defaults = columns_with_defaults(model, columns)
        self.columns = (*columns, *rest)
        self.tail = "".join(f"\t{self._text(value)}" for value in defaults)
        self.buffer, self.rows, self.written = io.StringIO(), 0, 0

    @staticmethod
    def _text(value) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value)

    def add(self, *values) -> None:
        self.buffer.write("\t".join(self._text(value) for value in values) + self.tail + "\n")
        self.rows += 1
        if self.rows >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        self.buffer.seek(0)
        with self.connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", self.buffer)
        self.written += self.rows
        self.buffer, self.rows = io.StringIO(), 0


def seed(researchers: int) -> dict[str, int]:
    """Every row of the benchmark, with COPY; returns how many of each were written."""
    import psycopg2
    from django.contrib.auth import get_user_model
    from django.db import connection as django_connection

    from accounts.models import Journal, JournalAccount, JournalSystem, Researcher
    from manuscripts.models import Manuscript, ManuscriptAccess
    from tagging.models import Tag, TagAssignment, TagGroup

    rng = random.Random(20261204)
    institutions = institution_names(rng)
    systems = [JournalSystem.objects.create(key=f"bench-{platform}", name_en=f"Bench {platform}", platform=platform,
                                            base_url="https://journals.example.org")
               for platform in ("ojs", "scholarone", "janeway")]
    journals = {system.pk: [Journal.objects.create(journal_system=system, key=f"j{n}", platform_path=f"j{n}",
                                                   name_en=f"Journal {system.platform} {n}")
                            for n in range(4 if system.platform == "ojs" else 3)] for system in systems}
    groups = [(TagGroup.SUBJECT, 30), (TagGroup.ROLE, 5), (TagGroup.JOURNAL_INTEREST, 10), (TagGroup.OTHER, 5)]
    tags = Tag.objects.bulk_create([Tag(slug=f"{group}-{n}", name_en=f"{group} {n}", group=group)
                                    for group, count in groups for n in range(count)])
    region_tags = Tag.objects.bulk_create([Tag(slug=f"region-{n}", name_en=english, name_zh_hans=chinese,
                                               group=TagGroup.REGION)
                                           for n, (chinese, english) in enumerate(
                                               [("广东", "Guangdong"), ("北京", "Beijing"), ("上海", "Shanghai"),
                                                ("江苏", "Jiangsu"), ("浙江", "Zhejiang"), ("四川", "Sichuan"),
                                                ("湖北", "Hubei"), ("陕西", "Shaanxi"), ("海外", "Overseas"),
                                                ("山东", "Shandong")])])
    django_connection.close()

    connection = psycopg2.connect(DATABASE_URL)
    users = Copier(connection, get_user_model(), ("id", "username", "password", "date_joined"))
    people = Copier(connection, Researcher, ("id", "user_id", "display_name", "institution", "language",
                                             "created_at", "updated_at"))
    assignments = Copier(connection, TagAssignment, ("researcher_id", "tag_id", "source", "assigned_at",
                                                     "expires_at"))
    accounts = Copier(connection, JournalAccount, ("id", "researcher_id", "journal_system_id", "identity",
                                                   "identity_kind", "platform_user_id", "status", "created_at"))
    manuscripts = Copier(connection, Manuscript, ("id", "journal_system_id", "journal_id", "platform_id", "title",
                                                  "canonical_status", "last_activity_at", "snapshot_digest",
                                                  "created_at", "updated_at"))
    accesses = Copier(connection, ManuscriptAccess, ("manuscript_id", "journal_account_id", "created_at"))
    tag_ids = [tag.pk for tag in tags]
    region_ids = [tag.pk for tag in region_tags]
    previous_account: tuple[int, int] | None = None  # (account id, system id) of the last author, for co-authors
    account_id = manuscript_id = 0
    for pk in range(1, researchers + 1):
        created_at = NOW - timedelta(seconds=rng.randrange(365 * 86400))
        users.add(pk, f"bench{pk}", "!", created_at)
        institution = "" if rng.random() < 0.1 else rng.choice(institutions)
        people.add(pk, pk, f"Researcher {pk}", institution, "en" if rng.random() < 0.15 else "zh-hans",
                   created_at, created_at)
        for tag_id in rng.sample(tag_ids, rng.randrange(7)):
            expires_at = NOW - timedelta(days=1) if rng.random() < 0.02 else None
            assignments.add(pk, tag_id, "staff", created_at, expires_at)
        if rng.random() < 0.05:
            assignments.add(pk, rng.choice(region_ids), "self", created_at, None)
        if rng.random() < 0.3:
            system = rng.choice(systems)
            account_id += 1
            verified = rng.random() < 0.85
            accounts.add(account_id, pk, system.pk, f"r{pk}@example.org", "email", str(pk),
                         "verified" if verified else "pending", created_at)
            manuscript_id += 1
            manuscripts.add(manuscript_id, system.pk, rng.choice(journals[system.pk]).pk, str(manuscript_id),
                            f"Manuscript {manuscript_id}", rng.choice(STATUSES), created_at, "0" * 64, created_at,
                            created_at)
            accesses.add(manuscript_id, account_id, created_at)
            if previous_account and previous_account[1] == system.pk and rng.random() < 0.1:
                accesses.add(manuscript_id, previous_account[0], created_at)
            previous_account = (account_id, system.pk)
    for copier in (users, people, accounts, manuscripts, assignments, accesses):
        copier.flush()
    with connection.cursor() as cursor:
        for model in (get_user_model(), Researcher, JournalAccount, Manuscript):
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    connection.commit()
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    return {"researchers": people.written, "tag assignments": assignments.written, "accounts": accounts.written,
            "manuscripts": manuscripts.written, "authorships": accesses.written}


def hand_written_checks() -> list[str]:
    """The figures against SQL written here from the definitions; the problems found (none: [])."""
    from django.db import connection

    from tagging.selectors import analytics

    problems = []

    def rows(sql: str) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    languages = dict(rows("SELECT language, count(*) FROM accounts_researcher GROUP BY language"))
    if {row["language"]: row["researchers"] for row in analytics.researchers_by_language()} != languages:
        problems.append("researchers per language")
    total = rows("SELECT count(*) FROM accounts_researcher")[0][0]
    if sum(row["researchers"] for row in analytics.researchers_by_region()) != total:  # one region tag at most here
        problems.append("researchers per region (each exactly once)")
    groups = dict(rows("""SELECT t."group", count(DISTINCT a.researcher_id) FROM tagging_tagassignment a
                          JOIN tagging_tag t ON t.id = a.tag_id WHERE a.expires_at IS NULL OR a.expires_at > now()
                          GROUP BY t."group" """))
    if {row["group"]: row["researchers"] for row in analytics.researchers_by_tag_group()} != groups:
        problems.append("researchers per tag group")
    authors = dict(rows("""SELECT m.journal_id, count(DISTINCT ja.researcher_id) FROM manuscripts_manuscriptaccess x
                           JOIN manuscripts_manuscript m ON m.id = x.manuscript_id
                           JOIN accounts_journalaccount ja ON ja.id = x.journal_account_id
                           WHERE ja.status = 'verified' AND ja.journal_system_id = m.journal_system_id
                             AND m.journal_id IS NOT NULL GROUP BY m.journal_id"""))
    if analytics.journal_authors() != authors:
        problems.append("authors per journal")
    decisions = {journal_id: (decided, accepted) for journal_id, decided, accepted in rows(
        """SELECT m.journal_id,
                  count(*) FILTER (WHERE m.canonical_status IN ('accepted', 'in_production', 'published', 'rejected')),
                  count(*) FILTER (WHERE m.canonical_status IN ('accepted', 'in_production', 'published'))
           FROM manuscripts_manuscript m
           WHERE m.journal_id IS NOT NULL AND EXISTS (
               SELECT 1 FROM manuscripts_manuscriptaccess x
               JOIN accounts_journalaccount ja ON ja.id = x.journal_account_id
               WHERE x.manuscript_id = m.id AND ja.status = 'verified' AND ja.journal_system_id = m.journal_system_id)
           GROUP BY m.journal_id""")}
    if {pk: (row["decided"], row["accepted"]) for pk, row in analytics.journal_acceptance().items()} != decisions:
        problems.append("decided and accepted manuscripts per journal")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="researchers = 1,000,000 × scale")
    parser.add_argument("--runs", type=int, default=3, help="cold counts of each figure")
    parser.add_argument("--tiny", action="store_true", help="the smoke run: 2,000 researchers; targets only reported")
    args = parser.parse_args()
    researchers = 2_000 if args.tiny else int(FULL_RESEARCHERS * args.scale)
    os.chdir(REPO_ROOT)
    recreate_database(DATABASE_URL)
    redis_clear(REDIS_URL)
    env = {**os.environ, **BENCH_ENV}
    print("migrating the benchmark database…", flush=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO_ROOT, env=env, check=True)
    django_setup()
    try:
        return run(researchers, args.runs)
    finally:
        if REDIS_PREFIX:
            redis_clear(REDIS_URL)


def run(researchers: int, runs: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tagging.admin.analytics import audience_figures
    from tagging.selectors import analytics

    started = time.perf_counter()
    written = seed(researchers)
    print(f"seeded with COPY in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{count:,} {name}" for name, count in written.items()), flush=True)
    print(f"== audience analytics: {researchers:,} researchers, {written['tag assignments']:,} tag assignments, "
          f"{written['manuscripts']:,} manuscripts ==", flush=True)

    def timed(function) -> list[float]:
        seconds = []
        for _run in range(runs):
            analytics.audience_figures_recount()
            begun = time.perf_counter()
            function()
            seconds.append(time.perf_counter() - begun)
        return seconds

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM accounts_researcher")
            cursor.fetchone()

    base = statistics.median(timed(baseline))
    print(f"count(*) over researchers (baseline): median {base * 1000:.1f} ms", flush=True)
    figures = {
        "researchers_by_tag_group": analytics.researchers_by_tag_group,
        "researchers_by_institution": analytics.researchers_by_institution,
        "researchers_by_region": analytics.researchers_by_region,
        "researchers_by_language": analytics.researchers_by_language,
        "researchers_by_platform": analytics.researchers_by_platform,
        "researchers_growth_by_week": analytics.researchers_growth_by_week,
        "journal_authors": analytics.journal_authors,
        "journal_acceptance": analytics.journal_acceptance,
        "journal_figures (all four)": analytics.journal_figures,
    }
    slowest = 0.0
    for name, function in figures.items():
        seconds = timed(function)
        median = statistics.median(seconds)
        slowest = max(slowest, median)
        print(f"{name:<34} cold: median {median * 1000:8.1f} ms, slowest {max(seconds) * 1000:8.1f} ms, "
              f"{median / base if base else 0:5.1f}× baseline", flush=True)
    analytics.audience_figures_recount()
    begun = time.perf_counter()
    audience_figures("zh-hans")
    whole_cold = time.perf_counter() - begun
    with CaptureQueriesContext(connection) as cached_queries:
        begun = time.perf_counter()
        audience_figures("zh-hans")
        whole_cached = time.perf_counter() - begun
    print(f"whole dashboard: cold {whole_cold * 1000:.1f} ms, cached {whole_cached * 1000:.1f} ms "
          f"({len(cached_queries)} SQL queries)", flush=True)
    if researchers >= FULL_RESEARCHERS:
        verdict = "met" if slowest < TARGET_SECONDS else "NOT met"
    else:  # the scans grow with the rows: a linear estimate, not a measurement
        verdict = f"not measured at 1M (≈ {slowest * FULL_RESEARCHERS / researchers:.1f} s if linear)"
    print(f"target: each figure cold < {TARGET_SECONDS:.0f} s at 1M researchers — slowest median here "
          f"{slowest * 1000:.0f} ms at {researchers:,}: {verdict}", flush=True)

    problems = hand_written_checks()
    if len(cached_queries):
        problems.append("a cached read made SQL queries")
    for problem in problems:
        print(f"PROBLEM: {problem} differ(s) from hand-written SQL", flush=True)
    print(f"checks: figures equal hand-written SQL, cached read without SQL: {'FAIL' if problems else 'PASS'}",
          flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
