// The logistic function 1 / (1 + e^-z), shared by the models and the
// propensity score.
#pragma once
#include <cmath>

namespace ls {

// Stable form: e^z / (1 + e^z) for z < 0, so e^-z never overflows and tiny
// probabilities keep their relative precision.
inline double sigmoid(double z) { return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z)); }

namespace naive {
// The textbook form. The synthetic 1T generator keeps it: for z < 0 it rounds
// differently from the stable form in the last bit, and the generator's output
// must stay byte-identical for a given seed.
inline double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }
}  // namespace naive

}  // namespace ls
