#include "pg/models/model_store.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "core/base/error.h"
#include "pg/base/boundary.h"
#include "pg/models/model_registry.h"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "storage/proc.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace lspg {

namespace {

constexpr std::size_t kMaxCached = 64;
// Deliberately never destroyed: at backend exit, static destructors would free
// XGBoost boosters after XGBoost's own statics are gone (a crash on exit).
using Cache = std::unordered_map<std::int64_t, std::unique_ptr<ls::models::Model>>;
Cache& g_cache = *new Cache();
// Models given as bytes (predict(model bytea, ...): the registry row shipped
// with the query, e.g. to Citus workers), keyed by a hash of the whole blob.
struct BytesKey {
    std::size_t hash, len;
    bool operator==(const BytesKey& o) const { return hash == o.hash && len == o.len; }
};
struct BytesKeyHash {
    std::size_t operator()(const BytesKey& k) const { return k.hash ^ (k.len * 0x9E3779B97F4A7C15ull); }
};
using BytesCache = std::unordered_map<BytesKey, std::unique_ptr<ls::models::Model>, BytesKeyHash>;
BytesCache& g_bytes_cache = *new BytesCache();
constexpr std::size_t kEdge = 64;  // bytes of each end of a blob a call site remembers
std::uint64_t g_generation = 1;
std::uint64_t g_name_generation = 1;

// Looked up per FmgrInfo; plain data only (it lives in fn_mcxt).
struct CallCache {
    std::uint64_t generation;
    std::int64_t id;
    const ls::models::Model* model;
    bool by_name;
    std::uint64_t name_generation;  // by name: resolved under this name generation,
    LocalTransactionId lxid;        // in this transaction,
    TimestampTz statement_start;    // during this top-level statement
    std::int64_t key_id;
    int name_len;
    char name[256];
    void* call_site;  // the caller's own per-call-site data (call_site_slot)
    // by bytes: the last blob seen at this call site (address, length, both ends)
    bool by_bytes;
    const char* bytes_ptr;
    std::size_t bytes_len;
    char bytes_edges[2 * kEdge];
};

// Stores a decoded model in a bounded cache: past kMaxCached entries everything
// is dropped (rarely hit) and the generation moves, so call sites re-resolve.
template <class Map, class Key>
const ls::models::Model& cache_put(Map& cache, const Key& key, std::unique_ptr<ls::models::Model> m) {
    if (cache.size() >= kMaxCached) {
        cache.clear();
        ++g_generation;
    }
    auto& slot = cache[key];
    slot = std::move(m);
    return *slot;
}

// The call site's cache (fn_extra), allocated zeroed in fn_mcxt on first use.
CallCache* call_cache(FunctionCallInfo fcinfo) {
    auto* cc = static_cast<CallCache*>(fcinfo->flinfo->fn_extra);
    if (!cc) {
        void* mem = nullptr;
        pg_call([&]() { mem = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CallCache)); });
        cc = static_cast<CallCache*>(mem);
        fcinfo->flinfo->fn_extra = cc;
    }
    return cc;
}

// Whether `p[0..len)` is the blob this call site decoded last: the same
// address, length and first and last kEdge bytes (the same datum row after
// row; hashing a large XGBoost blob per row would cost more than scoring).
bool same_blob(const CallCache* cc, const char* p, std::size_t len) {
    if (!cc->by_bytes || cc->bytes_ptr != p || cc->bytes_len != len) return false;
    const std::size_t e = std::min(kEdge, len);
    return memcmp(cc->bytes_edges, p, e) == 0 && memcmp(cc->bytes_edges + kEdge, p + len - e, e) == 0;
}

const ls::models::Model& model_by_bytes(const char* p, std::size_t len) {
    const BytesKey key{std::hash<std::string_view>()(std::string_view(p, len)), len};
    auto it = g_bytes_cache.find(key);
    if (it != g_bytes_cache.end()) return *it->second;
    // Bytes nobody vouches for: an XGBoost booster is never handed to libxgboost,
    // which does not validate tree node indices (docs/models.md, "Forged bytes");
    // its trees go to the checked native evaluator instead.
    return cache_put(g_bytes_cache, key, ls::models::Model::deserialize_untrusted(p, len));
}

}  // namespace

std::int64_t model_id_by_name(const std::string& name) {
    // Read as the registry's owner: scoring needs no grant on learnerscore.models.
    // Under the 0.2.0 layout the name's deployed version (its latest deployment);
    // under the 0.1.0 layout (the new library before ALTER EXTENSION UPDATE) the one model of the name.
    const bool versioned = registry_versioned();
    SqlRows r = registry_sql(
        versioned ? "SELECT model_id FROM learnerscore.model_deployments WHERE name = $1 ORDER BY id DESC LIMIT 1"
                  : "SELECT id FROM learnerscore.models WHERE name = $1",
        {name}, true);
    if (!r.empty() && r[0][0]) return std::stoll(*r[0][0]);
    if (versioned && !registry_sql("SELECT 1 FROM learnerscore.models WHERE name = $1 LIMIT 1", {name}, true).empty())
        throw ls::ForeignError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                               "model \"" + name + "\" has no deployed version", "",
                               "Deploy one with learnerscore.deploy(name, version) or learnerscore.deploy(name, 'latest').");
    ls::fail(ls::ErrorKind::UndefinedObject, "model \"" + name + "\" does not exist",
             "See SELECT name FROM learnerscore.models.");
}

