// Parallel-safe metric aggregates. States are float8[] (running sums,
// modified in place inside the aggregate context, as float8_accum does) or,
// for the exact AUC, a bytea holding every (score, label) pair, sorted once
// in the final function. Every aggregate has a combine function. The layouts
// and their validation are in src/core/metrics/metric_state.h: a state can arrive
// forged (a direct call, a Citus worker's text), so each function checks the
// state it reads; errors are C++ exceptions turned into ERRORs by guarded().
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/causal/causal_state.h"
#include "core/base/error.h"
#include "core/metrics/metric_state.h"
#include "core/metrics/metrics.h"
#include "pg/base/boundary.h"
#include "pg/base/settings.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(ls_metric_accum);
PG_FUNCTION_INFO_V1(ls_metric_combine);
PG_FUNCTION_INFO_V1(ls_metric_final);
PG_FUNCTION_INFO_V1(ls_auc_accum);
PG_FUNCTION_INFO_V1(ls_auc_combine);
PG_FUNCTION_INFO_V1(ls_auc_final);
}

namespace {

namespace lm = ls::metrics;
enum Kind { LogLoss = lm::kLogLoss, Brier = lm::kBrier, Accuracy = lm::kAccuracy, Mae = lm::kMae, Rmse = lm::kRmse,
            Calibration = lm::kCalibration, AucBinned = lm::kAucBinned, AucBinnedError = lm::kAucBinnedError };
constexpr int kBins = lm::kCalibrationBins;

// The state array's data, checked: a 1-D float8 array without NULLs whose
// contents decode (kind and length; with `values` also counts and sums).
double* state_data(ArrayType* a, bool values = true) {
    if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
        ls::causal::malformed_state("metric", "not a one-dimensional float8 array without NULLs");
    double* d = reinterpret_cast<double*>(ARR_DATA_PTR(a));
    lm::decode_metric_state(d, static_cast<std::size_t>(ARR_DIMS(a)[0]), values);
    return d;
}

// In an aggregate the state is ours to modify; elsewhere work on a copy.
ArrayType* writable_state(FunctionCallInfo fcinfo, int argno) {
    ArrayType* a = nullptr;
    if (AggCheckCallContext(fcinfo, nullptr)) lspg::pg_call([&]() { a = PG_GETARG_ARRAYTYPE_P(argno); });
    else lspg::pg_call([&]() { a = PG_GETARG_ARRAYTYPE_P_COPY(argno); });
    return a;
}

[[noreturn]] void bad_input(const char* msg, const char* hint = nullptr) {
    ls::fail(ls::ErrorKind::InvalidParameter, msg, hint ? hint : "");
}

void check_label(double y) {
    if (y != 0.0 && y != 1.0) bad_input("the label of a classification metric must be 0 or 1");
}

// auc state: bytea = varlena header | int64 count | (score, label) pairs; the
// varlena may be larger than needed (spare capacity, zero-filled).
struct AucHeader {
    int64 count;
};
constexpr Size kPair = 2 * sizeof(double);

int64 auc_capacity(const bytea* b) { return static_cast<int64>((VARSIZE(b) - VARHDRSZ - sizeof(AucHeader)) / kPair); }
int64& auc_count(bytea* b) { return reinterpret_cast<AucHeader*>(VARDATA(b))->count; }
double* auc_pairs(bytea* b) { return reinterpret_cast<double*>(VARDATA(b) + sizeof(AucHeader)); }

bytea* auc_alloc(int64 capacity) {
    Size size = VARHDRSZ + sizeof(AucHeader) + static_cast<Size>(capacity) * kPair;
    if (size > MaxAllocSize)
        ls::fail(ls::ErrorKind::ProgramLimitExceeded,
                 "learnerscore.auc: too many rows for an exact AUC state (at most " +
                     std::to_string((MaxAllocSize - VARHDRSZ - sizeof(AucHeader)) / kPair) + ")");
    bytea* b = nullptr;
    lspg::pg_call([&]() { b = static_cast<bytea*>(palloc0(size)); });  // current (per-tuple) context: nodeAgg copies it
    SET_VARSIZE(b, size);
    return b;
}

// The header checked (O(1), per row); with `pairs` also every pair (combine, final).
bytea* auc_checked(bytea* b, bool pairs) {
    const Size len = VARSIZE(b) - VARHDRSZ;
    if (pairs) lm::decode_auc_state(VARDATA(b), len);
    else lm::decode_auc_header(VARDATA(b), len);
    return b;
}

// Appends `n` pairs to `state`, growing it (doubling) when full.
bytea* auc_append(FunctionCallInfo fcinfo, bytea* state, const double* pairs, int64 n) {
    int64 count = state ? auc_count(state) : 0;
    if (!state || !AggCheckCallContext(fcinfo, nullptr) || count + n > auc_capacity(state)) {
        int64 cap = state ? auc_capacity(state) : 0;
        int64 want = cap < 512 ? 512 : cap;
        while (want < count + n) want *= 2;
        // The pairs it holds are bounded by learnerscore.max_train_memory, and
        // so is the doubling (a capacity past the bound would take rows unchecked).
        const auto bytes_for = [](int64 pairs) { return VARHDRSZ + sizeof(AucHeader) + static_cast<Size>(pairs) * kPair; };
        lspg::check_train_memory(bytes_for(count + n), "the pair buffer of learnerscore.auc");
        if (bytes_for(want) > lspg::max_train_memory_bytes())
            want = std::max<int64>(count + n, static_cast<int64>((lspg::max_train_memory_bytes() - VARHDRSZ - sizeof(AucHeader)) / kPair));
        bytea* grown = auc_alloc(want);
        if (state) memcpy(auc_pairs(grown), auc_pairs(state), static_cast<Size>(count) * kPair);
        auc_count(grown) = count;
        state = grown;
    }
    memcpy(auc_pairs(state) + 2 * count, pairs, static_cast<Size>(n) * kPair);
    auc_count(state) = count + n;
    return state;
}

bytea* bytea_arg(FunctionCallInfo fcinfo, int argno) {
    bytea* b = nullptr;
    lspg::pg_call([&]() { b = PG_GETARG_BYTEA_P(argno); });
    return b;
}

}  // namespace

