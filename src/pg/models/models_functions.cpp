// SQL entry points of the models: training (fit, then register through
// pg/models/model_registry.h), cross-validation, predict and explain.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <tuple>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/models/model.h"
#include "pg/base/boundary.h"
#include "pg/models/hyperparams.h"
#include "pg/models/model_registry.h"
#include "pg/models/model_store.h"
#include "pg/models/models_reader.h"
#include "pg/models/train_passes_pg.h"
#include "pg/base/settings.h"
#include "pg/base/value_conv.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/guc.h"
#include "utils/numeric.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(ls_train);
PG_FUNCTION_INFO_V1(ls_cross_validate);
PG_FUNCTION_INFO_V1(ls_predict);
PG_FUNCTION_INFO_V1(ls_explain);
}

namespace {

using ls::ErrorKind;
using ls::fail;
using ls::models::RawValue;

std::vector<std::string> text_array(ArrayType* arr, const char* what) {
    Datum* elems = nullptr;
    bool* nulls = nullptr;
    int n = 0;
    lspg::pg_call([&]() {
        if (ARR_NDIM(arr) > 1) elog(ERROR, "multi-dimensional array");
        deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
    });
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
        if (nulls[i]) fail(ErrorKind::InvalidParameter, std::string(what) + " must not contain NULL");
        out.push_back(lspg::text_to_string(DatumGetTextPP(elems[i])));
    }
    return out;
}

std::string json_str(const std::string& s) {
    std::string o = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') { o += '\\'; o += static_cast<char>(c); }
        else if (c < 0x20) { char b[8]; snprintf(b, sizeof b, "\\u%04x", c); o += b; }
        else o += static_cast<char>(c);
    }
    return o + "\"";
}

std::string json_num(double v) {
    if (!std::isfinite(v)) return "null";
    char b[40];
    snprintf(b, sizeof b, "%.17g", v);
    return b;
}

std::string summary_json(const ls::models::Model& m, const ls::metrics::Summary& s) {
    if (m.classifier)
        return "{\"auc\": " + json_num(s.auc) + ", \"log_loss\": " + json_num(s.log_loss) + ", \"brier\": " +
               json_num(s.brier) + ", \"calibration_error\": " + json_num(s.calibration_error) + ", \"accuracy\": " +
               json_num(s.accuracy) + "}";
    return "{\"mae\": " + json_num(s.mae) + ", \"rmse\": " + json_num(s.rmse) + ", \"r2\": " + json_num(s.r2) + "}";
}

Datum jsonb_from(const std::string& s) {
    Datum d = 0;
    lspg::pg_call([&]() { d = DirectFunctionCall1(jsonb_in, CStringGetDatum(s.c_str())); });
    return d;
}

struct FitArgs {
    lspg::SourceSpec spec;
    std::string algorithm;
    ls::models::Params params;
};

// (source, target, features, algorithm, params jsonb) at arguments first..first+4.
FitArgs fit_args(FunctionCallInfo fcinfo, int first) {
    // The parameters are checked first, as train() always did.
    ls::models::Params params = lspg::params_from_jsonb(fcinfo, first + 4);
    for (int i = first; i < first + 4; ++i)
        if (PG_ARGISNULL(i)) fail(ErrorKind::InvalidParameter, "train arguments must not be NULL");
    FitArgs a;
    a.spec.source = lspg::text_to_string(PG_GETARG_TEXT_PP(first));
    a.spec.target = lspg::text_to_string(PG_GETARG_TEXT_PP(first + 1));
    if (a.spec.target.empty()) fail(ErrorKind::InvalidParameter, "the target name is empty");
    a.spec.features = text_array(PG_GETARG_ARRAYTYPE_P(first + 2), "features");
    a.algorithm = lspg::text_to_string(PG_GETARG_TEXT_PP(first + 3));
    a.params = std::move(params);
    // XGBoost's thread count defaults to the setting learnerscore.xgboost_nthread.
    if (a.algorithm == "xgboost" && !a.params.count("nthread")) {
        const char* v = nullptr;
        lspg::pg_call([&]() { v = GetConfigOption("learnerscore.xgboost_nthread", true, false); });
        a.params["nthread"] = v && *v ? v : "1";
    }
    return a;
}

