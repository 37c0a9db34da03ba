-- The 1T learning data model (docs/loading.md): nine clean tables plus load_rejects
-- and load_log, created in a schema the user owns (not extension members, so
-- pg_dump and DROP EXTENSION never lose data). Idempotent; any schema name is
-- safe because every identifier goes through format('%I').

-- COMMENT ON TABLE only when the comment differs (COMMENT takes a SHARE UPDATE
-- EXCLUSIVE lock, which waits for a refresh's SHARE lock on the table).
CREATE FUNCTION learnerscore._comment_table(tbl text, txt text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    IF obj_description(tbl::regclass, 'pg_class') IS DISTINCT FROM txt THEN
        EXECUTE format('COMMENT ON TABLE %s IS %L', tbl, txt);
    END IF;
END
$fn$;
COMMENT ON FUNCTION learnerscore._comment_table(text, text) IS
  'Internal: COMMENT ON TABLE tbl IS txt, unless that already is its comment (no lock then).';

-- Whether a learning schema is distributed with Citus (its users table is
-- hash-distributed: learnerscore.distribute_learning_schema). Such a schema
-- gets the co-located forms of the analyst views and no view caches (their
-- statement triggers cannot run on shards), so nothing can be silently stale.
-- False without Citus (no pg_dist_partition), never an error.
CREATE FUNCTION learnerscore._schema_distributed(schema_name text) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    users regclass := to_regclass(format('%I.users', schema_name));
    distributed boolean;
BEGIN
    IF users IS NULL OR to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1 AND partmethod = ''h'')'
       INTO distributed USING users;
    RETURN distributed;
END
$fn$;
COMMENT ON FUNCTION learnerscore._schema_distributed(text) IS
  'Internal: true when <schema>.users is a Citus hash-distributed table (the schema was distributed by learnerscore.distribute_learning_schema); false without Citus.';

-- Only when missing: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even then.
CREATE FUNCTION learnerscore._create_schema_if_missing(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        EXECUTE format('CREATE SCHEMA %I', schema_name);
    END IF;
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_schema_if_missing(text) IS
  'Internal: CREATE SCHEMA schema_name unless it exists (without needing CREATE on the database then).';

-- A table of a schema learnerscore creates: CREATE TABLE IF NOT EXISTS, each
-- index ('name (columns)') only when missing (CREATE INDEX IF NOT EXISTS
-- takes a SHARE lock on the table even when the index exists) and the
-- comment only when it differs (_comment_table): an unchanged table costs no lock.
CREATE FUNCTION learnerscore._create_table(schema_name text, table_name text, columns text, comment text,
                                           VARIADIC indexes text[] DEFAULT '{}') RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    tbl text := format('%I.%I', schema_name, table_name);
    ix text;
BEGIN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %s (%s)', tbl, columns);
    FOREACH ix IN ARRAY indexes LOOP
        IF to_regclass(format('%I.%I', schema_name, split_part(ix, ' ', 1))) IS NULL THEN
            EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s %s', split_part(ix, ' ', 1), tbl,
                           substr(ix, length(split_part(ix, ' ', 1)) + 2));
        END IF;
    END LOOP;
    PERFORM learnerscore._comment_table(tbl, comment);
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_table(text, text, text, text, text[]) IS
  'Internal: creates schema_name.table_name (columns: the column list as SQL) if missing, each index given as ''name (columns)'' if missing, and sets its comment if different; no lock when all exist.';

-- Bookkeeping of `learnerscore load` (any data set): rejected lines and one
-- row per loaded file. Separate so that other data sets' schemas get them too.
CREATE FUNCTION learnerscore._create_load_tables(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    -- The loader of every data set calls this before each load: only what is
    -- missing or different is (re)done (_create_table), so that an unchanged
    -- schema costs no lock.
    PERFORM learnerscore._create_schema_if_missing(schema_name);
    PERFORM learnerscore._create_table(schema_name, 'load_rejects', $$
        id          bigserial PRIMARY KEY,
        file        text NOT NULL,
        line_number bigint NOT NULL,
        raw_line    text,
        reason      text NOT NULL,
        loaded_at   timestamptz NOT NULL DEFAULT now()$$,
        'CSV lines the loader could not parse: file, 1-based physical line number (the header is line 1), the raw text (invalid UTF-8 bytes shown as U+FFFD) and the reason. Nothing is dropped silently; re-loading a changed file replaces that file''s rejects.',
        'load_rejects_file_line_idx (file, line_number)');

    PERFORM learnerscore._create_table(schema_name, 'load_log', $$
        file        text PRIMARY KEY,
        sha256      text NOT NULL,
        lines_read  bigint NOT NULL,
        loaded      bigint NOT NULL,
        rejected    bigint NOT NULL,
        blank_lines bigint NOT NULL DEFAULT 0,
        table_name  text,
        bytes       bigint,
        seconds     double precision,
        loaded_at   timestamptz NOT NULL DEFAULT now()$$,
        'One row per loaded file: its SHA-256, the data lines read (header and blank lines excluded), loaded and rejected. Loading a file with the same checksum again is a no-op; a changed file replaces its table''s rows and its rejects in one transaction.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_load_tables(text) IS
  'Internal: creates load_rejects and load_log in the given schema (idempotent); used by create_learning_schema and by the loader for every data set.';

-- The intervention log (issue 14): who contacted which learner, when, how and
-- with what result. Rows come from contacts.csv (the loader) or plain INSERTs;
-- a row-level trigger refuses a contact of a learner not in <schema>.users
-- (23503) and one dated after the current local time (23514), so that the log
-- never holds a contact the uplift estimates could not attribute.
CREATE FUNCTION learnerscore._check_contact() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    known boolean;
BEGIN
    IF NEW.user_id IS NULL OR NEW.contacted_at IS NULL THEN
        RETURN NEW;   -- the NOT NULL constraints report it (23502)
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.users WHERE user_id = $1)', TG_TABLE_SCHEMA)
       INTO known USING NEW.user_id;
    IF NOT known THEN
        RAISE EXCEPTION 'contact for an unknown learner: user_id % is not in %.users', NEW.user_id, TG_TABLE_SCHEMA
            USING ERRCODE = '23503',
                  HINT = 'Load users.csv (or insert the learner) before the learner''s contacts.';
    END IF;
    IF NEW.contacted_at > localtimestamp THEN
        RAISE EXCEPTION 'contact of learner % dated in the future', NEW.user_id
            USING ERRCODE = '23514',
                  DETAIL = format('contacted_at %s is after the current local time %s.',
                                  NEW.contacted_at, date_trunc('second', localtimestamp)),
                  HINT = 'contacted_at is the platform''s local time (timestamp without time zone) compared with localtimestamp of the session''s TimeZone.';
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION learnerscore._check_contact() IS
  'Internal: BEFORE INSERT OR UPDATE row trigger on <schema>.contacts: a contact of a learner not in <schema>.users raises 23503, one dated after localtimestamp raises 23514. Runs with the writer''s rights (the writer needs SELECT on users).';

-- contact_assignments is made here too (no new routine): who was randomized into the
-- contacted arm or the holdout on which day, which a contact log alone cannot tell.
CREATE FUNCTION learnerscore._create_contacts_table(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    tbl text := format('%I.contacts', schema_name);
    c record;
BEGIN
    PERFORM learnerscore._create_table(schema_name, 'contacts', $$
        user_id      int NOT NULL,
        contacted_at timestamp NOT NULL,
        tutor        text,
        channel      text,
        outcome_note text$$,
        'Intervention log (contacts.csv or plain INSERTs): one row per contact of a learner by a tutor, with the channel and the tutor''s note on the outcome. A trigger refuses a learner not in users (23503) and a contact dated after the current local time (23514).',
        'contacts_user_time_idx (user_id, contacted_at)');
    PERFORM learnerscore._create_table(schema_name, 'contact_assignments', $$
        user_id     integer NOT NULL,
        assigned_on date NOT NULL,
        arm         varchar(16) NOT NULL CHECK (arm IN ('contact', 'holdout')),
        tutor       text,
        plan_id     bigint,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, assigned_on)$$,
        'Randomized contact assignments (contact_assignments.csv, or learnerscore.contact_plan): one row per learner and day it was assigned to the contacted arm or to the holdout (kept uncontacted on purpose), so that contacted and holdout learners can be compared.',
        'contact_assignments_day_idx (assigned_on)');
    FOR c IN SELECT * FROM (VALUES
        ('contacts', 'user_id', 'The contacted learner (users.user_id); must exist in users when the row is written.'),
        ('contacts', 'contacted_at', 'When the tutor contacted the learner, platform local time like the other event tables; not after the current local time when written.'),
        ('contacts', 'tutor', 'Who made the contact (the tutor''s, or "dynamizer''s", name or login as exported).'),
        ('contacts', 'channel', 'How: e.g. телефон, telegram, email, чат (free text, as exported).'),
        ('contacts', 'outcome_note', 'The tutor''s note on the outcome, e.g. "обещал вернуться", "не дозвонились" (free text).'),
        ('contact_assignments', 'user_id', 'The assigned learner (users.user_id).'),
        ('contact_assignments', 'assigned_on', 'The day of the assignment: the contact day of the contacted arm, the nominal day of a holdout learner (platform local date).'),
        ('contact_assignments', 'arm', 'contact (to be contacted) or holdout (randomly kept uncontacted).'),
        ('contact_assignments', 'tutor', 'The tutor assigned to make the contact; NULL for the holdout.'),
        ('contact_assignments', 'plan_id', 'The contact plan that made the assignment (learnerscore.contact_plan); NULL for loaded rows.'),
        ('contact_assignments', 'created_at', 'When the row was written.')) t(rel, col, txt)
    LOOP
        tbl := format('%I.%I', schema_name, c.rel);
        IF col_description(tbl::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = tbl::regclass AND attname = c.col))
           IS DISTINCT FROM c.txt THEN
            EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', tbl, c.col, c.txt);
        END IF;
    END LOOP;
    tbl := format('%I.contacts', schema_name);
    -- Not on a distributed schema: a row trigger cannot run on Citus shards
    -- (distribute_learning_schema drops it; docs/scale-out.md).
    IF NOT learnerscore._schema_distributed(schema_name)
       AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = tbl::regclass AND tgname = 'contacts_check') THEN
        EXECUTE format('CREATE TRIGGER contacts_check BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION learnerscore._check_contact()', tbl);
    END IF;
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_contacts_table(text) IS
  'Internal: creates <schema>.contacts (the intervention log), its column comments and its validating trigger, and <schema>.contact_assignments (the randomized contact / holdout arms) with its column comments (idempotent, no lock when all exist).';

