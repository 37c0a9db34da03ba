#include "core/gen/gen_1t.h"

#include <filesystem>
#include <algorithm>
#include <cstdio>
#include <memory>

#include "core/base/error.h"
#include "core/base/interrupt.h"
#include "core/gen/gen_1t_catalog.h"
#include "core/gen/gen_1t_files.h"
#include "core/gen/gen_1t_rng.h"
#include "core/gen/gen_1t_time.h"
#include "core/gen/gen_1t_truth.h"

namespace ls::gen1t {

namespace {

void check_options(const Options& opt) {
    if (opt.learners < 0 || opt.learners > 10000000)
        fail(ErrorKind::InvalidParameter, "--learners must be between 0 and 10,000,000");
    if (!(opt.malformed_rate >= 0 && opt.malformed_rate <= 0.5))
        fail(ErrorKind::InvalidParameter, "--malformed-rate must be between 0 and 0.5");
    if (!(opt.duplicate_rate >= 0 && opt.duplicate_rate <= 0.5))
        fail(ErrorKind::InvalidParameter, "duplicate rate must be between 0 and 0.5");
    if (opt.flows < 1 || opt.flows > 20) fail(ErrorKind::InvalidParameter, "--flows must be between 1 and 20");
    if (opt.flow_gap_days < 7 || opt.flow_gap_days > 3650)
        fail(ErrorKind::InvalidParameter, "--flow-gap-days must be between 7 and 3650");
    if (opt.cutoff_day < 1 || opt.cutoff_day > kHorizonDays)
        fail(ErrorKind::InvalidParameter, "--cutoff-day must be between 1 and 210");
}

FileStats stats_of(const CsvFile& f) {
    FileStats st;
    st.name = f.spec().name;
    st.data_lines = f.physical_lines() - 1;
    st.good = f.good_lines();
    st.malformed = f.malformed_lines();
    st.duplicates = f.duplicate_lines();
    st.bytes = f.bytes();
    return st;
}

// The catalogue of a later flow: every date `days` later (day offsets stay).
Catalog shifted(const Catalog& cat, int days) {
    Catalog c = cat;
    const long long d = days, ds = days * kDay;
    for (auto& C : c.courses) {
        C.start_ts += ds;
        C.start_day += d;
        for (auto& t : C.tasks) t.open_ts += ds, t.deadline_ts += ds;
        for (auto& w : C.webinars) w.start_ts += ds;
    }
    return c;
}

// What the export holds of a learner at the cut-off: no event at or after it.
template <class V>
void cut(V& v, long long cutoff_ts) {
    v.erase(std::remove_if(v.begin(), v.end(), [&](const auto& e) { return e.ts >= cutoff_ts; }), v.end());
}
void cut_events(Learner& L, long long cutoff_ts) {
    cut(L.auths, cutoff_ts);
    cut(L.views, cutoff_ts);
    cut(L.results, cutoff_ts);
    cut(L.webinars, cutoff_ts);
    cut(L.tags, cutoff_ts);
}

}  // namespace

const std::vector<std::string>& raw_file_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& s : kFileSpecs) v.emplace_back(s.name);
        return v;
    }();
    return names;
}

long long Summary::total_malformed() const {
    long long n = 0;
    for (const auto& f : files) n += f.malformed;
    return n;
}
long long Summary::total_data_lines() const {
    long long n = 0;
    for (const auto& f : files) n += f.data_lines;
    return n;
}