// The float8[] features argument, checked against the model's feature count.
ArrayType* feature_array(FunctionCallInfo fcinfo, int argno, const ls::models::Model& m) {
    ArrayType* arr = PG_GETARG_ARRAYTYPE_P(argno);
    if (ARR_NDIM(arr) > 1) fail(ErrorKind::InvalidParameter, "features must be a one-dimensional array");
    m.check_feature_count(ARR_NDIM(arr) == 0 ? 0 : static_cast<std::size_t>(ARR_DIMS(arr)[0]));
    return arr;
}

// How to read a model's features from rows of one row type.
struct RowPlan {
    std::vector<int> pos;        // attribute index of each feature
    std::vector<lspg::ValueConv> conv;  // its conversion
};

// The plan for (model, row type), built on first use and kept per backend;
// dropped when the model cache changes (a freed model's address may be reused).
// Errors for missing columns or unusable types are raised here, once.
const RowPlan& row_plan(FunctionCallInfo fcinfo, int argno, Oid argtype, const ls::models::Model& m) {
    HeapTupleHeader th = nullptr;
    bool rowtype = false;
    lspg::pg_call([&]() {
        rowtype = argtype == RECORDOID || type_is_rowtype(argtype);
        if (rowtype) th = PG_GETARG_HEAPTUPLEHEADER(argno);
    });
    if (!rowtype) fail(ErrorKind::FeatureNotSupported, "features must be float8[], jsonb or a row");
    const Oid type = HeapTupleHeaderGetTypeId(th);
    const int32 typmod = HeapTupleHeaderGetTypMod(th);
    using Key = std::tuple<const void*, Oid, int32>;
    static std::map<Key, RowPlan>& plans = *new std::map<Key, RowPlan>();
    static std::uint64_t plans_generation = 0;
    if (plans.size() > 256 || plans_generation != lspg::model_cache_generation()) {
        plans.clear();
        plans_generation = lspg::model_cache_generation();
    }
    const Key key{static_cast<const void*>(&m), type, typmod};
    if (auto it = plans.find(key); it != plans.end()) return it->second;

    const auto names = m.feature_names();
    const std::size_t nf = names.size();
    std::vector<int> pos(nf, -1);
    std::vector<lspg::ValueConv> conv(nf, lspg::ValueConv::Unsupported);
    int* pp = pos.data();
    lspg::ValueConv* cp = conv.data();
    std::vector<const char*> cnames(nf);
    for (std::size_t j = 0; j < nf; ++j) cnames[j] = names[j].c_str();
    const char** cn = cnames.data();
    lspg::pg_call([&]() {
        TupleDesc td = lookup_rowtype_tupdesc(type, typmod);
        for (std::size_t j = 0; j < nf; ++j)
            for (int a = 0; a < td->natts; ++a) {
                Form_pg_attribute att = TupleDescAttr(td, a);
                if (!att->attisdropped && strcmp(NameStr(att->attname), cn[j]) == 0) {
                    pp[j] = a;
                    cp[j] = lspg::value_conv_for(att->atttypid);
                    break;
                }
            }
        ReleaseTupleDesc(td);
    });
    for (std::size_t j = 0; j < nf; ++j) {
        if (pos[j] < 0) fail(ErrorKind::UndefinedColumn, "the row has no column \"" + names[j] + "\" (a feature of the model)");
        if (conv[j] == lspg::ValueConv::Unsupported)
            fail(ErrorKind::FeatureNotSupported, "column \"" + names[j] + "\" has a type a model cannot use");
    }
    RowPlan plan;
    plan.pos = std::move(pos);
    plan.conv = std::move(conv);
    return plans.emplace(key, std::move(plan)).first->second;
}

