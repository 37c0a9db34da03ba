#include "pg/models/models_reader.h"

#include <cctype>
#include <algorithm>
#include <cmath>
#include <memory>
#include <new>
#include <set>
#include <string_view>

#include "core/base/error.h"
#include "core/base/huge_pages.h"
#include "core/base/interrupt.h"
#include "pg/base/boundary.h"
#include "pg/base/settings.h"
#include "pg/base/value_conv.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "tcop/dest.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
}

namespace lspg {

namespace {

using ls::ErrorKind;
using ls::fail;

constexpr int kBatch = 4096;

// format_type_be() of a type OID, as a std::string.
struct ScopedTypeName {
    std::string name;
    explicit ScopedTypeName(unsigned int oid);
};

// Plain data shared between the C callbacks (which may be longjmp'd over)
// and the C++ side. Holds no object with a destructor.
struct ReceiverPod {
    DestReceiver pub;          // must be first
    int natts;
    Oid types[1700];
    ValueConv conv[1700];
    bool nulls[1700];
    double nums[1700];         // phase 1 output: numeric value
    const char* str[1700];     // phase 1 output: text bytes
    int len[1700];
    MemoryContext rowcxt;      // reset every kBatch rows
    long rows_seen;
    void* state;               // ReaderState*
    bool failed;               // a C++ error was captured; stop the scan
};

struct ReaderState {
    const SourceSpec* spec;
    ls::models::Dataset* data;
    long long skipped = 0;
    bool validated = false;
    ErrorSlot error;  // C++ error captured in receiveSlot
    ls::InterruptTicker ticker{kBatch};
    std::size_t capacity = 0;  // rows expected (planner estimate), 0 = unknown
};

bool is_query(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size() && (std::isspace(static_cast<unsigned char>(s[i])) || s[i] == '(')) ++i;
    std::string word;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i])))
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i++])));
    return word == "select" || word == "with" || word == "values" || word == "table";
}

// The memory bound, checked once per batch for the buffers as they will be
// after the next batch (growth included) plus what training will add.
void check_memory(const ReaderState& st, std::size_t more) {
    const ls::models::Dataset& d = *st.data;
    const std::size_t extra = st.spec->extra_bytes ? st.spec->extra_bytes(d, d.rows() + more) : 0;
    check_train_memory(d.held_bytes(more) + extra, st.spec->memory_what);
}

// Buffers for `cap` rows, sized once from the planner's estimate. With only
// numeric features, one block laid out as the column-major design matrix
// (a column of ones, then the features), so training reads it in place.
// Not when that estimate is over the memory bound: it may be stale, and the
// per-batch checks stop a source that really is too large.
void allocate_columns(const ReaderState& st, ls::models::Dataset& data, std::size_t cap, bool all_numeric) {
    std::size_t per_row = sizeof(double);
    for (const auto& c : data.features) per_row += c.categorical ? sizeof(std::int32_t) : sizeof(double);
    const std::size_t extra = st.spec->extra_bytes ? st.spec->extra_bytes(data, cap) : 0;
    if (cap * per_row + sizeof(double) * cap + extra > max_train_memory_bytes()) return;
    try {
        data.y.reserve(cap);
    } catch (const std::bad_alloc&) {
        return;  // a stale, much too large estimate: grow as the rows come instead
    }
    ls::advise_huge_pages_capacity(data.y);
    if (!all_numeric) {
        for (auto& c : data.features) {  // text columns: codes grow as read
            if (c.categorical) continue;
            try {
                c.num.reserve(cap);
            } catch (const std::bad_alloc&) {
                return;
            }
            ls::advise_huge_pages(c.num.data(), cap * sizeof(double));
        }
        return;
    }
    const std::size_t width = data.features.size() + 1;
    std::shared_ptr<double[]> block(new (std::nothrow) double[width * cap]);
    if (!block) return;  // too large (a stale estimate?): columns grow as the rows come
    ls::advise_huge_pages(block.get(), width * cap * sizeof(double));
    for (std::size_t j = 0; j < data.features.size(); ++j)
        data.features[j].num.use_block(block, block.get() + (j + 1) * cap, cap);
    data.block = std::move(block);
    data.block_stride = cap;
}

