// SQL entry points of the feature engine: learnerscore.learner_daily (the 39
// columns), learnerscore.learner_activity (status and course position) and the
// internal learnerscore._learner_daily_all (both, for the refresh procedure).
// Materialize-mode SRFs: rows go to a tuplestore that spills to disk past
// work_mem, and the input is read learner by learner (features_reader.h).
#include <cstdint>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/features/feature_engine.h"
#include "core/base/interrupt.h"
#include "pg/base/boundary.h"
#include "pg/features/features_reader.h"

extern "C" {
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(ls_learner_daily);
PG_FUNCTION_INFO_V1(ls_learner_activity);
PG_FUNCTION_INFO_V1(ls_learner_daily_all);
}

namespace {

namespace f = ls::features;

enum class Shape { Features, Activity, All };

constexpr int kFeatureCols = static_cast<int>(f::kDailyColumnCount);
constexpr int kActivityCols = 8;
constexpr int kAllCols = kFeatureCols + 5;
constexpr std::size_t kMaxDates = 100000;

struct Args {
    std::string schema;
    DateADT from = 0, to = 0;
    int step_days = 1;
    f::StatusThresholds thresholds;
};

const char* kArgNames[] = {"schema", "from_date", "to_date", "step", "falling_asleep_days", "asleep_days"};

// Reads and validates the arguments. Called first, before any SPI work.
Args read_args(FunctionCallInfo fcinfo, int nargs) {
    for (int i = 0; i < nargs; ++i) {
        if (PG_ARGISNULL(i))
            ls::fail(ls::ErrorKind::InvalidParameter, std::string(kArgNames[i]) + " must not be NULL");
    }
    Args a;
    text* schema = nullptr;
    lspg::pg_call([&]() { schema = PG_GETARG_TEXT_PP(0); });
    a.schema = lspg::text_to_string(schema);
    if (a.schema.empty()) ls::fail(ls::ErrorKind::InvalidParameter, "schema must not be empty");
    a.from = PG_GETARG_DATEADT(1);
    a.to = PG_GETARG_DATEADT(2);
    if (DATE_NOT_FINITE(a.from) || DATE_NOT_FINITE(a.to))
        ls::fail(ls::ErrorKind::InvalidParameter, "from_date and to_date must be finite dates");
    if (a.from > a.to)
        ls::fail(ls::ErrorKind::InvalidParameter, "from_date must not be after to_date",
                 "Swap the dates, or use to_date >= from_date.");
    const Interval* step = PG_GETARG_INTERVAL_P(3);
    if (step->month != 0 || step->time != 0 || step->day <= 0)
        ls::fail(ls::ErrorKind::InvalidParameter, "step must be a positive whole number of days",
                 "Use e.g. '1 day' or '7 days'.");
    a.step_days = step->day;
    if (nargs >= 6) {
        a.thresholds.falling_asleep_days = PG_GETARG_INT32(4);
        a.thresholds.asleep_days = PG_GETARG_INT32(5);
    }
    a.thresholds.validate();
    return a;
}

inline Datum opt_int(const std::optional<int>& v, bool& null) {
    null = !v;
    return Int32GetDatum(v.value_or(0));
}
inline Datum opt_float(const std::optional<double>& v, bool& null) {
    null = !v;
    return Float8GetDatum(v.value_or(0));
}

// One Datum maker per column kind of core/features/daily_columns.h.
inline Datum datum_Int(int v, bool& null) {
    null = false;
    return Int32GetDatum(v);
}
inline Datum datum_OptInt(const std::optional<int>& v, bool& null) { return opt_int(v, null); }
inline Datum datum_Float(double v, bool& null) {
    null = false;
    return Float8GetDatum(v);
}
inline Datum datum_OptFloat(const std::optional<double>& v, bool& null) { return opt_float(v, null); }
inline Datum datum_BigInt(std::int64_t v, bool& null) {
    null = false;
    return Int64GetDatum(v);
}
inline Datum datum_Date(f::Day v, bool& null) {
    null = false;
    return DateADTGetDatum(v);
}

// Fills the 39 feature columns in the order of daily_columns.h; returns the next free column.
int put_features(const f::DailyRow& r, Datum* v, bool* n) {
    int i = 0;
#define LS_PUT_COLUMN(name, kind, weekly) \
    v[i] = datum_##kind(r.name, n[i]);    \
    ++i;
    LS_DAILY_COLUMNS(LS_PUT_COLUMN)
#undef LS_PUT_COLUMN
    return i;
}

// Status columns: last_activity_at, days_inactive, status (text, palloc'd in
// the current context), theme_id, task_id.
int put_status_tail(const f::DailyRow& r, Datum* v, bool* n, int i) {
    n[i] = !r.last_activity_at;
    v[i++] = TimestampGetDatum(r.last_activity_at.value_or(0));
    v[i] = opt_int(r.days_inactive, n[i]);
    ++i;
    const char* s = f::status_name(r.status);
    n[i] = s == nullptr;
    v[i++] = s ? PointerGetDatum(cstring_to_text(s)) : Datum(0);
    v[i] = opt_int(r.theme_id, n[i]);
    ++i;
    v[i] = opt_int(r.task_id, n[i]);
    ++i;
    return i;
}

void put_activity(const f::DailyRow& r, Datum* v, bool* n) {
    bool nn[5];
    Datum tail[5];
    put_status_tail(r, tail, nn, 0);
    v[0] = Int32GetDatum(r.user_id);
    n[0] = false;
    v[1] = DateADTGetDatum(r.cur_date);
    n[1] = false;
    v[2] = tail[0];
    n[2] = nn[0];
    v[3] = tail[1];
    n[3] = nn[1];
    v[4] = tail[2];
    n[4] = nn[2];
    v[5] = opt_int(r.module, n[5]);
    v[6] = tail[3];
    n[6] = nn[3];
    v[7] = tail[4];
    n[7] = nn[4];
}

Datum run_srf(FunctionCallInfo fcinfo, Shape shape, int nargs) {
    Args args = read_args(fcinfo, nargs);
    std::vector<f::Day> dates = f::date_range(args.from, args.to, args.step_days);
    if (dates.size() > kMaxDates)
        ls::fail(ls::ErrorKind::ProgramLimitExceeded, "too many dates: at most 100000 per call");
    const int expected_cols = shape == Shape::Features ? kFeatureCols : shape == Shape::Activity ? kActivityCols : kAllCols;

    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    MemoryContext rowcxt = nullptr;
    lspg::pg_call([&]() {
        InitMaterializedSRF(fcinfo, 0);
        if (rsinfo->setDesc->natts != expected_cols)
            elog(ERROR, "learnerscore: result type has %d columns, expected %d", rsinfo->setDesc->natts,
                 expected_cols);
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "learnerscore: SPI_connect failed");
        rowcxt = AllocSetContextCreate(CurrentMemoryContext, "learnerscore learner rows", ALLOCSET_DEFAULT_SIZES);
    });

