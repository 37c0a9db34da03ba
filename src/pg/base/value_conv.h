// How a model input value of a PostgreSQL type becomes a number or a piece of
// text: one table shared by the training reader, predict(model, row) and
// predict_columns, so every entry point accepts the same types.
// Plain C-compatible helpers: they may ereport (numeric conversion, detoasting),
// so C++ callers wrap them in lspg::pg_call().
#pragma once

#include <cstring>

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "utils/fmgrprotos.h"
}

namespace lspg {

enum class ValueConv : unsigned char { F8, F4, I2, I4, I8, Num, Bool, Text, Name, CString, Unsupported };

// By the type's base type (domains over numbers work); an untyped literal
// (unknown) arrives as a C string.
ValueConv value_conv_for(Oid type);

inline bool is_text(ValueConv c) { return c == ValueConv::Text || c == ValueConv::Name || c == ValueConv::CString; }

// The number held by a non-NULL datum of a numeric conversion (not text).
// Inline: the training reader calls it for every value it reads.
inline double datum_number(Datum d, ValueConv c) {
    switch (c) {
        case ValueConv::F8: return DatumGetFloat8(d);
        case ValueConv::F4: return DatumGetFloat4(d);
        case ValueConv::I2: return DatumGetInt16(d);
        case ValueConv::I4: return DatumGetInt32(d);
        case ValueConv::I8: return static_cast<double>(DatumGetInt64(d));
        case ValueConv::Bool: return DatumGetBool(d) ? 1.0 : 0.0;
        case ValueConv::Num: return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
        default: elog(ERROR, "learnerscore: datum_number on a non-numeric value");
    }
    return 0;  // not reached
}

// The bytes of a non-NULL datum of a text conversion; they live as long as the datum
// (or its detoasted copy, in the current memory context).
inline void datum_text(Datum d, ValueConv c, const char** str, int* len) {
    if (c == ValueConv::Text) {
        text* t = reinterpret_cast<text*>(PG_DETOAST_DATUM_PACKED(d));
        *str = VARDATA_ANY(t);
        *len = static_cast<int>(VARSIZE_ANY_EXHDR(t));
        return;
    }
    const char* s = c == ValueConv::Name ? NameStr(*DatumGetName(d)) : DatumGetCString(d);
    *str = s;
    *len = static_cast<int>(std::strlen(s));
}

}  // namespace lspg
