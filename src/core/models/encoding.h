// Feature encoding kept inside a model: text features are one-hot encoded
// (levels sorted; linear models drop the first level as the reference),
// numeric NULLs are imputed with the training mean for linear models (the
// value is recorded) and left missing (NaN) for XGBoost.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/models/dataset.h"

namespace ls::models {

struct FeatureEncoding {
    std::string name;
    bool categorical = false;
    double impute = 0;                // numeric: the training mean (used when impute_missing)
    std::vector<std::string> levels;  // categorical: one encoded column per level
    std::int32_t impute_level = -1;   // categorical NULL with imputation: index into levels, -1 = all zeros
    std::size_t offset = 0;           // first encoded column (not counting the intercept)
    std::size_t width() const { return categorical ? levels.size() : 1; }
};

class Encoder {
public:
    std::vector<FeatureEncoding> features;
    bool drop_first = true;       // linear models: reference level
    bool impute_missing = true;   // linear models: NULL -> recorded value; XGBoost: NaN

    // Learns levels and imputation values from `rows` of `data` (all rows when empty).
    static Encoder fit(const Dataset& data, const std::vector<std::size_t>& rows, bool linear);
    std::size_t width() const { return width_; }  // encoded columns
    bool all_numeric() const { return all_numeric_; }  // no text feature
    std::vector<std::string> column_names() const;

    // Dense design of `rows` (all when empty), with a leading column of ones when `intercept`.
    Eigen::MatrixXd design(const Dataset& data, const std::vector<std::size_t>& rows, bool intercept) const;
    // The design of all rows with the intercept, without a copy, when the
    // dataset's block already holds it (every feature numeric, read into the
    // block, no missing value); nullopt otherwise (then call design()).
    using DesignView = Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>>;
    std::optional<DesignView> design_view(const Dataset& data) const;
    // Row-major float matrix for XGBoost (NaN = missing).
    std::vector<float> design_f32(const Dataset& data, const std::vector<std::size_t>& rows) const;
    // One input row (one value per raw feature, in order) -> `out` (width() values).
    void encode(const RawValue* values, double* out) const;

    void finish_layout();  // recomputes offsets, the width and all_numeric

private:
    std::size_t width_ = 0;
    bool all_numeric_ = true;
};

}  // namespace ls::models