// Type checks, run once (in C++, may throw).
void validate(ReaderState& st, const ReceiverPod& pod) {
    const SourceSpec& spec = *st.spec;
    const int nf = static_cast<int>(spec.features.size());
    for (int j = 0; j < pod.natts; ++j) {
        bool is_target = j == nf;
        const std::string& name = is_target ? spec.target : spec.features[j];
        if (pod.conv[j] == ValueConv::Unsupported) {
            ScopedTypeName tn(pod.types[j]);
            fail(ErrorKind::FeatureNotSupported,
                 std::string(is_target ? "target" : "feature") + " \"" + name + "\" has type " + tn.name +
                     ", which a model cannot use",
                 "Cast it to a number (or, for a feature, to text) in the source query.");
        }
        if (is_target && is_text(pod.conv[j]))
            fail(ErrorKind::InvalidParameter, "target \"" + name + "\" is not numeric (type " + ScopedTypeName(pod.types[j]).name + ")",
                 "A target must be numeric or boolean; for a text label use a query such as (label = 'Dropout')::int.");
    }
    auto& feats = st.data->features;
    bool all_numeric = true;
    for (int j = 0; j < nf; ++j) {
        feats[j].categorical = is_text(pod.conv[j]);
        all_numeric = all_numeric && !feats[j].categorical;
    }
    if (st.capacity > 0) allocate_columns(st, *st.data, st.capacity, all_numeric);
    st.data->numeric_null = false;  // until a NULL is read
    st.validated = true;
}

// Phase 2 of a row (C++; may throw): append the values captured by phase 1.
void append_row(ReaderState& st, const ReceiverPod& pod) {
    if (!st.validated) validate(st, pod);
    if (st.data->rows() % kBatch == 0) check_memory(st, kBatch);
    const int nf = static_cast<int>(st.spec->features.size());
    if (!st.spec->target.empty()) {
        if (pod.nulls[nf]) { ++st.skipped; return; }
        double y = pod.nums[nf];
        if (!std::isfinite(y)) fail(ErrorKind::InvalidParameter, "target \"" + st.spec->target + "\" contains NaN or Infinity");
        st.data->y.push_back(y);
    } else {
        st.data->y.push_back(0.0);
    }
    for (int j = 0; j < nf; ++j) {
        auto& col = st.data->features[j];
        if (col.categorical) {
            col.code.push_back(pod.nulls[j] ? -1 : col.code_of(std::string_view(pod.str[j], pod.len[j])));
        } else {
            double v = pod.nums[j];
            if (pod.nulls[j]) {
                v = std::nan("");
                st.data->numeric_null = true;
            } else if (!std::isfinite(v))
                fail(ErrorKind::InvalidParameter, "feature \"" + col.name + "\" contains NaN or Infinity",
                     "Replace them with NULL (a missing value) or a finite number.");
            col.num.push_back(v);
        }
    }
    st.ticker.tick();
}

extern "C" bool receive_slot(TupleTableSlot* slot, DestReceiver* self) {
    auto* pod = reinterpret_cast<ReceiverPod*>(self);
    if (pod->failed) return false;
    // Phase 1: PostgreSQL calls only (may ERROR; no C++ object is alive here).
    if (++pod->rows_seen % kBatch == 0) MemoryContextReset(pod->rowcxt);
    MemoryContext old = MemoryContextSwitchTo(pod->rowcxt);
    slot_getallattrs(slot);
    for (int j = 0; j < pod->natts; ++j) {
        pod->nulls[j] = slot->tts_isnull[j];
        if (pod->nulls[j]) continue;
        Datum d = slot->tts_values[j];
        if (is_text(pod->conv[j])) datum_text(d, pod->conv[j], &pod->str[j], &pod->len[j]);
        else if (pod->conv[j] != ValueConv::Unsupported) pod->nums[j] = datum_number(d, pod->conv[j]);
    }
    MemoryContextSwitchTo(old);
    // Phase 2: C++ (may throw; caught here so nothing unwinds through the executor).
    auto* st = static_cast<ReaderState*>(pod->state);
    try {
        append_row(*st, *pod);
        return true;
    } catch (...) {
        capture_current_exception(st->error);
    }
    pod->failed = true;
    return false;
}

extern "C" void receiver_startup(DestReceiver* self, int, TupleDesc desc) {
    auto* pod = reinterpret_cast<ReceiverPod*>(self);
    pod->natts = desc->natts;
    for (int j = 0; j < desc->natts; ++j) {
        pod->types[j] = TupleDescAttr(desc, j)->atttypid;
        pod->conv[j] = value_conv_for(pod->types[j]);
    }
}
extern "C" void receiver_shutdown(DestReceiver*) {}
extern "C" void receiver_destroy(DestReceiver*) {}

}  // namespace

namespace {
ScopedTypeName::ScopedTypeName(unsigned int oid) {
    char* s = nullptr;
    pg_call([&]() { s = format_type_be(oid); });
    name = s;
}
}  // namespace

unsigned int source_relation(const std::string& src) {
    if (is_query(src)) return InvalidOid;
    // A relation name: resolve it (search_path rules).
    Oid rel = InvalidOid;
    pg_call([&]() { rel = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(src.c_str())), NoLock, true); });
    if (!OidIsValid(rel))
        fail(ErrorKind::UndefinedTable, "relation \"" + src + "\" does not exist",
             "The source is a table or view name, or a query starting with SELECT, WITH, VALUES or TABLE.");
    return rel;
}

