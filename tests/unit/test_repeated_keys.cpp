// RepeatedKeyHashes (src/cli/load/repeated_keys.h): the loader's first pass over a keyed file finds
// the key hashes seen more than once, in memory or spread over temporary files; both give the same set.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "cli/load/repeated_keys.h"

using lscli::RepeatedKeyHashes;

namespace {

// 100,000 keys "0".."99999", 37 of them (every 2,701st) repeated once or twice, in random order.
std::vector<std::string> keys_with_repeats(std::set<std::string>& repeated) {
    std::vector<std::string> keys;
    for (int i = 0; i < 100000; ++i) keys.push_back(std::to_string(i));
    for (int i = 0; i < 100000; i += 2701) {
        keys.push_back(std::to_string(i));
        if (i % 2 == 0) keys.push_back(std::to_string(i));
        repeated.insert(std::to_string(i));
    }
    std::mt19937 rng(5);
    std::shuffle(keys.begin(), keys.end(), rng);
    return keys;
}

void check(size_t budget, bool expect_files) {
    std::set<std::string> want;
    auto keys = keys_with_repeats(want);
    RepeatedKeyHashes r(static_cast<long long>(keys.size()), budget);
    for (const auto& k : keys) r.add(RepeatedKeyHashes::hash(k));
    r.finish();
    EXPECT_EQ(r.partitions_used() > 1, expect_files);
    EXPECT_EQ(r.repeated(), want.size());
    for (int i = 0; i < 100000; ++i) {
        std::string k = std::to_string(i);
        EXPECT_EQ(r.contains(RepeatedKeyHashes::hash(k)), want.count(k) == 1) << k;
    }
}

}  // namespace

TEST(RepeatedKeyHashes, InMemory) { check(RepeatedKeyHashes::kDefaultBudget, false); }

TEST(RepeatedKeyHashes, SpreadOverTemporaryFiles) { check(64 << 10, true); }  // 8,192 hashes a partition: 13 files

TEST(RepeatedKeyHashes, TinyBudgetAndEmpty) {
    check(1, true);  // clamped to 1,024 hashes a partition
    RepeatedKeyHashes none(0);
    none.finish();
    EXPECT_EQ(none.repeated(), 0u);
    EXPECT_FALSE(none.contains(RepeatedKeyHashes::hash("1")));
    RepeatedKeyHashes fewer(100000, 1 << 10);  // fewer lines than expected: every file partly empty
    fewer.add(RepeatedKeyHashes::hash("a"));
    fewer.add(RepeatedKeyHashes::hash("a"));
    fewer.add(RepeatedKeyHashes::hash("b"));
    fewer.finish();
    EXPECT_EQ(fewer.repeated(), 1u);
    EXPECT_TRUE(fewer.contains(RepeatedKeyHashes::hash("a")));
}
