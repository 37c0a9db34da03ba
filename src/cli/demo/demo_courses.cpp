// Demo step 400: which courses change call-centre KPIs (the course-effects brief). Generates
// the courses scenario, loads it, refreshes course_effects and prints the
// verdict table by method (the naive estimate's bias beside IV and AIPW), the
// planted truth, and recommendations for a few employees.
#include <cstdio>
#include <string>

#include "cli/demo/demo.h"
#include "cli/gen/generate.h"
#include "cli/load/loader.h"
#include "core/gen/gen_courses.h"

namespace lscli {
namespace {

void demo_courses(DemoContext& ctx) {
    const std::string dir = ctx.workdir + "/courses";
    const std::string schema = "tk";
    long long employees = ctx.options.get_int("employees", 2000);
    long long courses = ctx.options.get_int("courses", 8);
    std::string cmd = "generate";  // same code path as `learnerscore generate --scenario courses`
    ls::gen::CoursesConfig cfg;
    cfg.employees = static_cast<int>(employees);
    cfg.courses = static_cast<int>(courses);
    cfg.seed = static_cast<std::uint64_t>(ctx.seed < 0 ? -ctx.seed : ctx.seed);
    {
        // write the files through the registered scenario
        std::vector<std::string> args = {"--scenario", "courses", "--employees", std::to_string(employees), "--courses",
                                         std::to_string(courses), "--seed", std::to_string(cfg.seed), "--out", dir,
                                         "--quiet"};
        Options gopt = Options::parse(generate_options(), args);
        find_scenario("courses").generate(gopt, dir);
    }
    std::printf("   Generated %lld employees in 4 departments, %lld courses, random invitations (seed %llu)%s.\n",
                employees, courses, static_cast<unsigned long long>(cfg.seed),
                ctx.workdir_kept ? (" into " + dir).c_str() : "");
    ctx.conn.exec("SET client_min_messages = warning; CALL learnerscore.create_course_effects_schema(" +
                  ctx.conn.literal(schema) + ")");
    LoadOptions lo;
    lo.progress = false;
    lo.out = nullptr;
    LoadSummary s = load_directory(ctx.conn, dir, schema, lo);
    (void)s;
    ctx.conn.exec("SET client_min_messages = error; CALL learnerscore.refresh_course_effects(" + ctx.conn.literal(schema) +
                  "); SET client_min_messages = warning");
    ctx.conn.exec("CREATE TEMP TABLE pg_temp.demo_truth (course_id int, kpi text, department text, archetype text, true_effect float8)");
    {
        std::FILE* f = std::fopen((dir + "/_truth/course_effects.csv").c_str(), "r");
        std::string data;
        char buf[65536];
        size_t n;
        while (f && (n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
        if (f) std::fclose(f);
        bool sent = false;
        ctx.conn.copy_in("COPY pg_temp.demo_truth FROM STDIN CSV HEADER", [&](const PgConn::Sink& sink) {
            if (sent) return false;
            sink(data.data(), data.size());
            sent = true;
            return true;
        });
    }
    std::printf("\n   Effect of each course on customer satisfaction (csat, all departments): planted truth, the naive\n"
                "   difference in means (biased: motivated employees take more courses and score higher anyway),\n"
                "   AIPW (pre-period KPIs, tenure, department) and IV (the random invitation as instrument), 95 %% CI:\n");
    print_table(ctx.conn.query(R"(
        SELECT v.course_id AS course, t.archetype, round(avg(t.true_effect)::numeric, 2) AS truth,
               max(format('%s [%s, %s]', round(v.estimate::numeric, 2), round(v.ci_low::numeric, 2), round(v.ci_high::numeric, 2)))
                   FILTER (WHERE v.method = 'naive') AS naive,
               max(format('%s [%s, %s]', round(v.estimate::numeric, 2), round(v.ci_low::numeric, 2), round(v.ci_high::numeric, 2)))
                   FILTER (WHERE v.method = 'aipw') AS aipw,
               max(format('%s [%s, %s]', round(v.estimate::numeric, 2), round(v.ci_low::numeric, 2), round(v.ci_high::numeric, 2)))
                   FILTER (WHERE v.method = 'iv') AS iv,
               max(v.verdict) FILTER (WHERE v.method = 'iv') AS iv_verdict,
               max(v.min_useful_effect) AS min_useful,
               max(v.ab_n_per_group) FILTER (WHERE v.method = 'iv') AS ab_n
        FROM tk.course_verdicts v
        JOIN pg_temp.demo_truth t ON t.course_id = v.course_id AND t.kpi = v.kpi
        WHERE v.department = 'ALL' AND v.kpi = 'csat'
        GROUP BY v.course_id, t.archetype ORDER BY v.course_id)"));
    std::printf("   min_useful: the smallest benefit worth the course (tk.kpi_settings). recommend = the interval excludes 0\n"
                "   and the estimate reaches it; remove = the whole interval lies below it; inconclusive otherwise, and then\n"
                "   ab_n = employees per group an A/B test needs to detect it (alpha 0.05, power 0.8).\n");
    std::printf("\n   Verdicts by method, all three KPIs (recommend / remove / inconclusive vs the minimal useful effect):\n");
    print_table(ctx.conn.query(R"(
        SELECT course_id AS course, kpi, max(min_useful_effect) AS min_useful,
               max(verdict) FILTER (WHERE method = 'naive') AS naive,
               max(verdict) FILTER (WHERE method = 'regression') AS regression,
               max(verdict) FILTER (WHERE method = 'aipw') AS aipw,
               max(verdict) FILTER (WHERE method = 'iv') AS iv
        FROM tk.course_verdicts WHERE department = 'ALL'
        GROUP BY 1, 2 ORDER BY 1, 2)"), 100);
    std::printf("\n   Mean bias against the planted effect over course x KPI x department cells (csat points / seconds):\n");
    print_table(ctx.conn.query(R"(
        SELECT e.method, round(avg(e.estimate - t.true_effect) FILTER (WHERE e.kpi = 'csat')::numeric, 2) AS bias_csat,
               round(avg(e.estimate - t.true_effect) FILTER (WHERE e.kpi = 'handle_time')::numeric, 1) AS bias_handle_time,
               round(avg((e.ci_low <= t.true_effect AND t.true_effect <= e.ci_high)::int)::numeric, 2) AS coverage
        FROM tk.course_effects e JOIN pg_temp.demo_truth t USING (course_id, kpi, department)
        GROUP BY 1 ORDER BY 1)"));
    std::printf("   coverage: the share of 95 %% intervals that contain the planted effect (about 0.95 for a sound method).\n");
    std::printf("\n   Recommendations (courses not yet finished, department effects shrunk toward the overall effect):\n");
    print_table(ctx.conn.query(R"(
        SELECT e.employee_id, e.department, r.course_id, round(r.score::numeric, 2) AS score, r.title
        FROM (SELECT DISTINCT ON (department) employee_id, department FROM tk.employees ORDER BY department, employee_id) e
        CROSS JOIN LATERAL learnerscore.recommend_courses('tk', e.employee_id, 3) r
        ORDER BY e.department, r.score DESC)"));
    std::printf("\n   A/B design: employees per group to detect +1.5 csat points (sd from the data), and with whole\n"
                "   teams of 10 randomized (ICC 0.05) or a CUPED pre-period covariate:\n");
    print_table(ctx.conn.query(R"(
        SELECT (learnerscore.ab_sample_size('mean', NULL, 1.5, s.sd)).n_control AS per_group,
               (learnerscore.ab_sample_size('mean', NULL, 1.5, s.sd, cluster_size => 10, icc => 0.05)).n_control AS teams_of_10,
               (learnerscore.ab_sample_size('mean', NULL, 1.5, s.sd, cuped_rho => c.correlation)).n_control AS with_cuped,
               round(c.correlation::numeric, 3) AS pre_post_correlation
        FROM (SELECT stddev(csat_post) AS sd FROM tk.employee_profile) s,
             (SELECT (learnerscore.cuped(csat_post, csat_pre)).* FROM tk.employee_profile WHERE csat_pre IS NOT NULL AND csat_post IS NOT NULL) c)"));
    (void)cmd;
}

DemoStepRegistrar reg(400, "Course effects: naive vs AIPW vs IV, verdicts, recommendations (the course-effects brief)", &demo_courses);

}  // namespace
}  // namespace lscli
