#include "core/gen/gen_1t.h"

#include <filesystem>
#include <algorithm>
#include <array>
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
    if (opt.contacts && opt.flows < 2)
        fail(ErrorKind::InvalidParameter, "--contacts needs --flows 2 or more (contacts go to the running flow)");
    if (opt.contact_all_flows && !opt.contacts)
        fail(ErrorKind::InvalidParameter, "--contact-flows all needs --contacts");
    if (opt.tutors < 1 || opt.tutors > 100) fail(ErrorKind::InvalidParameter, "--tutors must be between 1 and 100");
    if (opt.tutor_capacity < 1 || opt.tutor_capacity > 1000)
        fail(ErrorKind::InvalidParameter, "--tutor-capacity must be between 1 and 1000");
    if (!(opt.holdout >= 0 && opt.holdout < 1)) fail(ErrorKind::InvalidParameter, "--holdout must be in [0, 1)");
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

const char* const kTutors[] = {"Иванова Анна", "Петров Борис", "Сидорова Вера", "Кузнецов Глеб", "Смирнова Дарья",
                               "Попов Егор", "Волкова Жанна", "Соколов Илья", "Морозова Ксения", "Лебедев Лев",
                               "Новикова Мария", "Козлов Никита", "Павлова Ольга", "Семёнов Пётр", "Голубева Раиса",
                               "Виноградов Сергей", "Богданова Тамара", "Воробьёв Фёдор", "Фёдорова Юлия", "Михайлов Ярослав"};

// The name of tutor k of course index c: unique over the cohort.
std::string tutor_name(int c, int k, int tutors) {
    int n = c * tutors + k;
    std::string s = kTutors[n % 20];
    if (n >= 20) s += " " + std::to_string(n / 20 + 1);
    return s;
}
const char* const kChannels[] = {"телефон", "telegram", "email"};

int learner_flow(const Options& opt, long long i) {
    if (opt.flows == 1) return 1;
    Rng fr(opt.seed, 0x3000000ULL + static_cast<std::uint64_t>(i));
    return 1 + static_cast<int>(fr.integer(0, opt.flows - 1));
}

