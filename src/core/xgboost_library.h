// XGBoost's C API, loaded on first use. A PostgreSQL backend loads our module
// in every session that calls any learnerscore function; linking libxgboost
// (and its libdmlc) directly made that load cost ~12 ms instead of ~4 ms, paid
// even by sessions that never touch a tree model. Only the functions we call
// are resolved; their signatures come from XGBoost's own header.
#pragma once
#include <xgboost/c_api.h>

namespace ls::models {

struct XgboostApi {
    decltype(&XGBGetLastError) GetLastError;
    decltype(&XGDMatrixCreateFromMat_omp) DMatrixCreateFromMat_omp;
    decltype(&XGDMatrixSetFloatInfo) DMatrixSetFloatInfo;
    decltype(&XGDMatrixFree) DMatrixFree;
    decltype(&XGBoosterCreate) BoosterCreate;
    decltype(&XGBoosterFree) BoosterFree;
    decltype(&XGBoosterSetParam) BoosterSetParam;
    decltype(&XGBoosterUpdateOneIter) BoosterUpdateOneIter;
    decltype(&XGBoosterPredict) BoosterPredict;
    decltype(&XGBoosterPredictFromDense) BoosterPredictFromDense;
    decltype(&XGBoosterPredictFromDMatrix) BoosterPredictFromDMatrix;
    decltype(&XGBoosterLoadModelFromBuffer) BoosterLoadModelFromBuffer;
    decltype(&XGBoosterSaveModelToBuffer) BoosterSaveModelToBuffer;
};

// Loads the library once per process (thread-safe) and returns its entry
// points; throws ls::Error (FeatureNotSupported) when it cannot be loaded.
const XgboostApi& xgboost();

}  // namespace ls::models
