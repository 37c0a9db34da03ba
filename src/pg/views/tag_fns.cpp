// SQL entry points of the tag parser (src/core/views/tag_parser.h):
// learnerscore.parse_tag_change, normalize_tag, learning_format, has_payment,
// tag_modules and the ordered aggregate tag_fold (step / combine / final).
// Text is handed to the core as UTF-8: in a database of another encoding it is
// converted on the way in and out (SQL_ASCII is passed through as bytes).
#include <string>
#include <vector>

#include "core/views/tag_parser.h"
#include "pg/base/boundary.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(ls_parse_tag_change);
PG_FUNCTION_INFO_V1(ls_normalize_tag);
PG_FUNCTION_INFO_V1(ls_learning_format);
PG_FUNCTION_INFO_V1(ls_has_payment);
PG_FUNCTION_INFO_V1(ls_tag_modules);
PG_FUNCTION_INFO_V1(ls_tag_fold_step);
PG_FUNCTION_INFO_V1(ls_tag_fold_combine);
PG_FUNCTION_INFO_V1(ls_tag_fold_final);
}

namespace {

using ls::tags::TagList;

bool needs_conversion() {
    const int enc = GetDatabaseEncoding();
    return enc != PG_UTF8 && enc != PG_SQL_ASCII;
}

// Server text -> UTF-8 std::string (conversion errors become C++ exceptions).
std::string to_utf8(const char* data, int len) {
    if (!needs_conversion()) return std::string(data, len);
    char* conv = nullptr;
    lspg::pg_call([&]() { conv = pg_server_to_any(data, len, PG_UTF8); });
    std::string out(conv, strlen(conv));
    return out;
}

// A detoasted text[] argument as raw (pointer, length) pairs; NULL elements
// are skipped. Called before any C++ object exists, so PG errors are plain.
struct RawArray {
    Datum* elems = nullptr;
    bool* nulls = nullptr;
    int n = 0;
};

RawArray raw_text_array(ArrayType* arr) {
    RawArray r;
    deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &r.elems, &r.nulls, &r.n);
    return r;
}

TagList to_list(const RawArray& r) {
    TagList out;
    out.reserve(r.n);
    for (int i = 0; i < r.n; ++i) {
        if (r.nulls[i]) continue;
        const text* t = reinterpret_cast<const text*>(DatumGetPointer(r.elems[i]));
        out.push_back(to_utf8(VARDATA_ANY(t), static_cast<int>(VARSIZE_ANY_EXHDR(t))));
    }
    return out;
}

text* make_text(const std::string& utf8) {
    text* out = nullptr;
    lspg::pg_call([&]() {
        if (needs_conversion()) {
            char* conv = pg_any_to_server(utf8.data(), static_cast<int>(utf8.size()), PG_UTF8);
            out = cstring_to_text(conv);
        } else {
            out = cstring_to_text_with_len(utf8.data(), static_cast<int>(utf8.size()));
        }
    });
    return out;
}

ArrayType* make_text_array(const TagList& tags) {
    std::vector<Datum> datums;
    datums.reserve(tags.size());
    for (const auto& t : tags) datums.push_back(PointerGetDatum(make_text(t)));
    ArrayType* out = nullptr;
    lspg::pg_call([&]() {
        out = construct_array(datums.data(), static_cast<int>(datums.size()), TEXTOID, -1, false, TYPALIGN_INT);
    });
    return out;
}

}  // namespace

// parse_tag_change(comment) -> (tags_before, tags_after, tags_added,
// tags_removed, full_set); NULL when the comment is not a tag change.
Datum ls_parse_tag_change(PG_FUNCTION_ARGS) {
    text* arg = PG_GETARG_TEXT_PP(0);
    TupleDesc tupdesc;
    if (get_call_result_type(fcinfo, nullptr, &tupdesc) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("parse_tag_change must return a record")));
    tupdesc = BlessTupleDesc(tupdesc);
    bool is_null = false;
    Datum result = lspg::guarded([&]() -> Datum {
        const std::string comment = to_utf8(VARDATA_ANY(arg), static_cast<int>(VARSIZE_ANY_EXHDR(arg)));
        const ls::tags::TagChange c = ls::tags::parse_tag_change(comment);
        if (c.kind == ls::tags::ChangeKind::None) {
            is_null = true;
            return Datum(0);
        }
        Datum values[5];
        bool nulls[5] = {!c.has_before, false, false, false, false};
        values[0] = c.has_before ? PointerGetDatum(make_text_array(c.before)) : Datum(0);
        values[1] = PointerGetDatum(make_text_array(c.after));
        values[2] = PointerGetDatum(make_text_array(c.added));
        values[3] = PointerGetDatum(make_text_array(c.removed));
        values[4] = BoolGetDatum(c.kind == ls::tags::ChangeKind::FullSet);
        HeapTuple tuple = nullptr;
        lspg::pg_call([&]() { tuple = heap_form_tuple(tupdesc, values, nulls); });
        return HeapTupleGetDatum(tuple);
    });
    if (is_null) PG_RETURN_NULL();
    return result;
}

