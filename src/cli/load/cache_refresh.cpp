#include "cli/load/cache_refresh.h"

#include <chrono>
#include <cstdio>

#include "cli/base/signals.h"
#include "cli/load/load_text.h"

namespace lscli {

using Clock = std::chrono::steady_clock;

// After a successful load: refresh the analyst view caches (m_user_tags_history,
// m_online_students, dataset_h) of a learning schema when one is stale (any
// write to its source tables made it so). Skipped silently when the extension
// has no refresh function (older version) or the schema no cache (not a
// learning schema). A failed refresh leaves dataset_h
// correct (it reads the live query) and is reported, not thrown.
std::string refresh_sql(const PgConn& conn, const std::string& schema) {
    return "SELECT * FROM learnerscore.refresh_analyst_views(" + conn.literal(schema) + ")";
}

CacheRefresh refresh_cache(PgConn& conn, const std::string& schema) {
    CacheRefresh c;
    c.retry = refresh_sql(conn, schema);
    auto has = conn.query(
        "SELECT to_regprocedure('learnerscore.refresh_analyst_views(text)') IS NOT NULL"
        "   AND to_regclass($1) IS NOT NULL", {conn.qualified(schema, "analyst_view_cache")});
    if (has.get(0, 0) != "t") return c;
    // stale_cause 'off: distributed schema' (learnerscore._caches_off_cause()):
    // a schema distributed with Citus has no caches to refresh.
    auto st = conn.query("SELECT bool_and(fresh), bool_and(stale_cause IS NOT DISTINCT FROM 'off: distributed schema') FROM " +
                         conn.qualified(schema, "analyst_view_cache"));
    if (st.rows() == 1 && st.get(0, 0) == "t") {
        c.status = CacheStatus::fresh;
        return c;
    }
    if (st.rows() == 1 && st.get(0, 1) == "t") {
        c.status = CacheStatus::off;
        return c;
    }
    auto t0 = Clock::now();
    try {
        // A session idle in transaction after reading dataset_h would make the
        // refresh (its TRUNCATE) wait forever, and writers and new readers queue
        // behind it: give up after a minute unless the user set lock_timeout.
        // The data is loaded either way and dataset_h stays correct (live).
        conn.exec("BEGIN");
        conn.exec("SELECT CASE WHEN current_setting('lock_timeout') = '0' THEN set_config('lock_timeout', '60s', true) END");
        // Reported: dataset_h's rows (the big cache); every cached view is refreshed.
        auto r = conn.query("SELECT coalesce(sum(row_count) FILTER (WHERE view_name = 'dataset_h'), 0), "
                            "       string_agg(format('%I.%I', $1::text, view_name || '_cache'), ', ') "
                            "  FROM learnerscore.refresh_analyst_views($1)", {schema});
        conn.exec("COMMIT");
        c.rows = std::stoll(r.get(0, 0));
        c.status = CacheStatus::refreshed;
        // Sets the new rows' hint bits and the visibility map now, so the first
        // reader (often a dashboard) does not pay for rewriting the whole cache.
        // Best effort: a VACUUM that cannot run leaves the cache correct.
        try {
            conn.exec("VACUUM " + r.get(0, 1));
        } catch (const PgError&) {
            throw_if_interrupted();
        }
    } catch (const PgError& e) {
        try { conn.exec("ROLLBACK"); } catch (const PgError&) {}
        throw_if_interrupted();
        c.status = CacheStatus::failed;
        c.detail = e.what();
        c.detail = c.detail.substr(0, c.detail.find('\n'));   // the message, not the CONTEXT lines
        if (e.sqlstate() == "55P03")
            c.detail += " (a session holds a lock on a source table or on dataset_h_cache, e.g. idle in transaction;"
                        " retry later with " + refresh_sql(conn, schema) + ")";
    }
    c.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return c;
}

std::string format_cache(const CacheRefresh& c) {
    char buf[160];
    const std::string& how = c.retry;
    if (c.status == CacheStatus::refreshed) {
        std::snprintf(buf, sizeof buf, "dataset_h cache: %s rows in %.1f s", grouped(c.rows).c_str(), c.seconds);
        return buf;
    }
    if (c.status == CacheStatus::fresh) return "dataset_h cache: fresh (its source tables did not change)";
    if (c.status == CacheStatus::off)
        return "dataset_h cache: off (the schema is distributed with Citus: the views read their live queries)";
    if (c.status == CacheStatus::skipped)
        return "dataset_h cache: not refreshed (" + c.detail + "); dataset_h reads the live query until " + how;
    if (c.status == CacheStatus::failed)
        return "dataset_h cache: refresh FAILED, dataset_h reads the live query (correct, slower): " + c.detail;
    return "";
}

}  // namespace lscli
