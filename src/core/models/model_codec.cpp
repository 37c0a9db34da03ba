// Model <-> bytes. Layout (little-endian): "LSMODEL\0", u32 format version,
// the fields below, then a CRC-32 of everything before it. The CRC catches
// accidents, not forgery (anyone can recompute it), so every field is also
// checked against what train() can produce: every read is bounds-checked,
// counts are bounded, the encoding is consistent (sorted levels, imputation
// indices in range, widths matching the coefficients) and an XGBoost booster
// passes a structural UBJSON check before libxgboost sees it. A forged or
// corrupted blob is a clear error (SQLSTATE 22000), never a crash.
#include <boost/crc.hpp>
#include <cmath>
#include <cstring>
#include <set>

#include "core/base/error.h"
#include "core/models/model.h"
#include "core/models/xgboost_ubjson.h"

namespace ls::models {

namespace {

constexpr char kMagic[8] = {'L', 'S', 'M', 'O', 'D', 'E', 'L', '\0'};
constexpr std::uint32_t kVersion = 1;
// Bounds of what train() can produce: it refuses more than 10000 encoded
// columns (4000 for linear models); a feature count is bounded generously.
constexpr std::uint32_t kMaxFeatures = 100000;
constexpr std::size_t kMaxEncodedWidth = 10000;

class Writer {
public:
    std::string buf;
    template <class T>
    void pod(T v) { buf.append(reinterpret_cast<const char*>(&v), sizeof v); }
    void str(const std::string& s) { pod<std::uint32_t>(static_cast<std::uint32_t>(s.size())); buf += s; }
    void vec(const Eigen::VectorXd& v) {
        pod<std::uint32_t>(static_cast<std::uint32_t>(v.size()));
        if (v.size() > 0) buf.append(reinterpret_cast<const char*>(v.data()), sizeof(double) * v.size());
    }
};

[[noreturn]] void corrupted(const std::string& why) {
    fail(ErrorKind::DataException, "corrupted model: " + why,
         "The model bytes were altered; drop the model and train it again.");
}

class Reader {
public:
    Reader(const char* p, std::size_t n) : p_(p), n_(n) {}
    template <class T>
    T pod() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, p_ + pos_, sizeof v);
        pos_ += sizeof v;
        return v;
    }
    std::string str() {
        auto len = pod<std::uint32_t>();
        need(len);
        std::string s(p_ + pos_, len);
        pos_ += len;
        return s;
    }
    Eigen::VectorXd vec() {
        auto len = pod<std::uint32_t>();
        need(static_cast<std::size_t>(len) * sizeof(double));
        Eigen::VectorXd v(len);
        if (len > 0) std::memcpy(v.data(), p_ + pos_, sizeof(double) * len);
        pos_ += sizeof(double) * len;
        return v;
    }
    std::uint32_t count(std::uint32_t max) {
        auto c = pod<std::uint32_t>();
        if (c > max) corrupted("implausible element count");
        return c;
    }
    std::size_t pos() const { return pos_; }

private:
    void need(std::size_t k) {
        if (k > n_ - pos_) corrupted("truncated");
    }
    const char* p_;
    std::size_t n_;
    std::size_t pos_ = 0;
};

std::uint32_t crc32(const char* p, std::size_t n) {
    boost::crc_32_type crc;
    crc.process_bytes(p, n);
    return crc.checksum();
}

}  // namespace

std::string Model::serialize() const {
    Writer w;
    w.buf.append(kMagic, sizeof kMagic);
    w.pod<std::uint32_t>(kVersion);
    w.pod<std::uint8_t>(static_cast<std::uint8_t>(algorithm));
    w.pod<std::uint8_t>(classifier ? 1 : 0);
    w.str(target);
    w.str(objective);
    w.pod<std::uint8_t>(encoder.drop_first ? 1 : 0);
    w.pod<std::uint8_t>(encoder.impute_missing ? 1 : 0);
    w.pod<std::uint32_t>(static_cast<std::uint32_t>(encoder.features.size()));
    for (const auto& f : encoder.features) {
        w.str(f.name);
        w.pod<std::uint8_t>(f.categorical ? 1 : 0);
        w.pod<double>(f.impute);
        w.pod<std::int32_t>(f.impute_level);
        w.pod<std::uint32_t>(static_cast<std::uint32_t>(f.levels.size()));
        for (const auto& l : f.levels) w.str(l);
    }
    w.vec(coef);
    w.vec(std_err);
    w.str(xgb_model);
    w.pod<std::uint32_t>(crc32(w.buf.data(), w.buf.size()));
    return w.buf;
}

