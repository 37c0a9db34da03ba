#include <optional>
#include <string>
#include <vector>

#include "pg/base/boundary.h"
#include "pg/features/features_reader.h"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace lspg {

using ls::features::Micros;

namespace {

constexpr long kBatch = 4096;

std::string qualified(const std::string& schema, const char* table) {
    const char* s = quote_identifier(schema.c_str());
    const char* t = quote_identifier(table);
    std::string out = std::string(s) + "." + t;
    return out;
}

}  // namespace

// A read-only SPI cursor fetched in batches; one row is "current".
class SpiCursor {
public:
    // `cutoff`, when given, is the query's $1 (timestamp).
    SpiCursor(const std::string& sql, std::optional<Micros> cutoff) {
        Oid types[1] = {TIMESTAMPOID};
        Datum values[1] = {TimestampGetDatum(cutoff.value_or(0))};
        const int nargs = cutoff ? 1 : 0;
        const char* q = sql.c_str();
        Portal p = nullptr;
        pg_call([&]() { p = SPI_cursor_open_with_args(nullptr, q, nargs, types, values, nullptr, true, 0); });
        portal_ = p;
    }
    bool valid() {
        if (pos_ < n_) return true;
        if (done_) return false;
        release_batch();
        SPITupleTable* tt = nullptr;
        uint64 n = 0;
        Portal p = portal_;
        pg_call([&]() {
            SPI_cursor_fetch(p, true, kBatch);
            tt = SPI_tuptable;
            n = SPI_processed;
        });
        tt_ = tt;
        n_ = n;
        pos_ = 0;
        if (n_ == 0) done_ = true;
        return n_ > 0;
    }
    void advance() { ++pos_; }
    bool null_at(int col) {
        bool isnull;
        SPI_getbinval(tt_->vals[pos_], tt_->tupdesc, col, &isnull);
        return isnull;
    }
    Datum datum(int col, bool& isnull) { return SPI_getbinval(tt_->vals[pos_], tt_->tupdesc, col, &isnull); }
    std::optional<int> int4(int col) {
        bool isnull;
        Datum d = datum(col, isnull);
        return isnull ? std::nullopt : std::optional<int>(DatumGetInt32(d));
    }
    std::optional<double> float8(int col) {
        bool isnull;
        Datum d = datum(col, isnull);
        return isnull ? std::nullopt : std::optional<double>(DatumGetFloat8(d));
    }
    std::optional<Micros> timestamp(int col) {
        bool isnull;
        Datum d = datum(col, isnull);
        if (isnull) return std::nullopt;
        Timestamp t = DatumGetTimestamp(d);
        if (TIMESTAMP_NOT_FINITE(t)) return std::nullopt;
        return static_cast<Micros>(t);
    }
    bool boolean(int col) {
        bool isnull;
        Datum d = datum(col, isnull);
        return !isnull && DatumGetBool(d);
    }
    std::optional<std::string> str(int col) {
        char* s = nullptr;
        bool isnull = false;
        HeapTuple tup = tt_->vals[pos_];
        TupleDesc desc = tt_->tupdesc;
        // Detoasting may allocate (and fail): keep it under pg_call.
        pg_call([&]() {
            Datum d = SPI_getbinval(tup, desc, col, &isnull);
            if (!isnull) s = TextDatumGetCString(d);
        });
        if (isnull) return std::nullopt;
        std::string out(s);
        pfree(s);
        return out;
    }
    void close() {
        release_batch();
        if (portal_) {
            Portal p = portal_;
            portal_ = nullptr;
            pg_call([&]() { SPI_cursor_close(p); });
        }
    }

private:
    void release_batch() {
        if (tt_) {
            SPITupleTable* tt = tt_;
            tt_ = nullptr;
            SPI_freetuptable(tt);
        }
        n_ = pos_ = 0;
    }
    Portal portal_ = nullptr;
    SPITupleTable* tt_ = nullptr;
    uint64 n_ = 0, pos_ = 0;
    bool done_ = false;
};

