#include "cli/load/load_file.h"

#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "cli/base/signals.h"
#include "cli/load/file_digest.h"
#include "cli/load/file_failure.h"
#include "cli/load/header_map.h"
#include "cli/load/load_text.h"
#include "cli/load/reject_spool.h"
#include "cli/load/repeated_keys.h"
#include "core/files/text_encoding.h"
#include "core/load/normalize.h"

namespace lscli {

namespace fs = std::filesystem;
using ls::CsvReader;
using ls::CsvRecord;
using ls::detect_delimiter;

namespace {

using Clock = std::chrono::steady_clock;

// LEARNERSCORE_LOAD_TRACE=1 prints the time of each phase of a file's load to stderr.
void trace(const std::string& file, const char* phase, Clock::time_point& t) {
    static const bool on = std::getenv("LEARNERSCORE_LOAD_TRACE") != nullptr;
    if (!on) return;
    auto now = Clock::now();
    std::fprintf(stderr, "  [trace] %-28s %-16s %8.3f s\n", file.c_str(), phase, std::chrono::duration<double>(now - t).count());
    t = now;
}

std::string list_columns(const PgConn& conn, const FileSpec& spec) {
    std::string s;
    for (const auto& c : spec.columns) s += (s.empty() ? "" : ", ") + conn.ident(c.column);
    return s;
}

void rollback_quietly(PgConn& conn) {
    try {
        conn.exec("ROLLBACK");
    } catch (...) {
    }
}

FileLoadResult failed(FileLoadResult res, const std::string& error, std::vector<std::string> details = {}) {
    res.status = FileStatus::failed;
    res.error = error;
    res.details = std::move(details);
    return res;
}

// One file's load, step by step; the steps share this state.
struct FileLoad {
    PgConn& conn;
    const FileSpec& spec;
    const std::string& schema;
    const LoadOptions& opts;
    Progress& progress;
    const std::string qs;      // the schema, quoted
    const std::string qtable;  // schema.table, quoted
    const std::string reader_path;
    CsvReader reader;
    FileLoadResult res;
    Clock::time_point t0 = Clock::now(), tp = t0;  // start; last trace point
    CsvRecord rec;             // the record read last
    Mapping map;
    ls::text::Utf8Scan scan;
    long long data_line_bound = 0;  // physical lines after the header: no file has more data lines
    std::future<std::string> sha_async;
    std::unique_ptr<RepeatedKeyHashes> repeated;  // keyed files: the key hashes seen more than once
    bool hopeless = false;     // stopped reading: too many rejects whatever follows

    FileLoad(PgConn& c, const FileSpec& sp, const fs::path& path, const std::string& sc, const LoadOptions& o, Progress& p)
        : conn(c), spec(sp), schema(sc), opts(o), progress(p), qs(c.ident(sc)), qtable(c.qualified(sc, sp.table)),
          reader_path(path.string()), reader(reader_path) {
        res.file = path.filename().string();
        res.table = spec.table;
        res.bytes = static_cast<long long>(reader.size());
    }

