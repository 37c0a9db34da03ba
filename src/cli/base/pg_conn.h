// Thin RAII wrapper over libpq for the CLI: connect, run SQL, stream COPY.
//
// SQL hygiene (docs/loading.md, "What the CLI sends"): right after connecting,
// the session's search_path becomes `pg_catalog, pg_temp`, so no function,
// operator, type or table that someone created in public (or any schema on the
// role's default path) can capture a name in what the CLI sends: CVE-2018-1058
// style, e.g. a public.quote_ident(name) that a superuser's load would run.
// Everything else the CLI sends names its schema (learnerscore.*, the target
// schema quoted with ident()); pg_catalog's objects resolve first.
#pragma once
#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace lscli {

class PgError : public std::runtime_error {
public:
    PgError(const std::string& msg, std::string sqlstate = {}) : std::runtime_error(msg), sqlstate_(std::move(sqlstate)) {}
    const std::string& sqlstate() const { return sqlstate_; }

private:
    std::string sqlstate_;
};

class PgResult {
public:
    explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
    int rows() const { return PQntuples(r_.get()); }
    int cols() const { return PQnfields(r_.get()); }
    std::string name(int c) const { return PQfname(r_.get(), c); }
    bool is_null(int r, int c) const { return PQgetisnull(r_.get(), r, c) != 0; }
    std::string get(int r, int c) const { return PQgetvalue(r_.get(), r, c); }
    std::string cmd_tuples() const { return PQcmdTuples(r_.get()); }
    PGresult* raw() const { return r_.get(); }

private:
    std::shared_ptr<PGresult> r_;
};

class PgConn {
public:
    explicit PgConn(const std::string& dsn);
    ~PgConn();
    PgConn(const PgConn&) = delete;
    PgConn& operator=(const PgConn&) = delete;

    // Quotes an identifier / a literal for SQL text the CLI builds
    // (PQescapeIdentifier / PQescapeLiteral, in the connection's encoding);
    // values that can be parameters are passed as parameters instead.
    std::string ident(const std::string& s) const;
    std::string literal(const std::string& s) const;
    // "schema"."name", each part quoted.
    std::string qualified(const std::string& schema, const std::string& name) const { return ident(schema) + "." + ident(name); }

    // Runs one or more statements; throws PgError on failure.
    void exec(const std::string& sql);
    // Runs a query with text parameters; throws PgError on failure.
    PgResult query(const std::string& sql, const std::vector<std::string>& params = {});

    // COPY ... FROM STDIN: `produce` is called repeatedly with a sink; it
    // returns false when there is no more data.
    using Sink = std::function<void(const char* data, size_t len)>;
    void copy_in(const std::string& copy_sql, const std::function<bool(const Sink&)>& produce);

    PGconn* raw() { return c_; }

private:
    PGconn* c_ = nullptr;
};

// Prints a result as an aligned table (psql style) to stdout.
void print_table(const PgResult& r, size_t max_rows = 50);

}  // namespace lscli
