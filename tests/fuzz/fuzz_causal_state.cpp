// libFuzzer target: the decoders of the causal aggregate states
// (src/core/causal/causal_state.h), then what the SQL glue does with a state that
// decoded: read every element its bounds promise and run the estimators the
// final functions run. Inputs that do not decode must end in ls::Error;
// anything else (an out-of-bounds read, undefined behaviour such as a NaN cast
// to an integer, a foreign exception) is a finding.
//
// Input: byte 0 picks the decoder and how much of the state is forced valid
// (raw bytes reach the early checks; forced magic, tags and lengths reach the
// later ones and the estimators); the rest is the state.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/causal/causal_propensity.h"
#include "core/causal/causal_state.h"
#include "core/causal/causal_stats.h"
#include "fuzz_input.h"

namespace lc = ls::causal;

namespace {

using fuzz::doubles_of;
using fuzz::g_sink;

void use_rows(const lc::RowsState& st) {
    const std::size_t w = st.k + 2;
    double sum = 0;
    for (std::size_t i = 0; i < st.rows * w; ++i) sum += st.data[i];
    g_sink = sum;
    if (st.rows > 300) return;  // the fits are O(n k^2) per iteration: keep runs fast
    lc::RowView v{st.data, st.rows, st.k};
    lc::PropensityOptions o;
    o.trim = st.h.trim;
    o.alpha = st.h.alpha;
    static const char* const kNames[] = {"", "diff", "regression", "ipw", "aipw"};
    try {
        g_sink = lc::ipw(v, o).estimate;
        g_sink = lc::aipw(v, o).estimate;
        o.estimand = lc::Estimand::ATT;
        g_sink = lc::ipw(v, o).estimate;
        g_sink = lc::aipw(v, o).estimate;
        o.estimand = lc::Estimand::ATE;
        for (const auto& b : lc::balance(v, st.h.trim)) g_sink = b.smd_after;
        g_sink = lc::overlap(v).ess_treated;
        if (st.rows <= 60) {
            for (const auto& r : lc::refute(v, kNames[static_cast<int>(st.h.method)], o, lc::seed_bits(st.h.seed)))
                g_sink = r.statistic;
        }
    } catch (const ls::Error&) {
    }
}

void rows_input(const uint8_t* p, std::size_t n, bool forced) {
    std::vector<double> buf;
    std::size_t len = n;
    if (!forced) {
        buf = doubles_of(p, n, (n + 7) / 8);
    } else {
        // A header with the magic and small shapes; the body exactly as long
        // as the capacity says unless the first byte asks for a wrong length.
        if (n < 4) return;
        const std::size_t k = p[0] % 4, cap = p[1] % 40, rows = cap - (p[2] % 3 <= cap ? p[2] % 3 : 0);
        const bool exact = (p[3] & 1) == 0;
        const std::size_t count = lc::kRowsHeader + cap * (k + 2) + (exact ? 0 : p[3] >> 5);
        buf = doubles_of(p + 4, n - 4, count);
        buf[0] = lc::kRowsMagic;
        buf[1] = static_cast<double>(k);
        if (p[3] & 2) {  // keep the fuzzed counts and options some of the time
            buf[2] = static_cast<double>(rows);
            buf[3] = static_cast<double>(cap);
            buf[4] = (p[3] & 4) ? 0.0 : 0.05;
            buf[5] = 0.05;
            buf[6] = 1 + (p[3] >> 6);
            buf[7] = static_cast<double>(static_cast<int>(p[2]) - 128);
            for (std::size_t i = 0; i < cap; ++i) buf[lc::kRowsHeader + i * (k + 2) + 1] = (p[i % 4] >> (i % 8)) & 1;
        }
        len = count * sizeof(double);
    }
    lc::RowsState st;
    bool has_rows = false;
    if (!fuzz::decodes([&] { has_rows = lc::decode_rows_state(buf.data(), len, st); }) || !has_rows) return;
    use_rows(st);
}

lc::Moments group(const double* g) { return lc::Moments{g[0], g[1], g[2]}; }

void use_moments(const double* s, std::size_t len, const lc::MomentState& ms) {
    double sum = 0;
    for (std::size_t i = 0; i < len; ++i) sum += s[i];
    g_sink = sum;
    try {
        switch (ms.tag) {
            case lc::kTagDiff:
                g_sink = lc::diff_in_means(group(s + 2), group(s + 5), ms.alpha).estimate;
                g_sink = lc::welch(group(s + 2), group(s + 5)).t;
                break;
            case lc::kTagBoot:
                for (std::size_t r = 0; r <= ms.replicates; ++r) g_sink = s[4 + r * 6 + 1] - s[4 + r * 6 + 4];
                g_sink = lc::diff_in_means(group(s + 4), group(s + 7), ms.alpha).estimate;
                break;
            case lc::kTagRegression: {
                lc::CoMoments cm(const_cast<double*>(s + lc::kComomHeader), ms.d);
                auto f = lc::ols_from_comoments(cm);
                if (f.ok) g_sink = lc::make_effect(f.beta[0], f.se[0], f.df_resid, ms.alpha, ms.n1, ms.n0, "regression").p_value;
                break;
            }
            case lc::kTagIv: {
                lc::CoMoments cm(const_cast<double*>(s + lc::kComomHeader), ms.d);
                auto f = lc::tsls_from_comoments(cm, ms.m);
                if (f.ok) g_sink = lc::make_effect(f.beta, f.se, f.df_resid, ms.alpha, ms.n1, ms.n0, "iv_2sls").p_value;
                g_sink = f.first_stage_f;
                break;
            }
            case lc::kTagCuped: {
                lc::CoMoments cm(const_cast<double*>(s + lc::kComomHeader), 2);
                g_sink = cm.c(0, 1) + cm.c(1, 1) + cm.mean()[1];
                break;
            }
            default: break;
        }
    } catch (const ls::Error&) {
    }
}

void moments_input(const uint8_t* p, std::size_t n, int how) {
    std::vector<double> s;
    if (how == 0) {
        s = doubles_of(p, n, n / 8);
    } else {
        // The tag and the dimensions forced, the length exact for them.
        if (n < 3) return;
        const int tag = 1 + p[0] % 5;
        std::size_t len = 0, d = 0, m = 0, b = 0;
        switch (tag) {
            case lc::kTagDiff: len = lc::diff_state_length(); break;
            case lc::kTagBoot: b = lc::kMinReplicates + p[1] % 8; len = lc::boot_state_length(b); break;
            case lc::kTagRegression: d = 2 + p[1] % 5; len = lc::comom_state_length(d); break;
            case lc::kTagIv: m = 1 + p[1] % 3; d = 2 + m + p[2] % 3; len = lc::comom_state_length(d); break;
            default: d = 2; len = lc::comom_state_length(d);
        }
        s = doubles_of(p + 3, n - 3, len);
        s[0] = tag;
        if (p[2] & 0x80) s[1] = 0.05;
        if (tag == lc::kTagBoot) {
            s[2] = static_cast<double>(b);
            if (p[2] & 0x40) s[3] = 7;
        } else if (tag >= lc::kTagRegression) {
            s[2] = static_cast<double>(d);
            s[3] = static_cast<double>(m);
        }
    }
    const bool values = how != 2;
    lc::MomentState ms;
    if (!fuzz::decodes([&] { ms = lc::decode_moment_state(s.data(), s.size(), values); }) || ms.tag == 0) return;
    if (values) use_moments(s.data(), s.size(), ms);
    else g_sink = s[s.size() - 1];  // a transition indexes the state within its length only
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    int mode;
    if (!fuzz::take_mode(data, size, 5, mode)) return 0;
    switch (mode) {
        case 0: rows_input(data, size, false); break;
        case 1: rows_input(data, size, true); break;
        case 2: moments_input(data, size, 0); break;
        case 3: moments_input(data, size, 1); break;
        default: moments_input(data, size, 2); break;
    }
    // seed_bits is defined for every value the decoders let through
    if (size >= 8) {
        double v;
        std::memcpy(&v, data, 8);
        if (lc::is_integral_in(v, -9223372036854775808.0, 9223372036854775808.0)) g_sink = static_cast<double>(lc::seed_bits(v));
    }
    return 0;
}