    void check_encoding_and_header();
    bool unchanged_since_last_load();
    std::vector<std::string> empty_table();
    void screen_keys();
    void copy_rows(RejectSpool& rejects);
    void check_verdict(const RejectSpool& rejects, bool had_rows);
    void finish(RejectSpool& rejects, const std::vector<std::string>& index_defs);
    void load_in_transaction();
};

// Encoding, then the header: a file that is not UTF-8 text or whose header
// does not match changes nothing in the database. (The encoding comes first:
// a header in another code page would only say "not valid UTF-8".)
void FileLoad::check_encoding_and_header() {
    scan = ls::text::scan_utf8(reader.data());
    trace(res.file, "utf8 check", tp);
    if (ls::text::is_other_encoding(scan))
        throw FileFailure(ls::text::not_utf8_message(res.file, scan, ls::text::guess_encoding(reader.data())));
    std::string_view d = reader.data();
    size_t start = reader.position();  // after a BOM
    size_t eol = d.find('\n', start);
    reader.set_delimiter(detect_delimiter(d.substr(start, eol == std::string_view::npos ? d.npos : eol - start)));
    if (!reader.next(rec)) throw FileFailure("empty file (no header line)");
    map = map_header(spec, rec, opts.allow_extra_columns);
    reader.set_expected_fields(map.nfields);
    data_line_bound = scan.lines - rec.lines;
}

// Locks the table and compares the checksum with load_log's. It is computed up
// front only when the size matches the last load (else the file has changed for
// sure and is hashed by a second thread while it loads). True: unchanged, the
// transaction is committed and res holds the last load's counts.
bool FileLoad::unchanged_since_last_load() {
    // One loader per table at a time; readers are not blocked until TRUNCATE.
    conn.exec("LOCK TABLE " + qtable + " IN SHARE ROW EXCLUSIVE MODE");
    auto prev = conn.query("SELECT sha256, lines_read, loaded, rejected, blank_lines, bytes FROM " + qs + ".load_log WHERE file = $1",
                           {res.file});
    bool same_size = prev.rows() == 1 && !prev.is_null(0, 5) && prev.get(0, 5) == std::to_string(res.bytes);
    if (opts.force || !same_size) {
        sha_async = std::async(std::launch::async, [this]() { return sha256_hex(reader.data()); });
        return false;
    }
    res.sha256 = sha256_hex(reader.data());
    trace(res.file, "sha256", tp);
    if (prev.get(0, 0) != res.sha256) return false;
    conn.exec("COMMIT");
    res.status = FileStatus::unchanged;
    res.read = std::stoll(prev.get(0, 1));
    res.loaded = std::stoll(prev.get(0, 2));
    res.rejected = std::stoll(prev.get(0, 3));
    res.blank = std::stoll(prev.get(0, 4));
    return true;
}

// Empties the table and the file's rejects. Secondary indexes are dropped and
// rebuilt after the COPY (in this transaction): one sort per index is much
// cheaper than a btree insertion per row on large files. Constraint indexes
// (keys) stay. Returns the dropped indexes' definitions.
std::vector<std::string> FileLoad::empty_table() {
    conn.exec("TRUNCATE " + qtable);
    conn.query("DELETE FROM " + qs + ".load_rejects WHERE file = $1", {res.file});
    auto idx = conn.query(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), pg_get_indexdef(i.indexrelid)"
        " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE i.indrelid = $1::regclass"
        "   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
        "   AND pg_has_role((SELECT relowner FROM pg_class WHERE oid = $1::regclass), 'USAGE')",
        {qtable});
    std::vector<std::string> index_defs;
    for (int k = 0; k < idx.rows(); ++k) {
        conn.exec("DROP INDEX " + idx.get(k, 0));
        index_defs.push_back(idx.get(k, 1));
    }
    return index_defs;
}

// The indexes of the spec's key columns, and a row's key as one string (what both passes hash).
std::vector<size_t> key_columns(const FileSpec& spec) {
    std::vector<size_t> idx;
    for (const auto& k : spec.key)
        for (size_t c = 0; c < spec.columns.size(); ++c)
            if (spec.columns[c].column == k) idx.push_back(c);
    return idx;
}
void make_key(const std::vector<FieldValue>& row, const std::vector<size_t>& key_idx, std::string& key) {
    key.clear();
    for (size_t c : key_idx) key += row[c].text, key += '\x1f';
}

// The first pass of a keyed file (before TRUNCATE: readers are not blocked yet): the hash of the
// key of every line that may reach the duplicate check (its key columns convert and are not
// NULL; a superset of the lines whose key counts), so that copy_rows remembers only the keys
// that occur more than once. Memory: RepeatedKeyHashes' budget, whatever the file's size.
void FileLoad::screen_keys() {
    const std::vector<size_t> key_idx = key_columns(spec);
    if (key_idx.empty()) return;
    // LEARNERSCORE_LOAD_KEY_MEMORY: the hashes' memory in bytes (default 16 MiB; the tests make it
    // small so that a small file spreads over temporary files)
    size_t budget = RepeatedKeyHashes::kDefaultBudget;
    if (const char* m = std::getenv("LEARNERSCORE_LOAD_KEY_MEMORY")) budget = size_t(std::strtoull(m, nullptr, 10));
    repeated = std::make_unique<RepeatedKeyHashes>(data_line_bound, budget);
    CsvReader r(reader_path);
    std::string_view d = r.data();
    size_t start = r.position();
    size_t eol = d.find('\n', start);
    r.set_delimiter(detect_delimiter(d.substr(start, eol == std::string_view::npos ? d.npos : eol - start)));
    CsvRecord x;
    if (!r.next(x)) return repeated->finish();
    r.set_expected_fields(map.nfields);
    std::vector<FieldValue> row(spec.columns.size());
    std::string key;
    long long n = 0;
    while (r.next(x)) {
        if ((++n & 0xffff) == 0 && interrupted()) throw Interrupted();
        if (!x.error.empty() || x.fields.size() != map.nfields) continue;
        bool ok = true;
        for (size_t c : key_idx) {
            std::string_view raw = map.src[c] >= 0 ? x.fields[size_t(map.src[c])] : std::string_view();
            // (the COPY pass rejects a line with invalid UTF-8 before converting it)
            if (!ls::norm::valid_utf8(raw) || !spec.columns[c].convert(raw, row[c]).empty() || row[c].null) {
                ok = false;
                break;
            }
        }
        if (!ok) continue;
        make_key(row, key_idx, key);
        repeated->add(RepeatedKeyHashes::hash(key));
    }
    repeated->finish();
    if (std::getenv("LEARNERSCORE_LOAD_TRACE"))
        std::fprintf(stderr, "  [trace] %-28s %zu repeated key hashes of %lld lines (%zu partitions)\n", res.file.c_str(),
                     repeated->repeated(), n, repeated->partitions_used());
    trace(res.file, "key screen", tp);
}

// Converts one CSV record into the spec's columns: "" when it loads, else the reason it is rejected.
class RowConverter {
public:
    // `repeated`: the key hashes screen_keys found more than once (null: remember every key).
    RowConverter(const FileSpec& spec, const Mapping& map, const RepeatedKeyHashes* repeated)
        : spec_(spec), map_(map), row_(spec.columns.size()), key_idx_(key_columns(spec)), repeated_(repeated) {}

