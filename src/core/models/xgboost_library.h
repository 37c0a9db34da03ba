// XGBoost's C API, loaded on first use. A PostgreSQL backend loads our module
// in every session that calls any learnerscore function; linking libxgboost
// (and its libdmlc) directly made that load cost ~12 ms instead of ~5 ms, paid
// even by sessions that never touch a tree model. Only the functions we call
// are resolved; their signatures come from XGBoost's own header.
#pragma once
#include <xgboost/c_api.h>

namespace ls::models {

// (field, C symbol) of every function we call: one list for the struct and
// for the symbol lookup.
#define LS_XGBOOST_FUNCTIONS(X)                                   \
    X(GetLastError, XGBGetLastError)                              \
    X(DMatrixCreateFromMat_omp, XGDMatrixCreateFromMat_omp)       \
    X(DMatrixSetFloatInfo, XGDMatrixSetFloatInfo)                 \
    X(DMatrixFree, XGDMatrixFree)                                 \
    X(BoosterCreate, XGBoosterCreate)                             \
    X(BoosterFree, XGBoosterFree)                                 \
    X(BoosterSetParam, XGBoosterSetParam)                         \
    X(BoosterUpdateOneIter, XGBoosterUpdateOneIter)               \
    X(BoosterPredict, XGBoosterPredict)                           \
    X(BoosterPredictFromDense, XGBoosterPredictFromDense)         \
    X(BoosterPredictFromDMatrix, XGBoosterPredictFromDMatrix)     \
    X(BoosterLoadModelFromBuffer, XGBoosterLoadModelFromBuffer)   \
    X(BoosterSaveModelToBuffer, XGBoosterSaveModelToBuffer)     \
    X(BoosterGetNumFeature, XGBoosterGetNumFeature)

struct XgboostApi {
#define LS_XGBOOST_FIELD(field, symbol) decltype(&symbol) field = nullptr;
    LS_XGBOOST_FUNCTIONS(LS_XGBOOST_FIELD)
#undef LS_XGBOOST_FIELD
};

// Loads the library once per process (thread-safe) and returns its entry
// points; throws ls::Error (FeatureNotSupported) when it cannot be loaded.
const XgboostApi& xgboost();

}  // namespace ls::models
