// The model registry learnerscore.models is written only by the extension's
// own C code (train(), drop_model()): no role but its owner holds INSERT,
// UPDATE, DELETE or TRUNCATE on it, so no one can store bytes that did not
// come out of train(). Reads and writes run as the registry's owner with a
// fixed search_path, only around the registry statement itself; the
// training query and everything else runs as the caller.
#pragma once
#include <cstdint>
#include <string>

extern "C" {
#include "postgres.h"
}

namespace lspg {

// Runs fn(arg) as the owner of learnerscore.models (SECURITY_LOCAL_USERID_CHANGE
// | SECURITY_RESTRICTED_OPERATION) with search_path = pg_catalog, pg_temp; the
// caller's identity and settings come back on every path, errors included.
// PostgreSQL code only: call it inside lspg::pg_call.
void run_as_registry_owner(void (*fn)(void*), void* arg);

template <class Fn>
void as_registry_owner(Fn& fn) {
    run_as_registry_owner([](void* a) { (*static_cast<Fn*>(a))(); }, &fn);
}

// Whether the registry's C code is deleting a row right now: the guard
// trigger refuses every other DELETE (a flag in C, not a setting a user could change).
bool registry_delete_in_progress();

struct RegistryEntry {
    bool found = false;
    std::int64_t id = 0;
    Oid owner = InvalidOid;
};

// The model of that name (read as the registry owner: needs no grant).
RegistryEntry find_model(const std::string& name);

// Serializes train() and drop_model() of one name until the end of the
// transaction (a transaction-level advisory lock on a hash of the name).
void lock_model_name(const std::string& name);

// 42501 unless the current user is `owner`, a member of it, or a superuser.
void check_model_owner(const std::string& name, Oid owner, const char* action);

struct NewModel {
    std::string name, algorithm, target;
    Datum features;          // text[] as given to train()
    Datum hyperparameters = 0;  // jsonb
    std::string metrics;        // jsonb text
    long long training_rows = 0;
    std::string blob;        // Model::serialize()
    Oid owner = InvalidOid;  // the training role
};

// Inserts the model as the registry owner and returns its id. A name taken
// meanwhile (another transaction committed it) is 42710, never a raw 23505.
std::int64_t insert_model(const NewModel& m);

// Deletes a model by id as the registry owner (the caller checked ownership).
void delete_model(std::int64_t id);

}  // namespace lspg