namespace {

// The encoding as Encoder::fit() builds it; Encoder::encode() relies on it.
void check_encoding(const Encoder& enc) {
    std::set<std::string> names;
    for (const auto& f : enc.features) {
        const std::string what = "feature \"" + f.name + "\": ";
        if (f.name.empty() || !names.insert(f.name).second) corrupted("empty or repeated feature name");
        if (!f.categorical) {
            if (!f.levels.empty()) corrupted(what + "a numeric feature with levels");
            if (f.impute_level != -1) corrupted(what + "a numeric feature with an imputation level");
            if (!std::isfinite(f.impute)) corrupted(what + "imputation value is not finite");
            continue;
        }
        // A text feature may have no encoded level: a linear model drops its
        // only level as the reference, and an all-NULL column has none; then
        // nothing but -1 (all zeros) can impute it.
        for (std::size_t l = 1; l < f.levels.size(); ++l)
            if (!(f.levels[l - 1] < f.levels[l])) corrupted(what + "levels are not sorted and distinct");
        if (f.impute_level < -1 || f.impute_level >= static_cast<std::int64_t>(f.levels.size()))
            corrupted(what + "imputation level out of range");
    }
    if (enc.width() > kMaxEncodedWidth) corrupted("implausible encoded width " + std::to_string(enc.width()));
}

}  // namespace

namespace {

// The magic, checksum and format version of a blob; a reader past the version.
Reader checked_reader(const char* p, std::size_t size) {
    if (size < sizeof kMagic + 8 || std::memcmp(p, kMagic, sizeof kMagic) != 0) corrupted("not a learnerscore model");
    std::uint32_t stored;
    std::memcpy(&stored, p + size - 4, 4);
    if (stored != crc32(p, size - 4)) corrupted("checksum mismatch");
    Reader r(p + sizeof kMagic, size - sizeof kMagic - 4);
    auto version = r.pod<std::uint32_t>();
    if (version != kVersion)
        fail(ErrorKind::FeatureNotSupported, "model format version " + std::to_string(version) + " is not supported",
             "This learnerscore reads format version " + std::to_string(kVersion) + "; retrain the model.");
    return r;
}

}  // namespace

std::unique_ptr<Model> Model::deserialize(const void* data, std::size_t size) {
    Reader r = checked_reader(static_cast<const char*>(data), size);
    auto m = std::make_unique<Model>();
    auto algo = r.pod<std::uint8_t>();
    if (algo < 1 || algo > 3) corrupted("unknown algorithm");
    m->algorithm = static_cast<Algorithm>(algo);
    m->classifier = r.pod<std::uint8_t>() != 0;
    m->target = r.str();
    m->objective = r.str();
    m->encoder.drop_first = r.pod<std::uint8_t>() != 0;
    m->encoder.impute_missing = r.pod<std::uint8_t>() != 0;
    auto nf = r.count(kMaxFeatures);
    if (nf == 0) corrupted("no feature");
    for (std::uint32_t j = 0; j < nf; ++j) {
        FeatureEncoding f;
        f.name = r.str();
        f.categorical = r.pod<std::uint8_t>() != 0;
        f.impute = r.pod<double>();
        f.impute_level = r.pod<std::int32_t>();
        auto nl = r.count(kMaxEncodedWidth);
        for (std::uint32_t l = 0; l < nl; ++l) f.levels.push_back(r.str());
        m->encoder.features.push_back(std::move(f));
    }
    m->encoder.finish_layout();
    check_encoding(m->encoder);
    m->coef = r.vec();
    m->std_err = r.vec();
    m->xgb_model = r.str();
    if (r.pos() != size - sizeof kMagic - 4) corrupted("trailing bytes");
    const std::size_t width = m->encoder.width();
    const bool linear = m->algorithm != Algorithm::XGBoost;
    // The flags train() sets for each algorithm.
    if (m->encoder.drop_first != linear || m->encoder.impute_missing != linear)
        corrupted("encoding flags do not match the algorithm");
    if (m->algorithm == Algorithm::XGBoost) {
        if (m->objective != "binary:logistic" && m->objective != "reg:squarederror") corrupted("unknown XGBoost objective");
        if (m->classifier != (m->objective == "binary:logistic")) corrupted("objective and output kind disagree");
        if (m->coef.size() != 0 || m->std_err.size() != 0) corrupted("coefficients in an XGBoost model");
        if (m->xgb_model.empty()) corrupted("missing XGBoost booster");
        check_xgboost_ubjson(m->xgb_model);
    } else {
        if (m->classifier != (m->algorithm == Algorithm::Logistic)) corrupted("algorithm and output kind disagree");
        if (!m->objective.empty() || !m->xgb_model.empty()) corrupted("XGBoost fields in a linear model");
        if (static_cast<std::size_t>(m->coef.size()) != width + 1)
            corrupted("coefficient count does not match the features");
        if (m->std_err.size() != m->coef.size()) corrupted("standard error count does not match the coefficients");
    }
    return m;
}

}  // namespace ls::models
