"""Segment counts at scale: 1,000,000 researchers and 10,000,000 tag assignments, each count next to a hand-written
SQL query for the same segment, in the same run.

    .venv/bin/python bench/segments.py                 # 1,000,000 researchers, 10,000,000 tag assignments
    .venv/bin/python bench/segments.py --scale 0.1     # 100,000 researchers, 1,000,000 assignments
    .venv/bin/python bench/segments.py --tiny          # the smoke run: 2,000 researchers; targets only reported

1. A fresh PostgreSQL database (BENCH_DATABASE_URL, dropped and created), migrated.
2. Seeded with COPY (`--scale` × 1,000,000 researchers, each with a user): languages (one in five English),
   last-seen times over the past year (a fifth never seen), 200 tags carried with a skewed popularity (about 10
   per researcher, 2% of them with an expiry, half of those past), journal systems on four platforms with 20
   journals (the key "jas" in two systems), verified and pending journal accounts (about 40% of researchers),
   manuscripts in every canonical status and the accesses that list them. The secondary indexes and unique
   constraints of the big tables are dropped during COPY and built afterwards (as pg_restore does), foreign keys
   are not checked during COPY (the rows are consistent by construction), then VACUUM ANALYZE.
3. The product's rebuild writes every researcher's segment facts (COPY ran with triggers off, as a restore does).
4. For each expression of a fixed set: `segment_count` (the product: parsed once, then its one query) and a
   hand-written SQL query for the same segment on the researchers' facts, alternately, `--repeat` times each
   after a warm-up; then, apart, a hand-written query on the source tables (what someone who knows the schema
   would write: counting unique assignment rows, joins, INTERSECT). Medians are compared.

Prints each expression's count, the three medians, the ratio of ours to the faster hand-written query, and the
targets (< 200 ms per count, ≤ 1.5× that baseline). Checks (exit 1 on failure): each count equals both
hand-written queries'. A missed target is reported only. `--explain` prints the product's query plans.
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

import environ
import psycopg2

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
                              "postgres://postgres@127.0.0.1:5432/scholar_link_segments_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
BENCH_ENV = bench_env(database_url=DATABASE_URL, redis_url=REDIS_URL, cache_prefix="segments-bench",
                      app_id="wxbench000000000004")
TARGET_MS = 200
TARGET_RATIO = 1.5
FULL_RESEARCHERS = 1_000_000
TAGS = 200
TAGS_PER_RESEARCHER = 10
CHUNK = 50_000  # researchers per COPY round
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # the seed's clock; "now" for expiry is the database's
SEED = 20261201
STATUSES = ["submitted", "with_editor", "under_review", "revision_requested", "revision_submitted", "accepted",
            "in_production", "published", "rejected", "withdrawn"]
STATUS_WEIGHTS = [8, 6, 14, 6, 4, 8, 3, 25, 22, 4]
# (key, platform, journals): "jas" is a journal key in two systems
SYSTEMS = [("ojs-main", "ojs", ["jas", "jbs", "jcs", "jds", "jes", "jfs", "jgs", "jhs"]),
           ("s1-press", "scholarone", ["jas", "jis", "jjs", "jks", "jls", "jms"]),
           ("em-press", "editorial_manager", ["jns", "jos", "jps", "jqs", "jrs", "jss"]),
           ("crossref", "crossref", [])]


def pg_connect():
    config = environ.Env.db_url_config(DATABASE_URL)
    return psycopg2.connect(host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"] or None,
                            password=config["PASSWORD"] or None, dbname=config["NAME"])


def django_setup() -> None:
    os.environ.update(BENCH_ENV)
    import django

    django.setup()


def copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Table:
    """One model's table for COPY: the columns the benchmark gives, then every other column with its default."""

    def __init__(self, model, columns: tuple[str, ...]) -> None:
        rest, defaults = columns_with_defaults(model, columns)
        self.name, self.columns = model._meta.db_table, columns + rest
        self.suffix = "".join("\t" + copy_text(value) for value in defaults) + "\n"
        self.buffer = io.StringIO()

    def add(self, *values) -> None:
        self.buffer.write("\t".join(map(copy_text, values)))
        self.buffer.write(self.suffix)

    def add_text(self, text: str) -> None:
        """A row already in COPY text (the hot path: tag assignments)."""
        self.buffer.write(text)
        self.buffer.write(self.suffix)

    def send(self, cursor) -> None:
        self.buffer.seek(0)
        cursor.copy_expert(f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN", self.buffer)
        self.buffer = io.StringIO()


def secondary_indexes_dropped(cursor, tables: list[str]) -> list[str]:
    """Drop the tables' unique constraints and secondary indexes; returns the statements that rebuild them."""
    rebuild = []
    for table in tables:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = %s::regclass AND contype = 'u'", [table])
        constraints = cursor.fetchall()
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                       "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)", [table, table])
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            rebuild.append(definition)
    return rebuild