// The raw feature values of one row, from a float8[], a jsonb object or a record.
// Strings point into the argument datum, which outlives the call.
// Fills `row` (reused by the caller: no allocation per row once it has grown).
void fill_row_values(FunctionCallInfo fcinfo, int argno, const ls::models::Model& m, std::vector<RawValue>& row) {
    const std::size_t nf = m.feature_count();
    row.assign(nf, RawValue::null());
    Oid type = get_fn_expr_argtype(fcinfo->flinfo, argno);
    if (type == FLOAT8ARRAYOID) {
        ArrayType* arr = feature_array(fcinfo, argno, m);
        const double* v = reinterpret_cast<const double*>(ARR_DATA_PTR(arr));
        const bits8* bitmap = ARR_NULLBITMAP(arr);
        std::size_t k = 0;
        for (std::size_t j = 0; j < nf; ++j) {
            bool isnull = bitmap && !(bitmap[j / 8] & (1 << (j % 8)));
            row[j] = isnull ? RawValue::null() : RawValue::num(v[k++]);
        }
        return;
    }
    if (type == JSONBOID) {
        Jsonb* jb = PG_GETARG_JSONB_P(argno);
        if (!JB_ROOT_IS_OBJECT(jb)) fail(ErrorKind::InvalidParameter, "features must be a jsonb object");
        const auto names = m.feature_names();
        for (std::size_t j = 0; j < nf; ++j) {
            JsonbValue v;
            bool found = false;
            bool is_num = false;
            double num = 0;
            const char* str = nullptr;
            int len = 0;
            int kind = 0;
            const std::string& key = names[j];
            lspg::pg_call([&]() {
                JsonbValue* r = getKeyJsonValueFromContainer(&jb->root, key.data(), static_cast<int>(key.size()), &v);
                if (!r) return;
                found = true;
                kind = r->type;
                if (r->type == jbvNumeric) {
                    is_num = true;
                    num = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(r->val.numeric)));
                } else if (r->type == jbvBool) {
                    is_num = true;
                    num = r->val.boolean ? 1 : 0;
                } else if (r->type == jbvString) {
                    str = r->val.string.val;
                    len = r->val.string.len;
                }
            });
            if (!found)
                fail(ErrorKind::InvalidParameter, "feature \"" + key + "\" is missing from the jsonb features",
                     "Give every model feature as a key; use null for a missing value.");
            if (is_num) row[j] = RawValue::num(num);
            else if (str) row[j] = RawValue::str(std::string_view(str, len));
            else if (kind == jbvNull) row[j] = RawValue::null();
            else fail(ErrorKind::InvalidParameter, "feature \"" + key + "\" must be a number, a string or null in jsonb");
        }
        return;
    }
    // A row value: take each feature from the column of the same name. What
    // the row type says (column positions, value kinds) is worked out once per
    // (model, row type) and cached; a row then costs one attribute fetch and
    // one conversion per feature.
    const RowPlan& plan = row_plan(fcinfo, argno, type, m);
    HeapTupleHeader th = nullptr;
    const RowPlan* pp = &plan;
    RawValue* out = row.data();
    lspg::pg_call([&]() {
        th = PG_GETARG_HEAPTUPLEHEADER(argno);
        TupleDesc td = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(th), HeapTupleHeaderGetTypMod(th));
        HeapTupleData tuple;
        tuple.t_len = HeapTupleHeaderGetDatumLength(th);
        ItemPointerSetInvalid(&tuple.t_self);
        tuple.t_tableOid = InvalidOid;
        tuple.t_data = th;
        for (std::size_t j = 0; j < nf; ++j) {
            bool isnull;
            Datum d = heap_getattr(&tuple, pp->pos[j] + 1, td, &isnull);
            if (isnull) continue;  // stays RawValue::null()
            const lspg::ValueConv c = pp->conv[j];
            if (lspg::is_text(c)) {
                const char* str;
                int len;
                lspg::datum_text(d, c, &str, &len);
                out[j] = RawValue::str(std::string_view(str, static_cast<std::size_t>(len)));
            } else {
                out[j] = RawValue::num(lspg::datum_number(d, c));
            }
        }
        ReleaseTupleDesc(td);
    });
}

std::vector<RawValue> row_values(FunctionCallInfo fcinfo, int argno, const ls::models::Model& m) {
    std::vector<RawValue> row;
    fill_row_values(fcinfo, argno, m, row);
    return row;
}

// One fold per distinct value of the group column, the dataset's last feature
// column (removed from it), in sorted order (leave-one-group-out); returns the fold count.
int group_folds(ls::models::Dataset& data, const std::string& group, std::vector<int>& fold,
                std::vector<std::string>& labels) {
    ls::models::Column gcol = std::move(data.features.back());
    data.features.pop_back();
    std::map<std::pair<double, std::string>, int> ids;
    auto key = [&](std::size_t i) -> std::pair<double, std::string> {
        if (gcol.categorical) return {0.0, gcol.code[i] < 0 ? std::string("NULL") : gcol.levels[gcol.code[i]]};
        if (std::isnan(gcol.num[i])) return {0.0, "NULL"};
        return {gcol.num[i], ""};
    };
    for (std::size_t i = 0; i < data.rows(); ++i) ids.emplace(key(i), 0);
    int next = 0;
    for (auto& [kv, id] : ids) {
        id = next++;
        labels.push_back(kv.second.empty() ? json_num(kv.first) : kv.second);
    }
    fold.resize(data.rows());
    for (std::size_t i = 0; i < data.rows(); ++i) fold[i] = ids[key(i)];
    if (next < 2) fail(ErrorKind::InvalidParameter, "the group column \"" + group + "\" has fewer than 2 values");
    return next;
}