namespace {

// Adds one row to a state of a known shape. Returns nullptr, or the message
// of a bad input (the state is then unchanged). No exception and no
// guarded(): this runs once per row, and guarded()'s error slot (4 kB, zeroed
// on entry) would cost more than the arithmetic.
const char* accumulate(double* s, double p, double y, double threshold) {
    constexpr const char* kNaN = "metric inputs must not be NaN";
    constexpr const char* kLabel = "the label of a classification metric must be 0 or 1";
    constexpr const char* kProb = "the score of log_loss, brier and calibration_error must be a probability in [0, 1]";
    constexpr const char* kFinite = "metric inputs must be finite";
    if (std::isnan(p) || std::isnan(y) || std::isinf(y)) return kNaN;
    const int kind = static_cast<int>(s[0]);
    const bool label_ok = y == 0.0 || y == 1.0, prob_ok = p >= 0.0 && p <= 1.0;
    switch (kind) {
        case LogLoss:
            if (!label_ok) return kLabel;
            if (!prob_ok) return kProb;
            s[2] += ls::metrics::log_loss_term(p, y);
            break;
        case Brier:
            if (!label_ok) return kLabel;
            if (!prob_ok) return kProb;
            s[2] += (p - y) * (p - y);
            break;
        case Accuracy:
            if (!label_ok) return kLabel;
            s[2] += ((p >= threshold ? 1.0 : 0.0) == y) ? 1.0 : 0.0;
            break;
        case Mae:
            if (std::isinf(p)) return kFinite;
            s[2] += std::fabs(p - y);
            break;
        case Rmse:
            if (std::isinf(p)) return kFinite;
            s[2] += (p - y) * (p - y);
            break;
        case AucBinned:
        case AucBinnedError:
            if (!label_ok) return kLabel;
            if (!prob_ok) return "the score of auc_binned must be a probability in [0, 1] (map other scores monotonically into it)";
            s[2 + (y == 1.0 ? 0 : lm::kAucBins) + ls::metrics::auc_bin(p)] += 1;
            break;
        default: {  // Calibration
            if (!label_ok) return kLabel;
            if (!prob_ok) return kProb;
            int b = ls::metrics::calibration_bin(p, kBins);
            s[2 + 3 * b] += 1;
            s[3 + 3 * b] += p;
            s[4 + 3 * b] += y;
        }
    }
    s[1] += 1;
    return nullptr;
}

}  // namespace

