-- Reasons a tutor can act on (docs/models.md "Reasons"): every feature that can
-- appear in a reason has a sentence in English and Russian that compares the
-- learner with the course norm (the median at the same course week); the
-- direction; Russian plural forms; the settings learnerscore.language,
-- risk_band_high and risk_band_medium and their bad values.
\set SHOW_CONTEXT never
\set VERBOSITY default
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
SELECT learnerscore.version() IS NOT NULL AS library_loaded;
-- every feature that can appear: the static ones and the base features at week 3
SELECT f, learnerscore.reason_sentence(f, 3, 9, 'en') AS en, learnerscore.reason_sentence(f, 3, 9, 'ru') AS ru
FROM unnest(ARRAY['age', 'time_zone', 'tg_bot'] ||
            ARRAY(SELECT b || '_3_week' FROM unnest(learnerscore.learner_model_features()) b)) WITH ORDINALITY AS u(f, o)
ORDER BY o;
-- a count of one, in both languages
SELECT b, learnerscore.reason_sentence(b || '_1_week', 1, 2, 'en') AS en, learnerscore.reason_sentence(b || '_1_week', 1, 2, 'ru') AS ru
FROM unnest(learnerscore.learner_model_features()) WITH ORDINALITY AS u(b, o) ORDER BY o;
-- no sentence carries a log-odds number or a bare feature name
SELECT bool_and(s NOT LIKE '%(+%' AND s NOT LIKE '%\_week%') AS plain
FROM unnest(learnerscore.learner_model_features()) b,
     LATERAL (VALUES (learnerscore.reason_sentence(b || '_4_week', 1.5, 2, 'en')),
                     (learnerscore.reason_sentence(b || '_4_week', 1.5, 2, 'ru'))) AS v(s);
-- values that are words, fractions, negative time zones, unknown values and norms
SELECT learnerscore.reason_sentence('payment', 0, 1, 'en') AS payment_en, learnerscore.reason_sentence('payment', 0, 1, 'ru') AS payment_ru,
       learnerscore.reason_sentence('tg_bot', 2, 1, 'ru') AS bot_ru,
       learnerscore.reason_sentence('time_zone', -5, 3, 'en') AS tz_en,
       learnerscore.reason_sentence('w_view_hours_2_week', 2.5, 4.25, 'ru') AS hours_ru,
       learnerscore.reason_sentence('mean_result_2_week', 70.96, 69.04, 'ru') AS rounded,
       learnerscore.reason_sentence('sum_auth_1_week', NULL, 4, 'en') AS missing_value,
       learnerscore.reason_sentence('sum_auth_1_week', 4, NULL, 'ru') AS missing_norm,
       learnerscore.reason_sentence('flow_num', 2, 1, 'en') AS no_template;
-- Russian plural forms of a count
SELECT n, learnerscore.reason_sentence('sum_auth_1_week', n, 9, 'ru') AS ru
FROM unnest(ARRAY[0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111]) n;
SELECT learnerscore.ru_plural(21, 'неделя', 'недели', 'недель') AS w21, learnerscore.ru_plural(1.5, 'час', 'часа', 'часов') AS h15;
-- the language setting (default en) and the per-call override
SHOW learnerscore.language;
SET learnerscore.language = 'ru';
SELECT learnerscore.reason_sentence('conn_2_week', 3, 9) AS from_setting, learnerscore.reason_sentence('conn_2_week', 3, 9, 'en') AS overridden;
RESET learnerscore.language;
SET learnerscore.language = 'de';
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.reason_sentence('conn_2_week', 3, 9, 'de');
SELECT learnerscore.explain_reasons('{}', '{}', '{}', 3, 'fr');

