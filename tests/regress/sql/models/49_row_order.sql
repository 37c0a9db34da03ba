-- Same data and seed, same models and metrics, whatever order the rows arrive in
-- (a parallel scan, another node, a reload): train() feeds XGBoost the rows in
-- content order, and cross_validate() draws its folds over that order.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
CREATE TABLE ro AS
SELECT i AS id, sin(i * 0.37) AS x1, round((cos(i * 1.3) * 4)::numeric) / 4 AS x2,
       (ARRAY['omsk', 'kazan', 'berlin'])[1 + i % 3] AS city,
       (sin(i * 0.37) + 0.3 * (i % 3) + 0.4 * sin(i * 7.1) > 0.2)::int AS y
FROM generate_series(1, 800) i;
-- two physical orders of the same rows
CREATE TABLE ro_shuffled AS SELECT * FROM ro ORDER BY md5(id::text);
SELECT (SELECT array_agg(id) FROM (SELECT id FROM ro LIMIT 5) a) IS DISTINCT FROM
       (SELECT array_agg(id) FROM (SELECT id FROM ro_shuffled LIMIT 5) b) AS orders_differ;
SELECT learnerscore.train('ro_a', 'ro', 'y', ARRAY['x1', 'x2', 'city'], 'xgboost',
                          '{"num_round": 20, "max_depth": 3, "subsample": 0.7}') > 0 AS trained,
       learnerscore.train('ro_b', 'ro_shuffled', 'y', ARRAY['x1', 'x2', 'city'], 'xgboost',
                          '{"num_round": 20, "max_depth": 3, "subsample": 0.7}') > 0 AS trained_shuffled;
SELECT learnerscore.xgboost_booster('ro_a') = learnerscore.xgboost_booster('ro_b') AS same_booster,
       count(*) FILTER (WHERE learnerscore.predict('ro_a', r) IS DISTINCT FROM learnerscore.predict('ro_b', r)) AS predictions_differing
FROM ro r;
-- folds and metrics: identical per fold, for XGBoost and for logistic regression
SELECT count(*) AS fold_rows,
       count(*) FILTER (WHERE a.test_rows = b.test_rows AND a.auc = b.auc AND a.brier = b.brier) AS identical
FROM learnerscore.cross_validate('ro', 'y', ARRAY['x1', 'x2', 'city'], 'xgboost', '{"num_round": 10, "subsample": 0.8}', 5, 7) a
JOIN learnerscore.cross_validate('ro_shuffled', 'y', ARRAY['x1', 'x2', 'city'], 'xgboost', '{"num_round": 10, "subsample": 0.8}', 5, 7) b
  USING (fold);
SELECT count(*) AS fold_rows,
       count(*) FILTER (WHERE a.test_rows = b.test_rows AND a.auc = b.auc AND a.log_loss = b.log_loss) AS identical
FROM learnerscore.cross_validate('ro', 'y', ARRAY['x1', 'x2', 'city'], 'logistic', '{}', 5, 7) a
JOIN learnerscore.cross_validate('SELECT * FROM ro ORDER BY x2 DESC, id', 'y', ARRAY['x1', 'x2', 'city'], 'logistic', '{}', 5, 7) b
  USING (fold);
-- another seed gives other folds (the check above could fail)
SELECT bool_or(a.auc <> b.auc) AS other_seed_other_folds
FROM learnerscore.cross_validate('ro', 'y', ARRAY['x1', 'x2', 'city'], 'logistic', '{}', 5, 7) a
JOIN learnerscore.cross_validate('ro', 'y', ARRAY['x1', 'x2', 'city'], 'logistic', '{}', 5, 8) b USING (fold);
SELECT learnerscore.drop_model('ro_a'), learnerscore.drop_model('ro_b');
DROP TABLE ro, ro_shuffled;
