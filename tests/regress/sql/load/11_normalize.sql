-- learnerscore.parse_* : the platform's raw values on good and bad input.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY default
SET datestyle = ISO;

-- timestamps: the seed's formats
SELECT raw, learnerscore.parse_timestamp(raw) AS ts
FROM (VALUES ('23.12.2023 12:10'), ('14.11.2023 15:07'), ('2022-12-07 17:43:14'), ('2022-12-07T17:43:14'),
             ('2022-12-07 17:43'), ('1.2.2024 9:05'), ('2023-12-05'), ('05.12.2023'),
             ('2022-12-07 17:43:14.25'), ('2022-12-07 17:43:14.1234565'), ('2023-12-31 23:59:59.9999999'),
             ('2022-12-07 17:43:14+03:00'), ('2022-12-07T17:43:14Z'), ('  2022-12-07 17:43:14  '),
             ('29.02.2024 10:00')) AS v(raw);
-- the same values through PostgreSQL's own parser where it understands them
SELECT learnerscore.parse_timestamp('2022-12-07 17:43:14.25') = '2022-12-07 17:43:14.25'::timestamp AS same_as_pg,
       learnerscore.parse_timestamp('23.12.2023 12:10') = to_timestamp('23.12.2023 12:10', 'DD.MM.YYYY HH24:MI')::timestamp AS same_as_to_timestamp;
-- bad and empty values: NULL by default, with the reason from parse_problem
SELECT raw, learnerscore.parse_timestamp(raw) AS ts, learnerscore.parse_problem('timestamp', raw) AS problem
FROM (VALUES ('31.02.2023 25:61'), ('29.02.2023 10:00'), ('01.01.2023 24:00'), ('2023-13-01 10:00:00'),
             ('2023-12-01 10:00:60'), ('garbage'), ('2023/12/01 10:00'), ('23.12.23 12:10'), ('2023-12-01 10:00 junk'),
             (''), ('   ')) AS v(raw);
SELECT learnerscore.parse_timestamp(NULL) IS NULL AS null_in_null_out,
       learnerscore.parse_timestamp(NULL, true) IS NULL AS null_in_null_out_strict;
-- strict mode raises with a SQLSTATE that says why
SELECT learnerscore.parse_timestamp('31.02.2023 25:61', strict => true);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.parse_timestamp('garbage', true);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.parse_timestamp('', true) IS NULL AS empty_is_null_even_strict;
-- a 10 MB string is refused quickly, not scanned
SELECT learnerscore.parse_timestamp(repeat('1', 10 * 1024 * 1024)) IS NULL AS ten_mb_is_null,
       learnerscore.parse_problem('timestamp', repeat('1', 10 * 1024 * 1024)) AS ten_mb_problem;
SELECT learnerscore.parse_timestamp(repeat('1', 10 * 1024 * 1024), true);
\echo :LAST_ERROR_SQLSTATE

-- integers
SELECT raw, learnerscore.parse_int(raw) AS v, learnerscore.parse_problem('int', raw) AS problem
FROM (VALUES ('42'), (' -7 '), ('+5'), ('13.00'), ('2147483647'), ('-2147483648'), ('2147483648'),
             ('13.5'), ('1e3'), ('abc'), (''), ('Нет данных')) AS v(raw);
SELECT learnerscore.parse_int('2147483648', true);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.parse_int('abc', true);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.parse_int(repeat('9', 10 * 1024 * 1024)) IS NULL AS ten_mb_is_null;

-- reals
SELECT raw, learnerscore.parse_real(raw) AS v, learnerscore.parse_problem('real', raw) AS problem
FROM (VALUES ('1.00'), ('2.00'), ('-2.5e3'), ('.5'), ('NaN'), ('Infinity'), ('1e400'), ('1,5'), ('')) AS v(raw);
SELECT learnerscore.parse_real('1e400', true);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.parse_real('NaN', true);
\echo :LAST_ERROR_SQLSTATE

-- exercise results and no-value markers
SELECT raw, learnerscore.parse_result(raw) AS result, learnerscore.parse_int_or_marker(raw) AS int_or_marker
FROM (VALUES ('100'), ('0'), ('Пропуск'), ('пропуск'), ('Нет данных'), ('Не сдана'), ('НЕ СДАНА'), ('—'), (''),
             ('Сдана')) AS v(raw);
SELECT learnerscore.parse_result('Нет данных', true);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.parse_int_or_marker('Сдана', true);
\echo :LAST_ERROR_SQLSTATE

-- Telegram bot status
SELECT raw, learnerscore.parse_tg_bot(raw) AS tg_bot, learnerscore.parse_problem('tg_bot', raw) AS problem
FROM (VALUES ('—'), ('–'), ('-'), (''), ('0'), ('1'), ('2'), ('3'), ('да')) AS v(raw);
SELECT learnerscore.parse_tg_bot('3', true);
\echo :LAST_ERROR_SQLSTATE

-- UTC offsets
SELECT raw, learnerscore.parse_tz_offset(raw) AS hours, learnerscore.parse_problem('tz_offset', raw) AS problem
FROM (VALUES ('+03:00'), ('+05:30'), ('-02:00'), ('+0545'), ('UTC+3'), ('Z'), ('+15:00'), ('+03:60'), ('03:00'),
             ('Moscow'), ('')) AS v(raw);
SELECT learnerscore.parse_tz_offset('Moscow', true);
\echo :LAST_ERROR_SQLSTATE

-- invalid UTF-8 never reaches the functions: PostgreSQL refuses it first
SELECT learnerscore.parse_timestamp(convert_from('\x323032332d31322d303120ff'::bytea, 'UTF8'));
\echo :LAST_ERROR_SQLSTATE
-- ... while valid multi-byte text that is not a value is simply refused
SELECT learnerscore.parse_problem('text', 'Были хештеги: #онлайн') IS NULL AS text_ok,
       learnerscore.parse_int(E'\u00a042\u00a0') AS nbsp_trimmed;
SELECT learnerscore.parse_problem('colour', 'x');
\echo :LAST_ERROR_SQLSTATE

-- usable in bulk, in parallel plans, and the backend is still alive
SELECT count(*) AS n, count(learnerscore.parse_timestamp(s)) AS parsed
FROM (SELECT CASE WHEN g % 10 = 0 THEN '31.02.2023 25:61' ELSE to_char(timestamp '2023-12-01' + g * interval '1 minute', 'DD.MM.YYYY HH24:MI') END AS s
      FROM generate_series(1, 10000) g) t;
SELECT learnerscore.version() IS NOT NULL AS backend_alive;
