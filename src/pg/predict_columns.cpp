// learnerscore.predict_columns(model, VARIADIC "any"): the features as
// separate arguments, in the model's order. Nothing is built per row (no
// array, no row value), so it is the fastest way to score a view; the
// conversion of each argument's type is worked out once per query.
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/model.h"
#include "pg/boundary.h"
#include "pg/model_store.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(ls_predict_columns);
}

namespace {

using ls::ErrorKind;
using ls::fail;
using ls::models::RawValue;

enum class ArgConv : unsigned char { F8, F4, I2, I4, I8, Bool, Num, Text, CString, Unsupported };

// Per call site (FmgrInfo), palloc'd in fn_mcxt: plain data only.
struct ColumnsPlan {
    int nargs;
    ArgConv conv[FLEXIBLE_ARRAY_MEMBER];
};

ArgConv conv_of(Oid type) {
    switch (getBaseType(type)) {
        case FLOAT8OID: return ArgConv::F8;
        case FLOAT4OID: return ArgConv::F4;
        case INT2OID: return ArgConv::I2;
        case INT4OID: return ArgConv::I4;
        case INT8OID: return ArgConv::I8;
        case BOOLOID: return ArgConv::Bool;
        case NUMERICOID: return ArgConv::Num;
        case TEXTOID: case VARCHAROID: case BPCHAROID: return ArgConv::Text;
        case UNKNOWNOID: case CSTRINGOID: return ArgConv::CString;  // an untyped literal arrives as a C string
        default: return ArgConv::Unsupported;
    }
}

const ColumnsPlan& plan_for(FunctionCallInfo fcinfo) {
    void*& slot = lspg::call_site_slot(fcinfo);
    if (slot) return *static_cast<const ColumnsPlan*>(slot);
    const int nargs = PG_NARGS() - 1;
    ColumnsPlan* plan = nullptr;
    lspg::pg_call([&]() {
        if (get_fn_expr_variadic(fcinfo->flinfo))
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("predict_columns takes the features as separate arguments, not as a VARIADIC array"),
                            errhint("For an array use learnerscore.predict(model, float8[]).")));
        plan = static_cast<ColumnsPlan*>(
            MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, offsetof(ColumnsPlan, conv) + nargs + 1));
        plan->nargs = nargs;
        for (int i = 0; i < nargs; ++i) plan->conv[i] = conv_of(get_fn_expr_argtype(fcinfo->flinfo, i + 1));
    });
    for (int i = 0; i < nargs; ++i)
        if (plan->conv[i] == ArgConv::Unsupported)
            fail(ErrorKind::FeatureNotSupported, "argument " + std::to_string(i + 2) + " of predict_columns has a type a model cannot use",
                 "Features are numbers, booleans or text.");
    slot = plan;
    return *plan;
}

}  // namespace

// ls_predict_columns(model text|bigint, VARIADIC "any") returns float8
Datum ls_predict_columns(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        if (PG_ARGISNULL(0)) PG_RETURN_NULL();  // like predict(): no model, no score
        const ls::models::Model& m = lspg::model_for_call(fcinfo, 0);
        const ColumnsPlan& plan = plan_for(fcinfo);
        const std::size_t nf = m.feature_count();
        if (static_cast<std::size_t>(plan.nargs) != nf) {
            std::string names;
            for (const auto& f : m.feature_names()) names += (names.empty() ? "" : ", ") + f;
            fail(ErrorKind::InvalidParameter,
                 "the model expects " + std::to_string(nf) + " features, got " + std::to_string(plan.nargs),
                 "Features in order: " + names + ".");
        }
        // Numeric values packed in order plus a presence bitmap (the layout of
        // predict_numeric), or raw values when the model has text features.
        static std::vector<double>& values = *new std::vector<double>();
        static std::vector<std::uint8_t>& present = *new std::vector<std::uint8_t>();
        static std::vector<RawValue>& raw = *new std::vector<RawValue>();
        const bool numeric = m.all_numeric();
        values.resize(nf);
        present.assign((nf + 7) / 8, 0);
        if (!numeric) raw.assign(nf, RawValue::null());
        std::size_t k = 0;
        for (std::size_t j = 0; j < nf; ++j) {
            const int a = static_cast<int>(j) + 1;
            if (PG_ARGISNULL(a)) continue;
            const Datum d = PG_GETARG_DATUM(a);
            double v = 0;
            switch (plan.conv[j]) {
                case ArgConv::F8: v = DatumGetFloat8(d); break;
                case ArgConv::F4: v = DatumGetFloat4(d); break;
                case ArgConv::I2: v = DatumGetInt16(d); break;
                case ArgConv::I4: v = DatumGetInt32(d); break;
                case ArgConv::I8: v = static_cast<double>(DatumGetInt64(d)); break;
                case ArgConv::Bool: v = DatumGetBool(d) ? 1 : 0; break;
                case ArgConv::Num:
                    lspg::pg_call([&]() { v = DatumGetFloat8(DirectFunctionCall1(numeric_float8, d)); });
                    break;
                case ArgConv::Text:
                case ArgConv::CString: {
                    if (numeric)
                        fail(ErrorKind::InvalidParameter, "feature \"" + m.feature_names()[j] + "\" is numeric but got a text value");
                    if (plan.conv[j] == ArgConv::CString) {
                        raw[j] = RawValue::str(std::string_view(DatumGetCString(d)));
                    } else {
                        text* t = nullptr;
                        lspg::pg_call([&]() { t = reinterpret_cast<text*>(PG_DETOAST_DATUM_PACKED(d)); });
                        raw[j] = RawValue::str(std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
                    }
                    continue;
                }
                case ArgConv::Unsupported: break;
            }
            if (numeric) {
                values[k++] = v;
                present[j / 8] |= static_cast<std::uint8_t>(1u << (j % 8));
            } else {
                raw[j] = RawValue::num(v);
            }
        }
        PG_RETURN_FLOAT8(numeric ? m.predict_numeric(values.data(), present.data()) : m.predict(raw.data()));
    });
}
