// k-fold cross-validation: deterministic folds from a seed, one fit per fold
// on the other folds, metrics on the held-out fold.
#include <cstring>
#include <random>

#include "core/base/rng.h"

#include "core/base/error.h"
#include "core/base/interrupt.h"
#include "core/models/model.h"

namespace ls::models {

std::vector<int> fold_assignment(std::size_t n, int k, std::uint64_t seed) {
    // Fisher-Yates with mt19937_64 (its output sequence is fixed by the C++
    // standard), and a plain modulo instead of std::uniform_int_distribution
    // (implementation-defined), so folds are the same on every platform.
    std::vector<std::size_t> perm(n);
    for (std::size_t i = 0; i < n; ++i) perm[i] = i;
    std::mt19937_64 rng(seed);
    for (std::size_t i = n; i > 1; --i) {
        std::size_t j = static_cast<std::size_t>(rng() % i);
        std::swap(perm[i - 1], perm[j]);
    }
    std::vector<int> fold(n);
    for (std::size_t pos = 0; pos < n; ++pos) fold[perm[pos]] = static_cast<int>(pos % static_cast<std::size_t>(k));
    return fold;
}

std::vector<int> content_folds(const Dataset& data, int k, std::uint64_t seed) {
    // Drawn over the rows in content order, not in arrival order: the same data
    // and seed give the same folds on any plan, node or load order.
    const std::vector<int> by_position = fold_assignment(data.rows(), k, seed);
    const std::vector<std::size_t> ordered = content_order(data);
    std::vector<int> fold(data.rows());
    for (std::size_t pos = 0; pos < ordered.size(); ++pos) fold[ordered[pos]] = by_position[pos];
    return fold;
}

std::vector<int> key_folds(const Column& key, int k, std::uint64_t seed) {
    if (k < 2) fail(ErrorKind::InvalidParameter, "k must be at least 2");
    const std::size_t n = key.categorical ? key.code.size() : key.num.size();
    std::vector<int> fold(n);
    const std::uint64_t salt = splitmix64(seed);
    for (std::size_t i = 0; i < n; ++i) {
        if (key.is_null(i))
            fail(ErrorKind::InvalidParameter, "the fold key \"" + key.name + "\" is NULL on some row",
                 "Every row needs a key value (e.g. a learner id).");
        std::uint64_t h;
        if (key.categorical) {
            h = 1469598103934665603ull;  // FNV-1a over the text: the same on every platform
            for (unsigned char c : key.levels[static_cast<std::size_t>(key.code[i])]) h = (h ^ c) * 1099511628211ull;
        } else {
            double v = key.num[i];
            if (v == 0) v = 0;  // -0 and 0 are one key
            std::memcpy(&h, &v, sizeof h);
        }
        fold[i] = static_cast<int>(splitmix64(h ^ salt) % static_cast<std::uint64_t>(k));
    }
    return fold;
}

std::vector<FoldResult> cross_validate(const Dataset& data, const std::string& target, Algorithm algorithm,
                                       const Params& params, int k, std::uint64_t seed) {
    const std::size_t n = data.rows();
    if (k < 2) fail(ErrorKind::InvalidParameter, "k must be at least 2");
    if (n < static_cast<std::size_t>(k))
        fail(ErrorKind::InvalidParameter, "cross-validation needs at least k rows (" + std::to_string(n) + " < " +
                                              std::to_string(k) + ")");
    return cross_validate(data, target, algorithm, params, content_folds(data, k, seed), k);
}

std::vector<FoldResult> cross_validate(const Dataset& data, const std::string& target, Algorithm algorithm,
                                       const Params& params, const std::vector<int>& fold, int nfolds,
                                       metrics::Summary* pooled) {
    const std::size_t n = data.rows();
    if (fold.size() != n) fail(ErrorKind::Internal, "fold assignment size mismatch");
    if (nfolds < 2) fail(ErrorKind::InvalidParameter, "cross-validation needs at least 2 folds (groups)");
    std::vector<FoldResult> out;
    std::vector<double> all_pred, all_y;
    bool classifier = true;
    // Rows visited in content order: every sum over held-out predictions is taken
    // in the same order, so the metrics are bit-identical whatever the row order.
    const std::vector<std::size_t> ordered = content_order(data);
    for (int f = 0; f < nfolds; ++f) {
        check_interrupts();
        std::vector<std::size_t> tr, te;
        for (std::size_t i : ordered) (fold[i] == f ? te : tr).push_back(i);
        if (te.empty()) continue;
        if (tr.empty()) fail(ErrorKind::InvalidParameter, "a fold leaves no training rows");
        TrainResult res = train(data, target, algorithm, params, tr);
        Eigen::MatrixXd X = res.model->encoder.design(data, te, false);
        Eigen::VectorXd pred = res.model->predict_encoded(X);
        std::vector<double> pv(pred.data(), pred.data() + pred.size()), yv(te.size());
        for (std::size_t i = 0; i < te.size(); ++i) yv[i] = data.y[te[i]];
        classifier = res.model->classifier;
        FoldResult fr{f + 1, tr.size(), te.size(), {}, classifier};
        fr.m = classifier ? metrics::classification(pv, yv) : metrics::regression(pv, yv);
        out.push_back(fr);
        all_pred.insert(all_pred.end(), pv.begin(), pv.end());
        all_y.insert(all_y.end(), yv.begin(), yv.end());
    }
    if (pooled) *pooled = classifier ? metrics::classification(all_pred, all_y) : metrics::regression(all_pred, all_y);
    return out;
}

}  // namespace ls::models
