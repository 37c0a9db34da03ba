// SQL entry points of the registry itself: drop_model() and the trigger that
// keeps learnerscore.models immutable.
#include <string>

#include "core/base/error.h"
#include "pg/base/boundary.h"
#include "pg/models/model_registry.h"
#include "pg/models/model_store.h"

extern "C" {
#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/rel.h"

PG_FUNCTION_INFO_V1(ls_drop_model);
PG_FUNCTION_INFO_V1(ls_models_guard);
}

// ls_drop_model(name text, if_exists boolean) returns boolean
Datum ls_drop_model(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        const bool if_exists = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
        if (PG_ARGISNULL(0)) {  // names no model, as it always did
            if (if_exists) PG_RETURN_BOOL(false);
            throw ls::ForeignError(ERRCODE_UNDEFINED_OBJECT, "model \"<NULL>\" does not exist");
        }
        const std::string name = lspg::text_to_string(PG_GETARG_TEXT_PP(0));
        lspg::lock_model_name(name);
        const lspg::RegistryEntry e = lspg::find_model(name);
        if (!e.found) {
            if (if_exists) PG_RETURN_BOOL(false);
            throw ls::ForeignError(ERRCODE_UNDEFINED_OBJECT, "model \"" + name + "\" does not exist");
        }
        lspg::check_model_owner(name, e.owner, "drop");
        if (lspg::registry_versioned()) {
            // every version of the name and its deployment history: the name is free again
            lspg::SqlRows r = lspg::registry_sql("SELECT id FROM learnerscore.models WHERE name = $1", {name});
            for (const auto& row : r) {
                const std::int64_t id = std::stoll(*row.at(0));
                lspg::delete_model(id);
                lspg::evict_model(id);
            }
            lspg::delete_deployments(name);
        } else {
            lspg::delete_model(e.id);
            lspg::evict_model(e.id);
        }
        lspg::names_changed();
        PG_RETURN_BOOL(true);
    });
}

// BEFORE UPDATE OR DELETE (row) / TRUNCATE (statement) on learnerscore.models.
// Only the table's owner can write it at all; this keeps even the owner (a
// superuser's stray statement) from changing a model, and lets a row go only
// through drop_model() (a flag set by C code, not a setting anyone can change).
Datum ls_models_guard(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        if (!CALLED_AS_TRIGGER(fcinfo)) ls::fail(ls::ErrorKind::Internal, "ls_models_guard: not called as a trigger");
        auto* td = reinterpret_cast<TriggerData*>(fcinfo->context);
        const bool history = strcmp(RelationGetRelationName(td->tg_relation), "model_deployments") == 0;
        if (history) {
            if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
                throw ls::ForeignError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "the model deployment history is append-only",
                                       "", "Deploy with learnerscore.deploy() or learnerscore.rollback().");
            if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event) || !lspg::registry_delete_in_progress())
                throw ls::ForeignError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                                       "deployment history rows are deleted only through learnerscore.drop_model(name)");
            return PointerGetDatum(td->tg_trigtuple);
        }
        if (TRIGGER_FIRED_BY_UPDATE(td->tg_event)) {
            std::string name;
            lspg::pg_call([&]() {
                bool isnull;
                Datum d = heap_getattr(td->tg_trigtuple, SPI_fnumber(td->tg_relation->rd_att, "name"),
                                       td->tg_relation->rd_att, &isnull);
                if (!isnull) name = TextDatumGetCString(d);
            });
            throw ls::ForeignError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                                   "trained models are immutable (model \"" + name + "\")", "",
                                   "Train a new model under a new name, or drop this one with learnerscore.drop_model().");
        }
        if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event) || !lspg::registry_delete_in_progress())
            throw ls::ForeignError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                                   "models are deleted only through learnerscore.drop_model(name), drop_model_version() or prune_models()");
        return PointerGetDatum(td->tg_trigtuple);
    });
}
