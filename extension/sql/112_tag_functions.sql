-- Online-status filter, part 1: the hashtag-change parser and tag-set helpers
-- (C++ in src/core/views/tag_parser.cpp, glue in src/pg/views/tag_fns.cpp). See docs/views.md.

CREATE FUNCTION learnerscore.parse_tag_change(comment text,
        OUT tags_before text[], OUT tags_after text[],
        OUT tags_added text[], OUT tags_removed text[], OUT full_set boolean)
    AS 'MODULE_PATHNAME', 'ls_parse_tag_change'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.parse_tag_change(text) IS
  'Parses a users_logs hashtag-change comment. "Были хештеги: #a #b, стали: #a #c" gives tags_before {#a,#b}, tags_after {#a,#c} '
  '(full_set = true: tags_after is the whole set in force). "Установлен хештег "#x"" / "Удален хештег "#x"" give tags_before NULL '
  '(not stated), tags_after = the tags set, tags_added / tags_removed, full_set = false. Robust to spacing, case, NBSP, commas, '
  'order, duplicates and unknown tags; the format typos #оулайн/#оглайн (and #online, Latin look-alikes) are normalised to '
  '#онлайн, #оффлайн/#offline to #офлайн. Returns NULL for a comment that is not a tag change.';

CREATE FUNCTION learnerscore.normalize_tag(tag text) RETURNS text
    AS 'MODULE_PATHNAME', 'ls_normalize_tag'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.normalize_tag(text) IS
  'Canonical spelling of one tag: learning-format tags and their typos become #онлайн / #офлайн; any other tag is returned unchanged.';

CREATE FUNCTION learnerscore.learning_format(tags text[]) RETURNS text
    AS 'MODULE_PATHNAME', 'ls_learning_format'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.learning_format(text[]) IS
  'online when the tag set holds an online tag (#онлайн or a typo of it) and no offline tag; offline in the opposite case; '
  'NULL when it holds neither or both (unknown / conflicting).';

CREATE FUNCTION learnerscore.has_payment(tags text[]) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ls_has_payment'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.has_payment(text[]) IS
  'True when some tag ends in -оплачен (paid, e.g. #M1-оплачен), case-insensitively (docs/features.md, column payment).';

CREATE FUNCTION learnerscore.tag_modules(tags text[], status text) RETURNS int[]
    AS 'MODULE_PATHNAME', 'ls_tag_modules'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.tag_modules(text[], text) IS
  'Sorted distinct module numbers n with a tag #M<n>-<status> in the set (M Latin or Cyrillic, any case), e.g. status оплачен or завершил.';

CREATE FUNCTION learnerscore.paid_modules(tags text[]) RETURNS int[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN learnerscore.tag_modules(tags, 'оплачен');
COMMENT ON FUNCTION learnerscore.paid_modules(text[]) IS 'Modules marked paid (#M<n>-оплачен) in a tag set.';

CREATE FUNCTION learnerscore.completed_modules(tags text[]) RETURNS int[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN learnerscore.tag_modules(tags, 'завершил');
COMMENT ON FUNCTION learnerscore.completed_modules(text[]) IS 'Modules marked finished (#M<n>-завершил) in a tag set.';

-- The ordered fold "tag set in force after these changes". Its state is a
-- text[] monoid element ("=" first for a known full set, "#x" present,
-- "-#x" removed) so the combine function is exact for consecutive runs.
CREATE FUNCTION learnerscore._tag_fold_step(state text[], comment text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'ls_tag_fold_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._tag_fold_step(text[], text) IS 'Internal: transition function of tag_fold.';
CREATE FUNCTION learnerscore._tag_fold_combine(a text[], b text[]) RETURNS text[]
    AS 'MODULE_PATHNAME', 'ls_tag_fold_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._tag_fold_combine(text[], text[]) IS 'Internal: combine function of tag_fold (a then b).';
CREATE FUNCTION learnerscore._tag_fold_final(state text[]) RETURNS text[]
    AS 'MODULE_PATHNAME', 'ls_tag_fold_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._tag_fold_final(text[]) IS 'Internal: final function of tag_fold.';

CREATE AGGREGATE learnerscore.tag_fold(comment text) (
    SFUNC = learnerscore._tag_fold_step,
    STYPE = text[],
    COMBINEFUNC = learnerscore._tag_fold_combine,
    FINALFUNC = learnerscore._tag_fold_final,
    INITCOND = '{}',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE learnerscore.tag_fold(text) IS
  'The tag set in force after applying hashtag-change comments in order: use with ORDER BY (tag_fold(comment ORDER BY created_at)) '
  'or as a window function. A full-form comment replaces the set, an Установлен/Удален comment adds/removes tags, anything else is '
  'ignored; before the first full-form comment the start set is taken as empty.';