// params "fold_key": a column whose hashed value gives each row's fold (removed
// from the params); not a feature, not with a group column.
std::string take_fold_key(FitArgs& a, const std::string& group) {
    auto it = a.params.find("fold_key");
    if (it == a.params.end()) return {};
    std::string key = it->second;
    a.params.erase(it);
    if (key.empty()) fail(ErrorKind::InvalidParameter, "params \"fold_key\" must name a column");
    if (!group.empty()) fail(ErrorKind::InvalidParameter, "give a group column or params \"fold_key\", not both");
    for (const auto& f : a.spec.features)
        if (f == key) fail(ErrorKind::InvalidParameter, "the fold key \"" + key + "\" is also a feature");
    if (key == a.spec.target) fail(ErrorKind::InvalidParameter, "the fold key \"" + key + "\" is the target");
    return key;
}

// The folds of the dataset's last feature column, the fold key (removed from it).
std::vector<int> key_column_folds(ls::models::Dataset& data, int k, std::uint64_t seed) {
    ls::models::Column key = std::move(data.features.back());
    data.features.pop_back();
    return ls::models::key_folds(key, k, seed);
}

}  // namespace

// ls_train(name, source, target, features, algorithm, params jsonb) returns bigint:
// fits a model on the source, read as the calling role, and registers it
// (as the registry's owner, recording the calling role as the model's owner).
// Under the 0.2.0 registry a name trained again gets its next version, which
// is deployed unless params has "deploy": false; under the 0.1.0 layout (the
// new library before ALTER EXTENSION UPDATE) a taken name is 42710 as it was.
Datum ls_train(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        const ls::models::Params given = lspg::params_from_jsonb(fcinfo, 5);  // checked first, as train() always did
        bool deploy = true;
        if (auto it = given.find("deploy"); it != given.end()) {
            if (it->second != "true" && it->second != "false")
                fail(ErrorKind::InvalidParameter, "params \"deploy\" must be true or false");
            deploy = it->second == "true";
        }
        const std::string name = PG_ARGISNULL(0) ? std::string() : lspg::text_to_string(PG_GETARG_TEXT_PP(0));
        if (name.empty()) fail(ErrorKind::InvalidParameter, "a model needs a non-empty name");
        const bool versioned = lspg::registry_versioned();
        if (!versioned && given.count("deploy")) lspg::require_versioned_registry("params \"deploy\"");
        // Two train()s of one name: the second waits here until the first
        // commits or aborts, then sees its model below.
        lspg::lock_model_name(name);
        const lspg::RegistryEntry old = lspg::find_model(name);
        if (old.found) {
            lspg::check_model_owner(name, old.owner, versioned ? "train a new version of" : "replace");
            if (!versioned)
                throw ls::ForeignError(ERRCODE_DUPLICATE_OBJECT, "model \"" + name + "\" already exists", "",
                                       "Models are immutable: choose a new name or drop the old one with learnerscore.drop_model().");
        }
        // Held-out metrics recorded with the model (metrics.validation): params "validate": k
        // (k-fold, seed 42, as cross_validate()) or "validate_group": column (leave-one-group-out).
        int validate_k = 0;
        std::string validate_group;
        if (auto it = given.find("validate"); it != given.end()) {
            char* end = nullptr;
            const long k = std::strtol(it->second.c_str(), &end, 10);
            if (!end || *end || k < 2 || k > 100)
                fail(ErrorKind::InvalidParameter, "params \"validate\" must be a fold count between 2 and 100");
            validate_k = static_cast<int>(k);
        }
        if (auto it = given.find("validate_group"); it != given.end()) {
            if (validate_k) fail(ErrorKind::InvalidParameter, "give params \"validate\" or \"validate_group\", not both");
            validate_group = it->second;
            if (validate_group.empty()) fail(ErrorKind::InvalidParameter, "params \"validate_group\" must name a column");
        }
        FitArgs a = fit_args(fcinfo, 1);
        for (const char* k : {"deploy", "validate", "validate_group"}) a.params.erase(k);
        const std::string fold_key = take_fold_key(a, validate_group);
        if (!fold_key.empty() && !validate_k)
            fail(ErrorKind::InvalidParameter, "params \"fold_key\" goes with \"validate\": k (the folds it draws)");
        if (!fold_key.empty()) a.spec.features.push_back(fold_key);
        if (!validate_group.empty()) {
            for (const auto& f : a.spec.features)
                if (f == validate_group)
                    fail(ErrorKind::InvalidParameter, "the group column \"" + validate_group + "\" is also a feature");
            a.spec.features.push_back(validate_group);
        }
        ls::models::Algorithm algo = ls::models::parse_algorithm(a.algorithm);
        a.spec.extra_bytes = [algo](const ls::models::Dataset& d, std::size_t rows) {
            return ls::models::training_bytes(d, algo, rows, true);
        };
        long long skipped = 0;
        ls::models::TrainResult res;
        ls::models::Dataset data;
        std::string validation;
        ls::metrics::Summary held_out;
        // logistic: as passes over the source when learnerscore.table_estimator says so (train_passes_pg.h)
        const bool by_passes = algo == ls::models::Algorithm::Logistic &&
                               lspg::train_logistic_passes(a.spec, a.params, validate_k || !validate_group.empty(), &res, &skipped);
        if (!by_passes) data = lspg::read_dataset(a.spec, &skipped);
        if (!by_passes && (validate_k || !validate_group.empty())) {
            std::vector<int> fold;
            std::vector<std::string> labels;
            int nfolds = validate_k;
            if (!validate_group.empty()) {
                nfolds = group_folds(data, validate_group, fold, labels);
                validation = "\"method\": \"leave-one-group-out\", \"group_column\": " + json_str(validate_group);
            } else if (!fold_key.empty()) {
                fold = key_column_folds(data, validate_k, 42);
                validation = "\"method\": \"k-fold\", \"fold_key\": " + json_str(fold_key) + ", \"seed\": 42";
            } else {
                if (data.rows() < static_cast<std::size_t>(validate_k))
                    fail(ErrorKind::InvalidParameter, "validation needs at least k rows");
                fold = ls::models::content_folds(data, validate_k, 42);
                validation = "\"method\": \"k-fold\", \"seed\": 42";
            }
            ls::models::cross_validate(data, a.spec.target, algo, a.params, fold, nfolds, &held_out);
            validation += ", \"folds\": " + std::to_string(nfolds) + ", \"rows\": " + std::to_string(data.rows());
        }
        if (!by_passes) res = ls::models::train(data, a.spec.target, algo, a.params);
        const ls::models::Model& m = *res.model;
        std::string metrics = "{\"train\": " + summary_json(m, res.train_metrics);
        if (!validation.empty()) {
            // the pooled held-out predictions of every fold, as cross_validate()'s fold = 'pooled'
            std::string v = summary_json(m, held_out);
            metrics += ", \"validation\": {" + validation + ", " + v.substr(1);
        }
        if (m.algorithm != ls::models::Algorithm::XGBoost) {
            metrics += ", \"coefficients\": [";
            std::vector<std::string> names = {"(intercept)"};
            for (auto& s : m.encoder.column_names()) names.push_back(s);
            for (std::size_t j = 0; j < names.size(); ++j)
                metrics += (j ? ", " : "") + std::string("{\"term\": ") + json_str(names[j]) + ", \"estimate\": " +
                           json_num(m.coef[j]) + ", \"std_error\": " + json_num(m.std_err[j]) + "}";
            metrics += "]";
        }
        metrics += ", \"encoded_columns\": " + std::to_string(m.encoder.width());
        if (by_passes) metrics += ", \"estimator\": \"passes\"";
        metrics += ", \"skipped_null_target_rows\": " + std::to_string(skipped) + "}";
        lspg::NewModel nm;
        nm.name = name;
        nm.algorithm = a.algorithm;
        nm.target = a.spec.target;
        nm.features = PointerGetDatum(PG_GETARG_ARRAYTYPE_P(3));
        lspg::pg_call([&]() { nm.hyperparameters = lspg::params_to_jsonb(res.effective_params); });
        nm.metrics = std::move(metrics);
        nm.training_rows = static_cast<long long>(res.rows);
        nm.blob = m.serialize();
        res.model.reset();
        data = ls::models::Dataset();  // the training buffers are no longer needed
        // A new version keeps the name's owner (a member of the owning role may train it).
        if (old.found && OidIsValid(old.owner)) nm.owner = old.owner;
        else lspg::pg_call([&]() { nm.owner = GetUserId(); });
        int version = 1;
        const std::int64_t id = lspg::insert_model(nm, &version);
        if (versioned && deploy) lspg::deploy_model(name, id, version, "trained", std::nullopt);
        lspg::names_changed();
        PG_RETURN_INT64(id);
    });
}