Summary generate(const Options& opt, const std::string& out_dir) {
    check_options(opt);
    const std::string truth_dir = out_dir + "/_truth";
    std::error_code ec;
    std::filesystem::create_directories(truth_dir, ec);
    if (ec) fail(ErrorKind::InvalidParameter, "cannot create " + truth_dir + ": " + ec.message());

    TruthFiles truth(truth_dir);
    RawFiles files;
    for (int i = 0; i < kFileCount; ++i)
        files.push_back(std::make_unique<CsvFile>(out_dir, kFileSpecs[i], opt.seed, i, opt.malformed_rate,
                                                  opt.duplicate_rate, truth.sinks()));

    const Catalog cat = build_catalog(opt.seed);
    std::vector<Catalog> flow_cat;  // flows > 1: flow k's catalogue at flow_cat[k - 1]
    if (opt.flows == 1) {
        write_catalog(cat, *files[kSchedule], *files[kGuide]);
    } else {
        for (int k = 0; k < opt.flows; ++k) {
            flow_cat.push_back(shifted(cat, k * opt.flow_gap_days));
            write_catalog_flow(flow_cat.back(), k + 1, k == 0, *files[kSchedule], *files[kGuide]);
        }
    }

    Summary sum;
    sum.learners = opt.learners;
    std::FILE* flows_truth = nullptr;
    long long cutoff_day_number = 0;
    if (opt.flows > 1) {
        // the cut-off: midnight cutoff_day days after the last flow's start date (its earliest course)
        long long first = cat.courses.front().start_day;
        for (const auto& C : cat.courses) first = std::min(first, C.start_day);
        cutoff_day_number = first + (opt.flows - 1) * static_cast<long long>(opt.flow_gap_days) + opt.cutoff_day;
        sum.cutoff_ts = cutoff_day_number * kDay;
        flows_truth = std::fopen((truth_dir + "/flows.csv").c_str(), "w");
        if (!flows_truth) fail(ErrorKind::InvalidParameter, "cannot write " + truth_dir + "/flows.csv");
        std::fputs("user_id,course_id,flow_num,flow_start_date,cutoff_date,running,m2_progress,m2_attestation,"
                   "m2_attestation_date,completed,dropout\n", flows_truth);
    }
    Learner L;
    std::string uid, line;
    InterruptTicker ticker(256);
    for (long long i = 0; i < opt.learners; ++i) {
        ticker.tick();
        int flow = 1;
        if (opt.flows > 1) {
            // its own stream: the learner's other draws do not depend on the number of flows
            Rng fr(opt.seed, 0x3000000ULL + static_cast<std::uint64_t>(i));
            flow = 1 + static_cast<int>(fr.integer(0, opt.flows - 1));
        }
        const Catalog& lc = opt.flows > 1 ? flow_cat[static_cast<size_t>(flow - 1)] : cat;
        simulate_learner(lc, opt.seed, static_cast<int>(i), opt.hazard, L);
        const Course& C = lc.courses[static_cast<size_t>(L.course)];
        set_int(uid, L.user_id);
        if (opt.flows == 1) {
            write_learner_rows(C, L, uid, files);
        } else {
            const bool running = C.start_day + kHorizonDays > cutoff_day_number;
            line.clear();
            line += uid + ',' + std::to_string(C.course_id) + ',' + std::to_string(flow) + ',';
            append_date(line, C.start_day);
            line += ',';
            append_date(line, cutoff_day_number);
            line += running ? ",1," : ",0,";
            if (L.m2_progress >= 0) line += std::to_string(L.m2_progress);
            line += ',';
            if (L.m2_attestation >= 0) line += std::to_string(L.m2_attestation);
            line += ',';
            if (L.m2_attestation_ts > 0) append_iso(line, L.m2_attestation_ts);
            line += L.completed ? ",1" : ",0";
            line += L.dropout ? ",1\n" : ",0\n";
            std::fputs(line.c_str(), flows_truth);
            // the export at the cut-off: no later event; a running learner has no final outcome yet
            cut_events(L, sum.cutoff_ts);
            const int p = L.m2_progress, a = L.m2_attestation;
            const long long ats = L.m2_attestation_ts;
            if (running) {
                ++sum.running;
                L.m2_progress = L.m2_attestation = -1;
                L.m2_attestation_ts = 0;
            }
            write_learner_rows(C, L, uid, files, flow);
            L.m2_progress = p, L.m2_attestation = a, L.m2_attestation_ts = ats;  // the truth keeps them
        }
        truth.add_learner(C, L, uid, sum);
        if (opt.progress && (i + 1) % 1000 == 0) opt.progress(i + 1, opt.learners);
    }
    if (flows_truth && std::fclose(flows_truth) != 0) fail(ErrorKind::InvalidParameter, "cannot write " + truth_dir + "/flows.csv");
    for (auto& f : files) f->close();
    if (opt.progress) opt.progress(opt.learners, opt.learners);

    for (auto& f : files) sum.files.push_back(stats_of(*f));
    truth.finish(opt, sum);
    return sum;
}

}  // namespace ls::gen1t
