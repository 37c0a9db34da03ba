#include "pg/base/boundary.h"

extern "C" {
#include "utils/builtins.h"
}

namespace lspg {

int sqlstate_for(ls::ErrorKind kind) noexcept {
    switch (kind) {
        case ls::ErrorKind::InvalidParameter: return ERRCODE_INVALID_PARAMETER_VALUE;
        case ls::ErrorKind::InvalidText: return ERRCODE_INVALID_TEXT_REPRESENTATION;
        case ls::ErrorKind::NumericOutOfRange: return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
        case ls::ErrorKind::DivisionByZero: return ERRCODE_DIVISION_BY_ZERO;
        case ls::ErrorKind::InvalidArgumentForFunction: return MAKE_SQLSTATE('2', '2', '0', '1', 'E');
        case ls::ErrorKind::DataException: return ERRCODE_DATA_EXCEPTION;
        case ls::ErrorKind::InvalidBinary: return ERRCODE_INVALID_BINARY_REPRESENTATION;
        case ls::ErrorKind::UndefinedObject: return ERRCODE_UNDEFINED_OBJECT;
        case ls::ErrorKind::UndefinedTable: return ERRCODE_UNDEFINED_TABLE;
        case ls::ErrorKind::UndefinedColumn: return ERRCODE_UNDEFINED_COLUMN;
        case ls::ErrorKind::FeatureNotSupported: return ERRCODE_FEATURE_NOT_SUPPORTED;
        case ls::ErrorKind::OutOfMemory: return ERRCODE_OUT_OF_MEMORY;
        case ls::ErrorKind::ProgramLimitExceeded: return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
        case ls::ErrorKind::Cancelled: return ERRCODE_QUERY_CANCELED;
        case ls::ErrorKind::Internal: return ERRCODE_INTERNAL_ERROR;
    }
    return ERRCODE_INTERNAL_ERROR;
}

void capture_current_exception(ErrorSlot& slot) noexcept {
    try {
        throw;
    } catch (const ls::Error& e) {
        slot.sqlstate = sqlstate_for(e.kind());
        slot.cancelled = e.kind() == ls::ErrorKind::Cancelled;
        strlcpy(slot.message, e.what(), sizeof(slot.message));
        strlcpy(slot.hint, e.hint().c_str(), sizeof(slot.hint));
    } catch (const ls::ForeignError& e) {
        slot.sqlstate = e.sqlstate();
        strlcpy(slot.message, e.what(), sizeof(slot.message));
        strlcpy(slot.detail, e.detail().c_str(), sizeof(slot.detail));
        strlcpy(slot.hint, e.hint().c_str(), sizeof(slot.hint));
    } catch (const std::bad_alloc&) {
        slot.sqlstate = ERRCODE_OUT_OF_MEMORY;
        strlcpy(slot.message, "learnerscore: out of memory", sizeof(slot.message));
        strlcpy(slot.hint, "Reduce the input size or raise the server's memory limits.", sizeof(slot.hint));
    } catch (const std::exception& e) {
        slot.sqlstate = ERRCODE_INTERNAL_ERROR;
        snprintf(slot.message, sizeof(slot.message), "learnerscore internal error: %s", e.what());
    } catch (...) {
        slot.sqlstate = ERRCODE_INTERNAL_ERROR;
        strlcpy(slot.message, "learnerscore internal error: unknown exception", sizeof(slot.message));
    }
}

void raise_error(const ErrorSlot& slot) {
    if (slot.cancelled) {
        // Let PostgreSQL report the real reason (statement timeout, user
        // cancel, termination) if an interrupt is pending.
        CHECK_FOR_INTERRUPTS();
    }
    ereport(ERROR, (errcode(slot.sqlstate), errmsg("%s", slot.message),
                    slot.detail[0] ? errdetail("%s", slot.detail) : 0,
                    slot.hint[0] ? errhint("%s", slot.hint) : 0));
    pg_unreachable();
}

namespace {
bool interrupt_pending() { return InterruptPending && (QueryCancelPending || ProcDiePending); }
}  // namespace

void install_interrupt_checker() { ls::set_interrupt_checker(&interrupt_pending); }

std::string text_to_string(const text* t) { return std::string(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)); }

text* string_to_text(const std::string& s) { return cstring_to_text_with_len(s.data(), static_cast<int>(s.size())); }

}  // namespace lspg
