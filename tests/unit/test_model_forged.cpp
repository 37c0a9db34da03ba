// Forged and truncated model blobs: the decoder must refuse every blob that
// train() could not have produced with an ls::Error, never crash or write out
// of bounds (this suite runs under AddressSanitizer). The CRC is recomputed
// for every forged blob: it protects against accidents, not against forgery.
#include <gtest/gtest.h>

#include <boost/crc.hpp>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/models/model.h"
#include "error_kind.h"
#include "core/models/xgboost_ubjson.h"

using namespace ls::models;

namespace {

// Writes the blob layout of model_codec.cpp field by field.
struct Blob {
    std::string b = std::string("LSMODEL\0", 8);
    Blob() { u32(1); }
    Blob& u8(std::uint8_t v) { b.push_back(static_cast<char>(v)); return *this; }
    Blob& u32(std::uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); return *this; }
    Blob& i32(std::int32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); return *this; }
    Blob& f64(double v) { b.append(reinterpret_cast<const char*>(&v), 8); return *this; }
    Blob& str(const std::string& s) { u32(static_cast<std::uint32_t>(s.size())); b += s; return *this; }
    Blob& vec(std::size_t n, double v) { u32(static_cast<std::uint32_t>(n)); for (std::size_t i = 0; i < n; ++i) f64(v); return *this; }
    Blob& num_feature(const std::string& name) { return str(name).u8(0).f64(0).i32(-1).u32(0); }
    Blob& text_feature(const std::string& name, const std::vector<std::string>& levels, std::int32_t impute_level) {
        str(name).u8(1).f64(0).i32(impute_level).u32(static_cast<std::uint32_t>(levels.size()));
        for (const auto& l : levels) str(l);
        return *this;
    }
    // algorithm 1 (logistic), classifier, target y, no objective, drop_first, impute_missing
    Blob& logistic_header(std::uint32_t nfeatures) { return u8(1).u8(1).str("y").str("").u8(1).u8(1).u32(nfeatures); }
    Blob& xgboost_header(std::uint32_t nfeatures) {
        return u8(3).u8(1).str("y").str("binary:logistic").u8(0).u8(0).u32(nfeatures);
    }
    std::string done() const { return with_crc(b); }
    static std::string with_crc(std::string s) {
        boost::crc_32_type crc;
        crc.process_bytes(s.data(), s.size());
        std::uint32_t c = crc.checksum();
        s.append(reinterpret_cast<const char*>(&c), 4);
        return s;
    }
};

std::string logistic_blob(const std::function<void(Blob&)>& features, std::uint32_t nfeatures, std::size_t width) {
    Blob b;
    b.logistic_header(nfeatures);
    features(b);
    b.vec(width + 1, 0.25).vec(width + 1, 0.1).str("");
    return b.done();
}

std::string xgboost_blob(const std::string& booster) {
    Blob b;
    b.xgboost_header(1).num_feature("x1").vec(0, 0).vec(0, 0).str(booster);
    return b.done();
}

std::string be64(std::uint64_t v) {
    std::string s(8, '\0');
    for (int i = 7; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 255);
    return s;
}

}  // namespace

TEST(ModelForged, WellFormedHandWrittenBlobDecodes) {
    std::string blob = logistic_blob([](Blob& b) { b.num_feature("x1").text_feature("c", {"red"}, -1); }, 2, 2);
    auto m = Model::deserialize(blob.data(), blob.size());
    RawValue row[] = {RawValue::num(1), RawValue::str("red")};
    EXPECT_DOUBLE_EQ(m->predict(row), 1 / (1 + std::exp(-0.75)));
}