// ls_metric_accum(state float8[], score float8, label float8 [, threshold float8]) -- STRICT
// Per row: the state's shape is checked (kind, length: what indexing needs);
// the sums are checked by the combine and final functions, which read them.
Datum ls_metric_accum(PG_FUNCTION_ARGS) {
    // No C++ object lives here, so PostgreSQL may raise (detoasting, palloc).
    ArrayType* a = AggCheckCallContext(fcinfo, nullptr) ? PG_GETARG_ARRAYTYPE_P(0) : PG_GETARG_ARRAYTYPE_P_COPY(0);
    const bool shape_ok = ARR_NDIM(a) == 1 && !ARR_HASNULL(a) && ARR_ELEMTYPE(a) == FLOAT8OID &&
                          lm::metric_state_kind(reinterpret_cast<double*>(ARR_DATA_PTR(a)),
                                                static_cast<std::size_t>(ARR_DIMS(a)[0])) != 0;
    const char* bad = nullptr;
    if (shape_ok && ARR_DIMS(a)[0] == 2 && lm::is_binned_auc(static_cast<int>(reinterpret_cast<double*>(ARR_DATA_PTR(a))[0]))) {
        // The first row of a binned AUC: the full state, zeroed (nodeAgg copies it into its context).
        if (reinterpret_cast<double*>(ARR_DATA_PTR(a))[1] != 0.0)  // an empty state claiming rows: 22P03
            return lspg::guarded([&]() -> Datum { state_data(a, true); PG_RETURN_NULL(); });
        const double kind = reinterpret_cast<double*>(ARR_DATA_PTR(a))[0];
        const int len = static_cast<int>(lm::metric_state_length(static_cast<int>(kind)));
        Datum* zeros = static_cast<Datum*>(palloc(sizeof(Datum) * len));
        for (int i = 0; i < len; ++i) zeros[i] = Float8GetDatum(0.0);
        zeros[0] = Float8GetDatum(kind);
        a = construct_array(zeros, len, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
        pfree(zeros);
    }
    if (shape_ok) {
        const double t = PG_NARGS() > 3 && !PG_ARGISNULL(3) ? PG_GETARG_FLOAT8(3) : 0.5;
        bad = accumulate(reinterpret_cast<double*>(ARR_DATA_PTR(a)), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), t);
        if (!bad) PG_RETURN_ARRAYTYPE_P(a);
    }
    // The rare error paths, with their SQLSTATEs, through the boundary.
    return lspg::guarded([&]() -> Datum {
        if (!shape_ok) state_data(a, false);  // throws 22P03 with the reason
        bad_input(bad);
    });
}

// Element-wise sum of two states of the same kind -- STRICT
Datum ls_metric_combine(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        ArrayType* a = writable_state(fcinfo, 0);
        ArrayType* b = nullptr;
        lspg::pg_call([&]() { b = PG_GETARG_ARRAYTYPE_P(1); });
        double* sa = state_data(a);
        const double* sb = state_data(b);
        if (sa[0] != sb[0]) ls::causal::malformed_state("metric", "states of different metric kinds");
        if (ARR_DIMS(a)[0] != ARR_DIMS(b)[0]) {  // a binned AUC before its first row (both decoded: it holds none)
            if (ARR_DIMS(b)[0] == 2) PG_RETURN_ARRAYTYPE_P(a);
            ArrayType* full = nullptr;
            lspg::pg_call([&]() { full = PG_GETARG_ARRAYTYPE_P_COPY(1); });
            PG_RETURN_ARRAYTYPE_P(full);
        }
        const int n = ARR_DIMS(a)[0];
        for (int i = 1; i < n; ++i) sa[i] += sb[i];
        PG_RETURN_ARRAYTYPE_P(a);
    });
}

