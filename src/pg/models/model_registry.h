// The model registry learnerscore.models (and its deployment history
// learnerscore.model_deployments) is written only by the extension's own C
// code (train(), deploy(), rollback(), prune_models(), drop_model()): no role but its owner holds INSERT,
// UPDATE, DELETE or TRUNCATE on it, so no one can store bytes that did not
// come out of train(). Reads and writes run as the registry's owner with a
// fixed search_path, only around the registry statement itself; the
// training query and everything else runs as the caller.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

// Whether the registry has the 0.2.0 layout (models.version and
// learnerscore.model_deployments). After a package upgrade the new library
// serves the 0.1.0 objects until ALTER EXTENSION learnerscore UPDATE: one
// model per name, no deployments.
bool registry_versioned();

// 55000 with a hint to run ALTER EXTENSION learnerscore UPDATE, when the
// registry has the 0.1.0 layout and `what` needs versions.
void require_versioned_registry(const char* what);

// One statement run as the registry's owner (search_path pg_catalog, pg_temp),
// every parameter passed as text (NULL = std::nullopt; cast in the SQL), every
// result value returned in its text form.
using SqlValue = std::optional<std::string>;
using SqlRows = std::vector<std::vector<SqlValue>>;
SqlRows registry_sql(const char* sql, const std::vector<SqlValue>& args, bool read_only = false);

struct RegistryEntry {
    bool found = false;
    std::int64_t id = 0;     // the latest version's id (the only one under 0.1.0)
    int version = 0;         // the latest version (1 under 0.1.0)
    Oid owner = InvalidOid;  // the name's owner: the latest version's owner
};

// The models of that name (read as the registry owner: needs no grant).
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

// Inserts the model as the registry owner and returns its id. Under the
// 0.2.0 layout it becomes the name's next version (*version_out); a version
// taken meanwhile by a transaction this one cannot see (REPEATABLE READ) is
// 40001. Under 0.1.0 a name taken meanwhile is 42710, never a raw 23505.
std::int64_t insert_model(const NewModel& m, int* version_out = nullptr);

// Deletes a model by id as the registry owner (the caller checked ownership).
void delete_model(std::int64_t id);

// Deletes the whole deployment history of a name (drop_model(name)).
void delete_deployments(const std::string& name);

// The name's current deployment (0.2.0 layout).
struct Deployment {
    bool found = false;
    std::int64_t id = 0, model_id = 0;
    int version = 0;
    std::optional<std::int64_t> rollback_to;  // the deployment rollback() would re-deploy
};
Deployment current_deployment(const std::string& name);
Deployment deployment_by_id(std::int64_t id);

// Appends a deployment row (the caller holds the name lock and checked
// ownership). A concurrent deployment this transaction cannot see is 40001.
std::int64_t insert_deployment(const std::string& name, std::int64_t model_id, int version, const char* strategy,
                               const SqlValue& note, const Deployment& current, std::optional<std::int64_t> rollback_to);

// Deploys model `model_id` (version `version`) of `name` unless it is the
// deployed one already; returns whether a row was written.
bool deploy_model(const std::string& name, std::int64_t model_id, int version, const char* strategy, const SqlValue& note);

}  // namespace lspg
