// The data of `learnerscore report`: one JSON object built by PostgreSQL (json_build_object /
// json_agg) per section, read-only apart from temporary tables, then inlined into the page
// (report_html.cpp). Every section is optional: a schema without models has no model section.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/report/report.h"
#include "cli/report/report_assets.h"
#include "core/base/version.h"

namespace lscli {
namespace {

class Progress {
public:
    explicit Progress(bool quiet) : quiet_(quiet), t0_(std::chrono::steady_clock::now()) {}
    void step(const char* what) {
        finish();
        if (quiet_) return;
        std::fprintf(stderr, "report: %s ...", what);
        std::fflush(stderr);
        open_ = true;
        ts_ = std::chrono::steady_clock::now();
    }
    void finish() {
        if (!open_) return;
        open_ = false;
        std::fprintf(stderr, " %.1f s\n", secs(ts_));
    }
    double total() const { return secs(t0_); }

private:
    static double secs(std::chrono::steady_clock::time_point t) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    }
    bool quiet_;
    bool open_ = false;
    std::chrono::steady_clock::time_point t0_, ts_;
};

std::string one(PgConn& c, const std::string& sql, const std::vector<std::string>& params = {}) {
    auto r = c.query(sql, params);
    if (r.rows() != 1 || r.is_null(0, 0)) return "null";
    return r.get(0, 0);
}

bool has_rel(PgConn& c, const std::string& qualified) {
    return c.query("SELECT to_regclass($1) IS NOT NULL", {qualified}).get(0, 0) == "t";
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::invalid_argument("cannot read " + path);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void copy_csv(PgConn& c, const std::string& copy_sql, const std::string& data) {
    bool sent = false;
    c.copy_in(copy_sql, [&](const PgConn::Sink& sink) {
        if (sent) return false;
        sink(data.data(), data.size());
        sent = true;
        return true;
    });
}

// The kind of a reject reason: the reason without the offending value ("user_id: not an integer:
// \"#1060\"" -> "user_id: not an integer: \"…\""), field counts and out-of-range dates grouped.
// tests/e2e/report_browser.sh groups the same way.
const char* kRejectKind =
    "regexp_replace(regexp_replace(regexp_replace(reason, '\"[^\"]*\"?', '\"…\"', 'g'),"
    " 'expected [0-9]+ fields, found [0-9]+', 'wrong number of fields'),"
    " ' (hour|day|month|minute|second) [0-9]+ out of range.*$', ' date/time out of range')";

// Load: the files of load_log and the rejects by kind of reason (the 12 most frequent, then "other").
std::string load_section(PgConn& c, const std::string& s) {
    if (!has_rel(c, s + ".load_log")) return "null";
    return one(c, "SELECT json_build_object("
                  " 'files', (SELECT coalesce(json_agg(json_build_object('file', file, 'table', table_name,"
                  "   'lines', lines_read, 'loaded', loaded, 'rejected', rejected) ORDER BY file), '[]') FROM " + s + ".load_log),"
                  " 'rejects', (SELECT coalesce(json_agg(json_build_object('reason', kind, 'n', n) ORDER BY rn), '[]')"
                  "   FROM (SELECT CASE WHEN rn <= 12 THEN kind ELSE 'other' END AS kind, sum(n) AS n, least(rn, 13) AS rn"
                  "           FROM (SELECT kind, n, row_number() OVER (ORDER BY n DESC, kind) AS rn"
                  "                   FROM (SELECT " + std::string(kRejectKind) + " AS kind, count(*) AS n"
                  "                           FROM " + s + ".load_rejects GROUP BY 1) k) r"
                  "          GROUP BY 1, 3) g),"
                  " 'rejects_total', (SELECT count(*) FROM " + s + ".load_rejects))");
}

// Activity status at the end of every course week up to the as-of date, per course; and the
// planted state on the same days when a generator's truth folder is given.
std::string status_section(PgConn& c, const std::string& s, const std::string& as_of, const std::string& truth_dir,
                           Progress& p) {
    if (!has_rel(c, s + ".learner_activity")) return "null";
    const std::string weeks =
        "WITH st AS (SELECT course_id, min(date_shown)::date AS d0 FROM " + s + ".schedule"
        "             WHERE isfinite(date_shown) GROUP BY course_id),"
        " days AS (SELECT st.course_id, w AS week, st.d0 + 7 * w - 1 AS d FROM st,"
        "          generate_series(1, greatest(1, (($1::date - (SELECT min(d0) FROM st)) + 1) / 7)) w"
        "          WHERE st.d0 + 7 * w - 1 <= $1::date)";
    std::string weekly = one(c, weeks +
        " SELECT coalesce(json_agg(json_build_object('course_id', x.course_id, 'week', x.week, 'date', x.d,"
        "   'active', x.active, 'falling_asleep', x.falling_asleep, 'asleep', x.asleep) ORDER BY x.course_id, x.week), '[]')"
        " FROM (SELECT d.course_id, d.week, d.d,"
        "        count(*) FILTER (WHERE a.status = 'active') AS active,"
        "        count(*) FILTER (WHERE a.status = 'falling_asleep') AS falling_asleep,"
        "        count(*) FILTER (WHERE a.status = 'asleep') AS asleep"
        "   FROM days d JOIN " + s + ".users u ON u.course_id = d.course_id"
        "   JOIN " + s + ".learner_activity a ON a.user_id = u.user_id AND a.cur_date = d.d"
        "  GROUP BY d.course_id, d.week, d.d) x", {as_of});
    std::string thresholds = one(c, "SELECT json_build_object('falling_asleep_days', falling_asleep_days, 'asleep_days', asleep_days)"
                                    " FROM " + s + ".learner_daily_refresh ORDER BY refreshed_at DESC LIMIT 1");
    std::string truth = "null";
    std::string spells = truth_dir.empty() ? "" : truth_dir + "/state_spells.csv";
    if (!spells.empty()) {
        if (!std::filesystem::exists(spells)) throw std::invalid_argument("--truth: no state_spells.csv in " + truth_dir);
        p.step("reading the planted states (--truth)");
        c.exec("DROP TABLE IF EXISTS pg_temp.report_spells;"
               "CREATE TEMP TABLE report_spells (user_id text, state text, from_date date, to_date date)");
        copy_csv(c, "COPY pg_temp.report_spells FROM STDIN CSV HEADER", read_file(spells));
        truth = one(c, weeks +
            " SELECT coalesce(json_agg(json_build_object('course_id', x.course_id, 'week', x.week,"
            "   'active', x.active, 'falling_asleep', x.falling_asleep, 'asleep', x.asleep) ORDER BY x.course_id, x.week), '[]')"
            " FROM (SELECT d.course_id, d.week,"
            "        count(*) FILTER (WHERE t.state = 'active') AS active,"
            "        count(*) FILTER (WHERE t.state = 'falling_asleep') AS falling_asleep,"
            "        count(*) FILTER (WHERE t.state = 'asleep') AS asleep"
            "   FROM days d JOIN " + s + ".users u ON u.course_id = d.course_id"
            "   JOIN pg_temp.report_spells t ON t.user_id = u.user_id::text AND d.d BETWEEN t.from_date AND t.to_date"
            "  GROUP BY d.course_id, d.week) x", {as_of});
    }
    return "{\"weeks\":" + weekly + ",\"truth\":" + truth + ",\"thresholds\":" + thresholds + "}";
}

// Critical points up to the as-of date: the ten tasks per course where most learners moved into asleep.
std::string critical_section(PgConn& c, const std::string& s, const std::string& as_of) {
    if (!has_rel(c, s + ".learner_critical_points")) return "null";
    return one(c,
        "WITH cohort AS (SELECT course_id, count(*) AS learners FROM " + s + ".users GROUP BY course_id),"
        " names AS (SELECT DISTINCT ON (course_id, task_id) course_id, task_id, exercise FROM " + s + ".activities_guide"
        "           ORDER BY course_id, task_id, activity_id),"
        " p AS (SELECT course_id, module, task_id,"
        "              count(DISTINCT user_id) FILTER (WHERE status = 'falling_asleep') AS falling_asleep,"
        "              count(DISTINCT user_id) FILTER (WHERE status = 'asleep') AS asleep"
        "         FROM " + s + ".learner_critical_points WHERE task_id IS NOT NULL AND moved_on <= $1::date"
        "        GROUP BY course_id, module, task_id),"
        " r AS (SELECT p.*, row_number() OVER (PARTITION BY course_id ORDER BY asleep DESC, falling_asleep DESC, task_id) AS rn FROM p)"
        " SELECT coalesce(json_agg(json_build_object('course_id', r.course_id, 'module', r.module, 'task_id', r.task_id,"
        "   'task', n.exercise, 'falling_asleep', r.falling_asleep, 'asleep', r.asleep, 'learners', c.learners)"
        "   ORDER BY r.course_id, r.rn), '[]')"
        " FROM r JOIN cohort c USING (course_id) LEFT JOIN names n USING (course_id, task_id) WHERE r.rn <= 10",
        {as_of});
}

// Scores: read once into a temporary table (the live view re-scores every learner per read).
std::string scores_section(PgConn& c, const std::string& s, const std::string& as_of, bool as_of_given, const std::string& lang,
                           Progress& p) {
    std::string source;
    std::string snapshot_as_of = "null";
    if (has_rel(c, s + ".learner_score_history") &&
        c.query("SELECT EXISTS (SELECT 1 FROM " + s + ".learner_score_history WHERE as_of <= $1::date)", {as_of}).get(0, 0) == "t") {
        p.step("reading the stored score snapshot");
        c.exec("DROP TABLE IF EXISTS pg_temp.report_scores");
        c.exec("CREATE TEMP TABLE report_scores AS SELECT h.* FROM " + s + ".learner_score_history h"
               " WHERE h.scored_at = (SELECT max(scored_at) FROM " + s + ".learner_score_history"
               "                       WHERE as_of = (SELECT max(as_of) FROM " + s + ".learner_score_history WHERE as_of <= " +
               c.literal(as_of) + "::date))");
        source = "snapshot";
    } else if (has_rel(c, s + ".learner_scores")) {
        p.step("scoring every learner live (learner_scores; SELECT learnerscore.store_learner_scores(schema) stores a snapshot the report reads instantly)");
        // The reasons in the report's language (learnerscore.language, 0.2.0; the library is loaded first so
        // that the setting exists; an older extension has none and keeps its reasons).
        if (one(c, "SELECT to_regproc('learnerscore.reason_sentence') IS NOT NULL") == "t") {
            c.exec("SELECT learnerscore.version()");
            c.query("SELECT set_config('learnerscore.language', $1, false)", {lang});
        }
        c.exec("DROP TABLE IF EXISTS pg_temp.report_scores; CREATE TEMP TABLE report_scores AS SELECT * FROM " + s + ".learner_scores");
        source = as_of_given ? "live-latest" : "live";
    } else {
        return "null";
    }
    auto cols = c.query("SELECT attname FROM pg_attribute WHERE attrelid = 'pg_temp.report_scores'::regclass AND attnum > 0 AND NOT attisdropped");
    bool has_band = false, has_arr = false, has_r1 = false, has_asof = false;
    // The thresholds of the settings learnerscore.risk_band_high / _medium (0.7 / 0.4 when unset or absent),
    // for a view without a band column, and for the page's text.
    const std::string band_high = one(c, "SELECT coalesce(nullif(current_setting('learnerscore.risk_band_high', true), '')::float8, 0.7)");
    const std::string band_medium = one(c, "SELECT coalesce(nullif(current_setting('learnerscore.risk_band_medium', true), '')::float8, 0.4)");
    for (int i = 0; i < cols.rows(); ++i) {
        auto n = cols.get(i, 0);
        has_band |= n == "band";
        has_arr |= n == "top_reasons";
        has_r1 |= n == "reason_1";
        has_asof |= n == "as_of";
    }
    const std::string band = has_band ? "band::text"
: "CASE WHEN dropout_probability >= " + band_high + " THEN 'high' WHEN dropout_probability >= " + band_medium +
                                        " THEN 'medium' WHEN dropout_probability IS NOT NULL THEN 'low' END";
    const std::string reasons = has_r1 ? "array_remove(ARRAY[reason_1::text, reason_2::text, reason_3::text], NULL)"
                                       : has_arr ? "top_reasons" : "ARRAY[]::text[]";
    if (has_asof) snapshot_as_of = one(c, "SELECT to_json(max(as_of)) FROM pg_temp.report_scores");
    p.step("summarizing the scores");
    c.exec("ALTER TABLE pg_temp.report_scores ADD COLUMN report_band text; UPDATE pg_temp.report_scores SET report_band = " + band);
    std::string bands = one(c,
        "SELECT coalesce(json_agg(json_build_object('course_id', course_id, 'band', report_band, 'n', n) ORDER BY course_id, report_band), '[]')"
        " FROM (SELECT course_id, report_band, count(*) AS n FROM pg_temp.report_scores GROUP BY 1, 2) b");
    std::string contacts = one(c,
        "SELECT coalesce(json_agg(json_build_object('course_id', course_id, 'rank', risk_rank, 'user_id', user_id, 'status', status,"
        "   'p_dropout', round(dropout_probability::numeric, 3), 'p_complete', round(completion_probability::numeric, 3),"
        "   'band', report_band, 'reasons', " + reasons + ") ORDER BY dropout_probability DESC, user_id), '[]')"
        " FROM (SELECT * FROM pg_temp.report_scores WHERE status IS DISTINCT FROM 'asleep'"
        "        ORDER BY dropout_probability DESC, user_id LIMIT 25) t");
    std::string reliability = "null";
    if (has_rel(c, s + ".learner_targets"))
        reliability = one(c,
            "SELECT coalesce(json_agg(json_build_object('bin', bin, 'n', n, 'predicted', round(predicted::numeric, 4),"
            "   'observed', round(observed::numeric, 4)) ORDER BY bin), '[]')"
            " FROM (SELECT least(9, floor(sc.dropout_probability * 10))::int AS bin, count(*) AS n,"
            "              avg(sc.dropout_probability) AS predicted, avg(t.dropout) AS observed"
            "         FROM pg_temp.report_scores sc JOIN " + s + ".learner_targets t USING (user_id)"
            "        WHERE sc.dropout_probability IS NOT NULL GROUP BY 1) r");
    std::string totals = one(c,
        "SELECT json_build_object('learners', count(*), 'reachable', count(*) FILTER (WHERE status IS DISTINCT FROM 'asleep'),"
        " 'high', count(*) FILTER (WHERE report_band = 'high'), 'band_source', " + std::string(has_band ? "'view'" : "'report'") +
        ", 'band_high', " + band_high + "::float8, 'band_medium', " + band_medium + "::float8" +
        ") FROM pg_temp.report_scores");
    return "{\"source\":\"" + source + "\",\"as_of\":" + snapshot_as_of + ",\"bands\":" + bands + ",\"contacts\":" + contacts +
           ",\"reliability\":" + reliability + ",\"totals\":" + totals + "}";
}

std::string metrics_section(PgConn& c, const std::string& s) {
    if (!has_rel(c, s + ".learner_model_metrics")) return "null";
    // The metrics are appended per training run: the latest run's, where runs are kept.
    const std::string rel = has_rel(c, s + ".learner_model_metrics_latest") ? s + ".learner_model_metrics_latest"
                                                                            : s + ".learner_model_metrics";
    return one(c,
        "SELECT coalesce(json_agg(json_build_object('week', week, 'target', target, 'auc', round(auc::numeric, 4),"
        " 'brier', round(brier::numeric, 4), 'ece', round(calibration_error::numeric, 4), 'mae', round(mae::numeric, 3),"
        " 'rmse', round(rmse::numeric, 3), 'rows', rows, 'validation', validation) ORDER BY target, week), '[]')"
        " FROM " + rel + " WHERE week IS NOT NULL");
}

std::string effects_section(PgConn& c, const std::string& t, const std::string& truth_dir, Progress& p) {
    if (!has_rel(c, t + ".course_verdicts")) return "null";
    std::string rows = one(c,
        "SELECT coalesce(json_agg(json_build_object('course_id', v.course_id, 'title', v.title, 'kpi', v.kpi, 'method', v.method,"
        " 'estimate', round(v.estimate::numeric, 3), 'ci_low', round(v.ci_low::numeric, 3), 'ci_high', round(v.ci_high::numeric, 3),"
        " 'verdict', v.verdict, 'mue', v.min_useful_effect, 'higher_is_better', ks.higher_is_better, 'ab_n', v.ab_n_per_group)"
        " ORDER BY v.kpi, v.course_id, v.method), '[]')"
        " FROM " + t + ".course_verdicts v JOIN " + t + ".kpi_settings ks USING (kpi)"
        " WHERE v.department = 'ALL' AND v.method IN ('naive', 'aipw', 'iv')");
    std::string truth = "null", coverage = "null";
    if (!truth_dir.empty()) {
        std::string f = truth_dir + "/course_effects.csv";
        if (!std::filesystem::exists(f)) throw std::invalid_argument("--courses-truth: no course_effects.csv in " + truth_dir);
        p.step("reading the planted course effects (--courses-truth)");
        c.exec("DROP TABLE IF EXISTS pg_temp.report_effect_truth;"
               "CREATE TEMP TABLE report_effect_truth (course_id int, kpi text, department text, archetype text, true_effect float8)");
        copy_csv(c, "COPY pg_temp.report_effect_truth FROM STDIN CSV HEADER", read_file(f));
        truth = one(c, "SELECT coalesce(json_agg(json_build_object('course_id', course_id, 'kpi', kpi, 'effect', round(e::numeric, 3))"
                       " ORDER BY kpi, course_id), '[]') FROM (SELECT course_id, kpi, avg(true_effect) AS e"
                       " FROM pg_temp.report_effect_truth GROUP BY 1, 2) x");
        coverage = one(c,
            "SELECT coalesce(json_agg(json_build_object('method', method, 'cells', n, 'coverage', round(cov::numeric, 3)) ORDER BY method), '[]')"
            " FROM (SELECT e.method, count(*) AS n, avg((e.ci_low <= t.true_effect AND t.true_effect <= e.ci_high)::int) AS cov"
            "         FROM " + t + ".course_effects e JOIN pg_temp.report_effect_truth t USING (course_id, kpi, department)"
            "        GROUP BY 1) x");
    }
    std::string settings = one(c, "SELECT json_build_object('alpha', alpha, 'power', power) FROM " + t + ".course_effect_settings LIMIT 1");
    return "{\"rows\":" + rows + ",\"truth\":" + truth + ",\"coverage\":" + coverage + ",\"settings\":" + settings + "}";
}

std::string json_str(PgConn& c, const std::string& v) { return one(c, "SELECT to_json($1::text)", {v}); }

}  // namespace

ReportSummary write_report(PgConn& conn, const ReportOptions& opt) {
    if (opt.schema.empty() && opt.courses_schema.empty())
        throw std::invalid_argument("give --schema (a learning schema) and/or --courses-schema (a course-effects schema)");
    if (opt.lang != "en" && opt.lang != "ru") throw std::invalid_argument("--lang must be en or ru, not \"" + opt.lang + "\"");
    if (opt.out.empty()) throw std::invalid_argument("--out FILE is required");
    auto check_schema = [&](const std::string& name, const char* what) {
        if (!name.empty() && conn.query("SELECT to_regnamespace($1) IS NOT NULL", {conn.ident(name)}).get(0, 0) != "t")
            throw std::invalid_argument(std::string(what) + ": schema \"" + name + "\" does not exist");
    };
    check_schema(opt.schema, "--schema");
    if (!opt.truth_dir.empty() && !std::filesystem::exists(opt.truth_dir + "/state_spells.csv"))
        throw std::invalid_argument("--truth: no state_spells.csv in " + opt.truth_dir + " (a 1T generator's _truth/ folder)");
    if (!opt.courses_truth.empty() && !std::filesystem::exists(opt.courses_truth + "/course_effects.csv"))
        throw std::invalid_argument("--courses-truth: no course_effects.csv in " + opt.courses_truth +
                                    " (a courses generator's _truth/ folder)");
    check_schema(opt.courses_schema, "--courses-schema");
    conn.exec("SET client_min_messages = warning");  // no NOTICE of DROP TABLE IF EXISTS on the user's terminal
    Progress p(opt.quiet);
    ReportSummary sum;
    const std::string s = opt.schema.empty() ? "" : conn.ident(opt.schema);
    const std::string t = opt.courses_schema.empty() ? "" : conn.ident(opt.courses_schema);
    // The as-of date: given (validated by PostgreSQL), else the latest materialized day.
    std::string as_of;
    if (!opt.as_of.empty()) {
        try {
            as_of = conn.query("SELECT $1::date::text", {opt.as_of}).get(0, 0);
        } catch (const PgError&) {
            throw std::invalid_argument("--as-of: \"" + opt.as_of + "\" is not a date (YYYY-MM-DD)");
        }
    } else if (!s.empty() && has_rel(conn, s + ".learner_activity")) {
        auto r = conn.query("SELECT max(cur_date)::text FROM " + s + ".learner_activity");
        if (!r.is_null(0, 0)) as_of = r.get(0, 0);
    }
    if (as_of.empty()) as_of = conn.query("SELECT current_date::text").get(0, 0);

    std::string load = "null", status = "null", critical = "null", scores = "null", metrics = "null", effects = "null";
    if (!s.empty()) {
        p.step("reading the load summary");
        load = load_section(conn, s);
        p.step("counting activity status by course week");
        status = status_section(conn, s, as_of, opt.truth_dir, p);
        p.step("finding the critical points");
        critical = critical_section(conn, s, as_of);
        scores = scores_section(conn, s, as_of, !opt.as_of.empty(), opt.lang, p);
        p.step("reading the model metrics");
        metrics = metrics_section(conn, s);
    }
    if (!t.empty()) {
        p.step("reading the course effects");
        effects = effects_section(conn, t, opt.courses_truth, p);
    }
    p.step("writing the HTML");
    std::string meta = "{\"schema\":" + json_str(conn, opt.schema) + ",\"courses_schema\":" + json_str(conn, opt.courses_schema) +
                       ",\"as_of\":" + json_str(conn, as_of) + ",\"as_of_given\":" + (opt.as_of.empty() ? "false" : "true") +
                       ",\"generated_at\":" + one(conn, "SELECT to_json(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'))") +
                       ",\"version\":" + json_str(conn, ls::kVersion) + ",\"echarts\":" + json_str(conn, echarts_version()) +
                       ",\"lang\":\"" + opt.lang + "\"}";
    // The customer's own model figures (the 1T scoring specification's random forests, on its data).
    const std::string baseline = "{\"m2_progress_mae\":[{\"week\":1,\"mae\":7.99},{\"week\":10,\"mae\":2.86}]}";
    std::string data = "{\"meta\":" + meta + ",\"load\":" + load + ",\"status\":" + status + ",\"critical\":" + critical +
                       ",\"scores\":" + scores + ",\"metrics\":" + metrics + ",\"baseline\":" + baseline +
                       ",\"effects\":" + effects + "}";
    std::string title = "learnerscore report" + (opt.schema.empty() ? std::string() : " — " + opt.schema) +
                        (opt.courses_schema.empty() ? std::string() : " / " + opt.courses_schema);
    std::string html = report_html(data, opt.lang, title);
    std::string tmp = opt.out + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) throw std::invalid_argument("cannot write " + opt.out);
        f << html;
        f.close();
        if (!f) throw std::runtime_error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, opt.out);
    p.finish();
    sum.path = std::filesystem::absolute(opt.out).string();
    sum.seconds = p.total();
    return sum;
}

}  // namespace lscli
