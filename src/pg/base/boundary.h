// The C++/PostgreSQL error boundary (docs/architecture.md). Every fmgr entry point wraps
// its body in lspg::guarded(); C++ exceptions become ereport(ERROR) with a
// proper SQLSTATE *after* the catch block has ended, so no destructor is
// pending when PostgreSQL longjmps. PostgreSQL calls that may raise an ERROR
// from inside C++ code go through lspg::pg_call(), which turns the PG error
// into a C++ exception (ls::ForeignError) so destructors run on the way out.
#pragma once

// C++ standard headers must come before PostgreSQL's (port.h redefines
// snprintf and friends as macros).
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "core/base/error.h"
#include "core/base/interrupt.h"

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

namespace lspg {

// Plain-old-data copy of an error: lives on the stack of the entry point and
// has no destructor, so ereport() may longjmp over it.
struct ErrorSlot {
    int sqlstate = 0;
    bool cancelled = false;
    char message[2048] = {0};
    char detail[1024] = {0};
    char hint[1024] = {0};
};

// Fills `slot` from the exception currently being handled. Call only from
// inside a catch block.
void capture_current_exception(ErrorSlot& slot) noexcept;

// ereport(ERROR) from a captured slot; never returns.
[[noreturn]] void raise_error(const ErrorSlot& slot);

// Installs the core's interrupt checker (called from _PG_init).
void install_interrupt_checker();

int sqlstate_for(ls::ErrorKind kind) noexcept;

template <class Body>
inline Datum guarded(Body&& body) {
    ErrorSlot slot;
    try {
        return body();
    } catch (...) {
        capture_current_exception(slot);
    }
    raise_error(slot);
}

// Same for functions returning void (procedures, callbacks).
template <class Body>
inline void guarded_void(Body&& body) {
    ErrorSlot slot;
    try {
        body();
        return;
    } catch (...) {
        capture_current_exception(slot);
    }
    raise_error(slot);
}

// Runs `fn` (a thin lambda holding no objects with destructors) under
// PG_TRY; a PostgreSQL ERROR raised inside becomes ls::ForeignError.
template <class Fn>
inline void pg_call(Fn&& fn) {
    MemoryContext oldcxt = CurrentMemoryContext;
    volatile bool failed = false;
    ErrorSlot slot;
    PG_TRY();
    {
        fn();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(oldcxt);
        ErrorData* ed = CopyErrorData();
        FlushErrorState();
        slot.sqlstate = ed->sqlerrcode;
        if (ed->message) strlcpy(slot.message, ed->message, sizeof(slot.message));
        if (ed->detail) strlcpy(slot.detail, ed->detail, sizeof(slot.detail));
        if (ed->hint) strlcpy(slot.hint, ed->hint, sizeof(slot.hint));
        FreeErrorData(ed);
        failed = true;
    }
    PG_END_TRY();
    if (failed) throw ls::ForeignError(slot.sqlstate, slot.message, slot.detail, slot.hint);
}

// text* -> std::string (copy), and back (palloc'd in the current context).
std::string text_to_string(const text* t);
text* string_to_text(const std::string& s);

}  // namespace lspg