// One learner's place in the contact plan.
struct ContactSlot {
    int day = -1;     // day of its flow (contact or, for the holdout, the day it would have had)
    int tutor = -1;   // index of the course's tutor; -1: holdout
};

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
    // Contacts: who is contacted on which day by which tutor, decided before the outcomes
    // (the tutors see nobody's future): per course and contacted flow, the eligible learners
    // in a random order; every contact day takes the next tutors × capacity learners not in
    // the holdout; a holdout learner met on the way gets that day as its nominal day.
    std::vector<ContactSlot> slot;
    std::FILE* contacts_csv = nullptr;
    std::FILE* contacts_truth = nullptr;
    std::FILE* assignments_csv = nullptr;
    if (opt.contacts) {
        slot.assign(static_cast<size_t>(opt.learners), ContactSlot{});
        const int first_flow = opt.contact_all_flows ? 1 : opt.flows;
        // eligible[course][flow - 1]
        std::vector<std::vector<std::vector<long long>>> eligible(
            cat.courses.size(), std::vector<std::vector<long long>>(static_cast<size_t>(opt.flows)));
        for (long long i = 0; i < opt.learners; ++i) {
            const int f = learner_flow(opt, i);
            if (f < first_flow) continue;
            simulate_learner(flow_cat[static_cast<size_t>(f - 1)], opt.seed, static_cast<int>(i), opt.hazard, L);
            eligible[static_cast<size_t>(L.course)][static_cast<size_t>(f - 1)].push_back(i);
        }
        const int per_day = opt.tutors * opt.tutor_capacity;
        for (size_t c = 0; c < eligible.size(); ++c) {
            // (calendar day, -flow, day of the flow): a tutor's capacity is per calendar day over
            // all flows (the same tutors); on a day two flows share, the later flow comes first,
            // so the last flow's contacts are those of --contact-flows last
            std::vector<std::array<long long, 3>> days;
            for (int f = first_flow; f <= opt.flows; ++f) {
                auto& e = eligible[c][static_cast<size_t>(f - 1)];
                // the last flow keeps the stream of --contact-flows last (its order stays the same)
                Rng sr(opt.seed, 0x6000000ULL + c + (f == opt.flows ? 0 : 0x10000ULL * static_cast<std::uint64_t>(f)));
                for (size_t k = e.size(); k > 1; --k) std::swap(e[k - 1], e[static_cast<size_t>(sr.integer(0, static_cast<long long>(k) - 1))]);
                const Course& C = flow_cat[static_cast<size_t>(f - 1)].courses[c];
                for (int d = 14; d < kHorizonDays && C.start_day + d < cutoff_day_number; d += 7)
                    days.push_back({C.start_day + d, -f, d});
            }
            std::sort(days.begin(), days.end());
            std::vector<size_t> next(static_cast<size_t>(opt.flows), 0);
            int used = 0;
            for (size_t j = 0; j < days.size(); ++j) {
                if (j == 0 || days[j][0] != days[j - 1][0]) used = 0;
                const size_t f = static_cast<size_t>(-days[j][1] - 1);
                const auto& e = eligible[c][f];
                size_t& nx = next[f];
                while (nx < e.size() && used < per_day) {
                    long long i = e[nx++];
                    Rng hr(opt.seed, 0x5000000ULL + static_cast<std::uint64_t>(i));
                    ContactSlot& sl = slot[static_cast<size_t>(i)];
                    sl.day = static_cast<int>(days[j][2]);
                    if (hr.bernoulli(opt.holdout)) continue;  // holdout: never contacted
                    sl.tutor = used / opt.tutor_capacity;
                    ++used;
                }
            }
        }
        contacts_csv = std::fopen((out_dir + "/contacts.csv").c_str(), "w");
        contacts_truth = std::fopen((truth_dir + "/contacts_truth.csv").c_str(), "w");
        if (!contacts_csv || !contacts_truth) fail(ErrorKind::InvalidParameter, "cannot write contacts.csv");
        std::fputs("userID,contactedAt,tutor,channel,comment\n", contacts_csv);
        std::fputs("user_id,course_id,flow_num,group,contact_date,tutor,status_at_contact,planted_wake_prob,"
                   "planted_hazard_factor,dropout_if_contacted,dropout_if_not,effect\n", contacts_truth);
        // only with all flows: --contact-flows last keeps the files of earlier versions
        if (opt.contact_all_flows) {
            assignments_csv = std::fopen((out_dir + "/contact_assignments.csv").c_str(), "w");
            if (!assignments_csv) fail(ErrorKind::InvalidParameter, "cannot write contact_assignments.csv");
            std::fputs("userID,assignedOn,arm,tutor\n", assignments_csv);
        }
    }
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
        const ContactSlot* sl = opt.contacts && slot[static_cast<size_t>(i)].day >= 0 ? &slot[static_cast<size_t>(i)] : nullptr;
        if (sl) {
            // both potential outcomes: the same learner (same draws up to the contact day)
            // without and with the contact; the export gets the one of its group
            ContactEffect ce = opt.effect;
            ce.day = sl->day;
            ce.draw = opt.seed ^ (0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(i + 1));
            simulate_learner(lc, opt.seed, static_cast<int>(i), opt.hazard, L, ce);
            const bool d_with = L.dropout;
            simulate_learner(lc, opt.seed, static_cast<int>(i), opt.hazard, L);
            const bool d_without = L.dropout;
            const State st = L.state[static_cast<size_t>(sl->day)];
            const Course& C0 = lc.courses[static_cast<size_t>(L.course)];
            const bool contacted = sl->tutor >= 0;
            line.clear();
            line += std::to_string(L.user_id) + ',' + std::to_string(C0.course_id) + ',' + std::to_string(flow) +
                    (contacted ? ",contacted," : ",holdout,");
            append_date(line, C0.start_day + sl->day);
            line += ',';
            if (contacted) line += tutor_name(L.course, sl->tutor, opt.tutors);
            line += ',';
            line += state_name(st);
            char eff[64];
            std::snprintf(eff, sizeof eff, ",%g,%g", st == State::FallingAsleep ? opt.effect.wake_falling_asleep : 0.0,
                          st == State::Active ? opt.effect.active_hazard_factor : (st == State::FallingAsleep ? opt.effect.woken_hazard_factor : 1.0));
            line += eff;
            line += d_with ? ",1" : ",0";
            line += d_without ? ",1" : ",0";
            line += ',' + std::to_string(static_cast<int>(d_without) - static_cast<int>(d_with)) + '\n';
            std::fputs(line.c_str(), contacts_truth);
            if (assignments_csv) {
                line.clear();
                line += std::to_string(L.user_id) + ',';
                append_dmy_date(line, C0.start_day + sl->day);
                line += contacted ? ",contact," : ",holdout,";
                if (contacted) line += tutor_name(L.course, sl->tutor, opt.tutors);
                line += '\n';
                std::fputs(line.c_str(), assignments_csv);
            }
            if (contacted) {
                ++sum.contacted;
                Rng cr(opt.seed, 0x7000000ULL + static_cast<std::uint64_t>(i));
                long long ts = (C0.start_day + sl->day) * kDay + cr.integer(10 * 3600, 18 * 3600);
                line.clear();
                line += std::to_string(L.user_id) + ',';
                append_dmy(line, ts);
                line += ',';
                line += tutor_name(L.course, sl->tutor, opt.tutors);
                line += ',';
                line += kChannels[cr.integer(0, 2)];
                line += ',';
                line += st == State::Asleep ? "не дозвонились" : (st == State::FallingAsleep ? "обещал вернуться к занятиям" : "поговорили — всё в порядке");
                line += '\n';
                std::fputs(line.c_str(), contacts_csv);
                simulate_learner(lc, opt.seed, static_cast<int>(i), opt.hazard, L, ce);  // the contacted world
            } else {
                ++sum.holdout;
            }
        } else {
            simulate_learner(lc, opt.seed, static_cast<int>(i), opt.hazard, L);
        }
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
    if (contacts_csv && (std::fclose(contacts_csv) != 0 || std::fclose(contacts_truth) != 0))
        fail(ErrorKind::InvalidParameter, "cannot write contacts.csv");
    if (assignments_csv && std::fclose(assignments_csv) != 0) fail(ErrorKind::InvalidParameter, "cannot write contact_assignments.csv");
    if (flows_truth && std::fclose(flows_truth) != 0) fail(ErrorKind::InvalidParameter, "cannot write " + truth_dir + "/flows.csv");
    for (auto& f : files) f->close();
    if (opt.progress) opt.progress(opt.learners, opt.learners);

    for (auto& f : files) sum.files.push_back(stats_of(*f));
    truth.finish(opt, sum);
    return sum;
}

}  // namespace ls::gen1t
