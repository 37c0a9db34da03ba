#include "core/gen/gen_1t.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <memory>

#include "core/base/error.h"
#include "core/gen/gen_1t_catalog.h"
#include "core/gen/gen_1t_csv.h"
#include "core/gen/gen_1t_time.h"
#include "core/base/interrupt.h"

namespace ls::gen1t {

namespace {

enum FileNo { kUat = 0, kAuth, kSchedule, kViews, kWebinars, kResults, kUsersLogs, kUsers, kGuide, kFileCount };

// Headers exactly as the 1T scoring specification shows them (typos `activivtyID`, `created_a`,
// `window size`; Russian headers in webinars_logs and activities_guide).
const FileSpec kSpecs[kFileCount] = {
    {"users_age_timezone.csv", "userID,timeZone,age", 3, 0, -1, 0, false, true},
    {"authorization.csv", "user_id,created_at,user_agent,window size", 4, 0, 1, 'i', true, true},
    {"schedule.csv", "course_id,type,taskID,activivtyID,activityType,isAttestation,visibility,flows,dateShown", 9, -1, -1, 0,
     false, false},
    {"activity_history_viewed.csv", "user_id,created_at,page_type,page_id,module,attestation,activity_type", 7, 0, 1, 'i', true,
     true},
    {"webinars_logs.csv", "userId,dateTime,eventName,webinarId,формат подключения,вводный вебинар,module", 7, 0, 1, 'd', true,
     true},
    {"exercise_results.csv", "module,activityID,userId,createdAt,result,success", 6, 2, 3, 'i', true, true},
    {"users_logs.csv", "user_id,created_a,event,comment", 4, 0, 1, 'd', false, true},
    {"users.csv", "unti_id,userID,course_id,flow_num,tgBot,M2_progress,M2_attestation,M2_attestation_date", 8, 1, -1, 0, false,
     true},
    {"activities_guide.csv",
     "courseID,Курс,Провайдер,Модуль,themeID,Тема,taskID,Занятие,taskPosition,Признак Аттестации,activityID,Тип Активности,"
     "Активность,Признак Обязательного,Видимость",
     15, -1, -1, 0, false, false},
};

void set_int(std::string& s, long long v) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    s.assign(buf, res.ptr);
}
void set_iso(std::string& s, long long ts) {
    s.clear();
    append_iso(s, ts);
}
void set_dmy(std::string& s, long long ts) {
    s.clear();
    append_dmy(s, ts);
}

std::FILE* open_truth(const std::string& path, const char* header) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) fail(ErrorKind::InvalidParameter, "cannot create " + path + ": " + std::strerror(errno));
    std::setvbuf(f, nullptr, _IOFBF, 1 << 18);
    std::fputs(header, f);
    std::fputc('\n', f);
    return f;
}

struct FileCloser {
    std::FILE* f = nullptr;
    ~FileCloser() {
        if (f) std::fclose(f);
    }
};

void write_catalog(const Catalog& cat, CsvFile& schedule, CsvFile& guide) {
    for (const auto& c : cat.courses) {
        for (const auto& t : c.tasks) {
            auto& r = schedule.row();
            set_int(r[0], c.course_id);
            r[1] = "занятие";
            set_int(r[2], t.task_id);
            r[3].clear();
            r[4].clear();
            set_int(r[5], t.attestation);
            r[6] = "{}";
            r[7] = "1";
            set_iso(r[8], t.open_ts);
            schedule.write();
            for (int ai : t.activities) {
                const Activity& a = c.activities[static_cast<size_t>(ai)];
                r[1] = "активность";
                set_int(r[3], a.activity_id);
                r[4] = a.type;
                set_int(r[5], a.attestation);
                schedule.write();

                auto& g = guide.row();
                set_int(g[0], c.course_id);
                g[1] = c.name;
                g[2] = "1T";
                set_int(g[3], a.module);
                set_int(g[4], c.themes[static_cast<size_t>(t.theme)].theme_id);
                g[5] = c.themes[static_cast<size_t>(t.theme)].name;
                set_int(g[6], t.task_id);
                g[7] = t.name;
                set_int(g[8], t.position);
                set_int(g[9], a.attestation);
                set_int(g[10], a.activity_id);
                g[11] = a.type;
                g[12] = a.name;
                set_int(g[13], a.required);
                g[14] = "{}";
                guide.write();
            }
        }
    }
}

}  // namespace

