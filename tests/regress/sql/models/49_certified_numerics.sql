-- train() on the certified benchmarks, through SQL as users call it:
--   NIST StRD Longley (linear least squares, "higher difficulty"): every coefficient and
--   standard error within 1e-10 relative of the certified values (the normal equations
--   managed 1.9e-7); the Spector & Mazzeo (1980) logit (statsmodels.datasets.spector,
--   Greene's textbook example) unpenalized: coefficients and standard errors within 1e-8
--   of statsmodels' Logit (Newton, tol 1e-14).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
CREATE TABLE longley (totemp float8, gnpdefl float8, gnp float8, unemp float8, armed float8, pop float8, year float8);
INSERT INTO longley VALUES
 (60323, 83.0, 234289, 2356, 1590, 107608, 1947), (61122, 88.5, 259426, 2325, 1456, 108632, 1948),
 (60171, 88.2, 258054, 3682, 1616, 109773, 1949), (61187, 89.5, 284599, 3351, 1650, 110929, 1950),
 (63221, 96.2, 328975, 2099, 3099, 112075, 1951), (63639, 98.1, 346999, 1932, 3594, 113270, 1952),
 (64989, 99.0, 365385, 1870, 3547, 115094, 1953), (63761, 100.0, 363112, 3578, 3350, 116219, 1954),
 (66019, 101.2, 397469, 2904, 3048, 117388, 1955), (67857, 104.6, 419180, 2822, 2857, 118734, 1956),
 (68169, 108.4, 442769, 2936, 2798, 120445, 1957), (66513, 110.8, 444546, 4681, 2637, 121950, 1958),
 (68655, 112.6, 482704, 3813, 2552, 123366, 1959), (69564, 114.2, 502601, 3931, 2514, 125368, 1960),
 (69331, 115.7, 518173, 4806, 2572, 127852, 1961), (70551, 116.9, 554894, 4007, 2827, 130081, 1962);
CREATE TABLE longley_certified (term text, estimate float8, std_error float8);
INSERT INTO longley_certified VALUES
 ('(intercept)', -3482258.63459582, 890420.383607373), ('gnpdefl', 15.0618722713733, 84.9149257747669),
 ('gnp', -0.358191792925910E-01, 0.334910077722432E-01), ('unemp', -2.02022980381683, 0.488399681651699),
 ('armed', -1.03322686717359, 0.214274163161675), ('pop', -0.511041056535807E-01, 0.226073200069370),
 ('year', 1829.15146461355, 455.478499142212);
SELECT learnerscore.train('longley_ols', 'longley', 'totemp',
                          ARRAY['gnpdefl', 'gnp', 'unemp', 'armed', 'pop', 'year'], 'linear') > 0 AS trained;
SELECT c.term,
       abs(m.estimate - c.estimate) / abs(c.estimate) < 1e-10 AS coefficient_within_1e10,
       abs(m.std_error - c.std_error) / c.std_error < 1e-10 AS std_error_within_1e10
FROM longley_certified c LEFT JOIN learnerscore.model_coefficients('longley_ols') m USING (term)
ORDER BY c.term;

CREATE TABLE spector (gpa float8, tuce float8, psi float8, grade int);
INSERT INTO spector VALUES
 (2.66, 20, 0, 0), (2.89, 22, 0, 0), (3.28, 24, 0, 0), (2.92, 12, 0, 0), (4.00, 21, 0, 1), (2.86, 17, 0, 0),
 (2.76, 17, 0, 0), (2.87, 21, 0, 0), (3.03, 25, 0, 0), (3.92, 29, 0, 1), (2.63, 20, 0, 0), (3.32, 23, 0, 0),
 (3.57, 23, 0, 0), (3.26, 25, 0, 1), (3.53, 26, 0, 0), (2.74, 19, 0, 0), (2.75, 25, 0, 0), (2.83, 19, 0, 0),
 (3.12, 23, 1, 0), (3.16, 25, 1, 1), (2.06, 22, 1, 0), (3.62, 28, 1, 1), (2.89, 14, 1, 0), (3.51, 26, 1, 0),
 (3.54, 24, 1, 1), (2.83, 27, 1, 1), (3.39, 17, 1, 1), (2.67, 24, 1, 0), (3.65, 21, 1, 1), (4.00, 23, 1, 1),
 (3.10, 21, 1, 0), (2.39, 19, 1, 1);
CREATE TABLE spector_statsmodels (term text, estimate float8, std_error float8);
INSERT INTO spector_statsmodels VALUES
 ('(intercept)', -13.021346858115693, 4.931324213602702), ('gpa', 2.8261125948893224, 1.262941075629078),
 ('tuce', 0.09515766131790933, 0.14155420567369437), ('psi', 2.378687655093354, 1.0645642544971308);
SELECT learnerscore.train('spector_logit', 'spector', 'grade', ARRAY['gpa', 'tuce', 'psi'], 'logistic',
                          '{"l2": 0, "tolerance": 1e-14}') > 0 AS trained;
SELECT c.term,
       abs(m.estimate - c.estimate) / abs(c.estimate) < 1e-8 AS coefficient_within_1e8,
       abs(m.std_error - c.std_error) / c.std_error < 1e-8 AS std_error_within_1e8
FROM spector_statsmodels c LEFT JOIN learnerscore.model_coefficients('spector_logit') m USING (term)
ORDER BY c.term;
SELECT learnerscore.drop_model('longley_ols'), learnerscore.drop_model('spector_logit');
DROP TABLE longley, longley_certified, spector, spector_statsmodels;