const ls::models::Model& model_by_id(std::int64_t id) {
    auto it = g_cache.find(id);
    if (it != g_cache.end()) return *it->second;
    bytea* copy = nullptr;
    auto body = [&]() {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        Oid types[1] = {INT8OID};
        Datum args[1] = {Int64GetDatum(id)};
        int rc = SPI_execute_with_args("SELECT model FROM learnerscore.models WHERE id OPERATOR(pg_catalog.=) $1", 1,
                                       types, args, nullptr, true, 1);
        if (rc == SPI_OK_SELECT && SPI_processed == 1) {
            bool isnull;
            Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
            if (!isnull) {
                bytea* b = DatumGetByteaPP(d);
                Size len = VARSIZE_ANY_EXHDR(b);
                copy = static_cast<bytea*>(SPI_palloc(len + VARHDRSZ));
                SET_VARSIZE(copy, len + VARHDRSZ);
                memcpy(VARDATA(copy), VARDATA_ANY(b), len);
            }
        }
        SPI_finish();
    };
    pg_call([&]() { as_registry_owner(body); });
    if (!copy) ls::fail(ls::ErrorKind::UndefinedObject, "model " + std::to_string(id) + " does not exist");
    std::unique_ptr<ls::models::Model> m;
    try {
        m = ls::models::Model::deserialize(VARDATA(copy), VARSIZE(copy) - VARHDRSZ);
    } catch (...) {
        pfree(copy);
        throw;
    }
    pfree(copy);
    return cache_put(g_cache, id, std::move(m));
}

std::uint64_t model_cache_generation() { return g_generation; }

void evict_model(std::int64_t id) {
    if (g_cache.erase(id)) ++g_generation;
}

void names_changed() { ++g_name_generation; }

void*& call_site_slot(FunctionCallInfo fcinfo) {
    auto* cc = static_cast<CallCache*>(fcinfo->flinfo->fn_extra);
    if (!cc) ls::fail(ls::ErrorKind::Internal, "call_site_slot before model_for_call");
    return cc->call_site;
}

const ls::models::Model& model_for_call(FunctionCallInfo fcinfo, int argno, std::int64_t* id_out) {
    Oid argtype = get_fn_expr_argtype(fcinfo->flinfo, argno);
    if (argtype == BYTEAOID) {
        bytea* b = nullptr;
        pg_call([&]() { b = DatumGetByteaPP(PG_GETARG_DATUM(argno)); });
        const char* p = VARDATA_ANY(b);
        const std::size_t len = VARSIZE_ANY_EXHDR(b);
        auto* cc = static_cast<CallCache*>(fcinfo->flinfo->fn_extra);
        if (id_out) *id_out = 0;  // no registry id
        if (cc && cc->generation == g_generation && same_blob(cc, p, len)) return *cc->model;
        const ls::models::Model& m = model_by_bytes(p, len);
        cc = call_cache(fcinfo);
        cc->generation = g_generation;
        cc->model = &m;
        cc->by_name = false;
        cc->key_id = 0;
        cc->id = 0;
        cc->by_bytes = true;
        cc->bytes_ptr = p;
        cc->bytes_len = len;
        const std::size_t e = std::min(kEdge, len);
        memcpy(cc->bytes_edges, p, e);
        memcpy(cc->bytes_edges + kEdge, p + len - e, e);
        return m;
    }
    bool by_name = argtype != INT8OID;
    std::int64_t key_id = 0;
    const char* name = nullptr;
    int name_len = 0;
    if (by_name) {
        text* t = reinterpret_cast<text*>(PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(argno)));
        name = VARDATA_ANY(t);
        name_len = static_cast<int>(VARSIZE_ANY_EXHDR(t));
    } else {
        key_id = PG_GETARG_INT64(argno);
    }
    auto* cc = static_cast<CallCache*>(fcinfo->flinfo->fn_extra);
    // A name's resolution is kept for one top-level statement: a call site can
    // outlive it (PL/pgSQL keeps simple expressions for the transaction).
    const LocalTransactionId lxid = MyProc ? MyProc->lxid : InvalidLocalTransactionId;
    const TimestampTz statement_start = GetCurrentStatementStartTimestamp();
    if (cc && cc->generation == g_generation && !cc->by_bytes && cc->by_name == by_name &&
        (by_name ? (cc->name_len == name_len && memcmp(cc->name, name, name_len) == 0 &&
                    cc->name_generation == g_name_generation && cc->lxid == lxid &&
                    cc->statement_start == statement_start)
                 : cc->key_id == key_id)) {
        if (id_out) *id_out = cc->id;
        return *cc->model;
    }
    std::int64_t id = by_name ? model_id_by_name(std::string(name, name_len)) : key_id;
    const ls::models::Model& m = model_by_id(id);
    cc = call_cache(fcinfo);
    cc->generation = g_generation;
    cc->id = id;
    cc->model = &m;
    cc->by_bytes = false;
    cc->by_name = by_name;
    cc->name_generation = g_name_generation;
    cc->lxid = lxid;
    cc->statement_start = statement_start;
    cc->key_id = key_id;
    if (by_name && name_len <= static_cast<int>(sizeof cc->name)) {
        cc->name_len = name_len;
        memcpy(cc->name, name, name_len);
    } else {
        cc->name_len = -1;  // too long to remember: resolve on every call
    }
    if (id_out) *id_out = id;
    return m;
}

}  // namespace lspg
