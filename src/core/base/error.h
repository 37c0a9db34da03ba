// Error type of the pure C++ core. The PostgreSQL glue (src/pg/base/boundary.h) maps
// each kind to a SQLSTATE; nothing in src/core knows about PostgreSQL.
#pragma once
#include <stdexcept>
#include <string>

namespace ls {

enum class ErrorKind {
    InvalidParameter,   // 22023 invalid_parameter_value
    InvalidText,        // 22P02 invalid_text_representation
    NumericOutOfRange,  // 22003 numeric_value_out_of_range
    DivisionByZero,     // 22012 division_by_zero
    InvalidArgumentForFunction,  // 2201E / generic data exception (22000)
    DataException,      // 22000 data_exception
    InvalidBinary,      // 22P03 invalid_binary_representation (a malformed aggregate state)
    UndefinedObject,    // 42704 undefined_object
    UndefinedTable,     // 42P01 undefined_table
    UndefinedColumn,    // 42703 undefined_column
    FeatureNotSupported,// 0A000
    OutOfMemory,        // 53200
    ProgramLimitExceeded, // 54000
    Cancelled,          // 57014, raised by check_interrupts()
    Internal            // XX000: a bug, never a user error
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message, std::string hint = {})
        : std::runtime_error(message), kind_(kind), hint_(std::move(hint)) {}
    ErrorKind kind() const noexcept { return kind_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    ErrorKind kind_;
    std::string hint_;
};

// An error that came from PostgreSQL itself and was converted into a C++
// exception so that C++ destructors run; the boundary re-raises it with its
// original SQLSTATE (the raw value produced by MAKE_SQLSTATE).
class ForeignError : public std::runtime_error {
public:
    ForeignError(int sqlstate, const std::string& message, std::string detail = {}, std::string hint = {})
        : std::runtime_error(message), sqlstate_(sqlstate), detail_(std::move(detail)), hint_(std::move(hint)) {}
    int sqlstate() const noexcept { return sqlstate_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    int sqlstate_;
    std::string detail_;
    std::string hint_;
};

[[noreturn]] inline void fail(ErrorKind kind, const std::string& message, const std::string& hint = {}) {
    throw Error(kind, message, hint);
}

}  // namespace ls
