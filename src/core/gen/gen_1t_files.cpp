#include "core/gen/gen_1t_files.h"

#include <charconv>

#include "core/gen/gen_1t_time.h"

namespace ls::gen1t {

// Headers exactly as the 1T scoring specification shows them (typos `activivtyID`, `created_a`,
// `window size`; Russian headers in webinars_logs and activities_guide).
const FileSpec kFileSpecs[kFileCount] = {
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

namespace {

void set_iso(std::string& s, long long ts) {
    s.clear();
    append_iso(s, ts);
}

// The event lines of one file: each starts with the user id and the time, in
// the places and the time style the file's spec gives (read once per learner).
class EventRows {
public:
    explicit EventRows(CsvFile& f)
        : f_(f),
          id_(static_cast<size_t>(f.spec().id_field)),
          ts_(static_cast<size_t>(f.spec().ts_field)),
          append_time_(f.spec().ts_style == 'i' ? &append_iso : &append_dmy) {}
    std::vector<std::string>& row(const std::string& uid, long long ts) {
        auto& r = f_.row();
        r[id_] = uid;
        r[ts_].clear();
        append_time_(r[ts_], ts);
        return r;
    }
    void write() { f_.write(); }

private:
    CsvFile& f_;
    const size_t id_, ts_;
    void (*const append_time_)(std::string&, long long);
};

void write_task_row(const Course& c, const Task& t, CsvFile& schedule, int flow = 1) {
    auto& r = schedule.row();
    set_int(r[0], c.course_id);
    r[1] = "занятие";
    set_int(r[2], t.task_id);
    r[3].clear();
    r[4].clear();
    set_int(r[5], t.attestation);
    r[6] = "{}";
    set_int(r[7], flow);
    set_iso(r[8], t.open_ts);
    schedule.write();
}

// The activity's schedule.csv line reuses the fields of its task's line.
void write_activity_rows(const Course& c, const Task& t, const Activity& a, CsvFile& schedule, CsvFile& guide,
                         bool with_guide = true) {
    auto& r = schedule.row();
    r[1] = "активность";
    set_int(r[3], a.activity_id);
    r[4] = a.type;
    set_int(r[5], a.attestation);
    schedule.write();
    if (!with_guide) return;

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

void write_views(const Course& C, const Learner& L, const std::string& uid, CsvFile& f) {
    EventRows rows(f);
    for (const auto& e : L.views) {
        auto& r = rows.row(uid, e.ts);
        if (e.activity < 0) {
            const Task& t = C.tasks[static_cast<size_t>(e.task)];
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
        rows.write();
    }
}

void write_webinars(const Course& C, const Learner& L, const std::string& uid, CsvFile& f) {
    EventRows rows(f);
    for (const auto& e : L.webinars) {
        const Webinar& w = C.webinars[static_cast<size_t>(e.webinar)];
        auto& r = rows.row(uid, e.ts);
        r[2] = e.connect ? "Подключение" : "Отключение";
        set_int(r[3], w.webinar_id);
        r[4] = e.online ? "онлайн" : "офлайн";
        r[5] = w.intro ? "1" : "0";
        set_int(r[6], w.module);
        rows.write();
    }
}

void write_results(const Course& C, const Learner& L, const std::string& uid, CsvFile& f) {
    EventRows rows(f);
    for (const auto& e : L.results) {
        const Activity& a = C.activities[static_cast<size_t>(e.activity)];
        auto& r = rows.row(uid, e.ts);
        set_int(r[0], a.module);
        set_int(r[1], a.activity_id);
        if (e.result < 0)
            r[4] = "Пропуск";
        else
            set_int(r[4], e.result);
        r[5] = e.success ? "1" : "0";
        rows.write();
    }
}

void write_user(const Course& C, const Learner& L, const std::string& uid, CsvFile& f, int flow) {
    auto& r = f.row();
    set_int(r[0], L.unti_id);
    r[1] = uid;
    set_int(r[2], C.course_id);
    set_int(r[3], flow);
    r[3] += ".00";
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
    f.write();
}

}  // namespace

void write_catalog(const Catalog& cat, CsvFile& schedule, CsvFile& guide) {
    for (const auto& c : cat.courses) {
        for (const auto& t : c.tasks) {
            write_task_row(c, t, schedule);
            for (int ai : t.activities) write_activity_rows(c, t, c.activities[static_cast<size_t>(ai)], schedule, guide);
        }
    }
}

void write_catalog_flow(const Catalog& cat, int flow, bool with_guide, CsvFile& schedule, CsvFile& guide) {
    for (const auto& c : cat.courses) {
        for (const auto& t : c.tasks) {
            write_task_row(c, t, schedule, flow);
            for (int ai : t.activities)
                write_activity_rows(c, t, c.activities[static_cast<size_t>(ai)], schedule, guide, with_guide);
        }
    }
}

void write_learner_rows(const Course& C, const Learner& L, const std::string& uid, RawFiles& files, int flow) {
    if (L.age > 0) {
        auto& r = files[kUat]->row();
        r[0] = uid;
        r[1] = L.time_zone;
        set_int(r[2], L.age);
        files[kUat]->write();
    }
    EventRows auths(*files[kAuth]);
    for (const auto& e : L.auths) {
        auto& r = auths.row(uid, e.ts);
        r[2] = kUserAgents[e.agent];
        r[3] = kWindowSizes[e.window];
        auths.write();
    }
    write_views(C, L, uid, *files[kViews]);
    write_webinars(C, L, uid, *files[kWebinars]);
    write_results(C, L, uid, *files[kResults]);
    EventRows tags(*files[kUsersLogs]);
    for (const auto& e : L.tags) {
        auto& r = tags.row(uid, e.ts);
        r[2] = "tags-changed";
        r[3] = e.comment;
        tags.write();
    }
    write_user(C, L, uid, *files[kUsers], flow);
}

}  // namespace ls::gen1t
