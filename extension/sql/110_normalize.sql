-- Normalization of the learning platform's raw values (the same C++ code the
-- `learnerscore load` CLI uses), for users who load CSV files by other means:
--   INSERT INTO onet.webinars_logs SELECT ..., learnerscore.parse_timestamp("dateTime"), ...
-- Every function is STRICT (NULL in, NULL out), IMMUTABLE and PARALLEL SAFE.
-- With strict => false (the default) a value that does not parse gives NULL;
-- with strict => true it raises an ERROR: 22007 (bad date/time format),
-- 22008 (date/time field out of range, e.g. '31.02.2023 25:61'), 22P02 (not a
-- number / marker), 22003 (number out of range). parse_problem() tells why.

-- One C function per kind of cell, all with the signature (raw text, strict boolean DEFAULT false).
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT * FROM (VALUES
        ('parse_timestamp', 'timestamp',
         'Platform timestamp → timestamp: "23.12.2023 12:10", "14.11.2023 15:07", "2022-12-07 17:43:14", with optional seconds, fractional seconds, "T", and a trailing zone (Z, UTC, +03:00) that is accepted and dropped (wall-clock time kept). Strictly validated (no 31 February, hour 0-23, minute/second 0-59). Empty → NULL; invalid → NULL, or ERROR 22007/22008 when strict.'),
        ('parse_int', 'integer',
         'Integer cell → int4: optional sign, digits, an optional all-zero fraction ("13.00"), surrounding blanks trimmed. Empty → NULL; invalid → NULL, or ERROR 22P02 (22003 out of range) when strict.'),
        ('parse_real', 'double precision',
         'Decimal cell ("1.00", "-2.5e3") → float8; NaN, Infinity, hexadecimal and overflow are refused. Empty → NULL; invalid → NULL, or ERROR 22P02/22003 when strict.'),
        ('parse_result', 'integer',
         'exercise_results.result → int: a number, or NULL for "Пропуск" (skipped, any letter case) and empty cells; anything else → NULL, or ERROR 22P02 when strict.'),
        ('parse_int_or_marker', 'integer',
         'users.M2_progress / M2_attestation → int: a number, or NULL for the platform''s no-value markers "Нет данных", "Не сдана", "Пропуск", "—", "–", "-" and empty cells (any letter case); anything else → NULL, or ERROR 22P02 when strict.'),
        ('parse_tg_bot', 'integer',
         'users.tgBot → 0 (no bot: "—", "–", "-" or empty), 1 (connected), 2 (stopped); other values → NULL, or ERROR 22P02/22003 when strict.'),
        ('parse_tz_offset', 'double precision',
         'UTC offset → hours: "+03:00" → 3, "+05:30" → 5.5, "-02:00" → -2; also "+3", "+0545", "UTC+3", "GMT-02:30", "Z"/"UTC" → 0. Range ±14 h. Empty → NULL; invalid → NULL, or ERROR 22P02/22003 when strict.'))
        AS t(name, result, doc)
    LOOP
        EXECUTE format($c$CREATE FUNCTION learnerscore.%I(raw text, strict boolean DEFAULT false) RETURNS %s
                          AS 'MODULE_PATHNAME', %L LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE$c$,
                       f.name, f.result, 'ls_' || f.name);
        EXECUTE format('COMMENT ON FUNCTION learnerscore.%I(text, boolean) IS %L', f.name, f.doc);
    END LOOP;
END $$;

CREATE FUNCTION learnerscore.parse_problem(kind text, raw text) RETURNS text
    AS 'MODULE_PATHNAME', 'ls_parse_problem' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.parse_problem(text, text) IS
  'Why parse_<kind>(raw) refuses a value (kind: timestamp, int, real, result, int_or_marker, tg_bot, tz_offset, text), or NULL when it parses (a NULL result from a marker is not a problem). The same reasons the loader writes to load_rejects.';
