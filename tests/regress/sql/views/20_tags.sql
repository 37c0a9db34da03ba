-- The hashtag-change parser and the tag-set helpers: every comment shape of
-- the 1T scoring specification, the typos, spacing/order/duplicates/unknown tags, malformed input.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;

-- the seed's examples and every variant its LIKE filter looks for
SELECT c AS comment, p.*
  FROM (VALUES
    (1, 'Были хештеги: #entry-email #офлайн, стали: #entry-email #онлайн'),
    (2, 'Были хештеги: #мотив #онлайн #M1-завершил #сверка-дат #M1-оплачен #M2-завершил, стали: #мотив #онлайн #M1-завершил #M1-оплачен #M2-завершил'),
    (3, 'Установлен хештег "#онлайн"'),
    (4, 'Установлен хештег "#онлайн" --'),
    (5, 'Установлен хештег "#онлайн" -- Установлен хештег "#онлайн"'),
    (6, 'Были хештеги: , стали: #онлайн'),
    (7, 'Были хештеги: #оулайн, стали: #онлайн'),
    (8, 'Были хештеги: #оглайн #entry-email, стали: #entry-email #онлайн'),
    (9, 'Были хештеги: #онлайн, стали: '),
    (10, 'Удален хештег "#онлайн" -- Установлен хештег "#офлайн"')
  ) v(i, c), LATERAL learnerscore.parse_tag_change(c) p ORDER BY i;

-- spacing, case, NBSP, commas inside lists, order, duplicates, unknown tags, "#a#b"
SELECT p.* FROM learnerscore.parse_tag_change(
  E'  БЫЛИ   ХЕШТЕГИ:#b,#a ,#a\u00A0#x#y ,  СТАЛИ:\t#a,\u00A0#c  #c. #НЕИЗВЕСТНЫЙ-тег ') p;
SELECT p.* FROM learnerscore.parse_tag_change('установлен ХЭШТЕГ «#OnLine»') p;
SELECT p.* FROM learnerscore.parse_tag_change('стали: #Оффлайн #oнлaйн') p;  -- Latin look-alikes

-- malformed or not a tag change: NULL (never an error)
SELECT i, learnerscore.parse_tag_change(c) IS NULL AS is_null
  FROM (VALUES (1, ''), (2, '   '), (3, '#онлайн'), (4, 'Были хештеги: #a #b'), (5, 'Установлен хештег'),
               (6, 'Пользователь вошёл'), (7, 'Установлен хештег ""'), (8, '#'), (9, NULL)) v(i, c) ORDER BY i;

-- a 10 MB comment and a 10 MB tag
SELECT p.tags_before, p.tags_after
  FROM learnerscore.parse_tag_change('Были хештеги: ' || repeat('#a #b, ', 1500000) || 'стали: #онлайн') p;
SELECT length((learnerscore.parse_tag_change('стали: #' || repeat('я', 5000000))).tags_after[1]) AS tag_chars;
SELECT learnerscore.parse_tag_change(repeat('x', 10000000)) IS NULL AS huge_word_is_null;

-- invalid UTF-8 never reaches the function: PostgreSQL rejects it on input
SELECT learnerscore.parse_tag_change(convert_from('\xd0bfd0b5d180ff'::bytea, 'UTF8'));
\echo :LAST_ERROR_SQLSTATE

-- helpers
SELECT learnerscore.normalize_tag(t) FROM unnest(ARRAY['#оулайн', '#оглайн', '#ОНЛАЙН', '#оффлайн', '#M1-оплачен', 'онлайн', '']) t;
SELECT learnerscore.learning_format(t) AS fmt, t
  FROM (VALUES ('{#a,#онлайн}'::text[]), ('{#оулайн}'), ('{#офлайн}'), ('{#офлайн,#онлайн}'), ('{}'), ('{NULL,#оглайн}'),
               ('{{#a,#b},{#c,#онлайн}}')) v(t);
SELECT learnerscore.learning_format(NULL) IS NULL AS null_in_null_out;
SELECT learnerscore.has_payment('{#M1-оплачен}'), learnerscore.has_payment('{#M1-завершил,#оплачен}'),
       learnerscore.has_payment('{}'), learnerscore.has_payment('{NULL}');
SELECT learnerscore.paid_modules('{#M1-оплачен,#м2-ОПЛАЧЕН,#M2-завершил,#Mx-оплачен}'),
       learnerscore.completed_modules('{#M1-оплачен,#M2-завершил,#M10-завершил}'),
       learnerscore.tag_modules('{}', 'оплачен');

-- tag_fold: the tag set in force after ordered changes, as an aggregate and as a window
SELECT learnerscore.tag_fold(c ORDER BY i) AS tags
  FROM (VALUES (1, 'Установлен хештег "#онлайн"'), (2, 'Были хештеги: #онлайн, стали: #онлайн #M1-оплачен'),
               (3, 'Удален хештег "#онлайн" -- Установлен хештег "#офлайн"'), (4, 'не изменение'), (5, NULL)) v(i, c);
SELECT i, learnerscore.tag_fold(c) OVER (ORDER BY i) AS tags
  FROM (VALUES (1, 'Установлен хештег "#a"'), (2, 'Удален хештег "#a"'), (3, 'Установлен хештег "#b"'),
               (4, 'Были хештеги: #x, стали: #x #y'), (5, 'Удален хештег "#x"')) v(i, c) ORDER BY i;
SELECT learnerscore.tag_fold(c) AS no_rows FROM (SELECT NULL::text WHERE false) v(c);
-- the combine function is exact for consecutive runs: (a ⊕ b) applied = sequential fold
SELECT learnerscore._tag_fold_final(learnerscore._tag_fold_combine(
         learnerscore._tag_fold_step('{}', 'Установлен хештег "#a"'),
         learnerscore._tag_fold_step(learnerscore._tag_fold_step('{}', 'Удален хештег "#a"'), 'Установлен хештег "#b"')))
       AS combined,
       learnerscore._tag_fold_combine('{=,#a,#b}', '{-#a,#c}') AS full_then_delta,
       learnerscore._tag_fold_combine(NULL, '{-#a}') AS null_left;
