#include "core/models/xgboost_trees.h"

// Boost 1.74's JSON parser includes <boost/bind.hpp> and uses the global
// placeholders (_1); asking for them explicitly keeps that header from printing
// its deprecation #pragma message in every build.
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace ls::models {

namespace {

using boost::property_tree::ptree;

struct Unsupported {
    std::string why;
};

template <class T>
std::vector<T> array_of(const ptree& t, const char* key) {
    std::vector<T> out;
    for (const auto& kv : t.get_child(key)) {
        const std::string& s = kv.second.data();
        if constexpr (std::is_same_v<T, float>) {
            out.push_back(std::strtof(s.c_str(), nullptr));
        } else {
            out.push_back(static_cast<T>(std::strtoll(s.c_str(), nullptr, 10)));
        }
    }
    return out;
}

}  // namespace

std::unique_ptr<XgbTreeEnsemble> XgbTreeEnsemble::from_json(const std::string& json, std::string* why_not) {
    auto refuse = [&](const std::string& why) -> std::unique_ptr<XgbTreeEnsemble> {
        if (why_not) *why_not = why;
        return nullptr;
    };
    try {
        ptree root;
        std::istringstream in(json);
        boost::property_tree::read_json(in, root);
        const ptree& learner = root.get_child("learner");
        const std::string obj = learner.get<std::string>("objective.name");
        if (obj != "binary:logistic" && obj != "reg:squarederror") return refuse("objective " + obj);
        if (learner.get<std::string>("gradient_booster.name") != "gbtree") return refuse("booster is not gbtree");
        const ptree& mp = learner.get_child("learner_model_param");
        if (mp.get<int>("num_class", 0) > 1) return refuse("multi-class");
        if (mp.get<int>("num_target", 1) != 1) return refuse("multi-target");
        const float base_score = std::strtof(mp.get<std::string>("base_score").c_str(), nullptr);
        auto e = std::make_unique<XgbTreeEnsemble>();
        e->num_feature_ = mp.get<std::size_t>("num_feature");
        e->logistic_ = obj == "binary:logistic";
        // XGBoost 1.7 keeps base_score in output space and converts it with the
        // objective's ProbToMargin (float arithmetic, as XGBoost does).
        e->base_margin_ = e->logistic_ ? -std::log(1.0f / base_score - 1.0f) : base_score;
        const ptree& model = learner.get_child("gradient_booster.model");
        for (int g : array_of<int>(model, "tree_info"))
            if (g != 0) return refuse("output group other than 0");
        for (const auto& kv : model.get_child("trees")) {
            const ptree& t = kv.second;
            if (t.get<int>("tree_param.size_leaf_vector", 0) != 0) return refuse("leaf vectors");
            const auto left = array_of<std::int64_t>(t, "left_children");
            const auto right = array_of<std::int64_t>(t, "right_children");
            const auto feat = array_of<std::int64_t>(t, "split_indices");
            const auto cond = array_of<float>(t, "split_conditions");
            const auto defl = array_of<int>(t, "default_left");
            const auto stype = array_of<int>(t, "split_type");
            const std::size_t n = left.size();
            if (n == 0 || right.size() != n || feat.size() != n || cond.size() != n || defl.size() != n ||
                (!stype.empty() && stype.size() != n))
                return refuse("inconsistent tree arrays");
            const std::size_t off = e->nodes_.size();
            e->roots_.push_back(static_cast<std::uint32_t>(off));
            std::vector<std::uint32_t> level(n, 0);  // depth of each node (parents come first)
            std::uint32_t tree_depth = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (!stype.empty() && stype[i] != 0) return refuse("categorical split");
                Node nd{};
                nd.value = cond[i];
                if (left[i] == -1) {
                    nd.left = nd.right = static_cast<std::int32_t>(off + i);  // a leaf absorbs further steps
                    nd.feature = 0;
                    tree_depth = std::max(tree_depth, level[i]);
                } else {
                    if (left[i] < 0 || right[i] < 0 || static_cast<std::size_t>(left[i]) >= n ||
                        static_cast<std::size_t>(right[i]) >= n || feat[i] < 0 ||
                        static_cast<std::size_t>(feat[i]) >= e->num_feature_)
                        return refuse("malformed split node");
                    // Children always follow their parent in XGBoost's layout,
                    // which also rules out cycles.
                    if (static_cast<std::size_t>(left[i]) <= i || static_cast<std::size_t>(right[i]) <= i)
                        return refuse("unexpected node order");
                    nd.left = static_cast<std::int32_t>(off + left[i]);
                    nd.right = static_cast<std::int32_t>(off + right[i]);
                    nd.feature = static_cast<std::uint32_t>(feat[i]);
                    nd.default_left = defl[i] != 0;
                    level[left[i]] = level[right[i]] = level[i] + 1;
                }
                e->nodes_.push_back(nd);
            }
            if (e->num_feature_ == 0) return refuse("no features");
            e->depth_.push_back(tree_depth);
        }
        return e;
    } catch (const std::exception& ex) {
        return refuse(std::string("unreadable model JSON: ") + ex.what());
    }
}

namespace {
// One step down a tree, without a branch: a leaf points to itself, so extra
// steps keep it where it is. NaN (missing) takes the node's default side.
inline std::uint32_t step(const XgbTreeEnsemble::Node* nodes, std::uint32_t i, const float* x) {
    const XgbTreeEnsemble::Node& nd = nodes[i];
    const float v = x[nd.feature];
    const bool go_left = (v < nd.value) | ((v != v) & nd.default_left);
    return static_cast<std::uint32_t>(go_left ? nd.left : nd.right);
}
}  // namespace

float XgbTreeEnsemble::predict(const float* x, std::size_t p) const {
    (void)p;  // p == num_feature_ is checked by the caller
    float sum = base_margin_;
    const Node* nodes = nodes_.data();
    const std::size_t trees = roots_.size();
    std::size_t t = 0;
    // kGroup trees at a time, each walked for the group's greatest depth:
    // independent chains of loads overlap their cache misses, and no step
    // depends on a hard-to-predict branch. Leaf values are still added in
    // tree order (float sums are not associative; XGBoost adds tree by tree).
    constexpr std::size_t kGroup = 8;
    for (; t + kGroup <= trees; t += kGroup) {
        std::uint32_t at[kGroup];
        std::uint32_t depth = 0;
        for (std::size_t g = 0; g < kGroup; ++g) {
            at[g] = roots_[t + g];
            depth = std::max(depth, depth_[t + g]);
        }
        for (std::uint32_t k = 0; k < depth; ++k)
            for (std::size_t g = 0; g < kGroup; ++g) at[g] = step(nodes, at[g], x);
        for (std::size_t g = 0; g < kGroup; ++g) sum += nodes[at[g]].value;
    }
    for (; t < trees; ++t) {
        std::uint32_t i = roots_[t];
        for (std::uint32_t k = 0; k < depth_[t]; ++k) i = step(nodes, i, x);
        sum += nodes[i].value;
    }
    if (logistic_) return 1.0f / (1.0f + std::exp(-sum));
    return sum;
}

}  // namespace ls::models
