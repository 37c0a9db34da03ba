-- learnerscore.* settings are real GUCs: defined when the library loads (with a
-- range, a description and a context), visible to SHOW and pg_settings, bad
-- values refused, the prefix reserved. (docs/settings.md)
\set SHOW_CONTEXT never
\set VERBOSITY default
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
SELECT learnerscore.version() IS NOT NULL AS library_loaded;
SELECT name, vartype, context, unit, min_val, max_val, short_desc IS NOT NULL AS described
FROM pg_settings WHERE name LIKE 'learnerscore.%' ORDER BY name;
SHOW learnerscore.xgboost_nthread;
SELECT current_setting('learnerscore.max_train_memory') ~ '^[0-9]+[kMGT]B$' AS memory_shown_with_unit,
       (SELECT setting::bigint >= 262144 FROM pg_settings WHERE name = 'learnerscore.max_train_memory') AS default_at_least_256mb;
-- bad values are refused (22023), the value stays
SET learnerscore.xgboost_nthread = 'lots';
\echo :LAST_ERROR_SQLSTATE
SET learnerscore.xgboost_nthread = 0;
\echo :LAST_ERROR_SQLSTATE
SET learnerscore.xgboost_nthread = 100000;
SET learnerscore.max_train_memory = '-1';
\echo :LAST_ERROR_SQLSTATE
SET learnerscore.max_train_memory = 'plenty';
SHOW learnerscore.xgboost_nthread;
SET learnerscore.xgboost_nthread = 2;
SHOW learnerscore.xgboost_nthread;
RESET learnerscore.xgboost_nthread;
-- a misspelt learnerscore.* name is an error, not a silent placeholder
SET learnerscore.xgboost_threads = 4;
\echo :LAST_ERROR_SQLSTATE
SELECT current_setting('learnerscore.no_such_setting', true) IS NULL AS unknown_is_null;
-- context: a plain role may set its XGBoost threads but not the memory bound (SUSET)
CREATE ROLE ls_settings_user;
SET ROLE ls_settings_user;
SET learnerscore.xgboost_nthread = 3;
SHOW learnerscore.xgboost_nthread;
SET learnerscore.max_train_memory = '8GB';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET learnerscore.max_train_memory = '8GB';
SHOW learnerscore.max_train_memory;
RESET learnerscore.max_train_memory;
DROP ROLE ls_settings_user;
-- a new session sets a bad value before the library is loaded: PostgreSQL keeps it as a
-- placeholder, and loading the library rejects it (WARNING) and keeps the default.
-- (session_preload_libraries = 'learnerscore' makes SHOW work before any call: docs/settings.md)
\c
SET learnerscore.xgboost_nthread = 'lots';
SELECT learnerscore.version() IS NOT NULL AS library_loaded;
SHOW learnerscore.xgboost_nthread;
