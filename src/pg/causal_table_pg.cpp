// ate_from_table(relation, outcome, treatment, covariates text[], method,
// trim, alpha): reads the named columns straight into one contiguous C++
// buffer through an SPI cursor (no per-row array is built) and runs the same
// core estimators as the aggregates. Rows with a NULL in any used column are
// skipped; identifiers are quoted, so column names cannot inject SQL.
#include <cmath>
#include <string>
#include <vector>

#include "core/causal_propensity.h"
#include "pg/causal_pg_util.h"

extern "C" {
#include "access/htup_details.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/regproc.h"

PG_FUNCTION_INFO_V1(ls_ate_from_table);
}

namespace lc = ls::causal;

Datum ls_ate_from_table(PG_FUNCTION_ARGS) {
    Oid rel = PG_GETARG_OID(0);
    char* relname = nullptr;
    relname = DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(rel)));
    text* outcome = PG_GETARG_TEXT_PP(1);
    text* treatment = PG_GETARG_TEXT_PP(2);
    ArrayType* covs = PG_GETARG_ARRAYTYPE_P(3);
    Datum* cov_datums;
    bool* cov_nulls;
    int ncov;
    deconstruct_array(covs, TEXTOID, -1, false, TYPALIGN_INT, &cov_datums, &cov_nulls, &ncov);
    for (int i = 0; i < ncov; ++i)
        if (cov_nulls[i]) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("covariate names must not be NULL")));
    text* method_t = PG_GETARG_TEXT_PP(4);
    double trim = PG_GETARG_FLOAT8(5), alpha = PG_GETARG_FLOAT8(6);
    return lspg::guarded([&]() -> Datum {
        std::string method = lspg::text_to_string(method_t);
        std::string sql = "SELECT (" + std::string(quote_identifier(lspg::text_to_string(outcome).c_str())) +
                          ")::float8, ((" + quote_identifier(lspg::text_to_string(treatment).c_str()) + ")::int <> 0)";
        for (int i = 0; i < ncov; ++i)
            sql += ", (" + std::string(quote_identifier(lspg::text_to_string(DatumGetTextPP(cov_datums[i])).c_str())) +
                   ")::float8";
        sql += " FROM " + std::string(relname);
        const std::size_t w = static_cast<std::size_t>(ncov) + 2;
        std::vector<double> data, row(w);
        std::vector<char> nulls_buf(w);
        lc::PropensityOptions o;
        o.trim = trim;
        o.alpha = alpha;
        lc::check_alpha(alpha);
        lspg::pg_call([&]() { SPI_connect(); });
        Portal portal = nullptr;
        const char* q = sql.c_str();
        lspg::pg_call([&]() {
            SPIPlanPtr plan = SPI_prepare(q, 0, nullptr);
            if (!plan) elog(ERROR, "ate_from_table: could not prepare the column query");
            portal = SPI_cursor_open(nullptr, plan, nullptr, nullptr, true);
        });
        ls::InterruptTicker ticker(1);
        for (;;) {
            lspg::pg_call([&]() { SPI_cursor_fetch(portal, true, 20000); });
            uint64 got = SPI_processed;
            if (got == 0) break;
            ticker.tick();
            SPITupleTable* tt = SPI_tuptable;
            data.reserve(data.size() + got * w);
            std::vector<Datum> vals(w);
            bool* nulls = reinterpret_cast<bool*>(nulls_buf.data());
            for (uint64 r = 0; r < got; ++r) {
                heap_deform_tuple(tt->vals[r], tt->tupdesc, vals.data(), nulls);  // all columns in one pass
                bool skip = false;
                for (std::size_t c = 0; c < w; ++c) {
                    if (nulls[c]) {
                        skip = true;
                        break;
                    }
                    row[c] = c == 1 ? (DatumGetBool(vals[c]) ? 1.0 : 0.0) : DatumGetFloat8(vals[c]);
                    if (!std::isfinite(row[c]))
                        ls::fail(ls::ErrorKind::InvalidParameter, "ate_from_table: a NaN or infinite value in the data",
                                 "Filter such rows out (NULL rows are skipped).");
                }
                if (skip) continue;
                data.insert(data.end(), row.begin(), row.end());
            }
            lspg::pg_call([&]() { SPI_freetuptable(tt); });
        }
        lspg::pg_call([&]() {
            SPI_cursor_close(portal);
            SPI_finish();
        });
        lc::RowView v{data.data(), data.size() / w, static_cast<std::size_t>(ncov)};
        if (v.n == 0) {
            lspg::causal::warn("ate_from_table: no rows");
            PG_RETURN_NULL();
        }
        return lspg::causal::effect_datum(fcinfo, lc::estimate_rows(v, method, o));
    });
}
