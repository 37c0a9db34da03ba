-- Folds from a hash of a key (params "fold_key"): a row's fold depends only on its key and
-- the seed, so the same data gives the same folds and metrics in any row order (and on
-- Citus), rows added later do not move the others, and train()'s "validate" takes it too.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
CREATE TABLE cvk AS SELECT i AS uid, sin(i) AS x1, cos(i * 0.3) AS x2, (sin(i) + cos(i * 0.3) + 0.3 * sin(i * 7) > 0.2) AS y
  FROM generate_series(1, 3000) i;
CREATE TABLE cvk_shuffled AS SELECT * FROM cvk ORDER BY md5(uid::text);
CREATE TABLE cvk_more AS SELECT * FROM cvk UNION ALL SELECT i, sin(i), cos(i * 0.3), sin(i) > 0 FROM generate_series(3001, 3300) i;
CREATE TABLE cvk_text AS SELECT 'learner-' || uid AS uid, x1, x2, y FROM cvk;
RESET client_min_messages;
-- the same folds and metrics in another row order
SELECT a.fold, a.test_rows, a.test_rows = b.test_rows AND round(a.auc::numeric, 9) = round(b.auc::numeric, 9) AS same_shuffled
  FROM learnerscore.cross_validate('cvk', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": "uid"}', 5, 7) a
  JOIN learnerscore.cross_validate('cvk_shuffled', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": "uid"}', 5, 7) b USING (fold)
 ORDER BY a.fold;
-- 300 rows added: every fold keeps its rows and gains some of the new ones
SELECT a.fold, b.test_rows - a.test_rows AS added, b.test_rows >= a.test_rows AS kept
  FROM learnerscore.cross_validate('cvk', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": "uid"}', 5, 7) a
  JOIN learnerscore.cross_validate('cvk_more', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": "uid"}', 5, 7) b USING (fold)
 WHERE a.fold ~ '^[0-9]+$' ORDER BY a.fold;
-- text keys; another seed gives other folds
SELECT fold, test_rows FROM learnerscore.cross_validate('cvk_text', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": "uid"}', 3, 7)
 WHERE fold ~ '^[0-9]+$' ORDER BY fold;
SELECT (SELECT array_agg(test_rows ORDER BY fold) FROM learnerscore.cross_validate('cvk', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": "uid"}', 5, 7) WHERE fold ~ '^[0-9]+$')
    <> (SELECT array_agg(test_rows ORDER BY fold) FROM learnerscore.cross_validate('cvk', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": "uid"}', 5, 8) WHERE fold ~ '^[0-9]+$')
    AS seed_matters;
-- train(): "validate" with "fold_key"
SELECT learnerscore.train('cvk_m', 'cvk', 'y', ARRAY['x1', 'x2'], 'logistic', '{"validate": 5, "fold_key": "uid"}') IS NOT NULL AS trained;
SELECT metrics->'validation'->>'method' AS method, metrics->'validation'->>'fold_key' AS fold_key, metrics->'validation'->>'rows' AS rows
  FROM learnerscore.models WHERE name = 'cvk_m';
-- bad uses
\set VERBOSITY terse
SELECT learnerscore.train('cvk_m2', 'cvk', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": "uid"}');
SELECT learnerscore.cross_validate('cvk', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": "x1"}', 5, 7);
SELECT learnerscore.cross_validate('cvk', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": "y"}', 5, 7);
SELECT learnerscore.cross_validate('cvk', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": "uid"}', 5, 7, 'uid');
SELECT learnerscore.cross_validate('cvk', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": ""}', 5, 7);
SELECT learnerscore.cross_validate('SELECT CASE WHEN uid % 100 = 0 THEN NULL ELSE uid END AS uid, x1, x2, y FROM cvk', 'y', ARRAY['x1', 'x2'], 'logistic', '{"fold_key": "uid"}', 5, 7);
\set VERBOSITY default
SET client_min_messages = warning;
SELECT learnerscore.drop_model('cvk_m');
DROP TABLE cvk, cvk_shuffled, cvk_more, cvk_text;
