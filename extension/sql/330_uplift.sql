-- Uplift: whom does contacting help (docs/models.md, "Uplift: whom does contacting help").
-- The uplift metrics as parallel-safe aggregates (an exact bytea state keeping every
-- (score, treated, outcome) row, concatenated by the combine function, sorted once in the
-- final function; definitions as scikit-uplift's qini_auc_score, uplift_auc_score and
-- uplift_at_k with strategy 'overall'), and a T-learner on train(): train_uplift and
-- predict_uplift.

CREATE FUNCTION learnerscore._qini_accum(bytea, float8, boolean, float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_qini_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnerscore._uplift_auc_accum(bytea, float8, boolean, float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_uplift_auc_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnerscore._uplift_at_k_accum(bytea, float8, boolean, float8, float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_uplift_at_k_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnerscore._uplift_combine(bytea, bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_uplift_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._uplift_final(bytea) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_uplift_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._qini_accum(bytea, float8, boolean, float8) IS
  'Internal: appends a (score, treated, outcome) row to the state of qini_coefficient.';
COMMENT ON FUNCTION learnerscore._uplift_auc_accum(bytea, float8, boolean, float8) IS
  'Internal: appends a (score, treated, outcome) row to the state of uplift_auc.';
COMMENT ON FUNCTION learnerscore._uplift_at_k_accum(bytea, float8, boolean, float8, float8) IS
  'Internal: appends a (score, treated, outcome) row to the state of uplift_at_k (k kept in the state).';
COMMENT ON FUNCTION learnerscore._uplift_combine(bytea, bytea) IS 'Internal: concatenates two uplift metric states of the same metric and k.';
COMMENT ON FUNCTION learnerscore._uplift_final(bytea) IS 'Internal: sorts the rows of an uplift metric state and computes the metric.';

CREATE AGGREGATE learnerscore.qini_coefficient(uplift_score float8, treated boolean, outcome float8) (
    SFUNC = learnerscore._qini_accum, STYPE = bytea,
    COMBINEFUNC = learnerscore._uplift_combine, FINALFUNC = learnerscore._uplift_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.qini_coefficient(float8, boolean, float8) IS
  'Qini coefficient of an uplift score, as scikit-uplift''s qini_auc_score (negative_effect = true): the area between the Qini curve '
  '(rows by score descending; at each distinct score, treated responders minus control responders scaled by treated/control) '
  'and the random line, divided by the same area for the perfect ranking; 1 perfect, 0 random, negative worse than random. '
  'Outcome 0 or 1. Exact: keeps every row (24 bytes a row, bounded by learnerscore.max_train_memory); rows with a NULL are ignored; '
  'NULL without rows or with one arm only.';
CREATE AGGREGATE learnerscore.uplift_auc(uplift_score float8, treated boolean, outcome float8) (
    SFUNC = learnerscore._uplift_auc_accum, STYPE = bytea,
    COMBINEFUNC = learnerscore._uplift_combine, FINALFUNC = learnerscore._uplift_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.uplift_auc(float8, boolean, float8) IS
  'Normalized area under the uplift curve, as scikit-uplift''s uplift_auc_score: the uplift curve (rows by score descending; at each '
  'distinct score, (treated response rate - control response rate) x rows so far) minus the random line, divided by the same for the '
  'perfect uplift curve. Outcome 0 or 1. Exact (every row kept, bounded by learnerscore.max_train_memory); NULL with one arm only.';
CREATE AGGREGATE learnerscore.uplift_at_k(uplift_score float8, treated boolean, outcome float8, k float8) (
    SFUNC = learnerscore._uplift_at_k_accum, STYPE = bytea,
    COMBINEFUNC = learnerscore._uplift_combine, FINALFUNC = learnerscore._uplift_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.uplift_at_k(float8, boolean, float8, float8) IS
  'Uplift at k, as scikit-uplift''s uplift_at_k(strategy = ''overall''): among the floor(rows x k) rows of highest score, mean outcome of '
  'the treated minus mean outcome of the control rows. k is a share in (0, 1], the same on every row; any finite outcome. Ties in score '
  'are ordered by treated then outcome ascending (independent of row order). NULL when the top has no treated or no control row.';

-- The T-learner: one model per arm through train() (so versions, deploy and rollback work
-- per arm); the uplift is predict(treated) - predict(control).
CREATE FUNCTION learnerscore.train_uplift(name text, source text, treatment text, target text, features text[],
                                          algorithm text DEFAULT 'xgboost', params jsonb DEFAULT '{}')
RETURNS TABLE (arm text, model_id bigint, training_rows bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
DECLARE
    rel text;
    ttype text;
    texpr text;
    bad bigint;
    n_t bigint;
    n_c bigint;
BEGIN
    IF name IS NULL OR btrim(name) = '' OR source IS NULL OR treatment IS NULL OR target IS NULL OR features IS NULL THEN
        RAISE EXCEPTION 'train_uplift: name, source, treatment, target and features must not be NULL or empty'
            USING ERRCODE = '22004';
    END IF;
    IF treatment = target OR treatment = ANY (features) THEN
        RAISE EXCEPTION 'train_uplift: the treatment column "%" must be neither the target nor a feature', treatment
            USING ERRCODE = '22023';
    END IF;
    IF source ~* '^\s*(select|with|values|table)\M' THEN
        rel := '(' || source || ')';
    ELSE
        rel := to_regclass(source)::text;
        IF rel IS NULL THEN
            RAISE EXCEPTION 'train_uplift: relation "%" does not exist', source USING ERRCODE = '42P01',
                HINT = 'Schema-qualify the relation (e.g. public.t), here and in a query source: train_uplift runs with search_path pg_catalog, learnerscore, pg_temp.';
        END IF;
    END IF;
    BEGIN
        EXECUTE format('SELECT pg_typeof(s.%I)::text FROM (SELECT * FROM %s s LIMIT 1) s', treatment, rel) INTO ttype;
    EXCEPTION WHEN undefined_column THEN
        RAISE EXCEPTION 'train_uplift: source has no treatment column "%"', treatment USING ERRCODE = '42703';
    END;
    IF ttype IS NULL THEN
        RAISE EXCEPTION 'train_uplift: the source has no rows' USING ERRCODE = '22023';
    ELSIF ttype = 'boolean' THEN
        texpr := format('s.%I', treatment);
    ELSIF ttype IN ('smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision') THEN
        EXECUTE format('SELECT count(*) FROM %s s WHERE s.%I NOT IN (0, 1)', rel, treatment) INTO bad;
        IF bad > 0 THEN
            RAISE EXCEPTION 'train_uplift: the treatment column "%" has % values other than 0 and 1', treatment, bad
                USING ERRCODE = '22023', HINT = 'The treatment must be boolean or 0/1 (1 = contacted).';
        END IF;
        texpr := format('(s.%I = 1)', treatment);
    ELSE
        RAISE EXCEPTION 'train_uplift: the treatment column "%" is of type %, not boolean or 0/1', treatment, ttype
            USING ERRCODE = '42804';
    END IF;
    EXECUTE format('SELECT count(*) FILTER (WHERE %1$s), count(*) FILTER (WHERE NOT %1$s) FROM %2$s s', texpr, rel)
        INTO n_t, n_c;
    IF n_t = 0 OR n_c = 0 THEN
        RAISE EXCEPTION 'train_uplift: the % arm is empty (% treated rows, % control rows)',
            CASE WHEN n_t = 0 THEN 'treated' ELSE 'control' END, n_t, n_c
            USING ERRCODE = '22023', HINT = 'An uplift model needs rows with and without the treatment.';
    END IF;
    arm := 'treated';
    model_id := learnerscore.train(name || '.treated', format('SELECT * FROM %s s WHERE %s', rel, texpr),
                                   target, features, algorithm, params);
    training_rows := n_t;
    RETURN NEXT;
    arm := 'control';
    model_id := learnerscore.train(name || '.control', format('SELECT * FROM %s s WHERE NOT %s', rel, texpr),
                                   target, features, algorithm, params);
    training_rows := n_c;
    RETURN NEXT;
END $$;
COMMENT ON FUNCTION learnerscore.train_uplift(text, text, text, text, text[], text, jsonb) IS
  'Trains a T-learner uplift model: one model of target on features for the treated rows (name.treated) and one for the control rows '
  '(name.control), both through learnerscore.train (so each arm has versions, deploy and rollback; params as train''s). treatment is a '
  'boolean or 0/1 column of source (a schema-qualified relation or a query naming schema-qualified relations: the function runs with search_path pg_catalog, learnerscore, pg_temp); rows with a NULL treatment are left out. Returns the model id and training '
  'rows of each arm. Score with predict_uplift(name, features).';

DO $do$
DECLARE
    ft text;
BEGIN
    FOREACH ft IN ARRAY ARRAY['float8[]', 'jsonb', 'record'] LOOP
        EXECUTE format($c$CREATE FUNCTION learnerscore.predict_uplift(name text, features %s) RETURNS float8
                          LANGUAGE plpgsql STABLE PARALLEL SAFE STRICT SET search_path = pg_catalog, learnerscore, pg_temp AS $f$
                          BEGIN
                              RETURN learnerscore.predict(name || '.treated', features)
                                   - learnerscore.predict(name || '.control', features);
                          END $f$ $c$, ft);
        EXECUTE format($c$COMMENT ON FUNCTION learnerscore.predict_uplift(text, %s) IS %L$c$, ft,
            'The uplift of one row (features as ' || ft || ', as predict) under the T-learner trained by train_uplift(name, ...): '
            'predict(name.treated) - predict(name.control), the deployed version of each arm; for a 0/1 target, the change in '
            'probability if treated (negative: the treatment lowers it).');
    END LOOP;
END $do$;