CREATE FUNCTION learnerscore._create_learning_tables(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    PERFORM learnerscore._create_schema_if_missing(schema_name);

    PERFORM learnerscore._create_table(schema_name, 'users', $$
        unti_id             int,
        user_id             int PRIMARY KEY,
        course_id           int,
        flow_num            real,
        tg_bot              int CHECK (tg_bot IN (0, 1, 2)),
        m2_progress         int,
        m2_attestation      int,
        m2_attestation_date timestamp$$,
        'Learners (users.csv): course, flow, Telegram bot (0 none, 1 connected, 2 stopped), final module-2 progress and attestation (NULL = "Нет данных" / "Не сдана").');

    PERFORM learnerscore._create_table(schema_name, 'users_age_timezone', $$
        user_id   int PRIMARY KEY,
        time_zone text,
        age       int$$,
        'Learner age and time zone (users_age_timezone.csv); time_zone as exported, e.g. +03:00.');

    PERFORM learnerscore._create_table(schema_name, 'authorization', $$
        user_id     int NOT NULL,
        created_at  timestamp NOT NULL,
        user_agent  text,
        window_size text$$,
        'Log-ins to the platform (authorization.csv).',
        'authorization_user_time_idx (user_id, created_at)',
        'authorization_time_idx (created_at)');

    PERFORM learnerscore._create_table(schema_name, 'schedule', $$
        course_id      int NOT NULL,
        type           text NOT NULL,
        task_id        int,
        activity_id    int,
        activity_type  text,
        is_attestation int,
        visibility     text,
        flows          int,
        date_shown     timestamp$$,
        'Course schedule (schedule.csv): lessons (type занятие) and activities (type активность) with the time they open (date_shown).',
        'schedule_course_idx (course_id, date_shown)',
        'schedule_activity_idx (activity_id)');

    PERFORM learnerscore._create_table(schema_name, 'activity_history_viewed', $$
        user_id       int NOT NULL,
        created_at    timestamp NOT NULL,
        page_type     text,
        page_id       int,
        module        int,
        attestation   int,
        activity_type text$$,
        'Page views (activity_history_viewed.csv); page_id is a task_id for lessons (занятие) and an activity_id for activities (активность).',
        'activity_history_viewed_user_page_idx (user_id, page_id)',
        'activity_history_viewed_time_idx (created_at)');

    PERFORM learnerscore._create_table(schema_name, 'webinars_logs', $$
        user_id      int NOT NULL,
        datetime     timestamp NOT NULL,
        event_name   text,
        webinar_id   int,
        conn_format  text,
        webinar_vvod int,
        module       int$$,
        'Webinar connect (Подключение) / disconnect (Отключение) events with format онлайн/офлайн (webinars_logs.csv).',
        'webinars_logs_user_time_idx (user_id, datetime)',
        'webinars_logs_time_idx (datetime)');

    PERFORM learnerscore._create_table(schema_name, 'exercise_results', $$
        module      int,
        activity_id int NOT NULL,
        user_id     int NOT NULL,
        created_at  timestamp NOT NULL,
        result      int,
        success     int$$,
        'Exercise attempts (exercise_results.csv); result NULL = skipped (Пропуск).',
        'exercise_results_user_activity_idx (user_id, activity_id)',
        'exercise_results_time_idx (created_at)');

    PERFORM learnerscore._create_table(schema_name, 'users_logs', $$
        user_id    int NOT NULL,
        created_at timestamp NOT NULL,
        event      text,
        comment    text$$,
        'Learner log (users_logs.csv), mainly hashtag changes: "Были хештеги: ..., стали: ..." and "Установлен хештег ...".',
        'users_logs_user_time_idx (user_id, created_at)',
        'users_logs_time_idx (created_at)');

    PERFORM learnerscore._create_table(schema_name, 'activities_guide', $$
        course_id     int,
        course        text,
        provider      text,
        module        int,
        theme_id      int,
        theme         text,
        task_id       int,
        exercise      text,
        task_position int,
        att_priznak   int,
        activity_id   int PRIMARY KEY,
        activity_type text,
        activity      text,
        obyaz_priznak int,
        visibility    text$$,
        'Course structure (activities_guide.csv): course, module, theme, task, activity, attestation flag (att_priznak) and required flag (obyaz_priznak).',
        'activities_guide_task_idx (course_id, task_id)');

    PERFORM learnerscore._create_contacts_table(schema_name);
    PERFORM learnerscore._create_load_tables(schema_name);
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_learning_tables(text) IS
  'Internal: creates the clean tables of the 1T data model in the given schema (idempotent).';

-- The relations create_learning_schema creates and maintains in a schema
-- (its fingerprint covers these and their indexes only: a table of your own
-- or the learner-feature objects in the same schema do not count).
CREATE FUNCTION learnerscore._learning_schema_relations() RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT unnest(ARRAY[
        -- clean tables and the loader's bookkeeping (100_learning_schema.sql)
        'users', 'users_age_timezone', 'authorization', 'schedule', 'activity_history_viewed',
        'webinars_logs', 'exercise_results', 'users_logs', 'activities_guide', 'contacts', 'contact_assignments',
        'load_rejects', 'load_log',
        -- analyst views (120_learning_views.sql) and their caches (115_view_cache.sql)
        'dataset_v', 'm_online_users_exercise', 'm_exercise_lag_time_series', 'm_date_interval', 'm_course_params',
        'dataset_h', 'dataset_h_live', 'dataset_h_cache', 'students_v3',
        'm_online_students', 'm_online_students_live', 'm_online_students_cache',
        'm_user_tags_history', 'm_user_tags_history_live', 'm_user_tags_history_cache', 'analyst_view_cache',
        'course_flows', 'learner_flows',
        -- create_learning_schema's own state
        'learning_schema_ddl'])
$fn$;
COMMENT ON FUNCTION learnerscore._learning_schema_relations() IS
  'Internal: names of the relations create_learning_schema creates in a learning schema (tables, views, caches, state tables).';

-- Fingerprints that tell whether create_learning_schema has anything to do.
-- code: the extension's routines (version, and every learnerscore routine's
-- source, settings and OID), which generate the DDL — a new version, a
-- re-created extension or a replaced routine changes it. catalog: what the
-- schema has — its relations (name, kind), view definitions (the rewrite
-- rules, which name the OIDs of what they read), triggers and comments — so a
-- dropped or hand-edited object is noticed (only the relations of
-- _learning_schema_relations() and their indexes). Only catalog rows are read, never
-- the relations themselves: computing it takes no relation lock (not even
-- AccessShare, which pg_get_viewdef would take on what a view reads) and never
-- waits for a refresh or a load. Index OIDs are left out: the loader drops and
-- re-creates the secondary indexes of a table it reloads.
CREATE FUNCTION learnerscore._extension_fingerprint() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT md5(e.extversion || E'\n' || string_agg(
               concat_ws(' ', p.oid, p.proname, md5(coalesce(p.prosrc, '')),
                         md5(coalesce(p.prosqlbody::text, '')), p.proconfig::text),
               E'\n' ORDER BY p.oid))
      FROM pg_proc p JOIN pg_extension e ON e.extnamespace = p.pronamespace
     WHERE e.extname = 'learnerscore'
     GROUP BY e.extversion
