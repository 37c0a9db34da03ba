// Structural check of an XGBoost booster in UBJSON before libxgboost parses
// it. XGBoost 1.7's UBJSON reader trusts every length it reads (a key length
// of 1 GiB makes it copy past the buffer) and recurses without a bound, so
// bytes that did not come from XGBoost itself must pass this check first.
#pragma once
#include <cstddef>
#include <string>

namespace ls::models {

// Nesting deeper than this is refused (XGBoost's own models nest about 8 deep).
constexpr int kMaxUbjsonDepth = 32;

// Throws ls::Error (DataException, "corrupted model: ...") unless `bytes` is
// exactly one UBJSON object in the subset XGBoost 1.7 writes and reads:
// objects with 'L'-prefixed keys, arrays (plain, '#'-counted or '$'-typed of
// d/U/l/L), strings 'S', integers i/U/I/l/L/C, float32 'd', T/F/Z; every
// length and count non-negative and within the remaining bytes, no trailing bytes.
void check_xgboost_ubjson(const char* data, std::size_t size);
inline void check_xgboost_ubjson(const std::string& bytes) { check_xgboost_ubjson(bytes.data(), bytes.size()); }

// The same check, and the document as JSON text (keys and strings escaped,
// float32 with 9 significant digits, non-finite floats as the strings "nan",
// "inf", "-inf"): what XgbTreeEnsemble::from_json reads, without libxgboost.
std::string xgboost_ubjson_to_json(const char* data, std::size_t size);
inline std::string xgboost_ubjson_to_json(const std::string& b) { return xgboost_ubjson_to_json(b.data(), b.size()); }

}  // namespace ls::models
