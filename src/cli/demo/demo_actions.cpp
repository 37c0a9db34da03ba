// Demo step 350: from risk to action (docs/models.md "Scoring the running cohort as of a day" and
// "Uplift: whom does contacting help"; docs/generator-1t.md "Flows", "Contacts", "Every flow").
// Generates a cohort of three flows per course with a randomized contact experiment in every flow
// into <workdir>/flows, loads it into <schema>_flows, and as of the export's cut-off (week 10 of the
// running flow) trains the learner models on the finished flows only, scores the running flow,
// estimates the effect of a contact (randomized holdout, AIPW), trains the contact uplift model and
// prints today's contact list per tutor with the comparison of choosing by expected benefit, by risk
// or at random.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "cli/base/signals.h"
#include "cli/demo/demo.h"
#include "cli/load/loader.h"
#include "core/gen/gen_1t.h"

namespace lscli {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Runs one database call; a failure names the call, then goes up to the demo (which reports it and stops).
template <class F>
auto step_call(const std::string& what, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const PgError& e) {
        throw PgError(what + ": " + e.what(), e.sqlstate());
    }
}

double num(const PgResult& r, int row, int col) { return r.is_null(row, col) ? NAN : std::strtod(r.get(row, col).c_str(), nullptr); }

// Percentage points with a sign: "+0.4", "-5.3", "0.0".
std::string pts(double p) {
    if (std::isnan(p)) return "n/a";
    char b[32];
    if (std::fabs(p) < 0.05) return "0.0";
    std::snprintf(b, sizeof b, "%+.1f", p);
    return b;
}

// 1234567 -> "1,234,567"
std::string thousands(const std::string& digits) {
    std::string out;
    int n = 0;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        if (n && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
        out.insert(out.begin(), *it);
        ++n;
    }
    return out;
}

std::string read_file(const std::string& path) {
    std::string data;
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (!f) return data;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
    std::fclose(f);
    return data;
}

