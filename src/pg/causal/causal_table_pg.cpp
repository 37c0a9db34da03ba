// ate_from_table(relation, outcome, treatment, covariates text[], method,
// trim, alpha): runs one SELECT of the named columns through SPI with its own
// DestReceiver, which copies each tuple's values straight into one contiguous
// row-major float8 buffer (no tuple table, no per-row array), then runs the
// same core estimators as the aggregates on that buffer.
//
// Why materialize instead of streaming: the logistic propensity fit needs
// several Newton passes over the rows (6-8 on typical data) and AIPW one more;
// re-scanning the table per pass costs a full scan each, while the buffer costs
// 8 bytes per value (1,000,000 rows x 20 covariates = 176 MB). The buffer is
// a reserved mapping of kMaxBytes with huge pages (map_row_region: pages are
// only allocated as rows arrive; falls back to palloc + doubling), capped at
// kMaxBytes: past it, a clear error.
//
// Rows with a NULL in any used column are skipped; identifiers are quoted, so
// column names cannot inject SQL.
//
// The other way to run ipw and aipw (learnerscore.table_estimator = passes, or
// auto for a Citus distributed table or rows past learnerscore.max_train_memory):
// no buffer, but one aggregate query per pass (standardization, each Newton
// iteration, the kept rows, the variance), each a parallel-safe mergeable
// state (learnerscore.propensity_pass, propensity_pass_pg.cpp) that runs as
// Partial Aggregate on parallel workers and on Citus workers. Same answer to 1e-9.
#include <cmath>
#include <string>
#include <vector>

#include "core/causal/causal_propensity.h"
#include "core/causal/propensity_passes.h"
#include "pg/base/settings.h"
#include "pg/causal/causal_pg_util.h"
#include "pg/causal/pass_runner_pg.h"

extern "C" {
#include "access/htup_details.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "tcop/dest.h"
#include "utils/builtins.h"
#include "utils/regproc.h"

PG_FUNCTION_INFO_V1(ls_ate_from_table);
}

namespace lc = ls::causal;

namespace {

// Row data held in memory at most (documented in COMMENT ON and the docs).
constexpr Size kMaxBytes = Size(4) << 30;  // 4 GB

// Plain C data: the callbacks run inside the executor and may ereport().
struct ColumnReceiver {
    DestReceiver pub;  // must be first
    MemoryContext cxt;
    double* buf;
    Size rows, cap;  // in rows
    int w;           // outcome, treated, covariates
    bool mapped;     // buf is a map_row_region() reservation of kMaxBytes
};

extern "C" bool column_receive(TupleTableSlot* slot, DestReceiver* self) {
    ColumnReceiver* r = reinterpret_cast<ColumnReceiver*>(self);
    slot_getallattrs(slot);
    const int w = r->w;
    for (int c = 0; c < w; ++c)
        if (slot->tts_isnull[c]) return true;  // a NULL in a used column: skip the row
    if (r->rows == r->cap) {
        Size cap = r->mapped ? r->cap : r->cap * 2;
        if (cap * w * sizeof(double) > kMaxBytes) cap = kMaxBytes / (w * sizeof(double));
        if (cap <= r->rows)
            ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                            errmsg("ate_from_table: more than 4 GB of row data (%zu rows of %d values)", r->rows, w),
                            errhint("Estimate per group, on a sample, or with fewer covariates.")));
        r->buf = static_cast<double*>(repalloc_huge(r->buf, cap * w * sizeof(double)));
        r->cap = cap;
    }
    double* row = r->buf + r->rows * w;
    for (int c = 0; c < w; ++c) {
        double v = c == 1 ? (DatumGetBool(slot->tts_values[c]) ? 1.0 : 0.0) : DatumGetFloat8(slot->tts_values[c]);
        if (!std::isfinite(v))
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("ate_from_table: a NaN or infinite value in the data"),
                            errhint("Filter such rows out (NULL rows are skipped).")));
        row[c] = v;
    }
    r->rows += 1;
    if ((r->rows & 0xFFFF) == 0) CHECK_FOR_INTERRUPTS();
    return true;
}

