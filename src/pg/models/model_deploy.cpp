// SQL entry points of the model lifecycle (docs/models.md, "Versions and
// deployments"): deploy(), rollback(), prune_models(), drop_model_version().
// Every one takes the name's lock (lspg::lock_model_name), so train(),
// deploy(), rollback(), prune and drop of one name run one after the other;
// the history rows are written as the registry's owner.
#include <cstdint>
#include <optional>
#include <string>

#include "core/base/error.h"
#include "pg/base/boundary.h"
#include "pg/models/model_registry.h"
#include "pg/models/model_store.h"

extern "C" {
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(ls_deploy_version);
PG_FUNCTION_INFO_V1(ls_deploy_strategy);
PG_FUNCTION_INFO_V1(ls_rollback);
PG_FUNCTION_INFO_V1(ls_prune_models);
PG_FUNCTION_INFO_V1(ls_drop_model_version);
}

namespace {

using lspg::SqlRows;
using lspg::SqlValue;

[[noreturn]] void null_argument(const char* what) {
    throw ls::ForeignError(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(what) + " must not be NULL");
}

[[noreturn]] void unknown_model(const std::string& name) {
    throw ls::ForeignError(ERRCODE_UNDEFINED_OBJECT, "model \"" + name + "\" does not exist", "",
                           "See SELECT name, version FROM learnerscore.models.");
}

// The name's argument, locked and checked: it exists and the caller may change it.
lspg::RegistryEntry owned_name(FunctionCallInfo fcinfo, const char* what, const char* action, std::string& name) {
    if (PG_ARGISNULL(0)) null_argument("the model name");
    name = lspg::text_to_string(PG_GETARG_TEXT_PP(0));
    lspg::require_versioned_registry(what);
    lspg::lock_model_name(name);
    const lspg::RegistryEntry e = lspg::find_model(name);
    if (!e.found) unknown_model(name);
    lspg::check_model_owner(name, e.owner, action);
    return e;
}

SqlValue note_arg(FunctionCallInfo fcinfo, int argno) {
    if (PG_NARGS() <= argno || PG_ARGISNULL(argno)) return std::nullopt;
    return lspg::text_to_string(PG_GETARG_TEXT_PP(argno));
}

struct Version {
    std::int64_t id = 0;
    int version = 0;
};

Version version_row(const SqlRows& r) {
    Version v;
    v.id = std::stoll(*r.at(0).at(0));
    v.version = std::stoi(*r.at(0).at(1));
    return v;
}

// The version with the best held-out metric (docs/models.md): metrics.validation
// if any version of the name has one, else the in-sample metrics.train; AUC
// (higher is better) for classifiers, MAE (lower is better) for regression;
// a tie goes to the newer version.
Version best_version(const std::string& name) {
    SqlRows r = lspg::registry_sql(
        "WITH v AS (SELECT id, version, "
        "       coalesce(metrics->'validation', metrics->'train') AS m, metrics ? 'validation' AS held_out "
        "  FROM learnerscore.models WHERE name = $1), "
        "s AS (SELECT id, version, held_out, "
        "       CASE WHEN m ? 'auc' THEN (m->>'auc')::float8 WHEN m ? 'mae' THEN -(m->>'mae')::float8 END AS score "
        "  FROM v) "
        "SELECT id, version FROM s "
        " WHERE held_out OR NOT EXISTS (SELECT 1 FROM s WHERE held_out) "
        " ORDER BY score DESC NULLS LAST, version DESC LIMIT 1",
        {name});
    return version_row(r);
}

}  // namespace

namespace {

// deploy(name, version | strategy, note): deploys a version of the name (by
// number, or 'latest' / 'best') and returns it.
Datum deploy(FunctionCallInfo fcinfo, bool by_number) {
    return lspg::guarded([&]() -> Datum {
        if (PG_ARGISNULL(1)) null_argument(by_number ? "the version" : "the strategy");
        std::string strategy = "version";
        int32 wanted = 0;
        if (by_number) {
            wanted = PG_GETARG_INT32(1);
        } else {
            strategy = lspg::text_to_string(PG_GETARG_TEXT_PP(1));
            if (strategy != "latest" && strategy != "best")
                throw ls::ForeignError(ERRCODE_INVALID_PARAMETER_VALUE, "unknown deployment strategy \"" + strategy + "\"",
                                       "", strategy == "rollback" ? "Use learnerscore.rollback(name)."
                                                                  : "Use 'latest', 'best', or a version number.");
        }
        std::string name;
        const lspg::RegistryEntry e = owned_name(fcinfo, "deploy()", "deploy", name);
        Version v;
        if (strategy == "version") {
            SqlRows r = lspg::registry_sql(
                "SELECT id, version FROM learnerscore.models WHERE name = $1 AND version = $2::int", {name, std::to_string(wanted)});
            if (r.empty())
                throw ls::ForeignError(ERRCODE_UNDEFINED_OBJECT,
                                       "model \"" + name + "\" has no version " + std::to_string(wanted), "",
                                       "See SELECT version FROM learnerscore.models WHERE name = '" + name + "'.");
            v = version_row(r);
        } else if (strategy == "latest") {
            v.id = e.id;
            v.version = e.version;
        } else {
            v = best_version(name);
        }
        lspg::deploy_model(name, v.id, v.version, strategy.c_str(), note_arg(fcinfo, 2));
        lspg::names_changed();
        PG_RETURN_INT32(v.version);
    });
}

}  // namespace