def seed(researchers: int) -> dict:
    """Every row, with COPY; returns what the expressions need (tag slugs by popularity rank)."""
    from django.db import connection

    from accounts.models import Journal, JournalAccount, JournalSystem, Researcher, User
    from manuscripts.models import Manuscript, ManuscriptAccess
    from tagging.models import Tag, TagAssignment

    rng = random.Random(SEED)
    systems = [JournalSystem.objects.create(key=key, name_en=key, platform=platform, base_url="https://example.org",
                                            credentials={}) for key, platform, _journals in SYSTEMS]
    journals = {system.pk: [Journal.objects.create(journal_system=system, key=key, platform_path=key, name_en=key)
                            for key in keys] for system, (_key, _platform, keys) in zip(systems, SYSTEMS, strict=True)}
    tags = Tag.objects.bulk_create([Tag(slug=f"t{rank:03d}", name_en=f"Tag {rank}") for rank in range(TAGS)])
    connection.close()
    # Popularity: tag of rank r is drawn with weight 1/(r+1)^0.9; the most popular ends up on roughly half.
    weights = [1 / (rank + 1) ** 0.9 for rank in range(TAGS)]
    tag_ids = [tag.pk for tag in tags]
    editorial = [system for system in systems if journals[system.pk]]

    users = Table(User, ("id", "username", "password"))
    people = Table(Researcher, ("id", "user_id", "display_name", "language", "last_seen_at", "created_at",
                                "updated_at"))
    assignments = Table(TagAssignment, ("researcher_id", "tag_id", "source", "expires_at"))
    accounts = Table(JournalAccount, ("id", "researcher_id", "journal_system_id", "identity", "identity_kind",
                                      "platform_user_id", "status", "created_at"))
    manuscripts = Table(Manuscript, ("id", "journal_system_id", "journal_id", "platform_id", "title",
                                     "canonical_status", "last_activity_at", "snapshot_digest", "created_at",
                                     "updated_at"))
    accesses = Table(ManuscriptAccess, ("manuscript_id", "journal_account_id", "created_at"))
    big_tables = [users.name, people.name, assignments.name, accounts.name, manuscripts.name, accesses.name]

    db = pg_connect()
    db.autocommit = True
    counts = {"assignments": 0, "accounts": 0, "manuscripts": 0}
    with db.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        rebuild = secondary_indexes_dropped(cursor, big_tables)
        cursor.execute("SET session_replication_role = replica")  # no FK triggers during COPY
        account_id = manuscript_id = 0
        for start in range(1, researchers + 1, CHUNK):
            for pk in range(start, min(start + CHUNK, researchers + 1)):
                users.add(pk, f"r{pk}", "!")
                seen = None if rng.random() < 0.2 else NOW - timedelta(seconds=rng.randrange(365 * 86400))
                joined = NOW - timedelta(days=400 + pk % 300)
                people.add(pk, pk, f"Researcher {pk}", "en" if rng.random() < 0.2 else "zh-hans", seen, joined,
                           joined)
                wanted, chosen = TAGS_PER_RESEARCHER + rng.randrange(-4, 5), set()
                while len(chosen) < wanted:  # distinct tags: popular ones are drawn more than once
                    chosen.update(rng.choices(tag_ids, weights, k=wanted - len(chosen)))
                for tag_id in chosen:
                    roll = rng.random()
                    expiry = "\\N" if roll >= 0.02 else (NOW + timedelta(days=-30 if roll < 0.01 else 30)).isoformat()
                    assignments.add_text(f"{pk}\t{tag_id}\tstaff\t{expiry}")
                counts["assignments"] += len(chosen)
                for _account in range(0 if rng.random() >= 0.4 else 1 + (rng.random() < 0.15)):
                    account_id += 1
                    system = rng.choice(systems)
                    verified = rng.random() < 0.9
                    accounts.add(account_id, pk, system.pk, f"a{account_id}@example.org", "email", str(account_id),
                                 "verified" if verified else "pending", joined)
                    counts["accounts"] += 1
                    # A Crossref account lists published works of the editorial systems' journals.
                    home = system if journals[system.pk] else rng.choice(editorial)
                    for _manuscript in range(rng.choice((0, 1, 1, 2, 3))):
                        manuscript_id += 1
                        status = ("published" if home is not system else
                                  rng.choices(STATUSES, STATUS_WEIGHTS)[0])
                        manuscripts.add(manuscript_id, home.pk, rng.choice(journals[home.pk]).pk,
                                        f"m{manuscript_id}", "A manuscript", status, joined, "x", joined, joined)
                        accesses.add(manuscript_id, account_id, joined)
                        counts["manuscripts"] += 1
            for table in (users, people, assignments, accounts, manuscripts, accesses):
                table.send(cursor)
            if researchers >= 200_000:
                print(f"  … {min(start + CHUNK - 1, researchers):,} researchers", flush=True)
        cursor.execute("SET session_replication_role = DEFAULT")
        for statement in rebuild:
            cursor.execute(statement)
        for table in big_tables:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
        cursor.execute("VACUUM (ANALYZE)")
    db.close()
    counts["tag_slugs"] = [tag.slug for tag in tags]
    counts["tag_ids"] = {tag.slug: tag.pk for tag in tags}
    counts["journal_ids"] = {(system.key, journal.key): journal.pk
                             for system in systems for journal in journals[system.pk]}
    return counts


