#include "pg/models/model_registry.h"

#include "core/base/error.h"
#include "pg/base/boundary.h"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

namespace lspg {

namespace {

// Class id of the advisory locks on model names ('LSMN').
constexpr int32 kNameLockClass = 0x4c534d4e;

bool g_deleting = false;

Oid registry_owner_oid() {
    Oid nsp = get_namespace_oid("learnerscore", false);
    Oid rel = get_relname_relid("models", nsp);
    if (!OidIsValid(rel)) elog(ERROR, "learnerscore.models does not exist");
    HeapTuple tp = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
    if (!HeapTupleIsValid(tp)) elog(ERROR, "cache lookup failed for relation %u", rel);
    Oid owner = ((Form_pg_class)GETSTRUCT(tp))->relowner;
    ReleaseSysCache(tp);
    return owner;
}

}  // namespace

void run_as_registry_owner(void (*fn)(void*), void* arg) {
    const Oid owner = registry_owner_oid();
    Oid save_user;
    int save_sec;
    GetUserIdAndSecContext(&save_user, &save_sec);
    const int nest = NewGUCNestLevel();
    volatile bool ok = false;
    PG_TRY();
    {
        SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
        // GUC_ACTION_SAVE: allowed in parallel workers, undone by AtEOXact_GUC.
        (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                                true, 0, false);
        fn(arg);
        ok = true;
    }
    PG_FINALLY();
    {
        AtEOXact_GUC(ok, nest);
        SetUserIdAndSecContext(save_user, save_sec);
    }
    PG_END_TRY();
}

bool registry_delete_in_progress() { return g_deleting; }

bool registry_versioned() {
    bool versioned = false;
    pg_call([&]() {
        Oid nsp = get_namespace_oid("learnerscore", false);
        Oid rel = get_relname_relid("models", nsp);
        versioned = OidIsValid(rel) && get_attnum(rel, "version") != InvalidAttrNumber &&
                    OidIsValid(get_relname_relid("model_deployments", nsp));
    });
    return versioned;
}

void require_versioned_registry(const char* what) {
    if (registry_versioned()) return;
    throw ls::ForeignError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                           std::string(what) + " needs the learnerscore 0.2.0 model registry",
                           "The installed library is newer than the extension's SQL objects (0.1.0).",
                           "Run ALTER EXTENSION learnerscore UPDATE.");
}

SqlRows registry_sql(const char* sql, const std::vector<SqlValue>& args, bool read_only) {
    const int n = static_cast<int>(args.size());
    // palloc'd copies: the lambda below holds no C++ object with a destructor
    std::vector<const char*> cargs(n + 1, nullptr);
    for (int i = 0; i < n; ++i) cargs[i] = args[i] ? args[i]->c_str() : nullptr;
    const char** ca = cargs.data();
    char*** rows = nullptr;  // rows[r][c], NULL for SQL NULL, in the caller's memory context
    uint64 nrows = 0;
    int ncols = 0;
    pg_call([&]() {
        MemoryContext outer = CurrentMemoryContext;
        auto body = [&]() {
            if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
            Oid* types = static_cast<Oid*>(palloc(sizeof(Oid) * (n + 1)));
            Datum* vals = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
            char* nulls = static_cast<char*>(palloc(n + 1));
            for (int i = 0; i < n; ++i) {
                types[i] = TEXTOID;
                vals[i] = ca[i] ? CStringGetTextDatum(ca[i]) : (Datum)0;
                nulls[i] = ca[i] ? ' ' : 'n';
            }
            int rc = SPI_execute_with_args(sql, n, types, vals, nulls, read_only, 0);
            if (rc < 0) elog(ERROR, "registry statement failed: %s", SPI_result_code_string(rc));
            if (SPI_tuptable) {
                nrows = SPI_processed;
                ncols = SPI_tuptable->tupdesc->natts;
                rows = static_cast<char***>(MemoryContextAllocZero(outer, sizeof(char**) * (nrows + 1)));
                for (uint64 r = 0; r < nrows; ++r) {
                    rows[r] = static_cast<char**>(MemoryContextAllocZero(outer, sizeof(char*) * (ncols + 1)));
                    for (int c = 0; c < ncols; ++c) {
                        char* v = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, c + 1);
                        rows[r][c] = v ? MemoryContextStrdup(outer, v) : nullptr;
                    }
                }
            }
            SPI_finish();
        };
        as_registry_owner(body);
    });
    SqlRows out(nrows);
    for (uint64 r = 0; r < nrows; ++r)
        for (int c = 0; c < ncols; ++c) out[r].push_back(rows[r][c] ? SqlValue(rows[r][c]) : std::nullopt);
    return out;
}

