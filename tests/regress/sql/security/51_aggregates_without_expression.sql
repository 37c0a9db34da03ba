-- Every aggregate of the extension, run the way Citus's worker_partial_agg
-- and coord_combine_agg run it (learnerscore_test.aggregate_without_expression:
-- support functions called through fmgr_info with NO call expression, two
-- partial states sent through text, combined, finalized), gives the answer of
-- the SQL aggregate. Before one C entry point per signature, ate_ipw, ate_aipw,
-- att_aipw, ate_iv, first_stage_f and ate_refute crashed the server here,
-- balance failed with "type with OID 0 does not exist" and
-- ate_iv(y, d, ARRAY[z], covariates) dropped its covariates.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
CREATE EXTENSION IF NOT EXISTS learnerscore_test;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET max_parallel_workers_per_gather = 0;
-- the data of tests/regress/sql/causal/50_causal.sql plus a score, a label and a pre-period value
CREATE TEMP TABLE a51 AS
SELECT i, 2 * sin(0.37 * i) AS x1, cos(0.11 * i) + (i % 7) / 3.0 AS x2,
       ((i * 7919) % 13 < 6)::int::float8 AS z, sin(2.9 * i) AS z2
FROM generate_series(0, 199) i;
ALTER TABLE a51 ADD t boolean, ADD d float8, ADD y float8, ADD score float8, ADD label float8, ADD pre float8,
                ADD comment text;
UPDATE a51 SET t = (z > 0) OR ((i * 31) % 11 < 3 + 3 * (x1 > 0)::int);
UPDATE a51 SET d = 0.5 * z + 0.3 * x1 + 0.2 * z2 + sin(1.7 * i),
               y = 1 + 2 * t::int + x1 - 0.5 * x2 + 1.5 * sin(1.3 * i),
               score = 1 / (1 + exp(-(0.8 * x1 + 0.3 * x2 - 0.4))),
               label = t::int,
               pre = x1 - 0.5 * x2 + 0.7 * sin(1.3 * i) + 0.3 * cos(4.1 * i),
               comment = CASE i % 4 WHEN 0 THEN format('Установлен хештег "#t%s"', i % 9)
                                    WHEN 1 THEN format('Удален хештег "#t%s"', (i * 7) % 9)
                                    WHEN 2 THEN 'не изменение'
                                    ELSE CASE WHEN i % 50 = 3 THEN format('Были хештеги: #t1, стали: #t1 #t%s', i % 9) END END;

