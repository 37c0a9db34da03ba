#include "core/metrics/uplift.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/causal/causal_state.h"

namespace ls::metrics {

namespace {
constexpr const char* kName = "uplift";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using ls::causal::malformed_state;

// Score descending, ties by treated then outcome ascending: a total order on
// the values, so the result does not depend on the order rows arrived in.
bool before(const UpliftRow& a, const UpliftRow& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.treated != b.treated) return a.treated < b.treated;
    return a.outcome < b.outcome;
}
void sort_rows(std::vector<UpliftRow>& r) { std::sort(r.begin(), r.end(), before); }

// sklift.metrics.uplift_curve (uplift = false) or qini_curve (qini = true) of
// rows sorted by score descending, integrated with the trapezoid rule
// (sklearn.metrics.auc): one point per distinct score (after its last row),
// and the point (0, 0) first.
double curve_area(const std::vector<UpliftRow>& r, bool qini, double* last) {
    double nt = 0, yt = 0, nc = 0, yc = 0, px = 0, py = 0, area = 0;
    const std::size_t n = r.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (r[i].treated == 1.0) { nt += 1; yt += r[i].outcome; }
        else { nc += 1; yc += r[i].outcome; }
        if (i + 1 < n && r[i + 1].score == r[i].score) continue;
        const double x = static_cast<double>(i + 1);
        double y;
        if (qini) y = yt - yc * (nc != 0 ? nt / nc : 0.0);
        else y = ((nt != 0 ? yt / nt : 0.0) - (nc != 0 ? yc / nc : 0.0)) * x;
        area += (x - px) * (y + py) / 2;
        px = x;
        py = y;
    }
    *last = py;
    return area;
}

bool both_arms(const std::vector<UpliftRow>& r) {
    bool t = false, c = false;
    for (const auto& x : r) (x.treated == 1.0 ? t : c) = true;
    return t && c;
}

// (actual - baseline) / (perfect - baseline), areas under the curves.
double normalized(std::vector<UpliftRow>& rows, bool qini, double (*perfect_score)(const UpliftRow&, bool), bool flag) {
    if (!both_arms(rows)) return kNaN;
    sort_rows(rows);
    double last = 0;
    const double actual = curve_area(rows, qini, &last);
    for (auto& x : rows) x.score = perfect_score(x, flag);
    sort_rows(rows);
    double plast = 0;
    const double perfect = curve_area(rows, qini, &plast);
    const double baseline = static_cast<double>(rows.size()) * plast / 2;
    const double denom = perfect - baseline;
    if (!(denom != 0) || !std::isfinite(denom)) return kNaN;
    return (actual - baseline) / denom;
}

double qini_perfect(const UpliftRow& x, bool) { return x.outcome * x.treated - x.outcome * (1 - x.treated); }
double uplift_perfect(const UpliftRow& x, bool summand_is_outcome) {
    return 2.0 * (x.outcome == x.treated ? 1.0 : 0.0) + (summand_is_outcome ? x.outcome : x.treated);
}
}  // namespace

UpliftState decode_uplift_header(const void* payload, std::size_t len) {
    if (len < sizeof(UpliftHeader)) malformed_state(kName, "shorter than its header");
    UpliftHeader h;
    std::memcpy(&h, payload, sizeof h);
    if (h.kind < kQini || h.kind > kUpliftAtK) malformed_state(kName, "unknown uplift metric kind");
    if (h.reserved != 0) malformed_state(kName, "a non-zero reserved field");
    if (h.kind == kUpliftAtK ? !(h.k > 0 && h.k <= 1) : h.k != 0) malformed_state(kName, "k out of range for its kind");
    UpliftState st;
    st.kind = h.kind;
    st.k = h.k;
    st.count = h.count;
    st.capacity = static_cast<std::int64_t>((len - sizeof(UpliftHeader)) / sizeof(UpliftRow));
    if (st.count < 0 || st.count > st.capacity) malformed_state(kName, "the row count is not within its capacity");
    st.rows = reinterpret_cast<const UpliftRow*>(static_cast<const unsigned char*>(payload) + sizeof(UpliftHeader));
    return st;
}

UpliftState decode_uplift_state(const void* payload, std::size_t len) {
    UpliftState st = decode_uplift_header(payload, len);
    const bool binary = st.kind != kUpliftAtK;
    for (std::int64_t i = 0; i < st.count; ++i) {
        const UpliftRow& r = st.rows[i];
        if (std::isnan(r.score)) malformed_state(kName, "a score is NaN");
        if (r.treated != 0.0 && r.treated != 1.0) malformed_state(kName, "a treatment flag is neither 0 nor 1");
        if (!std::isfinite(r.outcome)) malformed_state(kName, "an outcome is not finite");
        if (binary && r.outcome != 0.0 && r.outcome != 1.0) malformed_state(kName, "an outcome is neither 0 nor 1");
    }
    return st;
}

double qini_coefficient(std::vector<UpliftRow>& rows) { return normalized(rows, true, qini_perfect, false); }

double uplift_auc(std::vector<UpliftRow>& rows) {
    // sklift.metrics.perfect_uplift_curve: control responders vs treated non-responders
    double cr = 0, tn = 0;
    for (const auto& x : rows) {
        cr += (x.outcome == 1.0 && x.treated == 0.0) ? 1 : 0;
        tn += (x.outcome == 0.0 && x.treated == 1.0) ? 1 : 0;
    }
    return normalized(rows, false, uplift_perfect, cr > tn);
}

double uplift_at_k(std::vector<UpliftRow>& rows, double k) {
    const auto n = static_cast<std::int64_t>(static_cast<double>(rows.size()) * k);  // int(n_samples * k)
    if (n <= 0) return kNaN;
    // The first n rows in the order of sort_rows, without sorting them (O(rows)).
    if (n < static_cast<std::int64_t>(rows.size())) std::nth_element(rows.begin(), rows.begin() + n, rows.end(), before);
    double nt = 0, yt = 0, nc = 0, yc = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        if (rows[i].treated == 1.0) { nt += 1; yt += rows[i].outcome; }
        else { nc += 1; yc += rows[i].outcome; }
    }
    if (nt == 0 || nc == 0) return kNaN;
    return yt / nt - yc / nc;
}

}  // namespace ls::metrics
