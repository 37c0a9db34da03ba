#include "core/gen/gen_1t_truth.h"

#include <cerrno>
#include <cstring>

#include "core/base/error.h"
#include "core/gen/gen_1t_time.h"

namespace ls::gen1t {

namespace {

std::FILE* open_truth(const std::string& path, const char* header) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) fail(ErrorKind::InvalidParameter, "cannot create " + path + ": " + std::strerror(errno));
    std::setvbuf(f, nullptr, _IOFBF, 1 << 18);
    std::fputs(header, f);
    std::fputc('\n', f);
    return f;
}

void add_counts(const Learner& L, Summary& sum) {
    sum.no_show += L.kind == Kind::NoShow;
    sum.late_joiners += L.kind == Kind::LateJoiner;
    sum.offline += L.offline;
    sum.without_tags += !L.has_tags;
    sum.completed += L.completed;
    sum.dropout += L.dropout;
    sum.asleep_at_end += L.state[kHorizonDays - 1] == State::Asleep;
    sum.no_data += L.m2_progress < 0;
    sum.attested += L.m2_attestation >= 0;
}

}  // namespace

TruthFiles::TruthFiles(const std::string& truth_dir) : dir_(truth_dir) {
    malformed_.f = open_truth(dir_ + "/malformed.csv", "file,line,kind,detail");
    duplicates_.f = open_truth(dir_ + "/duplicates.csv", "file,line,duplicate_of");
    learners_.f = open_truth(dir_ + "/learners.csv",
                             "user_id,course_id,kind,format,join_date,motivation,ability,regularity,pace,"
                             "base_hazard,early_fail_share,first_falling_asleep_date,first_asleep_date,"
                             "final_state,recoveries,active_days,m2_progress,m2_attestation,completed,dropout,"
                             "status_agreement_days");
    spells_.f = open_truth(dir_ + "/state_spells.csv", "user_id,state,from_date,to_date");
    sinks_ = TruthSinks{malformed_.f, duplicates_.f};
}

void TruthFiles::add_learner(const Course& C, const Learner& L, const std::string& uid, Summary& sum) {
    long long conf[3][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
    int agree = add_agreement(L, conf);
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) sum.confusion[a][b] += conf[a][b];
    sum.agreeing_days += agree;
    sum.learner_days += kHorizonDays;
    int active_days = 0;
    for (auto d : L.activity_day) active_days += d;
    add_counts(L, sum);
    write_learner_line(C, L, uid, active_days, agree);
    write_spells(C, L, uid);
}

void TruthFiles::write_learner_line(const Course& C, const Learner& L, const std::string& uid, int active_days,
                                    int agree) {
    std::string& line = line_;
    line.clear();
    line += uid;
    line += ',';
    line += std::to_string(C.course_id);
    line += ',';
    line += kind_name(L.kind);
    line += ',';
    line += !L.has_tags ? "none" : (L.offline ? "offline" : "online");
    line += ',';
    append_date(line, C.start_day + L.join_day);
    char num[160];
    std::snprintf(num, sizeof num, ",%.4f,%.4f,%.4f,%.4f,%.6f,%.4f,", L.motivation, L.ability, L.regularity, L.pace,
                  L.base_hazard, L.early_fail_share);
    line += num;
    if (L.first_falling_asleep >= 0) append_date(line, C.start_day + L.first_falling_asleep);
    line += ',';
    if (L.first_asleep >= 0) append_date(line, C.start_day + L.first_asleep);
    std::snprintf(num, sizeof num, ",%s,%d,%d,%d,%d,%d,%d,%d\n", state_name(L.state[kHorizonDays - 1]), L.recoveries,
                  active_days, L.m2_progress, L.m2_attestation, L.completed ? 1 : 0, L.dropout ? 1 : 0, agree);
    line += num;
    std::fputs(line.c_str(), learners_.f);
}

// One line per run of days in the same planted state.
void TruthFiles::write_spells(const Course& C, const Learner& L, const std::string& uid) {
    std::string& line = line_;
    line.clear();
    int from = 0;
    for (int t = 1; t <= kHorizonDays; ++t) {
        if (t < kHorizonDays && L.state[static_cast<size_t>(t)] == L.state[static_cast<size_t>(from)]) continue;
        line += uid;
        line += ',';
        line += state_name(L.state[static_cast<size_t>(from)]);
        line += ',';
        append_date(line, C.start_day + from);
        line += ',';
        append_date(line, C.start_day + t - 1);
        line += '\n';
        from = t;
    }
    std::fputs(line.c_str(), spells_.f);
}

void TruthFiles::finish(const Options& opt, const Summary& sum) {
    summary_.f = open_truth(dir_ + "/summary.csv", "key,value");
    auto kv = [&](const std::string& k, const std::string& v) { std::fprintf(summary_.f, "%s,%s\n", k.c_str(), v.c_str()); };
    kv("scenario", "1t");
    kv("seed", std::to_string(opt.seed));
    kv("learners", std::to_string(sum.learners));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", opt.malformed_rate);
    kv("malformed_rate", buf);
    std::snprintf(buf, sizeof buf, "%.6g", opt.duplicate_rate);
    kv("duplicate_rate", buf);
    kv("horizon_days", std::to_string(kHorizonDays));
    for (const auto& f : sum.files) {
        kv(f.name + ".data_lines", std::to_string(f.data_lines));
        kv(f.name + ".good_lines", std::to_string(f.good));
        kv(f.name + ".malformed_lines", std::to_string(f.malformed));
        kv(f.name + ".duplicate_lines", std::to_string(f.duplicates));
    }
    kv("no_show", std::to_string(sum.no_show));
    kv("late_joiners", std::to_string(sum.late_joiners));
    kv("offline", std::to_string(sum.offline));
    kv("without_tags", std::to_string(sum.without_tags));
    kv("completed", std::to_string(sum.completed));
    kv("dropout", std::to_string(sum.dropout));
    kv("asleep_at_end", std::to_string(sum.asleep_at_end));
    kv("m2_no_data", std::to_string(sum.no_data));
    kv("m2_attested", std::to_string(sum.attested));
    kv("learner_days", std::to_string(sum.learner_days));
    kv("agreeing_days", std::to_string(sum.agreeing_days));
    std::snprintf(buf, sizeof buf, "%.6f", sum.agreement());
    kv("status_agreement", buf);
    const char* names[3] = {"active", "falling_asleep", "asleep"};
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
            kv(std::string("planted_") + names[a] + "_observed_" + names[b], std::to_string(sum.confusion[a][b]));
    for (std::FILE* f : {malformed_.f, duplicates_.f, learners_.f, spells_.f, summary_.f})
        if (std::fflush(f) != 0) fail(ErrorKind::InvalidParameter, "cannot write the truth files in " + dir_);
}

}  // namespace ls::gen1t
