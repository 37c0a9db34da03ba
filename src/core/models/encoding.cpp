#include "core/models/encoding.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/base/error.h"
#include "core/base/huge_pages.h"
#include "core/base/interrupt.h"

namespace ls::models {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class Fn>
void for_rows(const Dataset& data, const std::vector<std::size_t>& rows, Fn&& fn) {
    if (rows.empty()) {
        for (std::size_t i = 0; i < data.rows(); ++i) fn(i, i);
    } else {
        for (std::size_t k = 0; k < rows.size(); ++k) fn(k, rows[k]);
    }
}
}  // namespace

Encoder Encoder::fit(const Dataset& data, const std::vector<std::size_t>& rows, bool linear) {
    data.check_shape();
    Encoder enc;
    enc.drop_first = linear;
    enc.impute_missing = linear;
    for (const auto& col : data.features) {
        FeatureEncoding fe;
        fe.name = col.name;
        fe.categorical = col.categorical;
        if (!col.categorical) {
            double sum = 0;
            std::size_t cnt = 0;
            for_rows(data, rows, [&](std::size_t, std::size_t i) {
                double v = col.num[i];
                if (v == v) { sum += v; ++cnt; }
            });
            fe.impute = cnt ? sum / static_cast<double>(cnt) : 0.0;
        } else {
            std::vector<std::size_t> freq(col.levels.size(), 0);
            for_rows(data, rows, [&](std::size_t, std::size_t i) {
                if (col.code[i] >= 0) ++freq[col.code[i]];
            });
            std::vector<std::size_t> seen;
            for (std::size_t c = 0; c < freq.size(); ++c)
                if (freq[c] > 0) seen.push_back(c);
            std::sort(seen.begin(), seen.end(), [&](std::size_t a, std::size_t b) { return col.levels[a] < col.levels[b]; });
            std::size_t start = linear && !seen.empty() ? 1 : 0;  // first level = reference
            std::size_t best = 0, best_code = 0;
            for (std::size_t k = 0; k < seen.size(); ++k)
                if (freq[seen[k]] > best) { best = freq[seen[k]]; best_code = k; }
            for (std::size_t k = start; k < seen.size(); ++k) fe.levels.push_back(col.levels[seen[k]]);
            // Most frequent level imputes a NULL for linear models (-1: the reference level, all zeros).
            fe.impute_level = (!seen.empty() && best_code >= start) ? static_cast<std::int32_t>(best_code - start) : -1;
            if (!linear) fe.impute_level = -1;
        }
        enc.features.push_back(std::move(fe));
    }
    enc.finish_layout();
    return enc;
}

void Encoder::finish_layout() {
    std::size_t off = 0;
    all_numeric_ = true;
    for (auto& f : features) {
        f.offset = off;
        off += f.width();
        all_numeric_ = all_numeric_ && !f.categorical;
    }
    width_ = off;
}

std::vector<std::string> Encoder::column_names() const {
    std::vector<std::string> out;
    for (const auto& f : features) {
        if (!f.categorical) out.push_back(f.name);
        else
            for (const auto& l : f.levels) out.push_back(f.name + "=" + l);
    }
    return out;
}

Eigen::MatrixXd Encoder::design(const Dataset& data, const std::vector<std::size_t>& rows, bool intercept) const {
    const std::size_t n = rows.empty() ? data.rows() : rows.size();
    const Eigen::Index base = intercept ? 1 : 0;
    Eigen::MatrixXd X(static_cast<Eigen::Index>(n), base + static_cast<Eigen::Index>(width()));
    advise_huge_pages(X.data(), static_cast<std::size_t>(X.size()) * sizeof(double));
    if (intercept) X.col(0).setOnes();
    for (std::size_t j = 0; j < features.size(); ++j) {
        const auto& fe = features[j];
        const auto& col = data.features[j];
        const Eigen::Index c0 = base + static_cast<Eigen::Index>(fe.offset);
        if (!fe.categorical) {
            double* dst = X.col(c0).data();
            for_rows(data, rows, [&](std::size_t k, std::size_t i) {
                double v = col.num[i];
                dst[k] = (v == v) ? v : (impute_missing ? fe.impute : kNaN);
            });
        } else {
            X.middleCols(c0, static_cast<Eigen::Index>(fe.width())).setZero();
            // dataset code -> encoded level index (-1 = none)
            std::vector<std::int32_t> map(col.levels.size(), -1);
            for (std::size_t c = 0; c < col.levels.size(); ++c) {
                auto it = std::lower_bound(fe.levels.begin(), fe.levels.end(), col.levels[c]);
                if (it != fe.levels.end() && *it == col.levels[c]) map[c] = static_cast<std::int32_t>(it - fe.levels.begin());
            }
            for_rows(data, rows, [&](std::size_t k, std::size_t i) {
                std::int32_t code = col.code[i];
                std::int32_t lvl = code >= 0 ? map[code] : (impute_missing ? fe.impute_level : -2);
                if (lvl >= 0) X(static_cast<Eigen::Index>(k), c0 + lvl) = 1.0;
                else if (lvl == -2)
                    for (std::size_t l = 0; l < fe.width(); ++l) X(static_cast<Eigen::Index>(k), c0 + l) = kNaN;
            });
        }
        check_interrupts();
    }
    return X;
}