RegistryEntry find_model(const std::string& name) {
    RegistryEntry e;
    if (registry_versioned()) {
        SqlRows r = registry_sql(
            "SELECT id, version, owner::oid FROM learnerscore.models WHERE name = $1 ORDER BY version DESC LIMIT 1",
            {name});
        if (!r.empty() && r[0][0]) {
            e.found = true;
            e.id = std::stoll(*r[0][0]);
            e.version = std::stoi(*r[0][1]);
            e.owner = r[0][2] ? static_cast<Oid>(std::stoul(*r[0][2])) : InvalidOid;
        }
        return e;
    }
    pg_call([&]() {
        auto body = [&]() {
            if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
            Oid types[1] = {TEXTOID};
            Datum args[1] = {PointerGetDatum(cstring_to_text_with_len(name.data(), static_cast<int>(name.size())))};
            int rc = SPI_execute_with_args(
                "SELECT id, owner::oid FROM learnerscore.models WHERE name OPERATOR(pg_catalog.=) $1", 1, types, args,
                nullptr, false, 1);
            if (rc == SPI_OK_SELECT && SPI_processed == 1) {
                bool n1, n2;
                Datum id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &n1);
                Datum ow = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &n2);
                e.found = !n1;
                e.id = n1 ? 0 : DatumGetInt64(id);
                e.version = 1;
                e.owner = n2 ? InvalidOid : DatumGetObjectId(ow);
            }
            SPI_finish();
        };
        as_registry_owner(body);
    });
    return e;
}

void lock_model_name(const std::string& name) {
    pg_call([&]() {
        uint32 h = hash_bytes(reinterpret_cast<const unsigned char*>(name.data()), static_cast<int>(name.size()));
        DirectFunctionCall2(pg_advisory_xact_lock_int4, Int32GetDatum(kNameLockClass), Int32GetDatum(static_cast<int32>(h)));
    });
}

void check_model_owner(const std::string& name, Oid owner, const char* action) {
    bool allowed = false;
    const char* owner_name = nullptr;
    pg_call([&]() {
        allowed = OidIsValid(owner) ? has_privs_of_role(GetUserId(), owner) : superuser();
        if (!allowed) owner_name = OidIsValid(owner) ? GetUserNameFromId(owner, true) : nullptr;
    });
    if (allowed) return;
    throw ls::ForeignError(ERRCODE_INSUFFICIENT_PRIVILEGE,
                           "permission denied to " + std::string(action) + " model \"" + name + "\"",
                           "The model belongs to role " + std::string(owner_name ? owner_name : "(dropped role)") + ".",
                           "Only the model's owner, a member of the owning role, or a superuser may do that; "
                           "choose another name.");
}