const std::vector<std::string>& raw_file_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& s : kSpecs) v.emplace_back(s.name);
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
    if (opt.learners < 0 || opt.learners > 10000000)
        fail(ErrorKind::InvalidParameter, "--learners must be between 0 and 10,000,000");
    if (!(opt.malformed_rate >= 0 && opt.malformed_rate <= 0.5))
        fail(ErrorKind::InvalidParameter, "--malformed-rate must be between 0 and 0.5");
    if (!(opt.duplicate_rate >= 0 && opt.duplicate_rate <= 0.5))
        fail(ErrorKind::InvalidParameter, "duplicate rate must be between 0 and 0.5");
    std::error_code ec;
    std::filesystem::create_directories(out_dir + "/_truth", ec);
    if (ec) fail(ErrorKind::InvalidParameter, "cannot create " + out_dir + "/_truth: " + ec.message());

    const std::string truth_dir = out_dir + "/_truth";
    FileCloser malformed_f{open_truth(truth_dir + "/malformed.csv", "file,line,kind,detail")};
    FileCloser dup_f{open_truth(truth_dir + "/duplicates.csv", "file,line,duplicate_of")};
    FileCloser learners_f{open_truth(truth_dir + "/learners.csv",
                                     "user_id,course_id,kind,format,join_date,motivation,ability,regularity,pace,"
                                     "base_hazard,early_fail_share,first_falling_asleep_date,first_asleep_date,"
                                     "final_state,recoveries,active_days,m2_progress,m2_attestation,completed,dropout,"
                                     "status_agreement_days")};
    FileCloser spells_f{open_truth(truth_dir + "/state_spells.csv", "user_id,state,from_date,to_date")};
    TruthSinks truth{malformed_f.f, dup_f.f};

    std::vector<std::unique_ptr<CsvFile>> files;
    for (int i = 0; i < kFileCount; ++i)
        files.push_back(std::make_unique<CsvFile>(out_dir, kSpecs[i], opt.seed, i, opt.malformed_rate, opt.duplicate_rate,
                                                  &truth));

    const Catalog cat = build_catalog(opt.seed);
    write_catalog(cat, *files[kSchedule], *files[kGuide]);

    Summary sum;
    sum.learners = opt.learners;
    Learner L;
    std::string line;
    InterruptTicker ticker(256);
    for (long long i = 0; i < opt.learners; ++i) {
        ticker.tick();
        simulate_learner(cat, opt.seed, static_cast<int>(i), opt.hazard, L);
        const Course& C = cat.courses[static_cast<size_t>(L.course)];
        std::string uid;
        set_int(uid, L.user_id);

        if (L.age > 0) {
            auto& r = files[kUat]->row();
            r[0] = uid;
            r[1] = L.time_zone;
            set_int(r[2], L.age);
            files[kUat]->write();
        }
        for (const auto& e : L.auths) {
            auto& r = files[kAuth]->row();
            r[0] = uid;
            set_iso(r[1], e.ts);
            r[2] = kUserAgents[e.agent];
            r[3] = kWindowSizes[e.window];
            files[kAuth]->write();
        }
        for (const auto& e : L.views) {
            auto& r = files[kViews]->row();
            const Task& t = C.tasks[static_cast<size_t>(e.task)];
            r[0] = uid;
            set_iso(r[1], e.ts);
            if (e.activity < 0) {
                r[2] = "занятие";
                set_int(r[3], t.task_id);
                set_int(r[4], t.module);
                set_int(r[5], t.attestation);
                r[6].clear();
            } else {
                const Activity& a = C.activities[static_cast<size_t>(e.activity)];
                r[2] = "активность";
                set_int(r[3], a.activity_id);
                set_int(r[4], a.module);
                set_int(r[5], a.attestation);
                r[6] = a.type;
            }
            files[kViews]->write();
        }
        for (const auto& e : L.webinars) {
            auto& r = files[kWebinars]->row();
            const Webinar& w = C.webinars[static_cast<size_t>(e.webinar)];
            r[0] = uid;
            set_dmy(r[1], e.ts);
            r[2] = e.connect ? "Подключение" : "Отключение";
            set_int(r[3], w.webinar_id);
            r[4] = e.online ? "онлайн" : "офлайн";
            r[5] = w.intro ? "1" : "0";
            set_int(r[6], w.module);
            files[kWebinars]->write();
        }
        for (const auto& e : L.results) {
            auto& r = files[kResults]->row();
            const Activity& a = C.activities[static_cast<size_t>(e.activity)];
            set_int(r[0], a.module);
            set_int(r[1], a.activity_id);
            r[2] = uid;
            set_iso(r[3], e.ts);
            if (e.result < 0)
                r[4] = "Пропуск";
            else
                set_int(r[4], e.result);
            r[5] = e.success ? "1" : "0";
            files[kResults]->write();
        }
        for (const auto& e : L.tags) {
            auto& r = files[kUsersLogs]->row();
            r[0] = uid;
            set_dmy(r[1], e.ts);
            r[2] = "tags-changed";
            r[3] = e.comment;
            files[kUsersLogs]->write();
        }
        {
            auto& r = files[kUsers]->row();
            set_int(r[0], L.unti_id);
            r[1] = uid;
            set_int(r[2], C.course_id);
            r[3] = "1.00";
            r[4] = L.tg_bot == 0 ? "—" : (L.tg_bot == 1 ? "1" : "2");
            if (L.m2_progress < 0)
                r[5] = "Нет данных";
            else
                set_int(r[5], L.m2_progress);
            if (L.m2_attestation < 0)
                r[6] = "Не сдана";
            else
                set_int(r[6], L.m2_attestation);
            if (L.m2_attestation_ts > 0)
                set_iso(r[7], L.m2_attestation_ts);
            else
                r[7].clear();
            files[kUsers]->write();
        }

        // --- truth ---
        long long conf[3][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
        int agree = add_agreement(L, conf);
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) sum.confusion[a][b] += conf[a][b];
        sum.agreeing_days += agree;
        sum.learner_days += kHorizonDays;
        int active_days = 0;
        for (auto d : L.activity_day) active_days += d;
        sum.no_show += L.kind == Kind::NoShow;
        sum.late_joiners += L.kind == Kind::LateJoiner;
        sum.offline += L.offline;
        sum.without_tags += !L.has_tags;
        sum.completed += L.completed;
        sum.dropout += L.dropout;
        sum.asleep_at_end += L.state[kHorizonDays - 1] == State::Asleep;
        sum.no_data += L.m2_progress < 0;
        sum.attested += L.m2_attestation >= 0;

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
        std::fputs(line.c_str(), learners_f.f);

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
        std::fputs(line.c_str(), spells_f.f);
        if (opt.progress && (i + 1) % 1000 == 0) opt.progress(i + 1, opt.learners);
    }
    for (auto& f : files) f->close();
    if (opt.progress) opt.progress(opt.learners, opt.learners);

    for (auto& f : files) {
        FileStats st;
        st.name = f->spec().name;
        st.data_lines = f->physical_lines() - 1;
        st.good = f->good_lines();
        st.malformed = f->malformed_lines();
        st.duplicates = f->duplicate_lines();
        st.bytes = f->bytes();
        sum.files.push_back(st);
    }

    FileCloser summary_f{open_truth(truth_dir + "/summary.csv", "key,value")};
    auto kv = [&](const std::string& k, const std::string& v) { std::fprintf(summary_f.f, "%s,%s\n", k.c_str(), v.c_str()); };
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
    for (std::FILE* f : {malformed_f.f, dup_f.f, learners_f.f, spells_f.f, summary_f.f})
        if (std::fflush(f) != 0) fail(ErrorKind::InvalidParameter, "cannot write the truth files in " + truth_dir);
    return sum;
}

}  // namespace ls::gen1t