$fn$;
COMMENT ON FUNCTION learnerscore._extension_fingerprint() IS
  'Internal: md5 of the learnerscore extension''s version and of every routine of its schema (OID, name, source, settings): changes with a new version, a re-created extension or a replaced routine.';

CREATE FUNCTION learnerscore._relations_fingerprint(schema_name text, relations text[]) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    WITH own AS (
        SELECT c.oid, c.relname, c.relkind
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = schema_name AND c.relname = ANY (relations)
    ), rels AS (
        SELECT * FROM own
        UNION ALL
        SELECT c.oid, c.relname, c.relkind FROM own JOIN pg_index i ON i.indrelid = own.oid JOIN pg_class c ON c.oid = i.indexrelid
    )
    SELECT md5(concat_ws(E'\n',
               (SELECT string_agg(concat_ws(' ', r.relname, r.relkind), ',' ORDER BY r.relname) FROM rels r),
               (SELECT string_agg(concat_ws(' ', r.relname, w.rulename, w.ev_enabled, md5(w.ev_action::text)), ','
                                  ORDER BY r.relname, w.rulename)
                  FROM rels r JOIN pg_rewrite w ON w.ev_class = r.oid),
               (SELECT string_agg(concat_ws(' ', r.relname, t.tgname, t.tgfoid, t.tgtype, t.tgenabled,
                                            encode(t.tgargs, 'hex')), ',' ORDER BY r.relname, t.tgname)
                  FROM rels r JOIN pg_trigger t ON t.tgrelid = r.oid WHERE NOT t.tgisinternal),
               (SELECT string_agg(concat_ws(' ', r.relname, d.objsubid, md5(d.description)), ','
                                  ORDER BY r.relname, d.objsubid)
                  FROM rels r JOIN pg_description d ON d.objoid = r.oid AND d.classoid = 'pg_class'::regclass)))
