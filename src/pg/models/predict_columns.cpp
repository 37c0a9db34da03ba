// learnerscore.predict_columns(model, VARIADIC "any"): the features as
// separate arguments, in the model's order. Nothing is built per row (no
// array, no row value), so it is the fastest way to score a view; the
// conversion of each argument's type is worked out once per query.
#include <cmath>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/models/model.h"
#include "pg/base/boundary.h"
#include "pg/models/model_store.h"
#include "pg/base/value_conv.h"

extern "C" {
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(ls_predict_columns);
}

namespace {

using ls::ErrorKind;
using ls::fail;
using ls::models::RawValue;

using lspg::ValueConv;

// Per call site (FmgrInfo), palloc'd in fn_mcxt: plain data only.
struct ColumnsPlan {
    int nargs;
    ValueConv conv[FLEXIBLE_ARRAY_MEMBER];
};

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
            MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, offsetof(ColumnsPlan, conv) + (nargs + 1) * sizeof(ValueConv)));
        plan->nargs = nargs;
        for (int i = 0; i < nargs; ++i) plan->conv[i] = lspg::value_conv_for(get_fn_expr_argtype(fcinfo->flinfo, i + 1));
    });
    for (int i = 0; i < nargs; ++i)
        if (plan->conv[i] == ValueConv::Unsupported)
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
        m.check_feature_count(static_cast<std::size_t>(plan.nargs));
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
            const ValueConv c = plan.conv[j];
            if (lspg::is_text(c)) {
                if (numeric)
                    fail(ErrorKind::InvalidParameter, "feature \"" + m.feature_names()[j] + "\" is numeric but got a text value");
                const char* str = nullptr;
                int len = 0;
                lspg::pg_call([&]() { lspg::datum_text(d, c, &str, &len); });
                raw[j] = RawValue::str(std::string_view(str, static_cast<std::size_t>(len)));
                continue;
            }
            double v = 0;
            if (c == ValueConv::Num) lspg::pg_call([&]() { v = lspg::datum_number(d, c); });
            else v = lspg::datum_number(d, c);  // cannot fail
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
