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
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
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
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
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

-- Reasons a tutor can act on (issue 14): plain sentences that compare the learner's
-- value of a feature with the course's norm at the same course week, in English or Russian.
CREATE FUNCTION learnerscore.ru_plural(n float8, one text, few text, many text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT CASE WHEN n IS NULL THEN many
                WHEN n <> trunc(n) THEN few  -- a fraction takes the genitive singular: 2,5 часа
                WHEN abs(n)::numeric % 100 BETWEEN 11 AND 14 THEN many
                WHEN abs(n)::numeric % 10 = 1 THEN one
                WHEN abs(n)::numeric % 10 BETWEEN 2 AND 4 THEN few
                ELSE many END
$$;
COMMENT ON FUNCTION learnerscore.ru_plural(float8, text, text, text) IS
  'The Russian noun form that follows the count n: one (1, 21, 101), few (2-4, 22-24, and fractions) or many (0, 5-20, 11-14, 25...): '
  'ru_plural(3, ''вход'', ''входа'', ''входов'') = ''входа''.';

CREATE FUNCTION learnerscore.reason_sentence(feature text, value float8, norm float8, language text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    lang text := coalesce(language, nullif(current_setting('learnerscore.language', true), ''), 'en');
    base text := coalesce(substring(feature FROM '^(.*)_[0-9]+_week$'), feature);
    wk int := substring(feature FROM '_([0-9]+)_week$')::int;
    t record;
    v text; nv text; body text;
BEGIN
    IF lang NOT IN ('en', 'ru') THEN
        RAISE EXCEPTION 'invalid language "%": the reasons are in en or ru', lang USING ERRCODE = '22023';
    END IF;
    IF feature IS NULL THEN
        RETURN NULL;
    END IF;
    -- {v} the value, {n} the Russian noun form for it, {w} the week, {W} "за k недель".
    SELECT * INTO t FROM (VALUES
        ('payment',  'paid for the course: {v}', 'оплата курса: {v}', NULL, NULL, NULL),
        ('m2_delay', '{v} days late on the module-2 attestation by week {w}', '{v} {n} просрочки аттестации модуля 2 {W}', 'день', 'дня', 'дней'),
        ('sum_auth', '{v} log-ins by week {w}', '{v} {n} {W}', 'вход', 'входа', 'входов'),
        ('view_delay_first', '{v} days on average before first viewing an activity, by week {w}',
                             'в среднем {v} {n} до первого просмотра материала {W}', 'день', 'дня', 'дней'),
        ('view_delay_sum', '{v} days opened activities waited unviewed by week {w}',
                           '{v} {n} ожидания открытых материалов без просмотра {W}', 'день', 'дня', 'дней'),
        ('sum_activity_viewed', '{v} activities viewed by week {w}', '{v} {n} {W}',
                                'просмотренный материал', 'просмотренных материала', 'просмотренных материалов'),
        ('w_view_hours', '{v} webinar hours watched by week {w}', '{v} {n} просмотра вебинаров {W}', 'час', 'часа', 'часов'),
        ('sum_exercise', '{v} exercises solved by week {w}', '{v} {n} {W}',
                         'решённое упражнение', 'решённых упражнения', 'решённых упражнений'),
        ('sum_required_exercises', '{v} required exercises solved by week {w}', '{v} {n} {W}',
                         'решённое обязательное упражнение', 'решённых обязательных упражнения', 'решённых обязательных упражнений'),
        ('exercise_delay_sum', '{v} days of attempts past deadlines in total by week {w}',
                               '{v} {n} просрочки попыток в сумме {W}', 'день', 'дня', 'дней'),
        ('result_delay_sum', '{v} days of passed exercises past deadlines in total by week {w}',
                             '{v} {n} просрочки сданных упражнений в сумме {W}', 'день', 'дня', 'дней'),
        ('sum_exercise_attempts_mean', '{v} attempts per exercise by week {w}', '{v} {n} на упражнение {W}',
                                       'попытка', 'попытки', 'попыток'),
        ('sum_result', 'total exercise score {v} by week {w}', 'суммарный балл за упражнения {W}: {v}', NULL, NULL, NULL),
        ('mean_result', 'mean exercise score {v} by week {w}', 'средний балл за упражнения {W}: {v}', NULL, NULL, NULL),
        ('progress', 'progress {v}% (exercises solved of opened) by week {w}',
                     'прогресс {v}% (решено из открытых упражнений) {W}', NULL, NULL, NULL),
        ('conn', '{v} webinar connections by week {w}', '{v} {n} к вебинарам {W}', 'подключение', 'подключения', 'подключений'),
        ('age', 'age {v}', 'возраст {v}', NULL, NULL, NULL),
        ('time_zone', 'time zone UTC{v}', 'часовой пояс UTC{v}', NULL, NULL, NULL),
        ('tg_bot', 'Telegram bot: {v}', 'Telegram-бот: {v}', NULL, NULL, NULL))
        AS x(name, en, ru, one, few, many) WHERE x.name = base;
    v := CASE WHEN value IS NULL THEN NULL
              WHEN base = 'payment' THEN CASE WHEN round(value) >= 1 THEN 'yes' ELSE 'no' END
              WHEN base = 'tg_bot' THEN CASE round(value) WHEN 1 THEN 'on' WHEN 2 THEN 'stopped' ELSE 'none' END
              WHEN value = trunc(value) THEN trunc(value)::numeric::text
              ELSE trim_scale(round(value::numeric, 1))::text END;
    nv := CASE WHEN norm IS NULL THEN NULL
               WHEN base = 'payment' THEN CASE WHEN round(norm) >= 1 THEN 'yes' ELSE 'no' END
               WHEN base = 'tg_bot' THEN CASE round(norm) WHEN 1 THEN 'on' WHEN 2 THEN 'stopped' ELSE 'none' END
               WHEN norm = trunc(norm) THEN trunc(norm)::numeric::text
               ELSE trim_scale(round(norm::numeric, 1))::text END;
    IF base = 'time_zone' THEN
        v := CASE WHEN value >= 0 THEN '+' ELSE '' END || v;
        nv := CASE WHEN norm >= 0 THEN '+' ELSE '' END || nv;
    END IF;
    IF lang = 'ru' THEN
        v := CASE v WHEN 'yes' THEN 'да' WHEN 'no' THEN 'нет' WHEN 'on' THEN 'подключён' WHEN 'stopped' THEN 'отключён'
                    WHEN 'none' THEN 'не подключён' ELSE replace(v, '.', ',') END;
        nv := CASE nv WHEN 'yes' THEN 'да' WHEN 'no' THEN 'нет' WHEN 'on' THEN 'подключён' WHEN 'stopped' THEN 'отключён'
                      WHEN 'none' THEN 'не подключён' ELSE replace(nv, '.', ',') END;
    END IF;
    IF t.name IS NULL OR value IS NULL THEN  -- a feature without a template, or no value: its label
        body := learnerscore.feature_label(feature) || ': ' || coalesce(v, CASE lang WHEN 'ru' THEN 'нет данных' ELSE 'no data' END);
    ELSIF lang = 'ru' THEN
        body := replace(replace(replace(replace(t.ru, '{v}', v), '{n}', coalesce(learnerscore.ru_plural(value, t.one, t.few, t.many), '')),
                        '{W}', CASE WHEN wk IS NULL THEN '' ELSE 'за ' || wk || ' ' || learnerscore.ru_plural(wk, 'неделю', 'недели', 'недель') END),
                        '{w}', coalesce(wk::text, ''));
    ELSE
        body := replace(replace(t.en, '{v}', v), '{w}', coalesce(wk::text, ''));
        IF value = 1 THEN  -- "1 log-in", "1 day", "1 activity"
            body := regexp_replace(regexp_replace(body, '^1 (log-in|day|webinar hour|exercise|required exercise|attempt|webinar connection)s', '1 \1'),
                                   '^1 activities', '1 activity');
        END IF;
    END IF;
    RETURN body || CASE WHEN lang = 'ru' THEN '; обычно на курсе: ' ELSE '; typical for this course: ' END
                || coalesce(nv, CASE lang WHEN 'ru' THEN 'нет данных' ELSE 'no data' END);
END
$fn$;
COMMENT ON FUNCTION learnerscore.reason_sentence(text, float8, float8, text) IS
  'A plain sentence for a model feature, the learner''s value and the course norm: reason_sentence(''sum_auth_3_week'', 3, 9) = '
  '''3 log-ins by week 3; typical for this course: 9''. language en or ru (default: the setting learnerscore.language); '
  'Russian counts take the right plural form (learnerscore.ru_plural). A feature without a template is named by feature_label.';

CREATE FUNCTION learnerscore.explain_reasons(contributions jsonb, features jsonb, norms jsonb, n int DEFAULT 3,
                                             language text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    lang text := coalesce(language, nullif(current_setting('learnerscore.language', true), ''), 'en');
BEGIN
    IF lang NOT IN ('en', 'ru') THEN
        RAISE EXCEPTION 'invalid language "%": the reasons are in en or ru', lang USING ERRCODE = '22023';
    END IF;
    -- As top_reasons: the weekly copies of a feature are added up, the latest week's value is quoted,
    -- only features that raise the score count; the norm is the course's at that same week.
    RETURN (
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'feature', last_key, 'value', fv, 'norm', nv,
               'direction', CASE WHEN fv IS NULL OR nv IS NULL THEN NULL WHEN fv < nv THEN 'below'
                                 WHEN fv > nv THEN 'above' ELSE 'typical' END,
               'contribution', round(c::numeric, 4),
               'sentence', learnerscore.reason_sentence(last_key, fv, nv, lang)) ORDER BY c DESC), '[]'::jsonb)
    FROM (SELECT base, sum(v) AS c, (array_agg(key ORDER BY wk DESC))[1] AS last_key
          FROM (SELECT key, value::float8 AS v,
                       coalesce(substring(key FROM '^(.*)_[0-9]+_week$'), key) AS base,
                       coalesce(substring(key FROM '_([0-9]+)_week$')::int, 0) AS wk
                FROM jsonb_each_text(contributions)
                WHERE key NOT IN ('(bias)', '(intercept)') AND value IS NOT NULL) e
          GROUP BY base
          HAVING sum(v) > 0
          ORDER BY sum(v) DESC
          LIMIT greatest(n, 0)) t,
         LATERAL (SELECT (features->>last_key)::float8 AS fv, (norms->>last_key)::float8 AS nv) x);
END
$fn$;
COMMENT ON FUNCTION learnerscore.explain_reasons(jsonb, jsonb, jsonb, int, text) IS
  'The n features that push a score up most (from learnerscore.explain() output; weekly copies of a feature summed) as a jsonb array of '
  '{feature, value, norm, direction (below, above or typical against the norm; NULL when either is unknown), contribution (log-odds or SHAP, '
  'for analysts), sentence (learnerscore.reason_sentence in the given language, default learnerscore.language)}; norms maps feature names to the course norm.';

CREATE FUNCTION learnerscore.risk_band(probability float8) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    h float8 := coalesce(nullif(current_setting('learnerscore.risk_band_high', true), '')::float8, 0.7);
    m float8 := coalesce(nullif(current_setting('learnerscore.risk_band_medium', true), '')::float8, 0.4);
BEGIN
    IF m > h THEN
        RAISE EXCEPTION 'learnerscore.risk_band_medium (%) is above learnerscore.risk_band_high (%)', m, h USING ERRCODE = '22023',
            HINT = 'Set learnerscore.risk_band_medium <= learnerscore.risk_band_high.';
    END IF;
    RETURN CASE WHEN probability IS NULL THEN NULL WHEN probability >= h THEN 'high'
                WHEN probability >= m THEN 'medium' ELSE 'low' END;
END
$fn$;
COMMENT ON FUNCTION learnerscore.risk_band(float8) IS
  'Dropout-risk band of a probability: high (>= learnerscore.risk_band_high, default 0.7), medium (>= learnerscore.risk_band_medium, default 0.4) '
  'or low; NULL for NULL. Fails with 22023 when the medium threshold is above the high one.';

-- The course norm of every feature that can appear in a reason: the MEDIAN over the course's learners
-- of the feature at each course week (of the static features, over the course's users). One place, so
-- that a later change can restrict it (e.g. to the learners of finished flows).
CREATE FUNCTION learnerscore._course_norms_sql(schema_name text, weekly_relation text, base_features text[] DEFAULT NULL)
RETURNS text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    vals text;
BEGIN
    SELECT string_agg(format('(%L, w.%I::float8)', f, f), ', ') INTO vals
      FROM unnest(coalesce(base_features, learnerscore.learner_model_features())) f;
    RETURN format($q$SELECT course_id, jsonb_object_agg(k, med) AS norms FROM (
        SELECT w.course_id, v.name || '_' || w.week || '_week' AS k,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY v.val) AS med
          FROM %2$s w CROSS JOIN LATERAL (VALUES %3$s) AS v(name, val)
         GROUP BY 1, 2
        UNION ALL
        SELECT u.course_id, v.name, percentile_cont(0.5) WITHIN GROUP (ORDER BY v.val)
          FROM %1$s.users u LEFT JOIN %1$s.users_age_timezone a ON a.user_id = u.user_id
         CROSS JOIN LATERAL (VALUES ('age', a.age::float8), ('time_zone', learnerscore.tz_hours(a.time_zone)),
                                    ('tg_bot', u.tg_bot::float8)) AS v(name, val)
         GROUP BY 1, 2) m
        WHERE med IS NOT NULL GROUP BY course_id$q$, s, weekly_relation, vals);
END
$fn$;
COMMENT ON FUNCTION learnerscore._course_norms_sql(text, text, text[]) IS
  'Internal: the query of the course norms behind the reasons (course_id, norms jsonb: feature -> the median over the course''s learners at the same course week).';

CREATE FUNCTION learnerscore.learner_model_features() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT ARRAY['payment', 'm2_delay', 'sum_auth', 'view_delay_first', 'view_delay_sum', 'sum_activity_viewed',
                 'w_view_hours', 'sum_exercise', 'sum_required_exercises', 'exercise_delay_sum', 'result_delay_sum',
                 'sum_exercise_attempts_mean', 'sum_result', 'mean_result', 'progress', 'conn']
$$;
COMMENT ON FUNCTION learnerscore.learner_model_features() IS
  'The learner_daily columns the weekly learner models use by default (the 1T scoring specification''s choice plus log-ins, webinars, payment and the module-2 delay): '
  'each becomes <feature>_<j>_week for j = 1..k in the week-k model.';

-- Week-end rows of learner_daily (one per learner and course week of the learner's own flow:
-- a learner of a later flow has its week 1 when its flow starts), a view so it is always current.
CREATE FUNCTION learnerscore._create_learner_weekly_view(schema_name text, weeks int) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    cols text;
BEGIN
    SELECT string_agg(format('d.%I', f), ', ') INTO cols FROM unnest(learnerscore._weekly_feature_names()) f;
    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_weekly AS
        SELECT d.user_id, d.course_id, ((d.cur_date - lf.flow_start) / 7 + 1)::int AS week, d.cur_date, %2$s
          FROM %1$s.learner_daily d
          JOIN %1$s.learner_flows lf ON lf.user_id = d.user_id
         WHERE d.cur_date >= lf.flow_start AND (d.cur_date - lf.flow_start) %% 7 = 6
           AND d.cur_date - lf.flow_start < 7 * %3$s$q$, s, cols, weeks);
    EXECUTE format('COMMENT ON VIEW %s.learner_weekly IS %L', s,
        'learner_daily at the end of each course week of the learner''s flow (learner_flows.flow_start + 7k - 1 days), weeks 1..'
        || weeks || ': the values behind <feature>_<k>_week.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_learner_weekly_view(text, int) IS 'Internal: creates <schema>.learner_weekly.';

-- SELECT of the week-k feature set, one row per learner (optionally restricted to some courses).
CREATE FUNCTION learnerscore._learner_features_sql(schema_name text, week int, course_filter text DEFAULT NULL,
                                                   weekly_relation text DEFAULT NULL, base_features text[] DEFAULT NULL)
RETURNS text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
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
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT ARRAY['age', 'time_zone', 'tg_bot'] ||
           ARRAY(SELECT f || '_' || j || '_week' FROM generate_series(1, week) j,
                 unnest(coalesce(base_features, learnerscore.learner_model_features())) WITH ORDINALITY AS n(f, o) ORDER BY j, o)
$$;
COMMENT ON FUNCTION learnerscore._learner_feature_names(int, text[]) IS 'Internal: the features of the week-k learner models.';

-- The base features the deployed learner models of a schema were trained with (those of its
-- deployed week-1 dropout model); NULL when it has none.
CREATE FUNCTION learnerscore._learner_model_base_features(schema_name text) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT array_agg(substring(u.f FROM '^(.*)_1_week$') ORDER BY u.o)
      FROM learnerscore.models m, unnest(m.features) WITH ORDINALITY AS u(f, o)
     WHERE m.id = (SELECT d.model_id FROM learnerscore.deployed_models d
                    WHERE d.name = format('%s.dropout_w01', schema_name))
       AND u.f LIKE '%\_1\_week'
$$;
COMMENT ON FUNCTION learnerscore._learner_model_base_features(text) IS
  'Internal: the learner_daily columns behind the deployed learner models of a schema (the <feature>_1_week features of its deployed dropout_w01), in order; NULL when none is deployed.';

-- learner_scores over the deployed versions, with the weeks and the base
-- features the deployed models were trained with (an upgrade re-creates a view
-- that 0.1.0 made over fixed model ids, or one it had to drop).
CREATE FUNCTION learnerscore._recreate_learner_scores_view(schema_name text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    weeks int;
    base text[];
BEGIN
    EXECUTE format('SELECT max(week) FROM %I.learner_model_metrics', schema_name) INTO weeks;
    base := learnerscore._learner_model_base_features(schema_name);
    IF weeks IS NULL OR base IS NULL THEN
        RETURN false;
    END IF;
    PERFORM learnerscore._create_learner_scores_view(schema_name, weeks,
        CASE WHEN base = learnerscore.learner_model_features() THEN NULL ELSE base END);
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION learnerscore._recreate_learner_scores_view(text) IS
  'Internal: (re)creates <schema>.learner_scores over the deployed learner models, with the weeks recorded in learner_model_metrics and the base features of the deployed week-1 dropout model; false (and nothing done) when there are none.';

-- The data-schema tables of the learner models, created or brought up to date
-- (a 0.1.0-layout learner_model_metrics gets its run columns, its rows become
-- run 1) without losing rows; idempotent. learnerscore.upgrade_learning_schema calls it.
CREATE FUNCTION learnerscore._ensure_learner_model_tables(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    legacy_run bigint;
    weeks int;
    base text[];
BEGIN
    EXECUTE format($q$CREATE TABLE IF NOT EXISTS %1$s.learner_targets (
        user_id int PRIMARY KEY, course_id int, final_status text, completion int, dropout int, m2_progress float8)$q$, s);
    EXECUTE format('COMMENT ON TABLE %s.learner_targets IS %L', s,
        'Training targets of the learner models: completion = m2_attestation >= 50 and m2_progress >= 50; dropout = ends asleep (status on the latest materialized day; trained as of a day: on the last day of the learner''s flow, learner_flows.flow_end - 1) or does not complete module 2.');

    EXECUTE format($q$CREATE TABLE IF NOT EXISTS %1$s.learner_model_runs (
        run_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, trained_at timestamptz NOT NULL DEFAULT now(),
        weeks int, algorithm text, params jsonb, base_features text[], validation text, deploy_policy text,
        models jsonb NOT NULL DEFAULT '[]', models_deployed int)$q$, s);
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(s || '.learner_model_runs')
                      AND attname = 'as_of' AND NOT attisdropped) THEN  -- (no lock taken when it is there)
        EXECUTE format('ALTER TABLE %s.learner_model_runs ADD COLUMN as_of date', s);
    END IF;
    EXECUTE format('COMMENT ON TABLE %s.learner_model_runs IS %L', s,
        'One row per learnerscore.train_learner_models run: when, with what, and the models it trained (name, version, id, deployed).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.run_id IS %L', s, 'Run number (increasing); learner_model_metrics.run_id.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.trained_at IS %L', s, 'When the run started.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.deploy_policy IS %L', s,
        'always (every new model deployed), if_not_worse (deployed only when its held-out metric is not worse than the deployed version''s), never; legacy for metrics kept from before 0.2.0.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.models IS %L', s,
        'The run''s models: [{"name", "version", "id", "deployed"}], one per target and week.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.models_deployed IS %L', s, 'How many of the run''s models were deployed.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.as_of IS %L', s,
        'The day the run trained as of: only learners whose flow had ended by then (learner_flows.flow_end <= as_of); NULL = every learner, as before 0.2.0.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.validation IS %L', s,
        'How the held-out metrics were made: later-flow (trained on earlier finished flows, tested on the latest finished flow of each course with two), '
        'leave-one-course-out, or 5-fold (one course).');

    EXECUTE format($q$CREATE TABLE IF NOT EXISTS %1$s.learner_model_metrics (
        week int, target varchar(16), algorithm varchar(16), validation varchar(32), rows float8,
        auc float8, brier float8, calibration_error float8, log_loss float8, accuracy float8, mae float8, rmse float8,
        model_id bigint, trained_at timestamptz DEFAULT now())$q$, s);
    -- the 0.2.0 columns (a 0.1.0 table has none of them)
    EXECUTE format($q$ALTER TABLE %1$s.learner_model_metrics
        ADD COLUMN IF NOT EXISTS run_id bigint, ADD COLUMN IF NOT EXISTS model_name text,
        ADD COLUMN IF NOT EXISTS model_version int, ADD COLUMN IF NOT EXISTS deployed boolean,
        ADD COLUMN IF NOT EXISTS deploy_decision text$q$, s);
    -- rows from before 0.2.0 (one run, models that became version 1 and stayed deployed) become a run of their own
    EXECUTE format('SELECT 1 FROM %s.learner_model_metrics WHERE run_id IS NULL LIMIT 1', s) INTO legacy_run;
    IF legacy_run IS NOT NULL THEN
        EXECUTE format($q$INSERT INTO %1$s.learner_model_runs (trained_at, weeks, algorithm, validation, deploy_policy, models, models_deployed)
            SELECT min(trained_at), max(week), min(algorithm), min(validation), 'legacy',
                   coalesce(jsonb_agg(jsonb_build_object('name', format('%%s.%%s_w%%s', %2$L, target, lpad(week::text, 2, '0')),
                                                         'version', 1, 'id', model_id, 'deployed', true) ORDER BY target, week), '[]'),
                   count(*)
              FROM %1$s.learner_model_metrics WHERE run_id IS NULL RETURNING run_id$q$, s, schema_name) INTO legacy_run;
        EXECUTE format($q$UPDATE %1$s.learner_model_metrics
            SET run_id = $1, model_name = format('%%s.%%s_w%%s', %2$L, target, lpad(week::text, 2, '0')),
                model_version = 1, deployed = true, deploy_decision = 'trained before 0.2.0'
            WHERE run_id IS NULL$q$, s, schema_name) USING legacy_run;
    END IF;
    EXECUTE format('ALTER TABLE %s.learner_model_metrics ALTER COLUMN run_id SET NOT NULL', s);
    -- categorical columns sized for BI tools (0.1.0 made them text); a value that does not fit fails, never truncates
    IF (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
         WHERE attrelid = to_regclass(s || '.learner_model_metrics') AND attname = 'target') = 'text' THEN
        EXECUTE format('DROP VIEW IF EXISTS %s.learner_model_metrics_latest', s);
        EXECUTE format('ALTER TABLE %s.learner_model_metrics ALTER COLUMN target TYPE varchar(16), '
                       'ALTER COLUMN algorithm TYPE varchar(16), ALTER COLUMN validation TYPE varchar(32)', s);
    END IF;
    -- a learner_scores view made by 0.1.0 scores fixed model ids: re-create it over the deployed versions,
    -- with the weeks and the base features its models were trained with
    IF legacy_run IS NOT NULL AND to_regclass(s || '.learner_scores') IS NOT NULL THEN
        PERFORM learnerscore._recreate_learner_scores_view(schema_name);
    END IF;
    -- one row per run, week and target (0.1.0: per week and target)
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conrelid = to_regclass(s || '.learner_model_metrics') AND contype = 'p'
                      AND pg_get_constraintdef(oid) = 'PRIMARY KEY (run_id, week, target)') THEN
        EXECUTE format('ALTER TABLE %s.learner_model_metrics DROP CONSTRAINT IF EXISTS learner_model_metrics_pkey', s);
        EXECUTE format('ALTER TABLE %s.learner_model_metrics ADD CONSTRAINT learner_model_metrics_pkey PRIMARY KEY (run_id, week, target)', s);
    END IF;
    EXECUTE format('COMMENT ON TABLE %s.learner_model_metrics IS %L', s,
        'Per-run, per-week held-out metrics of the learner models (dropout, completion: AUC, Brier, calibration error; m2_progress: MAE, RMSE), '
        'from predictions on courses the model did not train on (leave-one-course-out), the model trained on all courses (name, version, id) '
        'and whether it was deployed. Every run of train_learner_models appends its rows: plot a metric over trained_at.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.run_id IS %L', s, 'The run (learner_model_runs.run_id).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.trained_at IS %L', s, 'When the run started.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.model_id IS %L', s, 'The model trained on all courses (learnerscore.models.id).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.model_name IS %L', s, 'Its name, <schema>.<target>_w<kk>.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.model_version IS %L', s, 'Its version (learnerscore.models.version).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.deployed IS %L', s, 'Whether the run deployed it (the deploy policy''s decision).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.deploy_decision IS %L', s, 'Why it was or was not deployed.');

    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_model_metrics_latest AS
        SELECT * FROM %1$s.learner_model_metrics WHERE run_id = (SELECT max(run_id) FROM %1$s.learner_model_metrics)$q$, s);
    EXECUTE format('COMMENT ON VIEW %s.learner_model_metrics_latest IS %L', s,
        'learner_model_metrics of the latest train_learner_models run.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._ensure_learner_model_tables(text) IS
  'Internal: creates the learner-model tables of a data schema (learner_targets, learner_model_runs, learner_model_metrics, '
  'learner_model_metrics_latest) or brings 0.1.0-layout ones up to date without losing rows; idempotent.';

CREATE PROCEDURE learnerscore.train_learner_models(
    schema_name text, weeks int DEFAULT 10, algorithm text DEFAULT 'xgboost',
    params jsonb DEFAULT '{"num_round": 60, "max_depth": 3, "eta": 0.15, "subsample": 0.9, "max_bin": 32}',
    base_features text[] DEFAULT NULL, deploy text DEFAULT 'always', as_of date DEFAULT NULL)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $proc$
DECLARE
    s text;
    n_test bigint := 0;
    check_name text;
    check_id bigint;
    target_algorithm text;
    k int;
    tgt text;
    feats text[];
    cv record;
    model_name text;
    new_id bigint;
    new_version int;
    ncourses int;
    validation text;
    run bigint;
    run_models jsonb := '[]';
    n_deployed int := 0;
    old_id bigint;
    old_metric float8;
    new_metric float8;
    higher_better boolean;
    metric_name text;
    do_deploy boolean;
    decision text;
BEGIN
    IF schema_name IS NULL OR weeks IS NULL OR weeks < 1 OR weeks > 52 THEN
        RAISE EXCEPTION 'schema must be given and weeks between 1 and 52' USING ERRCODE = '22023';
    END IF;
    IF deploy IS NULL OR deploy NOT IN ('always', 'if_not_worse', 'never') THEN
        RAISE EXCEPTION 'unknown deploy policy "%"', deploy USING ERRCODE = '22023',
            HINT = 'Use always, if_not_worse or never.';
    END IF;
    IF as_of = 'infinity' OR as_of = '-infinity' THEN
        RAISE EXCEPTION 'as_of must be a finite date' USING ERRCODE = '22023';
    END IF;
    IF schema_name IS NOT NULL AND to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.learner_daily') IS NULL OR to_regclass(s || '.learner_status') IS NULL THEN
        RAISE EXCEPTION 'relation %.learner_daily does not exist', s USING ERRCODE = '42P01',
            HINT = format('Run CALL learnerscore.refresh_learner_daily(%L) first.', schema_name);
    END IF;
    PERFORM learnerscore._create_learner_weekly_view(schema_name, weeks);
    PERFORM learnerscore._ensure_learner_model_tables(schema_name);

    -- Targets: completion and dropout, with the status on the latest materialized date. With as_of,
    -- only learners whose flow has ended by as_of (learner_flows.flow_end <= as_of: their outcome is
    -- final), with their status on the last day of their flow: training never sees a running learner.
    EXECUTE format('TRUNCATE %s.learner_targets', s);
    EXECUTE format('INSERT INTO %s.learner_targets SELECT user_id, course_id, final_status, completion, dropout, m2_progress FROM (%s) o',
                   s, learnerscore._learner_outcomes_sql(schema_name)) USING as_of;
    EXECUTE format('SELECT count(DISTINCT course_id) FROM %s.learner_targets', s) INTO ncourses;
    IF ncourses = 0 THEN
        RAISE EXCEPTION 'no learner of schema % has a final outcome as of %', schema_name, coalesce(as_of::text, 'now')
            USING ERRCODE = '22023',
            HINT = 'A flow''s outcomes are final from learner_flows.flow_end (flow start + learnerscore.flow_days); give a later as_of.';
    END IF;
    -- Held-out metrics: with as_of and a course with two finished flows, the models are tested on a
    -- later flow than they learn from (the latest finished flow of each such course; trained on the
    -- earlier ones); otherwise on held-out courses (leave-one-course-out; 5-fold with one course).
    DROP TABLE IF EXISTS _ls_test_learners;
    CREATE TEMP TABLE _ls_test_learners (user_id int PRIMARY KEY);
    IF as_of IS NOT NULL THEN
        EXECUTE format($q$INSERT INTO _ls_test_learners
            SELECT t.user_id FROM %1$s.learner_targets t JOIN %1$s.learner_flows lf USING (user_id)
              JOIN (SELECT lf2.course_id, max(lf2.flow_start) AS last_start FROM %1$s.learner_targets t2
                      JOIN %1$s.learner_flows lf2 USING (user_id)
                     GROUP BY lf2.course_id HAVING count(DISTINCT lf2.flow_start) >= 2) c
                ON c.course_id = lf.course_id AND lf.flow_start = c.last_start$q$, s);
        GET DIAGNOSTICS n_test = ROW_COUNT;
    END IF;
    validation := CASE WHEN n_test > 0 THEN 'later-flow' WHEN ncourses >= 2 THEN 'leave-one-course-out' ELSE '5-fold' END;
    EXECUTE format('INSERT INTO %s.learner_model_runs (weeks, algorithm, params, base_features, validation, deploy_policy, as_of) '
                   'VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING run_id', s)
        INTO run USING weeks, algorithm, params, base_features, validation, deploy, as_of;

    -- Aggregating straight over the learner_weekly view is slow (its expressions are
    -- re-evaluated per aggregate); materialize the week-end rows once.
    DROP TABLE IF EXISTS _ls_weekly;
    EXECUTE format('CREATE TEMP TABLE _ls_weekly AS SELECT * FROM %s.learner_weekly WHERE $1 IS NULL OR cur_date <= $1', s)
        USING as_of;
    FOR k IN 1..weeks LOOP
        DROP TABLE IF EXISTS _ls_learner_features;
        EXECUTE format('CREATE TEMP TABLE _ls_learner_features AS SELECT f.*, t.dropout, t.completion, t.m2_progress, '
                       'x.user_id IS NOT NULL AS _ls_test '
                       'FROM (%s) f JOIN %s.learner_targets t USING (user_id, course_id) '
                       'LEFT JOIN _ls_test_learners x ON x.user_id = f.user_id '
                       'ORDER BY f.user_id',  -- the same rows give the same models, whatever the plan's row order
                       learnerscore._learner_features_sql(schema_name, k, NULL, '_ls_weekly', base_features), s);
        feats := learnerscore._learner_feature_names(k, base_features);
        FOREACH tgt IN ARRAY ARRAY['dropout', 'completion', 'm2_progress'] LOOP
            -- m2_progress is a number: with logistic, its model is the linear one (ridge with params l2)
            target_algorithm := CASE WHEN tgt = 'm2_progress' AND algorithm = 'logistic' THEN 'linear' ELSE algorithm END;
            model_name := format('%s.%s_w%s', schema_name, tgt, lpad(k::text, 2, '0'));
            IF n_test > 0 THEN
                -- later-flow check: a model of the earlier flows predicts the later one, then is dropped;
                -- the model kept learns from every finished flow
                check_name := model_name || '_later_flow_check';
                PERFORM learnerscore.drop_model(check_name, true);
                check_id := learnerscore.train(check_name, 'SELECT * FROM _ls_learner_features WHERE NOT _ls_test', tgt, feats,
                                               target_algorithm, params || jsonb_build_object('deploy', false));
                EXECUTE format($q$SELECT count(*)::float8 AS test_rows, %s
                                    FROM (SELECT learnerscore.predict($1, f) AS p, f.%I::float8 AS y
                                            FROM _ls_learner_features f WHERE f._ls_test AND f.%I IS NOT NULL) x$q$,
                               CASE WHEN tgt = 'm2_progress'
                                    THEN 'NULL::float8 AS auc, NULL::float8 AS brier, NULL::float8 AS calibration_error, '
                                         'NULL::float8 AS log_loss, NULL::float8 AS accuracy, '
                                         'learnerscore.mae(p, y) AS mae, learnerscore.rmse(p, y) AS rmse'
                                    ELSE 'learnerscore.auc(p, y) AS auc, learnerscore.brier(p, y) AS brier, '
                                         'learnerscore.calibration_error(p, y) AS calibration_error, '
                                         'learnerscore.log_loss(p, y) AS log_loss, learnerscore.accuracy(p, y) AS accuracy, '
                                         'NULL::float8 AS mae, NULL::float8 AS rmse' END, tgt, tgt)
                    INTO cv USING check_id;
                PERFORM learnerscore.drop_model(check_name);
                new_id := learnerscore.train(model_name, '_ls_learner_features', tgt, feats, target_algorithm,
                                             params || jsonb_build_object('deploy', false));
            ELSE
                -- a new version of the name, deployed below as the policy says; train() validates it on
                -- held-out courses (leave-one-course-out; 5-fold with one course) and records that in its metrics
                new_id := learnerscore.train(model_name, '_ls_learner_features', tgt, feats, target_algorithm,
                                             params || jsonb_build_object('deploy', false) ||
                                             CASE WHEN ncourses >= 2 THEN '{"validate_group": "course_id"}'
                                                  ELSE '{"validate": 5}' END::jsonb);
                SELECT (v->>'rows')::float8 AS test_rows, (v->>'auc')::float8 AS auc, (v->>'brier')::float8 AS brier,
                       (v->>'calibration_error')::float8 AS calibration_error, (v->>'log_loss')::float8 AS log_loss,
                       (v->>'accuracy')::float8 AS accuracy, (v->>'mae')::float8 AS mae, (v->>'rmse')::float8 AS rmse
                  INTO cv
                  FROM learnerscore.models m, LATERAL (SELECT m.metrics->'validation' AS v) x WHERE m.id = new_id;
            END IF;
            SELECT m.version INTO new_version FROM learnerscore.models m WHERE m.id = new_id;
            -- the held-out metric: AUC (higher is better) for the classifiers, MAE (lower is better) for m2_progress
            higher_better := tgt <> 'm2_progress';
            metric_name := CASE WHEN higher_better THEN 'auc' ELSE 'mae' END;
            new_metric := CASE WHEN higher_better THEN cv.auc ELSE cv.mae END;
            SELECT d.model_id INTO old_id FROM learnerscore.deployed_models d WHERE d.name = model_name;
            old_metric := NULL;
            IF old_id IS NOT NULL THEN
                EXECUTE format('SELECT CASE WHEN $2 THEN auc ELSE mae END FROM %s.learner_model_metrics '
                               'WHERE model_id = $1 ORDER BY run_id DESC LIMIT 1', s)
                    INTO old_metric USING old_id, higher_better;
            END IF;
            IF deploy = 'always' THEN
                do_deploy := true;
                decision := 'always';
            ELSIF deploy = 'never' THEN
                do_deploy := false;
                decision := 'never';
            ELSIF old_id IS NULL THEN
                do_deploy := true;
                decision := 'if_not_worse: no version deployed';
            ELSIF old_metric IS NULL OR old_metric = 'NaN' THEN
                do_deploy := true;
                decision := 'if_not_worse: no held-out ' || metric_name || ' recorded for the deployed model ' || old_id;
            ELSE
                do_deploy := new_metric IS NOT NULL AND new_metric <> 'NaN' AND
                             CASE WHEN higher_better THEN new_metric >= old_metric ELSE new_metric <= old_metric END;
                decision := format('if_not_worse: held-out %s %s %s than %s of the deployed model %s',
                                   metric_name, round(new_metric::numeric, 4),
                                   CASE WHEN do_deploy THEN 'not worse' ELSE 'worse' END, round(old_metric::numeric, 4), old_id);
            END IF;
            IF do_deploy THEN
                PERFORM learnerscore.deploy(model_name, new_version, format('train_learner_models run %s: %s', run, decision));
                n_deployed := n_deployed + 1;
            END IF;
            run_models := run_models || jsonb_build_object('name', model_name, 'version', new_version, 'id', new_id,
                                                           'deployed', do_deploy);
            EXECUTE format('INSERT INTO %s.learner_model_metrics (week, target, algorithm, validation, rows, auc, brier, '
                           'calibration_error, log_loss, accuracy, mae, rmse, model_id, trained_at, run_id, model_name, '
                           'model_version, deployed, deploy_decision) '
                           'SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13, r.trained_at, r.run_id, $14, $15, $16, $17 '
                           'FROM %s.learner_model_runs r WHERE r.run_id = $18', s, s)
                USING k, tgt, algorithm, validation, cv.test_rows, cv.auc, cv.brier, cv.calibration_error, cv.log_loss,
                      cv.accuracy, cv.mae, cv.rmse, new_id, model_name, new_version, do_deploy, decision, run;
        END LOOP;
    END LOOP;
    DROP TABLE IF EXISTS _ls_learner_features;
    DROP TABLE IF EXISTS _ls_weekly;
    DROP TABLE IF EXISTS _ls_test_learners;
    EXECUTE format('UPDATE %s.learner_model_runs SET models = $1, models_deployed = $2 WHERE run_id = $3', s)
        USING run_models, n_deployed, run;
    IF EXISTS (SELECT 1 FROM generate_series(1, weeks) j, unnest(ARRAY['dropout', 'completion', 'm2_progress']) t
                WHERE NOT EXISTS (SELECT 1 FROM learnerscore.deployed_models d
                                   WHERE d.name = format('%s.%s_w%s', schema_name, t, lpad(j::text, 2, '0')))) THEN
        RAISE NOTICE 'learner models of schema % are not all deployed: %.learner_scores was not (re)created', schema_name, s
            USING HINT = 'Deploy them with learnerscore.deploy(name, version), or train with deploy => ''always''.';
    ELSE
        PERFORM learnerscore._create_learner_scores_view(schema_name, weeks, base_features);
    END IF;
    PERFORM learnerscore._comment_bi_views(schema_name);  -- column comments of learner_scores, learner_model_metrics (190)
END
$proc$;
COMMENT ON PROCEDURE learnerscore.train_learner_models(text, int, text, jsonb, text[], text, date) IS
  'Trains, for each week k = 1..weeks, models of dropout, completion and m2_progress on the leak-free week-k features '
  'as new versions of <schema>.<target>_w<kk> in learnerscore.models (earlier versions are kept: prune them with prune_models), '
  'records the run in <schema>.learner_model_runs and appends its leave-one-course-out metrics to <schema>.learner_model_metrics, '
  'deploys the new models as deploy says (always; if_not_worse: per target and week, only when the held-out AUC, or MAE for '
  'm2_progress, is not worse than that of the deployed version; never), and creates the view <schema>.learner_scores over the deployed versions. '
  'base_features (default learnerscore.learner_model_features()) are the learner_daily columns used per week. '
  'With as_of, only learners whose flow has ended by as_of (learner_flows.flow_end <= as_of: final outcomes) and their data up to as_of '
  'are used, and where a course has two finished flows the held-out metrics come from its latest finished flow, predicted by a model of the '
  'earlier ones (validation later-flow); without as_of every learner counts, as before. '
  'Run CALL learnerscore.refresh_learner_daily(schema) first.';

CREATE FUNCTION learnerscore._create_learner_scores_view(schema_name text, weeks int, base_features text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    branches text := '';
    features text := '';
    week_features text;
    dist boolean := learnerscore._schema_distributed(schema_name);
    k int;
    d text; c text; p text;
BEGIN
    FOR k IN 1..weeks LOOP
        d := format('%s.dropout_w%s', schema_name, lpad(k::text, 2, '0'));
        c := format('%s.completion_w%s', schema_name, lpad(k::text, 2, '0'));
        p := format('%s.m2_progress_w%s', schema_name, lpad(k::text, 2, '0'));
        IF (SELECT count(*) FROM learnerscore.deployed_models dm WHERE dm.name IN (d, c, p)) < 3 THEN
            RAISE EXCEPTION 'the week-% learner models of schema % are missing', k, schema_name USING ERRCODE = '42704',
                HINT = 'Run CALL learnerscore.train_learner_models(schema) first.';
        END IF;
        week_features := learnerscore._learner_features_sql(schema_name, k,
            format('u.user_id IN (SELECT user_id FROM cw WHERE cw.week = %s)', k), 'lw', base_features);
        branches := branches || CASE WHEN k > 1 THEN ' UNION ALL ' ELSE '' END || format(
            $q$SELECT f.user_id, f.course_id, %2$s AS week,
                      learnerscore.predict(%3$L::text, f) AS dropout_probability,
                      learnerscore.predict(%4$L::text, f) AS completion_probability,
                      greatest(0, least(100, learnerscore.predict(%5$L::text, f))) AS predicted_m2_progress,
                      learnerscore.explain(%3$L::text, f) AS contributions, to_jsonb(f) AS features,
                      (SELECT dm.model_id FROM learnerscore.deployed_models dm WHERE dm.name = %3$L) AS dropout_model_id,
                      (SELECT dm.model_id FROM learnerscore.deployed_models dm WHERE dm.name = %4$L) AS completion_model_id,
                      (SELECT dm.model_id FROM learnerscore.deployed_models dm WHERE dm.name = %5$L) AS progress_model_id
                 FROM %1$s f$q$,
            CASE WHEN dist THEN format('f%s', k) ELSE '(' || week_features || ')' END, k, d, c, p);
        -- Distributed (Citus): each week's features are materialized first (the shards compute
        -- them), so that the models score on the coordinator, which holds the registry.
        IF dist THEN
            features := features || format(', f%s AS MATERIALIZED (%s)', k, week_features);
        END IF;
    END LOOP;
    -- A learner is scored with the models of the last week of its flow completed on the latest day
    -- (at most `weeks`, at least 1).
    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_scores AS
        WITH lw AS MATERIALIZED (SELECT * FROM %1$s.learner_weekly),
        cw AS (
            SELECT lf.user_id,
                   least(%2$s, greatest(1, ((SELECT max(cur_date) FROM %1$s.learner_daily) - lf.flow_start + 1) / 7))::int AS week
              FROM %1$s.learner_flows lf),
        norms AS MATERIALIZED (%4$s)%5$s,
        scored AS %6$s (%3$s)
        SELECT sc.user_id, sc.course_id, ls.status, sc.dropout_probability, sc.completion_probability,
               sc.predicted_m2_progress,
               rank() OVER (PARTITION BY sc.course_id ORDER BY sc.dropout_probability DESC)::int AS risk_rank,
               ARRAY(SELECT e->>'sentence' FROM jsonb_array_elements(r.reasons) e) AS top_reasons, sc.week AS model_week,
               sc.dropout_model_id, sc.completion_model_id, sc.progress_model_id,
               learnerscore.risk_band(sc.dropout_probability) AS band,
               ls.status IS DISTINCT FROM 'asleep' AS reachable,
               r.reasons AS reason_contributions
          FROM scored sc LEFT JOIN %1$s.learner_status ls ON ls.user_id = sc.user_id
          LEFT JOIN norms nm ON nm.course_id = sc.course_id
          CROSS JOIN LATERAL (SELECT learnerscore.explain_reasons(sc.contributions, sc.features, nm.norms, 3) AS reasons OFFSET 0) r$q$,
        s, weeks, branches, learnerscore._course_norms_sql(schema_name, 'lw', base_features), features,
        CASE WHEN dist THEN 'MATERIALIZED' ELSE '' END);
    EXECUTE format('COMMENT ON VIEW %s.learner_scores IS %L', s,
        'Scored learners on the latest date: activity status, dropout and completion probabilities, predicted m2_progress, '
        'risk_rank within the course (1 = contact first), top_reasons (the three features that raise the dropout risk most, as sentences '
        'comparing the learner with the course norm at the same week, in the language of learnerscore.language), '
        'band (learnerscore.risk_band), reachable (not asleep), reason_contributions (the reasons with values, norms, directions and model contributions), '
        'the course week whose models were used and the model ids: the deployed versions (learnerscore.deployed_models) at the time of the query. '
        'Made by learnerscore.train_learner_models.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_learner_scores_view(text, int, text[]) IS 'Internal: (re)creates <schema>.learner_scores over the deployed versions of the weekly models.';

-- Scoring the running cohort as of a day (issue 14, item 1): the learners whose flow runs on as_of
-- (flow_start <= as_of < flow_end), each with the deployed models of the course week it has completed
-- (at least 1, at most the weeks trained), from learner_daily rows up to as_of only, the status on as_of
-- and reasons against the course norm at the same week; appended to learner_score_history as one
-- snapshot. Nothing a learner did after as_of, and no outcome (users.m2_*), is read: a learner's score
-- as of a day does not change when its outcome becomes known.
CREATE FUNCTION learnerscore.score_learners(schema_name text, as_of date DEFAULT current_date) RETURNS bigint
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    weeks int := 0;
    base text[];
    last_day date;
    k int;
    d text; c text; p text;
    n bigint;
    stamp timestamptz := clock_timestamp();
    features text;
    status text;
    dist boolean;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF as_of IS NULL OR as_of = 'infinity' OR as_of = '-infinity' THEN
        RAISE EXCEPTION 'as_of must be a finite date, not %', coalesce(as_of::text, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    -- the weeks 1..weeks whose three models are all deployed
    LOOP
        d := format('%s.dropout_w%s', schema_name, lpad((weeks + 1)::text, 2, '0'));
        c := format('%s.completion_w%s', schema_name, lpad((weeks + 1)::text, 2, '0'));
        p := format('%s.m2_progress_w%s', schema_name, lpad((weeks + 1)::text, 2, '0'));
        EXIT WHEN weeks >= 52 OR (SELECT count(*) FROM learnerscore.deployed_models dm WHERE dm.name IN (d, c, p)) < 3;
        weeks := weeks + 1;
    END LOOP;
    IF weeks = 0 THEN
        RAISE EXCEPTION 'no deployed learner models of schema %: %, % and % are not all deployed', schema_name, d, c, p
            USING ERRCODE = '42704',
            HINT = format('Run CALL learnerscore.train_learner_models(%L, as_of => ...) first.', schema_name);
    END IF;
    IF to_regclass(s || '.learner_daily') IS NULL OR to_regclass(s || '.learner_flows') IS NULL
       OR to_regclass(s || '.learner_weekly') IS NULL THEN
        RAISE EXCEPTION 'relation %.learner_daily or %.learner_weekly does not exist', s, s USING ERRCODE = '42P01',
            HINT = format('Run CALL learnerscore.refresh_learner_daily(%L) and CALL learnerscore.train_learner_models(%L) first.',
                          schema_name, schema_name);
    END IF;
    base := learnerscore._learner_model_base_features(schema_name);
    IF base = learnerscore.learner_model_features() THEN
        base := NULL;
    END IF;
    EXECUTE format('SELECT max(cur_date) FROM %s.learner_daily', s) INTO last_day;
    IF last_day IS NULL OR as_of > last_day + 1 THEN
        RAISE EXCEPTION 'as_of % is after the data: %.learner_daily ends on %', as_of, s, coalesce(last_day::text, '(empty)')
            USING ERRCODE = '22023',
            HINT = format('Score as of %s at the latest, or run CALL learnerscore.refresh_learner_daily(%L) first.',
                          coalesce((last_day + 1)::text, 'a day with data'), schema_name);
    END IF;
    IF to_regclass(s || '.learner_score_history') IS NULL THEN
        PERFORM learnerscore.create_bi_views(schema_name);
    END IF;

    dist := learnerscore._schema_distributed(schema_name);
    DROP TABLE IF EXISTS _ls_running, _ls_asof_weekly, _ls_asof_norms, _ls_asof_scored;
    EXECUTE format($q$CREATE TEMP TABLE _ls_running AS
        SELECT lf.user_id, lf.course_id, least(%2$s, greatest(1, ($1 - lf.flow_start + 1) / 7))::int AS week
          FROM %1$s.learner_flows lf WHERE lf.flow_start <= $1 AND $1 < lf.flow_end$q$, s, weeks) USING as_of;
    EXECUTE format('CREATE TEMP TABLE _ls_asof_weekly AS SELECT * FROM %s.learner_weekly WHERE cur_date <= $1', s) USING as_of;
    EXECUTE format('CREATE TEMP TABLE _ls_asof_norms AS %s', learnerscore._course_norms_sql(schema_name, '_ls_asof_weekly', base));
    CREATE TEMP TABLE _ls_asof_scored (user_id int, course_id int, week int, dropout_probability float8,
        completion_probability float8, predicted_m2_progress float8, contributions jsonb, features jsonb,
        dropout_model_id bigint, completion_model_id bigint, progress_model_id bigint);
    FOR k IN 1..weeks LOOP
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM _ls_running r WHERE r.week = k);
        d := format('%s.dropout_w%s', schema_name, lpad(k::text, 2, '0'));
        c := format('%s.completion_w%s', schema_name, lpad(k::text, 2, '0'));
        p := format('%s.m2_progress_w%s', schema_name, lpad(k::text, 2, '0'));
        features := '(' || learnerscore._learner_features_sql(schema_name, k,
            format('u.user_id IN (SELECT r.user_id FROM _ls_running r WHERE r.week = %s)', k), '_ls_asof_weekly', base) || ')';
        -- Distributed (Citus): the features first (the shards compute them), so that the
        -- models score on the coordinator, which holds the registry.
        IF dist THEN
            DROP TABLE IF EXISTS _ls_asof_features;
            EXECUTE 'CREATE TEMP TABLE _ls_asof_features AS ' || features;
            features := '_ls_asof_features';
        END IF;
        -- the model ids once, so that every learner of the week is scored by the same versions
        EXECUTE format($q$INSERT INTO _ls_asof_scored
            SELECT f.user_id, f.course_id, %2$s, learnerscore.predict(m.d, f), learnerscore.predict(m.c, f),
                   greatest(0, least(100, learnerscore.predict(m.p, f))), learnerscore.explain(m.d, f), to_jsonb(f), m.d, m.c, m.p
              FROM %1$s f,
                   (SELECT (SELECT model_id FROM learnerscore.deployed_models WHERE name = %3$L) AS d,
                           (SELECT model_id FROM learnerscore.deployed_models WHERE name = %4$L) AS c,
                           (SELECT model_id FROM learnerscore.deployed_models WHERE name = %5$L) AS p) m$q$,
            features, k, d, c, p);
    END LOOP;
    DROP TABLE IF EXISTS _ls_asof_features;
    -- each learner's status on as_of: per learner through the index on one machine; on Citus
    -- first, on the shards (a lateral join from a local table cannot be pushed down)
    status := format($q$(SELECT a.status::varchar(16) AS status FROM %1$s.learner_activity a
                          WHERE a.user_id = sc.user_id AND a.cur_date <= $1
                          ORDER BY a.cur_date DESC LIMIT 1)$q$, s);
    IF dist THEN
        DROP TABLE IF EXISTS _ls_asof_status;
        EXECUTE format($q$CREATE TEMP TABLE _ls_asof_status AS
            SELECT DISTINCT ON (a.user_id) a.user_id, a.status::varchar(16) AS status FROM %1$s.learner_activity a
             WHERE a.cur_date <= $1 ORDER BY a.user_id, a.cur_date DESC$q$, s) USING as_of;
        status := '(SELECT x.status FROM _ls_asof_status x WHERE x.user_id = sc.user_id)';
    END IF;
    EXECUTE format($q$INSERT INTO %1$s.learner_score_history (as_of, scored_at, user_id, course_id, status, band,
            dropout_probability, completion_probability, predicted_m2_progress, risk_rank, reason_1, reason_2, reason_3,
            model_week, dropout_model_id, completion_model_id, progress_model_id, reachable)
        SELECT $1, $2, sc.user_id, sc.course_id, st.status, learnerscore.risk_band(sc.dropout_probability),
               sc.dropout_probability, sc.completion_probability, sc.predicted_m2_progress,
               CASE WHEN sc.dropout_probability IS NOT NULL
                    THEN rank() OVER (PARTITION BY sc.course_id, sc.dropout_probability IS NULL
                                      ORDER BY sc.dropout_probability DESC) END::int,
               left(r.reasons->0->>'sentence', 300), left(r.reasons->1->>'sentence', 300), left(r.reasons->2->>'sentence', 300),
               sc.week, sc.dropout_model_id, sc.completion_model_id, sc.progress_model_id,
               st.status IS DISTINCT FROM 'asleep'
          FROM _ls_asof_scored sc
          LEFT JOIN LATERAL %2$s st ON true
          LEFT JOIN _ls_asof_norms nm ON nm.course_id = sc.course_id
         CROSS JOIN LATERAL (SELECT learnerscore.explain_reasons(sc.contributions, sc.features, nm.norms, 3) AS reasons OFFSET 0) r$q$, s, status)
        USING as_of, stamp;
    GET DIAGNOSTICS n = ROW_COUNT;
    DROP TABLE IF EXISTS _ls_asof_status;
    DROP TABLE _ls_running, _ls_asof_weekly, _ls_asof_norms, _ls_asof_scored;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION learnerscore.score_learners(text, date) IS
  'Scores the learners whose flow runs on as_of (learner_flows: flow_start <= as_of < flow_end) with the deployed models of the '
  'course week each has completed (1 .. the weeks trained), from their learner_daily rows up to as_of and never an outcome, and '
  'appends one snapshot to <schema>.learner_score_history (as_of, scored_at = now, status on as_of, band, probabilities, risk_rank '
  'within the course, three reasons against the course norm at the same week, model week and ids, reachable); returns the rows stored. '
  '<schema>.learner_scores_latest shows the newest snapshot. Errors: 22023 (NULL or infinite as_of, as_of after the day after '
  'the data), 3F000 (no such schema), 42P01 (no learner_daily / learner models), 42704 (no deployed learner model).';