    // The keys of a referenced table (spec.references[i]) and the server's local time
    // (for spec.not_in_future), read by the caller before the COPY.
    void set_reference_keys(size_t i, std::unordered_set<std::string> keys) {
        for (size_t c = 0; c < spec_.columns.size(); ++c)
            if (spec_.columns[c].column == spec_.references[i].column) refs_.push_back({c, i, std::move(keys)});
    }
    void set_now(std::string now_iso) {
        now_ = std::move(now_iso);
        for (const auto& col : spec_.not_in_future)
            for (size_t c = 0; c < spec_.columns.size(); ++c)
                if (spec_.columns[c].column == col) future_idx_.push_back(c);
    }

    std::string convert(const CsvRecord& r) {
        if (!r.error.empty()) return "malformed CSV: " + r.error;
        if (!ls::norm::valid_utf8(r.raw)) return "invalid UTF-8";
        if (r.fields.size() != map_.nfields)
            return "expected " + std::to_string(map_.nfields) + " fields, found " + std::to_string(r.fields.size());
        for (size_t c = 0; c < row_.size(); ++c) {
            const ColumnSpec& col = spec_.columns[c];
            std::string_view raw = map_.src[c] >= 0 ? r.fields[size_t(map_.src[c])] : std::string_view();
            std::string why = col.convert(raw, row_[c]);
            if (!why.empty()) return col.column + ": " + why;
            if (col.not_null && row_[c].null) return col.column + ": missing value " + excerpt(raw);
        }
        for (const auto& ref : refs_)
            if (!row_[ref.col].null && !ref.keys.count(row_[ref.col].text))
                return spec_.references[ref.spec].reason + ": " + spec_.columns[ref.col].column + " " + row_[ref.col].text +
                       " is not in " + spec_.references[ref.spec].table;
        for (size_t c : future_idx_)  // ISO "YYYY-MM-DD HH:MM:SS[.f]" strings compare as times
            if (!row_[c].null && row_[c].text > now_)
                return spec_.columns[c].column + ": dated in the future (" + row_[c].text + " is after the server's local time " +
                       now_.substr(0, 19) + ")";
        std::string dup = duplicate_key(r.line);
        if (!dup.empty()) return dup;
        if (spec_.row_check) return spec_.row_check(row_);
        return {};
    }

    // The converted row as a COPY text line.
    void append_row(std::string& out) const {
        for (size_t c = 0; c < row_.size(); ++c) {
            if (c) out += '\t';
            if (row_[c].null) out += "\\N";
            else append_copy(out, row_[c].text);
        }
        out += '\n';
    }

private:
    // The first line of a key wins; a later one is rejected naming it. Only keys whose hash occurs
    // more than once in the file are remembered (RepeatedKeyHashes): memory grows with the
    // repeated keys, not with the file.
    std::string duplicate_key(long long line) {
        if (key_idx_.empty()) return {};
        make_key(row_, key_idx_, key_);
        if (repeated_ && !repeated_->contains(RepeatedKeyHashes::hash(key_))) return {};  // no other line has this key
        auto [it, fresh] = seen_keys_.emplace(key_, line);
        if (fresh) return {};
        std::string k;
        for (size_t c : key_idx_) k += (k.empty() ? "" : ", ") + spec_.columns[c].column + "=" + row_[c].text;
        return "duplicate key (" + k + "), first on line " + std::to_string(it->second);
    }

