// Folds from a hash of a key (ls::models::key_folds): a row's fold depends only
// on its key and the seed, so row order, other rows and the platform do not matter.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/models/model.h"

using ls::models::Column;
using ls::models::key_folds;

namespace {

Column numeric_key(const std::vector<double>& v) {
    Column c;
    c.name = "uid";
    c.num = v;
    return c;
}

Column text_key(const std::vector<std::string>& v) {
    Column c;
    c.name = "uid";
    c.categorical = true;
    for (const auto& s : v) c.code.push_back(c.code_of(s));
    return c;
}

}  // namespace

TEST(FoldKey, FoldDependsOnlyOnKeyAndSeed) {
    std::vector<double> keys;
    for (int i = 0; i < 2000; ++i) keys.push_back(i * 7 % 1000);  // every key twice, in a scrambled order
    std::vector<int> f = key_folds(numeric_key(keys), 5, 42);
    std::map<double, int> of_key;
    std::vector<int> count(5, 0);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        auto [it, fresh] = of_key.emplace(keys[i], f[i]);
        EXPECT_EQ(it->second, f[i]) << "rows of one key share a fold";
        ++count[static_cast<std::size_t>(f[i])];
    }
    for (int c : count) EXPECT_GT(c, 300);  // 2000 rows over 5 folds, roughly even
    // another order and extra rows: the same folds for the same keys
    std::vector<double> more(keys.rbegin(), keys.rend());
    for (int i = 1000; i < 1100; ++i) more.push_back(i);
    std::vector<int> g = key_folds(numeric_key(more), 5, 42);
    for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(g[i], of_key[more[i]]);
    // -0 and 0 are one key; another seed moves keys
    EXPECT_EQ(key_folds(numeric_key({0.0}), 5, 1)[0], key_folds(numeric_key({-0.0}), 5, 1)[0]);
    EXPECT_NE(key_folds(numeric_key(keys), 5, 42), key_folds(numeric_key(keys), 5, 43));
}

TEST(FoldKey, TextKeysAreHashedByTheirBytes) {
    // the same text gets the same fold whatever its level code (first seen elsewhere)
    std::vector<int> a = key_folds(text_key({"learner-1", "learner-2", "learner-3"}), 7, 9);
    std::vector<int> b = key_folds(text_key({"learner-3", "learner-1", "learner-2"}), 7, 9);
    EXPECT_EQ(a[0], b[1]);
    EXPECT_EQ(a[1], b[2]);
    EXPECT_EQ(a[2], b[0]);
    // pinned values: a release must not move learners between folds (FNV-1a and SplitMix64 are fixed
    // functions; a std::hash would differ between standard libraries)
    EXPECT_EQ(key_folds(text_key({"learner-1", "learner-2", "Иванов"}), 5, 42), (std::vector<int>{1, 2, 4}));
    EXPECT_EQ(key_folds(numeric_key({1, 2, 1e6, -3.5}), 5, 42), (std::vector<int>{0, 4, 4, 4}));
}

TEST(FoldKey, NullKeysAndBadFoldCountsAreErrors) {
    EXPECT_THROW(key_folds(numeric_key({1.0, NAN}), 5, 1), ls::Error);
    Column t = text_key({"a"});
    t.code.push_back(-1);
    EXPECT_THROW(key_folds(t, 5, 1), ls::Error);
    EXPECT_THROW(key_folds(numeric_key({1.0}), 1, 1), ls::Error);
}
