#include "pg/models/model_registry.h"

#include "core/base/error.h"
#include "pg/base/boundary.h"

extern "C" {
#include "access/htup_details.h"
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

RegistryEntry find_model(const std::string& name) {
    RegistryEntry e;
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

std::int64_t insert_model(const NewModel& m) {
    std::int64_t id = 0;
    try {
        pg_call([&]() {
            auto body = [&]() {
                if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
                bytea* b = static_cast<bytea*>(palloc(m.blob.size() + VARHDRSZ));
                SET_VARSIZE(b, m.blob.size() + VARHDRSZ);
                memcpy(VARDATA(b), m.blob.data(), m.blob.size());
                Oid types[9] = {TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID, JSONBOID, INT8OID, JSONBOID, BYTEAOID, REGROLEOID};
                Datum args[9] = {
                    PointerGetDatum(cstring_to_text_with_len(m.name.data(), static_cast<int>(m.name.size()))),
                    PointerGetDatum(cstring_to_text_with_len(m.algorithm.data(), static_cast<int>(m.algorithm.size()))),
                    PointerGetDatum(cstring_to_text_with_len(m.target.data(), static_cast<int>(m.target.size()))),
                    m.features,
                    m.hyperparameters,
                    Int64GetDatum(m.training_rows),
                    DirectFunctionCall1(jsonb_in, CStringGetDatum(m.metrics.c_str())),
                    PointerGetDatum(b),
                    ObjectIdGetDatum(m.owner)};
                int rc = SPI_execute_with_args(
                    "INSERT INTO learnerscore.models (name, algorithm, target, features, hyperparameters, training_rows, "
                    "metrics, model, owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    9, types, args, nullptr, false, 1);
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

}  // namespace lspg