std::string source_query(const SourceSpec& spec) {
    std::string cols;
    auto add = [&](const std::string& c) {
        const char* q = nullptr;
        pg_call([&]() { q = quote_identifier(c.c_str()); });
        if (!cols.empty()) cols += ", ";
        cols += q;
    };
    for (const auto& f : spec.features) add(f);
    if (!spec.target.empty()) add(spec.target);
    if (is_query(spec.source)) return "SELECT " + cols + " FROM (" + spec.source + ") AS _ls_source";
    const Oid rel = source_relation(spec.source);
    const char* qualified = nullptr;
    pg_call([&]() { qualified = quote_qualified_identifier(get_namespace_name(get_rel_namespace(rel)), get_rel_name(rel)); });
    return "SELECT " + cols + " FROM " + qualified;
}

namespace {
// Planner's row estimate of a relation source (0 when unknown or a query):
// lets the column buffers be sized once instead of growing by copies.
double estimated_rows(const std::string& source) {
    if (is_query(source)) return 0;
    double est = 0;
    pg_call([&]() {
        Oid rel = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(source.c_str())), NoLock, true);
        if (OidIsValid(rel)) {
            HeapTuple tp = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
            if (HeapTupleIsValid(tp)) {
                est = ((Form_pg_class)GETSTRUCT(tp))->reltuples;
                ReleaseSysCache(tp);
            }
        }
    });
    return est > 0 && est < 2e9 ? est : 0;
}
}  // namespace

void check_source_spec(const SourceSpec& spec) {
    if (spec.features.empty()) fail(ErrorKind::InvalidParameter, "a model needs at least one feature");
    if (spec.features.size() > 1600)
        fail(ErrorKind::ProgramLimitExceeded,
             "too many features (" + std::to_string(spec.features.size()) + "; at most 1600)",
             "PostgreSQL reads at most 1664 columns per row; reduce the feature list.");
    std::set<std::string> seen;
    for (const auto& f : spec.features) {
        if (f.empty()) fail(ErrorKind::InvalidParameter, "a feature name is empty");
        if (!seen.insert(f).second) fail(ErrorKind::InvalidParameter, "feature \"" + f + "\" is listed twice");
        if (f == spec.target) fail(ErrorKind::InvalidParameter, "the target \"" + f + "\" is also listed as a feature");
    }
}

ls::models::Dataset read_dataset(const SourceSpec& spec, long long* skipped) {
    check_source_spec(spec);
    const std::string sql = source_query(spec);
    static_assert(sizeof(ReceiverPod::types) / sizeof(Oid) > 1601, "receiver arrays hold every column");

    ls::models::Dataset data;
    for (const auto& f : spec.features) {
        ls::models::Column c;
        c.name = f;
        data.features.push_back(std::move(c));
    }
    ReaderState st;
    if (double est = estimated_rows(spec.source); est > 0) st.capacity = static_cast<std::size_t>(est * 1.02) + 1024;
    st.spec = &spec;
    st.data = &data;

    ReceiverPod* pod = nullptr;
    pg_call([&]() {
        pod = static_cast<ReceiverPod*>(palloc0(sizeof(ReceiverPod)));
        pod->pub.receiveSlot = receive_slot;
        pod->pub.rStartup = receiver_startup;
        pod->pub.rShutdown = receiver_shutdown;
        pod->pub.rDestroy = receiver_destroy;
        pod->pub.mydest = DestNone;
        pod->state = &st;
        pod->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "learnerscore reader", ALLOCSET_DEFAULT_SIZES);
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        SPIExecuteOptions opt;
        memset(&opt, 0, sizeof opt);
        opt.read_only = true;
        opt.dest = &pod->pub;
        int rc = SPI_execute_extended(sql.c_str(), &opt);
        if (rc < 0) elog(ERROR, "SPI_execute_extended failed: %s", SPI_result_code_string(rc));
        SPI_finish();
        MemoryContextDelete(pod->rowcxt);
    });
    if (pod->failed)  // the C++ error captured inside the scan
        throw ls::ForeignError(st.error.sqlstate, st.error.message, st.error.detail, st.error.hint);
    if (!st.validated) validate(st, *pod);    // no row: still report type errors
    check_memory(st, 0);
    if (data.block)  // the intercept column of the design block
        std::fill(data.block.get(), data.block.get() + std::min(data.rows(), data.block_stride), 1.0);
    if (skipped) *skipped = st.skipped;
    return data;
}

}  // namespace lspg
