-- Analyst views of DESIGN §3 (owned by the views work; this placeholder only
-- defines the hook that create_learning_schema calls).
CREATE FUNCTION learnerscore._create_learning_views(schema_name text) RETURNS void
LANGUAGE plpgsql AS $$ BEGIN RETURN; END $$;
COMMENT ON FUNCTION learnerscore._create_learning_views(text) IS
  'Internal: creates the analyst views in the given schema (idempotent).';