void check_learning_schema(const std::string& schema) {
    static const char* kTables[] = {"users", "users_age_timezone", "authorization", "schedule",
                                    "activity_history_viewed", "webinars_logs", "exercise_results",
                                    "users_logs", "activities_guide"};
    bool has_schema = false;
    std::string missing;
    const char* sch = schema.c_str();
    Oid types[1] = {TEXTOID};
    pg_call([&]() {
        Datum v[1] = {CStringGetTextDatum(sch)};
        SPI_execute_with_args("SELECT 1 FROM pg_namespace WHERE nspname = $1", 1, types, v, nullptr, true, 1);
        has_schema = SPI_processed > 0;
    });
    if (!has_schema) {
        throw ls::ForeignError(ERRCODE_INVALID_SCHEMA_NAME, "schema \"" + schema + "\" does not exist", "",
                               "Create it with CALL learnerscore.create_learning_schema('" + schema +
                                   "') and load data into it.");
    }
    for (const char* t : kTables) {
        bool exists = false;
        std::string name = qualified(schema, t);
        const char* n = name.c_str();
        pg_call([&]() {
            Datum v[1] = {CStringGetTextDatum(n)};
            SPI_execute_with_args("SELECT to_regclass($1) IS NOT NULL", 1, types, v, nullptr, true, 1);
            bool isnull;
            exists = SPI_processed == 1 &&
                     DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
        });
        if (!exists) missing += (missing.empty() ? "" : ", ") + name;
    }
    if (!missing.empty()) {
        throw ls::ForeignError(ERRCODE_UNDEFINED_TABLE,
                               "learning schema \"" + schema + "\" lacks table(s): " + missing, "",
                               "CALL learnerscore.create_learning_schema('" + schema + "') creates them.");
    }
}

namespace {

// Every row of `sql` (no parameters), each made by `make(cursor)`.
template <class Row, class Make>
std::vector<Row> read_all(const std::string& sql, Make make) {
    std::vector<Row> out;
    SpiCursor c(sql, std::nullopt);
    for (; c.valid(); c.advance()) out.push_back(make(c));
    c.close();
    return out;
}

}  // namespace

ls::features::CourseCatalog read_course_catalog(const std::string& schema) {
    namespace f = ls::features;
    // flows (int; round() keeps any numeric type) as learner_flows reads flow
    // numbers: NULL = 1; a row with a flow no learner can have is left out.
    const std::string flow =
        "CASE WHEN flows IS NULL THEN 1 WHEN flows >= 0 AND flows < 1000000 THEN round(flows)::int END";
    auto schedule = read_all<f::ScheduleRow>(
        "SELECT course_id, type = 'активность', task_id, activity_id, activity_type, "
        "coalesce(is_attestation, 0), date_shown, " +
            flow + " FROM " + qualified(schema, "schedule") + " WHERE course_id IS NOT NULL AND " + flow +
            " IS NOT NULL",
        [](SpiCursor& c) {
            f::ScheduleRow r{*c.int4(1), c.boolean(2), c.int4(3),     c.int4(4),
                             c.str(5),   *c.int4(6),   c.timestamp(7)};
            r.flow = *c.int4(8);
            return r;
        });
    auto guide = read_all<f::GuideRow>(
        "SELECT activity_id, module, theme_id, task_id, activity_type, coalesce(obyaz_priznak, 0) FROM " +
            qualified(schema, "activities_guide") + " WHERE activity_id IS NOT NULL",
        [](SpiCursor& c) { return f::GuideRow{*c.int4(1), c.int4(2), c.int4(3), c.int4(4), c.str(5), *c.int4(6)}; });
    return f::CourseCatalog::build(schedule, guide);
}

