// The analyst view caches after a load (learnerscore.refresh_analyst_views).
#pragma once
#include <string>

#include "cli/base/pg_conn.h"
#include "cli/load/loader.h"

namespace lscli {

// The SQL that refreshes the caches of `schema` by hand.
std::string refresh_sql(const PgConn& conn, const std::string& schema);

// Refreshes the caches of `schema` when one is stale; see cache_refresh.cpp.
CacheRefresh refresh_cache(PgConn& conn, const std::string& schema);

}  // namespace lscli