    const FileSpec& spec_;
    const Mapping& map_;
    std::vector<FieldValue> row_;
    std::vector<size_t> key_idx_;
    const RepeatedKeyHashes* repeated_;
    std::unordered_map<std::string, long long> seen_keys_;  // the repeated keys -> first line
    std::string key_;
    struct Ref {
        size_t col, spec;
        std::unordered_set<std::string> keys;
    };
    std::vector<Ref> refs_;
    std::vector<size_t> future_idx_;
    std::string now_;
};

// Streams the data lines into the table (COPY FREEZE), rejected ones into the
// spool. More rejects than the ratio allows of every line the file has: the
// file fails whatever follows, so reading stops there (hopeless).
void FileLoad::copy_rows(RejectSpool& rejects) {
    RowConverter rows(spec, map, repeated.get());
    for (size_t i = 0; i < spec.references.size(); ++i) {
        const ColumnReference& ref = spec.references[i];
        std::unordered_set<std::string> keys;
        auto r = conn.query("SELECT to_regclass($1) IS NOT NULL", {qs + "." + conn.ident(ref.table)});
        if (r.get(0, 0) == "t") {
            auto k = conn.query("SELECT DISTINCT " + conn.ident(ref.ref_column) + "::text FROM " + qs + "." +
                                    conn.ident(ref.table) + " WHERE " + conn.ident(ref.ref_column) + " IS NOT NULL",
                                {});
            for (int j = 0; j < k.rows(); ++j) keys.insert(k.get(j, 0));
        }
        rows.set_reference_keys(i, std::move(keys));
    }
    if (!spec.not_in_future.empty())
        rows.set_now(conn.query("SELECT to_char(localtimestamp, 'YYYY-MM-DD HH24:MI:SS.US')", {}).get(0, 0));
    const double reject_limit = opts.max_reject_ratio * double(data_line_bound);
    std::string out;
    out.reserve(1 << 21);
    bool eof = false;
    conn.copy_in("COPY " + qtable + " (" + list_columns(conn, spec) + ") FROM STDIN WITH (FREEZE)", [&](const PgConn::Sink& sink) {
        out.clear();
        while (out.size() < (64u << 10)) {  // small batches keep the server busy while we parse
            if (!reader.next(rec)) {
                eof = true;
                break;
            }
            if (rec.raw.empty() && rec.fields.size() == 1 && rec.error.empty()) {
                ++res.blank;  // a blank line holds no data
                continue;
            }
            ++res.read;
            std::string why = rows.convert(rec);
            if (why.empty()) {
                rows.append_row(out);
                ++res.loaded;
                continue;
            }
            rejects.add(rec.line, rec.raw, why);
            if (double(rejects.count()) > reject_limit) {
                hopeless = true;
                eof = true;
                break;
            }
        }
        if (!out.empty()) sink(out.data(), out.size());
        progress.update(res.file, static_cast<long long>(reader.position()));
        return !eof;
    });
    trace(res.file, "copy", tp);
    res.rejected = rejects.count();
}

// The file's verdict, before anything else is written: throws FileFailure.
void FileLoad::check_verdict(const RejectSpool& rejects, bool had_rows) {
    const double ratio = opts.max_reject_ratio;
    if (hopeless || (res.read > 0 && double(res.rejected) > ratio * double(res.read))) {
        std::string msg = hopeless
            ? "stopped at line " + std::to_string(rec.line) + ": " + grouped(res.rejected) + " of the first " + grouped(res.read) +
                  " data lines rejected, already more than " + percent(ratio) + " of the file's " + grouped(data_line_bound) + " lines"
            : grouped(res.rejected) + " of " + grouped(res.read) + " data lines rejected (" +
                  percent(double(res.rejected) / double(res.read)) + "), more than the " + percent(ratio) + " allowed";
        msg += " (--max-reject-ratio " + ratio_text(ratio) + ")";
        std::vector<std::string> details = rejects.summary(5);
        if (scan.bad_lines > 0 && scan.bad_lines * 2 >= res.rejected) {  // the encoding explains most rejects
            ls::text::EncodingGuess g = ls::text::guess_encoding(reader.data());
            if (g.iconv) details.push_back(ls::text::not_utf8_message(res.file, scan, g));
        }
        throw FileFailure(msg, std::move(details));
    }
    if (res.loaded == 0 && had_rows)
        throw FileFailure(std::string(res.read == 0 ? "no data lines (header only)" : "none of its data lines loaded") +
                              ": loading it would empty " + schema + "." + spec.table + ", which has rows (--allow-empty loads it anyway)",
                          rejects.summary(5));
}

// Indexes back, the rejects into load_rejects, the file's load_log row, COMMIT.
void FileLoad::finish(RejectSpool& rejects, const std::vector<std::string>& index_defs) {
    if (!index_defs.empty()) {
        conn.exec("SET LOCAL maintenance_work_mem = '256MB'");
        for (const auto& def : index_defs) conn.exec(def);
    }
    trace(res.file, "indexes", tp);
    if (sha_async.valid()) res.sha256 = sha_async.get();
    rejects.stream(conn, qs + ".load_rejects");
    trace(res.file, "rejects", tp);
    res.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    conn.query("INSERT INTO " + qs +
                   ".load_log (file, sha256, lines_read, loaded, rejected, blank_lines, table_name, bytes, seconds, loaded_at)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())"
                   " ON CONFLICT (file) DO UPDATE SET sha256 = EXCLUDED.sha256, lines_read = EXCLUDED.lines_read,"
                   " loaded = EXCLUDED.loaded, rejected = EXCLUDED.rejected, blank_lines = EXCLUDED.blank_lines,"
                   " table_name = EXCLUDED.table_name, bytes = EXCLUDED.bytes, seconds = EXCLUDED.seconds,"
                   " loaded_at = EXCLUDED.loaded_at",
               {res.file, res.sha256, std::to_string(res.read), std::to_string(res.loaded), std::to_string(res.rejected),
                std::to_string(res.blank), spec.table, std::to_string(res.bytes), std::to_string(res.seconds)});
    conn.exec("COMMIT");
    trace(res.file, "commit", tp);
    res.status = FileStatus::loaded;
}

// Everything between BEGIN and COMMIT; throws to roll back.
void FileLoad::load_in_transaction() {
    conn.exec("BEGIN");
    tp = Clock::now();
    if (unchanged_since_last_load()) return;
    screen_keys();
    // Whether the table has rows now: a file with nothing to load may not empty it.
    const bool had_rows = !opts.allow_empty && conn.query("SELECT EXISTS (SELECT 1 FROM " + qtable + ")").get(0, 0) == "t";
    std::vector<std::string> index_defs = empty_table();
    RejectSpool rejects(res.file);
    trace(res.file, "prepare", tp);
    copy_rows(rejects);
    check_verdict(rejects, had_rows);
    finish(rejects, index_defs);
}

}  // namespace

