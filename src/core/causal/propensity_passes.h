// The propensity estimators (IPW, AIPW) as a sequence of passes over the
// rows, each pass a mergeable aggregate state: nothing keeps the rows, so a
// pass runs on parallel workers, on Citus workers, or over a table larger
// than memory, and its partial states are merged by summation (or by Chan's
// update for moments). The driver (estimate_by_passes) asks a PassRunner to
// run each pass -- the glue runs it as one SQL aggregate query, the unit tests
// over split row buffers -- and finishes with the same formulas as the
// in-memory path (propensity_terms.h), so both give the same answer.
//
// A pass state is a flat array of doubles: [L, params (L values), payload].
// The params say which pass and carry what every row needs (the scaler, the
// current coefficients); the payload is what the rows add up to.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/causal/causal_propensity.h"
#include "core/causal/propensity_terms.h"

namespace ls::causal {

enum class PassKind : int {
    Scale = 1,     // treated count and per-covariate moments (the standardization)
    Newton = 2,    // log-likelihood, gradient and Hessian at the current beta
    Arms = 3,      // kept-row counts, propensity range, Hajek sums, per-arm outcome co-moments
    Sandwich = 4,  // IPW's stacked M-estimation terms at (beta, mu1, mu0)
    Psi = 5,       // AIPW's influence-function moments
    Balance = 6,   // per-covariate moments per arm, unweighted and IPW-weighted
    Overlap = 7    // propensity range per arm, extreme share, IPW weight sums
};

// The params of a pass (what the driver sends with every pass).
struct PassParams {
    PassKind kind = PassKind::Scale;
    std::size_t k = 0;            // covariates per row
    double trim = 0;              // rows with a propensity outside [trim, 1 - trim] are not kept
    Scaler scaler;                // empty for the Scale pass
    std::vector<double> beta;     // scaler.q() coefficients (Newton and later)
    std::vector<double> extra;    // Arms: [with arm models]; Sandwich: [mu1, mu0]; Psi: both arm models; Balance: [weighted]
    std::vector<double> encode() const;
};

// A fresh state for encoded params: validates them (they arrive from SQL), so
// a malformed array is an error (InvalidBinary, 22P03), never a bad read.
std::vector<double> pass_initial_state(const double* params, std::size_t len);
// Checks that a state array is well formed (combine inputs arrive from SQL too).
void pass_check_state(const double* state, std::size_t len);
// Adds one row (outcome y, treated t in {0, 1}, covariates x[0..k)) to a state.
void pass_add_row(double* state, std::size_t len, double y, double t, const double* x, std::size_t k);
// Merges state b into state a (same params; checked).
void pass_merge(double* a, std::size_t alen, const double* b, std::size_t blen);

// Runs one pass over every row and returns the merged state (a state with no
// rows is pass_initial_state of the params).
using PassRunner = std::function<std::vector<double>(const std::vector<double>& params)>;

// method ipw or aipw (ATE), with o.trim and o.alpha; passes_run counts the passes.
Effect estimate_by_passes(const std::string& method, std::size_t k, const PropensityOptions& o, const PassRunner& run,
                          int* passes_run = nullptr);

// balance() and overlap() (causal_propensity.h) as passes. Balance of a
// relation without rows is empty; overlap of one without both arms has only the counts.
std::vector<BalanceRow> balance_by_passes(std::size_t k, double trim, const PassRunner& run, int* passes_run = nullptr);
Overlap overlap_by_passes(std::size_t k, const PassRunner& run, int* passes_run = nullptr);

// The same passes over an in-memory row buffer, split into `parts` partial
// states that are merged (the reference for tests: any split, same answer).
PassRunner rows_pass_runner(const RowView& rows, std::size_t parts);

}  // namespace ls::causal