TEST(ModelForged, TextFeatureWithoutLevelsCannotImputeALevel) {
    // Zero levels and imputation level 0: encode() wrote one double past the
    // row buffer (explain: through an empty vector, a SIGSEGV).
    std::string blob = logistic_blob([](Blob& b) { b.text_feature("c", {}, 0); }, 1, 0);
    EXPECT_EQ(kind_of([&] { Model::deserialize(blob.data(), blob.size()); }), ls::ErrorKind::DataException);
    // Behind 300 numeric features predict() used a heap buffer and overwrote 8 bytes after it.
    std::string heap = logistic_blob(
        [](Blob& b) {
            for (int j = 0; j < 300; ++j) b.num_feature("x" + std::to_string(j));
            b.text_feature("c", {}, 0);
        },
        301, 300);
    EXPECT_EQ(kind_of([&] { Model::deserialize(heap.data(), heap.size()); }), ls::ErrorKind::DataException);
    // A level index past the levels, and a negative one.
    for (std::int32_t lvl : {2, 7, -2}) {
        std::string b2 = logistic_blob([&](Blob& b) { b.text_feature("c", {"a", "b"}, lvl); }, 1, 2);
        EXPECT_EQ(kind_of([&] { Model::deserialize(b2.data(), b2.size()); }), ls::ErrorKind::DataException) << lvl;
    }
}

TEST(ModelForged, ZeroLevelTextFeatureFromTrainingStillDecodes) {
    // A linear model drops a text feature's only level as the reference: the
    // feature has no encoded column. Such real models must keep working.
    Dataset d;
    Column x, c;
    x.name = "x1";
    c.name = "c";
    c.categorical = true;
    std::vector<double> xs;
    for (int i = 0; i < 40; ++i) {
        xs.push_back(i % 5);
        c.code.push_back(i % 4 == 0 ? -1 : c.code_of("only"));
        d.y.push_back(0.5 * (i % 5) + (i % 3));
    }
    x.num = xs;
    d.features.push_back(std::move(x));
    d.features.push_back(std::move(c));
    TrainResult r = train(d, "y", Algorithm::Linear, {});
    ASSERT_EQ(r.model->encoder.features[1].levels.size(), 0u);
    std::string blob = r.model->serialize();
    auto m = Model::deserialize(blob.data(), blob.size());
    RawValue row[] = {RawValue::num(2), RawValue::null()};
    EXPECT_DOUBLE_EQ(m->predict(row), r.model->predict(row));
    EXPECT_EQ(m->explain(row).size(), 3u);
}

TEST(ModelForged, InconsistentEncodingIsRefused) {
    auto refused = [](const std::string& blob) {
        return kind_of([&] { Model::deserialize(blob.data(), blob.size()); }) == ls::ErrorKind::DataException;
    };
    EXPECT_TRUE(refused(logistic_blob([](Blob& b) { b.text_feature("c", {"b", "a"}, -1); }, 1, 2)));  // unsorted
    EXPECT_TRUE(refused(logistic_blob([](Blob& b) { b.text_feature("c", {"a", "a"}, -1); }, 1, 2)));  // repeated
    EXPECT_TRUE(refused(logistic_blob([](Blob& b) { b.num_feature("x").num_feature("x"); }, 2, 2)));  // same name
    EXPECT_TRUE(refused(logistic_blob([](Blob& b) { b.num_feature("x1").num_feature("x2"); }, 2, 1)));  // width
    EXPECT_TRUE(refused(logistic_blob([](Blob& b) { b.num_feature("x1"); }, 1, 5)));                    // width
    EXPECT_TRUE(refused(logistic_blob([](Blob& b) { b.str("x").u8(0).f64(NAN).i32(-1).u32(0); }, 1, 1)));  // NaN mean
    EXPECT_TRUE(refused(logistic_blob([](Blob& b) { b.str("x").u8(0).f64(0).i32(0).u32(0); }, 1, 1)));    // numeric level
    EXPECT_TRUE(refused(logistic_blob([](Blob&) {}, 0, 0)));                                           // no feature
    // More encoded columns than train() ever makes.
    EXPECT_TRUE(refused(logistic_blob(
        [](Blob& b) {
            std::vector<std::string> levels;
            for (int l = 0; l < 10001; ++l) levels.push_back("l" + std::to_string(100000 + l));
            b.text_feature("c", levels, -1);
        },
        1, 10001)));
    // A linear model carrying an XGBoost booster, trailing bytes.
    Blob t;
    t.logistic_header(1).num_feature("x1").vec(2, 0.1).vec(2, 0.1).str("{}");
    EXPECT_TRUE(refused(t.done()));
    Blob u;
    u.logistic_header(1).num_feature("x1").vec(2, 0.1).vec(2, 0.1).str("").u8(0);
    EXPECT_TRUE(refused(u.done()));
}

