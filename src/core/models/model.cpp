#include "core/models/model.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

#include "core/base/error.h"
#include "core/base/interrupt.h"
#include "core/models/linear_models.h"
#include "core/models/xgboost_ubjson.h"

namespace ls::models {

Algorithm parse_algorithm(const std::string& name) {
    if (name == "logistic") return Algorithm::Logistic;
    if (name == "linear") return Algorithm::Linear;
    if (name == "xgboost") return Algorithm::XGBoost;
    fail(ErrorKind::InvalidParameter, "unknown algorithm \"" + name + "\"", "Use logistic, linear or xgboost.");
}

const char* algorithm_name(Algorithm a) {
    switch (a) {
        case Algorithm::Logistic: return "logistic";
        case Algorithm::Linear: return "linear";
        case Algorithm::XGBoost: return "xgboost";
    }
    return "?";
}

namespace {

const std::set<std::string> kLinearKeys = {"l2", "max_iterations", "tolerance"};
const std::set<std::string> kXgbKeys = {"objective", "num_round", "max_depth", "eta", "subsample",
                                        "colsample_bytree", "min_child_weight", "lambda", "alpha", "gamma",
                                        "seed", "nthread", "tree_method", "max_bin", "base_score",
                                        "scale_pos_weight", "max_delta_step"};

void check_keys(const Params& p, const std::set<std::string>& allowed, Algorithm a) {
    for (const auto& [k, v] : p)
        if (!allowed.count(k)) {
            std::string list;
            for (const auto& s : allowed) list += (list.empty() ? "" : ", ") + s;
            fail(ErrorKind::InvalidParameter,
                 std::string("unknown hyper-parameter \"") + k + "\" for algorithm " + algorithm_name(a),
                 "Accepted: " + list + ".");
        }
}

double number(const Params& p, const std::string& key, double dflt) {
    auto it = p.find(key);
    if (it == p.end()) return dflt;
    char* end = nullptr;
    double v = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || *end != '\0' || !std::isfinite(v))
        fail(ErrorKind::InvalidParameter, "hyper-parameter \"" + key + "\" must be a finite number, got \"" + it->second + "\"");
    return v;
}

std::string fmt(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

void check_binary(const std::vector<double>& y, const std::vector<std::size_t>& rows, const char* what) {
    double pos = 0;
    std::size_t n = rows.empty() ? y.size() : rows.size();
    for (std::size_t k = 0; k < n; ++k) {
        double v = y[rows.empty() ? k : rows[k]];
        if (v != 0.0 && v != 1.0) check_binary_target(double(n), pos, true, v, what);
        pos += v;
    }
    check_binary_target(double(n), pos, false, 0, what);
}

}  // namespace

void check_binary_target(double n, double pos, bool has_bad, double bad, const char* what) {
    if (has_bad)
        fail(ErrorKind::InvalidParameter, std::string("the target of a ") + what + " model must be 0/1 or boolean",
             "Found the value " + fmt(bad) + "; use algorithm linear or objective reg:squarederror for a numeric target.");
    if (pos == 0 || pos == n)
        fail(ErrorKind::InvalidParameter, std::string("the target of a ") + what + " model has a single class",
             "Both 0 and 1 must occur in the training set.");
}

LinearOptions linear_options(Algorithm algorithm, const Params& params, Params* effective) {
    check_keys(params, kLinearKeys, algorithm);
    LinearOptions opt;
    opt.l2 = number(params, "l2", algorithm == Algorithm::Logistic ? 1.0 : 0.0);
    opt.max_iterations = static_cast<int>(number(params, "max_iterations", 100));
    opt.tolerance = number(params, "tolerance", 1e-10);
    if (opt.max_iterations < 1 || opt.max_iterations > 10000)
        fail(ErrorKind::InvalidParameter, "max_iterations must be between 1 and 10000");
    if (!(opt.tolerance > 0)) fail(ErrorKind::InvalidParameter, "tolerance must be positive");
    if (effective) {
        *effective = {{"l2", fmt(opt.l2)}};
        if (algorithm == Algorithm::Logistic) {
            (*effective)["max_iterations"] = std::to_string(opt.max_iterations);
            (*effective)["tolerance"] = fmt(opt.tolerance);
        }
    }
    return opt;
}

std::vector<std::string> Model::feature_names() const {
    std::vector<std::string> out;
    for (const auto& f : encoder.features) out.push_back(f.name);
    return out;
}

// XGBoost reads as many input columns as the booster says: they must be the
// encoded columns, or scoring would read past the row buffer.
void Model::check_booster_width(std::size_t booster_columns) const {
    if (booster_columns != encoder.width())
        fail(ErrorKind::DataException,
             "corrupted model: the XGBoost booster reads " + std::to_string(booster_columns) +
                 " columns, the encoding has " + std::to_string(encoder.width()),
             "The model bytes were altered; drop the model and train it again.");
}

const XgbBooster& Model::booster() const {
    if (untrusted_)
        fail(ErrorKind::FeatureNotSupported, "an XGBoost model given as bytes can only be scored (predict)",
             "explain() and batch scoring of XGBoost models need libxgboost, which only gets boosters from the registry: "
             "call them by model name or id on the node that holds learnerscore.models (docs/scale-out.md).");
    if (!booster_) {
        auto b = std::make_unique<XgbBooster>(XgbBooster::load(xgb_model));
        check_booster_width(b->num_features());
        booster_ = std::move(b);
    }
    return *booster_;
}

std::unique_ptr<Model> Model::deserialize_untrusted(const void* data, std::size_t size) {
    std::unique_ptr<Model> m = deserialize(data, size);  // the booster's UBJSON structure is checked there
    if (m->algorithm != Algorithm::XGBoost) return m;
    m->untrusted_ = true;
    std::string why;
    m->trees_ = XgbTreeEnsemble::from_json(xgboost_ubjson_to_json(m->xgb_model), &why);
    m->trees_built_ = true;
    if (!m->trees_)
        fail(ErrorKind::FeatureNotSupported, "this XGBoost model cannot be scored from bytes: " + why,
             "Score it by model name or id on the node that holds learnerscore.models (docs/scale-out.md).");
    m->check_booster_width(m->trees_->num_features());
    return m;
}

const XgbTreeEnsemble* Model::native_trees() const {
    if (algorithm != Algorithm::XGBoost) return nullptr;
    if (!trees_built_) {
        trees_ = XgbTreeEnsemble::from_json(booster().save_json());
        if (trees_ && trees_->num_features() != encoder.width()) trees_.reset();
        trees_built_ = true;
    }
    return trees_.get();
}

Eigen::VectorXd Model::predict_encoded(const Eigen::MatrixXd& X) const {
    if (static_cast<std::size_t>(X.cols()) != encoder.width()) fail(ErrorKind::Internal, "encoded width mismatch");
    if (algorithm == Algorithm::XGBoost) {
        using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        RowMajorF Xf = X.cast<float>();
        std::vector<float> out = booster().predict(Xf.data(), X.rows(), X.cols(), 0);
        Eigen::VectorXd r(X.rows());
        for (Eigen::Index i = 0; i < X.rows(); ++i) r[i] = out[i];
        return r;
    }
    Eigen::VectorXd eta = (X * coef.tail(coef.size() - 1)).array() + coef[0];
    if (classifier) eta = eta.unaryExpr([](double z) { return sigmoid(z); });
    return eta;
}

double Model::predict(const RawValue* row) const {
    const std::size_t w = encoder.width();
    // Small stack buffer for the common case: no allocation per row.
    double stack_buf[256];
    std::vector<double> heap;
    double* x = stack_buf;
    if (w > 256) { heap.resize(w); x = heap.data(); }
    encoder.encode(row, x);
    if (algorithm == Algorithm::XGBoost) {
        float fstack[256];
        std::vector<float> fheap;
        float* xf = fstack;
        if (w > 256) { fheap.resize(w); xf = fheap.data(); }
        for (std::size_t j = 0; j < w; ++j) xf[j] = static_cast<float>(x[j]);
        if (const XgbTreeEnsemble* t = native_trees()) return t->predict(xf, w);
        return booster().predict(xf, 1, w, 0)[0];
    }
    double eta = coef[0];
    for (std::size_t j = 0; j < w; ++j) eta += coef[j + 1] * x[j];
    return classifier ? sigmoid(eta) : eta;
}

void Model::check_feature_count(std::size_t n) const {
    if (n == feature_count()) return;
    std::string names;
    for (const auto& f : feature_names()) names += (names.empty() ? "" : ", ") + f;
    fail(ErrorKind::InvalidParameter,
         "the model expects " + std::to_string(feature_count()) + " features, got " + std::to_string(n),
         "Features in order: " + names + ".");
}

double Model::predict_numeric(const double* values, const std::uint8_t* present) const {
    const std::size_t nf = encoder.features.size();
    const bool impute = encoder.impute_missing;
    auto value = [&](std::size_t j, std::size_t& k) -> double {
        if (present && !(present[j / 8] & (1u << (j % 8))))
            return impute ? encoder.features[j].impute : std::numeric_limits<double>::quiet_NaN();
        double v = values[k++];
        if (!std::isfinite(v))
            fail(ErrorKind::InvalidParameter, "feature \"" + encoder.features[j].name + "\" is NaN or Infinity");
        return v;
    };
    std::size_t k = 0;
    if (algorithm == Algorithm::XGBoost) {
        float fstack[256];
        std::vector<float> fheap;
        float* xf = fstack;
        if (nf > 256) { fheap.resize(nf); xf = fheap.data(); }
        for (std::size_t j = 0; j < nf; ++j) xf[j] = static_cast<float>(value(j, k));
        if (const XgbTreeEnsemble* t = native_trees()) return t->predict(xf, nf);
        return booster().predict(xf, 1, nf, 0)[0];
    }
    double eta = coef[0];
    for (std::size_t j = 0; j < nf; ++j) eta += coef[j + 1] * value(j, k);
    return classifier ? sigmoid(eta) : eta;
}

std::vector<std::pair<std::string, double>> Model::explain(const RawValue* row) const {
    const std::size_t w = encoder.width();
    std::vector<double> x(w);
    encoder.encode(row, x.data());
    std::vector<std::pair<std::string, double>> out;
    std::vector<double> contrib(w);
    double bias;
    if (algorithm == Algorithm::XGBoost) {
        std::vector<float> xf(x.begin(), x.end());
        std::vector<float> c = booster().predict(xf.data(), 1, w, 2);
        if (c.size() != w + 1) fail(ErrorKind::Internal, "unexpected SHAP output size");
        for (std::size_t j = 0; j < w; ++j) contrib[j] = c[j];
        bias = c[w];
    } else {
        for (std::size_t j = 0; j < w; ++j) contrib[j] = coef[j + 1] * x[j];
        bias = coef[0];
    }
    for (const auto& f : encoder.features) {
        double s = 0;
        for (std::size_t l = 0; l < f.width(); ++l) s += contrib[f.offset + l];
        out.emplace_back(f.name, s);
    }
    out.emplace_back(algorithm == Algorithm::XGBoost ? "(bias)" : "(intercept)", bias);
    return out;
}

std::size_t training_bytes(const Dataset& data, Algorithm algorithm, std::size_t rows, bool all_rows) {
    std::size_t width = 0;  // encoded columns: 1 per numeric feature, at most one per level of a text feature
    bool all_numeric = true;
    for (const auto& c : data.features) {
        width += c.categorical ? c.levels.size() : 1;
        all_numeric = all_numeric && !c.categorical;
    }
    const std::size_t n = rows;
    // Calibrated on the peak resident size of a backend training 200,000 rows
    // (40 and 10 numeric features, relation and query sources): beyond the
    // reader's buffers, a linear fit held ~170 B a row whatever the width (y,
    // the IRLS vectors, in-sample predictions, the metrics' sorted pairs), and
    // XGBoost (hist) ~17.4 B per encoded cell + ~175 B a row (the DMatrix
    // with an index and a value per cell, the histogram index, gradients and
    // prediction caches; the float matrix is freed once the DMatrix holds its
    // copy). Rounded up.
    std::size_t total = 0;
    if (algorithm == Algorithm::XGBoost) {
        total += n * (18 * width + 192);
    } else {
        const std::size_t p = width + 1;
        const bool in_place = all_rows && all_numeric && data.block && data.numeric_null && !*data.numeric_null;
        if (!in_place) total += n * p * sizeof(double);  // Encoder::design
        total += n * 24 * sizeof(double);
        total += 4 * p * p * sizeof(double);  // Hessian, its factorization, inverse
    }
    return total;
}

TrainResult train(const Dataset& data, const std::string& target, Algorithm algorithm, const Params& params,
                  const std::vector<std::size_t>& rows) {
    data.check_shape();
    const std::size_t n = rows.empty() ? data.rows() : rows.size();
    if (n == 0) fail(ErrorKind::InvalidParameter, "the training set is empty", "The source returned no row with a non-NULL target.");
    TrainResult res;
    res.rows = n;
    auto model = std::make_unique<Model>();
    model->algorithm = algorithm;
    model->target = target;
    Eigen::VectorXd y(static_cast<Eigen::Index>(n));
    for (std::size_t k = 0; k < n; ++k) y[k] = data.y[rows.empty() ? k : rows[k]];

    if (algorithm == Algorithm::Logistic || algorithm == Algorithm::Linear) {
        const LinearOptions opt = linear_options(algorithm, params, &res.effective_params);
        if (algorithm == Algorithm::Logistic) check_binary(data.y, rows, "logistic");
        model->classifier = algorithm == Algorithm::Logistic;
        model->encoder = Encoder::fit(data, rows, true);
        if (model->encoder.width() > 4000)
            fail(ErrorKind::ProgramLimitExceeded,
                 "too many encoded features for a linear model (" + std::to_string(model->encoder.width()) + ", at most 4000)",
                 "Reduce the features or the levels of text features, or use xgboost.");
        // All rows of an all-numeric, complete source: train on the reader's block as is.
        const std::optional<Encoder::DesignView> view =
            rows.empty() ? model->encoder.design_view(data) : std::nullopt;
        Eigen::MatrixXd copy;
        if (!view) copy = model->encoder.design(data, rows, true);
        const Eigen::Ref<const Eigen::MatrixXd> X =
            view ? Eigen::Ref<const Eigen::MatrixXd>(*view) : Eigen::Ref<const Eigen::MatrixXd>(copy);
        std::vector<std::string> names = {"(intercept)"};
        for (auto& s : model->encoder.column_names()) names.push_back(s);
        LinearFit fit = model->classifier ? fit_logistic(X, y, opt, names) : fit_linear(X, y, opt, names);
        model->coef = fit.coef;
        model->std_err = fit.std_err;
        // In-sample metrics from the design already built (no second copy of the data).
        Eigen::VectorXd pred = X * fit.coef;
        if (model->classifier) pred = pred.unaryExpr([](double z) { return sigmoid(z); });
        std::vector<double> pv(pred.data(), pred.data() + pred.size()), yv(y.data(), y.data() + y.size());
        res.train_metrics = model->classifier ? metrics::classification(pv, yv) : metrics::regression(pv, yv);
    } else {
        check_keys(params, kXgbKeys, algorithm);
        Params xp = params;
        if (!xp.count("objective")) {
            bool binary = true;
            for (Eigen::Index i = 0; i < y.size() && binary; ++i) binary = y[i] == 0.0 || y[i] == 1.0;
            xp["objective"] = binary ? "binary:logistic" : "reg:squarederror";
        }
        const std::string obj = xp["objective"];
        if (obj != "binary:logistic" && obj != "reg:squarederror")
            fail(ErrorKind::FeatureNotSupported, "xgboost objective \"" + obj + "\" is not supported",
                 "Use binary:logistic or reg:squarederror.");
        if (obj == "binary:logistic") check_binary(data.y, rows, "binary:logistic");
        int rounds = static_cast<int>(number(xp, "num_round", 100));
        xp.erase("num_round");
        if (!xp.count("nthread")) xp["nthread"] = "1";
        if (!xp.count("tree_method")) xp["tree_method"] = "hist";
        if (!xp.count("seed")) xp["seed"] = "0";
        for (const auto& [k, v] : xp)
            if (k != "objective" && k != "tree_method") number(xp, k, 0);  // numeric validation
        model->classifier = obj == "binary:logistic";
        model->objective = obj;
        model->encoder = Encoder::fit(data, rows, false);
        const std::size_t p = model->encoder.width();
        if (p > 10000)
            fail(ErrorKind::ProgramLimitExceeded, "too many encoded features for xgboost (" + std::to_string(p) + ", at most 10000)");
        // XGBoost's row subsampling and quantile sketches follow the row order:
        // feed the rows in content order, so the same data gives the same model
        // whatever order the source (a parallel scan, another node) returned.
        const std::vector<std::size_t> ordered = content_order(data, rows);
        for (std::size_t k = 0; k < n; ++k) y[static_cast<Eigen::Index>(k)] = data.y[ordered[k]];
        std::vector<float> Xf = model->encoder.design_f32(data, ordered);
        std::vector<float> yf(y.data(), y.data() + y.size());
        std::vector<float> pf;  // in-sample predictions, from XGBoost's cache
        XgbBooster b = XgbBooster::train(std::move(Xf), n, p, yf, xp, rounds, &pf);
        model->xgb_model = b.save();
        res.effective_params = xp;
        res.effective_params["num_round"] = std::to_string(rounds);
        std::vector<double> pv(pf.begin(), pf.end()), yv(y.data(), y.data() + y.size());
        res.train_metrics = model->classifier ? metrics::classification(pv, yv) : metrics::regression(pv, yv);
    }
    res.model = std::move(model);
    return res;
}

}  // namespace ls::models
