#include "pg/models/hyperparams.h"

#include <cctype>
#include <string>

#include "core/base/error.h"
#include "pg/base/boundary.h"

extern "C" {
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
}

namespace lspg {

namespace {

using ls::ErrorKind;
using ls::fail;

// The JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(const std::string& s) {
    std::size_t i = 0;
    const auto digits = [&]() {
        const std::size_t from = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        return i > from;
    };
    if (i < s.size() && s[i] == '-') ++i;
    if (i < s.size() && s[i] == '0') ++i;
    else if (!digits()) return false;
    if (i < s.size() && s[i] == '.' && (++i, !digits())) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == s.size();
}

JsonbValue string_value(const std::string& s) {
    JsonbValue v;
    v.type = jbvString;
    v.val.string.val = pnstrdup(s.data(), s.size());
    v.val.string.len = static_cast<int>(s.size());
    return v;
}

}  // namespace

ls::models::Params params_from_jsonb(FunctionCallInfo fcinfo, int argno) {
    if (PG_ARGISNULL(argno)) fail(ErrorKind::InvalidParameter, "params must be a jsonb object, e.g. {\"l2\": 1}");
    Jsonb* jb = PG_GETARG_JSONB_P(argno);
    if (!JB_ROOT_IS_OBJECT(jb)) fail(ErrorKind::InvalidParameter, "params must be a jsonb object, e.g. {\"l2\": 1}");
    // Keys and values are copied to palloc'd strings inside pg_call (which may
    // ERROR), and into the std::map after it.
    const int n = static_cast<int>(JB_ROOT_COUNT(jb));
    char** keys = nullptr;
    char** vals = nullptr;
    bool bad = false;
    pg_call([&]() {
        keys = static_cast<char**>(palloc0(sizeof(char*) * (n + 1)));
        vals = static_cast<char**>(palloc0(sizeof(char*) * (n + 1)));
        JsonbIterator* it = JsonbIteratorInit(&jb->root);
        JsonbValue v;
        JsonbIteratorToken tok;
        int k = -1;
        while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
            if (tok == WJB_KEY && k + 1 < n) {
                keys[++k] = pnstrdup(v.val.string.val, v.val.string.len);
            } else if (tok == WJB_VALUE && k >= 0) {
                if (v.type == jbvString) vals[k] = pnstrdup(v.val.string.val, v.val.string.len);
                else if (v.type == jbvBool) vals[k] = pstrdup(v.val.boolean ? "true" : "false");
                else if (v.type == jbvNumeric) vals[k] = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
                else bad = true;  // null, object or array
            }
        }
    });
    if (bad) fail(ErrorKind::InvalidParameter, "params values must be numbers, strings or booleans");
    ls::models::Params out;
    for (int i = 0; i < n; ++i)
        if (keys[i] && vals[i]) out[keys[i]] = vals[i];
    return out;
}

Datum params_to_jsonb(const ls::models::Params& params) {
    JsonbParseState* state = nullptr;
    pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
    for (const auto& [key, text] : params) {
        JsonbValue k = string_value(key);
        pushJsonbValue(&state, WJB_KEY, &k);
        JsonbValue v;
        if (is_json_number(text)) {
            v.type = jbvNumeric;
            v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text.c_str()),
                                                                ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
        } else {
            v = string_value(text);
        }
        pushJsonbValue(&state, WJB_VALUE, &v);
    }
    JsonbValue* object = pushJsonbValue(&state, WJB_END_OBJECT, nullptr);
    return JsonbPGetDatum(JsonbValueToJsonb(object));
}

}  // namespace lspg
