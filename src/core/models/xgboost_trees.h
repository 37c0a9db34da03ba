// Native single-row evaluator of an XGBoost gbtree booster. Scoring one row
// through XGBoost's C API costs tens of microseconds of fixed overhead (JSON
// config parsing, thread dispatch); walking the trees directly costs well
// under one. Built once from XGBoost's own JSON dump of the loaded booster and
// evaluated exactly as XGBoost's CPU predictor does: float32 thresholds,
// NaN = missing follows the node's default direction, float accumulation
// starting at the base margin, then the objective's link. Anything it does not
// reproduce (other objectives, categorical splits, multi-output, dart, leaf
// vectors) is refused at build time, and the caller keeps using XGBoost.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ls::models {

class XgbTreeEnsemble {
public:
    // nullptr (with the reason in *why_not) when the model is not supported.
    static std::unique_ptr<XgbTreeEnsemble> from_json(const std::string& json, std::string* why_not = nullptr);

    // x: p float features (NaN = missing). Same value as XGBoost's prediction type 0.
    float predict(const float* x, std::size_t p) const;
    std::size_t num_features() const { return num_feature_; }
    std::size_t num_trees() const { return roots_.size(); }

    struct Node {
        std::int32_t left;      // a leaf: its own index (left == right)
        std::int32_t right;
        std::uint32_t feature;
        bool default_left;
        float value;            // split condition, or leaf value
    };

private:
    std::vector<Node> nodes_;                 // all trees, child indices absolute
    std::vector<std::uint32_t> roots_;
    std::vector<std::uint32_t> depth_;        // per tree: steps from the root to its deepest leaf
    float base_margin_ = 0.0f;
    bool logistic_ = false;
    std::size_t num_feature_ = 0;
};

}  // namespace ls::models
