// Tests of the synthetic 1T generator (src/core/gen_1t*): determinism, the raw
// formats of the 1T scoring specification, planted malformed/duplicate lines, planted shares and
// the agreement between the planted state and the observable activity status.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/gen/gen_1t.h"
#include "core/gen/gen_1t_catalog.h"
#include "core/gen/gen_1t_csv.h"

namespace fs = std::filesystem;
using namespace ls::gen1t;

namespace {

std::string tmpdir(const std::string& tag) {
    std::string t = (fs::temp_directory_path() / ("ls_gen1t_" + tag + "_XXXXXX")).string();
    std::vector<char> buf(t.begin(), t.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp");
    return buf.data();
}

struct TmpDir {
    std::string path;
    explicit TmpDir(const std::string& tag) : path(tmpdir(tag)) {}
    ~TmpDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> lines_of(const std::string& path) {
    std::vector<std::string> out;
    std::ifstream in(path, std::ios::binary);
    std::string l;
    while (std::getline(in, l)) out.push_back(l);
    return out;
}

// RFC 4180 split of one physical line; false when a quote is not closed.
bool split_csv(const std::string& line, std::vector<std::string>& f) {
    f.clear();
    std::string cur;
    bool q = false;
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (q) {
            if (c == '"') {
                if (i + 1 < line.size() && line[i + 1] == '"') {
                    cur.push_back('"');
                    ++i;
                } else {
                    q = false;
                }
            } else {
                cur.push_back(c);
            }
        } else if (c == '"') {
            q = true;
        } else if (c == ',') {
            f.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    f.push_back(cur);
    return !q;
}

bool valid_utf8(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 99;
        if (n == 99 || i + n >= s.size() + (n == 0 ? 1 : 0)) return false;
        for (size_t k = 1; k <= n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
        i += n + 1;
    }
    return true;
}

bool valid_date(int y, int m, int d, int hh, int mi, int ss) {
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || hh > 23 || mi > 59 || ss > 59) return false;
    int lim = dim[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return d <= lim;
}

// The strict loader rules of the pipeline: field count, required integer
// ids, required timestamps in the file's format, valid UTF-8.
bool strict_ok(const std::string& line, int fields, int id_field, int ts_field, char style) {
    if (!valid_utf8(line)) return false;
    std::vector<std::string> f;
    if (!split_csv(line, f) || static_cast<int>(f.size()) != fields) return false;
    auto is_digits = [](const std::string& v) {
        if (v.empty()) return false;
        for (char c : v)
            if (c < '0' || c > '9') return false;
        return true;
    };
    if (id_field >= 0 && !is_digits(f[static_cast<size_t>(id_field)])) return false;
    if (ts_field >= 0) {
        // ISO "2023-12-05 11:00:00" or "23.12.2023 12:10", with real calendar values.
        const std::string& t = f[static_cast<size_t>(ts_field)];
        auto num = [&](size_t at, size_t len, int& out) {
            std::string v = t.substr(at, len);
            if (!is_digits(v)) return false;
            out = std::stoi(v);
            return true;
        };
        int y, mo, d, hh, mi, ss = 0;
        if (t.size() == 19 && t[4] == '-' && t[7] == '-' && t[10] == ' ' && t[13] == ':' && t[16] == ':') {
            if (!(num(0, 4, y) && num(5, 2, mo) && num(8, 2, d) && num(11, 2, hh) && num(14, 2, mi) && num(17, 2, ss)))
                return false;
        } else if (t.size() == 16 && t[2] == '.' && t[5] == '.' && t[10] == ' ' && t[13] == ':') {
            if (!(num(0, 2, d) && num(3, 2, mo) && num(6, 4, y) && num(11, 2, hh) && num(14, 2, mi))) return false;
        } else {
            return false;
        }
        if (!valid_date(y, mo, d, hh, mi, ss)) return false;
        (void)style;
    }
    return true;
}

struct Layout {
    const char* file;
    int fields, id, ts;
    char style;
    const char* header;
};
const Layout kLayouts[] = {
    {"users_age_timezone.csv", 3, 0, -1, 0, "userID,timeZone,age"},
    {"authorization.csv", 4, 0, 1, 'i', "user_id,created_at,user_agent,window size"},
    {"schedule.csv", 9, -1, 8, 'i', "course_id,type,taskID,activivtyID,activityType,isAttestation,visibility,flows,dateShown"},
    {"activity_history_viewed.csv", 7, 0, 1, 'i', "user_id,created_at,page_type,page_id,module,attestation,activity_type"},
    {"webinars_logs.csv", 7, 0, 1, 'd', "userId,dateTime,eventName,webinarId,формат подключения,вводный вебинар,module"},
    {"exercise_results.csv", 6, 2, 3, 'i', "module,activityID,userId,createdAt,result,success"},
    {"users_logs.csv", 4, 0, 1, 'd', "user_id,created_a,event,comment"},
    {"users.csv", 8, 1, -1, 0, "unti_id,userID,course_id,flow_num,tgBot,M2_progress,M2_attestation,M2_attestation_date"},
    {"activities_guide.csv", 15, 10, -1, 0,
     "courseID,Курс,Провайдер,Модуль,themeID,Тема,taskID,Занятие,taskPosition,Признак Аттестации,activityID,Тип Активности,"
     "Активность,Признак Обязательного,Видимость"},
};

Summary gen(const std::string& dir, long long n, unsigned long long seed, double malformed = 0.001) {
    Options o;
    o.learners = n;
    o.seed = seed;
    o.malformed_rate = malformed;
    return generate(o, dir);
}

std::vector<std::string> all_files() {
    auto v = raw_file_names();
    for (const char* t : {"_truth/malformed.csv", "_truth/duplicates.csv", "_truth/learners.csv", "_truth/state_spells.csv",
                          "_truth/summary.csv"})
        v.emplace_back(t);
    return v;
}

}  // namespace

TEST(Gen1t, SameSeedGivesByteIdenticalFiles) {
    TmpDir a("a"), b("b"), c("c");
    gen(a.path, 250, 7, 0.01);
    gen(b.path, 250, 7, 0.01);
    gen(c.path, 250, 8, 0.01);
    int differ = 0;
    for (const auto& f : all_files()) {
        std::string x = slurp(a.path + "/" + f);
        ASSERT_FALSE(x.empty()) << f;
        EXPECT_EQ(x, slurp(b.path + "/" + f)) << f << " differs between two runs with the same seed";
        differ += x != slurp(c.path + "/" + f);
    }
    EXPECT_GE(differ, 8) << "another seed should change nearly every file";
}

TEST(Gen1t, LearnerDependsOnlyOnSeedAndIndex) {
    TmpDir a("a"), b("b");
    gen(a.path, 50, 3, 0);
    gen(b.path, 120, 3, 0);
    auto small = lines_of(a.path + "/users.csv");
    auto large = lines_of(b.path + "/users.csv");
    ASSERT_EQ(small.size(), 51u);
    for (size_t i = 0; i < small.size(); ++i) EXPECT_EQ(small[i], large[i]);
}

TEST(Gen1t, HeadersAndLineFormats) {
    TmpDir d("fmt");
    gen(d.path, 400, 11, 0.01);
    std::map<std::string, std::set<long long>> bad;
    for (const auto& l : lines_of(d.path + "/_truth/malformed.csv")) {
        std::vector<std::string> f;
        split_csv(l, f);
        if (f[0] == "file") continue;
        bad[f[0]].insert(std::stoll(f[1]));
    }
    long long planted = 0;
    for (const auto& L : kLayouts) {
        auto lines = lines_of(d.path + "/" + L.file);
        ASSERT_GE(lines.size(), 2u) << L.file;
        EXPECT_EQ(lines[0], L.header) << L.file;
        for (size_t i = 1; i < lines.size(); ++i) {
            long long lineno = static_cast<long long>(i) + 1;
            bool ok = strict_ok(lines[i], L.fields, L.id, L.ts, L.style);
            bool is_bad = bad[L.file].count(lineno) != 0;
            EXPECT_EQ(ok, !is_bad) << L.file << ":" << lineno << " " << lines[i];
            planted += is_bad;
            if (!ok && !is_bad) break;
        }
    }
    EXPECT_GT(planted, 50);
    // Raw value formats of the 1T scoring specification.
    std::string users = slurp(d.path + "/users.csv");
    for (const char* v : {",1.00,", ",—,", "Нет данных", "Не сдана"}) EXPECT_NE(users.find(v), std::string::npos) << v;
    std::string res = slurp(d.path + "/exercise_results.csv");
    EXPECT_NE(res.find(",Пропуск,0"), std::string::npos);
    std::string tz = slurp(d.path + "/users_age_timezone.csv");
    EXPECT_NE(tz.find(",+03:00,"), std::string::npos);
    std::string web = slurp(d.path + "/webinars_logs.csv");
    for (const char* v : {",Подключение,", ",Отключение,", ",онлайн,", ",офлайн,"}) EXPECT_NE(web.find(v), std::string::npos) << v;
    std::string logs = slurp(d.path + "/users_logs.csv");
    for (const char* v : {"\"Были хештеги: , стали: #entry-email #онлайн\"", "\"Установлен хештег \"\"#онлайн\"\"\"", "#оулайн",
                          "#оглайн", "#M1-оплачен", "#M2-завершил", "#офлайн", "#мотив", "#сверка-дат",
                          "Были хештеги: #entry-email #офлайн, стали: #entry-email #онлайн"})
        EXPECT_NE(logs.find(v), std::string::npos) << v;
    std::string auth = slurp(d.path + "/authorization.csv");
    EXPECT_NE(auth.find(",\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"), std::string::npos);
    std::string views = slurp(d.path + "/activity_history_viewed.csv");
    EXPECT_NE(views.find(",занятие,"), std::string::npos);
    EXPECT_NE(views.find(",активность,"), std::string::npos);
}

TEST(Gen1t, MalformedLinesAreExtraCopiesAndRateZeroDisables) {
    TmpDir a("m0"), b("m1");
    Summary s0 = gen(a.path, 300, 5, 0);
    Summary s1 = gen(b.path, 300, 5, 0.05);
    EXPECT_EQ(s0.total_malformed(), 0);
    EXPECT_EQ(lines_of(a.path + "/_truth/malformed.csv").size(), 1u);
    EXPECT_GT(s1.total_malformed(), 300);
    // Removing the planted lines gives back exactly the data of rate 0.
    std::map<std::string, std::set<long long>> bad;
    std::set<std::string> kinds;
    for (const auto& l : lines_of(b.path + "/_truth/malformed.csv")) {
        std::vector<std::string> f;
        split_csv(l, f);
        if (f[0] == "file") continue;
        bad[f[0]].insert(std::stoll(f[1]));
        kinds.insert(f[2]);
    }
    EXPECT_EQ(kinds, (std::set<std::string>{"bad_date", "bad_id", "field_count", "invalid_utf8"}));
    for (const auto& name : raw_file_names()) {
        auto with = lines_of(b.path + "/" + name);
        std::vector<std::string> kept;
        for (size_t i = 0; i < with.size(); ++i)
            if (!bad[name].count(static_cast<long long>(i) + 1)) kept.push_back(with[i]);
        EXPECT_EQ(kept, lines_of(a.path + "/" + name)) << name;
    }
    for (size_t i = 0; i < s1.files.size(); ++i) EXPECT_EQ(s1.files[i].good, s0.files[i].good) << s1.files[i].name;
}

TEST(Gen1t, DuplicatesAreExactCopies) {
    TmpDir d("dup");
    Summary s = gen(d.path, 400, 9, 0.01);
    std::map<std::string, std::vector<std::string>> cache;
    long long n = 0;
    for (const auto& l : lines_of(d.path + "/_truth/duplicates.csv")) {
        std::vector<std::string> f;
        split_csv(l, f);
        if (f[0] == "file") continue;
        auto& lines = cache[f[0]];
        if (lines.empty()) lines = lines_of(d.path + "/" + f[0]);
        size_t a = std::stoul(f[1]), b = std::stoul(f[2]);
        ASSERT_LE(a, lines.size());
        EXPECT_EQ(lines[a - 1], lines[b - 1]);
        ++n;
    }
    long long total = 0;
    for (const auto& f : s.files) total += f.duplicates;
    EXPECT_EQ(n, total);
    EXPECT_GT(n, 20);
}

TEST(Gen1t, PlantedSharesOutcomeAndAgreement) {
    TmpDir d("share");
    Summary s = gen(d.path, 2000, 21, 0);
    EXPECT_NEAR(static_cast<double>(s.no_show) / 2000, 0.06, 0.02);
    EXPECT_NEAR(static_cast<double>(s.late_joiners) / 2000, 0.07, 0.02);
    EXPECT_NEAR(static_cast<double>(s.offline) / 2000, 0.08, 0.02);
    EXPECT_GT(s.completed, 400);
    EXPECT_LT(s.completed, 1400);
    EXPECT_GE(s.agreement(), 0.90) << "planted state vs observed status";
    // learners.csv agrees with users.csv and with the completion rule.
    auto users = lines_of(d.path + "/users.csv");
    auto truth = lines_of(d.path + "/_truth/learners.csv");
    ASSERT_EQ(users.size(), truth.size());
    std::set<std::string> silent;
    for (size_t i = 1; i < users.size(); ++i) {
        std::vector<std::string> u, t;
        split_csv(users[i], u);
        split_csv(truth[i], t);
        ASSERT_EQ(t.size(), 21u);
        EXPECT_EQ(u[1], t[0]);
        int prog = u[5] == "Нет данных" ? -1 : std::stoi(u[5]);
        int att = u[6] == "Не сдана" ? -1 : std::stoi(u[6]);
        EXPECT_EQ(prog, std::stoi(t[16]));
        EXPECT_EQ(att, std::stoi(t[17]));
        EXPECT_EQ(t[18] == "1", prog >= 50 && att >= 50);
        EXPECT_EQ(u[7].empty(), att < 0);
        if (t[2] == "no_show") silent.insert(t[0]);
    }
    // No-show learners emit no activity event at all.
    for (const char* f : {"authorization.csv", "activity_history_viewed.csv", "exercise_results.csv", "webinars_logs.csv"}) {
        int idf = std::string(f) == "exercise_results.csv" ? 2 : 0;
        for (const auto& l : lines_of(d.path + "/" + f)) {
            // the id is one of the first three fields, none of them quoted
            size_t from = 0;
            for (int k = 0; k < idf; ++k) from = l.find(',', from) + 1;
            std::string id = l.substr(from, l.find(',', from) - from);
            ASSERT_EQ(silent.count(id), 0u) << f << ": " << l;
        }
    }
}

TEST(Gen1t, CatalogMatchesTheSeed) {
    Catalog cat = build_catalog(42);
    std::set<int> ids;
    std::set<std::string> types;
    for (const auto& c : cat.courses) {
        ids.insert(c.course_id);
        EXPECT_GE(c.tasks.back().open_day, 190);
        EXPECT_FALSE(c.m2_attestation.empty());
        for (const auto& a : c.activities) {
            types.insert(a.type);
            if (a.attestation) {
                EXPECT_EQ(a.module, 2);
            }
            EXPECT_GE(c.tasks[static_cast<size_t>(a.task)].deadline_ts, c.tasks[static_cast<size_t>(a.task)].open_ts);
        }
        EXPECT_EQ(c.opened_prefix[kHorizonDays], static_cast<int>(c.activities.size()));
    }
    EXPECT_EQ(ids, (std::set<int>{3, 49, 71, 77}));
    for (const char* t : {"slide", "exercise", "question", "interactive", "CodeExercise", "webinar", ""})
        EXPECT_EQ(types.count(t), 1u) << t;
}

// The learner simulation counts the open activities by binary search: that
// needs their opening times to be non-decreasing in course order.
TEST(Gen1t, ActivitiesOpenInCourseOrder) {
    for (unsigned long long seed : {1ULL, 7ULL, 42ULL}) {
        Catalog cat = build_catalog(seed);
        for (const auto& c : cat.courses)
            for (size_t i = 1; i < c.activities.size(); ++i)
                EXPECT_LE(c.tasks[static_cast<size_t>(c.activities[i - 1].task)].open_ts,
                          c.tasks[static_cast<size_t>(c.activities[i].task)].open_ts)
                    << "course " << c.course_id << " activity " << i;
    }
}

TEST(Gen1t, RejectsBadOptions) {
    TmpDir d("opt");
    Options o;
    o.learners = -1;
    EXPECT_THROW(generate(o, d.path), ls::Error);
    o.learners = 10;
    o.malformed_rate = -0.1;
    EXPECT_THROW(generate(o, d.path), ls::Error);
    o.malformed_rate = 0;
    EXPECT_THROW(generate(o, "/proc/no/such/dir"), ls::Error);
    Summary s = generate(o, d.path);  // zero malformed, ten learners
    EXPECT_EQ(s.learners, 10);
}

// --contact-flows all (docs/generator-1t.md "Every flow"): deterministic, every flow has
// assignments, contact_assignments.csv is the truth's contacted and holdout learners, and
// the last flow's truth lines are those of --contact-flows last.
TEST(Gen1t, ContactsInEveryFlow) {
    TmpDir last("cl"), all("ca"), again("cb");
    Options o;
    o.learners = 1200;
    o.seed = 4;
    o.malformed_rate = 0;
    o.flows = 3;
    o.contacts = true;
    generate(o, last.path);
    EXPECT_FALSE(fs::exists(last.path + "/contact_assignments.csv"));
    o.contact_all_flows = true;
    Summary s = generate(o, all.path);
    generate(o, again.path);
    for (const char* f : {"contact_assignments.csv", "contacts.csv", "users.csv", "_truth/contacts_truth.csv"})
        EXPECT_EQ(slurp(all.path + "/" + f), slurp(again.path + "/" + f)) << f;
    auto truth = lines_of(all.path + "/_truth/contacts_truth.csv");
    auto assign = lines_of(all.path + "/contact_assignments.csv");
    ASSERT_EQ(assign.at(0), "userID,assignedOn,arm,tutor");
    ASSERT_EQ(assign.size(), truth.size());
    EXPECT_EQ(static_cast<long long>(truth.size()) - 1, s.contacted + s.holdout);
    std::set<std::string> flows;
    std::vector<std::string> f, g, last_flow;
    for (size_t i = 1; i < truth.size(); ++i) {
        ASSERT_TRUE(split_csv(truth[i], f));
        ASSERT_TRUE(split_csv(assign[i], g));
        flows.insert(f[2]);
        if (f[2] == "3") last_flow.push_back(truth[i]);
        EXPECT_EQ(g[0], f[0]);
        EXPECT_EQ(g[1], f[4].substr(8, 2) + "." + f[4].substr(5, 2) + "." + f[4].substr(0, 4)) << assign[i];
        EXPECT_EQ(g[2], f[3] == "contacted" ? "contact" : "holdout");
        EXPECT_EQ(g[3], f[5]);
    }
    EXPECT_EQ(flows, (std::set<std::string>{"1", "2", "3"}));
    auto last_truth = lines_of(last.path + "/_truth/contacts_truth.csv");
    EXPECT_EQ(std::vector<std::string>(last_truth.begin() + 1, last_truth.end()), last_flow);

    Options bad;
    bad.learners = 10;
    bad.contact_all_flows = true;  // without contacts
    EXPECT_THROW(generate(bad, all.path), ls::Error);
}

TEST(Gen1t, CsvQuoting) {
    std::string s;
    append_csv_field(s, "a,b");
    s += '|';
    append_csv_field(s, "say \"hi\"");
    s += '|';
    append_csv_field(s, "plain");
    EXPECT_EQ(s, "\"a,b\"|\"say \"\"hi\"\"\"|plain");
}