void demo_actions(DemoContext& ctx) {
    PgConn& c = ctx.conn;
    // An extension older than 0.2.0 (a --dsn database) has no scoring as of a day or contact functions.
    auto have = c.query(
        "SELECT to_regprocedure('learnerscore.score_learners(text,date)') IS NOT NULL"
        " AND to_regprocedure('learnerscore.contact_plan(text,date,integer,double precision,integer)') IS NOT NULL"
        " AND to_regprocedure('learnerscore.train_contact_uplift(text,date,text,jsonb)') IS NOT NULL"
        " AND to_regprocedure('learnerscore.contact_effect(text,date)') IS NOT NULL");
    if (have.get(0, 0) != "t") {
        std::printf("   skipped: the installed learnerscore has no score_learners / contact_plan (ALTER EXTENSION learnerscore UPDATE)\n");
        return;
    }
    const std::string schema = ctx.schema + "_flows";
    const std::string s = c.ident(schema);
    const std::string lit = c.literal(schema);
    const std::string dir = ctx.workdir + "/flows";

    // 1. the cohort: 3 flows per course, the export cut off during the last; contacts in every flow
    ls::gen1t::Options g;
    g.learners = ctx.learners;
    g.seed = static_cast<unsigned long long>(ctx.seed < 0 ? -ctx.seed : ctx.seed);
    g.flows = 3;
    g.contacts = true;
    g.contact_all_flows = true;
    g.tutors = 4;
    g.tutor_capacity = 5;
    auto t0 = Clock::now();
    ls::gen1t::Summary gs = ls::gen1t::generate(g, dir);
    double gen_secs = since(t0);
    std::printf("   Generated %lld learners, 3 flows per course %d days apart (learnerscore generate --scenario 1t --flows 3\n"
                "   --contacts --contact-flows all --tutors 4 --tutor-capacity 5, seed %llu) in %.1f s%s. In every flow, %d tutors\n"
                "   per course contact up to %d learners each on days 14, 21, ... of the flow, in a random order, and a random\n"
                "   %.0f %% of the learners is held out (never contacted): %s contacted, %s held out. The export is cut off\n"
                "   %d days after the last flow's start; %lld learners are still running.\n",
                gs.learners, g.flow_gap_days, g.seed, gen_secs, ctx.workdir_kept ? (" into " + dir).c_str() : "", g.tutors,
                g.tutor_capacity, 100 * g.holdout, thousands(std::to_string(gs.contacted)).c_str(),
                thousands(std::to_string(gs.holdout)).c_str(), g.cutoff_day, gs.running);
    throw_if_interrupted();
    t0 = Clock::now();
    LoadOptions lo;
    lo.progress = false;
    lo.out = nullptr;
    lo.refresh = false;  // the analyst view caches are not needed here (the views answer live)
    LoadSummary ls = load_directory(c, dir, schema, lo);
    if (!ls.ok()) {
        std::string msg = "loading " + dir + " into " + schema + " failed:";
        for (const auto& f : ls.files)
            if (f.status == FileStatus::failed) msg += "\n" + format_result(f);
        throw std::runtime_error(msg);
    }
    double load_secs = since(t0);
    t0 = Clock::now();
    // refresh_learner_daily is incremental (only days after the last materialized one): after a reload
    // (a --dsn database that has a cohort of another size from an earlier demo) recompute everything
    bool reloaded = false;
    for (const auto& f : ls.files) reloaded = reloaded || f.status == FileStatus::loaded;
    step_call("refresh_learner_daily", [&] {
        c.exec("CALL learnerscore.refresh_learner_daily(" + lit + (reloaded ? ", full_refresh => true)" : ")"));
    });
    double daily_secs = since(t0);
    auto ld = c.query("SELECT count(*), max(cur_date), (max(cur_date) + 1)::text FROM " + s + ".learner_daily");
    std::printf("   Loaded %s rows into schema %s in %.1f s (learnerscore load);\n"
                "   CALL learnerscore.refresh_learner_daily(%s): %s learner-days up to %s in %.1f s.\n",
                thousands(std::to_string(ls.loaded())).c_str(), schema.c_str(), load_secs, lit.c_str(),
                thousands(ld.get(0, 0)).c_str(), ld.get(0, 1).c_str(), daily_secs);

    // 2. as of the cut-off: the first day without data, the morning after the export
    std::string as_of = c.query("SELECT (date '1970-01-01' + $1::int)::text", {std::to_string(gs.cutoff_ts / 86400)}).get(0, 0);
    const std::string day = c.literal(as_of);
    if (ld.get(0, 2) != as_of)
        std::printf("   (learner_daily ends on %s, not on the day before the cut-off %s)\n", ld.get(0, 1).c_str(), as_of.c_str());
    std::printf("\n   as_of = %s, the cut-off: the export has every event before it, none on or after it. A real platform\n"
                "   is in this position every morning. The flows on that day (contact_assignments: the tutors' log of the\n"
                "   randomized experiment, both arms):\n",
                as_of.c_str());
    print_table(c.query(
        "SELECT lf.flow_num AS flow, count(*) AS learners, min(lf.flow_start) AS first_start, max(lf.flow_end) AS last_end,"
        " CASE WHEN max(lf.flow_end) <= $1::date THEN 'finished'"
        "      ELSE format('running, %s weeks in', ($1::date - min(lf.flow_start) + 1) / 7) END AS on_as_of,"
        " count(*) FILTER (WHERE ca.arm = 'contact') AS contacted, count(*) FILTER (WHERE ca.arm = 'holdout') AS held_out,"
        " count(*) FILTER (WHERE ca.user_id IS NULL) AS not_assigned_yet"
        " FROM " + s + ".learner_flows lf"
        " LEFT JOIN (SELECT DISTINCT ON (user_id) user_id, arm FROM " + s + ".contact_assignments"
        "            WHERE assigned_on < $1::date ORDER BY user_id, assigned_on) ca ON ca.user_id = lf.user_id"
        " GROUP BY 1 ORDER BY 1", {as_of}));
    auto fl = c.query(
        "SELECT string_agg(DISTINCT flow_num::text, ', ' ORDER BY flow_num::text) FILTER (WHERE flow_end <= $1::date),"
        "       max(flow_num) FILTER (WHERE flow_end <= $1::date),"
        "       string_agg(DISTINCT flow_num::text, ', ' ORDER BY flow_num::text) FILTER (WHERE flow_end <= $1::date AND flow_num <"
        "           (SELECT max(flow_num) FROM " + s + ".learner_flows WHERE flow_end <= $1::date)),"
        "       count(*) FILTER (WHERE flow_start <= $1::date AND $1::date < flow_end)"
        " FROM " + s + ".learner_flows", {as_of});
    const std::string finished = fl.get(0, 0), test_flow = fl.get(0, 1), train_flows = fl.get(0, 2), running = fl.get(0, 3);

    // 3. the learner models, trained as of the day: finished flows only
    throw_if_interrupted();
    t0 = Clock::now();
    step_call("train_learner_models(as_of)", [&] {
        c.exec("CALL learnerscore.train_learner_models(" + lit + ", 10, as_of => " + day + ")");
    });
    double train_secs = since(t0);
    auto run = c.query(
        "SELECT r.validation, r.models_deployed, (SELECT count(*) FROM " + s + ".learner_targets),"
        " (SELECT count(*) FROM " + s + ".learner_targets t JOIN " + s + ".learner_flows lf USING (user_id)"
        "   WHERE lf.flow_end > $1::date)"
        " FROM " + s + ".learner_model_runs r ORDER BY r.run_id DESC LIMIT 1", {as_of});
    std::printf("   CALL learnerscore.train_learner_models(%s, 10, as_of => %s): %s XGBoost models (dropout, completion,\n"
                "   m2_progress x weeks 1..10) in %.1f s, learning from the %s learners of the finished flows (%s), whose outcome\n"
                "   is final; %s of the %s running learners were seen (learner_targets).\n",
                lit.c_str(), day.c_str(), run.get(0, 1).c_str(), train_secs, thousands(run.get(0, 2)).c_str(),
                finished.empty() ? "none" : finished.c_str(), run.get(0, 3) == "0" ? "none" : run.get(0, 3).c_str(),
                running.c_str());
    if (run.get(0, 0) == "later-flow")
        std::printf("   Validation = later-flow: a model trained on flow %s is tested on flow %s, as it will be used, on a later\n"
                    "   cohort (%s.learner_model_metrics_latest):\n",
                    train_flows.c_str(), test_flow.c_str(), schema.c_str());
    else
        std::printf("   Validation = %s (%s.learner_model_metrics_latest):\n", run.get(0, 0).c_str(), schema.c_str());
    print_table(c.query(
        "SELECT week, max(rows)::bigint AS test_learners,"
        " round(max(auc) FILTER (WHERE target = 'dropout')::numeric, 3) AS dropout_auc,"
        " round(max(brier) FILTER (WHERE target = 'dropout')::numeric, 3) AS dropout_brier,"
        " round(max(auc) FILTER (WHERE target = 'completion')::numeric, 3) AS completion_auc"
        " FROM " + s + ".learner_model_metrics_latest WHERE week IN (1, 5, 10) GROUP BY week ORDER BY week"));

    // 4. the running flow, scored as of the day
    throw_if_interrupted();
    t0 = Clock::now();
    std::string scored = step_call("score_learners", [&] {
        return c.query("SELECT learnerscore.score_learners($1, $2::date)", {schema, as_of}).get(0, 0);
    });
    double score_secs = since(t0);
    auto bands = c.query(
        "SELECT count(*) FILTER (WHERE band = 'high'), count(*) FILTER (WHERE band = 'medium'),"
        " count(*) FILTER (WHERE band = 'low'), count(*) FILTER (WHERE reachable),"
        " CASE WHEN min(model_week) = max(model_week) THEN 'week ' || min(model_week)"
        "      ELSE format('weeks %s..%s', min(model_week), max(model_week)) END,"
        " coalesce(nullif(current_setting('learnerscore.risk_band_high', true), ''), '0.7'),"
        " coalesce(nullif(current_setting('learnerscore.risk_band_medium', true), ''), '0.4')"
        " FROM " + s + ".learner_scores_latest");
    std::printf("   SELECT learnerscore.score_learners(%s, %s): scored %s running learners in %.1f s, each with the deployed\n"
                "   models of the week it has completed (%s), from its data before %s only; stored as one snapshot in\n"
                "   %s.learner_score_history. Risk bands: %s high (p_dropout >= %s), %s medium (>= %s), %s low; %s are\n"
                "   reachable (not asleep). Highest dropout risk among the reachable (%s.learner_scores_latest):\n",
                lit.c_str(), day.c_str(), scored.c_str(), score_secs, bands.get(0, 4).c_str(), as_of.c_str(), schema.c_str(),
                bands.get(0, 0).c_str(), bands.get(0, 5).c_str(), bands.get(0, 1).c_str(), bands.get(0, 6).c_str(),
                bands.get(0, 2).c_str(), bands.get(0, 3).c_str(), schema.c_str());
    print_table(c.query(
        "SELECT course_id, risk_rank AS rank, user_id, status, round(dropout_probability::numeric, 3) AS p_dropout, reason_1"
        " FROM " + s + ".learner_scores_latest WHERE reachable ORDER BY dropout_probability DESC, user_id LIMIT 5"));

    // 5. does contacting help? the randomized experiment of the finished flows, and the uplift model
    throw_if_interrupted();
    t0 = Clock::now();
    std::string urun = step_call("train_contact_uplift", [&] {
        return c.query("SELECT learnerscore.train_contact_uplift($1, $2::date)", {schema, as_of}).get(0, 0);
    });
    double uplift_secs = since(t0);
    auto eff = step_call("contact_effect", [&] {
        return c.query("SELECT method, estimate * 100, ci_low * 100, ci_high * 100, n_treated, n_control, p_value"
                       " FROM learnerscore.contact_effect($1, $2::date)", {schema, as_of});
    });
    std::printf("   Does contacting help? The finished flows are a randomized experiment: whom the tutors contacted was\n"
                "   decided by a random order, and a random holdout was never contacted. SELECT * FROM\n"
                "   learnerscore.contact_effect(%s, %s), the effect of a contact on the dropout probability:\n",
                lit.c_str(), day.c_str());
    bool diff_sure = false, other_sure = false;
    double diff_lo = NAN, diff_hi = NAN;
    for (int i = 0; i < eff.rows(); ++i) {
        double est = num(eff, i, 1), lo = num(eff, i, 2), hi = num(eff, i, 3);
        const std::string m = eff.get(i, 0);
        const char* label = m == "diff" ? "randomized holdout (difference in means):"
                            : m == "aipw" ? "AIPW (adjusted for the learner's state):" : m.c_str();
        if (std::isnan(est)) {
            std::printf("     %-41s not estimable (an arm is empty)\n", label);
            continue;
        }
        std::printf("     %-41s contacting changes the dropout probability by %s points,\n"
                    "     %-41s 95 %% interval %s to %s\n", label, pts(est).c_str(), "", pts(lo).c_str(), pts(hi).c_str());
        if (m == "diff") diff_lo = lo, diff_hi = hi, diff_sure = hi < 0 || lo > 0;
        else if (hi < 0 || lo > 0) other_sure = true;
    }
    if (eff.rows() > 0)
        std::printf("   (%s learners contacted, %s held out.) %s\n", thousands(eff.get(0, 4)).c_str(), thousands(eff.get(0, 5)).c_str(),
                    diff_sure    ? "The randomized interval excludes 0: on these flows contacting measurably\n"
                                   "   changes dropout."
                    : other_sure ? "Only the AIPW interval excludes 0; the randomized one, which needs no\n"
                                   "   assumption about why learners were contacted, does not: a hint, not yet a measurement."
                                 : "Both intervals include 0: on this many learners the data cannot tell a small\n"
                                   "   benefit from none; more flows with a holdout would.");
    // the synthetic cohort's planted truth: both potential outcomes of every assigned learner
    const std::string truth = read_file(dir + "/_truth/contacts_truth.csv");
    if (!truth.empty()) {
        c.exec("DROP TABLE IF EXISTS pg_temp.demo_contacts_truth; CREATE TEMP TABLE pg_temp.demo_contacts_truth (user_id int,"
               " course_id int, flow_num int, grp text, contact_date date, tutor text, status_at_contact text, wake float8,"
               " hazard float8, dropout_if_contacted int, dropout_if_not int, effect int)");
        bool sent = false;
        c.copy_in("COPY pg_temp.demo_contacts_truth FROM STDIN CSV HEADER", [&](const PgConn::Sink& sink) {
            if (sent) return false;
            sink(truth.data(), truth.size());
            sent = true;
            return true;
        });
        auto pl = c.query(
            "SELECT -100 * avg(t.effect), -100 * avg(t.effect) FILTER (WHERE t.status_at_contact = 'falling_asleep'),"
            " -100 * avg(t.effect) FILTER (WHERE t.status_at_contact = 'active'),"
            " -100 * avg(t.effect) FILTER (WHERE t.status_at_contact = 'asleep')"
            " FROM pg_temp.demo_contacts_truth t JOIN " + s + ".learner_flows lf USING (user_id) WHERE lf.flow_end <= $1::date",
            {as_of});
        double planted = num(pl, 0, 0);
        const char* covered = std::isnan(diff_lo) ? ""
                              : (diff_lo <= planted && planted <= diff_hi) ? " (inside the holdout's interval)"
                                                                           : " (outside the holdout's interval)";
        std::printf("   Planted in this synthetic cohort (both outcomes of every assigned learner, _truth/contacts_truth.csv):\n"
                    "   %s points on average%s; %s for a learner falling asleep on the contact\n"
                    "   day, %s active, %s asleep: a contact helps those who are drifting away, whom the uplift model looks for.\n",
                    pts(planted).c_str(), covered, pts(num(pl, 0, 1)).c_str(), pts(num(pl, 0, 2)).c_str(),
                    pts(num(pl, 0, 3)).c_str());
    }
    auto ur = c.query("SELECT algorithm, validation, training_rows, test_rows, round(qini_uplift::numeric, 3),"
                      " round(qini_risk::numeric, 3) FROM " + s + ".contact_uplift_runs WHERE run_id = $1", {urun});
    std::printf("\n   SELECT learnerscore.train_contact_uplift(%s, %s) in %.1f s: a T-learner (%s, one model per arm) of\n"
                "   the effect of a contact given the learner's state on the morning of the contact day, on %s learners.\n",
                lit.c_str(), day.c_str(), uplift_secs, ur.get(0, 0).c_str(), thousands(ur.get(0, 2)).c_str());
    if (ur.get(0, 1) == "later-flow") {
        double qu = num(ur, 0, 4), qr = num(ur, 0, 5);
        std::printf("   Checked on flow %s (%s learners) with a model of flow %s: Qini coefficient of ranking by expected benefit\n"
                    "   %s, by dropout risk %s (0 = no better than random, higher = finds the learners a contact helps):\n   %s\n",
                    test_flow.c_str(), ur.get(0, 3).c_str(), train_flows.c_str(), ur.get(0, 4).c_str(), ur.get(0, 5).c_str(),
                    qu > qr ? "on this later flow the uplift model ranks better than the risk score."
                            : "on this later flow ranking by risk does as well or better; one flow's holdout is a small check.");
    } else
        std::printf("   No later-flow check: %s.\n", ur.get(0, 1).c_str());

    // 6. today's list
    throw_if_interrupted();
    t0 = Clock::now();
    step_call("contact_plan", [&] {
        c.exec("DROP TABLE IF EXISTS pg_temp.demo_plan; CREATE TEMP TABLE pg_temp.demo_plan AS SELECT * FROM"
               " learnerscore.contact_plan(" + lit + ", " + day + ", capacity => 5, holdout => 0.1, seed => 1) WITH ORDINALITY"
               " AS p(tutor, priority, user_id, course_id, arm, dropout_probability, expected_benefit, status, reason, n)");
    });
    double plan_secs = since(t0);
    auto plan = c.query(
        "SELECT eligible, contacts, held_out, plan_id,"
        " (SELECT count(DISTINCT tutor) FROM pg_temp.demo_plan WHERE arm = 'contact'),"
        " (SELECT string_agg(DISTINCT course_id::text, ', ') FROM pg_temp.demo_plan WHERE arm = 'contact')"
        " FROM " + s + ".contact_plans WHERE as_of = $1::date ORDER BY plan_id DESC LIMIT 1", {as_of});
    std::printf("\n   Today's list, for the tutors on the morning of %s: SELECT * FROM learnerscore.contact_plan(%s, %s,\n"
                "   capacity => 5, holdout => 0.1, seed => 1), in %.1f s.\n",
                as_of.c_str(), lit.c_str(), day.c_str(), plan_secs);
    if (plan.rows() == 0 || plan.get(0, 1) == "0") {
        std::printf("   Nobody to contact today: every running learner was already contacted or held out on an earlier contact\n"
                    "   day (%s.contact_assignments, not_assigned_yet above), so the list is empty and there is no policy\n"
                    "   comparison. (A larger cohort, --learners, leaves learners the tutors have not reached yet.)\n",
                    schema.c_str());
        return;
    }
    std::printf("   Eligible: the %s running learners neither contacted nor assigned on an earlier contact day. Each course's\n"
                "   tutors take those a contact helps most (expected_benefit = the predicted fall of the dropout probability),\n"
                "   5 each; a seeded random 10 %% is held out, so that the effect can be measured again when this flow ends.\n",
                plan.get(0, 0).c_str());
    print_table(c.query(
        "SELECT tutor, priority, user_id, course_id AS course, round(dropout_probability::numeric, 3) AS p_dropout,"
        " round(expected_benefit::numeric, 3) AS expected_benefit, status, reason"
        " FROM pg_temp.demo_plan WHERE arm = 'contact' ORDER BY n LIMIT 10"));
    std::printf("   %s contacts by %s tutors (courses %s), %s eligible learners held out (arm = 'holdout': not contacted today;\n"
                "   both arms are recorded in %s.contact_assignments, plan %s).\n",
                plan.get(0, 1).c_str(), plan.get(0, 4).c_str(), plan.get(0, 5).c_str(), plan.get(0, 2).c_str(), schema.c_str(),
                plan.get(0, 3).c_str());

    // the three ways of choosing as many learners: predicted for today, measured on the later flow
    const std::string pv_sql =
        "WITH p AS (SELECT policy_values AS pv FROM " + s + ".contact_plans WHERE plan_id = $1::bigint),"
        " m AS (SELECT e FROM p, jsonb_array_elements(CASE WHEN jsonb_typeof(p.pv->'measured_on_later_flow') = 'array'"
        "                                             THEN p.pv->'measured_on_later_flow' ELSE '[]' END) e)"
        " SELECT %COLUMNS%"
        " FROM p CROSS JOIN (VALUES (1, 'expected_benefit', 'by expected benefit'), (2, 'risk', 'by dropout risk'),"
        "                          (3, 'random', 'at random')) u(o, policy, label)"
        " LEFT JOIN m ON m.e->>'policy' = u.policy ORDER BY u.o";
    auto with_columns = [&](const std::string& cols) {
        std::string q = pv_sql;
        q.replace(q.find("%COLUMNS%"), 9, cols);
        return q;
    };
    std::printf("\n   Whom to contact: choosing the same %s learners by expected benefit, by risk or at random (%s.contact_plans\n"
                "   .policy_values). predicted_prevented_today: the dropouts the uplift model expects the %s contacts to prevent\n"
                "   among today's eligible learners (its own forecast; the rule that picks by expected benefit maximizes it by\n"
                "   construction). measured_per_100_contacts: on flow %s, whose outcomes are known, dropouts prevented per 100\n"
                "   contacts among the same share of learners each rule picks, contacted vs held out, with the 95 %% interval\n"
                "   (at random: the whole flow's experiment, which any random choice estimates):\n",
                plan.get(0, 1).c_str(), schema.c_str(), plan.get(0, 1).c_str(), test_flow.empty() ? "?" : test_flow.c_str());
    print_table(c.query(with_columns(
        "u.label AS choose, round((p.pv->'predicted_today'->>u.policy)::numeric, 1) AS predicted_prevented_today,"
        " CASE WHEN m.e IS NOT NULL THEN format('%s [%s, %s]', round((m.e->>'dropouts_prevented_per_100')::numeric, 1),"
        "      round((m.e->>'ci_low')::numeric, 1), round((m.e->>'ci_high')::numeric, 1)) END AS measured_per_100_contacts,"
        " CASE WHEN m.e IS NOT NULL THEN format('%s / %s', m.e->>'contacted', m.e->>'held_out') END AS \"contacted / held_out\""),
        {plan.get(0, 3)}));
    auto pv = c.query(with_columns(
        "(m.e->>'dropouts_prevented_per_100')::float8, (m.e->>'ci_low')::float8, (m.e->>'ci_high')::float8,"
        " (m.e->>'selected')::bigint, (m.e->>'learners')::bigint, (m.e->>'held_out')::bigint"), {plan.get(0, 3)});
    if (pv.rows() == 3 && !pv.is_null(0, 0) && !pv.is_null(1, 0)) {
        double b = num(pv, 0, 0), blo = num(pv, 0, 1), bhi = num(pv, 0, 2);
        double rhi = num(pv, 1, 2);
        double width = bhi - blo;
        if (blo > rhi)
            std::printf("   On flow %s, choosing by expected benefit prevented more dropouts than choosing by risk, beyond the\n"
                        "   uncertainty of either.\n", test_flow.c_str());
        else
            std::printf("   Honestly: these intervals are wide (by expected benefit %s to %s per 100 contacts, %.0f points) and\n"
                        "   overlap: the top %s of the %s flow-%s learners by expected benefit hold only %s held-out ones, so one\n"
                        "   later flow cannot tell the rules apart%s, and the prediction for\n"
                        "   today is the model's own forecast. Every flow that keeps a random holdout narrows them.\n",
                        pts(blo).c_str(), pts(bhi).c_str(), width, pv.get(0, 3).c_str(), pv.get(0, 4).c_str(), test_flow.c_str(),
                        pv.get(0, 5).c_str(), b < num(pv, 1, 0) && b < num(pv, 2, 0) ? " (here its estimate is even the lowest)" : "");
    } else {
        std::printf("   No later-flow measurement (no finished flow with both arms to check the rules on).\n");
    }
}

DemoStepRegistrar reg(350, "From risk to action: the running flow as of a day, tomorrow's contacts, and whether contacting helps",
                      &demo_actions);

}  // namespace
}  // namespace lscli
