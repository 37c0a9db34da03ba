-- learnerscore install script, assembled by the Makefile from extension/sql/*.sql
-- (one fragment per responsibility, in file-name order).
\echo Use "CREATE EXTENSION learnerscore" to load this file. \quit

CREATE FUNCTION learnerscore.version() RETURNS text
    AS 'MODULE_PATHNAME', 'ls_version'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.version() IS 'Version of the learnerscore shared library.';

-- Internal: proves the C++/PostgreSQL error boundary (used by the regression tests).
CREATE FUNCTION learnerscore._boundary_selftest(kind text) RETURNS text
    AS 'MODULE_PATHNAME', 'ls_boundary_selftest'
    LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION learnerscore._boundary_selftest(text) IS
  'Internal self-test of the C++/PostgreSQL error boundary: raises a C++ exception of the given kind.';

GRANT USAGE ON SCHEMA learnerscore TO PUBLIC;
