// Demo step 300: per-week learner models (dropout, completion, m2_progress)
// trained inside the database, their held-out metrics week by week (as in
// the 1T scoring specification), and the top of the at-risk contact list with reasons (the at-risk ranking brief).
#include <chrono>
#include <cstdio>

#include "cli/demo/demo.h"
#include "cli/load/loader.h"

namespace lscli {
namespace {

bool relation_has_rows(PgConn& conn, const std::string& rel) {
    auto r = conn.query("SELECT to_regclass($1) IS NOT NULL", {rel});
    if (r.get(0, 0) != "t") return false;
    return conn.query("SELECT EXISTS (SELECT 1 FROM " + rel + ")").get(0, 0) == "t";
}

void demo_models(DemoContext& ctx) {
    const std::string s = ctx.conn.ident(ctx.schema);
    // Earlier steps load the cohort and build learner_daily; do it here when they did not.
    if (!relation_has_rows(ctx.conn, s + ".users")) {
        LoadOptions lo;
        lo.progress = false;
        lo.out = nullptr;
        LoadSummary ls = load_directory(ctx.conn, ctx.workdir, ctx.schema, lo);
        std::printf("   (loaded %lld rows of %s into %s)\n", ls.loaded(), ctx.workdir.c_str(), ctx.schema.c_str());
    }
    if (!relation_has_rows(ctx.conn, s + ".learner_daily")) {
        ctx.conn.exec("CALL learnerscore.refresh_learner_daily(" + ctx.conn.literal(ctx.schema) + ")");
        std::printf("   (materialized %s.learner_daily)\n", ctx.schema.c_str());
    }
    auto t0 = std::chrono::steady_clock::now();
    ctx.conn.exec("CALL learnerscore.train_learner_models(" + ctx.conn.literal(ctx.schema) + ", 10)");
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto n = ctx.conn.query("SELECT count(*) FROM learnerscore.models WHERE name LIKE $1", {ctx.schema + ".%"});
    std::printf("   Trained %s XGBoost models in %.1f s (CALL learnerscore.train_learner_models('%s')): for each week\n"
                "   k = 1..10, dropout (ends asleep or does not complete module 2), completion (m2_attestation >= 50 and\n"
                "   m2_progress >= 50) and m2_progress, on the leak-free features of weeks 1..k. Metrics are on courses\n"
                "   the model did not train on (leave-one-course-out), from %s.learner_model_metrics_latest:\n\n",
                n.get(0, 0).c_str(), secs, ctx.schema.c_str(), ctx.schema.c_str());
    print_table(ctx.conn.query(
        "SELECT week,"
        " round(max(auc) FILTER (WHERE target = 'dropout')::numeric, 3) AS dropout_auc,"
        " round(max(brier) FILTER (WHERE target = 'dropout')::numeric, 3) AS dropout_brier,"
        " round(max(calibration_error) FILTER (WHERE target = 'dropout')::numeric, 3) AS dropout_ece,"
        " round(max(auc) FILTER (WHERE target = 'completion')::numeric, 3) AS completion_auc,"
        " round(max(brier) FILTER (WHERE target = 'completion')::numeric, 3) AS completion_brier,"
        " round(max(mae) FILTER (WHERE target = 'm2_progress')::numeric, 2) AS m2_progress_mae"
        " FROM " + s + ".learner_model_metrics_latest GROUP BY week ORDER BY week"));
    std::printf("\n   (the 1T scoring specification's random forests: m2_progress MAE 7.99 at week 1 falling to 2.86 at week 10, on its own data)\n"
                "   ECE (expected calibration error): the mean gap between predicted probability and observed share over\n"
                "   probability bins, weighted by bin size; 0.03 = the probabilities are off by 3 points on average.\n");
    // Score once and store the snapshot: the lists below and the report read it, as dashboards do.
    t0 = std::chrono::steady_clock::now();
    auto stored = ctx.conn.query("SELECT learnerscore.store_learner_scores($1)", {ctx.schema});
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("\n   SELECT learnerscore.store_learner_scores('%s'): scored %s learners once in %.1f s and stored the snapshot in\n"
                "   %s.learner_score_history; dashboards read %s.learner_scores_latest (docs/bi.md) instead of re-scoring.\n",
                ctx.schema.c_str(), stored.get(0, 0).c_str(), secs, ctx.schema.c_str(), ctx.schema.c_str());
    std::printf("\n   Contact first (SELECT ... FROM %s.learner_scores_latest WHERE risk_rank <= 3), per course:\n\n",
                ctx.schema.c_str());
    const std::string reasons = " concat_ws('; ', reason_1, reason_2, reason_3) AS top_reasons";
    print_table(ctx.conn.query(
        "SELECT course_id, risk_rank AS rank, user_id, status, band, round(dropout_probability::numeric, 3) AS p_dropout,"
        " round(completion_probability::numeric, 3) AS p_complete, round(predicted_m2_progress::numeric, 1) AS m2_progress," +
        reasons + " FROM " + s + ".learner_scores_latest WHERE risk_rank <= 3 ORDER BY course_id, risk_rank, user_id"), 40);
    std::printf("\n   Still reachable (WHERE reachable: not asleep), highest dropout risk first:\n\n");
    print_table(ctx.conn.query(
        "SELECT course_id, risk_rank AS rank_in_course, user_id, status, band, round(dropout_probability::numeric, 3) AS p_dropout," +
        reasons + " FROM " + s + ".learner_scores_latest WHERE reachable ORDER BY dropout_probability DESC, user_id LIMIT 8"));
    auto st = ctx.conn.query(
        "SELECT count(*) FILTER (WHERE dropout_probability >= 0.5), count(*) FROM " + s + ".learner_scores_latest");
    std::printf("\n   %s of %s learners have a dropout probability of 0.5 or more.\n", st.get(0, 0).c_str(),
                st.get(0, 1).c_str());
}

DemoStepRegistrar reg(300, "Learner models in the database: per-week metrics and the at-risk list", &demo_models);

}  // namespace
}  // namespace lscli
