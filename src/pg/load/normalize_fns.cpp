// SQL wrappers of src/core/load/normalize.h: learnerscore.parse_timestamp(text,
// strict boolean) and friends. Non-strict mode returns NULL for a value that
// does not parse; strict mode raises an ERROR whose SQLSTATE tells why
// (22007 bad date/time format, 22008 date/time field out of range, 22P02 bad
// number/marker, 22003 number out of range, 22021 invalid UTF-8).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/load/normalize.h"
#include "pg/base/boundary.h"

extern "C" {
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(ls_parse_timestamp);
PG_FUNCTION_INFO_V1(ls_parse_int);
PG_FUNCTION_INFO_V1(ls_parse_real);
PG_FUNCTION_INFO_V1(ls_parse_result);
PG_FUNCTION_INFO_V1(ls_parse_int_or_marker);
PG_FUNCTION_INFO_V1(ls_parse_tg_bot);
PG_FUNCTION_INFO_V1(ls_parse_tz_offset);
PG_FUNCTION_INFO_V1(ls_parse_problem);
}

namespace {

std::string_view arg_view(FunctionCallInfo fcinfo, int n) {
    text* t = PG_GETARG_TEXT_PP(n);  // detoasted in the call's memory context
    return std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

bool strict_arg(FunctionCallInfo fcinfo) { return PG_NARGS() > 1 && !PG_ARGISNULL(1) && PG_GETARG_BOOL(1); }

template <class T>
[[noreturn]] void raise_fault(const char* fn, const ls::norm::Parsed<T>& p, bool is_datetime) {
    int state;
    switch (p.fault) {
        case ls::norm::Fault::Range:
            state = is_datetime ? ERRCODE_DATETIME_FIELD_OVERFLOW : ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
            break;
        case ls::norm::Fault::Encoding: state = ERRCODE_CHARACTER_NOT_IN_REPERTOIRE; break;
        default: state = is_datetime ? ERRCODE_INVALID_DATETIME_FORMAT : ERRCODE_INVALID_TEXT_REPRESENTATION;
    }
    throw ls::ForeignError(state, std::string("learnerscore.") + fn + ": " + p.error, {},
                           "Call it with strict => false to get NULL for values that do not parse.");
}

// Shared body: parse, then NULL / value / error.
template <class T, class Parse, class ToDatum>
Datum run(FunctionCallInfo fcinfo, const char* fn, bool is_datetime, Parse parse, ToDatum to_datum) {
    std::string_view raw = arg_view(fcinfo, 0);
    bool strict = strict_arg(fcinfo);
    return lspg::guarded([&]() -> Datum {
        ls::norm::Parsed<T> p = parse(raw);
        if (!p.ok()) {
            if (strict) raise_fault(fn, p, is_datetime);
            PG_RETURN_NULL();
        }
        if (p.is_null()) PG_RETURN_NULL();
        return to_datum(*p.value);
    });
}

}  // namespace

Datum ls_parse_timestamp(PG_FUNCTION_ARGS) {
    return run<ls::norm::Timestamp>(fcinfo, "parse_timestamp", true, ls::norm::parse_timestamp,
                                    [](const ls::norm::Timestamp& t) { return TimestampGetDatum(t.pg_micros()); });
}

Datum ls_parse_int(PG_FUNCTION_ARGS) {
    return run<std::int32_t>(fcinfo, "parse_int", false, ls::norm::parse_int, [](std::int32_t v) { return Int32GetDatum(v); });
}

Datum ls_parse_real(PG_FUNCTION_ARGS) {
    return run<double>(fcinfo, "parse_real", false, ls::norm::parse_real, [](double v) { return Float8GetDatum(v); });
}

Datum ls_parse_result(PG_FUNCTION_ARGS) {
    return run<std::int32_t>(fcinfo, "parse_result", false, ls::norm::parse_result,
                             [](std::int32_t v) { return Int32GetDatum(v); });
}

Datum ls_parse_int_or_marker(PG_FUNCTION_ARGS) {
    return run<std::int32_t>(fcinfo, "parse_int_or_marker", false, ls::norm::parse_int_or_marker,
                             [](std::int32_t v) { return Int32GetDatum(v); });
}

Datum ls_parse_tg_bot(PG_FUNCTION_ARGS) {
    return run<std::int32_t>(fcinfo, "parse_tg_bot", false, ls::norm::parse_tg_bot,
                             [](std::int32_t v) { return Int32GetDatum(v); });
}

Datum ls_parse_tz_offset(PG_FUNCTION_ARGS) {
    return run<double>(fcinfo, "parse_tz_offset", false, ls::norm::parse_tz_offset, [](double v) { return Float8GetDatum(v); });
}

// parse_problem(kind, raw): the reason `raw` is refused by parse_<kind>, or NULL when it parses.
Datum ls_parse_problem(PG_FUNCTION_ARGS) {
    std::string_view kind = arg_view(fcinfo, 0);
    std::string_view raw = arg_view(fcinfo, 1);
    return lspg::guarded([&]() -> Datum {
        std::string err;
        if (kind == "timestamp") err = ls::norm::parse_timestamp(raw).error;
        else if (kind == "int") err = ls::norm::parse_int(raw).error;
        else if (kind == "real") err = ls::norm::parse_real(raw).error;
        else if (kind == "result") err = ls::norm::parse_result(raw).error;
        else if (kind == "int_or_marker") err = ls::norm::parse_int_or_marker(raw).error;
        else if (kind == "tg_bot") err = ls::norm::parse_tg_bot(raw).error;
        else if (kind == "tz_offset") err = ls::norm::parse_tz_offset(raw).error;
        else if (kind == "text") err = ls::norm::parse_text(raw).error;
        else
            ls::fail(ls::ErrorKind::InvalidParameter, "parse_problem: unknown kind \"" + std::string(kind.substr(0, 40)) + "\"",
                     "Use one of: timestamp, int, real, result, int_or_marker, tg_bot, tz_offset, text.");
        if (err.empty()) PG_RETURN_NULL();
        PG_RETURN_TEXT_P(lspg::string_to_text(err));
    });
}
