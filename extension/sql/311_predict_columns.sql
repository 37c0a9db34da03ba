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