def expressions(world: dict) -> list[tuple[str, dict, tuple[str, list], tuple[str, list]]]:
    """(name, expression, hand-written SQL on the researchers' facts and its parameters, hand-written SQL on the
    source tables and its parameters): the same segment three ways."""
    tag = world["tag_ids"]
    jas = [world["journal_ids"][("ojs-main", "jas")], world["journal_ids"][("s1-press", "jas")]]
    month_ago = (NOW - timedelta(days=30)).isoformat()
    live = "(a.expires_at IS NULL OR a.expires_at > now())"
    mine = ("SELECT ja.researcher_id FROM manuscripts_manuscriptaccess ma "
            "JOIN accounts_journalaccount ja ON ja.id = ma.journal_account_id AND ja.status = 'verified' "
            "JOIN manuscripts_manuscript m ON m.id = ma.manuscript_id ")

    def carries(*ids: int) -> tuple[str, list]:
        """A facts row carries one of the tags: in its array and not lapsed (an expiring tag's expiry is in
        tag_expiry). NULL where the row has no tags: wrap it in coalesce under NOT."""
        lapse = " OR ".join(f"(f.tag_ids @> ARRAY[{pk}] AND ((f.tag_expiry ->> '{pk}') IS NULL OR "
                            f"(f.tag_expiry ->> '{pk}')::numeric > extract(epoch FROM now())))" for pk in ids)
        return f"(f.tag_ids && %s::integer[] AND (f.tag_expiry IS NULL OR {lapse}))", [list(ids)]

    def on_facts(*parts) -> tuple[str, list]:
        """SELECT count(*) FROM the facts WHERE the parts (SQL texts, or (SQL, parameters) pairs) in turn."""
        sql, params = [], []
        for part in parts:
            text, values = part if isinstance(part, tuple) else (part, [])
            sql.append(text)
            params.extend(values)
        return "SELECT count(*) FROM tagging_researcherfacts f WHERE " + " ".join(sql), params

    t000, t001, t002, t003, t004, t005, t007, t010, t020, t150 = (
        tag[slug] for slug in ("t000", "t001", "t002", "t003", "t004", "t005", "t007", "t010", "t020", "t150"))
    not_t004_sql, not_t004_params = carries(t004)
    top_sql, top_params = carries(t000, t001)
    return [
        ("popular tag", {"tag": "t000"}, on_facts(carries(t000)),
         (f"SELECT count(*) FROM tagging_tagassignment a WHERE a.tag_id = %s AND {live}", [t000])),
        ("rare tag", {"tag": "t150"}, on_facts(carries(t150)),
         (f"SELECT count(*) FROM tagging_tagassignment a WHERE a.tag_id = %s AND {live}", [t150])),
        ("two tags (all)", {"all": [{"tag": "t001"}, {"tag": "t005"}]},
         on_facts(carries(t001), "AND", carries(t005)),
         (f"SELECT count(*) FROM tagging_tagassignment a JOIN tagging_tagassignment b "
          f"ON b.researcher_id = a.researcher_id AND b.tag_id = %s AND (b.expires_at IS NULL OR b.expires_at > now()) "
          f"WHERE a.tag_id = %s AND {live}", [t005, t001])),
        ("three tags (any)", {"any": [{"tag": "t003"}, {"tag": "t007"}, {"tag": "t020"}]},
         on_facts(carries(t003, t007, t020)),
         (f"SELECT count(DISTINCT a.researcher_id) FROM tagging_tagassignment a WHERE a.tag_id IN (%s, %s, %s) "
          f"AND {live}", [t003, t007, t020])),
        ("tag, not tag, English", {"all": [{"tag": "t002"}, {"not": {"tag": "t004"}}, {"language": "en"}]},
         on_facts(carries(t002), "AND NOT coalesce(", (not_t004_sql, not_t004_params), ", false) "
                  "AND f.language = 'en'"),
         (f"SELECT count(*) FROM tagging_tagassignment a JOIN accounts_researcher r ON r.id = a.researcher_id "
          f"WHERE a.tag_id = %s AND {live} AND r.language = 'en' AND NOT EXISTS (SELECT 1 FROM "
          f"tagging_tagassignment b WHERE b.researcher_id = a.researcher_id AND b.tag_id = %s AND "
          f"(b.expires_at IS NULL OR b.expires_at > now()))", [t002, t004])),
        ("journal and status", {"all": [{"journal": "jas"}, {"status": "accepted"}]},
         on_facts(("f.journal_ids && %s::integer[] AND f.statuses @> ARRAY['accepted']::varchar(32)[]", [jas])),
         (f"SELECT count(*) FROM ({mine} WHERE m.journal_id IN (%s, %s) INTERSECT "
          f"{mine} WHERE m.canonical_status = 'accepted') s", jas)),
        ("platform, active 30 days", {"all": [{"platform": "scholarone"}, {"active_since": month_ago}]},
         on_facts(("f.platforms @> ARRAY['scholarone']::varchar(32)[] AND f.last_seen_at >= %s", [month_ago])),
         ("SELECT count(*) FROM accounts_researcher r WHERE r.last_seen_at >= %s AND r.id IN (SELECT "
          "ja.researcher_id FROM accounts_journalaccount ja JOIN accounts_journalsystem js "
          "ON js.id = ja.journal_system_id WHERE js.platform = 'scholarone' AND ja.status = 'verified')",
          [month_ago])),
        ("any of two audiences", {"any": [{"all": [{"tag": "t010"}, {"language": "en"}]},
                                          {"all": [{"status": "published"}, {"not": {"active_since": month_ago}}]}]},
         on_facts("(", carries(t010), "AND f.language = 'en') OR (f.statuses @> ARRAY['published']::varchar(32)[] "
                  "AND (f.last_seen_at IS NULL OR f.last_seen_at < %s))", ("", [month_ago])),
         (f"SELECT count(*) FROM (SELECT a.researcher_id FROM tagging_tagassignment a JOIN accounts_researcher r "
          f"ON r.id = a.researcher_id WHERE a.tag_id = %s AND {live} AND r.language = 'en' UNION "
          f"SELECT ja.researcher_id FROM manuscripts_manuscriptaccess ma JOIN accounts_journalaccount ja "
          f"ON ja.id = ma.journal_account_id AND ja.status = 'verified' JOIN manuscripts_manuscript m "
          f"ON m.id = ma.manuscript_id JOIN accounts_researcher r ON r.id = ja.researcher_id "
          f"WHERE m.canonical_status = 'published' AND (r.last_seen_at IS NULL OR r.last_seen_at < %s)) s",
          [t010, month_ago])),
        ("nobody with either top tag", {"not": {"any": [{"tag": "t000"}, {"tag": "t001"}]}},
         on_facts("NOT coalesce(", (top_sql, top_params), ", false)"),
         (f"SELECT count(*) FROM accounts_researcher r WHERE NOT EXISTS (SELECT 1 FROM tagging_tagassignment a "
          f"WHERE a.researcher_id = r.id AND a.tag_id IN (%s, %s) AND {live})", [t000, t001])),
    ]


