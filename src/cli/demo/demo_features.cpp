// Demo step 200: materialize the 39-column daily series and the activity
// status, then show the status distribution week by week and the course tasks
// where most learners drift away (critical points).
#include <chrono>
#include <cstdio>

#include "cli/demo/demo.h"

namespace lscli {
namespace {

void demo_features(DemoContext& ctx) {
    const std::string s = ctx.conn.ident(ctx.schema);
    const std::string lit = ctx.conn.literal(ctx.schema);
    auto have = ctx.conn.query("SELECT to_regclass($1) IS NOT NULL AND EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass($1) AND reltuples <> 0)",
                               {s + ".users"});
    if (have.get(0, 0) != "t") {
        auto any = ctx.conn.query("SELECT to_regclass($1) IS NOT NULL", {s + ".users"});
        if (any.get(0, 0) != "t" || ctx.conn.query("SELECT count(*) FROM " + s + ".users").get(0, 0) == "0") {
            std::printf("   skipped: no learners loaded in schema %s (the load step comes first)\n", ctx.schema.c_str());
            return;
        }
    }
    auto t0 = std::chrono::steady_clock::now();
    ctx.conn.exec("CALL learnerscore.refresh_learner_daily(" + lit + ")");
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto n = ctx.conn.query("SELECT count(*), count(DISTINCT user_id), min(cur_date), max(cur_date) FROM " + s +
                            ".learner_daily");
    std::printf("   CALL learnerscore.refresh_learner_daily('%s'): %s rows (%s learners x days %s .. %s, 39 columns)\n"
                "   computed by the C++ engine from raw events and materialized in %.1f s.\n",
                ctx.schema.c_str(), n.get(0, 0).c_str(), n.get(0, 1).c_str(), n.get(0, 2).c_str(),
                n.get(0, 3).c_str(), secs);

    std::printf("\n   Activity status at the end of each course week (7 / 20 days without activity):\n");
    auto weekly = ctx.conn.query(
        "WITH st AS (SELECT course_id, min(date_shown)::date AS d0 FROM " + s + ".schedule GROUP BY course_id) "
        "SELECT w AS week, count(*) FILTER (WHERE a.status = 'active') AS active, "
        "       count(*) FILTER (WHERE a.status = 'falling_asleep') AS falling_asleep, "
        "       count(*) FILTER (WHERE a.status = 'asleep') AS asleep, "
        "       round(100.0 * count(*) FILTER (WHERE a.status = 'active') / count(*), 1) AS pct_active "
        "  FROM " + s + ".users u JOIN st ON st.course_id = u.course_id "
        "  CROSS JOIN generate_series(1, 30) w "
        "  JOIN " + s + ".learner_activity a ON a.user_id = u.user_id AND a.cur_date = st.d0 + 7 * w - 1 "
        " GROUP BY w ORDER BY w");
    print_table(weekly, 30);

    std::printf("\n   Critical points: the tasks where most learners moved into 'asleep' (share of the course's learners):\n");
    auto crit = ctx.conn.query(
        "SELECT course_id, module, task_id, left(task, 40) AS task, learners_falling_asleep, learners_asleep, "
        "       round(100 * share_asleep, 1) AS pct_asleep "
        "  FROM " + s + ".critical_points WHERE task_id IS NOT NULL "
        " ORDER BY learners_asleep DESC, learners_falling_asleep DESC LIMIT 8");
    print_table(crit, 8);
}

DemoStepRegistrar reg(200, "Learner daily time series, activity status and critical points", &demo_features);

}  // namespace
}  // namespace lscli
