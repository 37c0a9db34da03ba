#include "pg/base/boundary.h"
#include "pg/causal/pass_runner_pg.h"
#include "pg/causal/causal_pg_util.h"

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

void with_pass_runner(const std::string& query, const char* what,
                      const std::function<void(const lc::PassRunner& run, int* passes)>& body) {
    SPIPlanPtr plan = nullptr;
    lspg::pg_call([&]() {
        SPI_connect();
        Oid types[1] = {FLOAT8ARRAYOID};
        plan = SPI_prepare_cursor(query.c_str(), 1, types, CURSOR_OPT_PARALLEL_OK);
        if (!plan) elog(ERROR, "%s: could not prepare the pass query", what);
    });
    lc::PassRunner run = [&](const std::vector<double>& params) {
        std::vector<double> out;
        lspg::pg_call([&]() {
            ArrayType* pa = new_float8_array(static_cast<int>(params.size()));
            std::copy(params.begin(), params.end(), state_data(pa));
            Datum v[1] = {PointerGetDatum(pa)};
            int rc = SPI_execute_plan(plan, v, nullptr, true, 0);
            if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "%s: a pass returned %d", what, rc);
            bool isnull;
            Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
            if (!isnull) {
                ArrayType* st = DatumGetArrayTypeP(d);
                if (ARR_NDIM(st) == 1 && !ARR_HASNULL(st) && ARR_ELEMTYPE(st) == FLOAT8OID) {
                    const double* p = state_data(st);
                    out.assign(p, p + ARR_DIMS(st)[0]);
                }
            }
            SPI_freetuptable(SPI_tuptable);
            pfree(pa);
        });
        // no rows (or '{}'): the state of an empty pass
        if (out.empty()) out = lc::pass_initial_state(params.data(), params.size());
        return out;
    };
    int passes = 0;
    body(run, &passes);
    lspg::pg_call([&]() {
        SPI_finish();
        elog(DEBUG1, "%s: %d passes", what, passes);
    });
}

}  // namespace lspg::causal