TEST(ModelForged, HugeCountsAndLengthsAreRefused) {
    auto refused = [](const Blob& b) {
        std::string s = b.done();
        return kind_of([&] { Model::deserialize(s.data(), s.size()); }) == ls::ErrorKind::DataException;
    };
    Blob nf;
    nf.logistic_header(0xffffffffu);
    EXPECT_TRUE(refused(nf));
    Blob nl;
    nl.logistic_header(1).str("c").u8(1).f64(0).i32(-1).u32(0xffffffffu);
    EXPECT_TRUE(refused(nl));
    Blob sl;
    sl.logistic_header(1).u32(0x7fffffffu);  // the feature name's length
    EXPECT_TRUE(refused(sl));
    Blob vl;
    vl.logistic_header(1).num_feature("x1").u32(0xffffffffu);  // coefficient count
    EXPECT_TRUE(refused(vl));
}

TEST(ModelForged, EveryTruncationIsAnError) {
    std::string blob = logistic_blob([](Blob& b) { b.num_feature("x1").text_feature("c", {"a", "b"}, 1); }, 2, 3);
    const std::string body = blob.substr(0, blob.size() - 4);
    for (std::size_t n = 0; n < body.size(); ++n) {
        std::string cut = Blob::with_crc(body.substr(0, n));
        EXPECT_NE(kind_of([&] { Model::deserialize(cut.data(), cut.size()); }), ls::ErrorKind::Internal) << n;
    }
}

TEST(ModelForged, XGBoostBoosterStructureIsCheckedFirst) {
    auto refused = [](const std::string& booster) {
        std::string blob = xgboost_blob(booster);
        return kind_of([&] { Model::deserialize(blob.data(), blob.size()); }) == ls::ErrorKind::DataException;
    };
    // The first key claims 1 GiB: libxgboost 1.7.4 copied past the buffer.
    EXPECT_TRUE(refused("{L" + be64(1u << 30) + "learner}"));
    EXPECT_TRUE(refused("{L" + be64(~0ull) + "x}"));                         // negative
    EXPECT_TRUE(refused(std::string("{L") + be64(1) + "a" + std::string(100000, '[')));  // depth
    EXPECT_TRUE(refused("{L" + be64(1) + "a[$d#L" + be64(1000) + "abcd}"));  // typed array past the end
    EXPECT_TRUE(refused("{L" + be64(1) + "a[$D#L" + be64(1) + "12345678}"));  // f64 arrays: XGBoost aborts
    EXPECT_TRUE(refused("{L" + be64(1) + "a[#L" + be64(1ull << 40) + "Z}"));  // counted array past the end
    EXPECT_TRUE(refused("{L" + be64(1) + "aS" + "L" + be64(99) + "xy}"));    // string past the end
    EXPECT_TRUE(refused("{L" + be64(1) + "aH}"));                             // unsupported marker
    EXPECT_TRUE(refused("{L" + be64(1) + "aZ}junk"));                         // trailing bytes
    EXPECT_TRUE(refused("{L" + be64(1) + "aZ"));                              // unterminated
    EXPECT_TRUE(refused("[Z]"));                                              // not an object
    // Accepted structure (XGBoost itself then refuses what it cannot load).
    EXPECT_NO_THROW(check_xgboost_ubjson("{L" + be64(1) + "a[$d#L" + be64(1) + "abcdL" + be64(1) + "b[#L" + be64(2) + "TiU}"));
}

