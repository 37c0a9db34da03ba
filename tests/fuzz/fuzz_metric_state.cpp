// libFuzzer target: the decoders of the metric aggregate states
// (src/core/metrics/metric_state.h), then what the final functions do with a state
// that decoded (the sums per kind, the exact AUC's sort of every pair).
// Inputs that do not decode must end in ls::Error; anything else is a finding.
// Byte 0 picks the decoder and whether the kind and length are forced valid.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "core/metrics/metric_state.h"
#include "core/metrics/metrics.h"
#include "core/metrics/uplift.h"
#include "fuzz_input.h"

namespace lm = ls::metrics;

namespace {

using fuzz::g_sink;

void metric_input(const uint8_t* p, std::size_t n, bool forced) {
    std::vector<double> s;
    if (!forced) {
        s.assign(n / 8, 0.0);
        if (!s.empty()) std::memcpy(s.data(), p, s.size() * 8);
    } else {
        if (n < 1) return;
        const int kind = 1 + p[0] % 6;
        s.assign(lm::metric_state_length(kind), 0.0);
        if (n > 1) std::memcpy(s.data(), p + 1, std::min(n - 1, s.size() * 8));
        s[0] = kind;
        if (p[0] & 0x80) {  // small integral counts some of the time
            s[1] = p[0] >> 4;
            if (kind == lm::kCalibration) {
                for (int b = 0; b < lm::kCalibrationBins; ++b) s[2 + 3 * b] = b == 0 ? s[1] : 0;
            }
        }
    }
    int kind = 0;
    if (!fuzz::decodes([&] { kind = lm::decode_metric_state(s.data(), s.size()); })) return;
    const double rows = s[1];
    if (rows == 0) return;
    double r = kind == lm::kRmse ? std::sqrt(s[2] / rows) : s[2] / rows;
    if (kind == lm::kCalibration) {
        r = 0;
        for (int b = 0; b < lm::kCalibrationBins; ++b) r += std::fabs(s[3 + 3 * b] - s[4 + 3 * b]);
    }
    g_sink = r;
}

void auc_input(const uint8_t* p, std::size_t n, bool forced) {
    if (n < 1) return;
    std::vector<double> buf((n + 7) / 8 + 1, 0.0);  // aligned, as a palloc'd payload
    std::memcpy(buf.data(), p, n);
    std::size_t len = n;
    if (forced && n >= 8) {  // a count within the capacity
        const std::int64_t cap = static_cast<std::int64_t>((n - 8) / 16);
        const std::int64_t count = cap ? p[0] % (cap + 1) : 0;
        std::memcpy(buf.data(), &count, 8);
    }
    lm::AucState st;
    if (!fuzz::decodes([&] { st = (p[0] & 1) ? lm::decode_auc_header(buf.data(), len) : lm::decode_auc_state(buf.data(), len); }))
        return;
    double pos = 0;
    for (std::int64_t i = 0; i < st.count; ++i) pos += st.pairs[2 * i + 1];
    if (!(p[0] & 1) && st.count > 0 && pos > 0 && pos < st.count) {
        std::vector<std::pair<double, double>> pairs(static_cast<std::size_t>(st.count));
        for (std::int64_t i = 0; i < st.count; ++i) pairs[i] = {st.pairs[2 * i], st.pairs[2 * i + 1]};
        g_sink = lm::auc(pairs);
    }
    g_sink = pos;
}

// Uplift states (core/metrics/uplift.h): decode, then compute the metric of a
// state that decoded, as ls_uplift_final does.
void uplift_input(const uint8_t* p, std::size_t n, bool forced) {
    if (n < 1) return;
    std::vector<double> buf((n + 7) / 8 + 4, 0.0);  // aligned, as a palloc'd payload
    std::memcpy(buf.data(), p, n);
    std::size_t len = n;
    if (forced && n >= sizeof(lm::UpliftHeader)) {  // a valid header some of the time
        lm::UpliftHeader h{1 + p[0] % 3, 0, 0.0, 0};
        h.k = h.kind == lm::kUpliftAtK ? (1 + p[0] % 10) / 10.0 : 0.0;
        const auto cap = static_cast<std::int64_t>((n - sizeof h) / sizeof(lm::UpliftRow));
        h.count = cap ? p[0] % (cap + 1) : 0;
        std::memcpy(buf.data(), &h, sizeof h);
    }
    lm::UpliftState st;
    if (!fuzz::decodes([&] { st = (p[0] & 1) ? lm::decode_uplift_header(buf.data(), len) : lm::decode_uplift_state(buf.data(), len); }))
        return;
    if (p[0] & 1) return;  // only the header was checked: the rows are not for the metrics
    std::vector<lm::UpliftRow> rows(st.rows, st.rows + st.count);
    g_sink = st.kind == lm::kQini ? lm::qini_coefficient(rows)
             : st.kind == lm::kUpliftAuc ? lm::uplift_auc(rows) : lm::uplift_at_k(rows, st.k);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    int mode;
    if (!fuzz::take_mode(data, size, 6, mode)) return 0;
    if (mode < 2) metric_input(data, size, mode == 1);
    else if (mode < 4) auc_input(data, size, mode == 3);
    else uplift_input(data, size, mode == 5);
    return 0;
}
