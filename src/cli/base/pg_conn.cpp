#include "cli/base/pg_conn.h"

#include <algorithm>
#include <cstdio>

#include "cli/base/signals.h"

namespace lscli {

namespace {
[[noreturn]] void throw_result_error(PGresult* r, PGconn* c) {
    std::string state = r ? (PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "") : "";
    std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
    if (r) PQclear(r);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw PgError(msg, state);
}
}  // namespace

PgConn::PgConn(const std::string& dsn) {
    c_ = PQconnectdb(dsn.c_str());
    if (PQstatus(c_) != CONNECTION_OK) {
        std::string msg = PQerrorMessage(c_);
        PQfinish(c_);
        c_ = nullptr;
        throw PgError("cannot connect to PostgreSQL: " + msg);
    }
    PQsetNoticeProcessor(c_, [](void*, const char* m) { std::fprintf(stderr, "%s", m); }, nullptr);
    try {
        // Before anything else runs in the session (the function is named with its schema; the
        // arguments are literals): whatever the role's or database's default search_path, names
        // resolve in pg_catalog and then pg_temp (relations only; functions and operators are
        // never looked up in pg_temp). UTF8 so the escaping below and all the CLI's text agree.
        if (PQsetClientEncoding(c_, "UTF8") != 0) throw PgError(std::string("cannot set client_encoding UTF8: ") + PQerrorMessage(c_));
        exec("SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false)");
    } catch (...) {
        PQfinish(c_);
        c_ = nullptr;
        throw;
    }
    register_cancel_target(c_);
}

PgConn::~PgConn() {
    if (c_) {
        unregister_cancel_target(c_);
        PQfinish(c_);
    }
}

void PgConn::exec(const std::string& sql) {
    if (!PQsendQuery(c_, sql.c_str())) throw_result_error(nullptr, c_);
    PGresult* r;
    PGresult* err = nullptr;
    while ((r = PQgetResult(c_)) != nullptr) {
        auto st = PQresultStatus(r);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY && err == nullptr) {
            err = r;
        } else {
            PQclear(r);
        }
    }
    if (err) throw_result_error(err, c_);
    throw_if_interrupted();
}

PgResult PgConn::query(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r = PQexecParams(c_, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr, nullptr, 0);
    auto st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) throw_result_error(r, c_);
    throw_if_interrupted();
    return PgResult(r);
}

void PgConn::copy_in(const std::string& copy_sql, const std::function<bool(const Sink&)>& produce) {
    PGresult* r = PQexec(c_, copy_sql.c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) throw_result_error(r, c_);
    PQclear(r);
    std::string failure;
    Sink sink = [&](const char* data, size_t len) {
        if (failure.empty() && PQputCopyData(c_, data, static_cast<int>(len)) != 1) failure = PQerrorMessage(c_);
    };
    try {
        while (produce(sink) && failure.empty()) {
            if (interrupted()) {
                failure = "interrupted";
                break;
            }
        }
    } catch (const std::exception& e) {
        failure = e.what();
    }
    PQputCopyEnd(c_, failure.empty() ? nullptr : failure.c_str());
    PGresult* res;
    PGresult* err = nullptr;
    while ((res = PQgetResult(c_)) != nullptr) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && err == nullptr) err = res; else PQclear(res);
    }
    if (err) throw_result_error(err, c_);
    if (!failure.empty()) throw PgError("COPY aborted: " + failure);
    throw_if_interrupted();
}

void print_table(const PgResult& r, size_t max_rows) {
    int nc = r.cols();
    size_t nr = std::min<size_t>(static_cast<size_t>(r.rows()), max_rows);
    auto width_of = [](const std::string& s) {  // display width of UTF-8 text
        size_t w = 0;
        for (unsigned char ch : s) if ((ch & 0xC0) != 0x80) ++w;
        return w;
    };
    std::vector<size_t> w(nc);
    for (int c = 0; c < nc; ++c) {
        w[c] = width_of(r.name(c));
        for (size_t i = 0; i < nr; ++i) w[c] = std::max(w[c], width_of(r.is_null(int(i), c) ? "" : r.get(int(i), c)));
    }
    auto cell = [&](const std::string& s, size_t width) {
        std::string out = " " + s;
        for (size_t k = width_of(s); k < width; ++k) out += ' ';
        return out + " ";
    };
    std::string line;
    for (int c = 0; c < nc; ++c) line += (c ? "|" : "") + cell(r.name(c), w[c]);
    std::printf("%s\n", line.c_str());
    line.clear();
    for (int c = 0; c < nc; ++c) line += (c ? "+" : "") + std::string(w[c] + 2, '-');
    std::printf("%s\n", line.c_str());
    for (size_t i = 0; i < nr; ++i) {
        line.clear();
        for (int c = 0; c < nc; ++c) line += (c ? "|" : "") + cell(r.is_null(int(i), c) ? "" : r.get(int(i), c), w[c]);
        std::printf("%s\n", line.c_str());
    }
    std::printf("(%d row%s%s)\n\n", r.rows(), r.rows() == 1 ? "" : "s", size_t(r.rows()) > nr ? ", truncated" : "");
}

std::string PgConn::ident(const std::string& s) const {
    char* q = PQescapeIdentifier(c_, s.data(), s.size());
    if (!q) throw PgError(std::string("cannot quote the identifier \"") + s + "\": " + PQerrorMessage(c_));
    std::string out(q);
    PQfreemem(q);
    return out;
}

std::string PgConn::literal(const std::string& s) const {
    char* q = PQescapeLiteral(c_, s.data(), s.size());
    if (!q) throw PgError(std::string("cannot quote a literal: ") + PQerrorMessage(c_));
    std::string out(q);
    PQfreemem(q);
    return out;
}

}  // namespace lscli