-- the course norm: the median of the course's learners at the same course week
CREATE SCHEMA r52;
CREATE TABLE r52.users (user_id int, course_id int, tg_bot int);
CREATE TABLE r52.users_age_timezone (user_id int, age int, time_zone text);
CREATE TABLE r52.wk (user_id int, course_id int, week int, sum_auth int, mean_result float8);
INSERT INTO r52.users SELECT i, 1 + i % 2, i % 3 FROM generate_series(1, 10) i;
INSERT INTO r52.users_age_timezone SELECT i, 20 + i, NULL FROM generate_series(1, 10) i;
INSERT INTO r52.wk SELECT i, 1 + i % 2, w, i * w, CASE WHEN i < 3 THEN NULL ELSE 10 * i END
FROM generate_series(1, 10) i, generate_series(1, 2) w;
DO $$ BEGIN
  EXECUTE 'CREATE TEMP TABLE n52 AS ' || learnerscore._course_norms_sql('r52', 'r52.wk', ARRAY['sum_auth', 'mean_result']);
END $$;
SELECT course_id, k, v FROM n52, jsonb_each(norms) AS e(k, v) ORDER BY course_id, k;
-- the same medians computed directly
SELECT course_id, week, percentile_cont(0.5) WITHIN GROUP (ORDER BY sum_auth) AS sum_auth_median,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY mean_result) AS mean_result_median
FROM r52.wk GROUP BY 1, 2 ORDER BY 1, 2;
-- the reasons: the features that raise the score most, their value, norm, direction, contribution and sentence
SELECT jsonb_pretty(learnerscore.explain_reasons(
    '{"(bias)": 0.5, "sum_auth_1_week": 0.25, "sum_auth_2_week": 0.5, "mean_result_2_week": 0.125, "age": -0.5, "tg_bot": 0.0625}',
    '{"sum_auth_1_week": 1, "sum_auth_2_week": 2, "mean_result_2_week": 80, "age": 30, "tg_bot": 2}',
    (SELECT norms FROM n52 WHERE course_id = 1), 3, 'en'));
SELECT learnerscore.explain_reasons('{"sum_auth_2_week": 0.5, "mean_result_2_week": 0.25}',
    '{"sum_auth_2_week": 12, "mean_result_2_week": 60}', (SELECT norms FROM n52 WHERE course_id = 1), 1, 'ru') -> 0 AS ru_reason;
SELECT learnerscore.explain_reasons('{"sum_auth_2_week": -0.5}', '{"sum_auth_2_week": 12}', '{}') AS none_raise,
       learnerscore.explain_reasons('{"sum_auth_2_week": 0.5}', '{"sum_auth_2_week": 12}', '{}', 0) AS zero_asked,
       learnerscore.explain_reasons('{"sum_auth_2_week": 0.5}', '{"sum_auth_2_week": 12}', NULL) -> 0 -> 'direction' AS no_norm;

-- risk bands from the settings
SELECT p, learnerscore.risk_band(p) FROM unnest(ARRAY[NULL, 0, 0.39, 0.4, 0.69, 0.7, 1]::float8[]) p;
SET learnerscore.risk_band_high = 0.9;
SET learnerscore.risk_band_medium = 0.2;
SELECT learnerscore.risk_band(0.8) AS b08, learnerscore.risk_band(0.9) AS b09, learnerscore.risk_band(0.1) AS b01;
SET learnerscore.risk_band_high = 1.5;
\echo :LAST_ERROR_SQLSTATE
SET learnerscore.risk_band_medium = -0.1;
\echo :LAST_ERROR_SQLSTATE
SET learnerscore.risk_band_medium = 'half';
\echo :LAST_ERROR_SQLSTATE
SET learnerscore.risk_band_medium = 0.95;
SELECT learnerscore.risk_band(0.5);
\echo :LAST_ERROR_SQLSTATE
RESET learnerscore.risk_band_high;
RESET learnerscore.risk_band_medium;
SELECT name, vartype, context, min_val, max_val, boot_val, enumvals FROM pg_settings
WHERE name IN ('learnerscore.language', 'learnerscore.risk_band_high', 'learnerscore.risk_band_medium') ORDER BY name;
-- a role without privileges may use the public functions; not the internal norm query
CREATE ROLE r52_nobody;
SET ROLE r52_nobody;
SELECT learnerscore.risk_band(0.5) AS band, learnerscore.reason_sentence('sum_auth_1_week', 1, 2, 'en') AS sentence;
SELECT learnerscore._course_norms_sql('r52', 'r52.wk');
RESET ROLE;
DROP ROLE r52_nobody;
SET client_min_messages = warning;
DROP SCHEMA r52 CASCADE;