std::int64_t insert_model(const NewModel& m, int* version_out) {
    std::int64_t id = 0;
    const bool versioned = registry_versioned();
    int version = 1;
    if (versioned) {
        // The next version: never one a dropped version or the history used.
        SqlRows r = registry_sql(
            "SELECT greatest((SELECT max(version) FROM learnerscore.models WHERE name = $1), "
            "(SELECT max(version) FROM learnerscore.model_deployments WHERE name = $1), 0) + 1",
            {m.name});
        version = std::stoi(*r.at(0).at(0));
    }
    if (version_out) *version_out = version;
    const char* sql = versioned
        ? "INSERT INTO learnerscore.models (name, algorithm, target, features, hyperparameters, training_rows, "
          "metrics, model, owner, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
        : "INSERT INTO learnerscore.models (name, algorithm, target, features, hyperparameters, training_rows, "
          "metrics, model, owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    const int nargs = versioned ? 10 : 9;
    try {
        pg_call([&]() {
            auto body = [&]() {
                if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
                bytea* b = static_cast<bytea*>(palloc(m.blob.size() + VARHDRSZ));
                SET_VARSIZE(b, m.blob.size() + VARHDRSZ);
                memcpy(VARDATA(b), m.blob.data(), m.blob.size());
                Oid types[10] = {TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID, JSONBOID, INT8OID, JSONBOID, BYTEAOID, REGROLEOID,
                                 INT4OID};
                Datum args[10] = {
                    PointerGetDatum(cstring_to_text_with_len(m.name.data(), static_cast<int>(m.name.size()))),
                    PointerGetDatum(cstring_to_text_with_len(m.algorithm.data(), static_cast<int>(m.algorithm.size()))),
                    PointerGetDatum(cstring_to_text_with_len(m.target.data(), static_cast<int>(m.target.size()))),
                    m.features,
                    m.hyperparameters,
                    Int64GetDatum(m.training_rows),
                    DirectFunctionCall1(jsonb_in, CStringGetDatum(m.metrics.c_str())),
                    PointerGetDatum(b),
                    ObjectIdGetDatum(m.owner),
                    Int32GetDatum(version)};
                int rc = SPI_execute_with_args(sql, nargs, types, args, nullptr, false, 1);
                if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1) elog(ERROR, "registering the model failed");
                bool isnull;
                id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
                SPI_finish();
            };
            as_registry_owner(body);
        });
    } catch (const ls::ForeignError& e) {
        // A concurrent train() of the same name committed first and this
        // transaction's snapshot predates it (REPEATABLE READ): say so plainly.
        if (e.sqlstate() != ERRCODE_UNIQUE_VIOLATION) throw;
        if (versioned)
            throw ls::ForeignError(ERRCODE_T_R_SERIALIZATION_FAILURE,
                                   "could not serialize: another session trained version " + std::to_string(version) +
                                       " of model \"" + m.name + "\" at the same time",
                                   "", "Retry the transaction.");
        throw ls::ForeignError(ERRCODE_DUPLICATE_OBJECT, "model \"" + m.name + "\" already exists", "",
                               "Another session trained a model of this name at the same time; "
                               "choose a new name or drop the old one with learnerscore.drop_model().");
    }
    return id;
}

void delete_model(std::int64_t id) {
    pg_call([&]() {
        auto body = [&]() {
            if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
            Oid types[1] = {INT8OID};
            Datum args[1] = {Int64GetDatum(id)};
            g_deleting = true;
            PG_TRY();
            {
                SPI_execute_with_args("DELETE FROM learnerscore.models WHERE id OPERATOR(pg_catalog.=) $1", 1, types,
                                      args, nullptr, false, 0);
            }
            PG_FINALLY();
            {
                g_deleting = false;
            }
            PG_END_TRY();
            SPI_finish();
        };
        as_registry_owner(body);
    });
}

void delete_deployments(const std::string& name) {
    g_deleting = true;
    try {
        registry_sql("DELETE FROM learnerscore.model_deployments WHERE name = $1", {name});
    } catch (...) {
        g_deleting = false;
        throw;
    }
    g_deleting = false;
}

namespace {

Deployment deployment_from(const SqlRows& r) {
    Deployment d;
    if (r.empty() || !r[0][0]) return d;
    d.found = true;
    d.id = std::stoll(*r[0][0]);
    d.model_id = std::stoll(*r[0][1]);
    d.version = std::stoi(*r[0][2]);
    if (r[0][3]) d.rollback_to = std::stoll(*r[0][3]);
    return d;
}

std::optional<std::string> opt_id(std::optional<std::int64_t> v) {
    return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
}

}  // namespace

