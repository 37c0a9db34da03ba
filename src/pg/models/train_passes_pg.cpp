// train('logistic') as passes: the pass queries over the source (the
// aggregate learnerscore.logistic_pass; the exact in-sample AUC through the
// auc aggregate over learnerscore.logistic_pass_score), run through SPI with
// parallel plans allowed (pg/causal/pass_runner_pg.h), driven by the core.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/models/logistic_passes.h"
#include "pg/base/boundary.h"
#include "pg/base/settings.h"
#include "pg/base/value_conv.h"
#include "pg/causal/pass_runner_pg.h"
#include "pg/models/train_passes_pg.h"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace lspg {

namespace {

using ls::ErrorKind;
using ls::fail;

// The column types of the source's features then target (the source query with no row).
std::vector<ValueConv> source_types(const std::string& sql) {
    std::vector<Oid> types;
    pg_call([&]() {
        SPI_connect();
        const std::string q = "SELECT * FROM (" + sql + ") AS _ls_types LIMIT 0";
        const int rc = SPI_execute(q.c_str(), true, 0);
        if (rc != SPI_OK_SELECT) elog(ERROR, "train: could not describe the source (%d)", rc);
        for (int j = 0; j < SPI_tuptable->tupdesc->natts; ++j) types.push_back(TupleDescAttr(SPI_tuptable->tupdesc, j)->atttypid);
        SPI_finish();
    });
    std::vector<ValueConv> out;
    for (Oid t : types) out.push_back(value_conv_for(t));
    return out;
}

std::string quoted(const std::string& name) {
    const char* q = nullptr;
    pg_call([&]() { q = quote_identifier(name.c_str()); });
    return q;
}

// A column as float8: a boolean through int (false 0, true 1), as the reader reads it.
std::string as_float8(const std::string& name, ValueConv c) {
    return c == ValueConv::Bool ? "(" + quoted(name) + ")::int::float8" : "(" + quoted(name) + ")::float8";
}

void notice(const std::string& msg) {
    const char* m = msg.c_str();
    pg_call([&]() { ereport(NOTICE, (errmsg("%s", m))); });
}

}  // namespace

bool train_logistic_passes(const SourceSpec& spec, const ls::models::Params& params, bool needs_rows,
                           ls::models::TrainResult* out, long long* skipped) {
    const TableEstimator mode = table_estimator();
    if (mode == TableEstimator::Memory) return false;
    check_source_spec(spec);
    const unsigned int rel = source_relation(spec.source);
    const bool forced = mode == TableEstimator::Passes;
    // auto: passes only for a relation that is distributed or too large for memory
    if (!forced && (rel == 0 || !causal::auto_chooses_passes(rel, static_cast<int>(spec.features.size()) + 1))) return false;
    const std::string sql = source_query(spec);
    const std::vector<ValueConv> conv = source_types(sql);
    const std::size_t k = spec.features.size();
    if (conv.size() != k + 1) fail(ErrorKind::Internal, "train: the source query has the wrong column count");
    // Types the in-memory reader refuses: let it refuse them, with its own errors.
    for (ValueConv c : conv)
        if (c == ValueConv::Unsupported) return false;
    if (is_text(conv[k])) return false;
    std::string why;
    for (std::size_t j = 0; j < k && why.empty(); ++j)
        if (is_text(conv[j]))
            why = "feature \"" + spec.features[j] + "\" is text (its levels are learnt in memory)";
    if (why.empty() && needs_rows) why = "held-out validation (params validate, validate_group) needs the rows in memory";
    if (!why.empty()) {
        if (forced)
            fail(ErrorKind::FeatureNotSupported,
                 "train('logistic') with learnerscore.table_estimator = passes takes numeric features only and no validation: " + why,
                 "SET learnerscore.table_estimator = auto (or memory) to train in memory, or cast the feature to a number in a query.");
        notice("train: runs in memory although learnerscore.table_estimator = auto would run passes: " + why);
        return false;
    }
    std::string x = "ARRAY[";
    for (std::size_t j = 0; j < k; ++j) x += (j ? ", " : "") + as_float8(spec.features[j], conv[j]);
    x += "]::float8[]";
    const std::string y = as_float8(spec.target, conv[k]);
    const std::string from = " FROM (" + sql + ") AS _ls_pass";
    const std::string pass = "SELECT learnerscore.logistic_pass($1, " + y + ", " + x + ")" + from;
    const std::string auc = "SELECT learnerscore.auc(learnerscore.logistic_pass_score($1, " + x + "), " + y + ")" + from +
                            " WHERE " + y + " IS NOT NULL";
    causal::with_pass_queries({pass, auc}, "train", [&](const std::vector<causal::ArrayPass>& q) {
        ls::models::LogitPassRunner r;
        r.run = [&](const std::vector<double>& p) {
            std::vector<double> s = q[0](p);
            if (s.empty()) s = ls::models::logit_pass_initial_state(p.data(), p.size());  // no rows
            return s;
        };
        r.auc = [&](const std::vector<double>& p) {
            std::vector<double> a = q[1](p);
            return a.empty() ? std::numeric_limits<double>::quiet_NaN() : a[0];
        };
        int passes = 0;
        *out = ls::models::train_logistic_by_passes(spec.features, spec.target, params, r, &passes, skipped);
        pg_call([&]() { elog(DEBUG1, "train: %d passes", passes); });
    });
    return true;
}

}  // namespace lspg