// ls_cross_validate(source, target, features, algorithm, params jsonb, k int, seed bigint, group_column text)
//   returns setof (fold, train_rows, test_rows, auc, log_loss, brier, calibration_error, accuracy, mae, rmse):
//   one row per fold (labelled by its number, or by the group value), then 'mean' and 'pooled'.
Datum ls_cross_validate(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        lspg::params_from_jsonb(fcinfo, 4);  // checked first, as cross_validate() always did
        if (PG_ARGISNULL(5) || PG_ARGISNULL(6)) fail(ErrorKind::InvalidParameter, "k and seed must not be NULL");
        int k = PG_GETARG_INT32(5);
        int64 seed = PG_GETARG_INT64(6);
        std::string group = PG_ARGISNULL(7) ? std::string() : lspg::text_to_string(PG_GETARG_TEXT_PP(7));
        if (group.empty() && (k < 2 || k > 100)) fail(ErrorKind::InvalidParameter, "k must be between 2 and 100");
        FitArgs a = fit_args(fcinfo, 0);
        ls::models::Algorithm algo = ls::models::parse_algorithm(a.algorithm);
        a.spec.memory_what = "cross-validation";
        a.spec.extra_bytes = [algo](const ls::models::Dataset& d, std::size_t rows) {
            // a fold trains on a subset (a copy of its design) and scores the rest
            return ls::models::training_bytes(d, algo, rows, false);
        };
        for (const auto& f : a.spec.features)
            if (!group.empty() && f == group)
                fail(ErrorKind::InvalidParameter, "the group column \"" + group + "\" is also a feature");
        const std::string fold_key = take_fold_key(a, group);
        if (!group.empty()) a.spec.features.push_back(group);
        if (!fold_key.empty()) a.spec.features.push_back(fold_key);
        ls::models::Dataset data = lspg::read_dataset(a.spec);
        std::vector<int> fold;
        std::vector<std::string> labels;
        int nfolds = k;
        if (!group.empty()) {
            nfolds = group_folds(data, group, fold, labels);
        } else if (!fold_key.empty()) {
            fold = key_column_folds(data, k, static_cast<std::uint64_t>(seed));
            for (int f = 1; f <= k; ++f) labels.push_back(std::to_string(f));
        } else {
            if (data.rows() < static_cast<std::size_t>(k))
                fail(ErrorKind::InvalidParameter, "cross-validation needs at least k rows");
            fold = ls::models::content_folds(data, k, static_cast<std::uint64_t>(seed));
            for (int f = 1; f <= k; ++f) labels.push_back(std::to_string(f));
        }
        ls::metrics::Summary pooled;
        auto folds = ls::models::cross_validate(data, a.spec.target, algo, a.params, fold, nfolds, &pooled);
        const bool classifier = folds.front().classifier;
        lspg::pg_call([&]() { InitMaterializedSRF(fcinfo, 0); });
        ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
        auto put = [&](const std::string& label, double ntr, double nte, const ls::metrics::Summary& s) {
            double v[7] = {s.auc, s.log_loss, s.brier, s.calibration_error, s.accuracy, s.mae, s.rmse};
            Datum values[10];
            bool nulls[10] = {false};
            lspg::pg_call([&]() {
                values[0] = PointerGetDatum(cstring_to_text_with_len(label.data(), static_cast<int>(label.size())));
                values[1] = Float8GetDatum(ntr);
                values[2] = Float8GetDatum(nte);
                for (int i = 0; i < 7; ++i) {
                    bool use = classifier ? i < 5 : i >= 5;
                    nulls[3 + i] = !use || std::isnan(v[i]);
                    values[3 + i] = Float8GetDatum(v[i]);
                }
                tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
            });
        };
        std::vector<double> sums(7, 0.0);
        double ntr = 0, nte = 0;
        for (const auto& f : folds) {
            put(labels[f.fold - 1], static_cast<double>(f.train_rows), static_cast<double>(f.test_rows), f.m);
            double v[7] = {f.m.auc, f.m.log_loss, f.m.brier, f.m.calibration_error, f.m.accuracy, f.m.mae, f.m.rmse};
            for (int i = 0; i < 7; ++i) sums[i] += v[i];
            ntr += f.train_rows;
            nte += f.test_rows;
        }
        const double kk = static_cast<double>(folds.size());
        ls::metrics::Summary mean;
        mean.auc = sums[0] / kk; mean.log_loss = sums[1] / kk; mean.brier = sums[2] / kk;
        mean.calibration_error = sums[3] / kk; mean.accuracy = sums[4] / kk; mean.mae = sums[5] / kk; mean.rmse = sums[6] / kk;
        put("mean", ntr / kk, nte / kk, mean);
        put("pooled", ntr / kk, nte, pooled);
        return (Datum)0;
    });
}