Datum ls_metric_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        ArrayType* a = nullptr;
        lspg::pg_call([&]() { a = PG_GETARG_ARRAYTYPE_P(0); });
        const double* s = state_data(a);
        const double n = s[1];
        if (n == 0) PG_RETURN_NULL();
        switch (static_cast<int>(s[0])) {
            case LogLoss:
            case Brier:
            case Accuracy:
            case Mae: PG_RETURN_FLOAT8(s[2] / n);
            case Rmse: PG_RETURN_FLOAT8(std::sqrt(s[2] / n));
            case Calibration: {
                double ece = 0;
                for (int b = 0; b < kBins; ++b) ece += std::fabs(s[3 + 3 * b] - s[4 + 3 * b]);
                PG_RETURN_FLOAT8(ece / n);
            }
            case AucBinned:
            case AucBinnedError: {
                const double* pos = s + 2;
                const double* neg = s + 2 + lm::kAucBins;
                double P = 0;
                for (int b = 0; b < lm::kAucBins; ++b) P += pos[b];
                if (P == 0 || P == n) PG_RETURN_NULL();  // one class only
                double bound = 0;
                const double auc = ls::metrics::binned_auc(pos, neg, lm::kAucBins, &bound);
                PG_RETURN_FLOAT8(static_cast<int>(s[0]) == AucBinned ? auc : bound);
            }
        }
        PG_RETURN_NULL();
    });
}

// ls_auc_accum(state bytea, score float8, label float8) -- not strict (NULL initial state)
Datum ls_auc_accum(PG_FUNCTION_ARGS) {
    // The per-row path (a valid row appended in place to a state with room)
    // needs neither exceptions nor guarded(); no C++ object lives here, so
    // PostgreSQL may raise while detoasting.
    bytea* state = PG_ARGISNULL(0) ? nullptr : PG_GETARG_BYTEA_P(0);
    const bool row = !PG_ARGISNULL(1) && !PG_ARGISNULL(2);
    if (state && row && AggCheckCallContext(fcinfo, nullptr) && VARSIZE(state) >= VARHDRSZ + sizeof(AucHeader)) {
        const double pair[2] = {PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2)};
        int64 count;
        std::memcpy(&count, VARDATA(state), sizeof count);
        if (count >= 0 && count < auc_capacity(state) && !std::isnan(pair[0]) && (pair[1] == 0.0 || pair[1] == 1.0)) {
            std::memcpy(auc_pairs(state) + 2 * count, pair, kPair);
            ++count;
            std::memcpy(VARDATA(state), &count, sizeof count);
            PG_RETURN_BYTEA_P(state);
        }
    }
    return lspg::guarded([&]() -> Datum {
        if (state) auc_checked(state, false);
        if (!row) {
            if (!state) PG_RETURN_NULL();
            PG_RETURN_BYTEA_P(state);
        }
        double pair[2] = {PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2)};
        if (std::isnan(pair[0])) bad_input("auc: the score must not be NaN");
        check_label(pair[1]);
        PG_RETURN_BYTEA_P(auc_append(fcinfo, state, pair, 1));
    });
}

// Concatenates two pair lists -- STRICT
Datum ls_auc_combine(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        bytea* a = auc_checked(bytea_arg(fcinfo, 0), true);
        bytea* b = auc_checked(bytea_arg(fcinfo, 1), true);
        PG_RETURN_BYTEA_P(auc_append(fcinfo, a, auc_pairs(b), auc_count(b)));
    });
}

// Exact AUC (ties count one half); NULL without rows or with one class only.
Datum ls_auc_final(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    return lspg::guarded([&]() -> Datum {
        bytea* state = auc_checked(bytea_arg(fcinfo, 0), true);
        const int64 n = auc_count(state);
        const double* p = auc_pairs(state);
        double pos = 0;
        for (int64 i = 0; i < n; ++i) pos += p[2 * i + 1];
        if (n == 0 || pos == 0 || pos == n) PG_RETURN_NULL();
        std::vector<std::pair<double, double>> pairs(static_cast<std::size_t>(n));
        for (int64 i = 0; i < n; ++i) pairs[i] = {p[2 * i], p[2 * i + 1]};
        PG_RETURN_FLOAT8(ls::metrics::auc(pairs));
    });
}
