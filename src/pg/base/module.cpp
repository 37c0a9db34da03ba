// Module entry: PG_MODULE_MAGIC, _PG_init and version. (The boundary
// self-test lives in the test-only extension, tests/extension/.)
#include "core/base/version.h"
#include "pg/base/boundary.h"
#include "pg/base/settings.h"

extern "C" {
#include "utils/builtins.h"

PG_MODULE_MAGIC;

void _PG_init(void);
PG_FUNCTION_INFO_V1(ls_version);
}

void _PG_init(void) {
    lspg::install_interrupt_checker();
    lspg::define_settings();
}

Datum ls_version(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { PG_RETURN_TEXT_P(cstring_to_text(ls::kVersion)); });
}
