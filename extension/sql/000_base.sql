-- learnerscore install script, assembled by the Makefile from extension/sql/*.sql
-- (one fragment per responsibility, in file-name order).
\echo Use "CREATE EXTENSION learnerscore" to load this file. \quit

CREATE FUNCTION learnerscore.version() RETURNS text
    AS 'MODULE_PATHNAME', 'ls_version'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.version() IS 'Version of the learnerscore shared library.';

GRANT USAGE ON SCHEMA learnerscore TO PUBLIC;