TEST(ModelForged, TrainedBoosterPassesAndMismatchedWidthIsRefused) {
    Dataset d;
    for (int j = 0; j < 2; ++j) {
        Column c;
        c.name = "x" + std::to_string(j + 1);
        std::vector<double> v;
        for (int i = 0; i < 200; ++i) v.push_back((i * (j + 3)) % 7);
        c.num = v;
        d.features.push_back(std::move(c));
    }
    for (int i = 0; i < 200; ++i) d.y.push_back((i % 7) > 3 ? 1 : 0);
    TrainResult r = train(d, "y", Algorithm::XGBoost, {{"num_round", "5"}, {"max_depth", "2"}});
    EXPECT_NO_THROW(check_xgboost_ubjson(r.model->xgb_model));
    std::string blob = r.model->serialize();
    EXPECT_NO_THROW(Model::deserialize(blob.data(), blob.size()));
    // The encoding claims a third input column the booster does not read (or
    // one fewer): scoring must refuse instead of letting XGBoost read past the row.
    for (int extra : {1, -1}) {
        Model forged;
        forged.algorithm = Algorithm::XGBoost;
        forged.classifier = true;
        forged.objective = "binary:logistic";
        forged.target = "y";
        forged.encoder = r.model->encoder;
        if (extra > 0) {
            FeatureEncoding f;
            f.name = "x3";
            forged.encoder.features.push_back(f);
        } else {
            forged.encoder.features.pop_back();
        }
        forged.encoder.finish_layout();
        forged.xgb_model = r.model->xgb_model;
        std::string fb = forged.serialize();
        auto m = Model::deserialize(fb.data(), fb.size());
        std::vector<RawValue> row(m->feature_count(), RawValue::num(1));
        EXPECT_EQ(kind_of([&] { m->predict(row.data()); }), ls::ErrorKind::DataException) << extra;
        EXPECT_EQ(kind_of([&] { m->explain(row.data()); }), ls::ErrorKind::DataException) << extra;
    }
}

namespace {
// An XGBoost model trained on 3 numeric features (one with missing values).
std::unique_ptr<Model> small_booster() {
    Dataset d;
    for (int j = 0; j < 3; ++j) {
        Column c;
        c.name = "x" + std::to_string(j + 1);
        for (int i = 0; i < 300; ++i)
            c.num.push_back(j == 2 && i % 5 == 0 ? std::nan("") : ((i * (j + 3)) % 11) / 3.0);
        d.features.push_back(std::move(c));
    }
    for (int i = 0; i < 300; ++i) d.y.push_back((i * 3) % 11 > 5 ? 1 : 0);
    return train(d, "y", Algorithm::XGBoost, {{"num_round", "12"}, {"max_depth", "3"}}).model;
}

// The blob of `m` with its booster's bytes replaced.
std::string with_booster(const Model& m, const std::string& booster) {
    Model forged;
    forged.algorithm = m.algorithm;
    forged.classifier = m.classifier;
    forged.objective = m.objective;
    forged.target = m.target;
    forged.encoder = m.encoder;
    forged.xgb_model = booster;
    return forged.serialize();
}

// The offset of element k of the int32 typed array under `key` in a UBJSON booster.
std::size_t int32_element(const std::string& ubj, const std::string& key, std::size_t k) {
    const std::size_t at = ubj.find(key);
    EXPECT_NE(at, std::string::npos);
    const std::size_t arr = at + key.size();
    EXPECT_EQ(ubj.substr(arr, 4), "[$l#");
    return arr + 5 + 8 + 4 * k;  // '[' '$' 'l' '#' 'L' count(8)
}
}  // namespace

