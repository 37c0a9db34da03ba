// libFuzzer target: the model decoder (Model::deserialize) and the XGBoost
// UBJSON structure check, on bytes nobody vouches for. The first input byte
// picks what the rest is:
//   0: a booster for check_xgboost_ubjson(), then xgboost_ubjson_to_json() and
//      the native tree evaluator built from that JSON (what deserialize_untrusted does);
//   1: a model blob body: magic, version and a correct CRC are added, so the
//      fuzzer gets past the checksum and reaches every field check; a blob
//      that decodes is then scored and explained on a few rows (linear
//      models; XGBoost boosters are not handed to libxgboost here: forgery of
//      those is kept out by the registry's privileges, see docs/models.md);
//   2: raw bytes straight to deserialize();
//   3: like 1, through deserialize_untrusted() (predict(bytea, ...)): an XGBoost
//      booster is then scored by the native evaluator, never by libxgboost.
// Only ls::Error may escape the decoder: anything else (or a sanitizer report) is a bug.
// Build (as tests/fuzz/run.sh does):
//   clang++-14 -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -Isrc -isystem /usr/include/eigen3 \
//     tests/fuzz/fuzz_model_blob.cpp src/core/{model_codec,model,encoding,dataset,linear_models,metrics,\
//     xgboost_booster,xgboost_library,xgboost_trees,xgboost_ubjson,interrupt,huge_pages}.cpp -ldl
#include <boost/crc.hpp>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/models/model.h"
#include "core/models/xgboost_trees.h"
#include "core/models/xgboost_ubjson.h"

namespace {

std::string with_header_and_crc(const std::uint8_t* p, std::size_t n) {
    std::string b("LSMODEL\0", 8);
    const std::uint32_t version = 1;
    b.append(reinterpret_cast<const char*>(&version), 4);
    b.append(reinterpret_cast<const char*>(p), n);
    boost::crc_32_type crc;
    crc.process_bytes(b.data(), b.size());
    const std::uint32_t c = crc.checksum();
    b.append(reinterpret_cast<const char*>(&c), 4);
    return b;
}

void exercise(const ls::models::Model& m, bool untrusted = false) {
    using ls::models::RawValue;
    if (m.algorithm == ls::models::Algorithm::XGBoost && !untrusted) return;
    const std::size_t nf = m.feature_count();
    const RawValue kinds[] = {RawValue::null(), RawValue::num(1.5), RawValue::str("a"), RawValue::str("")};
    std::vector<RawValue> row(nf);
    for (const RawValue& k : kinds) {
        for (std::size_t j = 0; j < nf; ++j) {
            // a value of the feature's own kind (or NULL): the decoder must make these safe
            const bool text = m.encoder.features[j].categorical;
            row[j] = k.kind == RawValue::Null ? k : (text ? (k.kind == RawValue::Text ? k : RawValue::str("a"))
                                                          : RawValue::num(k.kind == RawValue::Number ? k.number : 2.0));
        }
        try {
            (void)m.predict(row.data());
            (void)m.explain(row.data());
        } catch (const ls::Error&) {
        }
    }
    if (m.all_numeric()) {
        std::vector<double> values(nf, 0.5);
        std::vector<std::uint8_t> present((nf + 7) / 8, 0x55);
        try {
            (void)m.predict_numeric(values.data(), present.data());
            (void)m.predict_numeric(values.data(), nullptr);
        } catch (const ls::Error&) {
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t mode = data[0] % 4;
    ++data;
    --size;
    try {
        if (mode == 0) {
            ls::models::check_xgboost_ubjson(reinterpret_cast<const char*>(data), size);
            auto trees = ls::models::XgbTreeEnsemble::from_json(
                ls::models::xgboost_ubjson_to_json(reinterpret_cast<const char*>(data), size));
            if (trees) {
                std::vector<float> x(trees->num_features(), 0.5f);
                if (!x.empty()) x[0] = std::numeric_limits<float>::quiet_NaN();
                (void)trees->predict(x.data(), x.size());
            }
        } else if (mode == 1) {
            const std::string blob = with_header_and_crc(data, size);
            exercise(*ls::models::Model::deserialize(blob.data(), blob.size()));
        } else if (mode == 2) {
            exercise(*ls::models::Model::deserialize(data, size));
        } else {
            const std::string blob = with_header_and_crc(data, size);
            exercise(*ls::models::Model::deserialize_untrusted(blob.data(), blob.size()), true);
        }
    } catch (const ls::Error&) {
        // a clear refusal: what the decoder is for
    }
    return 0;
}
