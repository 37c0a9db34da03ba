-- Hostile aggregate states: every final, combine and transition function of
-- the causal and metric aggregates, called directly (as a superuser: they are
-- not PUBLIC) with forged states, raises 22P03 invalid_binary_representation,
-- never crashes. Before the states were decoded in src/core/causal/causal_state.cpp
-- and metric_state.cpp, a 64-byte row state whose row count and capacity are
-- NaN crashed the server in _ipw_final (SIGSEGV), as did most rows below.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
CREATE EXTENSION IF NOT EXISTS learnerscore_test;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY terse

-- the SQLSTATE of a statement ('ok' when it succeeds)
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
-- a row state: header [magic, k, rows, capacity, trim, alpha, method, seed], then rows [y, t, x_1..x_k]
CREATE FUNCTION pg_temp.rs(VARIADIC v float8[]) RETURNS text
LANGUAGE sql AS $$ SELECT format('learnerscore_test.float8_bytes(%L)', v) $$;

-- (family, case, the state as an SQL expression, a valid state to combine
-- with, shape: the state's shape is wrong, so transitions, which check only
-- the shape of a moment state, must refuse it too)
CREATE TEMP TABLE hostile (family text, name text, state text, partner text, shape boolean);
-- row states (ate_ipw, att_ipw, ate_aipw, att_aipw, balance, propensity_overlap, ate_refute)
INSERT INTO hostile SELECT 'rows', n, s, pg_temp.rs(1280528975, 1, 2, 2, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3), true
FROM (VALUES
  ('valid',                  pg_temp.rs(1280528975, 1, 2, 2, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('nan_rows_and_capacity',  pg_temp.rs(1280528975, 1, 'NaN', 'NaN', 0, 0.05, 4, 0)),
  ('nan_rows',               pg_temp.rs(1280528975, 1, 'NaN', 2, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('negative_rows',          pg_temp.rs(1280528975, 1, -1, 2, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('fractional_rows',        pg_temp.rs(1280528975, 1, 1.5, 2, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('huge_rows',              pg_temp.rs(1280528975, 1, 1e300, 1e300, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('infinite_rows',          pg_temp.rs(1280528975, 1, 'Infinity', 'Infinity', 0, 0.05, 4, 0)),
  ('rows_over_capacity',     pg_temp.rs(1280528975, 1, 3, 2, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('capacity_over_length',   pg_temp.rs(1280528975, 1, 2, 1000000, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('nan_width',              pg_temp.rs(1280528975, 'NaN', 2, 2, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('negative_width',         pg_temp.rs(1280528975, -1, 2, 2, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('huge_width',             pg_temp.rs(1280528975, 1e9, 0, 0, 0, 0.05, 4, 0)),
  ('wrong_magic',            pg_temp.rs(1, 1, 2, 2, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('unknown_method',         pg_temp.rs(1280528975, 1, 2, 2, 0, 0.05, 9, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('nan_trim',               pg_temp.rs(1280528975, 1, 2, 2, 'NaN', 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('alpha_out_of_range',     pg_temp.rs(1280528975, 1, 2, 2, 0, 2, 4, 0, 1, 1, 0.5, 2, 0, 0.3)),
  ('nan_seed',               pg_temp.rs(1280528975, 1, 2, 2, 0, 0.05, 1, 'NaN', 1, 1, 0.5, 2, 0, 0.3)),
  ('huge_seed',              pg_temp.rs(1280528975, 1, 2, 2, 0, 0.05, 1, 1e300, 1, 1, 0.5, 2, 0, 0.3)),
  ('treatment_not_0_or_1',   pg_temp.rs(1280528975, 1, 2, 2, 0, 0.05, 4, 0, 1, 0.5, 0.5, 2, 0, 0.3)),
  ('nan_outcome',            pg_temp.rs(1280528975, 1, 2, 2, 0, 0.05, 4, 0, 'NaN', 1, 0.5, 2, 0, 0.3)),
  ('infinite_covariate',     pg_temp.rs(1280528975, 1, 2, 2, 0, 0.05, 4, 0, 1, 1, 'Infinity', 2, 0, 0.3)),
  ('truncated',              'substring(' || pg_temp.rs(1280528975, 1, 2, 2, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3) || ' FROM 1 FOR 100)'),
  ('shorter_than_header',    $$'\x0102'::bytea$$),
  ('trailing_bytes',         pg_temp.rs(1280528975, 1, 2, 2, 0, 0.05, 4, 0, 1, 1, 0.5, 2, 0, 0.3) || $$ || '\x00'::bytea$$)) c(n, s);

-- moment states (float8[]): DIFF [1, alpha, n1, mean1, m2_1, n0, mean0, m2_0],
-- BOOT [2, alpha, B, seed, (B + 1) x 6 moments], COMOM [tag, alpha, d, m, n1, n0, continuous, n, mean(d), C]
INSERT INTO hostile SELECT 'diff', n, quote_literal(s) || '::float8[]', $$'{1,0.05,1,1,0,1,2,0}'::float8[]$$, sh
FROM (VALUES
  ('valid',                 '{1,0.05,1,1,0,1,2,0}', false),
  ('nan_count',             '{1,0.05,NaN,1,0,1,2,0}', false),
  ('negative_count',        '{1,0.05,-1,1,0,1,2,0}', false),
  ('fractional_count',      '{1,0.05,1.5,1,0,1,2,0}', false),
  ('huge_count',            '{1,0.05,1e300,1,0,1,2,0}', false),
  ('infinite_mean',         '{1,0.05,1,Infinity,0,1,2,0}', false),
  ('negative_squares',      '{1,0.05,2,1,-1,1,2,0}', false),
  ('nan_alpha',             '{1,NaN,1,1,0,1,2,0}', true),
  ('too_short',             '{1,0.05,1}', true),
  ('too_long',              '{1,0.05,1,1,0,1,2,0,0}', true),
  ('nan_tag',               '{NaN,0.05,1,1,0,1,2,0}', true),
  ('unknown_tag',           '{7,0.05,1,1,0,1,2,0}', true),
  ('two_dimensional',       '{{1,0.05,1,1},{0,1,2,0}}', true),
  ('null_element',          '{1,0.05,NULL,1,0,1,2,0}', true)) c(n, s, sh);
-- the other moment families and the AUC states; each is combined with its family's valid state
INSERT INTO hostile (family, name, state, shape) SELECT f, n, s, sh FROM (VALUES
  ('boot', 'valid',                 'learnerscore._diff_boot_trans(''{}'', 1.0, true, 10, 1)', false),
  ('boot', 'replicates_past_end',   '''{2,0.05,10000,0}''::float8[]', true),
  ('boot', 'nan_replicates',        '''{2,0.05,NaN,0}''::float8[]', true),
  ('boot', 'few_replicates',        'array_cat(''{2,0.05,5,0}''::float8[], array_fill(0::float8, ARRAY[36]))', true),
  ('boot', 'nan_seed',              'array_cat(''{2,0.05,10,NaN}''::float8[], array_fill(0::float8, ARRAY[66]))', true),
  ('boot', 'nan_replicate_count',   'array_cat(''{2,0.05,10,1,NaN}''::float8[], array_fill(0::float8, ARRAY[65]))', false),
  ('boot', 'a_difference_state',    '''{1,0.05,1,1,0,1,2,0}''::float8[]', true),
  ('regression', 'valid',                 'learnerscore._regression_trans(learnerscore._regression_trans(''{}'', 1.0, true, ARRAY[0.5]), 2.0, false, ARRAY[0.7])', false),
  -- d = 3: [3, alpha, d, m, n1, n0, continuous, n, mean x 3, C x 6]
  ('regression', 'dimension_past_end',    '''{3,0.05,1000000,0,1,1,0,2}''::float8[]', true),
  ('regression', 'nan_dimension',         '''{3,0.05,NaN,0,1,1,0,2,0,0,0,0,0,0,0,0,0}''::float8[]', true),
  ('regression', 'instruments_in_regression', '''{3,0.05,3,1,1,1,0,2,0,0,0,0,0,0,0,0,0}''::float8[]', true),
  ('regression', 'nan_treated_count',     '''{3,0.05,3,0,NaN,1,0,2,0,0,0,0,0,0,0,0,0}''::float8[]', false),
  ('regression', 'counts_over_rows',      '''{3,0.05,3,0,5,1,0,2,0,0,0,0,0,0,0,0,0}''::float8[]', false),
  ('regression', 'no_rows',               '''{3,0.05,3,0,0,0,0,0,0,0,0,0,0,0,0,0,0}''::float8[]', false),
  ('regression', 'nan_moment',            '''{3,0.05,3,0,1,1,0,2,0,NaN,0,0,0,0,0,0,0}''::float8[]', false),
  ('regression', 'negative_squares',      '''{3,0.05,3,0,1,1,0,2,0,0,0,-1,0,0,0,0,0}''::float8[]', false),
  ('regression', 'a_cuped_state',         'learnerscore._cuped_trans(''{}'', 1.0, 2.0)', true),
  ('iv', 'valid',                 'learnerscore._iv_trans(learnerscore._iv_trans(''{}'', 1.0, 1.0, 1.0), 2.0, 0.0, 0.0)', false),
  ('iv', 'instruments_past_dimension', '''{4,0.05,3,2,1,1,0,2,0,0,0,0,0,0,0,0,0}''::float8[]', true),
  ('iv', 'no_instrument',         '''{4,0.05,3,0,1,1,0,2,0,0,0,0,0,0,0,0,0}''::float8[]', true),
  ('iv', 'dimension_past_end',    '''{4,0.05,5000,1,1,1,0,2}''::float8[]', true),
  ('iv', 'continuous_flag_2',     '''{4,0.05,3,1,1,1,2,2,0,0,0,0,0,0,0,0,0}''::float8[]', false),
  ('iv', 'infinite_count',        '''{4,0.05,3,1,1,1,0,Infinity,0,0,0,0,0,0,0,0,0}''::float8[]', false),
  ('cuped', 'valid',                 'learnerscore._cuped_trans(learnerscore._cuped_trans(''{}'', 1.0, 2.0), 2.0, 1.0)', false),
  ('cuped', 'wrong_dimension',       '''{5,0.05,3,0,0,0,1,2,0,0,0,0,0,0,0,0,0}''::float8[]', true),
  ('cuped', 'treatment_counts',      '''{5,0.05,2,0,1,0,1,2,0,0,0,0,0}''::float8[]', false),
  ('cuped', 'nan_rows',              '''{5,0.05,2,0,0,0,1,NaN,0,0,0,0,0}''::float8[]', false),
  ('cuped', 'a_regression_state',    'learnerscore._regression_trans(''{}'', 1.0, true, ARRAY[0.5])', true),
  -- exact-AUC states (bytea): int64 count | (score, label) pairs | spare capacity
  ('auc', 'valid',                 'learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,0,0.7,1}'')', false),
  ('auc', 'negative_count',        'learnerscore_test.int8_bytes(''{-1}'') || learnerscore_test.float8_bytes(''{0.3,0,0.7,1}'')', true),
  ('auc', 'count_over_capacity',   'learnerscore_test.int8_bytes(''{3}'') || learnerscore_test.float8_bytes(''{0.3,0,0.7,1}'')', true),
  ('auc', 'huge_count',            'learnerscore_test.int8_bytes(''{4611686018427387904}'') || learnerscore_test.float8_bytes(''{0.3,0,0.7,1}'')', true),
  ('auc', 'shorter_than_header',   $$'\x0102'::bytea$$, true),
  ('auc', 'nan_score',             'learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{NaN,0,0.7,1}'')', false),
  ('auc', 'label_not_0_or_1',      'learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,2,0.7,1}'')', false),
  ('auc', 'nan_label',             'learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,NaN,0.7,1}'')', false),
  -- uplift metric states (bytea): int32 kind | int32 reserved | float8 k | int64 count | (score, treated, outcome) rows
  ('uplift', 'valid',              'learnerscore_test.int8_bytes(''{1}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', false),
  ('uplift', 'unknown_kind',       'learnerscore_test.int8_bytes(''{9}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', true),
  ('uplift', 'reserved_not_zero',  'learnerscore_test.int8_bytes(''{4294967297}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', true),
  ('uplift', 'k_for_qini',         'learnerscore_test.int8_bytes(''{1}'') || learnerscore_test.float8_bytes(''{0.5}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', true),
  ('uplift', 'negative_count',     'learnerscore_test.int8_bytes(''{1}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{-1}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', true),
  ('uplift', 'count_over_capacity','learnerscore_test.int8_bytes(''{1}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{3}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', true),
  ('uplift', 'huge_count',         'learnerscore_test.int8_bytes(''{1}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{4611686018427387904}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', true),
  ('uplift', 'shorter_than_header', $$'\x0100000000000000'::bytea$$, true),
  ('uplift', 'nan_score',          'learnerscore_test.int8_bytes(''{1}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{NaN,1,1,0.7,0,0}'')', false),
  ('uplift', 'treated_not_0_or_1', 'learnerscore_test.int8_bytes(''{1}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,2,1,0.7,0,0}'')', false),
  ('uplift', 'outcome_not_0_or_1', 'learnerscore_test.int8_bytes(''{1}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,0.5,0.7,0,0}'')', false),
  ('uplift', 'an_auc_state',       'learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', false),
  ('uplift_k', 'valid',            'learnerscore_test.int8_bytes(''{3}'') || learnerscore_test.float8_bytes(''{0.3}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,2.5,0.7,0,-1}'')', false),
  ('uplift_k', 'k_zero',           'learnerscore_test.int8_bytes(''{3}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', true),
  ('uplift_k', 'k_over_one',       'learnerscore_test.int8_bytes(''{3}'') || learnerscore_test.float8_bytes(''{1.5}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', true),
  ('uplift_k', 'k_nan',            'learnerscore_test.int8_bytes(''{3}'') || learnerscore_test.float8_bytes(''{NaN}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', true),
  ('uplift_k', 'infinite_outcome', 'learnerscore_test.int8_bytes(''{3}'') || learnerscore_test.float8_bytes(''{0.3}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,Infinity,0.7,0,0}'')', false),
  ('uplift_k', 'another_k',        'learnerscore_test.int8_bytes(''{3}'') || learnerscore_test.float8_bytes(''{0.5}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', false),
  ('uplift_auc', 'valid',          'learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,1,0.7,0,0}'')', false),
  ('uplift_auc', 'outcome_not_0_or_1', 'learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0}'') || learnerscore_test.int8_bytes(''{2}'') || learnerscore_test.float8_bytes(''{0.3,1,3,0.7,0,0}'')', false)) c(f, n, s, sh);
UPDATE hostile h SET partner = v.state FROM hostile v
WHERE h.partner IS NULL AND v.family = h.family AND v.name = 'valid';
-- metric states (float8[]): [kind, rows, sum, 0], calibration [6, rows, 10 x (rows, sum of scores, sum of labels)]
INSERT INTO hostile SELECT 'metric', n, quote_literal(s) || '::float8[]', quote_literal(p) || '::float8[]',
       n IN ('unknown_kind', 'nan_kind', 'wrong_length', 'two_dimensional', 'null_element')
FROM (VALUES
  ('valid',                 '{3,2,1,0}', '{3,2,1,0}'),
  ('unknown_kind',          '{9,1,2,3}', '{1,2,0.5,0}'),
  ('nan_kind',              '{NaN,1,2,3}', '{1,2,0.5,0}'),
  ('nan_rows',              '{1,NaN,0.5,0}', '{1,2,0.5,0}'),
  ('negative_rows',         '{1,-1,0.5,0}', '{1,2,0.5,0}'),
  ('fractional_rows',       '{1,1.5,0.5,0}', '{1,2,0.5,0}'),
  ('huge_rows',             '{1,1e300,0.5,0}', '{1,2,0.5,0}'),
  ('nan_sum',               '{4,2,NaN,0}', '{4,2,0.5,0}'),
  ('infinite_sum',          '{5,2,Infinity,0}', '{5,2,0.5,0}'),
  ('more_correct_than_rows','{3,2,3,0}', '{3,2,1,0}'),
  ('brier_over_rows',       '{2,2,3,0}', '{2,2,0.5,0}'),
  ('negative_log_loss',     '{1,2,-0.5,0}', '{1,2,0.5,0}'),
  ('wrong_length',          '{6,1,1,0.5,1}', '{6,1,1,0.5,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}'),
  ('bins_not_adding_up',    '{6,5,1,0.5,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}',
                            '{6,1,1,0.5,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}'),
  ('bin_scores_over_rows',  '{6,1,1,1.5,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}',
                            '{6,1,1,0.5,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}'),
  ('two_dimensional',       '{{1,2},{0.5,0}}', '{1,2,0.5,0}'),
  ('null_element',          '{1,NULL,0.5,0}', '{1,2,0.5,0}')) c(n, s, p);

-- propensity pass states (float8[]): [L, params (kind, k, q, trim, extra length, ...), payload]
INSERT INTO hostile SELECT 'pass', n, quote_literal(s) || '::float8[]', '''{5,1,1,1,0,0,2,1,0.5,0.5}''::float8[]', true
FROM (VALUES
  ('valid',            '{5,1,1,1,0,0,2,1,0.5,0.5}'),
  ('unknown_kind',     '{5,9,1,1,0,0,2,1,0.5,0.5}'),
  ('nan_length',       '{NaN,1,1,1,0,0,2,1,0.5,0.5}'),
  ('huge_length',      '{1e300,1,1,1,0,0,2,1,0.5,0.5}'),
  ('shorter_than_header', '{5,1,1}'),
  ('payload_too_short','{5,1,1,1,0,0,2,1,0.5}'),
  ('huge_k',           '{5,1,1e12,1,0,0,2,1,0.5,0.5}'),
  ('nan_trim',         '{5,1,1,1,NaN,0,2,1,0.5,0.5}'),
  ('column_out_of_range', '{10,2,1,2,0,0,5,0,1,0,0,0,0,0,0,0,0,0}'),
  ('zero_inverse_sd',  '{10,2,1,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0}'),
  ('another_pass',     '{5,1,1,1,0.1,0,2,1,0.5,0.5}'),
  ('two_dimensional',  '{{5,1},{1,1}}'),
  ('null_element',     '{5,1,1,1,0,NULL,2,1,0.5,0.5}')) c(n, s);

-- logistic pass states (float8[]): [L, params (kind, k, then imputation means and coefficients), payload]
INSERT INTO hostile SELECT 'logit', n, quote_literal(s) || '::float8[]', '''{2,1,1,2,1,0,0,0,2,0.5}''::float8[]', true
FROM (VALUES
  ('valid',            '{2,1,1,2,1,0,0,0,2,0.5}'),
  ('unknown_kind',     '{2,9,1,2,1,0,0,0,2,0.5}'),
  ('nan_length',       '{NaN,1,1,2,1,0,0,0,2,0.5}'),
  ('huge_length',      '{1e300,1,1,2,1,0,0,0,2,0.5}'),
  ('shorter_than_header', '{2,1}'),
  ('payload_too_short','{2,1,1,2,1,0,0,0,2}'),
  ('huge_k',           '{2,1,1e12,2,1,0,0,0,2,0.5}'),
  ('negative_rows',    '{2,1,1,-2,1,0,0,0,2,0.5}'),
  ('fractional_count', '{2,1,1,2,1,0,0,0,2.5,0.5}'),
  ('nan_coefficient',  '{5,2,1,0,NaN,0,0,0,0,0,0,0,0}'),
  ('another_pass',     '{5,2,1,0,0.1,0.2,0,0,0,0,0,0,0}'),
  ('two_dimensional',  '{{2,1},{1,1}}'),
  ('null_element',     '{2,1,NULL,2,1,0,0,0,2,0.5}')) c(n, s);

-- (family, call: %1$s = the state, %2$s = a valid state of the family, transition)
CREATE TEMP TABLE calls (family text, call text, transition boolean);
INSERT INTO calls VALUES
  ('rows', 'learnerscore._ipw_final(%1$s)', false),
  ('rows', 'learnerscore._att_ipw_final(%1$s)', false),
  ('rows', 'learnerscore._aipw_final(%1$s)', false),
  ('rows', 'learnerscore._att_aipw_final(%1$s)', false),
  ('rows', 'learnerscore._balance_final(%1$s)', false),
  ('rows', 'learnerscore._overlap_final(%1$s)', false),
  ('rows', 'learnerscore._refute_final(%1$s)', false),
  ('rows', 'learnerscore._rows_combine(%1$s, %2$s)', false),
  ('rows', 'learnerscore._rows_combine(%2$s, %1$s)', false),
  ('rows', 'learnerscore._rows_trans(%1$s, 1.0, true, ARRAY[0.5])', true),
  ('rows', 'learnerscore._rows_trans(%1$s, 1.0, true, ARRAY[0.5], 0.0)', true),
  ('rows', 'learnerscore._rows_trans(%1$s, 1.0, true, ARRAY[0.5], 0.0, 0.05)', true),
  ('rows', 'learnerscore._rows_trans(%1$s, true, ARRAY[0.5])', true),
  ('rows', 'learnerscore._rows_trans(%1$s, true, ARRAY[0.5], 0.0)', true),
  ('rows', 'learnerscore._rows_trans(%1$s, 1.0, true, ARRAY[0.5], ''ipw''::text, 1::bigint)', true),
  ('diff', 'learnerscore._diff_final(%1$s)', false),
  ('diff', 'learnerscore._welch_final(%1$s)', false),
  ('diff', 'learnerscore._diff_trans(%1$s, 1.0, true)', true),
  ('diff', 'learnerscore._diff_trans(%1$s, 1.0, true, 0.05)', true),
  ('boot', 'learnerscore._diff_boot_final(%1$s)', false),
  ('boot', 'learnerscore._diff_boot_trans(%1$s, 1.0, true, 10, 1)', true),
  ('boot', 'learnerscore._diff_boot_trans(%1$s, 1.0, true, 10, 1, 0.05)', true),
  ('regression', 'learnerscore._regression_final(%1$s)', false),
  ('regression', 'learnerscore._regression_trans(%1$s, 1.0, true, ARRAY[0.5])', true),
  ('regression', 'learnerscore._regression_trans(%1$s, 1.0, true, ARRAY[0.5], 0.05)', true),
  ('iv', 'learnerscore._iv_final(%1$s)', false),
  ('iv', 'learnerscore._first_stage_final(%1$s)', false),
  ('iv', 'learnerscore._iv_trans(%1$s, 1.0, 1.0, 1.0)', true),
  ('iv', 'learnerscore._iv_trans(%1$s, 1.0, 1.0, 1.0, ARRAY[]::float8[])', true),
  ('iv', 'learnerscore._iv_trans(%1$s, 1.0, 1.0, ARRAY[1.0], ARRAY[]::float8[])', true),
  ('iv', 'learnerscore._iv_trans(%1$s, 1.0, 1.0, 1.0, ARRAY[]::float8[], 0.05)', true),
  ('iv', 'learnerscore._first_stage_trans(%1$s, 1.0, 1.0)', true),
  ('iv', 'learnerscore._first_stage_trans(%1$s, 1.0, 1.0, ARRAY[]::float8[])', true),
  ('cuped', 'learnerscore._cuped_final(%1$s)', false),
  ('cuped', 'learnerscore._cuped_trans(%1$s, 1.0, 1.0)', true),
  ('metric', 'learnerscore._metric_final(%1$s)', false),
  ('metric', 'learnerscore._metric_combine(%1$s, %2$s)', false),
  ('metric', 'learnerscore._metric_combine(%2$s, %1$s)', false),
  ('metric', 'learnerscore._metric_accum(%1$s, 0.5, 1.0)', true),
  ('metric', 'learnerscore._metric_accum(%1$s, 0.5, 1.0, 0.5)', true),
  ('auc', 'learnerscore._auc_final(%1$s)', false),
  ('auc', 'learnerscore._auc_combine(%1$s, %2$s)', false),
  ('auc', 'learnerscore._auc_combine(%2$s, %1$s)', false),
  ('auc', 'learnerscore._auc_accum(%1$s, 0.5, 1.0)', true),
  ('uplift', 'learnerscore._uplift_final(%1$s)', false),
  ('uplift', 'learnerscore._uplift_combine(%1$s, %2$s)', false),
  ('uplift', 'learnerscore._uplift_combine(%2$s, %1$s)', false),
  ('uplift', 'learnerscore._qini_accum(%1$s, 0.5, true, 1.0)', true),
  ('uplift_k', 'learnerscore._uplift_final(%1$s)', false),
  ('uplift_k', 'learnerscore._uplift_combine(%1$s, %2$s)', false),
  ('uplift_k', 'learnerscore._uplift_at_k_accum(%1$s, 0.5, true, 1.0, 0.3)', true),
  ('uplift_auc', 'learnerscore._uplift_final(%1$s)', false),
  ('uplift_auc', 'learnerscore._uplift_auc_accum(%1$s, 0.5, true, 1.0)', true),
  ('pass', 'learnerscore._propensity_pass_combine(%1$s, %2$s)', false),
  ('pass', 'learnerscore._propensity_pass_combine(%2$s, %1$s)', false),
  ('pass', 'learnerscore._propensity_pass_trans(%1$s, ''{5,1,1,1,0,0}'', 1.0, true, ARRAY[0.5])', true),
  ('logit', 'learnerscore._logistic_pass_combine(%1$s, %2$s)', false),
  ('logit', 'learnerscore._logistic_pass_combine(%2$s, %1$s)', false),
  ('logit', 'learnerscore._logistic_pass_trans(%1$s, ''{1,1}'', 1.0, ARRAY[0.5])', true);
-- the moment combine serves every float8[] causal family
INSERT INTO calls SELECT f, c, false FROM unnest(ARRAY['diff', 'boot', 'regression', 'iv', 'cuped']) f,
  unnest(ARRAY['learnerscore._moments_combine(%1$s, %2$s)', 'learnerscore._moments_combine(%2$s, %1$s)']) c;

-- every support function of every aggregate is called above
SELECT DISTINCT p.oid::regprocedure AS support_function_not_called
FROM pg_aggregate a JOIN pg_proc p ON p.oid IN (a.aggtransfn, a.aggcombinefn, a.aggfinalfn)
WHERE a.aggfnoid::regproc::text LIKE 'learnerscore.%' AND p.proname NOT LIKE '\_tag\_fold%'
  AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.call LIKE 'learnerscore.' || p.proname || '(%')
ORDER BY 1;

-- Transitions check only the shape of a moment or metric state (O(1) per
-- row: they only add to it); its values are checked by the combine and final
-- functions. Row states are checked whole wherever they arrive flat.
SET client_min_messages = error;  -- the valid states give too-few-rows WARNINGs
CREATE TEMP TABLE outcomes AS
SELECT h.family, h.name, c.call, pg_temp.sqlstate_of('SELECT ' || format(c.call, h.state, h.partner)) AS sqlstate
FROM hostile h JOIN calls c USING (family)
WHERE NOT c.transition OR h.shape OR h.family = 'rows' OR h.name = 'valid';
RESET client_min_messages;
-- one line per state: the SQLSTATEs it got, over how many calls
SELECT family, name, string_agg(DISTINCT sqlstate, ',') AS sqlstates, count(*) AS calls
FROM outcomes GROUP BY family, name ORDER BY family, name = 'valid' DESC, name;
SELECT count(*) AS hostile_calls, count(*) FILTER (WHERE sqlstate = '22P03') AS rejected_with_22P03
FROM outcomes WHERE name <> 'valid';
-- the messages say what is wrong
SELECT learnerscore._ipw_final(learnerscore_test.float8_bytes('{1280528975,1,NaN,NaN,0,0.05,4,0}'));
SELECT learnerscore._rows_combine(learnerscore_test.float8_bytes('{1280528975,1,3,2,0,0.05,4,0,1,1,0.5,2,0,0.3}'), '');
SELECT learnerscore._diff_boot_final('{2,0.05,10000,0}');
SELECT learnerscore._cuped_final(learnerscore._regression_trans('{}', 1.0, true, ARRAY[0.5]));
SELECT learnerscore._metric_final('{3,2,3,0}');
SELECT learnerscore._auc_final(learnerscore_test.int8_bytes('{3}') || learnerscore_test.float8_bytes('{0.3,0,0.7,1}'));
-- the session survived all of it
SELECT learnerscore.ate_diff(y, t) IS NOT NULL AS still_working
FROM (VALUES (1.0, true), (2.0, true), (0.5, false), (0.7, false)) v(y, t);