std::optional<Encoder::DesignView> Encoder::design_view(const Dataset& data) const {
    const std::size_t n = data.rows(), stride = data.block_stride;
    if (!data.block || n == 0 || n > stride || features.size() != data.features.size()) return std::nullopt;
    const double* base = data.block.get();
    for (std::size_t j = 0; j < features.size(); ++j) {
        const auto& col = data.features[j];
        if (features[j].categorical || col.categorical || features[j].offset != j || !col.num.in_block(base) ||
            col.num.data() != base + (j + 1) * stride || col.num.size() != n)
            return std::nullopt;
    }
    // A missing value needs imputation (or NaN), i.e. a copy.
    if (data.numeric_null) {
        if (*data.numeric_null) return std::nullopt;
    } else {
        for (std::size_t j = 0; j < features.size(); ++j) {
            const double* v = data.features[j].num.data();
            for (std::size_t i = 0; i < n; ++i)
                if (v[i] != v[i]) return std::nullopt;
            check_interrupts();
        }
    }
    for (std::size_t i = 0; i < n; ++i)
        if (base[i] != 1.0) return std::nullopt;  // the intercept column
    return DesignView(base, static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(features.size() + 1),
                      Eigen::OuterStride<>(static_cast<Eigen::Index>(stride)));
}

std::vector<float> Encoder::design_f32(const Dataset& data, const std::vector<std::size_t>& rows) const {
    Eigen::MatrixXd X = design(data, rows, false);
    using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    std::vector<float> out(static_cast<std::size_t>(X.size()));
    Eigen::Map<RowMajorF>(out.data(), X.rows(), X.cols()) = X.cast<float>();
    return out;
}

void Encoder::encode(const RawValue* values, double* out) const {
    for (std::size_t j = 0; j < features.size(); ++j) {
        const auto& fe = features[j];
        const RawValue& v = values[j];
        double* dst = out + fe.offset;
        if (!fe.categorical) {
            if (v.kind == RawValue::Number) {
                if (!std::isfinite(v.number))
                    fail(ErrorKind::InvalidParameter, "feature \"" + fe.name + "\" is NaN or Infinity");
                *dst = v.number;
            } else if (v.kind == RawValue::Null) {
                *dst = impute_missing ? fe.impute : kNaN;
            } else {
                fail(ErrorKind::InvalidParameter, "feature \"" + fe.name + "\" is numeric but got a text value");
            }
        } else {
            std::fill(dst, dst + fe.width(), 0.0);
            if (v.kind == RawValue::Null) {
                if (impute_missing) {
                    if (fe.impute_level >= 0) dst[fe.impute_level] = 1.0;
                } else {
                    std::fill(dst, dst + fe.width(), kNaN);
                }
                continue;
            }
            std::string level;
            if (v.kind == RawValue::Text) level.assign(v.text);
            else fail(ErrorKind::InvalidParameter, "feature \"" + fe.name + "\" is a text feature but got a number",
                      "Pass text features through the jsonb or record form of predict().");
            auto it = std::lower_bound(fe.levels.begin(), fe.levels.end(), level);
            if (it != fe.levels.end() && *it == level) dst[it - fe.levels.begin()] = 1.0;
            // an unseen level (or the reference level) encodes as all zeros
        }
    }
}

}  // namespace ls::models