// ls_predict(model text|bigint, features float8[]|jsonb) returns float8
Datum ls_predict(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        const ls::models::Model& m = lspg::model_for_call(fcinfo, 0);
        // float8[] into an all-numeric model: score the array's values in place.
        if (get_fn_expr_argtype(fcinfo->flinfo, 1) == FLOAT8ARRAYOID && m.all_numeric()) {
            ArrayType* arr = feature_array(fcinfo, 1, m);
            PG_RETURN_FLOAT8(m.predict_numeric(reinterpret_cast<const double*>(ARR_DATA_PTR(arr)), ARR_NULLBITMAP(arr)));
        }
        // One buffer per backend, reused row after row (consumed before returning).
        static std::vector<RawValue>& row = *new std::vector<RawValue>();
        fill_row_values(fcinfo, 1, m, row);
        PG_RETURN_FLOAT8(m.predict(row.data()));
    });
}

// ls_explain(model, features) returns jsonb: {"feature": contribution, ..., "(intercept)": b0}
Datum ls_explain(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        const ls::models::Model& m = lspg::model_for_call(fcinfo, 0);
        std::vector<RawValue> row = row_values(fcinfo, 1, m);
        auto contrib = m.explain(row.data());
        std::string j = "{";
        for (std::size_t i = 0; i < contrib.size(); ++i)
            j += (i ? ", " : "") + json_str(contrib[i].first) + ": " + json_num(contrib[i].second);
        j += "}";
        return jsonb_from(j);
    });
}

