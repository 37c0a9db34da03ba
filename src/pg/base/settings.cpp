// learnerscore.* settings. max_train_memory bounds memory that PostgreSQL's
// memory contexts do not see (Eigen/XGBoost buffers, the row states of the
// propensity aggregates), so a large query ends in a 53200 error that names
// the setting instead of meeting the OOM killer. Only superusers (or roles
// granted SET on the parameter) may change it: it protects the shared server.
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <string>

#include "core/base/error.h"
#include "pg/base/settings.h"
#include "pg/base/boundary.h"

extern "C" {
#include "utils/guc.h"
}

namespace {

int g_max_train_memory_kb = 0;  // set by define_settings()
int g_xgboost_nthread = 1;
int g_language = 0;  // learnerscore.language: 0 = en, 1 = ru
double g_risk_band_high = 0.7;
double g_risk_band_medium = 0.4;
int g_flow_days = 210;  // learnerscore.flow_days, read by SQL (<schema>.course_flows, 120)

int g_table_estimator = 0;  // learnerscore.table_estimator: TableEstimator

const struct config_enum_entry kTableEstimatorOptions[] = {
    {"auto", 0, false}, {"memory", 1, false}, {"passes", 2, false}, {nullptr, 0, false}};

const struct config_enum_entry kLanguageOptions[] = {{"en", 0, false}, {"ru", 1, false}, {nullptr, 0, false}};

// Default: a quarter of physical memory, between 256 MB and 1 TB (in kB, GUC_UNIT_KB).
int default_max_train_memory_kb() {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double kb = (pages > 0 && page > 0) ? static_cast<double>(pages) * page / 1024.0 / 4.0 : 1024.0 * 1024.0;
    kb = std::clamp(kb, 256.0 * 1024.0, 1024.0 * 1024.0 * 1024.0);
    return static_cast<int>(kb);
}

}  // namespace

namespace lspg {

void define_settings() {
    DefineCustomIntVariable(
        "learnerscore.max_train_memory",
        "Largest amount of memory training and the row-keeping causal aggregates may hold outside PostgreSQL's memory contexts.",
        "Default: a quarter of the machine's physical memory (at least 256MB). Past it the statement fails with SQLSTATE 53200.",
        &g_max_train_memory_kb, default_max_train_memory_kb(), 1024, INT_MAX, PGC_SUSET, GUC_UNIT_KB, nullptr, nullptr,
        nullptr);
    DefineCustomIntVariable("learnerscore.xgboost_nthread",
                            "Threads XGBoost uses when train() is given no nthread hyper-parameter.", nullptr,
                            &g_xgboost_nthread, 1, 1, 1024, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    // Read by SQL (current_setting) in learnerscore.reason_sentence / explain_reasons / risk_band (350, 190).
    DefineCustomEnumVariable("learnerscore.language",
                             "Language of the learner-score reasons (learner_scores.top_reasons): en or ru.", nullptr,
                             &g_language, 0, kLanguageOptions, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomRealVariable("learnerscore.risk_band_high",
                             "Dropout probability from which a learner is in the high risk band.",
                             "Must not be below learnerscore.risk_band_medium (checked when bands are computed).",
                             &g_risk_band_high, 0.7, 0.0, 1.0, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomRealVariable("learnerscore.risk_band_medium",
                             "Dropout probability from which a learner is in the medium risk band (below it: low).",
                             "Must not exceed learnerscore.risk_band_high (checked when bands are computed).",
                             &g_risk_band_medium, 0.4, 0.0, 1.0, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("learnerscore.flow_days",
                            "Days after a flow's start by which its learners' outcomes are final (<schema>.course_flows.flow_end).",
                            "Default 210, the course horizon of the 1T scoring specification. Learners of a flow that has not ended "
                            "are running: they are scored, never trained on.",
                            &g_flow_days, 210, 7, 3650, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomEnumVariable("learnerscore.table_estimator",
                             "How ate_from_table runs ipw and aipw: memory (read the rows once into a buffer), passes "
                             "(repeated parallel aggregate passes, no rows kept) or auto.",
                             "auto: passes for a Citus distributed table or when the rows would exceed "
                             "learnerscore.max_train_memory (from the planner's row estimate), else memory.",
                             &g_table_estimator, 0, kTableEstimatorOptions, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("learnerscore");
}

TableEstimator table_estimator() { return static_cast<TableEstimator>(g_table_estimator); }

std::size_t max_train_memory_bytes() { return static_cast<std::size_t>(g_max_train_memory_kb) * 1024; }

void check_train_memory(std::size_t bytes, const char* what) {
    if (bytes <= max_train_memory_bytes()) return;
    const auto mb = [](std::size_t b) { return std::to_string((b + (1 << 20) - 1) >> 20) + " MB"; };
    ls::fail(ls::ErrorKind::OutOfMemory,
             std::string(what) + " needs " + mb(bytes) + ", over learnerscore.max_train_memory (" +
                 mb(max_train_memory_bytes()) + ")",
             "Train on fewer rows or features, or ask a superuser to raise learnerscore.max_train_memory "
             "(ALTER SYSTEM, ALTER ROLE ... SET, or GRANT SET ON PARAMETER learnerscore.max_train_memory).");
}

}  // namespace lspg