FileLoadResult load_file(PgConn& conn, const FileSpec& spec, const fs::path& path, const std::string& schema,
                         const LoadOptions& opts, Progress& progress) {
    FileLoad f(conn, spec, path, schema, opts, progress);
    FileLoadResult& res = f.res;
    try {
        f.check_encoding_and_header();
    } catch (const FileFailure& e) {
        progress.file_done(res.bytes);
        return failed(res, e.what(), e.details);
    }
    try {
        f.load_in_transaction();
    } catch (const Interrupted&) {
        rollback_quietly(conn);
        throw;
    } catch (const FileFailure& e) {
        rollback_quietly(conn);
        res = failed(res, e.what(), e.details);
    } catch (const PgError& e) {
        rollback_quietly(conn);
        if (interrupted()) throw Interrupted();
        if (PQstatus(conn.raw()) != CONNECTION_OK) throw;
        res = failed(FileLoadResult{res.file, res.table, FileStatus::failed, "", {}, res.sha256, res.bytes}, e.what());
    } catch (const std::exception& e) {
        rollback_quietly(conn);
        res = failed(FileLoadResult{res.file, res.table, FileStatus::failed, "", {}, res.sha256, res.bytes}, e.what());
    }
    res.seconds = std::chrono::duration<double>(Clock::now() - f.t0).count();
    progress.file_done(res.bytes);
    return res;
}

}  // namespace lscli