// ls_deploy_version(name text, version int, note text DEFAULT NULL) returns int
Datum ls_deploy_version(PG_FUNCTION_ARGS) { return deploy(fcinfo, true); }

// ls_deploy_strategy(name text, strategy text, note text DEFAULT NULL) returns int
Datum ls_deploy_strategy(PG_FUNCTION_ARGS) { return deploy(fcinfo, false); }

// ls_rollback(name text, note text DEFAULT NULL) returns int: re-deploys the
// version deployed before the current one. Each rollback steps one deployment
// further back (deployments whose model was dropped since are skipped).
Datum ls_rollback(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        std::string name;
        owned_name(fcinfo, "rollback()", "roll back", name);
        const lspg::Deployment cur = lspg::current_deployment(name);
        std::optional<std::int64_t> back = cur.found ? cur.rollback_to : std::nullopt;
        lspg::Deployment target;
        while (back) {
            target = lspg::deployment_by_id(*back);
            if (!target.found) break;
            const bool model_exists =
                !lspg::registry_sql("SELECT 1 FROM learnerscore.models WHERE id = $1::bigint", {std::to_string(target.model_id)})
                     .empty();
            if (model_exists && target.model_id != cur.model_id) break;
            back = target.rollback_to;
            target = lspg::Deployment();
        }
        if (!target.found)
            throw ls::ForeignError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                                   "model \"" + name + "\" has no earlier deployment to roll back to",
                                   cur.found ? "Version " + std::to_string(cur.version) + " is deployed." : "",
                                   "See SELECT * FROM learnerscore.model_deployments WHERE name = '" + name + "' ORDER BY id.");
        lspg::insert_deployment(name, target.model_id, target.version, "rollback", note_arg(fcinfo, 1), cur,
                                target.rollback_to);
        lspg::names_changed();
        PG_RETURN_INT32(target.version);
    });
}

// ls_prune_models(name text, keep int) returns int: drops all but the `keep`
// newest versions of the name, never the deployed one; returns how many went.
Datum ls_prune_models(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        if (PG_ARGISNULL(1)) null_argument("keep");
        const int32 keep = PG_GETARG_INT32(1);
        if (keep < 0) throw ls::ForeignError(ERRCODE_INVALID_PARAMETER_VALUE, "keep must be 0 or more");
        std::string name;
        owned_name(fcinfo, "prune_models()", "prune", name);
        const lspg::Deployment cur = lspg::current_deployment(name);
        SqlRows r = lspg::registry_sql(
            "SELECT id FROM learnerscore.models WHERE name = $1 AND id IS DISTINCT FROM $3::bigint "
            "ORDER BY version DESC OFFSET $2::int",
            {name, std::to_string(keep), cur.found ? SqlValue(std::to_string(cur.model_id)) : std::nullopt});
        for (const auto& row : r) {
            const std::int64_t id = std::stoll(*row.at(0));
            lspg::delete_model(id);
            lspg::evict_model(id);
        }
        lspg::names_changed();
        PG_RETURN_INT32(static_cast<int32>(r.size()));
    });
}

// ls_drop_model_version(name text, version int) returns boolean: drops one
// version; the deployed version is refused (deploy another one first, or drop_model(name)).
Datum ls_drop_model_version(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        if (PG_ARGISNULL(1)) null_argument("the version");
        const int32 version = PG_GETARG_INT32(1);
        std::string name;
        owned_name(fcinfo, "drop_model_version()", "drop", name);
        SqlRows r = lspg::registry_sql("SELECT id, version FROM learnerscore.models WHERE name = $1 AND version = $2::int",
                                       {name, std::to_string(version)});
        if (r.empty())
            throw ls::ForeignError(ERRCODE_UNDEFINED_OBJECT, "model \"" + name + "\" has no version " + std::to_string(version));
        const Version v = version_row(r);
        const lspg::Deployment cur = lspg::current_deployment(name);
        if (cur.found && cur.model_id == v.id)
            throw ls::ForeignError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                                   "version " + std::to_string(version) + " of model \"" + name + "\" is deployed", "",
                                   "Deploy another version first, or drop every version with learnerscore.drop_model(name).");
        lspg::delete_model(v.id);
        lspg::evict_model(v.id);
        lspg::names_changed();
        PG_RETURN_BOOL(true);
    });
}