    lspg::check_learning_schema(args.schema);
    f::CourseCatalog catalog = lspg::read_course_catalog(args.schema);
    f::FeatureEngine engine(catalog, args.thresholds);
    const f::Micros cutoff = (static_cast<f::Micros>(dates.back()) + 1) * f::kMicrosPerDay;
    lspg::LearnerStream stream(args.schema, cutoff);

    f::Learner learner;
    f::LearnerEvents events;
    std::vector<f::DailyRow> rows;
    rows.reserve(dates.size());
    Tuplestorestate* store = rsinfo->setResult;
    TupleDesc desc = rsinfo->setDesc;
    while (stream.next(learner, events)) {
        ls::check_interrupts();
        rows.clear();
        engine.compute(learner, events, dates, rows);
        const f::DailyRow* data = rows.data();
        const std::size_t count = rows.size();
        lspg::pg_call([&]() {
            Datum values[kAllCols];
            bool nulls[kAllCols];
            MemoryContext old = MemoryContextSwitchTo(rowcxt);
            for (std::size_t k = 0; k < count; ++k) {
                const f::DailyRow& r = data[k];
                if (shape == Shape::Activity) {
                    put_activity(r, values, nulls);
                } else {
                    int next = put_features(r, values, nulls);
                    if (shape == Shape::All) put_status_tail(r, values, nulls, next);
                }
                tuplestore_putvalues(store, desc, values, nulls);
            }
            MemoryContextSwitchTo(old);
            MemoryContextReset(rowcxt);
        });
    }
    stream.close();
    lspg::pg_call([&]() { SPI_finish(); });
    return Datum(0);
}

}  // namespace

Datum ls_learner_daily(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return run_srf(fcinfo, Shape::Features, 4); });
}

Datum ls_learner_activity(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return run_srf(fcinfo, Shape::Activity, 6); });
}

Datum ls_learner_daily_all(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return run_srf(fcinfo, Shape::All, 6); });
}