LearnerStream::LearnerStream(const std::string& schema, Micros cutoff) {
    users_ = std::make_unique<SpiCursor>(
        "SELECT u.user_id, u.unti_id, u.course_id, u.flow_num::float8, u.tg_bot, u.m2_progress, u.m2_attestation, "
        "u.m2_attestation_date, t.time_zone, t.age FROM " + qualified(schema, "users") + " u LEFT JOIN " +
            qualified(schema, "users_age_timezone") +
            " t ON t.user_id = u.user_id WHERE u.user_id IS NOT NULL AND $1 IS NOT NULL ORDER BY u.user_id",
        cutoff);
    const std::string when = " < $1 AND user_id IS NOT NULL";
    auth_ = std::make_unique<SpiCursor>("SELECT user_id, created_at FROM " + qualified(schema, "authorization") +
                                            " WHERE created_at" + when + " ORDER BY user_id",
                                        cutoff);
    views_ = std::make_unique<SpiCursor>(
        "SELECT user_id, created_at, page_type = 'активность' AND page_id IS NOT NULL, coalesce(page_id, 0) FROM " +
            qualified(schema, "activity_history_viewed") + " WHERE created_at" + when + " ORDER BY user_id",
        cutoff);
    results_ = std::make_unique<SpiCursor>(
        "SELECT user_id, created_at, activity_id, result, coalesce(success, 0) FROM " +
            qualified(schema, "exercise_results") + " WHERE created_at" + when + " ORDER BY user_id",
        cutoff);
    webinars_ = std::make_unique<SpiCursor>(
        "SELECT user_id, datetime, CASE btrim(event_name) WHEN 'Подключение' THEN 0 WHEN 'Отключение' THEN 1 "
        "ELSE 2 END, coalesce(webinar_id, -1), coalesce(btrim(conn_format) = 'онлайн', false) FROM " +
            qualified(schema, "webinars_logs") + " WHERE datetime" + when + " ORDER BY user_id",
        cutoff);
    tags_ = std::make_unique<SpiCursor>("SELECT user_id, created_at, comment FROM " + qualified(schema, "users_logs") +
                                            " WHERE comment IS NOT NULL AND created_at" + when + " ORDER BY user_id",
                                        cutoff);
}

LearnerStream::~LearnerStream() = default;

namespace {

// Calls `take` for every row of `c` with this user_id; skips rows of lower
// ids (events of learners absent from `users`).
template <class Take>
void merge(SpiCursor& c, int user_id, Take take) {
    while (c.valid()) {
        int uid = *c.int4(1);
        if (uid > user_id) break;
        if (uid == user_id) take(c);
        c.advance();
    }
}

}  // namespace

bool LearnerStream::next(ls::features::Learner& l, ls::features::LearnerEvents& ev) {
    namespace f = ls::features;
    if (!users_->valid()) return false;
    SpiCursor& u = *users_;
    l = f::Learner{};
    l.user_id = *u.int4(1);
    l.unti_id = u.int4(2);
    l.course_id = u.int4(3);
    l.flow_num = u.float8(4);
    l.tg_bot = u.int4(5);
    l.m2_progress = u.int4(6);
    l.m2_attestation = u.int4(7);
    l.m2_attestation_date = u.timestamp(8);
    if (auto tz = u.str(9)) l.time_zone = f::parse_time_zone(*tz);
    l.age = u.int4(10);
    u.advance();

    ev.clear();
    const int id = l.user_id;
    merge(*auth_, id, [&](SpiCursor& c) {
        if (auto t = c.timestamp(2)) ev.auth.push_back(*t);
    });
    merge(*views_, id, [&](SpiCursor& c) {
        if (auto t = c.timestamp(2)) ev.views.push_back({*t, c.boolean(3), *c.int4(4)});
    });
    merge(*results_, id, [&](SpiCursor& c) {
        auto t = c.timestamp(2);
        auto a = c.int4(3);
        if (t && a) ev.results.push_back({*t, *a, c.int4(4), *c.int4(5)});
    });
    merge(*webinars_, id, [&](SpiCursor& c) {
        if (auto t = c.timestamp(2))
            ev.webinars.push_back({*t, static_cast<f::WebinarKind>(*c.int4(3)), *c.int4(4), c.boolean(5)});
    });
    merge(*tags_, id, [&](SpiCursor& c) {
        auto t = c.timestamp(2);
        if (t) ev.tags.push_back({*t, *c.str(3)});
    });
    return true;
}

void LearnerStream::close() {
    for (auto* c : {users_.get(), auth_.get(), views_.get(), results_.get(), webinars_.get(), tags_.get()})
        if (c) c->close();
}

}  // namespace lspg
