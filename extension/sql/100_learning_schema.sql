-- The 1T learning data model (DESIGN §2): nine clean tables plus load_rejects
-- and load_log, created in a schema the user owns (not extension members, so
-- pg_dump and DROP EXTENSION never lose data). Idempotent; any schema name is
-- safe because every identifier goes through format('%I').

-- Bookkeeping of `learnerscore load` (any data set): rejected lines and one
-- row per loaded file. Separate so that other data sets' schemas get them too.
CREATE FUNCTION learnerscore._create_load_tables(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
BEGIN
    -- only when missing: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even then
    IF to_regnamespace(s) IS NULL THEN
        EXECUTE format('CREATE SCHEMA %s', s);
    END IF;
    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.load_rejects (
        id          bigserial PRIMARY KEY,
        file        text NOT NULL,
        line_number bigint NOT NULL,
        raw_line    text,
        reason      text NOT NULL,
        loaded_at   timestamptz NOT NULL DEFAULT now())$$, s);
    EXECUTE format('CREATE INDEX IF NOT EXISTS load_rejects_file_line_idx ON %s.load_rejects (file, line_number)', s);
    EXECUTE format('COMMENT ON TABLE %s.load_rejects IS %L', s,
        'CSV lines the loader could not parse: file, 1-based physical line number (the header is line 1), the raw text (invalid UTF-8 bytes shown as U+FFFD) and the reason. Nothing is dropped silently; re-loading a changed file replaces that file''s rejects.');

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.load_log (
        file        text PRIMARY KEY,
        sha256      text NOT NULL,
        lines_read  bigint NOT NULL,
        loaded      bigint NOT NULL,
        rejected    bigint NOT NULL,
        blank_lines bigint NOT NULL DEFAULT 0,
        table_name  text,
        bytes       bigint,
        seconds     double precision,
        loaded_at   timestamptz NOT NULL DEFAULT now())$$, s);
    EXECUTE format('COMMENT ON TABLE %s.load_log IS %L', s,
        'One row per loaded file: its SHA-256, the data lines read (header and blank lines excluded), loaded and rejected. Loading a file with the same checksum again is a no-op; a changed file replaces its table''s rows and its rejects in one transaction.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_load_tables(text) IS
  'Internal: creates load_rejects and load_log in the given schema (idempotent); used by create_learning_schema and by the loader for every data set.';

CREATE FUNCTION learnerscore._create_learning_tables(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
BEGIN
    -- only when missing: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even then
    IF to_regnamespace(s) IS NULL THEN
        EXECUTE format('CREATE SCHEMA %s', s);
    END IF;

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.users (
        unti_id             int,
        user_id             int PRIMARY KEY,
        course_id           int,
        flow_num            real,
        tg_bot              int CHECK (tg_bot IN (0, 1, 2)),
        m2_progress         int,
        m2_attestation      int,
        m2_attestation_date timestamp)$$, s);
    EXECUTE format('COMMENT ON TABLE %s.users IS %L', s,
        'Learners (users.csv): course, flow, Telegram bot (0 none, 1 connected, 2 stopped), final module-2 progress and attestation (NULL = "Нет данных" / "Не сдана").');

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.users_age_timezone (
        user_id   int PRIMARY KEY,
        time_zone text,
        age       int)$$, s);
    EXECUTE format('COMMENT ON TABLE %s.users_age_timezone IS %L', s,
        'Learner age and time zone (users_age_timezone.csv); time_zone as exported, e.g. +03:00.');

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s."authorization" (
        user_id     int NOT NULL,
        created_at  timestamp NOT NULL,
        user_agent  text,
        window_size text)$$, s);
    EXECUTE format('CREATE INDEX IF NOT EXISTS authorization_user_time_idx ON %s."authorization" (user_id, created_at)', s);
    EXECUTE format('COMMENT ON TABLE %s."authorization" IS %L', s, 'Log-ins to the platform (authorization.csv).');

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.schedule (
        course_id      int NOT NULL,
        type           text NOT NULL,
        task_id        int,
        activity_id    int,
        activity_type  text,
        is_attestation int,
        visibility     text,
        flows          int,
        date_shown     timestamp)$$, s);
    EXECUTE format('CREATE INDEX IF NOT EXISTS schedule_course_idx ON %s.schedule (course_id, date_shown)', s);
    EXECUTE format('CREATE INDEX IF NOT EXISTS schedule_activity_idx ON %s.schedule (activity_id)', s);
    EXECUTE format('COMMENT ON TABLE %s.schedule IS %L', s,
        'Course schedule (schedule.csv): lessons (type занятие) and activities (type активность) with the time they open (date_shown).');

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.activity_history_viewed (
        user_id       int NOT NULL,
        created_at    timestamp NOT NULL,
        page_type     text,
        page_id       int,
        module        int,
        attestation   int,
        activity_type text)$$, s);
    EXECUTE format('CREATE INDEX IF NOT EXISTS activity_history_viewed_user_page_idx ON %s.activity_history_viewed (user_id, page_id)', s);
    EXECUTE format('COMMENT ON TABLE %s.activity_history_viewed IS %L', s,
        'Page views (activity_history_viewed.csv); page_id is a task_id for lessons (занятие) and an activity_id for activities (активность).');

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.webinars_logs (
        user_id      int NOT NULL,
        datetime     timestamp NOT NULL,
        event_name   text,
        webinar_id   int,
        conn_format  text,
        webinar_vvod int,
        module       int)$$, s);
    EXECUTE format('CREATE INDEX IF NOT EXISTS webinars_logs_user_time_idx ON %s.webinars_logs (user_id, datetime)', s);
    EXECUTE format('COMMENT ON TABLE %s.webinars_logs IS %L', s,
        'Webinar connect (Подключение) / disconnect (Отключение) events with format онлайн/офлайн (webinars_logs.csv).');

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.exercise_results (
        module      int,
        activity_id int NOT NULL,
        user_id     int NOT NULL,
        created_at  timestamp NOT NULL,
        result      int,
        success     int)$$, s);
    EXECUTE format('CREATE INDEX IF NOT EXISTS exercise_results_user_activity_idx ON %s.exercise_results (user_id, activity_id)', s);
    EXECUTE format('COMMENT ON TABLE %s.exercise_results IS %L', s,
        'Exercise attempts (exercise_results.csv); result NULL = skipped (Пропуск).');

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.users_logs (
        user_id    int NOT NULL,
        created_at timestamp NOT NULL,
        event      text,
        comment    text)$$, s);
    EXECUTE format('CREATE INDEX IF NOT EXISTS users_logs_user_time_idx ON %s.users_logs (user_id, created_at)', s);
    EXECUTE format('COMMENT ON TABLE %s.users_logs IS %L', s,
        'Learner log (users_logs.csv), mainly hashtag changes: "Были хештеги: ..., стали: ..." and "Установлен хештег ...".');

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.activities_guide (
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
        visibility    text)$$, s);
    EXECUTE format('CREATE INDEX IF NOT EXISTS activities_guide_task_idx ON %s.activities_guide (course_id, task_id)', s);
    EXECUTE format('COMMENT ON TABLE %s.activities_guide IS %L', s,
        'Course structure (activities_guide.csv): course, module, theme, task, activity, attestation flag (att_priznak) and required flag (obyaz_priznak).');

    PERFORM learnerscore._create_load_tables(schema_name);
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_learning_tables(text) IS
  'Internal: creates the clean tables of the 1T data model in the given schema (idempotent).';

CREATE PROCEDURE learnerscore.create_learning_schema(schema_name text)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $$
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    PERFORM learnerscore._create_learning_tables(schema_name);
    PERFORM learnerscore._create_learning_views(schema_name);
END
$$;
COMMENT ON PROCEDURE learnerscore.create_learning_schema(text) IS
  'Creates (idempotently) the nine clean tables of the 1T data model, load_rejects, load_log and the analyst views in the given schema.';
