// Demo step 120: the online-status filter and the analyst views on the cohort
// loaded by step 110 — the filter's counts, a few rows of m_course_params and
// the size of dataset_h with the time PostgreSQL takes to produce it (from its
// cache, and live).
#include <chrono>
#include <cstdio>
#include <string>

#include "cli/demo/demo.h"

namespace lscli {
namespace {

void demo_views(DemoContext& ctx) {
    const std::string s = ctx.conn.ident(ctx.schema);
    auto exists = ctx.conn.query("SELECT to_regclass($1) IS NOT NULL", {s + ".m_online_students"});
    if (exists.get(0, 0) != "t") {
        std::printf("   schema %s has no learning views (no load step ran); nothing to show\n", ctx.schema.c_str());
        return;
    }
    std::printf("   online-status filter (learners by learning format at their course start, from the tag log):\n");
    print_table(ctx.conn.query(
        "SELECT count(*) AS learners,"
        "       count(*) FILTER (WHERE learning_format = 'online')  AS online,"
        "       count(*) FILTER (WHERE learning_format = 'offline') AS offline,"
        "       count(*) FILTER (WHERE learning_format IS NULL)     AS unknown"
        "  FROM " + s + ".m_online_students"));

    std::printf("   m_course_params (first rows):\n");
    print_table(ctx.conn.query(
        "SELECT course_id, name, min_date_shown::date AS first_day, max_date_shown::date AS last_day, num_tasks,"
        "       num_activity, num_attestation_activity, num_webinar, num_exercise, num_codeexercise, num_slide"
        "  FROM " + s + ".m_course_params ORDER BY course_id LIMIT 5"));

    auto timed_count = [&](const std::string& rel, std::string& rows) {
        auto t0 = std::chrono::steady_clock::now();
        rows = ctx.conn.query("SELECT count(*) FROM " + s + "." + rel).get(0, 0);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    std::string rows;
    double secs = timed_count("dataset_h", rows);
    std::printf("   dataset_h: %s rows (online learner x scheduled activity x views x results) in %.2f s\n",
                rows.c_str(), secs);
    // With a cache (the load refreshed it): what the live query costs, i.e. a stale cache.
    auto cache = ctx.conn.query("SELECT to_regclass($1) IS NOT NULL", {s + ".analyst_view_cache"});
    if (cache.get(0, 0) == "t") {
        auto st = ctx.conn.query("SELECT fresh FROM " + s + ".analyst_view_cache WHERE view_name = 'dataset_h'");
        bool fresh = st.rows() == 1 && st.get(0, 0) == "t";
        if (fresh) {
            double live = timed_count("dataset_h_live", rows);
            std::printf("   (read from its cache, refreshed by the load; the live query dataset_h_live takes %.2f s)\n", live);
        } else {
            std::printf("   (its cache is stale, so this was the live query; see docs/views.md)\n");
        }
    }
}

DemoStepRegistrar step(120, "Online-status filter and analyst views (m_online_students, m_course_params, dataset_h)",
                       &demo_views);

}  // namespace
}  // namespace lscli
