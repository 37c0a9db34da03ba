-- learnerscore 0.1.0 -> 0.2.0 (ALTER EXTENSION learnerscore UPDATE TO '0.2.0').
-- After this script an installation made with 0.1.0 has the same objects as a
-- fresh 0.2.0 install; tests/e2e/upgrade_catalog.sh compares the two catalogs.
-- Data schemas made by create_learning_schema / create_course_effects_schema
-- are not touched here: learnerscore.upgrade_learning_schema(schema) and
-- learnerscore.upgrade_course_effects_schema(schema) bring each one up to date.
\echo Use "ALTER EXTENSION learnerscore UPDATE TO '0.2.0'" to load this file. \quit

