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
    MarkGUCPrefixReserved("learnerscore");
}

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
