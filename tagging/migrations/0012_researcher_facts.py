"""ResearcherFacts: one row per researcher with what a segment expression tests, kept in step by triggers.

PostgreSQL only (arrays, GIN, statement triggers with transition tables); on SQLite only the model state is
recorded and segments read the source tables. Each trigger refreshes the rows of the researchers its statement
touched, inside the same transaction, so a segment never sees a change before or after the change itself commits.

Concurrency: a refresh first locks the researchers' rows, then recomputes them in a new statement. Under READ
COMMITTED each statement of a volatile PL/pgSQL function takes a fresh snapshot, so a transaction that had to wait
for another's lock recomputes with that one's committed change (an UPDATE's sub-selects alone would use the
snapshot from before the wait and drop it).
"""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

FUNCTIONS = r"""
CREATE TABLE tagging_researcherfacts (
    researcher_id bigint PRIMARY KEY REFERENCES accounts_researcher (id) ON DELETE CASCADE,
    language varchar(8) NOT NULL,
    last_seen_at timestamptz NULL,
    tag_ids integer[] NULL,
    tag_expiry jsonb NULL,
    journal_ids integer[] NULL,
    statuses varchar(32)[] NULL,
    platforms varchar(32)[] NULL
);
CREATE INDEX tagging_facts_tag_ids ON tagging_researcherfacts USING gin (tag_ids);
CREATE INDEX tagging_facts_journal_ids ON tagging_researcherfacts USING gin (journal_ids);
CREATE INDEX tagging_facts_statuses ON tagging_researcherfacts USING gin (statuses);
CREATE INDEX tagging_facts_platforms ON tagging_researcherfacts USING gin (platforms);

-- The tags live now, and when those that expire do (epoch seconds by tag id), so a lapsed one is told without
-- reading assignments. Ids are stored as integer (half the size; a cast past 2^31 would fail, not wrap).
CREATE FUNCTION tagging_facts_refresh_tags(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) = 0 THEN RETURN; END IF;
    PERFORM 1 FROM tagging_researcherfacts WHERE researcher_id = ANY (ids) ORDER BY researcher_id FOR UPDATE;
    UPDATE tagging_researcherfacts f
       SET tag_ids = t.tag_ids, tag_expiry = t.tag_expiry
      FROM unnest(ids) AS wanted (id)
     CROSS JOIN LATERAL (
           SELECT array_agg(a.tag_id::integer ORDER BY a.tag_id)
                      FILTER (WHERE a.expires_at IS NULL OR a.expires_at > now()) AS tag_ids,
                  jsonb_object_agg(a.tag_id::text, extract(epoch FROM a.expires_at))
                      FILTER (WHERE a.expires_at > now()) AS tag_expiry
             FROM tagging_tagassignment a
            WHERE a.researcher_id = wanted.id) t
     WHERE f.researcher_id = wanted.id;
END $$;

-- Journals and statuses of the manuscripts listed on verified accounts; platforms of verified accounts. An empty
-- set is NULL (most researchers have none: 16 bytes a row saved per array).
CREATE FUNCTION tagging_facts_refresh_works(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) = 0 THEN RETURN; END IF;
    PERFORM 1 FROM tagging_researcherfacts WHERE researcher_id = ANY (ids) ORDER BY researcher_id FOR UPDATE;
    UPDATE tagging_researcherfacts f
       SET journal_ids = w.journal_ids, statuses = w.statuses, platforms = p.platforms
      FROM unnest(ids) AS wanted (id)
     CROSS JOIN LATERAL (
           SELECT array_agg(DISTINCT m.journal_id::integer) FILTER (WHERE m.journal_id IS NOT NULL) AS journal_ids,
                  array_agg(DISTINCT m.canonical_status) AS statuses
             FROM accounts_journalaccount ja
             JOIN manuscripts_manuscriptaccess ma ON ma.journal_account_id = ja.id
             JOIN manuscripts_manuscript m ON m.id = ma.manuscript_id
            WHERE ja.researcher_id = wanted.id AND ja.status = 'verified') w
     CROSS JOIN LATERAL (
           SELECT array_agg(DISTINCT js.platform) AS platforms
             FROM accounts_journalaccount ja
             JOIN accounts_journalsystem js ON js.id = ja.journal_system_id
            WHERE ja.researcher_id = wanted.id AND ja.status = 'verified') p
     WHERE f.researcher_id = wanted.id;
END $$;

-- Every row from the source tables, in one statement (after a bulk load with triggers off, or to check).
-- Writers wait while it runs (the table lock), then refresh on top of it. Returns the rows it changed.
CREATE FUNCTION tagging_facts_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    changed bigint;
BEGIN
    LOCK TABLE tagging_researcherfacts IN EXCLUSIVE MODE;
    INSERT INTO tagging_researcherfacts AS f
           (researcher_id, language, last_seen_at, tag_ids, tag_expiry, journal_ids, statuses, platforms)
    SELECT r.id, r.language, r.last_seen_at, t.tag_ids, t.tag_expiry, w.journal_ids, w.statuses, p.platforms
      FROM accounts_researcher r
      LEFT JOIN (SELECT a.researcher_id,
                        array_agg(a.tag_id::integer ORDER BY a.tag_id)
                            FILTER (WHERE a.expires_at IS NULL OR a.expires_at > now()) AS tag_ids,
                        jsonb_object_agg(a.tag_id::text, extract(epoch FROM a.expires_at))
                            FILTER (WHERE a.expires_at > now()) AS tag_expiry
                   FROM tagging_tagassignment a GROUP BY a.researcher_id) t ON t.researcher_id = r.id
      LEFT JOIN (SELECT ja.researcher_id,
                        array_agg(DISTINCT m.journal_id::integer) FILTER (WHERE m.journal_id IS NOT NULL)
                            AS journal_ids,
                        array_agg(DISTINCT m.canonical_status) AS statuses
                   FROM accounts_journalaccount ja
                   JOIN manuscripts_manuscriptaccess ma ON ma.journal_account_id = ja.id
                   JOIN manuscripts_manuscript m ON m.id = ma.manuscript_id
                  WHERE ja.status = 'verified' GROUP BY ja.researcher_id) w ON w.researcher_id = r.id
      LEFT JOIN (SELECT ja.researcher_id, array_agg(DISTINCT js.platform) AS platforms
                   FROM accounts_journalaccount ja
                   JOIN accounts_journalsystem js ON js.id = ja.journal_system_id
                  WHERE ja.status = 'verified' GROUP BY ja.researcher_id) p ON p.researcher_id = r.id
    ON CONFLICT (researcher_id) DO UPDATE
       SET language = EXCLUDED.language, last_seen_at = EXCLUDED.last_seen_at, tag_ids = EXCLUDED.tag_ids,
           tag_expiry = EXCLUDED.tag_expiry, journal_ids = EXCLUDED.journal_ids, statuses = EXCLUDED.statuses,
           platforms = EXCLUDED.platforms
     WHERE (f.language, f.last_seen_at, f.tag_ids, f.tag_expiry, f.journal_ids, f.statuses, f.platforms)
           IS DISTINCT FROM (EXCLUDED.language, EXCLUDED.last_seen_at, EXCLUDED.tag_ids, EXCLUDED.tag_expiry,
                             EXCLUDED.journal_ids, EXCLUDED.statuses, EXCLUDED.platforms);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END $$;

-- Researchers: a row from the start; language and last-seen copied as they change; deleted with them (FK).
CREATE FUNCTION tagging_facts_researcher_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tagging_researcherfacts (researcher_id, language, last_seen_at)
    VALUES (NEW.id, NEW.language, NEW.last_seen_at);
    RETURN NULL;
END $$;
CREATE TRIGGER tagging_facts_researcher_inserted AFTER INSERT ON accounts_researcher
    FOR EACH ROW EXECUTE FUNCTION tagging_facts_researcher_inserted();

CREATE FUNCTION tagging_facts_researcher_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tagging_researcherfacts SET language = NEW.language, last_seen_at = NEW.last_seen_at
     WHERE researcher_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER tagging_facts_researcher_updated AFTER UPDATE ON accounts_researcher
    FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language OR OLD.last_seen_at IS DISTINCT FROM NEW.last_seen_at)
    EXECUTE FUNCTION tagging_facts_researcher_updated();

-- Tag assignments (their triggers: STATEMENT_TRIGGERS below).
CREATE FUNCTION tagging_facts_tag_assignments_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM tagging_facts_refresh_tags(ARRAY(SELECT DISTINCT researcher_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM tagging_facts_refresh_tags(ARRAY(SELECT DISTINCT researcher_id FROM old_rows));
    ELSE
        PERFORM tagging_facts_refresh_tags(ARRAY(
            SELECT unnest(ARRAY[o.researcher_id, n.researcher_id]) FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE (o.researcher_id, o.tag_id, o.expires_at) IS DISTINCT FROM (n.researcher_id, n.tag_id, n.expires_at)
             GROUP BY 1));
    END IF;
    RETURN NULL;
END $$;

-- Journal accounts: who holds them, their status and journal system decide journals, statuses and platforms.
CREATE FUNCTION tagging_facts_journal_accounts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM tagging_facts_refresh_works(ARRAY(SELECT DISTINCT researcher_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM tagging_facts_refresh_works(ARRAY(SELECT DISTINCT researcher_id FROM old_rows));
    ELSE
        PERFORM tagging_facts_refresh_works(ARRAY(
            SELECT unnest(ARRAY[o.researcher_id, n.researcher_id]) FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE (o.researcher_id, o.status, o.journal_system_id)
                   IS DISTINCT FROM (n.researcher_id, n.status, n.journal_system_id)
             GROUP BY 1));
    END IF;
    RETURN NULL;
END $$;

-- A journal system's platform (the accounts on it).
CREATE FUNCTION tagging_facts_journal_systems_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tagging_facts_refresh_works(ARRAY(
        SELECT DISTINCT ja.researcher_id FROM old_rows o JOIN new_rows n ON n.id = o.id
          JOIN accounts_journalaccount ja ON ja.journal_system_id = n.id
         WHERE o.platform IS DISTINCT FROM n.platform));
    RETURN NULL;
END $$;

-- Which manuscripts an account lists.
CREATE FUNCTION tagging_facts_manuscript_accesses_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM tagging_facts_refresh_works(ARRAY(
            SELECT DISTINCT ja.researcher_id FROM new_rows x JOIN accounts_journalaccount ja ON ja.id = x.journal_account_id));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM tagging_facts_refresh_works(ARRAY(
            SELECT DISTINCT ja.researcher_id FROM old_rows x JOIN accounts_journalaccount ja ON ja.id = x.journal_account_id));
    ELSE
        PERFORM tagging_facts_refresh_works(ARRAY(
            SELECT ja.researcher_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              JOIN accounts_journalaccount ja ON ja.id IN (o.journal_account_id, n.journal_account_id)
             WHERE (o.manuscript_id, o.journal_account_id) IS DISTINCT FROM (n.manuscript_id, n.journal_account_id)
             GROUP BY 1));
    END IF;
    RETURN NULL;
END $$;

-- A manuscript's journal or status (the researchers whose verified-or-not accounts list it: the refresh decides).
CREATE FUNCTION tagging_facts_manuscripts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tagging_facts_refresh_works(ARRAY(
        SELECT DISTINCT ja.researcher_id FROM old_rows o JOIN new_rows n ON n.id = o.id
          JOIN manuscripts_manuscriptaccess ma ON ma.manuscript_id = n.id
          JOIN accounts_journalaccount ja ON ja.id = ma.journal_account_id
         WHERE (o.journal_id, o.canonical_status) IS DISTINCT FROM (n.journal_id, n.canonical_status)));
    RETURN NULL;
END $$;
"""

