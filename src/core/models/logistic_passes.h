// train('logistic') as a sequence of passes over the rows, each pass a
// mergeable aggregate state: nothing keeps the rows, so a pass runs on
// parallel workers, on Citus workers, or over a table larger than memory.
// The driver (train_logistic_by_passes) asks a runner for each pass -- the
// glue runs it as one SQL aggregate query (learnerscore.logistic_pass), the
// unit tests over split row buffers -- and fits with the same Newton loop as
// the in-memory path (fit_logistic_newton, linear_models.h), so both give the
// same model.
//
// Only numeric features (NULL imputed with the training mean, as the
// encoder does): the first pass learns what the encoder learns for them (the
// means) and checks the target; text features, whose levels the encoder
// learns, are left to the in-memory path (the glue refuses or falls back).
//
// A pass state is a flat array of doubles, as the propensity passes'
// (core/causal/propensity_passes.h): [L, params (L values), payload]. The
// params are [kind, k] then, after the prepare pass, the k imputation means
// and the k + 1 coefficients; every state is validated on every use
// (malformed: InvalidBinary, 22P03; too large: ProgramLimitExceeded, 54000).
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/models/dataset.h"
#include "core/models/model.h"

namespace ls::models {

enum class LogitPass : int {
    Prepare = 1,  // rows, positives, bad target values, NULL targets, per-feature non-NULL count and sum (the imputation means)
    Newton = 2,   // negative log-likelihood, gradient and Hessian at the coefficients
    Metrics = 3   // the in-sample metrics' sums at the fitted coefficients (log loss, Brier, accuracy, calibration bins)
};

constexpr std::size_t kMaxLogitPassFeatures = 1600;  // as train() (PostgreSQL reads at most 1,664 columns)

// The params of a pass: kind, feature count, the imputation means and the
// coefficients (intercept first; empty for Prepare).
std::vector<double> logit_pass_params(LogitPass kind, std::size_t k, const std::vector<double>& impute = {},
                                      const std::vector<double>& coef = {});

// A fresh state for encoded params (validated: they arrive from SQL).
std::vector<double> logit_pass_initial_state(const double* params, std::size_t len);
// Checks that a state array is well formed (combine inputs arrive from SQL too).
void logit_pass_check_state(const double* state, std::size_t len);
// Adds one row: target y (NaN = NULL: counted as skipped by Prepare, ignored
// by the other passes), features x[0..k), NaN = NULL (missing); an infinite
// value is an error (22023).
void logit_pass_add_row(double* state, std::size_t len, double y, const double* x, std::size_t k);
// Merges state b into state a (the same params; checked).
void logit_pass_merge(double* a, std::size_t alen, const double* b, std::size_t blen);
// The probability of one row (NaN = NULL, imputed) under Newton or Metrics params.
double logit_pass_score(const double* params, std::size_t len, const double* x, std::size_t k);

// Runs one pass over every row and returns the merged state (a state with no
// rows is logit_pass_initial_state of the params); `auc` returns the exact
// in-sample AUC of logit_pass_score under Metrics params (it keeps the
// (score, label) pairs, as the auc aggregate does).
struct LogitPassRunner {
    std::function<std::vector<double>(const std::vector<double>& params)> run;
    std::function<double(const std::vector<double>& params)> auc;
};

// train(data, target, Logistic, params) of an all-numeric source, as passes:
// the same model, metrics and errors (passes_run counts the passes; skipped
// gets the rows with a NULL target).
TrainResult train_logistic_by_passes(const std::vector<std::string>& features, const std::string& target,
                                     const Params& params, const LogitPassRunner& runner, int* passes_run = nullptr,
                                     long long* skipped = nullptr);

// The same passes over the rows of an all-numeric dataset split into `parts`
// partial states that are merged (the reference for tests: any split, same model).
LogitPassRunner rows_logit_pass_runner(const Dataset& data, std::size_t parts);

}  // namespace ls::models
