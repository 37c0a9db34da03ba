-- learnerscore 0.1.0, FROZEN: the install script of release 0.1.0 exactly as it shipped (commit b44134b).
-- Never edit: it is kept so that ALTER EXTENSION learnerscore UPDATE from 0.1.0 can be tested
-- (tests/e2e/upgrade_catalog.sh). Changes go into extension/sql/ and into extension/upgrades/.
-- learnerscore install script, assembled by the Makefile from extension/sql/*.sql
-- (one fragment per responsibility, in file-name order).
\echo Use "CREATE EXTENSION learnerscore" to load this file. \quit

CREATE FUNCTION learnerscore.version() RETURNS text
    AS 'MODULE_PATHNAME', 'ls_version'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.version() IS 'Version of the learnerscore shared library.';

GRANT USAGE ON SCHEMA learnerscore TO PUBLIC;
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
        'authorization_user_time_idx (user_id, created_at)');

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
        'activity_history_viewed_user_page_idx (user_id, page_id)');

    PERFORM learnerscore._create_table(schema_name, 'webinars_logs', $$
        user_id      int NOT NULL,
        datetime     timestamp NOT NULL,
        event_name   text,
        webinar_id   int,
        conn_format  text,
        webinar_vvod int,
        module       int$$,
        'Webinar connect (Подключение) / disconnect (Отключение) events with format онлайн/офлайн (webinars_logs.csv).',
        'webinars_logs_user_time_idx (user_id, datetime)');

    PERFORM learnerscore._create_table(schema_name, 'exercise_results', $$
        module      int,
        activity_id int NOT NULL,
        user_id     int NOT NULL,
        created_at  timestamp NOT NULL,
        result      int,
        success     int$$,
        'Exercise attempts (exercise_results.csv); result NULL = skipped (Пропуск).',
        'exercise_results_user_activity_idx (user_id, activity_id)');

    PERFORM learnerscore._create_table(schema_name, 'users_logs', $$
        user_id    int NOT NULL,
        created_at timestamp NOT NULL,
        event      text,
        comment    text$$,
        'Learner log (users_logs.csv), mainly hashtag changes: "Были хештеги: ..., стали: ..." and "Установлен хештег ...".',
        'users_logs_user_time_idx (user_id, created_at)');

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
        'webinars_logs', 'exercise_results', 'users_logs', 'activities_guide', 'load_rejects', 'load_log',
        -- analyst views (120_learning_views.sql) and their caches (115_view_cache.sql)
        'dataset_v', 'm_online_users_exercise', 'm_exercise_lag_time_series', 'm_date_interval', 'm_course_params',
        'dataset_h', 'dataset_h_live', 'dataset_h_cache', 'students_v3',
        'm_online_students', 'm_online_students_live', 'm_online_students_cache',
        'm_user_tags_history', 'm_user_tags_history_live', 'm_user_tags_history_cache', 'analyst_view_cache',
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
-- Normalization of the learning platform's raw values (the same C++ code the
-- `learnerscore load` CLI uses), for users who load CSV files by other means:
--   INSERT INTO onet.webinars_logs SELECT ..., learnerscore.parse_timestamp("dateTime"), ...
-- Every function is STRICT (NULL in, NULL out), IMMUTABLE and PARALLEL SAFE.
-- With strict => false (the default) a value that does not parse gives NULL;
-- with strict => true it raises an ERROR: 22007 (bad date/time format),
-- 22008 (date/time field out of range, e.g. '31.02.2023 25:61'), 22P02 (not a
-- number / marker), 22003 (number out of range). parse_problem() tells why.

-- One C function per kind of cell, all with the signature (raw text, strict boolean DEFAULT false).
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT * FROM (VALUES
        ('parse_timestamp', 'timestamp',
         'Platform timestamp → timestamp: "23.12.2023 12:10", "14.11.2023 15:07", "2022-12-07 17:43:14", with optional seconds, fractional seconds, "T", and a trailing zone (Z, UTC, +03:00) that is accepted and dropped (wall-clock time kept). Strictly validated (no 31 February, hour 0-23, minute/second 0-59). Empty → NULL; invalid → NULL, or ERROR 22007/22008 when strict.'),
        ('parse_int', 'integer',
         'Integer cell → int4: optional sign, digits, an optional all-zero fraction ("13.00"), surrounding blanks trimmed. Empty → NULL; invalid → NULL, or ERROR 22P02 (22003 out of range) when strict.'),
        ('parse_real', 'double precision',
         'Decimal cell ("1.00", "-2.5e3") → float8; NaN, Infinity, hexadecimal and overflow are refused. Empty → NULL; invalid → NULL, or ERROR 22P02/22003 when strict.'),
        ('parse_result', 'integer',
         'exercise_results.result → int: a number, or NULL for "Пропуск" (skipped, any letter case) and empty cells; anything else → NULL, or ERROR 22P02 when strict.'),
        ('parse_int_or_marker', 'integer',
         'users.M2_progress / M2_attestation → int: a number, or NULL for the platform''s no-value markers "Нет данных", "Не сдана", "Пропуск", "—", "–", "-" and empty cells (any letter case); anything else → NULL, or ERROR 22P02 when strict.'),
        ('parse_tg_bot', 'integer',
         'users.tgBot → 0 (no bot: "—", "–", "-" or empty), 1 (connected), 2 (stopped); other values → NULL, or ERROR 22P02/22003 when strict.'),
        ('parse_tz_offset', 'double precision',
         'UTC offset → hours: "+03:00" → 3, "+05:30" → 5.5, "-02:00" → -2; also "+3", "+0545", "UTC+3", "GMT-02:30", "Z"/"UTC" → 0. Range ±14 h. Empty → NULL; invalid → NULL, or ERROR 22P02/22003 when strict.'))
        AS t(name, result, doc)
    LOOP
        EXECUTE format($c$CREATE FUNCTION learnerscore.%I(raw text, strict boolean DEFAULT false) RETURNS %s
                          AS 'MODULE_PATHNAME', %L LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE$c$,
                       f.name, f.result, 'ls_' || f.name);
        EXECUTE format('COMMENT ON FUNCTION learnerscore.%I(text, boolean) IS %L', f.name, f.doc);
    END LOOP;
END $$;

CREATE FUNCTION learnerscore.parse_problem(kind text, raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'ls_parse_problem' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.parse_problem(text, text) IS
  'Why parse_<kind>(raw) refuses a value (kind: timestamp, int, real, result, int_or_marker, tg_bot, tz_offset, text), or NULL when it parses (a NULL result from a marker is not a problem). The same reasons the loader writes to load_rejects.';
-- Online-status filter, part 1: the hashtag-change parser and tag-set helpers
-- (C++ in src/core/views/tag_parser.cpp, glue in src/pg/views/tag_fns.cpp). See docs/views.md.

CREATE FUNCTION learnerscore.parse_tag_change(comment text,
        OUT tags_before text[], OUT tags_after text[],
        OUT tags_added text[], OUT tags_removed text[], OUT full_set boolean)
    AS 'MODULE_PATHNAME', 'ls_parse_tag_change'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.parse_tag_change(text) IS
  'Parses a users_logs hashtag-change comment. "Были хештеги: #a #b, стали: #a #c" gives tags_before {#a,#b}, tags_after {#a,#c} '
  '(full_set = true: tags_after is the whole set in force). "Установлен хештег "#x"" / "Удален хештег "#x"" give tags_before NULL '
  '(not stated), tags_after = the tags set, tags_added / tags_removed, full_set = false. Robust to spacing, case, NBSP, commas, '
  'order, duplicates and unknown tags; the format typos #оулайн/#оглайн (and #online, Latin look-alikes) are normalised to '
  '#онлайн, #оффлайн/#offline to #офлайн. Returns NULL for a comment that is not a tag change.';

CREATE FUNCTION learnerscore.normalize_tag(tag text) RETURNS text
    AS 'MODULE_PATHNAME', 'ls_normalize_tag'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.normalize_tag(text) IS
  'Canonical spelling of one tag: learning-format tags and their typos become #онлайн / #офлайн; any other tag is returned unchanged.';

CREATE FUNCTION learnerscore.learning_format(tags text[]) RETURNS text
    AS 'MODULE_PATHNAME', 'ls_learning_format'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.learning_format(text[]) IS
  'online when the tag set holds an online tag (#онлайн or a typo of it) and no offline tag; offline in the opposite case; '
  'NULL when it holds neither or both (unknown / conflicting).';

CREATE FUNCTION learnerscore.has_payment(tags text[]) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ls_has_payment'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.has_payment(text[]) IS
  'True when some tag ends in -оплачен (paid, e.g. #M1-оплачен), case-insensitively (docs/features.md, column payment).';

CREATE FUNCTION learnerscore.tag_modules(tags text[], status text) RETURNS int[]
    AS 'MODULE_PATHNAME', 'ls_tag_modules'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.tag_modules(text[], text) IS
  'Sorted distinct module numbers n with a tag #M<n>-<status> in the set (M Latin or Cyrillic, any case), e.g. status оплачен or завершил.';

CREATE FUNCTION learnerscore.paid_modules(tags text[]) RETURNS int[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN learnerscore.tag_modules(tags, 'оплачен');
COMMENT ON FUNCTION learnerscore.paid_modules(text[]) IS 'Modules marked paid (#M<n>-оплачен) in a tag set.';

CREATE FUNCTION learnerscore.completed_modules(tags text[]) RETURNS int[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN learnerscore.tag_modules(tags, 'завершил');
COMMENT ON FUNCTION learnerscore.completed_modules(text[]) IS 'Modules marked finished (#M<n>-завершил) in a tag set.';

-- The ordered fold "tag set in force after these changes". Its state is a
-- text[] monoid element ("=" first for a known full set, "#x" present,
-- "-#x" removed) so the combine function is exact for consecutive runs.
CREATE FUNCTION learnerscore._tag_fold_step(state text[], comment text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'ls_tag_fold_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._tag_fold_step(text[], text) IS 'Internal: transition function of tag_fold.';
CREATE FUNCTION learnerscore._tag_fold_combine(a text[], b text[]) RETURNS text[]
    AS 'MODULE_PATHNAME', 'ls_tag_fold_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._tag_fold_combine(text[], text[]) IS 'Internal: combine function of tag_fold (a then b).';
CREATE FUNCTION learnerscore._tag_fold_final(state text[]) RETURNS text[]
    AS 'MODULE_PATHNAME', 'ls_tag_fold_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._tag_fold_final(text[]) IS 'Internal: final function of tag_fold.';

CREATE AGGREGATE learnerscore.tag_fold(comment text) (
    SFUNC = learnerscore._tag_fold_step,
    STYPE = text[],
    COMBINEFUNC = learnerscore._tag_fold_combine,
    FINALFUNC = learnerscore._tag_fold_final,
    INITCOND = '{}',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE learnerscore.tag_fold(text) IS
  'The tag set in force after applying hashtag-change comments in order: use with ORDER BY (tag_fold(comment ORDER BY created_at)) '
  'or as a window function. A full-form comment replaces the set, an Установлен/Удален comment adds/removes tags, anything else is '
  'ignored; before the first full-form comment the start set is taken as empty.';
-- Caches of the analyst views that are slow to compute: a table holding the
-- rows of <schema>.<view>_live, read by <schema>.<view> only while it is known
-- to be fresh. Cached: m_user_tags_history (the C++ tag parser over the whole
-- tag log; learning_format_at / is_online look up one learner in it),
-- m_online_students (the online filter every other view starts from) and
-- dataset_h (the 1T scoring specification's big join). See docs/views.md ("The view caches").
--
-- Freshness guarantee. Every base table that <view>_live reads (found from
-- the catalog, so the list follows the definition) carries a statement-level
-- trigger that marks the cache stale in the writing transaction itself, so
-- a snapshot that sees a change also sees "stale" and reads the live query.
-- refresh_analyst_views() takes SHARE locks on those tables (waits for the
-- writers in flight, keeps new ones out, like REFRESH MATERIALIZED VIEW) before
-- it reads them, so what it stores is exactly the committed data at that
-- moment. The triggers run with the writer's rights (no SECURITY DEFINER): a
-- role that writes to a source table needs SELECT and UPDATE on
-- <schema>.analyst_view_cache.

-- The cached views, in refresh order (a later one may read an earlier one:
-- dataset_h_live reads students_v3, which reads m_online_students, which reads
-- m_user_tags_history), with the order their cache is stored and indexed in
-- (order_by: a column list as SQL, used as is in ORDER BY and CREATE INDEX).
CREATE FUNCTION learnerscore._cached_views(OUT view_name text, OUT order_by text, OUT index_name text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT v, o, i FROM (VALUES
        (1, 'm_user_tags_history', 'user_id, from_datetime', 'm_user_tags_history_cache_user_from_idx'),
        (2, 'm_online_students', 'user_id', 'm_online_students_cache_user_idx'),
        (3, 'dataset_h', 'user_id, date_shown', 'dataset_h_cache_user_date_idx')) t(n, v, o, i)
     ORDER BY n
$fn$;
COMMENT ON FUNCTION learnerscore._cached_views() IS
  'Internal: the cached analyst views in refresh order, with the columns their cache is stored and indexed by.';

-- The base tables (relkind r/p) a view reads, directly or through other views.
CREATE FUNCTION learnerscore._view_base_tables(view_oid regclass) RETURNS SETOF regclass
LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    WITH RECURSIVE deps(rel) AS (
        SELECT view_oid::oid
        UNION
        SELECT d.refobjid
          FROM deps
          JOIN pg_rewrite r ON r.ev_class = deps.rel
          JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                          AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> deps.rel
    )
    SELECT c.oid::regclass FROM deps JOIN pg_class c ON c.oid = deps.rel
     WHERE c.relkind IN ('r', 'p')
       -- a view reading a cached view (dataset_h_live reads m_online_students)
       -- reads its cache and state too: they are not sources (the refresh
       -- writes them), the cached view's live query is followed instead
       AND c.relname <> 'analyst_view_cache'
       AND c.relname NOT IN (SELECT v.view_name || '_cache' FROM learnerscore._cached_views() v)
     ORDER BY c.oid
$fn$;
COMMENT ON FUNCTION learnerscore._view_base_tables(regclass) IS
  'Internal: the tables a view reads, directly or through other views (from pg_rewrite/pg_depend), in OID order; the tables of the view caches (analyst_view_cache, <view>_cache) are not counted.';

-- Statement-level trigger on the source tables: marks the cache named by
-- TG_ARGV[0] stale in the writer's transaction.
CREATE FUNCTION learnerscore._mark_view_cache_stale() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    state regclass := to_regclass(format('%I.analyst_view_cache', TG_TABLE_SCHEMA));
    cause text := TG_OP || ' on ' || TG_TABLE_NAME;
    was_fresh boolean;
BEGIN
    IF state IS NULL THEN
        RETURN NULL;   -- the cache was dropped (DROP ... CASCADE took dataset_h with it)
    END IF;
    IF NOT (has_table_privilege(state, 'SELECT') AND has_table_privilege(state, 'UPDATE')) THEN
        RAISE EXCEPTION 'permission denied to mark the cache of %.% stale', quote_ident(TG_TABLE_SCHEMA), TG_ARGV[0]
            USING ERRCODE = '42501',
                  DETAIL = format('Writing to %I.%I changes %I.%s, whose cache state is kept in %s.',
                                  TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_TABLE_SCHEMA, TG_ARGV[0], state),
                  HINT = format('GRANT SELECT, UPDATE ON %s TO %I;', state, current_user);
    END IF;
    IF current_setting('transaction_isolation') = 'read committed' THEN
        -- Each statement sees the latest committed state: a no-op (no row
        -- lock) once stale, so writers do not queue on the state row.
        EXECUTE format('UPDATE %s SET fresh = false, stale_since = now(), stale_cause = $2
                         WHERE view_name = $1 AND fresh', state) USING TG_ARGV[0], cause;
    ELSE
        -- The transaction snapshot may predate a refresh that marked the cache
        -- fresh: locking the row makes that a serialization failure (40001)
        -- instead of a missed mark.
        EXECUTE format('SELECT fresh FROM %s WHERE view_name = $1 FOR SHARE', state) INTO was_fresh USING TG_ARGV[0];
        IF was_fresh THEN
            EXECUTE format('UPDATE %s SET fresh = false, stale_since = now(), stale_cause = $2
                             WHERE view_name = $1', state) USING TG_ARGV[0], cause;
        END IF;
    END IF;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION learnerscore._mark_view_cache_stale() IS
  'Internal: statement-level trigger on the source tables of a cached view (TG_ARGV[0]); marks its cache stale in <schema>.analyst_view_cache within the writing transaction. Runs with the writer''s rights: the writer needs SELECT and UPDATE on that table.';

-- Creates (idempotently) <view>_cache, analyst_view_cache, the triggers and
-- the gated <view>, for a view of _cached_views() whose <view>_live exists.
-- (_invalidate_view_caches marks them stale when a definition changed.)
CREATE FUNCTION learnerscore._create_view_cache(schema_name text, cached_view text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    v record;
    live regclass;
    cache text;
    t regclass;
BEGIN
    SELECT * INTO v FROM learnerscore._cached_views() c WHERE c.view_name = cached_view;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a cached analyst view', cached_view USING ERRCODE = '22023';
    END IF;
    live := format('%s.%I', s, cached_view || '_live')::regclass;
    cache := format('%s.%I', s, cached_view || '_cache');
    EXECUTE format('CREATE TABLE IF NOT EXISTS %s (LIKE %s)', cache, live);
    -- Rows are stored in the index's order, so the index is perfectly
    -- correlated with the heap: ORDER BY on the view becomes an in-order index
    -- scan instead of a sort (see the view below for the figures). Kept across
    -- refreshes: the refresh inserts in index order, so maintaining it is
    -- append-only.
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (%s)', v.index_name, cache, v.order_by);
    EXECUTE format('COMMENT ON TABLE %s IS %L', cache,
        format('Cache of %s_live, written only by learnerscore.refresh_analyst_views(schema) in (%s) order. %s reads it only while analyst_view_cache says fresh; do not modify it by hand.',
               cached_view, v.order_by, cached_view));

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.analyst_view_cache (
        view_name       text PRIMARY KEY,
        fresh           boolean NOT NULL DEFAULT false,
        refreshed_at    timestamptz,
        row_count       bigint,
        refresh_seconds double precision,
        stale_since     timestamptz,
        stale_cause     text)$$, s);
    EXECUTE format('COMMENT ON TABLE %s.analyst_view_cache IS %L', s,
        'State of the cached analyst views (m_user_tags_history, m_online_students, dataset_h): fresh = the cache holds exactly what the live query returns. Set by learnerscore.refresh_analyst_views(schema); cleared, within the writing transaction, by a trigger on every source table (stale_cause: the first write since the refresh). Roles that write to the source tables need SELECT and UPDATE here. No row, or fresh false: the view reads the live query.');
    EXECUTE format('INSERT INTO %s.analyst_view_cache (view_name, fresh, stale_since, stale_cause)
                    VALUES ($1, false, now(), ''created'') ON CONFLICT (view_name) DO NOTHING', s) USING cached_view;

    -- ENABLE ALWAYS: also fires under session_replication_role = replica
    -- (logical replication apply), where a change must invalidate the cache too.
    FOR t IN SELECT * FROM learnerscore._view_base_tables(live) LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER %I
                        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s
                        FOR EACH STATEMENT EXECUTE FUNCTION learnerscore._mark_view_cache_stale(%L)',
                       cached_view || '_cache_stale', t, cached_view);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', t, cached_view || '_cache_stale');
    END LOOP;

    -- Two branches gated by uncorrelated scalar subqueries (InitPlans): the
    -- planner turns them into one-time filters, so the branch not chosen is
    -- never executed. No state row counts as stale (e.g. a dump restored
    -- without the state table's data).
    -- The cache branch has ORDER BY: a UNION ALL branch with a WHERE clause
    -- is planned as a separate subquery that knows nothing of the outer
    -- ORDER BY, so without it `ORDER BY user_id, date_shown` on dataset_h
    -- sorts all rows (external sort at the default work_mem). With it the
    -- branch is an in-order scan of the perfectly correlated index and the
    -- outer ORDER BY a Merge Append. Measured at 2,734 learners (673,781
    -- rows, COPY to /dev/null): ordered 0.70 s instead of 1.07 s; unordered
    -- 0.53 s instead of 0.51 s for a plain sequential scan.
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.%2$I AS
    (SELECT c.* FROM %3$s c
      WHERE (SELECT a.fresh FROM %1$s.analyst_view_cache a WHERE a.view_name = %4$L) IS TRUE
      ORDER BY %5$s)
    UNION ALL
    SELECT l.* FROM %6$s l
     WHERE (SELECT a.fresh FROM %1$s.analyst_view_cache a WHERE a.view_name = %4$L) IS NOT TRUE
    $v$, s, cached_view, cache, cached_view, v.order_by, live);
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_cache(text, text) IS
  'Internal: creates (idempotently) <view>_cache, analyst_view_cache, the staleness triggers on the source tables of <view>_live and the view <view> (cache when fresh, else live), for a view of learnerscore._cached_views().';

-- Locks. Every lock the refresh needs is taken up front, once, in one fixed
-- order, so that no other session can hold one of them while waiting for one
-- the refresh holds (the 40P01 of TRUNCATE-ing m_online_students_cache and
-- then dataset_h_cache while readers of dataset_h lock them the other way round):
--  1. the source tables in SHARE, in OID order (create_learning_schema takes
--     its SHARE ROW EXCLUSIVE locks on them in the same order), each one
--     ANALYZEd first if it never was (SHARE UPDATE EXCLUSIVE);
--  2. all the caches in ACCESS EXCLUSIVE (for TRUNCATE), in one LOCK TABLE,
--     in the order readers lock them: dataset_h_cache, m_online_students_cache,
--     m_user_tags_history_cache (a query on dataset_h rewrites dataset_h
--     first, so it locks dataset_h_cache before it reaches students_v3 and
--     m_online_students_cache, and so on down);
--  3. the state table in ROW EXCLUSIVE (readers' ACCESS SHARE and writers'
--     ROW EXCLUSIVE do not conflict with it).
-- Reading the live queries afterwards takes only ACCESS SHARE locks on views
-- and on the tables already locked.
CREATE FUNCTION learnerscore._lock_analyst_view_caches(schema_name text, views text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    src record;
    caches text;
BEGIN
    -- Source tables never analyzed (just bulk-loaded by other means, before
    -- autovacuum): the live queries' plans need their statistics (2x faster
    -- at 2,734 learners). Only those this role may analyze; others are left
    -- to autovacuum. Table by table in OID order, each ANALYZEd (if needed)
    -- just before its SHARE lock: the two locks conflict with each other's
    -- kind, so the sequence has to be monotonic for two refreshes (or a
    -- refresh and create_learning_schema) never to wait for each other both ways.
    FOR src IN SELECT d.t, c.reltuples < 0 AND pg_has_role(c.relowner, 'USAGE') AS unanalyzed
                 FROM (SELECT DISTINCT t
                         FROM unnest(views) w
                        CROSS JOIN LATERAL learnerscore._view_base_tables(format('%s.%I', s, w || '_live')::regclass) t) d
                 JOIN pg_class c ON c.oid = d.t
                ORDER BY d.t::oid LOOP
        IF src.unanalyzed THEN
            EXECUTE 'ANALYZE ' || src.t::text;
        END IF;
        EXECUTE 'LOCK TABLE ' || src.t::text || ' IN SHARE MODE';
    END LOOP;
    SELECT string_agg(format('%s.%I', s, c.view_name || '_cache'), ', ' ORDER BY c.ord DESC) INTO caches
      FROM learnerscore._cached_views() WITH ORDINALITY c(view_name, order_by, index_name, ord)
     WHERE c.view_name = ANY (views);
    EXECUTE 'LOCK TABLE ' || caches || ' IN ACCESS EXCLUSIVE MODE';
    EXECUTE format('LOCK TABLE %s.analyst_view_cache IN ROW EXCLUSIVE MODE', s);
END
$fn$;
COMMENT ON FUNCTION learnerscore._lock_analyst_view_caches(text, text[]) IS
  'Internal: takes every lock refresh_analyst_views needs, in its fixed order: the source tables of the given cached views in SHARE (in OID order, each ANALYZEd first if never analyzed and this role may), their caches in ACCESS EXCLUSIVE (in the order readers lock them), the state table in ROW EXCLUSIVE.';

-- refresh_analyst_views: the locks (_lock_analyst_view_caches), then each
-- live query into its cache. jit = off: a JIT compilation cannot be
-- interrupted, so statement_timeout or a cancel stopped a refresh only after
-- it (2.3 s for a 1 s timeout, 1.0 s without JIT); the live queries gain
-- nothing from it at this size.
CREATE FUNCTION learnerscore.refresh_analyst_views(schema_name text)
RETURNS TABLE (view_name text, row_count bigint, seconds double precision)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp SET jit = off AS $fn$
DECLARE
    s text;
    v record;
    views text[];
    t0 timestamptz;
    n bigint;
BEGIN
    IF schema_name IS NULL THEN
        RAISE EXCEPTION 'schema name must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = schema_name) THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    -- The cached views this schema has (a schema created by an older version
    -- may have only some of them until create_learning_schema runs again).
    SELECT array_agg(c.view_name ORDER BY ord) INTO views
      FROM learnerscore._cached_views() WITH ORDINALITY c(view_name, order_by, index_name, ord)
     WHERE to_regclass(format('%s.%I', s, c.view_name || '_live')) IS NOT NULL
       AND to_regclass(format('%s.%I', s, c.view_name || '_cache')) IS NOT NULL;
    IF views IS NULL OR to_regclass(s || '.analyst_view_cache') IS NULL THEN
        RAISE EXCEPTION 'schema "%" has no analyst view cache', schema_name USING ERRCODE = '42P01',
              HINT = format('CALL learnerscore.create_learning_schema(%L) creates it.', schema_name);
    END IF;
    -- The lock must come before the snapshot the data is read with; at
    -- REPEATABLE READ or SERIALIZABLE the snapshot was taken by this very
    -- statement, before the lock, and writes committed in between would be lost.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'refresh_analyst_views must run at READ COMMITTED isolation, not %',
              upper(current_setting('transaction_isolation')) USING ERRCODE = '25000',
              HINT = 'Its lock on the source tables must precede the snapshot it reads them with.';
    END IF;

    PERFORM learnerscore._lock_analyst_view_caches(schema_name, views);
    -- In refresh order: a later live query reads the earlier caches, fresh by then.
    FOR v IN SELECT c.* FROM learnerscore._cached_views() c WHERE c.view_name = ANY (views) LOOP
        t0 := clock_timestamp();
        EXECUTE format('TRUNCATE %s.%I', s, v.view_name || '_cache');
        -- Stored in index order, so a sequential scan returns it in that
        -- order and the index is perfectly correlated.
        EXECUTE format('INSERT INTO %1$s.%2$I SELECT * FROM %1$s.%3$I ORDER BY %4$s',
                       s, v.view_name || '_cache', v.view_name || '_live', v.order_by);
        GET DIAGNOSTICS n = ROW_COUNT;
        EXECUTE format('ANALYZE %s.%I', s, v.view_name || '_cache');
        seconds := extract(epoch FROM clock_timestamp() - t0)::float8;
        EXECUTE format('INSERT INTO %s.analyst_view_cache AS a (view_name, fresh, refreshed_at, row_count, refresh_seconds)
                        VALUES ($3, true, clock_timestamp(), $1, $2)
                        ON CONFLICT (view_name) DO UPDATE
                        SET fresh = true, refreshed_at = EXCLUDED.refreshed_at, row_count = EXCLUDED.row_count,
                            refresh_seconds = EXCLUDED.refresh_seconds, stale_since = NULL, stale_cause = NULL', s)
            USING n, seconds, v.view_name;
        view_name := v.view_name;
        row_count := n;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION learnerscore.refresh_analyst_views(text) IS
  'Refreshes the caches of <schema>.m_user_tags_history, m_online_students and dataset_h: SHARE-locks their source tables (waits for writers in flight and blocks new ones while it runs, like REFRESH MATERIALIZED VIEW), then locks all three caches at once, in the order readers lock them (readers of the cached views wait for it; no deadlock with them, loads or create_learning_schema), runs with jit = off (cancellable at once), stores each live query in its index order, ANALYZEs and marks the cache fresh. One row per cached view: row_count and seconds. Run at READ COMMITTED by a role that can lock the source tables (UPDATE, DELETE or TRUNCATE on them) and owns the caches (for ANALYZE). learnerscore load calls it after a successful load (--no-refresh to skip).';

-- Every view definition of a schema that create_learning_schema makes, to
-- tell whether re-creating the views changed anything a cache depends on.
-- Only those: pg_get_viewdef locks what a view reads (ACCESS SHARE), and
-- create_learning_schema has locked only its own relations beforehand (other
-- views of the schema, e.g. the learner features, cannot change a cache).
CREATE FUNCTION learnerscore._view_definitions(schema_name text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT string_agg(c.relname || ': ' || pg_get_viewdef(c.oid), E'\n' ORDER BY c.relname)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = schema_name AND c.relkind = 'v'
       AND c.relname IN (SELECT learnerscore._learning_schema_relations())
$fn$;
COMMENT ON FUNCTION learnerscore._view_definitions(text) IS
  'Internal: the definitions of the views create_learning_schema makes in a schema (learnerscore._learning_schema_relations()), as one text (compared before and after it re-creates them).';

-- A changed definition (a new version of the extension) invalidates every
-- cache: a live query's text may be unchanged while a view it reads changed.
-- So do missing views: DROP EXTENSION ... CASCADE drops the views and the
-- staleness triggers but keeps the tables, and writes made meanwhile were
-- not tracked. (A new schema's caches start stale anyway.)
CREATE FUNCTION learnerscore._invalidate_view_caches(schema_name text, defs_before text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    IF defs_before IS DISTINCT FROM learnerscore._view_definitions(schema_name) THEN
        EXECUTE format('UPDATE %s.analyst_view_cache SET fresh = false, stale_since = now(),
                               stale_cause = ''definition changed'' WHERE fresh', quote_ident(schema_name));
    END IF;
END
$fn$;
COMMENT ON FUNCTION learnerscore._invalidate_view_caches(text, text) IS
  'Internal: marks every cache of the schema stale (stale_cause ''definition changed'') when its view definitions differ from defs_before (learnerscore._view_definitions taken before the views were re-created).';
-- Analyst views of docs/views.md and the online-status filter (docs/loading.md), created
-- per learning schema by create_learning_schema() through
-- learnerscore._create_learning_views(schema). Plain views (CREATE OR REPLACE,
-- idempotent), so they always show the data as loaded — no refresh step to
-- forget. m_user_tags_history, m_online_students and dataset_h have a cache
-- (115_view_cache.sql): their live queries are <view>_live, and the view reads
-- the cache only while no source table has changed since the last refresh,
-- else the live query — a forgotten refresh
-- costs speed, never correctness. Every identifier goes through format('%I').
-- See docs/views.md.
--
-- Values: the clean tables hold NULL where the 1T scoring specification's SQL showed -1
-- ("Пропуск" result, "Нет данных" m2_progress, "Не сдана" m2_attestation);
-- the views show those NULLs unchanged.
--
-- One function per view (_create_view_<name>), each CREATE OR REPLACE VIEW
-- of one view; _create_learning_views at the end of this file runs them
-- bottom up, with the cache steps of 115_view_cache.sql in between.

-- students_v3 filters with this instead of learning_format = 'online': the
-- planner estimates equality on a computed column at 0.5 % of the rows (so a
-- few learners, and plans built for a few), a boolean function at 1/3 — much
-- closer to the real online share. plpgsql so that it is not inlined. Public
-- (no leading underscore): every role that reads students_v3 calls it.
CREATE FUNCTION learnerscore.is_online_format(learning_format text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    RETURN learning_format IS NOT DISTINCT FROM 'online';
END
$fn$;
COMMENT ON FUNCTION learnerscore.is_online_format(text) IS
  'Whether a learning_format value means online (NULL → false); students_v3 filters with it (a boolean function, so the planner estimates the online share sensibly). Executable by every role: the analyst views call it.';

-- m_user_tags_history: per learner, intervals [from_datetime, to_datetime)
-- with the tag set in force. Each users_logs row whose comment parses as a
-- tag change opens an interval; several changes at the same instant
-- collapse into one (the last in load order wins). The first change's
-- stated before-set gives an opening interval (from_datetime NULL);
-- learners of `users` with no tag change get one row with tag NULL.
-- This is m_user_tags_history_live; m_user_tags_history (created by
-- _create_view_cache in _create_learning_views) shows the cache of it when fresh, else it.
CREATE FUNCTION learnerscore._create_view_m_user_tags_history_live(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.m_user_tags_history_live AS
    WITH changes AS (
        SELECT l.user_id, l.created_at, l.comment, p.tags_before,
               row_number() OVER w AS n,
               learnerscore.tag_fold(l.comment) OVER w AS tags
          FROM %1$s.users_logs l
          CROSS JOIN LATERAL learnerscore.parse_tag_change(l.comment) p
         WHERE p.full_set IS NOT NULL
        WINDOW w AS (PARTITION BY l.user_id ORDER BY l.created_at, l.ctid ROWS UNBOUNDED PRECEDING)
    ), per_instant AS (
        SELECT DISTINCT ON (user_id, created_at) user_id, created_at, comment, tags
          FROM changes
         ORDER BY user_id, created_at, n DESC
    ), opened AS (
        SELECT user_id, created_at AS from_datetime,
               lead(created_at) OVER u AS to_datetime,
               lag(tags) OVER u AS prev_tags,
               tags, comment
          FROM per_instant
        WINDOW u AS (PARTITION BY user_id ORDER BY created_at)
    ), firsts AS (
        SELECT user_id, created_at, tags_before FROM changes WHERE n = 1
    )
    SELECT o.user_id, o.from_datetime, o.to_datetime,
           array_to_string(coalesce(o.prev_tags, f.tags_before), ' ') AS last_tag,
           array_to_string(o.tags, ' ') AS tag,
           true AS from_users_logs, o.comment,
           o.tags, learnerscore.learning_format(o.tags) AS learning_format
      FROM opened o
      JOIN firsts f USING (user_id)
    UNION ALL
    SELECT f.user_id, NULL::timestamp, f.created_at, NULL::text,
           array_to_string(f.tags_before, ' '), false, NULL::text,
           f.tags_before, learnerscore.learning_format(f.tags_before)
      FROM firsts f
     WHERE f.tags_before IS NOT NULL
    UNION ALL
    SELECT u.user_id, NULL::timestamp, NULL::timestamp, NULL::text, NULL::text, false, NULL::text,
           NULL::text[], NULL::text
      FROM %1$s.users u
     WHERE NOT EXISTS (SELECT 1 FROM firsts f WHERE f.user_id = u.user_id)
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_m_user_tags_history_live(text) IS
  'Internal: creates (CREATE OR REPLACE) the view m_user_tags_history_live in the given learning schema; one step of learnerscore._create_learning_views.';

-- m_online_students: every learner of `users` with the learning format in
-- force at the course's reference date (the course start: the earliest
-- date_shown of the course's schedule). When the log says nothing about
-- that instant, the earliest format stated after it, else the latest
-- before it; for a course with no schedule, the latest stated format.
-- This is m_online_students_live; m_online_students (created by
-- _create_view_cache in _create_learning_views) shows the cache of it when fresh, else it.
CREATE FUNCTION learnerscore._create_view_m_online_students_live(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.m_online_students_live AS
    WITH course_ref AS (
        SELECT course_id, min(date_shown) AS reference_date
          FROM %1$s.schedule GROUP BY course_id
    ), pick AS (
        SELECT DISTINCT ON (h.user_id) h.user_id, h.learning_format
          FROM %1$s.m_user_tags_history h
          JOIN %1$s.users u ON u.user_id = h.user_id
          LEFT JOIN course_ref r ON r.course_id = u.course_id
         WHERE h.learning_format IS NOT NULL
         ORDER BY h.user_id,
                  CASE WHEN r.reference_date IS NULL THEN 0
                       WHEN (h.from_datetime IS NULL OR h.from_datetime <= r.reference_date)
                        AND (h.to_datetime IS NULL OR r.reference_date < h.to_datetime) THEN 0
                       WHEN h.from_datetime > r.reference_date THEN 1
                       ELSE 2 END,
                  CASE WHEN h.from_datetime > r.reference_date THEN h.from_datetime END ASC,
                  h.from_datetime DESC NULLS LAST
    )
    SELECT u.unti_id, u.user_id, u.course_id, u.flow_num, u.tg_bot, u.m2_progress, u.m2_attestation,
           u.m2_attestation_date, p.learning_format, r.reference_date
      FROM %1$s.users u
      LEFT JOIN pick p ON p.user_id = u.user_id
      LEFT JOIN course_ref r ON r.course_id = u.course_id
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_m_online_students_live(text) IS
  'Internal: creates (CREATE OR REPLACE) the view m_online_students_live in the given learning schema; one step of learnerscore._create_learning_views.';

CREATE FUNCTION learnerscore._create_view_students_v3(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.students_v3 AS
    SELECT unti_id, user_id, course_id, flow_num, tg_bot, m2_progress, m2_attestation, m2_attestation_date
      FROM %1$s.m_online_students
     WHERE learnerscore.is_online_format(learning_format)
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_students_v3(text) IS
  'Internal: creates (CREATE OR REPLACE) the view students_v3 in the given learning schema; one step of learnerscore._create_learning_views.';

-- dataset_h: online learner × schedule row of the learner's course ×
-- matching views × results (the specification's shape: every view of a row is
-- paired with every result). Lessons (занятие) match views of lesson pages
-- (page_id = task_id), activities (активность) views of activity pages
-- (page_id = activity_id). Built per learner (LATERAL): one index range
-- scan of the learner's views and results, joined in memory with the
-- course's schedule, so the plan stays linear whatever the planner thinks
-- of the online filter's size and never needs work_mem-sized hash tables
-- or sorts. No ORDER BY: add ORDER BY user_id, date_shown when needed.
-- This is dataset_h_live; dataset_h (created by _create_view_cache
-- in _create_learning_views) shows the cache of it when fresh, else it.
CREATE FUNCTION learnerscore._create_view_dataset_h_live(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.dataset_h_live AS
    WITH course_rows AS MATERIALIZED (   -- schedule rows with their required flag, read once
        SELECT sc.course_id, sc.type, sc.activity_type, sc.task_id, sc.activity_id, sc.date_shown,
               sc.is_attestation, ag.obyaz_priznak
          FROM %1$s.schedule sc
          LEFT JOIN %1$s.activities_guide ag ON ag.activity_id = sc.activity_id
    )
    SELECT st.user_id, x.course_id, x.type, x.activity_type, x.task_id, x.activity_id, x.date_shown,
           x.is_attestation, x.created_at, x.module, x.attestation, x.result_time, x.result, x.success,
           x.obyaz_priznak, st.tg_bot, st.m2_progress, st.m2_attestation_date, st.m2_attestation,
           ua.age, ua.time_zone
      FROM (SELECT * FROM %1$s.students_v3 ORDER BY user_id) st   -- learner order: ORDER BY user_id, date_shown
      LEFT JOIN %1$s.users_age_timezone ua ON ua.user_id = st.user_id   -- then only sorts within a learner
     CROSS JOIN LATERAL (
        SELECT sc.course_id, sc.type, sc.activity_type, sc.task_id, sc.activity_id, sc.date_shown, sc.is_attestation,
               v.created_at, v.module, v.attestation, r.created_at AS result_time, r.result, r.success,
               sc.obyaz_priznak
          FROM course_rows sc
          LEFT JOIN (SELECT * FROM %1$s.activity_history_viewed v0 WHERE v0.user_id = st.user_id) v
                 ON v.page_type = sc.type
                AND v.page_id = CASE sc.type WHEN 'занятие' THEN sc.task_id ELSE sc.activity_id END
          LEFT JOIN (SELECT * FROM %1$s.exercise_results r0 WHERE r0.user_id = st.user_id) r
                 ON r.activity_id = sc.activity_id
         WHERE sc.course_id = st.course_id
        OFFSET 0) x   -- keeps the per-learner plan (no pull-up into one big join)
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_dataset_h_live(text) IS
  'Internal: creates (CREATE OR REPLACE) the view dataset_h_live in the given learning schema; one step of learnerscore._create_learning_views.';

-- dataset_v: every event of the online learners, one per row. Per
-- learner (LATERAL): one index range scan per event table.
CREATE FUNCTION learnerscore._create_view_dataset_v(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.dataset_v AS
    SELECT st.user_id, st.course_id, e.time, e.event, e.type,
           coalesce(e.activity_type, ag.activity_type) AS activity_type,
           coalesce(e.task_id, ag.task_id) AS task_id, e.activity_id,
           e.result, e.success, e.m2_progress, e.m2_attestation, ua.age, ua.time_zone
      FROM %1$s.students_v3 st
      LEFT JOIN %1$s.users_age_timezone ua ON ua.user_id = st.user_id
     CROSS JOIN LATERAL (
        SELECT a.created_at AS time, 'authorization'::text AS event, NULL::text AS type,
               NULL::text AS activity_type, NULL::int AS task_id, NULL::int AS activity_id,
               NULL::int AS result, NULL::int AS success, NULL::int AS m2_progress, NULL::int AS m2_attestation
          FROM %1$s."authorization" a WHERE a.user_id = st.user_id
        UNION ALL
        SELECT l.created_at, coalesce(l.event, 'users_logs'), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
          FROM %1$s.users_logs l WHERE l.user_id = st.user_id
        UNION ALL
        SELECT st.m2_attestation_date, 'attestation', NULL, NULL, NULL, NULL, NULL, NULL, st.m2_progress, st.m2_attestation
         WHERE st.m2_attestation_date IS NOT NULL
        UNION ALL
        SELECT v.created_at, 'history', v.page_type, v.activity_type,
               CASE WHEN v.page_type = 'занятие' THEN v.page_id END,
               CASE WHEN v.page_type = 'занятие' THEN NULL ELSE v.page_id END,
               NULL, NULL, NULL, NULL
          FROM %1$s.activity_history_viewed v WHERE v.user_id = st.user_id
        UNION ALL
        SELECT r.created_at, 'results', 'активность', NULL, NULL, r.activity_id, r.result, r.success, NULL, NULL
          FROM %1$s.exercise_results r WHERE r.user_id = st.user_id
        UNION ALL
        SELECT w.datetime, w.event_name, 'Вебинар', NULL, NULL, w.webinar_id, NULL, NULL, NULL, NULL
          FROM %1$s.webinars_logs w WHERE w.user_id = st.user_id
     ) e
      LEFT JOIN %1$s.activities_guide ag
             ON e.type = 'активность' AND e.event IN ('history', 'results') AND ag.activity_id = e.activity_id
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_dataset_v(text) IS
  'Internal: creates (CREATE OR REPLACE) the view dataset_v in the given learning schema; one step of learnerscore._create_learning_views.';

-- m_course_params: one row per course of the schedule (or of the guide).
CREATE FUNCTION learnerscore._create_view_m_course_params(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.m_course_params AS
    WITH sched AS (
        SELECT course_id,
               min(date_shown) AS min_date_shown,
               max(date_shown) AS max_date_shown,
               count(DISTINCT task_id) AS num_tasks,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность') AS num_activity,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND is_attestation = 1) AS num_attestation_activity,
               string_agg(DISTINCT activity_type, ', ' ORDER BY activity_type)
                   FILTER (WHERE type = 'активность' AND is_attestation = 1) AS attestation_activity_types,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND lower(activity_type) = 'question') AS num_questions,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND lower(activity_type) = 'exercise') AS num_exercise,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND lower(activity_type) = 'interactive') AS num_interactive,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND lower(activity_type) = 'codeexercise') AS num_codeexercise,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND lower(activity_type) = 'slide') AS num_slide,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND coalesce(btrim(activity_type), '') = '') AS num_empty_activity
          FROM %1$s.schedule
         GROUP BY course_id
    ), names AS (
        SELECT course_id, min(course) AS name FROM %1$s.activities_guide WHERE course_id IS NOT NULL GROUP BY course_id
    ), web AS (
        -- Distinct (course, webinar) pairs first: a hash aggregate over few
        -- pairs, instead of count(DISTINCT) sorting every log row (3x faster).
        SELECT course_id, count(webinar_id) AS num_webinar
          FROM (SELECT DISTINCT u.course_id, w.webinar_id
                  FROM %1$s.webinars_logs w JOIN %1$s.users u ON u.user_id = w.user_id) d
         GROUP BY course_id
    )
    SELECT coalesce(s.course_id, n.course_id) AS course_id, n.name, s.min_date_shown, s.max_date_shown,
           coalesce(s.num_tasks, 0) AS num_tasks, coalesce(s.num_activity, 0) AS num_activity,
           coalesce(s.num_attestation_activity, 0) AS num_attestation_activity, s.attestation_activity_types,
           coalesce(w.num_webinar, 0) AS num_webinar, coalesce(s.num_questions, 0) AS num_questions,
           coalesce(s.num_exercise, 0) AS num_exercise, coalesce(s.num_interactive, 0) AS num_interactive,
           coalesce(s.num_codeexercise, 0) AS num_codeexercise, coalesce(s.num_slide, 0) AS num_slide,
           coalesce(s.num_empty_activity, 0) AS num_empty_activity
      FROM sched s
      FULL JOIN names n ON n.course_id = s.course_id
      LEFT JOIN web w ON w.course_id = coalesce(s.course_id, n.course_id)
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_m_course_params(text) IS
  'Internal: creates (CREATE OR REPLACE) the view m_course_params in the given learning schema; one step of learnerscore._create_learning_views.';

-- m_online_users_exercise: online learner × task (with activities) of the
-- learner's course, with the learner's results on them (read per learner
-- through the (user_id, activity_id) index).
CREATE FUNCTION learnerscore._create_view_m_online_users_exercise(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.m_online_users_exercise AS
    WITH task_acts AS MATERIALIZED (
        SELECT sc.course_id, sc.task_id, sc.activity_id, min(sc.date_shown) AS date_shown,
               max(sc.is_attestation) AS is_attestation, min(ag.module) AS module
          FROM %1$s.schedule sc
          LEFT JOIN %1$s.activities_guide ag ON ag.activity_id = sc.activity_id
         WHERE sc.type = 'активность' AND sc.activity_id IS NOT NULL
         GROUP BY sc.course_id, sc.task_id, sc.activity_id
    ), tasks AS MATERIALIZED (
        SELECT course_id, task_id, min(module) AS m, min(date_shown) AS activity_datetime_shown,
               count(*) AS num_activities_all, max(is_attestation) AS is_attestation
          FROM task_acts GROUP BY course_id, task_id
    )
    SELECT st.user_id, st.course_id, x.task_id, x.m, x.activity_datetime_shown, x.result_datetime_upd,
           x.success, x.num_success, x.num_activities_all, x.max_num_repeat, x.is_attestation,
           st.m2_progress, st.m2_attestation, st.m2_attestation_date
      FROM %1$s.students_v3 st
     CROSS JOIN LATERAL (
        SELECT t.task_id, t.m, t.activity_datetime_shown, pt.result_datetime_upd, pt.success,
               coalesce(pt.num_success, 0) AS num_success, t.num_activities_all,
               coalesce(pt.max_num_repeat, 0) AS max_num_repeat, t.is_attestation
          FROM tasks t
          LEFT JOIN (   -- this learner's results, per task
                SELECT ta.task_id, max(pa.last_result) AS result_datetime_upd, max(pa.success) AS success,
                       count(*) FILTER (WHERE pa.success = 1) AS num_success, max(pa.attempts) AS max_num_repeat
                  FROM (SELECT r.activity_id, count(*) AS attempts, max(r.success) AS success,
                               max(r.created_at) AS last_result
                          FROM %1$s.exercise_results r
                         WHERE r.user_id = st.user_id
                         GROUP BY r.activity_id) pa
                  JOIN task_acts ta ON ta.activity_id = pa.activity_id AND ta.course_id = st.course_id
                 GROUP BY ta.task_id) pt ON pt.task_id = t.task_id
         WHERE t.course_id = st.course_id
        OFFSET 0) x
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_m_online_users_exercise(text) IS
  'Internal: creates (CREATE OR REPLACE) the view m_online_users_exercise in the given learning schema; one step of learnerscore._create_learning_views.';

-- m_date_interval: the calendar of the cohort, from the first day any
-- schedule row opens to the last day of the schedule or of an attestation.
CREATE FUNCTION learnerscore._create_view_m_date_interval(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.m_date_interval AS
    WITH b AS (
        SELECT min(date_shown)::date AS first_day,
               greatest(max(date_shown)::date, (SELECT max(m2_attestation_date)::date FROM %1$s.users)) AS last_day
          FROM %1$s.schedule
    )
    SELECT (d::date - b.first_day) + 1 AS day_num, d::date AS date_column
      FROM b, generate_series(b.first_day::timestamp, b.last_day::timestamp, interval '1 day') d
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_m_date_interval(text) IS
  'Internal: creates (CREATE OR REPLACE) the view m_date_interval in the given learning schema; one step of learnerscore._create_learning_views.';

-- m_exercise_lag_time_series: online learner × day of m_date_interval;
-- sum_lag = Σ over result-bearing activities of the course (exercise,
-- CodeExercise, question, interactive) opened by the end of the day and not
-- yet passed (success = 1) by then, of (end of day − date_shown) in days.
-- Computed as running sums: opened(course) − passed(learner), each as a
-- count and a sum of opening times (days since the first day), so it is
-- linear in learners × days; the learner's passes are read per learner.
CREATE FUNCTION learnerscore._create_view_m_exercise_lag_time_series(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.m_exercise_lag_time_series AS
    WITH b AS MATERIALIZED (
        SELECT min(date_shown)::date AS first_day FROM %1$s.schedule
    ), days AS MATERIALIZED (
        SELECT day_num, date_column FROM %1$s.m_date_interval
    ), acts AS MATERIALIZED (
        SELECT course_id, activity_id, min(date_shown) AS shown,
               date_part('epoch', min(date_shown) - (SELECT first_day FROM b)::timestamp) / 86400.0 AS t
          FROM %1$s.schedule
         WHERE type = 'активность' AND activity_id IS NOT NULL AND date_shown IS NOT NULL
           AND lower(activity_type) IN ('exercise', 'codeexercise', 'question', 'interactive')
         GROUP BY course_id, activity_id
    ), opened AS MATERIALIZED (   -- per course and day: activities opening that day
        SELECT a.course_id, (a.shown::date - b.first_day) + 1 AS day_num, count(*) AS n, sum(a.t) AS t
          FROM acts a, b GROUP BY 1, 2
    )
    SELECT st.user_id, st.course_id, x.day_num, x.date_column, x.sum_lag,
           st.m2_progress, st.m2_attestation, st.m2_attestation_date
      FROM %1$s.students_v3 st
     CROSS JOIN LATERAL (
        SELECT d.day_num, d.date_column,
               sum(coalesce(o.n, 0) - coalesce(p.n, 0)) OVER w * d.day_num
             - sum(coalesce(o.t, 0) - coalesce(p.t, 0)) OVER w AS sum_lag
          FROM days d
          LEFT JOIN opened o ON o.course_id = st.course_id AND o.day_num = d.day_num
          LEFT JOIN (   -- this learner's passes, by the day the activity leaves the lag
                SELECT (q.leaves::date - b.first_day) + 1 AS day_num, count(*) AS n, sum(q.t) AS t
                  FROM (SELECT a.t, greatest(a.shown, min(r.created_at)) AS leaves
                          FROM %1$s.exercise_results r
                          JOIN acts a ON a.activity_id = r.activity_id AND a.course_id = st.course_id
                         WHERE r.user_id = st.user_id AND r.success = 1
                         GROUP BY a.activity_id, a.shown, a.t) q, b
                 GROUP BY 1) p ON p.day_num = d.day_num
        WINDOW w AS (ORDER BY d.day_num)
     ) x
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_m_exercise_lag_time_series(text) IS
  'Internal: creates (CREATE OR REPLACE) the view m_exercise_lag_time_series in the given learning schema; one step of learnerscore._create_learning_views.';

-- The COMMENTs of the analyst views and of their columns (a cached view's
-- column comments also go on its <view>_live and <view>_cache).
CREATE FUNCTION learnerscore._comment_learning_views(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    c record;
BEGIN
    FOR c IN SELECT * FROM (VALUES
        ('m_user_tags_history', 'Per learner, intervals [from_datetime, to_datetime) with the hashtag set in force, from users_logs comments parsed by learnerscore.parse_tag_change. from_datetime NULL = since the beginning, to_datetime NULL = still in force. Never stale: the rows of m_user_tags_history_cache while analyst_view_cache says fresh (cleared by any write to users or users_logs), else the live query m_user_tags_history_live.'),
        ('m_user_tags_history_live', 'The live query behind m_user_tags_history, always computed from the clean tables (same columns and rows). m_user_tags_history reads it whenever its cache is stale.'),
        ('m_online_students', 'Every learner of users with learning_format (online / offline / NULL unknown) at reference_date = the course start (earliest date_shown of the course); if the tag log says nothing about that instant, the earliest format stated later, else the latest stated earlier. Never stale: the rows of m_online_students_cache while analyst_view_cache says fresh (set by learnerscore.refresh_analyst_views, which learnerscore load calls; cleared by any write to users, users_logs or schedule), else the live query m_online_students_live.'),
        ('m_online_students_live', 'The live query behind m_online_students, always computed from the clean tables (same columns and rows). m_online_students reads it whenever its cache is stale.'),
        ('students_v3', 'The learners the customer analyses: rows of m_online_students whose learning_format is online (columns of users).'),
        ('dataset_h', 'Online learner × schedule row of the learner''s course × matching page views × results, horizontally (the 1T scoring specification dataset_h_v3). Skipped results (Пропуск), m2_progress "Нет данных" and m2_attestation "Не сдана" are NULL (the specification''s SQL showed -1). Never stale: the rows of dataset_h_cache while analyst_view_cache says fresh (set by learnerscore.refresh_analyst_views, which learnerscore load calls; cleared by any write to a source table), else the live query dataset_h_live. No ORDER BY: add ORDER BY user_id, date_shown for the specification''s order (an index scan on the cache).'),
        ('dataset_h_live', 'The live query behind dataset_h, always computed from the clean tables (same columns and rows as dataset_h). dataset_h reads it whenever its cache is stale.'),
        ('dataset_v', 'All events of the online learners vertically: authorization, users_logs events, attestation, history (page views), results, webinar events. Columns that do not apply to an event are NULL (the 1T scoring specification''s SQL used 0 / empty strings).'),
        ('m_course_params', 'One row per course: name, schedule span, counts of tasks and activities by kind, attestation activities and their types, and webinars attended by the course''s learners.'),
        ('m_online_users_exercise', 'Online learner × task (with activities) of the learner''s course: when the task opened, the learner''s latest result, successes, attempts, and the module-2 outcome.'),
        ('m_exercise_lag_time_series', 'Online learner × day of m_date_interval: sum_lag, the accumulated lag in days of the result-bearing activities opened and not yet passed.'),
        ('m_date_interval', 'The cohort calendar: one row per day from the first schedule day to the last schedule or attestation day; day_num 1 is the first day.')
    ) v(name, txt) LOOP
        EXECUTE format('COMMENT ON VIEW %s.%I IS %L', s, c.name, c.txt);
    END LOOP;

    FOR c IN SELECT * FROM (VALUES
        ('m_user_tags_history', 'last_tag', 'Tag set in force before this interval, space separated (for the opening interval of a learner: NULL).'),
        ('m_user_tags_history', 'tag', 'Tag set in force during the interval, space separated (format typos normalised to #онлайн / #офлайн).'),
        ('m_user_tags_history', 'from_users_logs', 'true when a users_logs tag change opened this interval; false for the opening interval inferred from the first change''s before-set and for learners without any tag change (tag NULL).'),
        ('m_user_tags_history', 'comment', 'The users_logs comment that opened the interval (NULL when from_users_logs is false).'),
        ('m_user_tags_history', 'tags', 'The tag set as an array.'),
        ('m_user_tags_history', 'learning_format', 'learnerscore.learning_format(tags): online, offline or NULL (neither or both).'),
        ('m_online_students', 'learning_format', 'online / offline at reference_date (see the view comment); NULL when the tag log never states a format.'),
        ('m_online_students', 'reference_date', 'The course start: earliest date_shown of the learner''s course (NULL when the course has no schedule).'),
        ('dataset_h', 'created_at', 'Time of a view of the row''s page (lesson page for занятие, activity page for активность); NULL when never viewed.'),
        ('dataset_h', 'result_time', 'Time of a result (attempt) on the activity; NULL when never attempted.'),
        ('dataset_h', 'result', 'Score of that attempt; NULL for a skipped attempt (Пропуск, the specification''s SQL showed -1) or no attempt.'),
        ('dataset_h', 'obyaz_priznak', 'Required flag of the activity (activities_guide.obyaz_priznak).'),
        ('dataset_h', 'm2_progress', 'Final module-2 progress; NULL for "Нет данных" (the specification''s SQL showed -1).'),
        ('dataset_h', 'm2_attestation', 'Module-2 attestation score; NULL for "Не сдана" (the specification''s SQL showed -1).'),
        ('dataset_v', 'event', 'authorization, the users_logs event name, attestation, history (page view), results, or the webinar event name.'),
        ('dataset_v', 'task_id', 'Lesson of a lesson view, task of an activity view or result (from activities_guide).'),
        ('dataset_v', 'activity_id', 'Activity of a view or result; the webinar_id for webinar events.'),
        ('m_course_params', 'name', 'Course name from activities_guide.course.'),
        ('m_course_params', 'num_tasks', 'Distinct task_id in the course''s schedule.'),
        ('m_course_params', 'num_activity', 'Distinct activities (type активность) in the schedule.'),
        ('m_course_params', 'attestation_activity_types', 'Distinct activity types of the attestation activities, comma separated.'),
        ('m_course_params', 'num_webinar', 'Distinct webinars attended by learners of the course (webinars_logs, the 1T scoring specification''s num_webinar_v2).'),
        ('m_course_params', 'num_empty_activity', 'Activities with an empty activity_type.'),
        ('m_online_users_exercise', 'm', 'Module of the task (activities_guide.module).'),
        ('m_online_users_exercise', 'activity_datetime_shown', 'When the task''s first activity opens (earliest date_shown).'),
        ('m_online_users_exercise', 'result_datetime_upd', 'The learner''s latest result on the task''s activities.'),
        ('m_online_users_exercise', 'success', '1 when some activity of the task was passed, 0 when attempted but none passed, NULL when never attempted.'),
        ('m_online_users_exercise', 'num_success', 'Distinct activities of the task passed (success = 1).'),
        ('m_online_users_exercise', 'num_activities_all', 'Activities of the task in the schedule.'),
        ('m_online_users_exercise', 'max_num_repeat', 'Most attempts on a single activity of the task.'),
        ('m_exercise_lag_time_series', 'sum_lag', 'Σ (end of date_column − date_shown) in days over exercise/CodeExercise/question/interactive activities of the course opened by then and not yet passed (success = 1) by then.'),
        ('m_date_interval', 'day_num', 'Day number, 1 = the first schedule day.')
    ) v(view_name, col, txt) LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I.%I IS %L', s, c.view_name, c.col, c.txt);
        IF c.view_name IN (SELECT v.view_name FROM learnerscore._cached_views() v) THEN   -- same columns in the live view and the cache
            EXECUTE format('COMMENT ON COLUMN %s.%I.%I IS %L', s, c.view_name || '_live', c.col, c.txt);
            EXECUTE format('COMMENT ON COLUMN %s.%I.%I IS %L', s, c.view_name || '_cache', c.col, c.txt);
        END IF;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION learnerscore._comment_learning_views(text) IS
  'Internal: sets the COMMENTs of the analyst views of the given learning schema and of their columns (also on the live views and caches of the cached ones); one step of learnerscore._create_learning_views.';

-- Bottom up: a view after those it reads; a cached view (its cache, state,
-- staleness triggers and gated view, _create_view_cache) right after its
-- live query, before the views that read it. Then the comments, and the
-- caches are marked stale when a definition changed.
CREATE FUNCTION learnerscore._create_learning_views(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    -- Every view definition of the schema, to tell whether re-creating them
    -- changed what a cached view computes (its live query or one it reads).
    defs_before text := learnerscore._view_definitions(schema_name);
BEGIN
    PERFORM learnerscore._create_view_m_user_tags_history_live(schema_name);
    -- learning_format_at / is_online read one learner of it: an index lookup in the cache.
    PERFORM learnerscore._create_view_cache(schema_name, 'm_user_tags_history');
    PERFORM learnerscore._create_view_m_online_students_live(schema_name);
    -- Every view reading the online filter reads this cache when it is fresh.
    PERFORM learnerscore._create_view_cache(schema_name, 'm_online_students');
    PERFORM learnerscore._create_view_students_v3(schema_name);
    PERFORM learnerscore._create_view_dataset_h_live(schema_name);
    PERFORM learnerscore._create_view_cache(schema_name, 'dataset_h');
    PERFORM learnerscore._create_view_dataset_v(schema_name);
    PERFORM learnerscore._create_view_m_course_params(schema_name);
    PERFORM learnerscore._create_view_m_online_users_exercise(schema_name);
    PERFORM learnerscore._create_view_m_date_interval(schema_name);
    PERFORM learnerscore._create_view_m_exercise_lag_time_series(schema_name);
    PERFORM learnerscore._comment_learning_views(schema_name);
    PERFORM learnerscore._invalidate_view_caches(schema_name, defs_before);
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_learning_views(text) IS
  'Internal: creates (CREATE OR REPLACE, idempotent) the analyst views and the online-status filter views in the given schema.';

-- "Was this learner online at time t?" over m_user_tags_history of a schema.
CREATE FUNCTION learnerscore.learning_format_at(schema_name text, user_id int, at timestamp) RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    fmt text;
BEGIN
    EXECUTE format('SELECT learning_format FROM %I.m_user_tags_history
                     WHERE user_id = $1 AND (from_datetime IS NULL OR from_datetime <= $2)
                       AND (to_datetime IS NULL OR $2 < to_datetime)', schema_name)
       INTO fmt USING user_id, at;
    RETURN fmt;
END
$fn$;
COMMENT ON FUNCTION learnerscore.learning_format_at(text, int, timestamp) IS
  'Learning format (online / offline / NULL unknown) of a learner at time t: the tag set in force at t in <schema>.m_user_tags_history.';

CREATE FUNCTION learnerscore.is_online(schema_name text, user_id int, at timestamp) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL RESTRICTED
RETURN learnerscore.learning_format_at(schema_name, user_id, at) = 'online';
COMMENT ON FUNCTION learnerscore.is_online(text, int, timestamp) IS
  'Whether a learner was online at time t (true / false; NULL when the tag log does not tell).';
-- create_learning_schema: the tables (100_learning_schema.sql) and the analyst
-- views (120_learning_views.sql) of a learning schema, re-created only when the
-- fingerprints recorded in <schema>.learning_schema_ddl say something changed.
-- After the fragments it calls.

CREATE PROCEDURE learnerscore.create_learning_schema(schema_name text)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $$
DECLARE
    s text;
    state regclass;
    fp record;
    done boolean;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    s := quote_ident(schema_name);
    -- Nothing changed since the last run (the loader runs this before every
    -- load): no DDL at all, so no lock that readers, loads or refreshes wait for.
    -- Checked twice: the second time after waiting for a concurrent run.
    FOR attempt IN 1 .. 2 LOOP
        state := to_regclass(s || '.learning_schema_ddl');
        IF state IS NOT NULL AND has_table_privilege(state, 'SELECT') THEN
            fp := learnerscore._learning_schema_fingerprint(schema_name);
            EXECUTE format('SELECT code_fingerprint = $1 AND catalog_fingerprint = $2 FROM %s WHERE part = ''learning_schema''', state)
               INTO done USING fp.code, fp.catalog;
            IF done THEN
                RETURN;
            END IF;
        END IF;
        IF attempt = 1 THEN
            -- One re-creation of a schema at a time (two would collide creating
            -- the same relations); taken before any relation lock.
            PERFORM pg_advisory_xact_lock(hashtext('learnerscore.create_learning_schema'), hashtext(schema_name));
        END IF;
    END LOOP;
    PERFORM learnerscore._lock_learning_schema(schema_name);
    PERFORM learnerscore._create_learning_tables(schema_name);
    PERFORM learnerscore._create_learning_views(schema_name);

    EXECUTE format($t$CREATE TABLE IF NOT EXISTS %s.learning_schema_ddl (
        part                text PRIMARY KEY,
        code_fingerprint    text NOT NULL,
        catalog_fingerprint text NOT NULL,
        created_at          timestamptz NOT NULL DEFAULT now())$t$, s);
    EXECUTE format('COMMENT ON TABLE %s.learning_schema_ddl IS %L', s,
        'One row per part of the schema that learnerscore creates (learning_schema: by create_learning_schema; features: the learner-feature tables and views of refresh_learner_daily), written after it was (re)created: fingerprints of the extension''s routines and of those relations'' catalog entries. While both are unchanged, the next run does no DDL (create_learning_schema runs before every learnerscore load). Deleting a row makes the next run re-create that part.');
    fp := learnerscore._learning_schema_fingerprint(schema_name);
    EXECUTE format('INSERT INTO %s.learning_schema_ddl AS d (part, code_fingerprint, catalog_fingerprint)
                    VALUES (''learning_schema'', $1, $2)
                    ON CONFLICT (part) DO UPDATE
                    SET code_fingerprint = EXCLUDED.code_fingerprint, catalog_fingerprint = EXCLUDED.catalog_fingerprint,
                        created_at = EXCLUDED.created_at', s) USING fp.code, fp.catalog;
END
$$;
COMMENT ON PROCEDURE learnerscore.create_learning_schema(text) IS
  'Creates (idempotently) the nine clean tables of the 1T data model, load_rejects, load_log and the analyst views in the given schema. A no-op without any lock on the schema''s relations when neither the extension nor the schema changed since its last run (fingerprints in <schema>.learning_schema_ddl); otherwise it first locks the relations it re-creates, all at once or none (NOWAIT, retried), so it never deadlocks with readers, loads or refreshes.';
-- Learner daily time series (docs/features.md): the C++ feature engine as
-- set-returning functions, the activity status, a refresh procedure that
-- materializes <schema>.learner_daily / learner_activity incrementally, the
-- status and critical-point views, and the weekly leak-free feature sets.
-- Definitions of every column: docs/features.md.

CREATE FUNCTION learnerscore.learner_daily(
    schema text, from_date date, to_date date, step interval DEFAULT '1 day')
RETURNS TABLE (
    user_id int, payment int, time_zone float8, age int, unti_id int, course_id int, flow_num float8,
    tg_bot int, m2_progress int, m2_attestation int, module int, m2_delay float8, sum_auth int,
    sum_schedule_activities int, sum_required_activity int, sum_attestation_activity int,
    view_delay_first float8, view_delay_sum float8, sum_activity_viewed int,
    sum_required_activity_viewed int, sum_attestation_activity_viewed int, w_view_hours float8,
    sum_exercise int, sum_required_exercises int, sum_attestation_exercises int,
    exercise_delay_first float8, exercise_delay_sum float8, result_delay_mean float8,
    result_delay_sum float8, sum_exercise_attempts_mean float8, mean_required_result float8,
    mean_non_req_result float8, mean_attestation_result float8, sum_result bigint, conn int,
    online_rate float8, mean_result float8, progress float8, cur_date date)
AS 'MODULE_PATHNAME', 'ls_learner_daily'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 500000;
COMMENT ON FUNCTION learnerscore.learner_daily(text, date, date, interval) IS
  'The 39-column daily time series of the 1T scoring specification for every learner of <schema>.users and every date from_date..to_date by step (whole days): each value is as of the end of cur_date and uses only events before cur_date + 1 day. Computed by the C++ engine learner by learner (memory bounded by one learner). Definitions: docs/features.md.';

CREATE FUNCTION learnerscore.learner_activity(
    schema text, from_date date, to_date date, step interval DEFAULT '1 day',
    falling_asleep_days int DEFAULT 7, asleep_days int DEFAULT 20)
RETURNS TABLE (
    user_id int, cur_date date, last_activity_at timestamp, days_inactive int, status text,
    module int, theme_id int, task_id int)
AS 'MODULE_PATHNAME', 'ls_learner_activity'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 500000;
COMMENT ON FUNCTION learnerscore.learner_activity(text, date, date, interval, int, int) IS
  'Activity status per learner per date: days_inactive = cur_date - the day of the last activity event (log-in, page view, exercise result, webinar connection) before cur_date + 1 day, or since the course start when there is none; status active (< falling_asleep_days), falling_asleep (< asleep_days) or asleep; NULL when neither an event nor a course start is known. module/theme_id/task_id: course position of the most recently opened activity.';

CREATE FUNCTION learnerscore._learner_daily_all(
    schema text, from_date date, to_date date, step interval,
    falling_asleep_days int, asleep_days int)
RETURNS TABLE (
    user_id int, payment int, time_zone float8, age int, unti_id int, course_id int, flow_num float8,
    tg_bot int, m2_progress int, m2_attestation int, module int, m2_delay float8, sum_auth int,
    sum_schedule_activities int, sum_required_activity int, sum_attestation_activity int,
    view_delay_first float8, view_delay_sum float8, sum_activity_viewed int,
    sum_required_activity_viewed int, sum_attestation_activity_viewed int, w_view_hours float8,
    sum_exercise int, sum_required_exercises int, sum_attestation_exercises int,
    exercise_delay_first float8, exercise_delay_sum float8, result_delay_mean float8,
    result_delay_sum float8, sum_exercise_attempts_mean float8, mean_required_result float8,
    mean_non_req_result float8, mean_attestation_result float8, sum_result bigint, conn int,
    online_rate float8, mean_result float8, progress float8, cur_date date,
    last_activity_at timestamp, days_inactive int, status text, theme_id int, task_id int)
AS 'MODULE_PATHNAME', 'ls_learner_daily_all'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 500000;
COMMENT ON FUNCTION learnerscore._learner_daily_all(text, date, date, interval, int, int) IS
  'Internal: learner_daily and learner_activity in one pass (used by refresh_learner_daily).';

CREATE FUNCTION learnerscore.activity_status(
    days_inactive int, falling_asleep_days int DEFAULT 7, asleep_days int DEFAULT 20)
-- A SQL-standard body: bound when the extension is created (no search_path
-- lookup at call time) and still inlined into the queries that call it per row.
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN days_inactive IS NULL THEN NULL
            WHEN days_inactive < falling_asleep_days THEN 'active'
            WHEN days_inactive < asleep_days THEN 'falling_asleep'
            ELSE 'asleep' END;
COMMENT ON FUNCTION learnerscore.activity_status(int, int, int) IS
  'Activity status (the 1T scoring specification) from whole days without activity: active under falling_asleep_days (7), falling_asleep under asleep_days (20), asleep from then on; NULL for NULL.';

-- The relations _create_feature_objects makes in a learning schema.
CREATE FUNCTION learnerscore._feature_relations() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY['learner_daily', 'learner_activity', 'learner_daily_refresh',
             'learner_status', 'learner_critical_points', 'critical_points'];
COMMENT ON FUNCTION learnerscore._feature_relations() IS
  'Internal: names of the tables and views learnerscore._create_feature_objects creates in a learning schema.';

-- Tables and views of the materialized series in a learning schema.
-- refresh_learner_daily calls it every time: when the extension and these
-- relations are unchanged since it last ran (fingerprints in the row
-- 'features' of <schema>.learning_schema_ddl) it does nothing, so a refresh
-- takes no lock on the views readers read (re-creating learner_critical_points
-- and then critical_points while readers of critical_points lock them the
-- other way round would deadlock). Otherwise it first locks them all at once
-- or none (_lock_learning_schema: NOWAIT, retried), then re-creates them.
CREATE FUNCTION learnerscore._create_feature_objects(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    c record;
    state regclass := to_regclass(quote_ident(schema_name) || '.learning_schema_ddl');
    done boolean;
    created boolean;
BEGIN
    IF state IS NOT NULL AND has_table_privilege(state, 'SELECT') THEN
        EXECUTE format('SELECT code_fingerprint = $1 AND catalog_fingerprint = $2 FROM %s WHERE part = ''features''', state)
           INTO done USING learnerscore._extension_fingerprint(),
                           learnerscore._relations_fingerprint(schema_name, learnerscore._feature_relations());
        IF done THEN
            RETURN;
        END IF;
    END IF;
    PERFORM learnerscore._lock_learning_schema(schema_name, learnerscore._feature_relations());
    -- The columns of learnerscore.learner_daily (their one list above); WITH NO
    -- DATA takes them from the query without running it.
    created := to_regclass(s || '.learner_daily') IS NULL;
    EXECUTE format('CREATE TABLE IF NOT EXISTS %s.learner_daily AS
        SELECT * FROM learnerscore.learner_daily(%L, NULL::date, NULL::date) WITH NO DATA', s, schema_name);
    IF created THEN
        EXECUTE format('ALTER TABLE %s.learner_daily ADD PRIMARY KEY (user_id, cur_date)', s);
    END IF;
    EXECUTE format('COMMENT ON TABLE %s.learner_daily IS %L', s,
        'Daily learner time series (the 1T scoring specification, 39 columns), materialized by CALL learnerscore.refresh_learner_daily; one row per learner per cur_date, every value as of the end of cur_date (no later event is used). Definitions: docs/features.md.');
    FOR c IN SELECT * FROM (VALUES
        ('payment', '1 when the tag set in force contains a tag ending in -оплачен (paid), else 0'),
        ('time_zone', 'offset from UTC in hours (+05:30 -> 5.5); NULL when absent or malformed'),
        ('m2_progress', 'target: final module-2 progress (NULL = Нет данных)'),
        ('m2_attestation', 'target: final attestation score (NULL = Не сдана)'),
        ('module', 'module of the most recently opened activity (date_shown before the end of cur_date); NULL before the first opening'),
        ('m2_delay', 'days: attested by cur_date -> attestation date - attestation deadline (latest opening of an attestation activity); not attested and past the deadline -> end of cur_date - deadline; else 0'),
        ('sum_auth', 'log-ins from the first day of the course'),
        ('sum_schedule_activities', 'opened activities of the learner''s course'),
        ('sum_required_activity', 'opened required activities (activities_guide.obyaz_priznak = 1)'),
        ('sum_attestation_activity', 'opened attestation activities (schedule.is_attestation = 1)'),
        ('view_delay_first', 'mean over viewed opened activities of (first view - opening) in days; 0 if none'),
        ('view_delay_sum', 'sum over opened, not yet viewed activities of (end of cur_date - opening) in days'),
        ('sum_activity_viewed', 'distinct activities of the course viewed'),
        ('sum_required_activity_viewed', 'distinct required activities viewed'),
        ('sum_attestation_activity_viewed', 'distinct attestation activities viewed'),
        ('w_view_hours', 'hours from each webinar connection to the next disconnection from the same webinar before the end of cur_date, each pair capped at 4 h; unmatched connections count 0'),
        ('sum_exercise', 'distinct course activities with a successful result (success = 1)'),
        ('sum_required_exercises', 'of those, required'),
        ('sum_attestation_exercises', 'of those, attestation'),
        ('exercise_delay_first', 'mean over attempted activities of (first result - deadline) in days; deadline = next opening in the course, or own opening + 7 days for the last; 0 if none'),
        ('exercise_delay_sum', 'sum of (first result - deadline) in days over attempted activities'),
        ('result_delay_mean', 'mean over passed activities of (first successful result - deadline) in days; 0 if none'),
        ('result_delay_sum', 'sum of (first successful result - deadline) in days over passed activities'),
        ('sum_exercise_attempts_mean', 'mean number of results (attempts, skips included) per attempted activity; 0 if none'),
        ('mean_required_result', 'mean best (highest non-NULL) result over required activities with a result; 0 if none'),
        ('mean_non_req_result', 'mean best result over non-required activities with a result; 0 if none'),
        ('mean_attestation_result', 'mean best result over attestation activities with a result; 0 if none'),
        ('sum_result', 'sum of best results over activities with a result'),
        ('conn', 'webinar connections'),
        ('online_rate', 'share of webinar connections in format онлайн; 0 if none'),
        ('mean_result', 'mean best result over activities with a result; 0 if none'),
        ('progress', '100 x passed opened result-bearing activities / opened result-bearing activities (types exercise, CodeExercise, question, interactive); 0 if none'),
        ('cur_date', 'the date the row describes (as of its end)')) AS t(col, txt)
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.learner_daily.%I IS %L', s, c.col, c.txt);
    END LOOP;

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.learner_activity (
        user_id int NOT NULL, cur_date date NOT NULL, last_activity_at timestamp, days_inactive int,
        status text, module int, theme_id int, task_id int,
        PRIMARY KEY (user_id, cur_date))$$, s);
    EXECUTE format('COMMENT ON TABLE %s.learner_activity IS %L', s,
        'Activity status per learner per day, materialized with learner_daily: days_inactive = cur_date - day of the last activity event (log-in, page view, result, webinar connection), or since the course start when none; status from learnerscore.activity_status with the thresholds of the last refresh; module/theme_id/task_id = position of the most recently opened activity.');

    FOR c IN SELECT * FROM (VALUES
        ('last_activity_at', 'time of the last activity event (log-in, page view, exercise result, webinar connection) before the end of cur_date; NULL if none yet'),
        ('days_inactive', 'cur_date - day of last_activity_at, or - day of the course start when there is no event yet; NULL when neither is known'),
        ('status', 'active (days_inactive < falling_asleep_days), falling_asleep (< asleep_days) or asleep; thresholds of the last refresh (default 7 and 20)'),
        ('module', 'module of the most recently opened activity'),
        ('theme_id', 'theme of the most recently opened activity'),
        ('task_id', 'task of the most recently opened activity')) AS t(col, txt)
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.learner_activity.%I IS %L', s, c.col, c.txt);
    END LOOP;

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.learner_daily_refresh (
        refreshed_at timestamptz NOT NULL DEFAULT now(), from_date date NOT NULL, to_date date NOT NULL,
        days_computed int NOT NULL, rows_added bigint NOT NULL, falling_asleep_days int NOT NULL,
        asleep_days int NOT NULL, full_refresh boolean NOT NULL, seconds float8 NOT NULL)$$, s);
    EXECUTE format('COMMENT ON TABLE %s.learner_daily_refresh IS %L', s,
        'Log of CALL learnerscore.refresh_learner_daily: the days computed by each run and the status thresholds in force.');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.learner_status AS
        SELECT a.user_id, u.course_id, a.cur_date AS as_of, a.status, a.days_inactive, a.last_activity_at,
               a.module, a.theme_id, a.task_id
          FROM %1$s.learner_activity a JOIN %1$s.users u ON u.user_id = a.user_id
         WHERE a.cur_date = (SELECT max(cur_date) FROM %1$s.learner_activity)$$, s);
    EXECUTE format('COMMENT ON VIEW %s.learner_status IS %L', s,
        'Each learner''s activity status (active / falling_asleep / asleep) on the latest materialized date, with the days without activity and the course position.');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.learner_critical_points AS
        SELECT x.user_id, u.course_id, x.cur_date AS moved_on, x.status, x.days_inactive,
               x.module, x.theme_id, x.task_id
          FROM (SELECT a.*, lag(a.status) OVER (PARTITION BY a.user_id ORDER BY a.cur_date) AS prev_status
                  FROM %1$s.learner_activity a) x
          JOIN %1$s.users u ON u.user_id = x.user_id
         WHERE x.status IN ('falling_asleep', 'asleep')
           AND x.status IS DISTINCT FROM x.prev_status$$, s);
    EXECUTE format('COMMENT ON VIEW %s.learner_critical_points IS %L', s,
        'Critical points: every move of a learner into falling_asleep or asleep (status differs from the previous day''s), with the date and the course position (module, theme, task of the most recently opened activity) at that moment.');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.critical_points AS
        WITH cohort AS (SELECT course_id, count(*) AS learners FROM %1$s.users GROUP BY course_id),
             names AS (SELECT DISTINCT ON (course_id, task_id) course_id, task_id, theme, exercise
                         FROM %1$s.activities_guide ORDER BY course_id, task_id, activity_id)
        SELECT p.course_id, p.module, p.theme_id, n.theme, p.task_id, n.exercise AS task,
               count(DISTINCT p.user_id) FILTER (WHERE p.status = 'falling_asleep') AS learners_falling_asleep,
               count(DISTINCT p.user_id) FILTER (WHERE p.status = 'asleep') AS learners_asleep,
               c.learners AS cohort_learners,
               round(count(DISTINCT p.user_id) FILTER (WHERE p.status = 'falling_asleep')::numeric / c.learners, 4) AS share_falling_asleep,
               round(count(DISTINCT p.user_id) FILTER (WHERE p.status = 'asleep')::numeric / c.learners, 4) AS share_asleep
          FROM %1$s.learner_critical_points p
          JOIN cohort c ON c.course_id IS NOT DISTINCT FROM p.course_id
          LEFT JOIN names n ON n.course_id = p.course_id AND n.task_id = p.task_id
         GROUP BY p.course_id, p.module, p.theme_id, n.theme, p.task_id, n.exercise, c.learners$$, s);
    FOR c IN SELECT * FROM (VALUES
        ('learners_falling_asleep', 'distinct learners of the course who moved into falling_asleep while this task was the most recently opened one'),
        ('learners_asleep', 'distinct learners who moved into asleep at this task'),
        ('cohort_learners', 'learners of the course in users'),
        ('share_falling_asleep', 'learners_falling_asleep / cohort_learners'),
        ('share_asleep', 'learners_asleep / cohort_learners')) AS t(col, txt)
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.critical_points.%I IS %L', s, c.col, c.txt);
    END LOOP;
    EXECUTE format('COMMENT ON VIEW %s.critical_points IS %L', s,
        'Where learners drift away: per course task (module, theme, task of the most recently opened activity when the move happened), the number of distinct learners who moved into falling_asleep and into asleep there, and their share of the course''s learners.');
    IF state IS NOT NULL AND has_table_privilege(state, 'INSERT') AND has_table_privilege(state, 'UPDATE') THEN
        EXECUTE format('INSERT INTO %s AS d (part, code_fingerprint, catalog_fingerprint) VALUES (''features'', $1, $2)
                        ON CONFLICT (part) DO UPDATE
                        SET code_fingerprint = EXCLUDED.code_fingerprint, catalog_fingerprint = EXCLUDED.catalog_fingerprint,
                            created_at = now()', state)
            USING learnerscore._extension_fingerprint(),
                  learnerscore._relations_fingerprint(schema_name, learnerscore._feature_relations());
    END IF;
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_feature_objects(text) IS
  'Internal: creates learner_daily, learner_activity, learner_daily_refresh and the views learner_status, learner_critical_points, critical_points in a learning schema (idempotent); no DDL and no lock when neither they nor the extension changed since its last run (row features of <schema>.learning_schema_ddl).';

CREATE PROCEDURE learnerscore.refresh_learner_daily(
    schema_name text, to_date date DEFAULT NULL, from_date date DEFAULT NULL,
    falling_asleep_days int DEFAULT 7, asleep_days int DEFAULT 20, full_refresh boolean DEFAULT false)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $$
DECLARE
    s text;
    have_from date;
    have_to date;
    first_day date;
    last_day date;
    start_day date;
    n bigint := 0;
    t0 timestamptz := clock_timestamp();
    prev record;
    is_full boolean := coalesce(full_refresh, false);
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF falling_asleep_days IS NULL OR asleep_days IS NULL OR falling_asleep_days <= 0
       OR asleep_days <= falling_asleep_days THEN
        RAISE EXCEPTION 'invalid activity thresholds: falling_asleep_days = %, asleep_days = %',
            falling_asleep_days, asleep_days
            USING ERRCODE = '22023', HINT = 'Use 0 < falling_asleep_days < asleep_days (defaults 7 and 20).';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = schema_name) THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000',
            HINT = format('Create it with CALL learnerscore.create_learning_schema(%L).', schema_name);
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.users') IS NULL OR to_regclass(s || '.schedule') IS NULL THEN
        -- learner_daily names every missing table; reach it with an empty range
        PERFORM * FROM learnerscore.learner_daily(schema_name, current_date, current_date);
    END IF;
    PERFORM learnerscore._create_feature_objects(schema_name);

    EXECUTE format('SELECT min(cur_date), max(cur_date) FROM %s.learner_daily', s) INTO have_from, have_to;
    first_day := coalesce(from_date, have_from);
    IF first_day IS NULL THEN
        EXECUTE format('SELECT min(date_shown)::date FROM %s.schedule WHERE isfinite(date_shown)', s) INTO first_day;
    END IF;
    last_day := to_date;
    IF last_day IS NULL THEN
        EXECUTE format($q$SELECT greatest(
            (SELECT max(created_at) FROM %1$s."authorization" WHERE isfinite(created_at)),
            (SELECT max(created_at) FROM %1$s.activity_history_viewed WHERE isfinite(created_at)),
            (SELECT max(created_at) FROM %1$s.exercise_results WHERE isfinite(created_at)),
            (SELECT max(datetime) FROM %1$s.webinars_logs WHERE isfinite(datetime)),
            (SELECT max(created_at) FROM %1$s.users_logs WHERE isfinite(created_at)))::date$q$, s) INTO last_day;
    END IF;
    IF first_day IS NULL OR last_day IS NULL THEN
        RAISE EXCEPTION 'cannot tell the date range of schema "%": no schedule or no events', schema_name
            USING ERRCODE = '22023', HINT = 'Pass from_date and to_date explicitly.';
    END IF;
    IF first_day > last_day THEN
        RAISE EXCEPTION 'from_date % is after to_date %', first_day, last_day USING ERRCODE = '22023';
    END IF;

    -- Incremental unless asked otherwise or the range starts elsewhere.
    IF have_to IS NOT NULL AND NOT is_full AND first_day <> have_from THEN
        is_full := true;
    END IF;
    IF is_full THEN
        EXECUTE format('TRUNCATE %1$s.learner_daily, %1$s.learner_activity', s);
        start_day := first_day;
    ELSE
        start_day := coalesce(have_to + 1, first_day);
    END IF;

    IF start_day <= last_day THEN
        EXECUTE format($q$WITH src AS (
                SELECT * FROM learnerscore._learner_daily_all(%1$L, %2$L::date, %3$L::date, '1 day', %4$s, %5$s)),
            ins AS (
                INSERT INTO %6$s.learner_daily
                SELECT user_id, payment, time_zone, age, unti_id, course_id, flow_num, tg_bot, m2_progress,
                       m2_attestation, module, m2_delay, sum_auth, sum_schedule_activities, sum_required_activity,
                       sum_attestation_activity, view_delay_first, view_delay_sum, sum_activity_viewed,
                       sum_required_activity_viewed, sum_attestation_activity_viewed, w_view_hours, sum_exercise,
                       sum_required_exercises, sum_attestation_exercises, exercise_delay_first, exercise_delay_sum,
                       result_delay_mean, result_delay_sum, sum_exercise_attempts_mean, mean_required_result,
                       mean_non_req_result, mean_attestation_result, sum_result, conn, online_rate, mean_result,
                       progress, cur_date
                  FROM src)
            INSERT INTO %6$s.learner_activity
            SELECT user_id, cur_date, last_activity_at, days_inactive, status, module, theme_id, task_id FROM src$q$,
            schema_name, start_day, last_day, falling_asleep_days, asleep_days, s);
        GET DIAGNOSTICS n = ROW_COUNT;
    END IF;

    -- New thresholds re-label the days already materialized.
    EXECUTE format('SELECT falling_asleep_days, asleep_days FROM %s.learner_daily_refresh ORDER BY refreshed_at DESC LIMIT 1', s)
        INTO prev;
    IF prev IS NOT NULL AND NOT is_full
       AND (prev.falling_asleep_days, prev.asleep_days) IS DISTINCT FROM (falling_asleep_days, asleep_days) THEN
        EXECUTE format('UPDATE %s.learner_activity SET status = learnerscore.activity_status(days_inactive, %s, %s)
                         WHERE status IS DISTINCT FROM learnerscore.activity_status(days_inactive, %s, %s)',
                       s, falling_asleep_days, asleep_days, falling_asleep_days, asleep_days);
    END IF;

    EXECUTE format('INSERT INTO %s.learner_daily_refresh (from_date, to_date, days_computed, rows_added,
                        falling_asleep_days, asleep_days, full_refresh, seconds)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', s)
        USING start_day, last_day, greatest(last_day - start_day + 1, 0), n, falling_asleep_days, asleep_days,
              is_full, extract(epoch FROM clock_timestamp() - t0)::float8;
END
$$;
COMMENT ON PROCEDURE learnerscore.refresh_learner_daily(text, date, date, int, int, boolean) IS
  'Materializes <schema>.learner_daily (39 columns) and <schema>.learner_activity (status) for every learner from from_date (default: the earliest course opening) to to_date (default: the day of the latest event). Incremental: a later run computes only the days after the last materialized one; full_refresh => true recomputes everything (needed after late-arriving events or new learners). Changing the thresholds re-labels the stored statuses. Creates the views learner_status, learner_critical_points and critical_points.';

-- Weekly leak-free feature sets (the 1T scoring specification): <feature>_<j>_week is the value at
-- the end of week j of the learner's course (course start + 7j - 1 days).
CREATE FUNCTION learnerscore._weekly_feature_names() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT ARRAY['payment', 'module', 'm2_delay', 'sum_auth', 'sum_schedule_activities', 'sum_required_activity',
                 'sum_attestation_activity', 'view_delay_first', 'view_delay_sum', 'sum_activity_viewed',
                 'sum_required_activity_viewed', 'sum_attestation_activity_viewed', 'w_view_hours', 'sum_exercise',
                 'sum_required_exercises', 'sum_attestation_exercises', 'exercise_delay_first', 'exercise_delay_sum',
                 'result_delay_mean', 'result_delay_sum', 'sum_exercise_attempts_mean', 'mean_required_result',
                 'mean_non_req_result', 'mean_attestation_result', 'sum_result', 'conn', 'online_rate',
                 'mean_result', 'progress']
$$;
COMMENT ON FUNCTION learnerscore._weekly_feature_names() IS
  'Internal: the time-varying learner_daily columns that get one <feature>_<k>_week column per week.';

CREATE FUNCTION learnerscore._weekly_features_sql(schema_name text, week int) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    cols text := '';
    joins text := '';
    f text;
    j int;
BEGIN
    IF schema_name IS NULL OR week IS NULL THEN
        RAISE EXCEPTION 'schema and week must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF week < 1 OR week > 52 THEN
        RAISE EXCEPTION 'week must be between 1 and 52, got %', week USING ERRCODE = '22023';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.learner_daily') IS NULL THEN
        RAISE EXCEPTION 'relation %.learner_daily does not exist', s USING ERRCODE = '42P01',
            HINT = format('Run CALL learnerscore.refresh_learner_daily(%L) first.', schema_name);
    END IF;
    FOR j IN 1..week LOOP
        FOREACH f IN ARRAY learnerscore._weekly_feature_names() LOOP
            cols := cols || format(', w%s.%I AS %I', j, f, f || '_' || j || '_week');
        END LOOP;
        joins := joins || format(' LEFT JOIN %1$s.learner_daily w%2$s ON w%2$s.user_id = u.user_id AND w%2$s.cur_date = st.course_start + %3$s',
                                 s, j, 7 * j - 1);
    END LOOP;
    RETURN format($q$SELECT u.user_id, u.course_id, %2$s AS week, a.age, learnerscore.tz_hours(a.time_zone) AS time_zone,
                    u.tg_bot, u.flow_num::float8 AS flow_num%3$s, u.m2_progress, u.m2_attestation
               FROM %1$s.users u
               LEFT JOIN %1$s.users_age_timezone a ON a.user_id = u.user_id
               LEFT JOIN (SELECT course_id, min(date_shown)::date AS course_start FROM %1$s.schedule
                           WHERE isfinite(date_shown) GROUP BY course_id) st ON st.course_id = u.course_id%4$s$q$,
                  s, week, cols, joins);
END
$fn$;
COMMENT ON FUNCTION learnerscore._weekly_features_sql(text, int) IS
  'Internal: the query behind weekly_features and create_weekly_features_view.';

CREATE FUNCTION learnerscore.tz_hours(tz text) RETURNS float8
-- SQL-standard body (bound at creation, inlinable): called per row of the feature queries.
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE WHEN m IS NULL OR m[2]::int > 14 OR coalesce(m[3], '0')::int >= 60 THEN NULL
                ELSE (CASE WHEN m[1] = '-' THEN -1 ELSE 1 END) * (m[2]::int + coalesce(m[3], '0')::int / 60.0)::float8 END
      FROM (SELECT regexp_match(tz, '^[ \t\n\r\f\v]*([+-]?)([0-9]{1,2})(?::?([0-9]{2}))?[ \t\n\r\f\v]*$') AS m) x;
END;
COMMENT ON FUNCTION learnerscore.tz_hours(text) IS
  'Time zone text (+03:00, -05:30, +3) to hours from UTC; NULL when malformed (the feature engine''s rule). The weekly feature views and learner_scores call it, so every role may.';

CREATE FUNCTION learnerscore.weekly_features(schema text, week int)
RETURNS TABLE (user_id int, course_id int, up_to_week int, features jsonb, m2_progress int, m2_attestation int)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT q.user_id, q.course_id, q.week, to_jsonb(q) - ARRAY[%L, %L, %L, %L, %L], q.m2_progress, q.m2_attestation FROM (%s) q ORDER BY q.user_id',
        'user_id', 'course_id', 'week', 'm2_progress', 'm2_attestation',
        learnerscore._weekly_features_sql(weekly_features.schema, weekly_features.week));
END
$$;
COMMENT ON FUNCTION learnerscore.weekly_features(text, int) IS
  'Leak-free weekly feature set for week k (the 1T scoring specification): per learner, the static features (age, time_zone, tg_bot, flow_num) and <feature>_<j>_week for j = 1..k (value at the end of week j of the learner''s course, from <schema>.learner_daily; NULL when that day is not materialized) as jsonb, plus the targets m2_progress and m2_attestation. For flat columns use CALL learnerscore.create_weekly_features_view(schema, k).';

CREATE PROCEDURE learnerscore.create_weekly_features_view(schema_name text, week int)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $$
DECLARE
    v text;
BEGIN
    v := quote_ident(schema_name) || '.' || quote_ident('weekly_features_w' || week);
    EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', v, learnerscore._weekly_features_sql(schema_name, week));
    EXECUTE format('COMMENT ON VIEW %s IS %L', v, format(
        'Leak-free features for week %s: static features, <feature>_<j>_week for j = 1..%s (value at the end of week j of the course, from learner_daily) and the targets m2_progress, m2_attestation. Made by learnerscore.create_weekly_features_view.', week, week));
END
$$;
COMMENT ON PROCEDURE learnerscore.create_weekly_features_view(text, int) IS
  'Creates (or replaces) the view <schema>.weekly_features_w<k> with one flat column per <feature>_<j>_week, j = 1..k, over <schema>.learner_daily: what models train on for week k.';
-- Model registry (docs/models.md): one row per trained model. An extension
-- configuration table, so pg_dump dumps its rows; a trained model is
-- immutable, and deleting one is explicit (learnerscore.drop_model).
--
-- Privileges (docs/models.md, "Who may do what"): the registry is written only
-- by the extension's C code (train(), drop_model()), which switches to the
-- table's owner around the one registry statement; no other role holds
-- INSERT, UPDATE, DELETE or TRUNCATE, so no one can store bytes train() did
-- not produce. Everyone may read it (the catalogue of models); scoring reads
-- it as its owner and needs no grant at all.

CREATE TABLE learnerscore.models (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    algorithm       text NOT NULL CHECK (algorithm IN ('logistic', 'linear', 'xgboost')),
    target          text NOT NULL,
    features        text[] NOT NULL,
    hyperparameters jsonb NOT NULL DEFAULT '{}',
    trained_at      timestamptz NOT NULL DEFAULT now(),
    training_rows   bigint NOT NULL CHECK (training_rows > 0),
    metrics         jsonb NOT NULL DEFAULT '{}',
    model           bytea NOT NULL,
    owner           regrole NOT NULL
);
COMMENT ON TABLE learnerscore.models IS
  'Registry of trained models (learnerscore.train). Rows are immutable and written only by train() and drop_model(); '
  'remove one with learnerscore.drop_model(name). Readable by everyone; dumped by pg_dump.';
COMMENT ON COLUMN learnerscore.models.features IS 'Raw feature names, in the order predict() expects a float8[] of features.';
COMMENT ON COLUMN learnerscore.models.hyperparameters IS 'Effective hyper-parameters, defaults filled in.';
COMMENT ON COLUMN learnerscore.models.metrics IS
  'In-sample metrics ("train"), coefficients with standard errors for linear models, encoded column count, skipped NULL-target rows.';
COMMENT ON COLUMN learnerscore.models.model IS
  'Serialized model: versioned and checksummed learnerscore format (encoding, coefficients or XGBoost''s own UBJSON booster).';
COMMENT ON COLUMN learnerscore.models.owner IS
  'The role that trained the model (the current user inside train()). Only it, its members and superusers may drop the model or reuse its name.';

SELECT pg_catalog.pg_extension_config_dump('learnerscore.models', '');
SELECT pg_catalog.pg_extension_config_dump('learnerscore.models_id_seq', '');

REVOKE ALL ON TABLE learnerscore.models FROM PUBLIC;
REVOKE ALL ON SEQUENCE learnerscore.models_id_seq FROM PUBLIC;
GRANT SELECT ON TABLE learnerscore.models TO PUBLIC;

CREATE FUNCTION learnerscore._models_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'ls_models_guard' LANGUAGE C;
COMMENT ON FUNCTION learnerscore._models_guard() IS
  'Internal: keeps learnerscore.models immutable; a row is deleted only by drop_model() (checked in C, no setting).';

CREATE TRIGGER models_immutable BEFORE UPDATE OR DELETE ON learnerscore.models
    FOR EACH ROW EXECUTE FUNCTION learnerscore._models_guard();
CREATE TRIGGER models_no_truncate BEFORE TRUNCATE ON learnerscore.models
    FOR EACH STATEMENT EXECUTE FUNCTION learnerscore._models_guard();

CREATE FUNCTION learnerscore.drop_model(name text, if_exists boolean DEFAULT false) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ls_drop_model' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.drop_model(text, boolean) IS
  'Deletes a trained model from the registry (the only way to delete one); with if_exists, a missing model returns false instead of an error. '
  'Only the model''s owner, a member of the owning role or a superuser may drop it (42501 otherwise).';
-- Training, cross-validation, scoring and explanations (docs/models.md).

CREATE FUNCTION learnerscore.train(name text, source text, target text, features text[], algorithm text,
                                   params jsonb DEFAULT '{}') RETURNS bigint
    AS 'MODULE_PATHNAME', 'ls_train' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.train(text, text, text, text[], text, jsonb) IS
  'Trains a model on a relation or a query (SELECT/WITH/VALUES/TABLE) and stores it in learnerscore.models; returns its id. '
  'algorithm: logistic (L2 Newton/IRLS; params l2 default 1, max_iterations, tolerance), linear (OLS, ridge with l2 > 0; standard errors), '
  'xgboost (params objective binary:logistic|reg:squarederror, inferred from a 0/1 target; num_round, max_depth, eta, ...; '
  'nthread defaults to the setting learnerscore.xgboost_nthread, else 1). Text features are one-hot encoded; NULL features are '
  'imputed (training mean / most frequent level, recorded) for linear models and missing for XGBoost; rows with a NULL target are skipped. '
  'The source is read with the caller''s privileges; the model is owned by the calling role. A name taken by another role''s model is 42501, '
  'by one''s own 42710; two train() calls of one name run one after the other. C++ buffers are bounded by learnerscore.max_train_memory (53200).';

CREATE FUNCTION learnerscore.cross_validate(source text, target text, features text[], algorithm text,
                                            params jsonb DEFAULT '{}', k int DEFAULT 5, seed bigint DEFAULT 42,
                                            group_column text DEFAULT NULL)
    RETURNS TABLE (fold text, train_rows float8, test_rows float8, auc float8, log_loss float8, brier float8,
                   calibration_error float8, accuracy float8, mae float8, rmse float8)
    AS 'MODULE_PATHNAME', 'ls_cross_validate' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.cross_validate(text, text, text[], text, jsonb, int, bigint, text) IS
  'k-fold cross-validation (default 5 folds) with deterministic folds from seed (Fisher-Yates over mt19937_64), or, with '
  'group_column, leave-one-group-out (one fold per distinct value, e.g. per course: never tested on learners it trained on). '
  'One row per fold with held-out metrics (auc, log_loss, brier, calibration_error, accuracy for classifiers; mae, rmse for '
  'regression), then fold = ''mean'' (mean over folds) and fold = ''pooled'' (all held-out predictions together).';

-- predict and explain take the model by name (text) or id (bigint) and one row as
-- float8[], jsonb or a row value (record); one C entry point each serves every overload.
DO $$
DECLARE
    model_type text;
    features_type text;
BEGIN
    FOREACH model_type IN ARRAY ARRAY['text', 'bigint'] LOOP
        FOREACH features_type IN ARRAY ARRAY['float8[]', 'jsonb', 'record'] LOOP
            EXECUTE format($c$CREATE FUNCTION learnerscore.predict(model %s, features %s) RETURNS float8
                              AS 'MODULE_PATHNAME', 'ls_predict' LANGUAGE C STABLE PARALLEL SAFE STRICT$c$,
                           model_type, features_type);
            EXECUTE format($c$CREATE FUNCTION learnerscore.explain(model %s, features %s) RETURNS jsonb
                              AS 'MODULE_PATHNAME', 'ls_explain' LANGUAGE C STABLE PARALLEL SAFE STRICT$c$,
                           model_type, features_type);
        END LOOP;
    END LOOP;
END $$;
COMMENT ON FUNCTION learnerscore.predict(text, float8[]) IS
  'Scores one row with a model (by name): the probability for classifiers, the predicted value for regression. '
  'Features in the model''s order (learnerscore.models.features); NULL elements are missing values. The model is decoded once per query.';
COMMENT ON FUNCTION learnerscore.predict(bigint, float8[]) IS 'Scores one row with a model given by id; see predict(text, float8[]).';
COMMENT ON FUNCTION learnerscore.predict(text, jsonb) IS
  'Scores one row given as a jsonb object {feature: value}; text features as strings; extra keys are ignored.';
COMMENT ON FUNCTION learnerscore.predict(bigint, jsonb) IS 'Scores one jsonb row with a model given by id.';
COMMENT ON FUNCTION learnerscore.predict(text, record) IS
  'Scores a row value (e.g. predict(''m'', t) for a table alias t) whose column names match the model''s features.';
COMMENT ON FUNCTION learnerscore.predict(bigint, record) IS 'Scores a row value with a model given by id.';

COMMENT ON FUNCTION learnerscore.explain(text, float8[]) IS
  'Per-feature contributions to one prediction on the margin (log-odds for classifiers): coefficient x value for linear models '
  '(summed over a text feature''s one-hot columns), XGBoost''s SHAP values for trees; "(intercept)" / "(bias)" holds the rest, so the values sum to the margin.';
COMMENT ON FUNCTION learnerscore.explain(bigint, float8[]) IS 'explain() with the model given by id.';
COMMENT ON FUNCTION learnerscore.explain(text, jsonb) IS 'explain() for a jsonb row {feature: value}.';
COMMENT ON FUNCTION learnerscore.explain(bigint, jsonb) IS 'explain() for a jsonb row, model by id.';
COMMENT ON FUNCTION learnerscore.explain(text, record) IS 'explain() for a row value whose column names match the model''s features.';
COMMENT ON FUNCTION learnerscore.explain(bigint, record) IS 'explain() for a row value, model by id.';

CREATE FUNCTION learnerscore.model_coefficients(model text)
    RETURNS TABLE (term text, estimate float8, std_error float8, z float8, p_value float8)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c->>'term', (c->>'estimate')::float8, (c->>'std_error')::float8,
           (c->>'estimate')::float8 / nullif((c->>'std_error')::float8, 0),
           CASE WHEN (c->>'std_error')::float8 > 0 THEN
               2 * (1 - learnerscore._models_normal_cdf(abs((c->>'estimate')::float8 / (c->>'std_error')::float8))) END
    FROM learnerscore.models m, jsonb_array_elements(m.metrics->'coefficients') WITH ORDINALITY AS e(c, ord)
    WHERE m.name = model_coefficients.model
    ORDER BY ord
$$;
COMMENT ON FUNCTION learnerscore.model_coefficients(text) IS
  'Coefficients of a logistic or linear model with standard errors, Wald z and two-sided normal p-values.';

CREATE FUNCTION learnerscore._models_normal_cdf(z float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_models_normal_cdf' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._models_normal_cdf(float8) IS 'Internal: standard normal CDF.';

CREATE FUNCTION learnerscore.xgboost_booster(model text) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_xgboost_booster' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.xgboost_booster(text) IS
  'The booster of an xgboost model in XGBoost''s own UBJSON format (load it with xgboost.Booster().load_model(bytearray(b))). '
  'Its input columns are the model''s encoded columns: numeric features as given, text features one-hot (one column per level, sorted).';

CREATE FUNCTION learnerscore._read_source(source text, target text, features text[]) RETURNS bigint
    AS 'MODULE_PATHNAME', 'ls_read_source' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION learnerscore._read_source(text, text, text[]) IS
  'Internal (benchmarks): reads a training source into column buffers exactly as train() does and returns the row count.';
-- predict_columns: the features as separate arguments (VARIADIC "any"), the
-- fastest form for scoring a view: nothing is built per row.
CREATE FUNCTION learnerscore.predict_columns(model text, VARIADIC features "any") RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_predict_columns' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION learnerscore.predict_columns(model bigint, VARIADIC features "any") RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_predict_columns' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.predict_columns(text, "any") IS
  'Scores one row with a model (by name) from its features given as separate arguments in the model''s '
  'order (learnerscore.models.features), e.g. predict_columns(''m'', x1, x2, x3). Same value as predict(); '
  'no array or row value is built per row, so it is the fastest way to score a view. Numbers, booleans '
  'and text (for text features); NULL = missing. At most 99 features (PostgreSQL''s argument limit): '
  'beyond that use predict(model, float8[]).';
COMMENT ON FUNCTION learnerscore.predict_columns(bigint, "any") IS
  'Scores one row with a model given by id from its features as separate arguments; see predict_columns(text, "any").';
-- Model metrics as parallel-safe aggregates (docs/models.md, docs/architecture.md): float8[] or
-- bytea states with combine functions, so they run under parallel query
-- (Partial/Finalize Aggregate) and under Citus.

CREATE FUNCTION learnerscore._metric_accum(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_metric_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._metric_accum(float8[], float8, float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_metric_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._metric_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_metric_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._metric_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_metric_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._metric_accum(float8[], float8, float8) IS
  'Internal: transition of the metric aggregates; state[0] is the metric kind, state[1] the row count.';
COMMENT ON FUNCTION learnerscore._metric_accum(float8[], float8, float8, float8) IS 'Internal: transition of accuracy(score, label, threshold).';
COMMENT ON FUNCTION learnerscore._metric_combine(float8[], float8[]) IS 'Internal: combines two metric states (element-wise sum).';
COMMENT ON FUNCTION learnerscore._metric_final(float8[]) IS 'Internal: final function of the metric aggregates.';

-- The float8[] metrics share one transition, combine and final function; state[0] (the
-- first INITCOND element) tells the final function which metric to compute.
DO $$
DECLARE
    agg record;
BEGIN
    FOR agg IN SELECT * FROM (VALUES
        ('log_loss', 'score float8, label float8', '{1,0,0,0}',
         'Mean binary cross-entropy of probabilities against 0/1 labels (probabilities clipped to [eps, 1-eps], eps = 2.2e-16, as sklearn.metrics.log_loss).'),
        ('brier', 'score float8, label float8', '{2,0,0,0}',
         'Brier score: mean squared difference between probability and 0/1 label.'),
        ('accuracy', 'score float8, label float8', '{3,0,0,0}',
         'Share of rows where (score >= 0.5) equals the 0/1 label.'),
        ('accuracy', 'score float8, label float8, threshold float8', '{3,0,0,0}',
         'Share of rows where (score >= threshold) equals the 0/1 label.'),
        ('mae', 'prediction float8, actual float8', '{4,0,0,0}',
         'Mean absolute error.'),
        ('rmse', 'prediction float8, actual float8', '{5,0,0,0}',
         'Root mean squared error.'),
        ('calibration_error', 'score float8, label float8', '{6,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}',
         'Expected calibration error over 10 equal-width probability bins: sum over bins of (bin rows / rows) x |mean score - mean label|.'))
        AS t(name, args, initcond, doc)
    LOOP
        EXECUTE format('CREATE AGGREGATE learnerscore.%I(%s) (SFUNC = learnerscore._metric_accum, STYPE = float8[], INITCOND = %L, COMBINEFUNC = learnerscore._metric_combine, FINALFUNC = learnerscore._metric_final, PARALLEL = SAFE)',
                       agg.name, agg.args, agg.initcond);
        EXECUTE format('COMMENT ON AGGREGATE learnerscore.%I(%s) IS %L', agg.name,
                       regexp_replace(agg.args, '\w+ float8', 'float8', 'g'), agg.doc);
    END LOOP;
END $$;

CREATE FUNCTION learnerscore._auc_accum(bytea, float8, float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_auc_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnerscore._auc_combine(bytea, bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_auc_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._auc_final(bytea) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_auc_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._auc_accum(bytea, float8, float8) IS 'Internal: appends a (score, label) pair to the exact-AUC state.';
COMMENT ON FUNCTION learnerscore._auc_combine(bytea, bytea) IS 'Internal: concatenates two exact-AUC states.';
COMMENT ON FUNCTION learnerscore._auc_final(bytea) IS 'Internal: sorts the pairs and computes the AUC.';

CREATE AGGREGATE learnerscore.auc(score float8, label float8) (
    SFUNC = learnerscore._auc_accum, STYPE = bytea,
    COMBINEFUNC = learnerscore._auc_combine, FINALFUNC = learnerscore._auc_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.auc(float8, float8) IS
  'Exact area under the ROC curve (ties count one half, as sklearn.metrics.roc_auc_score): keeps every (score, label) pair '
  '(16 bytes a row, at most about 67 million rows) and sorts them once; NULL when a class is missing. Rows with a NULL are ignored.';
-- Learner scoring (docs/models.md, the 1T scoring specification and the at-risk ranking brief): per-week leak-free models of
-- dropout, module-2 completion and m2_progress, validated on held-out courses,
-- and the scored at-risk list <schema>.learner_scores.
--
-- Definitions (documented in docs/models.md):
--   completion = m2_attestation >= 50 AND m2_progress >= 50 (the 1T scoring specification's rule; NULL counts as not completed)
--   dropout    = the learner ends asleep (status on the latest materialized date) OR does not complete module 2
--   week k features = static features (age, time_zone, tg_bot) and <feature>_<j>_week for j = 1..k, the
--   learner_daily value at the end of week j of the course (course start + 7j - 1 days), as in weekly_features.

CREATE FUNCTION learnerscore.feature_label(feature text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(l.label, base) || CASE WHEN wk IS NOT NULL THEN ' by week ' || wk ELSE '' END
    FROM (SELECT coalesce(substring(feature FROM '^(.*)_[0-9]+_week$'), feature) AS base,
                 substring(feature FROM '_([0-9]+)_week$') AS wk) f
    LEFT JOIN (VALUES
        ('payment', 'paid for the course (1 yes)'), ('module', 'module reached'),
        ('m2_delay', 'days late on the module-2 attestation'), ('sum_auth', 'log-ins'),
        ('sum_schedule_activities', 'activities opened'), ('sum_required_activity', 'required activities opened'),
        ('sum_attestation_activity', 'attestation activities opened'),
        ('view_delay_first', 'mean days before first viewing an activity'),
        ('view_delay_sum', 'days opened activities waited unviewed'), ('sum_activity_viewed', 'activities viewed'),
        ('sum_required_activity_viewed', 'required activities viewed'),
        ('sum_attestation_activity_viewed', 'attestation activities viewed'), ('w_view_hours', 'webinar hours watched'),
        ('sum_exercise', 'exercises solved'), ('sum_required_exercises', 'required exercises solved'),
        ('sum_attestation_exercises', 'attestation exercises solved'),
        ('exercise_delay_first', 'mean days of first attempts past the deadline'),
        ('exercise_delay_sum', 'total days of attempts past deadlines'),
        ('result_delay_mean', 'mean days of passed exercises past the deadline'),
        ('result_delay_sum', 'total days of passed exercises past deadlines'),
        ('sum_exercise_attempts_mean', 'attempts per exercise'), ('mean_required_result', 'mean score on required exercises'),
        ('mean_non_req_result', 'mean score on optional exercises'), ('mean_attestation_result', 'mean attestation score'),
        ('sum_result', 'total exercise score'), ('conn', 'webinar connections'),
        ('online_rate', 'share of webinars joined online'), ('mean_result', 'mean exercise score'),
        ('progress', 'progress % (exercises solved / opened)'), ('age', 'age'),
        ('time_zone', 'time zone (hours from UTC)'), ('tg_bot', 'Telegram bot (0 none, 1 on, 2 stopped)'),
        ('flow_num', 'flow')) AS l(name, label) ON l.name = f.base
$$;
COMMENT ON FUNCTION learnerscore.feature_label(text) IS
  'Words for a model feature: sum_exercise_5_week -> "exercises solved by week 5".';

CREATE FUNCTION learnerscore.top_reasons(contributions jsonb, features jsonb, n int DEFAULT 3) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    -- Contributions of the weekly copies of one feature are added up; the reason
    -- quotes the latest week's value. Only features that raise the score count.
    SELECT coalesce(array_agg(learnerscore.feature_label(last_key) || ': ' ||
                              coalesce(round((features->>last_key)::numeric, 1)::text, 'missing') ||
                              ' (+' || round(c::numeric, 2) || ')' ORDER BY c DESC), '{}')
    FROM (SELECT base, sum(v) AS c, (array_agg(key ORDER BY wk DESC))[1] AS last_key
          FROM (SELECT key, value::float8 AS v,
                       coalesce(substring(key FROM '^(.*)_[0-9]+_week$'), key) AS base,
                       coalesce(substring(key FROM '_([0-9]+)_week$')::int, 0) AS wk
                FROM jsonb_each_text(contributions)
                WHERE key NOT IN ('(bias)', '(intercept)') AND value IS NOT NULL) e
          GROUP BY base
          HAVING sum(v) > 0
          ORDER BY sum(v) DESC
          LIMIT n) t
$$;
COMMENT ON FUNCTION learnerscore.top_reasons(jsonb, jsonb, int) IS
  'The n features that push a score up most, in words with their value and log-odds contribution, from learnerscore.explain() output and the feature values (weekly copies of a feature are summed).';

CREATE FUNCTION learnerscore.learner_model_features() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['payment', 'm2_delay', 'sum_auth', 'view_delay_first', 'view_delay_sum', 'sum_activity_viewed',
                 'w_view_hours', 'sum_exercise', 'sum_required_exercises', 'exercise_delay_sum', 'result_delay_sum',
                 'sum_exercise_attempts_mean', 'sum_result', 'mean_result', 'progress', 'conn']
$$;
COMMENT ON FUNCTION learnerscore.learner_model_features() IS
  'The learner_daily columns the weekly learner models use by default (the 1T scoring specification''s choice plus log-ins, webinars, payment and the module-2 delay): '
  'each becomes <feature>_<j>_week for j = 1..k in the week-k model.';

-- Week-end rows of learner_daily (one per learner and course week), a view so it is always current.
CREATE FUNCTION learnerscore._create_learner_weekly_view(schema_name text, weeks int) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    cols text;
BEGIN
    SELECT string_agg(format('d.%I', f), ', ') INTO cols FROM unnest(learnerscore._weekly_feature_names()) f;
    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_weekly AS
        SELECT d.user_id, d.course_id, ((d.cur_date - st.course_start) / 7 + 1)::int AS week, d.cur_date, %2$s
          FROM %1$s.learner_daily d
          JOIN (SELECT course_id, min(date_shown)::date AS course_start FROM %1$s.schedule
                 WHERE isfinite(date_shown) GROUP BY course_id) st ON st.course_id = d.course_id
         WHERE (d.cur_date - st.course_start) %% 7 = 6 AND d.cur_date - st.course_start < 7 * %3$s$q$, s, cols, weeks);
    EXECUTE format('COMMENT ON VIEW %s.learner_weekly IS %L', s,
        'learner_daily at the end of each course week (course start + 7k - 1 days), weeks 1..' || weeks || ': the values behind <feature>_<k>_week.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_learner_weekly_view(text, int) IS 'Internal: creates <schema>.learner_weekly.';

-- SELECT of the week-k feature set, one row per learner (optionally restricted to some courses).
CREATE FUNCTION learnerscore._learner_features_sql(schema_name text, week int, course_filter text DEFAULT NULL,
                                                   weekly_relation text DEFAULT NULL, base_features text[] DEFAULT NULL)
RETURNS text LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    cols text := '';
    f text;
    j int;
BEGIN
    FOR j IN 1..week LOOP
        FOREACH f IN ARRAY coalesce(base_features, learnerscore.learner_model_features()) LOOP
            cols := cols || format(', max(w.%I) FILTER (WHERE w.week = %s)::float8 AS %I', f, j, f || '_' || j || '_week');
        END LOOP;
    END LOOP;
    RETURN format($q$SELECT u.user_id, u.course_id, a.age::float8 AS age, learnerscore.tz_hours(a.time_zone) AS time_zone,
                            u.tg_bot::float8 AS tg_bot%2$s
                       FROM %1$s.users u
                       LEFT JOIN %1$s.users_age_timezone a ON a.user_id = u.user_id
                       LEFT JOIN %5$s w ON w.user_id = u.user_id AND w.week <= %3$s
                      WHERE %4$s
                      GROUP BY u.user_id, u.course_id, a.age, a.time_zone, u.tg_bot$q$,
                  s, cols, week, coalesce(course_filter, 'true'), coalesce(weekly_relation, s || '.learner_weekly'));
END
$fn$;
COMMENT ON FUNCTION learnerscore._learner_features_sql(text, int, text, text, text[]) IS 'Internal: the week-k feature query used to train and score learner models.';

CREATE FUNCTION learnerscore._learner_feature_names(week int, base_features text[] DEFAULT NULL) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['age', 'time_zone', 'tg_bot'] ||
           ARRAY(SELECT f || '_' || j || '_week' FROM generate_series(1, week) j,
                 unnest(coalesce(base_features, learnerscore.learner_model_features())) WITH ORDINALITY AS n(f, o) ORDER BY j, o)
$$;
COMMENT ON FUNCTION learnerscore._learner_feature_names(int, text[]) IS 'Internal: the features of the week-k learner models.';

CREATE PROCEDURE learnerscore.train_learner_models(
    schema_name text, weeks int DEFAULT 10, algorithm text DEFAULT 'xgboost',
    params jsonb DEFAULT '{"num_round": 60, "max_depth": 3, "eta": 0.15, "subsample": 0.9, "max_bin": 32}',
    base_features text[] DEFAULT NULL)
LANGUAGE plpgsql AS $proc$
DECLARE
    s text;
    k int;
    tgt text;
    feats text[];
    cv record;
    model_name text;
    new_id bigint;
    ncourses int;
    validation text;
    ids jsonb := '{}';
BEGIN
    IF schema_name IS NULL OR weeks IS NULL OR weeks < 1 OR weeks > 52 THEN
        RAISE EXCEPTION 'schema must be given and weeks between 1 and 52' USING ERRCODE = '22023';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.learner_daily') IS NULL OR to_regclass(s || '.learner_status') IS NULL THEN
        RAISE EXCEPTION 'relation %.learner_daily does not exist', s USING ERRCODE = '42P01',
            HINT = format('Run CALL learnerscore.refresh_learner_daily(%L) first.', schema_name);
    END IF;
    PERFORM learnerscore._create_learner_weekly_view(schema_name, weeks);

    -- Targets: final status on the latest materialized date, completion and dropout.
    EXECUTE format($q$CREATE TABLE IF NOT EXISTS %1$s.learner_targets (
        user_id int PRIMARY KEY, course_id int, final_status text, completion int, dropout int, m2_progress float8)$q$, s);
    EXECUTE format('COMMENT ON TABLE %s.learner_targets IS %L', s,
        'Training targets of the learner models: completion = m2_attestation >= 50 and m2_progress >= 50; dropout = ends asleep (latest status) or does not complete module 2.');
    EXECUTE format('TRUNCATE %s.learner_targets', s);
    EXECUTE format($q$INSERT INTO %1$s.learner_targets
        SELECT u.user_id, u.course_id, st.status,
               coalesce(u.m2_attestation >= 50 AND u.m2_progress >= 50, false)::int,
               (st.status = 'asleep' OR NOT coalesce(u.m2_attestation >= 50 AND u.m2_progress >= 50, false))::int,
               u.m2_progress
          FROM %1$s.users u LEFT JOIN %1$s.learner_status st ON st.user_id = u.user_id$q$, s);

    EXECUTE format($q$CREATE TABLE IF NOT EXISTS %1$s.learner_model_metrics (
        week int, target text, algorithm text, validation text, rows float8,
        auc float8, brier float8, calibration_error float8, log_loss float8, accuracy float8, mae float8, rmse float8,
        model_id bigint, trained_at timestamptz DEFAULT now(), PRIMARY KEY (week, target))$q$, s);
    EXECUTE format('COMMENT ON TABLE %s.learner_model_metrics IS %L', s,
        'Per-week held-out metrics of the learner models (dropout, completion: AUC, Brier, calibration error; m2_progress: MAE, RMSE), '
        'from predictions on courses the model did not train on (leave-one-course-out), and the id of the model trained on all courses.');
    EXECUTE format('TRUNCATE %s.learner_model_metrics', s);
    EXECUTE format('SELECT count(DISTINCT course_id) FROM %s.learner_targets', s) INTO ncourses;
    validation := CASE WHEN ncourses >= 2 THEN 'leave-one-course-out' ELSE '5-fold' END;

    -- Aggregating straight over the learner_weekly view is slow (its expressions are
    -- re-evaluated per aggregate); materialize the week-end rows once.
    DROP TABLE IF EXISTS _ls_weekly;
    EXECUTE format('CREATE TEMP TABLE _ls_weekly AS SELECT * FROM %s.learner_weekly', s);
    FOR k IN 1..weeks LOOP
        DROP TABLE IF EXISTS _ls_learner_features;
        EXECUTE format('CREATE TEMP TABLE _ls_learner_features AS SELECT f.*, t.dropout, t.completion, t.m2_progress '
                       'FROM (%s) f JOIN %s.learner_targets t USING (user_id, course_id)',
                       learnerscore._learner_features_sql(schema_name, k, NULL, '_ls_weekly', base_features), s);
        feats := learnerscore._learner_feature_names(k, base_features);
        FOREACH tgt IN ARRAY ARRAY['dropout', 'completion', 'm2_progress'] LOOP
            SELECT * INTO cv FROM learnerscore.cross_validate('_ls_learner_features', tgt, feats, algorithm, params,
                       group_column => CASE WHEN ncourses >= 2 THEN 'course_id' END) c
             WHERE c.fold = 'pooled';
            model_name := format('%s.%s_w%s', schema_name, tgt, lpad(k::text, 2, '0'));
            PERFORM learnerscore.drop_model(model_name, if_exists => true);
            new_id := learnerscore.train(model_name, '_ls_learner_features', tgt, feats, algorithm, params);
            EXECUTE format('INSERT INTO %s.learner_model_metrics (week, target, algorithm, validation, rows, auc, brier, '
                           'calibration_error, log_loss, accuracy, mae, rmse, model_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)', s)
                USING k, tgt, algorithm, validation, cv.test_rows, cv.auc, cv.brier, cv.calibration_error, cv.log_loss,
                      cv.accuracy, cv.mae, cv.rmse, new_id;
        END LOOP;
    END LOOP;
    DROP TABLE IF EXISTS _ls_learner_features;
    DROP TABLE IF EXISTS _ls_weekly;
    PERFORM learnerscore._create_learner_scores_view(schema_name, weeks, base_features);
END
$proc$;
COMMENT ON PROCEDURE learnerscore.train_learner_models(text, int, text, jsonb, text[]) IS
  'Trains, for each week k = 1..weeks, models of dropout, completion and m2_progress on the leak-free week-k features, '
  'records their leave-one-course-out metrics in <schema>.learner_model_metrics, stores the models (trained on all courses) '
  'as <schema>.<target>_w<kk> in learnerscore.models (replacing older ones), and creates the view <schema>.learner_scores. '
  'base_features (default learnerscore.learner_model_features()) are the learner_daily columns used per week. '
  'Run CALL learnerscore.refresh_learner_daily(schema) first.';

CREATE FUNCTION learnerscore._create_learner_scores_view(schema_name text, weeks int, base_features text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    branches text := '';
    k int;
    d bigint; c bigint; p bigint;
BEGIN
    FOR k IN 1..weeks LOOP
        SELECT id INTO d FROM learnerscore.models WHERE name = format('%s.dropout_w%s', schema_name, lpad(k::text, 2, '0'));
        SELECT id INTO c FROM learnerscore.models WHERE name = format('%s.completion_w%s', schema_name, lpad(k::text, 2, '0'));
        SELECT id INTO p FROM learnerscore.models WHERE name = format('%s.m2_progress_w%s', schema_name, lpad(k::text, 2, '0'));
        IF d IS NULL OR c IS NULL OR p IS NULL THEN
            RAISE EXCEPTION 'the week-% learner models of schema % are missing', k, schema_name USING ERRCODE = '42704',
                HINT = 'Run CALL learnerscore.train_learner_models(schema) first.';
        END IF;
        branches := branches || CASE WHEN k > 1 THEN ' UNION ALL ' ELSE '' END || format(
            $q$SELECT f.user_id, f.course_id, %2$s AS week,
                      learnerscore.predict(%3$s::bigint, f) AS dropout_probability,
                      learnerscore.predict(%4$s::bigint, f) AS completion_probability,
                      greatest(0, least(100, learnerscore.predict(%5$s::bigint, f))) AS predicted_m2_progress,
                      learnerscore.top_reasons(learnerscore.explain(%3$s::bigint, f), to_jsonb(f), 3) AS top_reasons,
                      %3$s::bigint AS dropout_model_id, %4$s::bigint AS completion_model_id, %5$s::bigint AS progress_model_id
                 FROM (%1$s) f$q$,
            learnerscore._learner_features_sql(schema_name, k,
                format('u.course_id IN (SELECT course_id FROM cw WHERE cw.week = %s)', k), 'lw', base_features),
            k, d, c, p);
    END LOOP;
    -- A course is scored with the models of its last completed week (at most `weeks`, at least 1).
    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_scores AS
        WITH lw AS MATERIALIZED (SELECT * FROM %1$s.learner_weekly),
        cw AS (
            SELECT st.course_id,
                   least(%2$s, greatest(1, ((SELECT max(cur_date) FROM %1$s.learner_daily) - st.course_start + 1) / 7))::int AS week
              FROM (SELECT course_id, min(date_shown)::date AS course_start FROM %1$s.schedule
                     WHERE isfinite(date_shown) GROUP BY course_id) st),
        scored AS (%3$s)
        SELECT sc.user_id, sc.course_id, ls.status, sc.dropout_probability, sc.completion_probability,
               sc.predicted_m2_progress,
               rank() OVER (PARTITION BY sc.course_id ORDER BY sc.dropout_probability DESC)::int AS risk_rank,
               sc.top_reasons, sc.week AS model_week,
               sc.dropout_model_id, sc.completion_model_id, sc.progress_model_id
          FROM scored sc LEFT JOIN %1$s.learner_status ls ON ls.user_id = sc.user_id$q$, s, weeks, branches);
    EXECUTE format('COMMENT ON VIEW %s.learner_scores IS %L', s,
        'Scored learners on the latest date: activity status, dropout and completion probabilities, predicted m2_progress, '
        'risk_rank within the course (1 = contact first), top_reasons (the three features that raise the dropout risk most), '
        'the course week whose models were used and the model ids. Made by learnerscore.train_learner_models.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_learner_scores_view(text, int, text[]) IS 'Internal: (re)creates <schema>.learner_scores over the trained weekly models.';
-- Causal effects (docs/course-effects.md): result types, estimators as parallel-safe
-- aggregates (float8[] or bytea states with combine functions, never
-- internal), diagnostics and a column-reading table function.

CREATE TYPE learnerscore.effect AS (
    estimate  float8,
    std_error float8,
    ci_low    float8,
    ci_high   float8,
    p_value   float8,
    n_treated bigint,
    n_control bigint,
    method    text);
COMMENT ON TYPE learnerscore.effect IS
  'A treatment-effect estimate: estimate, standard error, (1 - alpha) confidence interval, two-sided p-value, rows per arm (NULL for a continuous treatment) and the method (diff, regression, ipw, aipw, att_ipw, att_aipw, iv_wald, iv_2sls, diff_poisson_bootstrap).';

CREATE TYPE learnerscore.welch_result AS (
    t_stat float8, df float8, p_value float8, mean_a float8, mean_b float8, n_a bigint, n_b bigint);
COMMENT ON TYPE learnerscore.welch_result IS
  'Welch''s unequal-variance t-test: group a = true, group b = false; Welch-Satterthwaite degrees of freedom.';

CREATE TYPE learnerscore.balance_row AS (
    covariate int, mean_treated float8, mean_control float8, smd_before float8,
    mean_treated_weighted float8, mean_control_weighted float8, smd_after float8);
COMMENT ON TYPE learnerscore.balance_row IS
  'Covariate balance: means per arm and the standardized mean difference (pooled unweighted SD) before and after inverse-propensity weighting; covariate is the 1-based index in the covariate array.';

CREATE TYPE learnerscore.overlap_summary AS (
    min_treated float8, max_treated float8, min_control float8, max_control float8,
    share_extreme float8, ess_treated float8, ess_control float8,
    n_treated bigint, n_control bigint, converged boolean);
COMMENT ON TYPE learnerscore.overlap_summary IS
  'Propensity overlap: score range per arm, share of rows with a score below 0.05 or above 0.95, effective sample sizes of the IPW weights, and whether the logistic fit converged.';

CREATE TYPE learnerscore.refutation AS (
    test text, estimate float8, new_estimate float8, statistic float8, passed boolean);
COMMENT ON TYPE learnerscore.refutation IS
  'One refutation check: placebo_treatment (statistic = p-value of the placebo effect; passes when > alpha), random_common_cause and random_subset (statistic = |change| / (1.96 * SE / 2); passes when <= 1).';

CREATE TYPE learnerscore.cuped_fit AS (
    theta float8, pre_mean float8, correlation float8, variance_reduction float8, n bigint);
COMMENT ON TYPE learnerscore.cuped_fit IS
  'CUPED adjustment: use value - theta * (pre - pre_mean); the variance of the metric shrinks by variance_reduction = correlation^2.';

-- ---------------------------------------------------------------- moments
CREATE FUNCTION learnerscore._diff_trans(float8[], float8, boolean) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_diff_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._diff_trans(float8[], float8, boolean, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_diff_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._diff_boot_trans(float8[], float8, boolean, int, bigint) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_diff_boot_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._diff_boot_trans(float8[], float8, boolean, int, bigint, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_diff_boot_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._moments_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_moments_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._diff_final(float8[]) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_diff_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._welch_final(float8[]) RETURNS learnerscore.welch_result
    AS 'MODULE_PATHNAME', 'ls_welch_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._diff_boot_final(float8[]) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_diff_boot_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._regression_trans(float8[], float8, boolean, float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_regression_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._regression_trans(float8[], float8, boolean, float8[], float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_regression_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._regression_final(float8[]) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_regression_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._iv_trans(float8[], float8, float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_iv_trans_z' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._iv_trans(float8[], float8, float8, float8, float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_iv_trans_z_x' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._iv_trans(float8[], float8, float8, float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_iv_trans_zs_x' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._iv_trans(float8[], float8, float8, float8, float8[], float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_iv_trans_z_x_alpha' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._iv_final(float8[]) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_iv_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._first_stage_trans(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_first_stage_trans_z' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._first_stage_trans(float8[], float8, float8, float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_first_stage_trans_z_x' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._first_stage_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_first_stage_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._cuped_trans(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_cuped_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._cuped_final(float8[]) RETURNS learnerscore.cuped_fit
    AS 'MODULE_PATHNAME', 'ls_cuped_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE learnerscore.ate_diff(outcome float8, treated boolean) (
    SFUNC = learnerscore._diff_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._diff_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.ate_diff(outcome float8, treated boolean, alpha float8) (
    SFUNC = learnerscore._diff_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._diff_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.ate_diff(float8, boolean) IS
  'Difference in means of the outcome, treated minus control, with the Welch/Neyman standard error sqrt(s1^2/n1 + s0^2/n0) and Welch-Satterthwaite t interval. Rows with a NULL are skipped; NULL (with a WARNING) when an arm has fewer than two rows.';
COMMENT ON AGGREGATE learnerscore.ate_diff(float8, boolean, float8) IS
  'ate_diff with a chosen alpha for the (1 - alpha) interval; alpha must be in (0, 1).';

CREATE AGGREGATE learnerscore.welch_test(value float8, grp boolean) (
    SFUNC = learnerscore._diff_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._welch_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.welch_test(float8, boolean) IS
  'Welch''s two-sample t-test of value between grp = true (a) and grp = false (b), as scipy.stats.ttest_ind(equal_var=False).';

CREATE AGGREGATE learnerscore.ate_diff_bootstrap(outcome float8, treated boolean, replicates int, seed bigint) (
    SFUNC = learnerscore._diff_boot_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._diff_boot_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.ate_diff_bootstrap(outcome float8, treated boolean, replicates int, seed bigint, alpha float8) (
    SFUNC = learnerscore._diff_boot_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._diff_boot_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.ate_diff_bootstrap(float8, boolean, int, bigint) IS
  'Difference in means with a one-pass Poisson bootstrap (10..10000 replicates): each row gets a Poisson(1) weight per replicate from a hash of its values and the seed, so the result does not depend on parallel workers. std_error = SD of the replicates, interval = percentiles.';
COMMENT ON AGGREGATE learnerscore.ate_diff_bootstrap(float8, boolean, int, bigint, float8) IS
  'ate_diff_bootstrap with a chosen alpha.';

CREATE AGGREGATE learnerscore.ate_regression(outcome float8, treated boolean, covariates float8[]) (
    SFUNC = learnerscore._regression_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._regression_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.ate_regression(outcome float8, treated boolean, covariates float8[], alpha float8) (
    SFUNC = learnerscore._regression_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._regression_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.ate_regression(float8, boolean, float8[]) IS
  'Regression adjustment: the treated coefficient of OLS outcome ~ 1 + treated + covariates, with the classical (non-robust) standard error and t interval on n - k - 2 degrees of freedom, exactly as statsmodels OLS().fit(). Exact from centred co-moments (one pass, parallel). Collinear covariates are handled as pinv does. Rows with a NULL (or a NULL element) are skipped; arrays of different lengths, NaN or infinity raise 22023.';
COMMENT ON AGGREGATE learnerscore.ate_regression(float8, boolean, float8[], float8) IS
  'ate_regression with a chosen alpha.';

CREATE AGGREGATE learnerscore.ate_iv(outcome float8, treatment float8, instrument float8) (
    SFUNC = learnerscore._iv_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._iv_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.ate_iv(outcome float8, treatment float8, instrument float8, covariates float8[]) (
    SFUNC = learnerscore._iv_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._iv_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.ate_iv(outcome float8, treatment float8, instruments float8[], covariates float8[]) (
    SFUNC = learnerscore._iv_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._iv_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.ate_iv(outcome float8, treatment float8, instrument float8, covariates float8[], alpha float8) (
    SFUNC = learnerscore._iv_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._iv_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.ate_iv(float8, float8, float8) IS
  'Instrumental-variable (Wald) estimate cov(y, z) / cov(d, z) = 2SLS with an intercept; treatment and instrument may be binary or continuous. Classical 2SLS standard error (statsmodels IV2SLS), t interval on n - 2 df. WARNING when the first-stage F < 10; NULL with a WARNING when the instrument is constant.';
COMMENT ON AGGREGATE learnerscore.ate_iv(float8, float8, float8, float8[]) IS
  'Two-stage least squares of outcome on treatment (endogenous) and covariates (exogenous), with the excluded instrument; classical standard error sigma^2 = RSS / (n - k - 2) as statsmodels IV2SLS and Stata ivreg.';
COMMENT ON AGGREGATE learnerscore.ate_iv(float8, float8, float8[], float8[]) IS
  'Two-stage least squares with several excluded instruments (an array) and covariates.';
COMMENT ON AGGREGATE learnerscore.ate_iv(float8, float8, float8, float8[], float8) IS
  'ate_iv with covariates and a chosen alpha.';

CREATE AGGREGATE learnerscore.first_stage_f(treatment float8, instrument float8) (
    SFUNC = learnerscore._first_stage_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._first_stage_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.first_stage_f(treatment float8, instrument float8, covariates float8[]) (
    SFUNC = learnerscore._first_stage_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._first_stage_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.first_stage_f(float8, float8) IS
  'First-stage F statistic of the instrument (below 10: a weak instrument).';
COMMENT ON AGGREGATE learnerscore.first_stage_f(float8, float8, float8[]) IS
  'Partial first-stage F of the excluded instrument given the covariates.';

CREATE AGGREGATE learnerscore.cuped(value float8, pre_value float8) (
    SFUNC = learnerscore._cuped_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._cuped_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.cuped(float8, float8) IS
  'CUPED variance reduction with a pre-period covariate: theta = cov(value, pre) / var(pre); analyse value - theta * (pre - pre_mean).';

-- ---------------------------------------------------------------- rows (bytea)
CREATE FUNCTION learnerscore._rows_trans(bytea, float8, boolean, float8[]) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_trans_y' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._rows_trans(bytea, float8, boolean, float8[], float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_trans_y' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._rows_trans(bytea, float8, boolean, float8[], float8, float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_trans_y' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._rows_trans(bytea, float8, boolean, float8[], text, bigint) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_trans_refute' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._rows_trans(bytea, boolean, float8[]) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_trans_noy' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._rows_trans(bytea, boolean, float8[], float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_trans_noy' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._rows_combine(bytea, bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._ipw_final(bytea) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_ipw_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._att_ipw_final(bytea) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_att_ipw_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._aipw_final(bytea) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_aipw_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._att_aipw_final(bytea) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_att_aipw_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._balance_final(bytea) RETURNS learnerscore.balance_row[]
    AS 'MODULE_PATHNAME', 'ls_balance_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._overlap_final(bytea) RETURNS learnerscore.overlap_summary
    AS 'MODULE_PATHNAME', 'ls_overlap_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._refute_final(bytea) RETURNS learnerscore.refutation[]
    AS 'MODULE_PATHNAME', 'ls_refute_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

DO $$
DECLARE
    agg record;
    sig text;
BEGIN
    FOR agg IN SELECT * FROM (VALUES
        ('ate_ipw', '_ipw_final', 'Inverse-propensity weighting with normalized (Hajek) weights and a logistic propensity of treated on the covariates; standard error from the stacked M-estimation sandwich, which accounts for the estimated propensity; normal interval.'),
        ('att_ipw', '_att_ipw_final', 'Effect on the treated by IPW: controls weighted by the propensity odds e/(1-e), normalized; sandwich standard error.'),
        ('ate_aipw', '_aipw_final', 'Doubly robust AIPW: logistic propensity plus per-arm OLS outcome models; standard error sqrt(mean(psi - ATE)^2 / n) from the influence function psi; normal interval.'),
        ('att_aipw', '_att_aipw_final', 'Doubly robust effect on the treated (control outcome model plus propensity-odds weighting of control residuals); influence-function standard error.'))
        AS t(name, final, doc)
    LOOP
        FOREACH sig IN ARRAY ARRAY['outcome float8, treated boolean, covariates float8[]',
                                   'outcome float8, treated boolean, covariates float8[], trim_level float8',
                                   'outcome float8, treated boolean, covariates float8[], trim_level float8, alpha float8']
        LOOP
            EXECUTE format('CREATE AGGREGATE learnerscore.%I(%s) (SFUNC = learnerscore._rows_trans, STYPE = bytea, INITCOND = '''', COMBINEFUNC = learnerscore._rows_combine, FINALFUNC = learnerscore.%I, PARALLEL = SAFE)',
                           agg.name, sig, agg.final);
            EXECUTE format('COMMENT ON AGGREGATE learnerscore.%I(%s) IS %L', agg.name,
                           regexp_replace(sig, '(outcome|treated|covariates|trim_level|alpha) ', '', 'g'),
                           agg.doc || ' The rows are kept exactly in a bytea state (parallel: concatenated), so the propensity fit is exact; up to ~1 GB of row data (use ate_from_table beyond). trim_level drops rows with a propensity outside [trim, 1 - trim] (default 0); with trim 0 and propensities of 0 or 1 the result is NULL with a WARNING. Rows with a NULL (or a NULL covariate element) are skipped.');
        END LOOP;
    END LOOP;
END $$;

CREATE AGGREGATE learnerscore.balance(treated boolean, covariates float8[]) (
    SFUNC = learnerscore._rows_trans, STYPE = bytea, INITCOND = '',
    COMBINEFUNC = learnerscore._rows_combine, FINALFUNC = learnerscore._balance_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.balance(treated boolean, covariates float8[], trim_level float8) (
    SFUNC = learnerscore._rows_trans, STYPE = bytea, INITCOND = '',
    COMBINEFUNC = learnerscore._rows_combine, FINALFUNC = learnerscore._balance_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.balance(boolean, float8[]) IS
  'Covariate balance, one learnerscore.balance_row per covariate: standardized mean differences before and after IPW weighting (|SMD| < 0.1 is the usual target). Use SELECT (unnest(balance(...))).*';
COMMENT ON AGGREGATE learnerscore.balance(boolean, float8[], float8) IS 'balance after trimming propensities outside [trim, 1 - trim].';

CREATE AGGREGATE learnerscore.propensity_overlap(treated boolean, covariates float8[]) (
    SFUNC = learnerscore._rows_trans, STYPE = bytea, INITCOND = '',
    COMBINEFUNC = learnerscore._rows_combine, FINALFUNC = learnerscore._overlap_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.propensity_overlap(boolean, float8[]) IS
  'Propensity-score overlap summary (learnerscore.overlap_summary) of a logistic model of treated on the covariates.';

CREATE AGGREGATE learnerscore.ate_refute(outcome float8, treated boolean, covariates float8[], method text, seed bigint) (
    SFUNC = learnerscore._rows_trans, STYPE = bytea, INITCOND = '',
    COMBINEFUNC = learnerscore._rows_combine, FINALFUNC = learnerscore._refute_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.ate_refute(float8, boolean, float8[], text, bigint) IS
  'Refutation checks of an estimate (method diff | regression | ipw | aipw): placebo treatment (a seeded permutation; the effect must vanish), random common cause (an added N(0,1) covariate; the estimate must not move) and a random 80 % subset (the estimate must stay within sampling noise). Returns learnerscore.refutation[] with passed per test.';

-- ---------------------------------------------------------------- table function
CREATE FUNCTION learnerscore.ate_from_table(relation regclass, outcome text, treatment text, covariates text[],
                                            method text DEFAULT 'aipw', trim_level float8 DEFAULT 0, alpha float8 DEFAULT 0.05)
    RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_ate_from_table' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION learnerscore.ate_from_table(regclass, text, text, text[], text, float8, float8) IS
  'Treatment effect (method diff | regression | ipw | aipw) reading the named columns of a table or view directly into one contiguous in-memory buffer (one scan, no per-row array): outcome and covariates cast to float8, treatment boolean or 0/1 (cast to int, non-zero = treated). Rows with a NULL are skipped; NaN or infinity is an error. Holds at most 4 GB of row data (8 bytes per value; about 23 million rows x 20 covariates), past which it stops with a program_limit_exceeded error. Same estimators as the aggregates; the fastest path for large tables.';

-- ---------------------------------------------------------------- helpers
CREATE FUNCTION learnerscore.one_hot(value text, levels text[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
BEGIN
    IF value IS NULL OR levels IS NULL THEN RETURN NULL; END IF;
    IF NOT value = ANY(levels) THEN
        RAISE EXCEPTION 'one_hot: value "%" is not one of the levels %', value, levels
            USING ERRCODE = '22023', HINT = 'Collect the levels with array_agg(DISTINCT col ORDER BY col).';
    END IF;
    RETURN ARRAY(SELECT (l = value)::int::float8 FROM unnest(levels[2:]) WITH ORDINALITY AS u(l, i) ORDER BY i);
END $$;
COMMENT ON FUNCTION learnerscore.one_hot(text, text[]) IS
  'Dummy coding of a categorical value for the covariate arrays: one 0/1 element per level after the first (the first level is the reference, so an intercept model stays identified). NULL value -> NULL (the row is skipped); an unknown value raises 22023.';

CREATE FUNCTION learnerscore.one_hot(value anyenum) RETURNS float8[]
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT learnerscore.one_hot(value::text, enum_range(value)::text[])
$$;
COMMENT ON FUNCTION learnerscore.one_hot(anyenum) IS
  'Dummy coding of an enum value (levels in enum order; the first is the reference).';

-- ---------------------------------------------------------------- A/B design
CREATE TYPE learnerscore.ab_size AS (
    n_control bigint, n_treatment bigint, n_total bigint, effect_size float8, n_control_exact float8);
COMMENT ON TYPE learnerscore.ab_size IS
  'A/B sample size: subjects per group (rounded up), the standardized effect size (Cohen''s d or h) and the exact fractional control-group size (statsmodels'' solve_power nobs1).';

CREATE FUNCTION learnerscore.ab_sample_size(kind text, baseline float8, mde float8, sd float8 DEFAULT NULL,
                                            alpha float8 DEFAULT 0.05, power float8 DEFAULT 0.8, ratio float8 DEFAULT 1,
                                            cluster_size float8 DEFAULT 1, icc float8 DEFAULT 0, cuped_rho float8 DEFAULT 0)
    RETURNS learnerscore.ab_size
    AS 'MODULE_PATHNAME', 'ls_ab_sample_size' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.ab_sample_size(text, float8, float8, float8, float8, float8, float8, float8, float8, float8) IS
  'Subjects needed for a two-sided test: kind ''mean'' (two-sample t-test, effect mde / sd; as statsmodels TTestIndPower) or ''proportion'' (baseline rate, absolute lift mde; Cohen''s h, NormalIndPower). ratio = n_treatment / n_control. Randomizing whole teams multiplies by the design effect 1 + (cluster_size - 1) * icc; a CUPED pre-period covariate with correlation cuped_rho shrinks the variance by 1 - rho^2. alpha, power in (0, 1) or 22023.';

CREATE FUNCTION learnerscore.ab_power(kind text, baseline float8, mde float8, sd float8, n_control float8,
                                      alpha float8 DEFAULT 0.05, ratio float8 DEFAULT 1)
    RETURNS float8 AS 'MODULE_PATHNAME', 'ls_ab_power' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.ab_power(text, float8, float8, float8, float8, float8, float8) IS
  'Power of a two-sided test with n_control subjects in control and ratio * n_control in treatment (statsmodels TTestIndPower / NormalIndPower.power).';

CREATE FUNCTION learnerscore.ab_mde(kind text, baseline float8, sd float8, n_control float8,
                                    alpha float8 DEFAULT 0.05, power float8 DEFAULT 0.8, ratio float8 DEFAULT 1)
    RETURNS float8 AS 'MODULE_PATHNAME', 'ls_ab_mde' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.ab_mde(text, float8, float8, float8, float8, float8, float8) IS
  'Minimal detectable absolute effect (a difference in means, or a lift of the baseline proportion) at the given size, alpha and power.';

CREATE FUNCTION learnerscore.ab_design_effect(cluster_size float8, icc float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_ab_design_effect' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.ab_design_effect(float8, float8) IS
  'Design effect of randomizing whole teams of cluster_size members with intra-class correlation icc: 1 + (m - 1) * icc.';
-- Course effects (the course-effects brief, docs/course-effects.md): the five source tables, settings,
-- per-employee KPI windows, the employee x course panel, the course_effects
-- materialized view, verdicts and recommendations. Everything lives in a
-- schema the user owns; identifiers go through format('%I').

-- The five source tables and the two settings tables (with their default rows).
CREATE FUNCTION learnerscore._create_course_effects_tables(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
BEGIN
    PERFORM learnerscore._create_schema_if_missing(schema_name);

    PERFORM learnerscore._create_table(schema_name, 'employees', $$
        employee_id int PRIMARY KEY,
        department  text NOT NULL,
        position    text,
        hire_date   date,
        team_id     int$$,
        'Call-centre employees: department, position, hire date and team (the unit of a team-randomized A/B test).',
        'employees_department_idx (department)');

    PERFORM learnerscore._create_table(schema_name, 'communications', $$
        communication_id bigint PRIMARY KEY,
        employee_id      int NOT NULL,
        started_at       timestamp NOT NULL,
        channel          text,
        duration_sec     int CHECK (duration_sec >= 0),
        csat             float8,
        resolved         boolean$$,
        'One row per customer call or chat with its KPIs: duration_sec (handle time, lower is better), csat (customer satisfaction score) and resolved (first-contact resolution).',
        'communications_employee_time_idx (employee_id, started_at)');

    PERFORM learnerscore._create_table(schema_name, 'courses_info', $$
        course_id int PRIMARY KEY,
        title     text,
        topic     text,
        duration  float8$$,
        'Training courses of the EdTech platform (duration in hours).');

    PERFORM learnerscore._create_table(schema_name, 'courses_passing', $$
        employee_id int NOT NULL,
        course_id   int NOT NULL,
        started_at  timestamp,
        finished_at timestamp,
        status      text,
        score       float8,
        PRIMARY KEY (employee_id, course_id)$$,
        'Course taking: status finished / dropped / in_progress; an employee is treated by a course when it was finished before the post-period.',
        'courses_passing_course_idx (course_id)');

    PERFORM learnerscore._create_table(schema_name, 'course_employee_sms', $$
        employee_id int NOT NULL,
        course_id   int NOT NULL,
        sent_at     timestamp,
        PRIMARY KEY (employee_id, course_id)$$,
        'Invitations to courses, sent at random: the instrument of the IV estimates.',
        'course_employee_sms_course_idx (course_id)');

    PERFORM learnerscore._create_table(schema_name, 'course_effect_settings', $$
        id             int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        pre_start      timestamp,
        pre_end        timestamp,
        post_start     timestamp,
        post_end       timestamp,
        primary_method text NOT NULL DEFAULT 'iv' CHECK (primary_method IN ('naive', 'regression', 'aipw', 'iv')),
        alpha          float8 NOT NULL DEFAULT 0.05 CHECK (alpha > 0 AND alpha < 1),
        power          float8 NOT NULL DEFAULT 0.8 CHECK (power > 0 AND power < 1)$$,
        'Study windows and verdict settings. NULL windows are derived from the first invitation date I: pre-period [I - 60 days, I), post-period [I + 30 days, I + 90 days). primary_method drives recommend_courses.');
    EXECUTE format('INSERT INTO %s.course_effect_settings (id) VALUES (1) ON CONFLICT DO NOTHING', s);

    PERFORM learnerscore._create_table(schema_name, 'kpi_settings', $$
        kpi               text PRIMARY KEY,
        higher_is_better  boolean NOT NULL,
        min_useful_effect float8 NOT NULL CHECK (min_useful_effect > 0)$$,
        'Per KPI: direction and the minimal useful effect (in KPI units: csat points, share of resolved contacts, seconds of handle time) against which verdicts are made.');
    EXECUTE format($$INSERT INTO %s.kpi_settings VALUES ('csat', true, 1.5), ('resolved_rate', true, 0.02),
        ('handle_time', false, 10) ON CONFLICT DO NOTHING$$, s);
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_course_effects_tables(text) IS
  'Internal: creates (idempotently) the course-effects source tables (employees, communications, courses_info, courses_passing, course_employee_sms) and the settings tables with their defaults in the given schema; a step of create_course_effects_schema.';

-- The study windows, the per-employee KPIs and the employee x course x KPI panel.
CREATE FUNCTION learnerscore._create_course_effects_panel(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
BEGIN
    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.study_windows AS
        SELECT coalesce(st.pre_start, i.d - interval '60 days') AS pre_start,
               coalesce(st.pre_end, i.d) AS pre_end,
               coalesce(st.post_start, i.d + interval '30 days') AS post_start,
               coalesce(st.post_end, i.d + interval '90 days') AS post_end
        FROM %1$s.course_effect_settings st,
             (SELECT date_trunc('day', min(sent_at)) AS d FROM %1$s.course_employee_sms) i$$, s);
    EXECUTE format('COMMENT ON VIEW %s.study_windows IS %L', s, 'The pre- and post-period windows in force (settings or derived from the first invitation).');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.employee_profile AS
        WITH w AS (SELECT * FROM %1$s.study_windows),
        a AS (
            SELECT c.employee_id,
                   avg(c.csat) FILTER (WHERE c.started_at >= w.pre_start AND c.started_at < w.pre_end) AS csat_pre,
                   avg(c.resolved::int::float8) FILTER (WHERE c.started_at >= w.pre_start AND c.started_at < w.pre_end) AS resolved_rate_pre,
                   avg(c.duration_sec::float8) FILTER (WHERE c.started_at >= w.pre_start AND c.started_at < w.pre_end) AS handle_time_pre,
                   avg(c.csat) FILTER (WHERE c.started_at >= w.post_start AND c.started_at < w.post_end) AS csat_post,
                   avg(c.resolved::int::float8) FILTER (WHERE c.started_at >= w.post_start AND c.started_at < w.post_end) AS resolved_rate_post,
                   avg(c.duration_sec::float8) FILTER (WHERE c.started_at >= w.post_start AND c.started_at < w.post_end) AS handle_time_post,
                   count(*) FILTER (WHERE c.started_at >= w.pre_start AND c.started_at < w.pre_end) AS n_pre,
                   count(*) FILTER (WHERE c.started_at >= w.post_start AND c.started_at < w.post_end) AS n_post
            FROM %1$s.communications c CROSS JOIN w
            GROUP BY c.employee_id)
        SELECT e.employee_id, e.department, e.position, e.team_id,
               extract(epoch FROM (w.pre_end - e.hire_date::timestamp)) / (365.25 * 86400) AS tenure_years,
               a.csat_pre, a.resolved_rate_pre, a.handle_time_pre, a.csat_post, a.resolved_rate_post, a.handle_time_post,
               coalesce(a.n_pre, 0) AS n_pre, coalesce(a.n_post, 0) AS n_post
        FROM %1$s.employees e CROSS JOIN w LEFT JOIN a USING (employee_id)$$, s);
    EXECUTE format('COMMENT ON VIEW %s.employee_profile IS %L', s,
        'Per employee: tenure and the mean of each KPI (csat, resolved_rate, handle_time) in the pre-period and the post-period of study_windows, with communication counts.');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.employee_kpis AS
        SELECT p.employee_id, p.department, k.kpi, k.pre_value, k.post_value, p.n_pre, p.n_post
        FROM %1$s.employee_profile p
        CROSS JOIN LATERAL (VALUES ('csat', p.csat_pre, p.csat_post),
                                   ('resolved_rate', p.resolved_rate_pre, p.resolved_rate_post),
                                   ('handle_time', p.handle_time_pre, p.handle_time_post)) k(kpi, pre_value, post_value)$$, s);
    EXECUTE format('COMMENT ON VIEW %s.employee_kpis IS %L', s, 'Per employee x KPI: the pre-period value (a covariate) and the post-period value (the outcome).');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.course_panel AS
        WITH w AS (SELECT * FROM %1$s.study_windows),
        lv AS (SELECT array_agg(DISTINCT department ORDER BY department) AS levels FROM %1$s.employees)
        SELECT ci.course_id, k.employee_id, k.department, k.kpi, k.pre_value, k.post_value,
               coalesce(cp.status = 'finished' AND cp.finished_at < w.post_start, false) AS treated,
               sms.employee_id IS NOT NULL AS invited,
               ARRAY[p.csat_pre, p.resolved_rate_pre, p.handle_time_pre, p.tenure_years]
                   || learnerscore.one_hot(p.department, lv.levels) AS covariates
        FROM %1$s.courses_info ci
        CROSS JOIN %1$s.employee_kpis k
        JOIN %1$s.employee_profile p USING (employee_id)
        CROSS JOIN w CROSS JOIN lv
        LEFT JOIN %1$s.courses_passing cp ON cp.employee_id = k.employee_id AND cp.course_id = ci.course_id
        LEFT JOIN %1$s.course_employee_sms sms ON sms.employee_id = k.employee_id AND sms.course_id = ci.course_id
        WHERE k.post_value IS NOT NULL$$, s);
    EXECUTE format('COMMENT ON VIEW %s.course_panel IS %L', s,
        'Employee x course x KPI: post-period outcome, treated (finished the course before the post-period), invited (random SMS: the instrument) and covariates [csat_pre, resolved_rate_pre, handle_time_pre, tenure_years, department dummies].');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_course_effects_panel(text) IS
  'Internal: creates (CREATE OR REPLACE) the views study_windows, employee_profile, employee_kpis and course_panel of a course-effects schema; a step of create_course_effects_schema.';

-- The estimates (materialized: refresh_course_effects recomputes them) and the verdicts.
CREATE FUNCTION learnerscore._create_course_effects_results(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
BEGIN
    IF to_regclass(s || '.course_effects') IS NULL THEN
    EXECUTE format($$CREATE MATERIALIZED VIEW %1$s.course_effects AS
        SELECT g.course_id, g.kpi, coalesce(g.department, 'ALL') AS department, m.method,
               (m.e).estimate, (m.e).std_error, (m.e).ci_low, (m.e).ci_high, (m.e).p_value,
               (m.e).n_treated, (m.e).n_control, g.outcome_sd, g.n_rows
        FROM (SELECT course_id, kpi, department,
                     learnerscore.ate_diff(post_value, treated) AS naive,
                     learnerscore.ate_regression(post_value, treated, covariates) AS regression,
                     learnerscore.ate_aipw(post_value, treated, covariates, 0.01) AS aipw,
                     learnerscore.ate_iv(post_value, treated::int::float8, invited::int::float8, covariates) AS iv,
                     stddev(post_value) AS outcome_sd, count(*) AS n_rows
              FROM %1$s.course_panel
              GROUP BY GROUPING SETS ((course_id, kpi, department), (course_id, kpi))) g
        CROSS JOIN LATERAL (VALUES ('naive', g.naive), ('regression', g.regression), ('aipw', g.aipw), ('iv', g.iv)) m(method, e)
        WITH DATA$$, s);
    END IF;
    EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS course_effects_key ON %s.course_effects (course_id, kpi, department, method)', s);
    EXECUTE format('COMMENT ON MATERIALIZED VIEW %s.course_effects IS %L', s,
        'Course x KPI x department (ALL = every department) x method: naive difference in means, regression adjustment, AIPW (propensity trimmed at 0.01) and IV/2SLS with the random invitation as instrument; covariates are the pre-period KPIs, tenure and department. Refresh with CALL learnerscore.refresh_course_effects(schema) after loading.');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.course_verdicts AS
        SELECT e.course_id, ci.title, e.kpi, e.department, e.method, e.estimate, e.ci_low, e.ci_high,
               ks.min_useful_effect, b.benefit, b.benefit_low, b.benefit_high,
               CASE WHEN e.estimate IS NULL THEN 'inconclusive'
                    WHEN b.benefit_low > 0 AND b.benefit >= ks.min_useful_effect THEN 'recommend'
                    WHEN b.benefit_high < ks.min_useful_effect THEN 'remove'
                    ELSE 'inconclusive' END AS verdict,
               b.benefit_high < 0 AS harmful,
               CASE WHEN e.estimate IS NULL OR NOT (b.benefit_low > 0 AND b.benefit >= ks.min_useful_effect)
                         AND NOT (b.benefit_high < ks.min_useful_effect)
                    THEN (learnerscore.ab_sample_size('mean', NULL, ks.min_useful_effect, nullif(e.outcome_sd, 0),
                                                      st.alpha, st.power)).n_control END AS ab_n_per_group
        FROM %1$s.course_effects e
        JOIN %1$s.kpi_settings ks USING (kpi)
        LEFT JOIN %1$s.courses_info ci USING (course_id)
        CROSS JOIN %1$s.course_effect_settings st
        CROSS JOIN LATERAL (SELECT CASE WHEN ks.higher_is_better THEN e.estimate ELSE -e.estimate END AS benefit,
                                   CASE WHEN ks.higher_is_better THEN e.ci_low ELSE -e.ci_high END AS benefit_low,
                                   CASE WHEN ks.higher_is_better THEN e.ci_high ELSE -e.ci_low END AS benefit_high) b$$, s);
    EXECUTE format('COMMENT ON VIEW %s.course_verdicts IS %L', s,
        'Verdict per course x KPI x department x method, benefit = effect signed so that positive is good: recommend when the interval excludes 0 and the estimate reaches the minimal useful effect; remove when the whole interval lies below the minimal useful effect (harmful when below 0); else inconclusive, with the per-group A/B sample size that would detect the minimal useful effect.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_course_effects_results(text) IS
  'Internal: creates the materialized view course_effects (if missing) with its key index and the view course_verdicts of a course-effects schema; a step of create_course_effects_schema.';

CREATE PROCEDURE learnerscore.create_course_effects_schema(schema_name text)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $proc$
BEGIN
    PERFORM learnerscore._create_course_effects_tables(schema_name);
    PERFORM learnerscore._create_course_effects_panel(schema_name);
    PERFORM learnerscore._create_course_effects_results(schema_name);
END
$proc$;
COMMENT ON PROCEDURE learnerscore.create_course_effects_schema(text) IS
  'Creates (idempotently) the course-effects tables employees, communications, courses_info, courses_passing, course_employee_sms, the settings tables, the views study_windows, employee_profile, employee_kpis, course_panel, course_verdicts and the materialized view course_effects in the given schema.';

CREATE PROCEDURE learnerscore.refresh_course_effects(schema_name text)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $$
BEGIN
    EXECUTE format('REFRESH MATERIALIZED VIEW %I.course_effects', schema_name);
END $$;
COMMENT ON PROCEDURE learnerscore.refresh_course_effects(text) IS
  'Recomputes <schema>.course_effects (all estimators for every course x KPI x department) after new data is loaded.';

CREATE FUNCTION learnerscore.recommend_courses(schema_name text, employee_id int, k int DEFAULT 5)
RETURNS TABLE (course_id int, title text, score float8, effects jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    dept text;
BEGIN
    IF k IS NULL OR k < 1 THEN
        RAISE EXCEPTION 'recommend_courses: k must be a positive integer' USING ERRCODE = '22023';
    END IF;
    EXECUTE format('SELECT department FROM %I.employees WHERE employee_id = $1', schema_name) INTO dept USING employee_id;
    IF dept IS NULL THEN
        RAISE EXCEPTION 'recommend_courses: no employee % in %.employees', employee_id, schema_name USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH st AS (SELECT primary_method FROM %1$I.course_effect_settings),
        e AS (SELECT ce.* FROM %1$I.course_effects ce, st WHERE ce.method = st.primary_method),
        tau AS (  -- between-department variance of the effect (method of moments, floored at 0)
            SELECT ce.course_id, ce.kpi,
                   greatest(coalesce(var_samp(ce.estimate), 0) - coalesce(avg(ce.std_error ^ 2), 0), 0) AS tau2
            FROM e ce WHERE ce.department <> 'ALL' GROUP BY 1, 2),
        shrunk AS (
            SELECT a.course_id, a.kpi, ks.min_useful_effect, ks.higher_is_better,
                   CASE WHEN d.estimate IS NULL OR d.std_error IS NULL THEN a.estimate
                        ELSE (t.tau2 * d.estimate + d.std_error ^ 2 * a.estimate) / nullif(t.tau2 + d.std_error ^ 2, 0) END AS effect,
                   CASE WHEN d.estimate IS NULL OR d.std_error IS NULL THEN 0
                        ELSE t.tau2 / nullif(t.tau2 + d.std_error ^ 2, 0) END AS weight_department
            FROM e a
            JOIN %1$I.kpi_settings ks ON ks.kpi = a.kpi
            LEFT JOIN e d ON d.course_id = a.course_id AND d.kpi = a.kpi AND d.department = $1
            LEFT JOIN tau t ON t.course_id = a.course_id AND t.kpi = a.kpi
            WHERE a.department = 'ALL' AND a.estimate IS NOT NULL),
        scored AS (
            SELECT s.course_id,
                   sum(CASE WHEN s.higher_is_better THEN s.effect ELSE -s.effect END / s.min_useful_effect) AS score,
                   jsonb_object_agg(s.kpi, jsonb_build_object('effect', round(coalesce(s.effect, 0)::numeric, 4),
                                    'weight_department', round(coalesce(s.weight_department, 0)::numeric, 3))) AS effects
            FROM shrunk s GROUP BY s.course_id)
        SELECT sc.course_id, ci.title, sc.score, sc.effects
        FROM scored sc LEFT JOIN %1$I.courses_info ci ON ci.course_id = sc.course_id
        WHERE sc.score > 0
          AND NOT EXISTS (SELECT 1 FROM %1$I.courses_passing cp
                          WHERE cp.employee_id = $2 AND cp.course_id = sc.course_id AND cp.status = 'finished')
        ORDER BY sc.score DESC, sc.course_id
        LIMIT $3$q$, schema_name) USING dept, employee_id, k;
END
$fn$;
COMMENT ON FUNCTION learnerscore.recommend_courses(text, int, int) IS
  'Top k courses the employee has not finished, ranked by the estimated benefit for the employee''s department (sum over KPIs of the signed effect in units of the minimal useful effect, from the primary method of course_effect_settings). Department estimates are shrunk toward the all-department estimate with weight tau^2 / (tau^2 + se^2) (empirical Bayes, tau^2 the between-department variance), so a department with little data gets the overall effect. Only courses with a positive score are listed.';
-- The privilege model (docs/security.md): three group roles, one call that
-- grants each kind of user, and nothing internal executable by PUBLIC.
--
--   learnerscore_reader   BI tools: the analyst and scored views (and the functions they call)
--   learnerscore_analyst  + train, cross-validate and drop its own models (predict, explain and
--                           the metric and causal aggregates are open to every role)
--   learnerscore_owner    + create schemas, load, refresh, the learner-model pipeline
--
-- Each kind includes the one before it. Group roles are cluster-wide and NOLOGIN;
-- they are created once and kept (DROP EXTENSION leaves roles alone, as it must:
-- other databases of the cluster may use them).
DO $roles$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['learnerscore_reader', 'learnerscore_analyst', 'learnerscore_owner'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$roles$;
GRANT learnerscore_reader TO learnerscore_analyst;
GRANT learnerscore_analyst TO learnerscore_owner;

-- What each kind may execute beyond what PUBLIC may. An internal function (name
-- starting with "_") not listed here is executable by nobody but the extension's
-- owner: aggregate support functions (PostgreSQL checks the aggregate owner's
-- right to call them, not the caller's) and trigger functions (not checked when
-- they fire). tests/regress/sql/security/60_privileges.sql fails when a function is missing from this list.
CREATE FUNCTION learnerscore._routine_access(OUT routine text, OUT kind text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r, k FROM (VALUES
        -- training and cross-validation (train() and cross_validate() are the public entry points)
        ('analyst', ARRAY['train', 'cross_validate', 'drop_model', '_read_source', '_models_normal_cdf',
                          '_weekly_feature_names', '_weekly_features_sql', '_learner_daily_all']),
        -- learning schemas (100_learning_schema.sql, 130_create_learning_schema.sql)
        ('owner', ARRAY['create_learning_schema', '_create_load_tables', '_create_learning_tables',
                        '_create_table', '_create_schema_if_missing', '_comment_table',
                        '_learning_schema_relations', '_learning_schema_fingerprint', '_extension_fingerprint',
                        '_relations_fingerprint', '_lock_learning_schema']),
        -- the analyst views and their caches (115_view_cache.sql, 120_learning_views.sql)
        ('owner', ARRAY['refresh_analyst_views', '_cached_views', '_view_base_tables', '_view_definitions',
                        '_create_view_cache', '_invalidate_view_caches', '_lock_analyst_view_caches',
                        '_create_learning_views',
                        '_create_view_m_user_tags_history_live', '_create_view_m_online_students_live',
                        '_create_view_students_v3', '_create_view_dataset_h_live', '_create_view_dataset_v',
                        '_create_view_m_course_params', '_create_view_m_online_users_exercise',
                        '_create_view_m_date_interval', '_create_view_m_exercise_lag_time_series',
                        '_comment_learning_views']),
        -- learner features and the learner-model pipeline (200_features.sql, 350_learner_models.sql)
        ('owner', ARRAY['refresh_learner_daily', 'create_weekly_features_view', 'train_learner_models',
                        '_create_feature_objects', '_feature_relations', '_create_learner_weekly_view',
                        '_create_learner_scores_view', '_learner_features_sql', '_learner_feature_names']),
        -- course effects (410_course_effects_schema.sql)
        ('owner', ARRAY['create_course_effects_schema', 'refresh_course_effects', '_create_course_effects_tables',
                        '_create_course_effects_panel', '_create_course_effects_results']),
        -- CREATE TRIGGER needs EXECUTE on the trigger function (firing it does not)
        ('owner', ARRAY['_mark_view_cache_stale']))
        AS t(k, routines)
     CROSS JOIN LATERAL unnest(t.routines) AS u(r);
END;
COMMENT ON FUNCTION learnerscore._routine_access() IS
  'Internal: which kind of user (reader, analyst, owner) may execute each learnerscore routine that PUBLIC may not; internal routines not listed are for the extension owner only.';

DO $grants$
DECLARE
    f record;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure AS sig, p.prokind, a.kind
          FROM pg_catalog.pg_proc p
          LEFT JOIN learnerscore._routine_access() a ON a.routine = p.proname
         WHERE p.pronamespace = 'learnerscore'::regnamespace
           AND (p.proname LIKE '\_%' OR a.kind IS NOT NULL)
    LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON %s %s FROM PUBLIC',
                                  CASE f.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, f.sig);
        IF f.kind IS NOT NULL THEN
            EXECUTE pg_catalog.format('GRANT EXECUTE ON %s %s TO %I',
                                      CASE f.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, f.sig,
                                      'learnerscore_' || f.kind);
        END IF;
    END LOOP;
END
$grants$;

-- One documented call per user: grant_access(role, kind [, schema]).
CREATE PROCEDURE learnerscore.grant_access(role_name text, kind text, schema_name text DEFAULT NULL)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    grantee regrole;
    schema_owner regrole;
BEGIN
    IF kind IS NULL OR kind NOT IN ('reader', 'analyst', 'owner') THEN
        RAISE EXCEPTION 'unknown kind of user "%"', kind USING ERRCODE = '22023',
            HINT = 'Use reader (BI tools), analyst or owner.';
    END IF;
    grantee := to_regrole(quote_ident(role_name));
    IF grantee IS NULL THEN
        RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = '42704';
    END IF;
    IF kind IN ('reader', 'analyst') AND schema_name IS NULL THEN
        RAISE EXCEPTION 'a % needs the schema it reads', kind USING ERRCODE = '22023',
            HINT = 'CALL learnerscore.grant_access(role, kind, schema_name => ''onet'').';
    END IF;
    EXECUTE format('GRANT %I TO %I', 'learnerscore_' || kind, role_name);
    IF kind = 'owner' THEN
        -- an owner creates (and so owns) its own schemas
        EXECUTE format('GRANT CREATE ON DATABASE %I TO %I', current_database(), role_name);
    END IF;
    IF schema_name IS NULL THEN
        RETURN;
    END IF;
    SELECT nspowner::regrole INTO schema_owner FROM pg_namespace WHERE nspname = schema_name;
    IF kind = 'owner' THEN
        IF schema_owner IS NULL THEN
            EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', schema_name, role_name);
        ELSIF schema_owner <> grantee THEN
            RAISE EXCEPTION 'schema "%" is owned by %, not by %', schema_name, schema_owner, role_name
                USING ERRCODE = '42501',
                HINT = 'Loads and refreshes replace tables and views, which takes ownership: '
                       'ALTER SCHEMA ... OWNER TO and REASSIGN OWNED, or grant owner on a new schema.';
        END IF;
        RETURN;
    END IF;
    IF schema_owner IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema_name, role_name);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', schema_name, role_name);
    -- tables and views the schema's owner creates later (refreshes, new views) too
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT ON TABLES TO %I',
                   schema_owner, schema_name, role_name);
END
$fn$;
COMMENT ON PROCEDURE learnerscore.grant_access(text, text, text) IS
  'Grants a role one kind of access (docs/security.md): reader (read every table and view of schema_name: the analyst views, learner_scores, course_effects, ...), '
  'analyst (reader + train, cross_validate and drop its own models), owner (create schemas, load, refresh, train the learner models; '
  'with schema_name, a new schema it owns). Run it as a superuser or a role that may grant these privileges.';

CREATE PROCEDURE learnerscore.revoke_access(role_name text, kind text, schema_name text DEFAULT NULL)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    schema_owner regrole;
BEGIN
    IF kind IS NULL OR kind NOT IN ('reader', 'analyst', 'owner') THEN
        RAISE EXCEPTION 'unknown kind of user "%"', kind USING ERRCODE = '22023',
            HINT = 'Use reader (BI tools), analyst or owner.';
    END IF;
    IF to_regrole(quote_ident(role_name)) IS NULL THEN
        RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = '42704';
    END IF;
    EXECUTE format('REVOKE %I FROM %I', 'learnerscore_' || kind, role_name);
    IF schema_name IS NOT NULL AND kind <> 'owner' THEN
        SELECT nspowner::regrole INTO schema_owner FROM pg_namespace WHERE nspname = schema_name;
        IF schema_owner IS NULL THEN
            RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
        END IF;
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I REVOKE SELECT ON TABLES FROM %I',
                       schema_owner, schema_name, role_name);
        EXECUTE format('REVOKE SELECT ON ALL TABLES IN SCHEMA %I FROM %I', schema_name, role_name);
        EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM %I', schema_name, role_name);
    END IF;
END
$fn$;
COMMENT ON PROCEDURE learnerscore.revoke_access(text, text, text) IS
  'Undoes grant_access(role, kind, schema_name): the kind''s group role and, for reader and analyst, the schema''s read grants.';
