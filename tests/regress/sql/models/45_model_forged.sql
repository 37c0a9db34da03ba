-- Forged model rows: the CRC of a model blob catches accidents, not forgery, so
-- the decoder checks every field. Only the registry's owner (here the superuser
-- running the tests) can still INSERT a row directly; each forged row below
-- crashed or corrupted the server before the checks, and must now fail with a
-- clear error (22000) when a model is scored or explained.
SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore; RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY terse

-- The blob layout of src/core/models/model_codec.cpp, little-endian, CRC-32 (zlib's) at the end.
CREATE FUNCTION pg_temp.le(v bigint, n int) RETURNS bytea LANGUAGE sql IMMUTABLE AS
$$ SELECT decode(string_agg(lpad(to_hex((v >> (8 * k)) & 255), 2, '0'), '' ORDER BY k), 'hex') FROM generate_series(0, n - 1) k $$;
CREATE FUNCTION pg_temp.f64(v float8) RETURNS bytea LANGUAGE sql IMMUTABLE AS
$$ SELECT decode(string_agg(lpad(to_hex(get_byte(float8send(v), 7 - k)), 2, '0'), '' ORDER BY k), 'hex') FROM generate_series(0, 7) k $$;
CREATE FUNCTION pg_temp.str(s bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT pg_temp.le(length(s), 4) || s $$;
CREATE FUNCTION pg_temp.crc32(b bytea) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE c bigint := 4294967295; i int; j int;
BEGIN
    FOR i IN 0 .. length(b) - 1 LOOP
        c := c # get_byte(b, i);
        FOR j IN 1 .. 8 LOOP
            c := CASE WHEN c & 1 = 1 THEN (c >> 1) # 3988292384 ELSE c >> 1 END;
        END LOOP;
    END LOOP;
    RETURN c # 4294967295;
END $$;
CREATE FUNCTION pg_temp.blob(body bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS
$$ SELECT 'LSMODEL\000'::bytea || pg_temp.le(1, 4) || body || pg_temp.le(pg_temp.crc32('LSMODEL\000'::bytea || pg_temp.le(1, 4) || body), 4) $$;
-- numeric feature: name, 0, impute, -1, no level; text feature with levels and imputation level
CREATE FUNCTION pg_temp.num_feature(name text) RETURNS bytea LANGUAGE sql IMMUTABLE AS
$$ SELECT pg_temp.str(convert_to(name, 'UTF8')) || '\x00'::bytea || pg_temp.f64(0) || pg_temp.le(-1, 4) || pg_temp.le(0, 4) $$;
CREATE FUNCTION pg_temp.text_feature(name text, levels text[], impute_level int) RETURNS bytea LANGUAGE sql IMMUTABLE AS
$$ SELECT pg_temp.str(convert_to(name, 'UTF8')) || '\x01'::bytea || pg_temp.f64(0) || pg_temp.le(impute_level, 4)
          || pg_temp.le(coalesce(array_length(levels, 1), 0), 4)
          || coalesce((SELECT string_agg(pg_temp.str(convert_to(l, 'UTF8')), ''::bytea ORDER BY o) FROM unnest(levels) WITH ORDINALITY u(l, o)), ''::bytea) $$;
CREATE FUNCTION pg_temp.vec(n int, v float8) RETURNS bytea LANGUAGE sql IMMUTABLE AS
$$ SELECT pg_temp.le(n, 4) || coalesce((SELECT string_agg(pg_temp.f64(v), ''::bytea) FROM generate_series(1, n)), ''::bytea) $$;
-- logistic: algorithm 1, classifier, target y, no objective, drop_first, impute_missing
CREATE FUNCTION pg_temp.logistic(features bytea[], width int) RETURNS bytea LANGUAGE sql IMMUTABLE AS
$$ SELECT pg_temp.blob('\x0101'::bytea || pg_temp.str('y') || pg_temp.str('') || '\x0101'::bytea
                       || pg_temp.le(array_length(features, 1), 4) || array_to_string_bytea
                       || pg_temp.vec(width + 1, 0.25) || pg_temp.vec(width + 1, 0.1) || pg_temp.str(''))
   FROM (SELECT string_agg(f, ''::bytea ORDER BY o) AS array_to_string_bytea FROM unnest(features) WITH ORDINALITY u(f, o)) s $$;
-- xgboost: algorithm 3, classifier, binary:logistic, no drop_first, no imputation, one numeric feature x1
CREATE FUNCTION pg_temp.xgboost(booster bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS
$$ SELECT pg_temp.blob('\x0301'::bytea || pg_temp.str('y') || pg_temp.str('binary:logistic') || '\x0000'::bytea
                       || pg_temp.le(1, 4) || pg_temp.num_feature('x1') || pg_temp.vec(0, 0) || pg_temp.vec(0, 0) || pg_temp.str(booster)) $$;
CREATE FUNCTION pg_temp.register(name text, algorithm text, features text[], blob bytea) RETURNS void LANGUAGE sql AS
$$ WITH m AS (INSERT INTO learnerscore.models (name, algorithm, target, features, training_rows, model, owner, version)
               VALUES (name, algorithm, 'y', features, 1, blob, current_user::regrole, 1) RETURNING id, name, version)
   INSERT INTO learnerscore.model_deployments (name, model_id, version, deployed_by, strategy)
   SELECT m.name, m.id, m.version, current_user::regrole, 'version' FROM m $$;

-- the forgery tools are right: a well-formed blob of each kind decodes and scores
SELECT pg_temp.register('m45_ok', 'logistic', ARRAY['x1', 'c'],
                        pg_temp.logistic(ARRAY[pg_temp.num_feature('x1'), pg_temp.text_feature('c', ARRAY['red'], -1)], 2));
SELECT learnerscore.predict('m45_ok', '{"x1": 1, "c": "red"}'::jsonb) = 1 / (1 + exp(-0.75)) AS ok_scores;

-- 1. a text feature with no level but imputation level 0: explain() of a NULL wrote
--    through an empty buffer (SIGSEGV before the checks)
SELECT pg_temp.register('m45_zero_levels', 'logistic', ARRAY['c'],
                        pg_temp.logistic(ARRAY[pg_temp.text_feature('c', '{}', 0)], 0));
SELECT learnerscore.explain('m45_zero_levels', '{"c": null}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict('m45_zero_levels', '{"c": null}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
-- 2. the same behind 300 numeric features: predict() overwrote 8 bytes of heap
SELECT pg_temp.register('m45_heap', 'logistic', ARRAY(SELECT 'x' || g FROM generate_series(1, 300) g) || 'c'::text,
                        pg_temp.logistic(ARRAY(SELECT pg_temp.num_feature('x' || g) FROM generate_series(1, 300) g)
                                         || pg_temp.text_feature('c', '{}', 0), 300));
SELECT learnerscore.predict('m45_heap', jsonb_build_object('c', null) || (SELECT jsonb_object_agg('x' || g, 1) FROM generate_series(1, 300) g));
\echo :LAST_ERROR_SQLSTATE
-- 3. imputation level past the levels, unsorted levels, a width that does not match the coefficients
SELECT pg_temp.register('m45_impute', 'logistic', ARRAY['c'], pg_temp.logistic(ARRAY[pg_temp.text_feature('c', ARRAY['a', 'b'], 2)], 2));
SELECT learnerscore.predict('m45_impute', '{"c": null}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.register('m45_unsorted', 'logistic', ARRAY['c'], pg_temp.logistic(ARRAY[pg_temp.text_feature('c', ARRAY['b', 'a'], -1)], 2));
SELECT learnerscore.predict('m45_unsorted', '{"c": "a"}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.register('m45_width', 'logistic', ARRAY['x1', 'x2'],
                        pg_temp.logistic(ARRAY[pg_temp.num_feature('x1'), pg_temp.num_feature('x2')], 1));
SELECT learnerscore.predict('m45_width', ARRAY[1, 2]::float8[]);
\echo :LAST_ERROR_SQLSTATE
-- 4. a feature count of 4 billion, and a blob cut short (its CRC recomputed)
SELECT pg_temp.register('m45_count', 'logistic', ARRAY['x1'],
                        pg_temp.blob('\x0101'::bytea || pg_temp.str('y') || pg_temp.str('') || '\x0101'::bytea || pg_temp.le(4294967295, 4)));
SELECT learnerscore.predict('m45_count', ARRAY[1]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.register('m45_truncated', 'logistic', ARRAY['x1'],
                        pg_temp.blob(substring(pg_temp.logistic(ARRAY[pg_temp.num_feature('x1')], 1) FROM 13 FOR 40)));
SELECT learnerscore.predict('m45_truncated', ARRAY[1]::float8[]);
\echo :LAST_ERROR_SQLSTATE
-- 5. an XGBoost booster whose first key claims 1 GiB: libxgboost's reader copied
--    past the buffer (a crash inside predict); and one nested 100000 deep
SELECT pg_temp.register('m45_xgb_key', 'xgboost', ARRAY['x1'],
                        pg_temp.xgboost('\x7b4c'::bytea || '\x0000000040000000'::bytea || convert_to('learner', 'UTF8') || '\x7d'::bytea));
SELECT learnerscore.predict('m45_xgb_key', ARRAY[1]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.register('m45_xgb_deep', 'xgboost', ARRAY['x1'],
                        pg_temp.xgboost('\x7b4c000000000000000161'::bytea || decode(repeat('5b', 100000), 'hex')));
SELECT learnerscore.explain('m45_xgb_deep', ARRAY[1]::float8[]);
\echo :LAST_ERROR_SQLSTATE

-- the server is still up, and forged rows go like any other
SELECT learnerscore.predict('m45_ok', '{"x1": 1, "c": "red"}'::jsonb) > 0 AS still_scoring;
SELECT count(*) FILTER (WHERE learnerscore.drop_model(name)) AS dropped FROM learnerscore.models WHERE name LIKE 'm45%';
