#include "core/models/xgboost_booster.h"


#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "core/base/error.h"
#include "core/base/interrupt.h"
#include "core/models/xgboost_library.h"

namespace ls::models {

namespace {

void check(int rc, const char* what) {
    if (rc != 0) fail(ErrorKind::InvalidParameter, std::string("xgboost ") + what + ": " + xgboost().GetLastError());
}

struct DMatrix {
    DMatrixHandle h = nullptr;
    DMatrix(const float* X, std::size_t n, std::size_t p, int nthread = 1) {
        check(xgboost().DMatrixCreateFromMat_omp(X, n, p, std::numeric_limits<float>::quiet_NaN(), &h, nthread), "DMatrix");
    }
    ~DMatrix() {
        if (h) xgboost().DMatrixFree(h);
    }
};

}  // namespace

XgbBooster::~XgbBooster() {
    if (handle_) xgboost().BoosterFree(handle_);
}

void XgbBooster::set_param(const std::string& key, const std::string& value) {
    check(xgboost().BoosterSetParam(handle_, key.c_str(), value.c_str()), ("parameter " + key).c_str());
}

XgbBooster XgbBooster::train(const std::vector<float>& X, std::size_t n, std::size_t p, const std::vector<float>& y,
                             const std::map<std::string, std::string>& params, int rounds,
                             std::vector<float>* train_pred) {
    return train_impl(X, nullptr, n, p, y, params, rounds, train_pred);
}

XgbBooster XgbBooster::train(std::vector<float>&& X, std::size_t n, std::size_t p, const std::vector<float>& y,
                             const std::map<std::string, std::string>& params, int rounds,
                             std::vector<float>* train_pred) {
    return train_impl(X, &X, n, p, y, params, rounds, train_pred);
}

XgbBooster XgbBooster::train_impl(const std::vector<float>& X, std::vector<float>* release, std::size_t n,
                                  std::size_t p, const std::vector<float>& y,
                                  const std::map<std::string, std::string>& params, int rounds,
                                  std::vector<float>* train_pred) {
    if (n == 0) fail(ErrorKind::InvalidParameter, "the training set is empty");
    if (rounds < 1 || rounds > 100000) fail(ErrorKind::InvalidParameter, "num_round must be between 1 and 100000");
    int nthread = 1;
    if (auto it = params.find("nthread"); it != params.end()) nthread = std::max(1, std::atoi(it->second.c_str()));
    DMatrix dm(X.data(), n, p, nthread);
    if (release) std::vector<float>().swap(*release);  // XGBoost copied it into the DMatrix
    check(xgboost().DMatrixSetFloatInfo(dm.h, "label", y.data(), n), "label");
    XgbBooster b;
    DMatrixHandle mats[] = {dm.h};
    check(xgboost().BoosterCreate(mats, 1, &b.handle_), "create");
    for (const auto& [k, v] : params) b.set_param(k, v);
    for (int it = 0; it < rounds; ++it) {
        check_interrupts();
        check(xgboost().BoosterUpdateOneIter(b.handle_, it, dm.h), "training");
    }
    if (train_pred) {
        bst_ulong len = 0;
        const float* out = nullptr;
        check(xgboost().BoosterPredict(b.handle_, dm.h, 0, 0, 0, &len, &out), "predict");
        if (len != n) fail(ErrorKind::Internal, "xgboost returned an unexpected number of training predictions");
        train_pred->assign(out, out + len);
    }
    return b;
}

XgbBooster XgbBooster::load(const std::string& ubj) {
    XgbBooster b;
    check(xgboost().BoosterCreate(nullptr, 0, &b.handle_), "create");
    if (xgboost().BoosterLoadModelFromBuffer(b.handle_, ubj.data(), ubj.size()) != 0)
        fail(ErrorKind::DataException, std::string("corrupted model: XGBoost cannot load it: ") + xgboost().GetLastError());
    // The saved model carries no thread setting; scoring is row by row inside a
    // backend, where a thread pool per call only costs (and PostgreSQL
    // parallelism comes from parallel workers).
    b.set_param("nthread", "1");
    return b;
}

std::size_t XgbBooster::num_features() const {
    bst_ulong n = 0;
    check(xgboost().BoosterGetNumFeature(handle_, &n), "num_feature");
    return static_cast<std::size_t>(n);
}

std::string XgbBooster::save() const {
    bst_ulong len = 0;
    const char* buf = nullptr;
    check(xgboost().BoosterSaveModelToBuffer(handle_, "{\"format\":\"ubj\"}", &len, &buf), "save");
    return std::string(buf, len);
}

std::string XgbBooster::save_json() const {
    bst_ulong len = 0;
    const char* buf = nullptr;
    check(xgboost().BoosterSaveModelToBuffer(handle_, "{\"format\":\"json\"}", &len, &buf), "save");
    return std::string(buf, len);
}

std::vector<float> XgbBooster::predict(const float* X, std::size_t n, std::size_t p, int type) const {
    if (type == 0) {
        // In-place prediction on the dense buffer: no DMatrix per call, which
        // dominates the cost of scoring one row.
        char iface[256];
        std::snprintf(iface, sizeof iface,
                      "{\"data\": [%llu, true], \"shape\": [%llu, %llu], \"typestr\": \"<f4\", \"version\": 3}",
                      static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(X)),
                      static_cast<unsigned long long>(n), static_cast<unsigned long long>(p));
        const char* cfg = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
                          "\"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}";
        const bst_ulong* shape = nullptr;
        bst_ulong dim = 0;
        const float* out = nullptr;
        check(xgboost().BoosterPredictFromDense(handle_, iface, cfg, nullptr, &shape, &dim, &out), "predict");
        std::size_t total = 1;
        for (bst_ulong d = 0; d < dim; ++d) total *= shape[d];
        return std::vector<float>(out, out + total);
    }
    DMatrix dm(X, n, p);
    std::string cfg = "{\"type\": " + std::to_string(type) +
                      ", \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": false}";
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* out = nullptr;
    check(xgboost().BoosterPredictFromDMatrix(handle_, dm.h, cfg.c_str(), &shape, &dim, &out), "predict");
    std::size_t total = 1;
    for (bst_ulong d = 0; d < dim; ++d) total *= shape[d];
    return std::vector<float>(out, out + total);
}

}  // namespace ls::models
