// A trained model: algorithm, encoding of the raw features, coefficients or
// the XGBoost booster, and training metrics. Immutable once trained.
// Serialized to a versioned, checksummed byte blob (model_codec.cpp).
#pragma once
#include <Eigen/Dense>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/models/dataset.h"
#include "core/models/encoding.h"
#include "core/models/linear_models.h"
#include "core/metrics/metrics.h"
#include "core/models/xgboost_booster.h"
#include "core/models/xgboost_trees.h"

namespace ls::models {

enum class Algorithm : std::uint8_t { Logistic = 1, Linear = 2, XGBoost = 3 };
Algorithm parse_algorithm(const std::string& name);
const char* algorithm_name(Algorithm a);

using Params = std::map<std::string, std::string>;  // from the jsonb hyper-parameters, values as text

class Model {
public:
    Algorithm algorithm = Algorithm::Logistic;
    bool classifier = true;          // probability output (logistic, xgboost binary:logistic)
    std::string target;
    Encoder encoder;
    Eigen::VectorXd coef;            // linear family: intercept first
    Eigen::VectorXd std_err;
    std::string xgb_model;           // XGBoost UBJSON
    std::string objective;           // xgboost objective

    // Raw-feature names, in the order predict() expects them.
    std::vector<std::string> feature_names() const;
    // Throws (22023, listing the features in order) unless n is the feature count.
    void check_feature_count(std::size_t n) const;
    std::size_t feature_count() const { return encoder.features.size(); }

    // One row: values per raw feature.
    double predict(const RawValue* row) const;
    // Scoring fast path for a model whose features are all numeric (check
    // all_numeric()): `values` holds the non-NULL values in feature order;
    // bit j of `present` (LSB first, PostgreSQL's array null-bitmap layout)
    // clear means feature j is NULL; nullptr means no NULL. Same result as predict().
    bool all_numeric() const { return encoder.all_numeric(); }
    double predict_numeric(const double* values, const std::uint8_t* present) const;
    // Many encoded rows (rows x width, no intercept column).
    Eigen::VectorXd predict_encoded(const Eigen::MatrixXd& X) const;
    // Per raw feature contribution on the margin (log-odds for classifiers):
    // linear: coefficient x encoded value (summed over a text feature's
    // one-hot columns); XGBoost: SHAP values. The last pair is the intercept / bias.
    std::vector<std::pair<std::string, double>> explain(const RawValue* row) const;

    std::string serialize() const;
    static std::unique_ptr<Model> deserialize(const void* data, std::size_t size);

    // Decodes bytes nobody vouches for (a model given to predict(bytea, ...)):
    // like deserialize, and an XGBoost booster is never handed to libxgboost,
    // which does not validate hand-made boosters. Its trees are read from the
    // UBJSON by our own checked reader into the native evaluator (node indices,
    // features and order checked), which predict() uses; explain() and any
    // booster the evaluator does not reproduce are refused (FeatureNotSupported).
    static std::unique_ptr<Model> deserialize_untrusted(const void* data, std::size_t size);

    // The native tree evaluator used by predict(), or nullptr when the booster
    // is one it does not reproduce (then predict() goes through XGBoost).
    const XgbTreeEnsemble* native_trees() const;

private:
    const XgbBooster& booster() const;
    void check_booster_width(std::size_t booster_columns) const;  // DataException unless encoder.width()
    mutable std::unique_ptr<XgbBooster> booster_;  // decoded lazily, reused
    mutable std::unique_ptr<XgbTreeEnsemble> trees_;  // built once from the booster's JSON
    mutable bool trees_built_ = false;
    bool untrusted_ = false;  // from deserialize_untrusted: libxgboost is never used
};

struct TrainResult {
    std::unique_ptr<Model> model;
    metrics::Summary train_metrics;
    std::size_t rows = 0;
    Params effective_params;
};

// The options of a logistic or linear fit from the hyper-parameters (unknown
// keys and bad values: 22023), and the effective params train() records.
LinearOptions linear_options(Algorithm algorithm, const Params& params, Params* effective);
// Fails (22023) unless a 0/1 target of n rows has both classes: `bad` is a
// value other than 0 and 1 when `has_bad` (what names the model kind).
void check_binary_target(double n, double positives, bool has_bad, double bad, const char* what);

// Fits `algorithm` on `rows` of `data` (all when empty). Unknown params are an error.
TrainResult train(const Dataset& data, const std::string& target, Algorithm algorithm, const Params& params,
                  const std::vector<std::size_t>& rows = {});

// Bytes train() holds for `rows` rows of `data` besides the dataset's own
// buffers (Dataset::held_bytes()): the design copy, XGBoost's float matrix,
// DMatrix and histogram index, the per-row vectors of the fit and of the
// metrics. `all_rows`: training on every row (a linear model may then use the
// reader's block in place); false for a subset (cross-validation folds).
// An upper estimate, checked against the memory bound before training.
std::size_t training_bytes(const Dataset& data, Algorithm algorithm, std::size_t rows, bool all_rows);

// k-fold cross-validation with deterministic folds (Fisher-Yates with
// mt19937_64(seed)); returns one Summary per fold, metrics on held-out rows.
// k folds of the rows for a seed, drawn over the rows in content order
// (content_order): the same for the same data whatever order it arrived in.
std::vector<int> content_folds(const Dataset& data, int k, std::uint64_t seed);
// k folds from a hash of each row's key (params "fold_key"): a row's fold
// depends only on its key value and the seed, so it is the same on one machine
// and on Citus, and stays when rows are added; rows of one key share a fold.
// A NULL key is an error.
std::vector<int> key_folds(const Column& key, int k, std::uint64_t seed);
struct FoldResult {
    int fold;
    std::size_t train_rows, test_rows;
    metrics::Summary m;
    bool classifier;
};
std::vector<FoldResult> cross_validate(const Dataset& data, const std::string& target, Algorithm algorithm,
                                       const Params& params, int k, std::uint64_t seed);
// Same with given folds (fold_of_row[i] in 0..nfolds-1, e.g. one fold per
// course: leave-one-group-out). `pooled` (optional) gets the metrics of all
// held-out predictions together.
std::vector<FoldResult> cross_validate(const Dataset& data, const std::string& target, Algorithm algorithm,
                                       const Params& params, const std::vector<int>& fold_of_row, int nfolds,
                                       metrics::Summary* pooled = nullptr);
std::vector<int> fold_assignment(std::size_t n, int k, std::uint64_t seed);

}  // namespace ls::models
