// balance_from_table(relation, treatment, covariates, trim_level) and
// overlap_from_table(relation, treatment, covariates): the diagnostics of the
// aggregates balance() and propensity_overlap() computed as passes over a
// table (pass_runner_pg.h): no rows kept, every pass a parallel (or Citus)
// aggregate, the same figures to 1e-9.
#include <string>
#include <vector>

#include "core/causal/propensity_passes.h"
#include "pg/base/boundary.h"
#include "pg/causal/causal_pg_util.h"
#include "pg/causal/pass_runner_pg.h"

extern "C" {
#include "utils/builtins.h"
#include "utils/regproc.h"

PG_FUNCTION_INFO_V1(ls_balance_from_table);
PG_FUNCTION_INFO_V1(ls_overlap_from_table);
}

namespace lc = ls::causal;

namespace {

// The relation's name and the covariate names (NULL names are an error).
struct TableArgs {
    char* relname = nullptr;
    std::string treatment;
    std::vector<std::string> covariates;
};

TableArgs table_args(FunctionCallInfo fcinfo) {
    TableArgs a;
    lspg::pg_call([&]() {
        a.relname = DatumGetCString(DirectFunctionCall1(regclassout, PG_GETARG_DATUM(0)));
        Datum* d;
        bool* nulls;
        int n;
        deconstruct_array(PG_GETARG_ARRAYTYPE_P(2), TEXTOID, -1, false, TYPALIGN_INT, &d, &nulls, &n);
        for (int i = 0; i < n; ++i) {
            if (nulls[i]) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("covariate names must not be NULL")));
            a.covariates.push_back(TextDatumGetCString(d[i]));
        }
        a.treatment = TextDatumGetCString(PG_GETARG_DATUM(1));
    });
    return a;
}

}  // namespace

Datum ls_balance_from_table(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        const double trim = PG_GETARG_FLOAT8(3);
        lc::check_trim(trim, "balance_from_table");
        TableArgs a = table_args(fcinfo);
        std::vector<lc::BalanceRow> rows;
        lspg::causal::with_pass_runner(lspg::causal::pass_query(a.relname, "", a.treatment, a.covariates),
                                       "balance_from_table", [&](const lc::PassRunner& run, int* passes) {
                                           rows = lc::balance_by_passes(a.covariates.size(), trim, run, passes);
                                       });
        if (rows.empty()) {
            lspg::causal::warn("balance_from_table: no rows");
            PG_RETURN_NULL();
        }
        return lspg::causal::balance_datum(fcinfo, rows);
    });
}

Datum ls_overlap_from_table(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        TableArgs a = table_args(fcinfo);
        lc::Overlap o;
        lspg::causal::with_pass_runner(lspg::causal::pass_query(a.relname, "", a.treatment, a.covariates),
                                       "overlap_from_table", [&](const lc::PassRunner& run, int* passes) {
                                           o = lc::overlap_by_passes(a.covariates.size(), run, passes);
                                       });
        return lspg::causal::overlap_datum(fcinfo, o, "overlap_from_table");
    });
}