# (table, events, function): statement triggers, each with its transition tables (a trigger that has them takes
# one event, hence one per event). The function tells the events apart by TG_OP.
STATEMENT_TRIGGERS = [
    ("tagging_tagassignment", ("INSERT", "DELETE", "UPDATE"), "tagging_facts_tag_assignments_changed"),
    ("accounts_journalaccount", ("INSERT", "DELETE", "UPDATE"), "tagging_facts_journal_accounts_changed"),
    ("accounts_journalsystem", ("UPDATE",), "tagging_facts_journal_systems_changed"),
    ("manuscripts_manuscriptaccess", ("INSERT", "DELETE", "UPDATE"), "tagging_facts_manuscript_accesses_changed"),
    ("manuscripts_manuscript", ("UPDATE",), "tagging_facts_manuscripts_changed"),
]
TRANSITION_TABLES = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
                     "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}


def _trigger_name(table: str, event: str) -> str:
    return f"tagging_facts_{table}_{event.lower()}"


FORWARDS = FUNCTIONS + "".join(
    f"CREATE TRIGGER {_trigger_name(table, event)} AFTER {event} ON {table} REFERENCING {TRANSITION_TABLES[event]} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();\n"
    for table, events, function in STATEMENT_TRIGGERS for event in events) + "SELECT tagging_facts_rebuild();\n"