$fn$;
COMMENT ON FUNCTION learnerscore._relations_fingerprint(text, text[]) IS
  'Internal: md5 of what the catalog says about the named relations of a schema and their indexes (names and kinds, view rules, triggers, comments), read without locking any relation.';

CREATE FUNCTION learnerscore._learning_schema_fingerprint(schema_name text, OUT code text, OUT catalog text)
LANGUAGE sql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT learnerscore._extension_fingerprint(),
           learnerscore._relations_fingerprint(schema_name, ARRAY(SELECT learnerscore._learning_schema_relations()))
$fn$;
COMMENT ON FUNCTION learnerscore._learning_schema_fingerprint(text) IS
  'Internal: the fingerprints of the extension''s routines (code) and of the relations create_learning_schema makes in the schema (catalog), read from the catalog without locking any relation; create_learning_schema does nothing when both equal those recorded in <schema>.learning_schema_ddl.';

-- Before re-creating anything (first run, new extension version, an object
-- dropped or edited by hand), every relation it re-creates or that the views
-- read, in ACCESS EXCLUSIVE, all at once or none: LOCK ... NOWAIT inside a
-- subtransaction, retried after a short sleep while another session holds one
-- of them. It never waits while holding a lock, so it can never be part of a
-- deadlock. (Waiting would: LOCK TABLE on a view locks what it reads too, and
-- the views share relations — analyst_view_cache, students_v3 — so no single
-- order agrees with every reader's; CREATE OR REPLACE VIEW bottom up while
-- readers lock top down gave the 40P01s.) Gives up with 55P03 after
-- lock_timeout, or 30 s when lock_timeout is 0. Its own state table is left
-- out: other runs hold ACCESS SHARE on it while they wait for this one.
CREATE FUNCTION learnerscore._lock_learning_schema(schema_name text, relations text[] DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    rels text;
    patience interval := coalesce(nullif(current_setting('lock_timeout'), '0')::interval, interval '30 s');
    t0 timestamptz := clock_timestamp();
    pause float8 := 0.005;
BEGIN
    SELECT string_agg(r::text, ', ' ORDER BY r::oid) INTO rels
      FROM unnest(coalesce(relations, ARRAY(SELECT learnerscore._learning_schema_relations()))) t(name)
     CROSS JOIN LATERAL to_regclass(format('%I.%I', schema_name, t.name)) r
     WHERE r IS NOT NULL AND t.name <> 'learning_schema_ddl';
    IF rels IS NULL THEN
        RETURN;   -- a new schema: what this transaction creates nobody else sees
    END IF;
    LOOP
        BEGIN
            EXECUTE 'LOCK TABLE ' || rels || ' IN ACCESS EXCLUSIVE MODE NOWAIT';
            RETURN;
        EXCEPTION WHEN lock_not_available THEN
            -- the subtransaction's rollback released what it had locked
            IF clock_timestamp() - t0 > patience THEN
                RAISE EXCEPTION 'could not lock the relations of schema "%" to re-create its views', schema_name
                    USING ERRCODE = '55P03',
                          DETAIL = format('Other sessions kept using them for %s.', patience),
                          HINT = 'Retry when fewer readers are active, or raise lock_timeout.';
            END IF;
        END;
        PERFORM pg_sleep(pause);
        pause := least(pause * 2, 0.1);
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION learnerscore._lock_learning_schema(text, text[]) IS
  'Internal: locks every existing relation create_learning_schema re-creates in a schema (or the named ones) (and, through the views, what they read) in ACCESS EXCLUSIVE, all at once with NOWAIT, retrying with back-off: it never waits holding a lock, so re-creating a schema cannot deadlock with readers, loads or refreshes. 55P03 after lock_timeout (30 s when 0).';