extern "C" void column_startup(DestReceiver*, int, TupleDesc) {}
extern "C" void column_shutdown(DestReceiver*) {}
extern "C" void column_destroy(DestReceiver*) {}

}  // namespace

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
        const std::string y = lspg::text_to_string(outcome), t = lspg::text_to_string(treatment);
        std::vector<std::string> names;
        for (int i = 0; i < ncov; ++i) names.push_back(lspg::text_to_string(DatumGetTextPP(cov_datums[i])));
        lc::PropensityOptions o;
        o.trim = trim;
        o.alpha = alpha;
        lc::check_alpha(alpha);
        // Validate the method before reading a single row.
        if (method != "diff" && method != "regression" && method != "ipw" && method != "aipw")
            lc::estimate_rows(lc::RowView{}, method, o);
        if ((method == "ipw" || method == "aipw") && lspg::causal::use_passes(rel, ncov + 2)) {
            lc::Effect e;
            lspg::causal::with_pass_runner(lspg::causal::pass_query(relname, y, t, names), "ate_from_table",
                                           [&](const lc::PassRunner& run, int* passes) {
                                               e = lc::estimate_by_passes(method, names.size(), o, run, passes);
                                           });
            if (!e.valid && e.warning == "ate_from_table: no rows") {
                lspg::causal::warn(e.warning);
                PG_RETURN_NULL();
            }
            return lspg::causal::effect_datum(fcinfo, e);
        }

        std::string sql = "SELECT (" + std::string(quote_identifier(y.c_str())) + ")::float8, ((" +
                          quote_identifier(t.c_str()) + ")::int <> 0)";
        for (const std::string& c : names) sql += ", (" + std::string(quote_identifier(c.c_str())) + ")::float8";
        sql += " FROM " + std::string(relname);
        ColumnReceiver recv{};
        recv.pub.receiveSlot = column_receive;
        recv.pub.rStartup = column_startup;
        recv.pub.rShutdown = column_shutdown;
        recv.pub.rDestroy = column_destroy;
        recv.pub.mydest = DestNone;
        recv.w = ncov + 2;
        recv.cap = 65536;
        const char* q = sql.c_str();
        // The buffer lives in a child of the function's context, which outlives SPI_finish.
        lspg::pg_call([&]() {
            recv.cxt = AllocSetContextCreate(CurrentMemoryContext, "ate_from_table rows", ALLOCSET_DEFAULT_SIZES);
            recv.buf = static_cast<double*>(lspg::causal::map_row_region(kMaxBytes, recv.cxt));
            if (recv.buf) {
                recv.mapped = true;
                recv.cap = kMaxBytes / (recv.w * sizeof(double));
            } else {
                recv.buf = static_cast<double*>(MemoryContextAllocHuge(recv.cxt, recv.cap * recv.w * sizeof(double)));
            }
            SPI_connect();
            SPIPlanPtr plan = SPI_prepare(q, 0, nullptr);
            if (!plan) elog(ERROR, "ate_from_table: could not prepare the column query");
            SPIExecuteOptions opts;
            memset(&opts, 0, sizeof(opts));
            opts.read_only = true;
            opts.dest = &recv.pub;
            int rc = SPI_execute_plan_extended(plan, &opts);
            // with a caller DestReceiver a SELECT reports SPI_OK_UTILITY
            if (rc != SPI_OK_SELECT && rc != SPI_OK_UTILITY) elog(ERROR, "ate_from_table: SPI_execute_plan_extended returned %d", rc);
            SPI_finish();
        });
        lc::RowView v{recv.buf, recv.rows, static_cast<std::size_t>(ncov)};
        if (v.n == 0) {
            lspg::causal::warn("ate_from_table: no rows");
            PG_RETURN_NULL();
        }
        Datum d = lspg::causal::effect_datum(fcinfo, lc::estimate_rows(v, method, o));
        MemoryContext cxt = recv.cxt;
        lspg::pg_call([&]() { MemoryContextDelete(cxt); });
        return d;
    });
}