BACKWARDS = "".join(f"DROP TRIGGER {_trigger_name(table, event)} ON {table};\n"
                    for table, events, _function in STATEMENT_TRIGGERS for event in events) + r"""
DROP TRIGGER tagging_facts_researcher_inserted ON accounts_researcher;
DROP TRIGGER tagging_facts_researcher_updated ON accounts_researcher;
DROP FUNCTION tagging_facts_researcher_inserted(), tagging_facts_researcher_updated(),
    tagging_facts_tag_assignments_changed(), tagging_facts_journal_accounts_changed(),
    tagging_facts_journal_systems_changed(), tagging_facts_manuscript_accesses_changed(),
    tagging_facts_manuscripts_changed(), tagging_facts_rebuild(), tagging_facts_refresh_tags(bigint[]),
    tagging_facts_refresh_works(bigint[]);
DROP TABLE tagging_researcherfacts;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_privacy'),
        ('manuscripts', '0009_manuscript_action_due_date'),
        ('tagging', '0011_rule_shared_at_least'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ResearcherFacts',
                    fields=[
                        ('researcher', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='accounts.researcher')),
                        ('language', models.CharField(max_length=8)),
                        ('last_seen_at', models.DateTimeField(null=True)),
                        ('tag_ids', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), null=True, size=None)),
                        ('tag_expiry', models.JSONField(null=True)),
                        ('journal_ids', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), null=True, size=None)),
                        ('statuses', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=32), null=True, size=None)),
                        ('platforms', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=32), null=True, size=None)),
                    ],
                    options={
                        'verbose_name': "researcher's segment facts",
                        'verbose_name_plural': "researchers' segment facts",
                        'default_permissions': (),
                    },
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
