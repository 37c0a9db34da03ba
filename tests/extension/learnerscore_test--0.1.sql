-- Test-only helpers for the learnerscore regression tests (tests/regress/sql/base/00_boundary.sql,
-- tests/regress/sql/security/51_aggregates_without_expression.sql, tests/regress/sql/security/52_hostile_states.sql).
\echo Use "CREATE EXTENSION learnerscore_test" to load this file. \quit

-- Internal: proves the C++/PostgreSQL error boundary.
CREATE FUNCTION learnerscore._boundary_selftest(kind text) RETURNS text
    AS 'MODULE_PATHNAME', 'ls_boundary_selftest'
    LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION learnerscore._boundary_selftest(text) IS
  'Test-only self-test of the C++/PostgreSQL error boundary: raises a C++ exception of the given kind.';
-- Internal like every learnerscore._ routine: not executable by PUBLIC (tests/regress/sql/security/60_privileges.sql checks it).
REVOKE EXECUTE ON FUNCTION learnerscore._boundary_selftest(text) FROM PUBLIC;

CREATE FUNCTION learnerscore_test.aggregate_without_expression(aggregate regprocedure, query text, split int DEFAULT NULL)
    RETURNS text
    AS 'MODULE_PATHNAME', 'lst_aggregate_without_expression'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION learnerscore_test.aggregate_without_expression(regprocedure, text, int) IS
  'Runs an aggregate over the rows of query as Citus''s worker_partial_agg and coord_combine_agg do: support functions called through fmgr_info with no call expression, rows [0, split) and [split, n) (default n / 2) as two partial states sent through the state type''s text form, combined, then finalized; returns the result as text.';

CREATE FUNCTION learnerscore_test.float8_bytes(float8[]) RETURNS bytea
    AS 'MODULE_PATHNAME', 'lst_float8_bytes'
    LANGUAGE C IMMUTABLE STRICT;
COMMENT ON FUNCTION learnerscore_test.float8_bytes(float8[]) IS
  'The elements of a float8 array in this machine''s byte order, to write hostile aggregate states as numbers.';

CREATE FUNCTION learnerscore_test.int8_bytes(bigint[]) RETURNS bytea
    AS 'MODULE_PATHNAME', 'lst_int8_bytes'
    LANGUAGE C IMMUTABLE STRICT;
COMMENT ON FUNCTION learnerscore_test.int8_bytes(bigint[]) IS
  'The elements of a bigint array in this machine''s byte order (the count of an exact-AUC state).';

-- Numbers in two texts agree to a relative tolerance and everything else is equal:
-- compares composite and array results computed in a different order (a combine).
CREATE FUNCTION learnerscore_test.numbers_close(a text, b text, rel float8 DEFAULT 1e-9) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, learnerscore, pg_temp
AS $$
DECLARE
    num constant text := '-?(?:\d+\.?\d*(?:e[-+]?\d+)?|Infinity|NaN)';
    na float8[];
    nb float8[];
BEGIN
    IF a IS NULL OR b IS NULL THEN RETURN a IS NULL AND b IS NULL; END IF;
    IF regexp_replace(a, num, '#', 'gi') <> regexp_replace(b, num, '#', 'gi') THEN RETURN false; END IF;
    na := ARRAY(SELECT m[1]::float8 FROM regexp_matches(a, '(' || num || ')', 'gi') m);
    nb := ARRAY(SELECT m[1]::float8 FROM regexp_matches(b, '(' || num || ')', 'gi') m);
    RETURN cardinality(na) = cardinality(nb) AND NOT EXISTS (
        SELECT 1 FROM unnest(na, nb) u(x, y)
        WHERE NOT (x = y OR abs(x - y) <= rel * greatest(abs(x), abs(y), 1e-300)));
END $$;
COMMENT ON FUNCTION learnerscore_test.numbers_close(text, text, float8) IS
  'True when two texts differ only in numbers that agree to the relative tolerance rel.';