-- (aggregate, its arguments as a select list over a51)
CREATE TEMP TABLE cases (agg regprocedure, args text);
INSERT INTO cases VALUES
  ('learnerscore.tag_fold(text)', 'comment'),
  ('learnerscore.log_loss(float8, float8)', 'score, label'),
  ('learnerscore.brier(float8, float8)', 'score, label'),
  ('learnerscore.accuracy(float8, float8)', 'score, label'),
  ('learnerscore.accuracy(float8, float8, float8)', 'score, label, 0.4::float8'),
  ('learnerscore.mae(float8, float8)', 'score, label'),
  ('learnerscore.rmse(float8, float8)', 'score, label'),
  ('learnerscore.calibration_error(float8, float8)', 'score, label'),
  ('learnerscore.auc(float8, float8)', 'score, label'),
  ('learnerscore.auc_binned(float8, float8)', 'score, label'),
  ('learnerscore.auc_binned_error(float8, float8)', 'score, label'),
  ('learnerscore.qini_coefficient(float8, boolean, float8)', 'score, t, (x2 > 0.8)::int::float8'),
  ('learnerscore.uplift_auc(float8, boolean, float8)', 'score, t, (x2 > 0.8)::int::float8'),
  ('learnerscore.uplift_at_k(float8, boolean, float8, float8)', 'score, t, y, 0.3::float8'),
  ('learnerscore.ate_diff(float8, boolean)', 'y, t'),
  ('learnerscore.ate_diff(float8, boolean, float8)', 'y, t, 0.1::float8'),
  ('learnerscore.welch_test(float8, boolean)', 'y, t'),
  ('learnerscore.ate_diff_bootstrap(float8, boolean, int, bigint)', 'y, t, 50, 7::bigint'),
  ('learnerscore.ate_diff_bootstrap(float8, boolean, int, bigint, float8)', 'y, t, 50, -7::bigint, 0.1::float8'),
  ('learnerscore.ate_regression(float8, boolean, float8[])', 'y, t, ARRAY[x1, x2]'),
  ('learnerscore.ate_regression(float8, boolean, float8[], float8)', 'y, t, ARRAY[x1, x2], 0.1::float8'),
  ('learnerscore.ate_iv(float8, float8, float8)', 'y, d, z'),
  ('learnerscore.ate_iv(float8, float8, float8, float8[])', 'y, d, z, ARRAY[x1, x2]'),
  ('learnerscore.ate_iv(float8, float8, float8[], float8[])', 'y, d, ARRAY[z, z2], ARRAY[x1, x2]'),
  ('learnerscore.ate_iv(float8, float8, float8, float8[], float8)', 'y, d, z, ARRAY[x1, x2], 0.1::float8'),
  ('learnerscore.first_stage_f(float8, float8)', 'd, z'),
  ('learnerscore.first_stage_f(float8, float8, float8[])', 'd, z, ARRAY[x1, x2]'),
  ('learnerscore.cuped(float8, float8)', 'y, pre'),
  ('learnerscore.balance(boolean, float8[])', 't, ARRAY[x1, x2]'),
  ('learnerscore.balance(boolean, float8[], float8)', 't, ARRAY[x1, x2], 0.05::float8'),
  ('learnerscore.propensity_overlap(boolean, float8[])', 't, ARRAY[x1, x2]'),
  ('learnerscore.ate_refute(float8, boolean, float8[], text, bigint)', 'y, t, ARRAY[x1, x2], ''ipw''::text, 11::bigint'),
  -- the Newton pass of the propensity model at beta = 0 (k = 2, no standardization: mean 0, 1/sd 1)
  ('learnerscore.propensity_pass(float8[], float8, boolean, float8[])', '''{2,2,3,0,0,0,1,0,0,1,1,0,0,0}''::float8[], y, t, ARRAY[x1, x2]'),
  -- the Newton pass of train('logistic') as passes at beta = (0.1, 0.2, -0.3) (k = 2, imputation means 0)
  ('learnerscore.logistic_pass(float8[], float8, float8[])', '''{2,2,0,0,0.1,0.2,-0.3}''::float8[], label, ARRAY[x1, x2]');
INSERT INTO cases
SELECT format('learnerscore.%s(%s)', a, s)::regprocedure, v
FROM unnest(ARRAY['ate_ipw', 'att_ipw', 'ate_aipw', 'att_aipw']) a,
     (VALUES ('float8, boolean, float8[]', 'y, t, ARRAY[x1, x2]'),
             ('float8, boolean, float8[], float8', 'y, t, ARRAY[x1, x2], 0.05::float8'),
             ('float8, boolean, float8[], float8, float8', 'y, t, ARRAY[x1, x2], 0.05::float8, 0.1::float8')) sig(s, v);

-- every aggregate of the extension (every overload) has a case
SELECT p.oid::regprocedure AS aggregate_without_a_case
FROM pg_proc p WHERE p.pronamespace = 'learnerscore'::regnamespace AND p.prokind = 'a'
EXCEPT SELECT agg FROM cases;
SELECT count(*) AS aggregates FROM cases;

-- The SQL aggregate's answer over the rows in order i.
CREATE FUNCTION pg_temp.sql_answer(agg regprocedure, args text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r text;
BEGIN
    EXECUTE format('SELECT %s.%s(%s ORDER BY i)::text FROM a51',
                   (SELECT quote_ident(n.nspname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = agg),
                   (SELECT quote_ident(proname) FROM pg_proc WHERE oid = agg), args) INTO r;
    RETURN r;
END $$;
CREATE FUNCTION pg_temp.rows_query(args text) RETURNS text
LANGUAGE sql AS $$ SELECT format('SELECT %s FROM a51 ORDER BY i', args) $$;

-- All rows in the first partial state (the second is the initial state): the
-- same floating-point operations in the same order, so the same text.
-- Rows split in halves: a real combine; the row-keeping aggregates
-- concatenate, so they are still exact; moment states merge (Chan et al.),
-- equal to 1e-9.
SET client_min_messages = error;  -- weak-instrument and similar WARNINGs come twice per case
CREATE TEMP TABLE answers AS
SELECT agg, pg_temp.sql_answer(agg, args) AS sql,
       learnerscore_test.aggregate_without_expression(agg, pg_temp.rows_query(args), 200) AS one_partial,
       learnerscore_test.aggregate_without_expression(agg, pg_temp.rows_query(args)) AS halves,
       learnerscore_test.aggregate_without_expression(agg, pg_temp.rows_query(args), 37) AS uneven
FROM cases;
RESET client_min_messages;
SELECT agg, sql IS NOT NULL AS answered, one_partial = sql AS one_partial_same,
       learnerscore_test.numbers_close(halves, sql) AS halves_close,
       learnerscore_test.numbers_close(uneven, sql) AS uneven_close
FROM answers ORDER BY agg::text;
-- the row-keeping aggregates: exact with a real combine too
SELECT agg, halves = sql AS halves_same, uneven = sql AS uneven_same
FROM answers
WHERE (SELECT aggtranstype FROM pg_aggregate WHERE aggfnoid = agg) = 'bytea'::regtype
ORDER BY agg::text;
-- the Citus report: ate_iv with an instrument array keeps its covariates
SELECT learnerscore_test.numbers_close(
         learnerscore_test.aggregate_without_expression('learnerscore.ate_iv(float8, float8, float8[], float8[])',
                                                        'SELECT y, d, ARRAY[z], ARRAY[x1, x2] FROM a51 ORDER BY i'),
         (SELECT learnerscore.ate_iv(y, d, z, ARRAY[x1, x2])::text FROM a51)) AS iv_array_keeps_covariates;
-- the tolerance compare can fail
SELECT learnerscore_test.numbers_close('(1.0,2.0,x)', '(1.0,2.1,x)') AS differs,
       learnerscore_test.numbers_close('(1.0,2.0,x)', '(1.0,2.0,y)') AS text_differs;