namespace {

// The id of the name's latest deployment as of now (the latest snapshot, not the transaction's).
std::optional<std::int64_t> latest_deployment_id_now(const std::string& name) {
    bool found = false;
    std::int64_t id = 0;
    const char* cname = name.c_str();
    pg_call([&]() {
        auto body = [&]() {
            if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
            Oid types[1] = {TEXTOID};
            SPIPlanPtr plan = SPI_prepare(
                "SELECT id FROM learnerscore.model_deployments WHERE name = $1 ORDER BY id DESC LIMIT 1", 1, types);
            if (!plan) elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
            Datum args[1] = {CStringGetTextDatum(cname)};
            int rc = SPI_execute_snapshot(plan, args, nullptr, GetLatestSnapshot(), InvalidSnapshot, true, false, 1);
            if (rc == SPI_OK_SELECT && SPI_processed == 1) {
                bool isnull;
                Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
                if (!isnull) { found = true; id = DatumGetInt64(d); }
            }
            SPI_finish();
        };
        as_registry_owner(body);
    });
    return found ? std::optional<std::int64_t>(id) : std::nullopt;
}

}  // namespace

Deployment current_deployment(const std::string& name) {
    Deployment d = deployment_from(registry_sql(
        "SELECT id, model_id, version, rollback_to FROM learnerscore.model_deployments WHERE name = $1 "
        "ORDER BY id DESC LIMIT 1",
        {name}));
    // REPEATABLE READ / SERIALIZABLE: the name lock was taken after the transaction's
    // snapshot, which may miss a deployment committed meanwhile; deciding on it
    // (a "no change" or a rollback target) would be wrong, so that is a serialization failure.
    bool snapshot_xact = false;
    pg_call([&]() { snapshot_xact = IsolationUsesXactSnapshot(); });
    if (snapshot_xact) {
        const std::optional<std::int64_t> now = latest_deployment_id_now(name);
        const std::optional<std::int64_t> seen = d.found ? std::optional<std::int64_t>(d.id) : std::nullopt;
        if (now != seen)
            throw ls::ForeignError(ERRCODE_T_R_SERIALIZATION_FAILURE,
                                   "could not serialize: model \"" + name + "\" was deployed by another session at the same time",
                                   "", "Retry the transaction.");
    }
    return d;
}

Deployment deployment_by_id(std::int64_t id) {
    return deployment_from(registry_sql(
        "SELECT id, model_id, version, rollback_to FROM learnerscore.model_deployments WHERE id = $1::bigint",
        {std::to_string(id)}));
}

std::int64_t insert_deployment(const std::string& name, std::int64_t model_id, int version, const char* strategy,
                               const SqlValue& note, const Deployment& current, std::optional<std::int64_t> rollback_to) {
    Oid user = InvalidOid;
    pg_call([&]() { user = GetUserId(); });  // deployed_by: the calling role, read before switching
    try {
        SqlRows r = registry_sql(
            "INSERT INTO learnerscore.model_deployments (name, model_id, version, deployed_by, strategy, note, "
            "previous_id, rollback_to) VALUES ($1, $2::bigint, $3::int, $4::oid::regrole, $5, $6, $7::bigint, $8::bigint) "
            "RETURNING id",
            {name, std::to_string(model_id), std::to_string(version), std::to_string(user), std::string(strategy),
             note, current.found ? SqlValue(std::to_string(current.id)) : std::nullopt, opt_id(rollback_to)});
        return std::stoll(*r.at(0).at(0));
    } catch (const ls::ForeignError& e) {
        // (name, previous_id) is unique: another deployment of the name committed after
        // this transaction's snapshot was taken (REPEATABLE READ).
        if (e.sqlstate() != ERRCODE_UNIQUE_VIOLATION) throw;
        throw ls::ForeignError(ERRCODE_T_R_SERIALIZATION_FAILURE,
                               "could not serialize: model \"" + name + "\" was deployed by another session at the same time",
                               "", "Retry the transaction.");
    }
}

bool deploy_model(const std::string& name, std::int64_t model_id, int version, const char* strategy, const SqlValue& note) {
    const Deployment cur = current_deployment(name);
    if (cur.found && cur.model_id == model_id) return false;
    insert_deployment(name, model_id, version, strategy, note, cur,
                      cur.found ? std::optional<std::int64_t>(cur.id) : std::nullopt);
    return true;
}

}  // namespace lspg