def timed(function) -> tuple[float, int]:
    started = time.perf_counter()
    value = function()
    return (time.perf_counter() - started) * 1000, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="× 1,000,000 researchers (and 10× assignments)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query (medians compared)")
    parser.add_argument("--explain", action="store_true", help="print the plan of each of the product's counts")
    parser.add_argument("--tiny", action="store_true", help="the smoke run: 2,000 researchers; targets only reported")
    args = parser.parse_args()
    researchers = 2_000 if args.tiny else max(1, int(FULL_RESEARCHERS * args.scale))
    if args.tiny:
        args.repeat = 1
    os.chdir(REPO_ROOT)
    recreate_database(DATABASE_URL)
    redis_clear(REDIS_URL)
    env = {**os.environ, **BENCH_ENV}
    print("migrating the benchmark database…", flush=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO_ROOT, env=env, check=True)
    django_setup()

    print(f"seeding {researchers:,} researchers with COPY…", flush=True)
    seconds, world = timed(lambda: seed(researchers))
    print(f"== segments: {researchers:,} researchers, {world['assignments']:,} tag assignments, "
          f"{world['accounts']:,} journal accounts, {world['manuscripts']:,} manuscripts "
          f"(seeded in {seconds / 1000:.1f} s) ==", flush=True)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tagging.services.researcher_facts import researcher_facts_rebuild
    from tagging.services.segments import segment_count, segment_parse

    # COPY ran with triggers off (as a restore would): the product's rebuild writes every researcher's facts.
    seconds, rebuilt = timed(researcher_facts_rebuild)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) tagging_researcherfacts")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('tagging_researcherfacts'))")
        size = cursor.fetchone()[0]
    print(f"researchers' facts rebuilt in {seconds / 1000:.1f} s ({rebuilt:,} rows, {size} with indexes)", flush=True)

    def counted(sql: str, params: list) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    problems = []
    print(f"{'segment':<28}{'count':>11}{'ours ms':>10}{'facts ms':>10}{'source ms':>11}{'ratio':>8}   verdict")
    print("(ours: segment_count, one query; hand-written SQL for the same segment on the researchers' facts and on "
          "the source tables; ratio: ours to the faster of the two (the baseline); medians of "
          f"{args.repeat})")
    worst_ms, worst_ratio = 0.0, 0.0
    for name, expression, (hand_sql, hand_params), (source_sql, source_params) in expressions(world):
        parsed = segment_parse(expression)

        def hand(sql: str = hand_sql, params: list = hand_params) -> int:
            return counted(sql, params)

        def source(sql: str = source_sql, params: list = source_params) -> int:
            return counted(sql, params)

        source_count, ours_count, hand_count = source(), segment_count(parsed), hand()  # warm-up, and the check
        ours_times, hand_times, source_times = [], [], []
        for _run in range(args.repeat):
            ours_times.append(timed(lambda parsed=parsed: segment_count(parsed))[0])
            hand_times.append(timed(hand)[0])
        for _run in range(args.repeat):  # apart: they read other tables, and would evict the facts' pages
            source_times.append(timed(source)[0])
        ours_ms, hand_ms = statistics.median(ours_times), statistics.median(hand_times)
        source_ms = statistics.median(source_times)
        best_ms = min(hand_ms, source_ms)
        ratio = ours_ms / best_ms if best_ms else float("inf")
        worst_ms, worst_ratio = max(worst_ms, ours_ms), max(worst_ratio, ratio)
        verdict = ("met" if ours_ms < TARGET_MS and ratio <= TARGET_RATIO else
                   "MISSED" + (f" (≥ {TARGET_MS} ms)" if ours_ms >= TARGET_MS else "")
                   + (f" (> {TARGET_RATIO}×)" if ratio > TARGET_RATIO else ""))
        print(f"{name:<28}{ours_count:>11,}{ours_ms:>10.1f}{hand_ms:>10.1f}{source_ms:>11.1f}{ratio:>7.2f}×   "
              f"{verdict}", flush=True)
        if not ours_count == hand_count == source_count:
            problems.append(f"{name}: segment_count {ours_count:,}, hand-written on the facts {hand_count:,}, "
                            f"on the source tables {source_count:,}")
        if args.explain:
            with CaptureQueriesContext(connection) as captured:
                segment_count(parsed)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured[-1]["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))
    print(f"worst count: {worst_ms:.1f} ms (target < {TARGET_MS} ms); worst ratio to the faster hand-written: "
          f"{worst_ratio:.2f}× (target ≤ {TARGET_RATIO}×)")
    print(f"load average: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    connection.close()
    if REDIS_PREFIX:
        redis_clear(REDIS_URL)
    print("checks: every segment count equals both hand-written queries' (so the rebuilt facts agree with the source "
          f"tables): {'PASS' if not problems else 'FAIL'}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
