// libFuzzer target: the logistic pass states and params of train('logistic')
// as passes (src/core/models/logistic_passes.h), which arrive from SQL as float8[].
// Mode 0: raw doubles as params (then a row added to the state they make, and
// a score); mode 1: raw doubles as a state (checked, a row added, merged with
// itself); mode 2: a valid header of a random pass kind with raw doubles after it.
// Inputs that do not decode must end in ls::Error; anything else is a finding.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/models/logistic_passes.h"
#include "fuzz_input.h"

namespace lm = ls::models;

namespace {

void add_and_merge(std::vector<double>& s, const uint8_t* p, std::size_t n) {
    const std::size_t k = s.size() > 2 && std::isfinite(s[2]) && s[2] >= 0 && s[2] < 64 ? std::size_t(s[2]) : 0;
    std::vector<double> x = fuzz::doubles_of(p, n, k);
    for (double& v : x)
        if (std::isinf(v)) v = 0.5;  // NaN stays: a NULL feature
    fuzz::decodes([&] { lm::logit_pass_add_row(s.data(), s.size(), 1, x.data(), k); });
    fuzz::decodes([&] { lm::logit_pass_add_row(s.data(), s.size(), NAN, x.data(), k); });
    std::vector<double> t = s;
    fuzz::decodes([&] { lm::logit_pass_merge(s.data(), s.size(), t.data(), t.size()); });
    if (s.size() > 1 && std::isfinite(s[0]) && s[0] >= 0 && s[0] < double(s.size()))
        fuzz::decodes([&] { fuzz::g_sink = lm::logit_pass_score(s.data() + 1, std::size_t(s[0]), x.data(), k); });
    for (double v : s) fuzz::g_sink = v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    int mode = 0;
    if (!fuzz::take_mode(data, size, 3, mode)) return 0;
    const std::size_t count = std::min<std::size_t>(size / 8, 4096);
    std::vector<double> v = fuzz::doubles_of(data, size, count);
    if (mode == 2 && v.size() >= 2) {
        v[0] = 1 + std::floor(std::fabs(std::fmod(std::isfinite(v[0]) ? v[0] : 0, 3.0)));
        v[1] = 1 + std::floor(std::fabs(std::fmod(std::isfinite(v[1]) ? v[1] : 0, 8.0)));
        if (v[0] != 1) v.resize(std::size_t(2 + 2 * v[1] + 1), 0.25);
    }
    if (mode == 1) {
        std::vector<double> s = v;
        if (!fuzz::decodes([&] { lm::logit_pass_check_state(s.data(), s.size()); })) return 0;
        add_and_merge(s, data, size);
        return 0;
    }
    std::vector<double> s;
    if (!fuzz::decodes([&] { s = lm::logit_pass_initial_state(v.data(), v.size()); })) return 0;
    add_and_merge(s, data, size);
    return 0;
}
