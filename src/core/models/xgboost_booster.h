// RAII wrapper over XGBoost's C API (Debian libxgboost-dev 1.7). The model is
// kept in XGBoost's own UBJSON serialization. XGBoost's worker threads never
// call back into PostgreSQL; training checks for cancel between rounds.
#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace ls::models {

class XgbBooster {
public:
    XgbBooster() = default;
    ~XgbBooster();
    XgbBooster(const XgbBooster&) = delete;
    XgbBooster& operator=(const XgbBooster&) = delete;
    XgbBooster(XgbBooster&& o) noexcept : handle_(o.handle_) { o.handle_ = nullptr; }

    // Trains `rounds` boosting rounds on a row-major n x p float matrix (NaN = missing).
    // When `train_pred` is given it receives the predictions (type 0) of the
    // training rows, read from XGBoost's prediction cache (no second pass).
    static XgbBooster train(const std::vector<float>& X, std::size_t n, std::size_t p, const std::vector<float>& y,
                            const std::map<std::string, std::string>& params, int rounds,
                            std::vector<float>* train_pred = nullptr);
    // The same, freeing X as soon as XGBoost holds its own copy (the DMatrix):
    // the float matrix and the DMatrix are then never both alive while training.
    static XgbBooster train(std::vector<float>&& X, std::size_t n, std::size_t p, const std::vector<float>& y,
                            const std::map<std::string, std::string>& params, int rounds,
                            std::vector<float>* train_pred = nullptr);
    // `ubj` must have passed check_xgboost_ubjson() unless XGBoost wrote it.
    static XgbBooster load(const std::string& ubj);
    std::size_t num_features() const;  // input columns the booster was trained on
    std::string save() const;  // UBJSON buffer
    std::string save_json() const;  // XGBoost's JSON model format

    void set_param(const std::string& key, const std::string& value);
    // type 0: prediction (probability for binary:logistic); 2: SHAP contributions (n x (p+1), bias last).
    std::vector<float> predict(const float* X, std::size_t n, std::size_t p, int type) const;

private:
    static XgbBooster train_impl(const std::vector<float>& X, std::vector<float>* release, std::size_t n, std::size_t p,
                                 const std::vector<float>& y, const std::map<std::string, std::string>& params,
                                 int rounds, std::vector<float>* train_pred);
    void* handle_ = nullptr;
};

}  // namespace ls::models
