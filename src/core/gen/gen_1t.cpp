#include "core/gen/gen_1t.h"

#include <filesystem>
#include <memory>

#include "core/base/error.h"
#include "core/base/interrupt.h"
#include "core/gen/gen_1t_catalog.h"
#include "core/gen/gen_1t_files.h"
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
    write_catalog(cat, *files[kSchedule], *files[kGuide]);

    Summary sum;
    sum.learners = opt.learners;
    Learner L;
    std::string uid;
    InterruptTicker ticker(256);
    for (long long i = 0; i < opt.learners; ++i) {
        ticker.tick();
        simulate_learner(cat, opt.seed, static_cast<int>(i), opt.hazard, L);
        const Course& C = cat.courses[static_cast<size_t>(L.course)];
        set_int(uid, L.user_id);
        write_learner_rows(C, L, uid, files);
        truth.add_learner(C, L, uid, sum);
        if (opt.progress && (i + 1) % 1000 == 0) opt.progress(i + 1, opt.learners);
    }
    for (auto& f : files) f->close();
    if (opt.progress) opt.progress(opt.learners, opt.learners);

    for (auto& f : files) sum.files.push_back(stats_of(*f));
    truth.finish(opt, sum);
    return sum;
}

}  // namespace ls::gen1t