// Bytes nobody vouches for (predict(bytea, ...)): the trees are read by our own
// UBJSON reader into the native evaluator, which scores exactly as by name.
TEST(ModelForged, UntrustedBoosterScoresLikeTheTrustedOne) {
    auto m = small_booster();
    const std::string blob = m->serialize();
    auto trusted = Model::deserialize(blob.data(), blob.size());
    auto untrusted = Model::deserialize_untrusted(blob.data(), blob.size());
    ASSERT_NE(trusted->native_trees(), nullptr);
    ASSERT_NE(untrusted->native_trees(), nullptr);
    EXPECT_EQ(untrusted->native_trees()->num_trees(), trusted->native_trees()->num_trees());
    for (int i = 0; i < 200; ++i) {
        const double v[3] = {(i % 13) / 3.0, ((i * 7) % 17) / 4.0, ((i * 5) % 19) / 5.0};
        const std::uint8_t present[1] = {static_cast<std::uint8_t>(i % 4 == 0 ? 0x3 : 0x7)};  // x3 missing
        EXPECT_EQ(untrusted->predict_numeric(v, present), trusted->predict_numeric(v, present)) << i;
    }
    // explain needs libxgboost, which never gets these bytes
    std::vector<RawValue> row = {RawValue::num(1), RawValue::num(2), RawValue::num(3)};
    EXPECT_EQ(kind_of([&] { untrusted->explain(row.data()); }), ls::ErrorKind::FeatureNotSupported);
    EXPECT_NO_THROW(untrusted->predict(row.data()));
}

TEST(ModelForged, UntrustedBoosterWithForgedTreesIsRefused) {
    auto m = small_booster();
    const std::string ubj = m->xgb_model;
    auto refused_with = [&](const std::string& booster) {
        const std::string blob = with_booster(*m, booster);
        return kind_of([&] { Model::deserialize_untrusted(blob.data(), blob.size()); });
    };
    auto poke = [&](std::size_t off, std::uint32_t v) {
        std::string b = ubj;
        for (int i = 0; i < 4; ++i) b[off + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
        return b;
    };
    const std::size_t root_left = int32_element(ubj, "left_children", 0);
    EXPECT_EQ(refused_with(poke(root_left, 0x7fffffff)), ls::ErrorKind::FeatureNotSupported);  // past the tree
    EXPECT_EQ(refused_with(poke(root_left, 0)), ls::ErrorKind::FeatureNotSupported);           // a cycle
    EXPECT_EQ(refused_with(poke(int32_element(ubj, "split_indices", 0), 1000)), ls::ErrorKind::FeatureNotSupported);
    EXPECT_EQ(refused_with(ubj.substr(0, ubj.size() / 2)), ls::ErrorKind::DataException);      // truncated
    // A NaN threshold is a tree the evaluator can walk (every row goes one way): no crash.
    const std::size_t cond = ubj.find("split_conditions");
    ASSERT_NE(cond, std::string::npos);
    std::string nan_booster = ubj;
    const std::size_t first = cond + std::string("split_conditions").size() + 5 + 8;
    for (int i = 0; i < 4; ++i) nan_booster[first + i] = "\x7f\xc0\x00\x00"[i];
    const std::string blob = with_booster(*m, nan_booster);
    auto nan_model = Model::deserialize_untrusted(blob.data(), blob.size());
    std::vector<RawValue> row = {RawValue::num(1), RawValue::num(2), RawValue::num(3)};
    EXPECT_TRUE(std::isfinite(nan_model->predict(row.data())));
}

TEST(ModelForged, UbjsonToJsonKeepsFloatsAndEscapes) {
    const std::string b = "{L" + be64(3) + "a\"b" + "[$d#L" + be64(2) + std::string("\x3f\x80\x00\x00\x7f\x80\x00\x00", 8) +
                          "L" + be64(1) + "s" + "SL" + be64(2) + "\\\n" + "L" + be64(1) + "iiF}";
    EXPECT_EQ(xgboost_ubjson_to_json(b), "{\"a\\\"b\":[1,\"inf\"],\"s\":\"\\\\\\u000a\",\"i\":70}");
}
