#include "pg/base/boundary.h"
#include "pg/causal/pass_runner_pg.h"
#include "pg/causal/causal_pg_util.h"
#include "pg/base/settings.h"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
}

namespace lc = ls::causal;

namespace lspg::causal {

std::string pass_query(const char* relname, const std::string& outcome, const std::string& treatment,
                       const std::vector<std::string>& covariates) {
    const std::string t = quote_identifier(treatment.c_str());
    std::string y = outcome.empty() ? std::string() : std::string(quote_identifier(outcome.c_str()));
    std::string cols = (y.empty() ? std::string("0::float8") : "(" + y + ")::float8") + ", ((" + t + ")::int <> 0), ARRAY[";
    std::string where = " WHERE (" + t + ") IS NOT NULL";
    if (!y.empty()) where += " AND (" + y + ") IS NOT NULL";
    for (std::size_t i = 0; i < covariates.size(); ++i) {
        const std::string c = quote_identifier(covariates[i].c_str());
        cols += (i ? ", (" : "(") + c + ")::float8";
        where += " AND (" + c + ") IS NOT NULL";
    }
    cols += "]::float8[]";
    return "SELECT learnerscore.propensity_pass($1, " + cols + ") FROM " + relname + where;
}

void with_pass_queries(const std::vector<std::string>& queries, const char* what,
                       const std::function<void(const std::vector<ArrayPass>& passes)>& body) {
    std::vector<SPIPlanPtr> plans(queries.size(), nullptr);
    lspg::pg_call([&]() {
        SPI_connect();
        Oid types[1] = {FLOAT8ARRAYOID};
        for (std::size_t i = 0; i < queries.size(); ++i) {
            plans[i] = SPI_prepare_cursor(queries[i].c_str(), 1, types, CURSOR_OPT_PARALLEL_OK);
            if (!plans[i]) elog(ERROR, "%s: could not prepare the pass query", what);
        }
    });
    std::vector<ArrayPass> passes;
    for (SPIPlanPtr plan : plans)
        passes.push_back([plan, what](const std::vector<double>& params) {
            std::vector<double> out;
            lspg::pg_call([&]() {
                ArrayType* pa = new_float8_array(static_cast<int>(params.size()));
                std::copy(params.begin(), params.end(), state_data(pa));
                Datum v[1] = {PointerGetDatum(pa)};
                int rc = SPI_execute_plan(plan, v, nullptr, true, 0);
                if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "%s: a pass returned %d", what, rc);
                bool isnull;
                Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
                if (!isnull && SPI_gettypeid(SPI_tuptable->tupdesc, 1) == FLOAT8OID) {
                    out.push_back(DatumGetFloat8(d));
                } else if (!isnull) {
                    ArrayType* st = DatumGetArrayTypeP(d);
                    if (ARR_NDIM(st) == 1 && !ARR_HASNULL(st) && ARR_ELEMTYPE(st) == FLOAT8OID) {
                        const double* p = state_data(st);
                        out.assign(p, p + ARR_DIMS(st)[0]);
                    }
                }
                SPI_freetuptable(SPI_tuptable);
                pfree(pa);
            });
            return out;
        });
    body(passes);
    lspg::pg_call([&]() { SPI_finish(); });
}

void with_pass_runner(const std::string& query, const char* what,
                      const std::function<void(const lc::PassRunner& run, int* passes)>& body) {
    with_pass_queries({query}, what, [&](const std::vector<ArrayPass>& q) {
        lc::PassRunner run = [&](const std::vector<double>& params) {
            std::vector<double> out = q[0](params);
            // no rows (or '{}'): the state of an empty pass
            if (out.empty()) out = lc::pass_initial_state(params.data(), params.size());
            return out;
        };
        int passes = 0;
        body(run, &passes);
        lspg::pg_call([&]() { elog(DEBUG1, "%s: %d passes", what, passes); });
    });
}

bool auto_chooses_passes(unsigned int rel, int width) {
    bool passes = false;
    lspg::pg_call([&]() {
        SPI_connect();
        Datum arg[1] = {ObjectIdGetDatum(rel)};
        Oid types[1] = {OIDOID};
        // the catalog table exists only where Citus is installed: look it up first
        int rc = SPI_execute_with_args(
            "SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL,"
            "       (SELECT reltuples FROM pg_catalog.pg_class WHERE oid = $1)::float8",
            1, types, arg, nullptr, true, 1);
        if (rc == SPI_OK_SELECT && SPI_processed == 1) {
            bool null1, null2;
            const bool citus = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &null1));
            Datum tuples = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &null2);
            const double bytes = null2 ? 0 : DatumGetFloat8(tuples) * width * sizeof(double);
            passes = bytes > double(lspg::max_train_memory_bytes());
            if (citus && !passes) {
                rc = SPI_execute_with_args(
                    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid::oid = $1)", 1, types,
                    arg, nullptr, true, 1);
                if (rc == SPI_OK_SELECT && SPI_processed == 1)
                    passes = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &null1));
            }
        }
        SPI_finish();
    });
    return passes;
}

bool use_passes(unsigned int rel, int width) {
    const lspg::TableEstimator mode = lspg::table_estimator();
    if (mode != lspg::TableEstimator::Auto) return mode == lspg::TableEstimator::Passes;
    return auto_chooses_passes(rel, width);
}

}  // namespace lspg::causal