extern "C" {
PG_FUNCTION_INFO_V1(ls_models_normal_cdf);
}
Datum ls_models_normal_cdf(PG_FUNCTION_ARGS) {
    double z = PG_GETARG_FLOAT8(0);
    PG_RETURN_FLOAT8(0.5 * std::erfc(-z / std::sqrt(2.0)));
}

extern "C" {
PG_FUNCTION_INFO_V1(ls_xgboost_booster);
}
// The XGBoost booster of a model in XGBoost's own UBJSON format, so the very
// same booster can be loaded elsewhere (xgboost.Booster().load_model(bytes)).
Datum ls_xgboost_booster(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        const ls::models::Model& m = lspg::model_for_call(fcinfo, 0);
        if (m.algorithm != ls::models::Algorithm::XGBoost)
            fail(ErrorKind::InvalidParameter, "the model is not an xgboost model");
        const std::string& ubj = m.xgb_model;
        bytea* b = nullptr;
        lspg::pg_call([&]() {
            b = static_cast<bytea*>(palloc(ubj.size() + VARHDRSZ));
            SET_VARSIZE(b, ubj.size() + VARHDRSZ);
            memcpy(VARDATA(b), ubj.data(), ubj.size());
        });
        PG_RETURN_BYTEA_P(b);
    });
}

extern "C" {
PG_FUNCTION_INFO_V1(ls_read_source);
}
// Reads a training source exactly as train() does and returns the row count:
// lets the benchmarks time the reading apart from the fit.
Datum ls_read_source(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        lspg::SourceSpec spec;
        spec.source = lspg::text_to_string(PG_GETARG_TEXT_PP(0));
        spec.target = lspg::text_to_string(PG_GETARG_TEXT_PP(1));
        spec.features = text_array(PG_GETARG_ARRAYTYPE_P(2), "features");
        ls::models::Dataset d = lspg::read_dataset(spec);
        PG_RETURN_INT64(static_cast<int64>(d.rows()));
    });
}