Datum ls_normalize_tag(PG_FUNCTION_ARGS) {
    text* arg = PG_GETARG_TEXT_PP(0);
    return lspg::guarded([&]() -> Datum {
        const std::string tag = to_utf8(VARDATA_ANY(arg), static_cast<int>(VARSIZE_ANY_EXHDR(arg)));
        PG_RETURN_TEXT_P(make_text(ls::tags::normalize_tag(tag)));
    });
}

// learning_format(tags) -> 'online' | 'offline' | NULL (neither or both).
Datum ls_learning_format(PG_FUNCTION_ARGS) {
    RawArray raw = raw_text_array(PG_GETARG_ARRAYTYPE_P(0));
    bool is_null = false;
    Datum result = lspg::guarded([&]() -> Datum {
        switch (ls::tags::learning_format(to_list(raw))) {
            case ls::tags::Format::Online: PG_RETURN_TEXT_P(make_text("online"));
            case ls::tags::Format::Offline: PG_RETURN_TEXT_P(make_text("offline"));
            default: is_null = true; return Datum(0);
        }
    });
    if (is_null) PG_RETURN_NULL();
    return result;
}

Datum ls_has_payment(PG_FUNCTION_ARGS) {
    RawArray raw = raw_text_array(PG_GETARG_ARRAYTYPE_P(0));
    return lspg::guarded([&]() -> Datum { PG_RETURN_BOOL(ls::tags::has_payment(to_list(raw))); });
}

// tag_modules(tags, status) -> int[] of n with '#M<n>-<status>' in tags.
Datum ls_tag_modules(PG_FUNCTION_ARGS) {
    RawArray raw = raw_text_array(PG_GETARG_ARRAYTYPE_P(0));
    text* status = PG_GETARG_TEXT_PP(1);
    return lspg::guarded([&]() -> Datum {
        const std::string st = to_utf8(VARDATA_ANY(status), static_cast<int>(VARSIZE_ANY_EXHDR(status)));
        const std::vector<int> mods = ls::tags::modules_with_status(to_list(raw), st);
        std::vector<Datum> datums;
        for (int m : mods) datums.push_back(Int32GetDatum(m));
        ArrayType* out = nullptr;
        lspg::pg_call([&]() {
            out = construct_array(datums.data(), static_cast<int>(datums.size()), INT4OID, 4, true, TYPALIGN_INT);
        });
        PG_RETURN_ARRAYTYPE_P(out);
    });
}

// Aggregate tag_fold(comment ORDER BY created_at): state text[] (see
// ls::tags::encode_state). Not STRICT: a NULL state is the empty delta, a
// NULL comment changes nothing.
Datum ls_tag_fold_step(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(1)) {
        if (PG_ARGISNULL(0)) PG_RETURN_NULL();
        PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    }
    RawArray raw;
    if (!PG_ARGISNULL(0)) raw = raw_text_array(PG_GETARG_ARRAYTYPE_P(0));
    text* comment = PG_GETARG_TEXT_PP(1);
    return lspg::guarded([&]() -> Datum {
        ls::tags::TagState s = ls::tags::decode_state(to_list(raw));
        const std::string c = to_utf8(VARDATA_ANY(comment), static_cast<int>(VARSIZE_ANY_EXHDR(comment)));
        ls::tags::apply_change(s, ls::tags::parse_tag_change(c));
        PG_RETURN_ARRAYTYPE_P(make_text_array(ls::tags::encode_state(s)));
    });
}

Datum ls_tag_fold_combine(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0) && PG_ARGISNULL(1)) PG_RETURN_NULL();
    if (PG_ARGISNULL(0)) PG_RETURN_DATUM(PG_GETARG_DATUM(1));
    if (PG_ARGISNULL(1)) PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    RawArray a = raw_text_array(PG_GETARG_ARRAYTYPE_P(0));
    RawArray b = raw_text_array(PG_GETARG_ARRAYTYPE_P(1));
    return lspg::guarded([&]() -> Datum {
        ls::tags::TagState s = ls::tags::combine(ls::tags::decode_state(to_list(a)), ls::tags::decode_state(to_list(b)));
        PG_RETURN_ARRAYTYPE_P(make_text_array(ls::tags::encode_state(s)));
    });
}

// The tag set a state stands for (an unknown start counts as empty).
Datum ls_tag_fold_final(PG_FUNCTION_ARGS) {
    RawArray raw;
    if (!PG_ARGISNULL(0)) raw = raw_text_array(PG_GETARG_ARRAYTYPE_P(0));
    return lspg::guarded([&]() -> Datum {
        const ls::tags::TagState s = ls::tags::decode_state(to_list(raw));
        PG_RETURN_ARRAYTYPE_P(make_text_array(ls::tags::state_tags(s)));
    });
}
