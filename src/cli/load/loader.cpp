#include "cli/load/loader.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "core/files/csv_reader.h"
#include "cli/load/file_digest.h"
#include "cli/load/load_spec.h"
#include "cli/base/signals.h"
#include "core/load/normalize.h"
#include "core/files/text_encoding.h"

namespace lscli {

namespace fs = std::filesystem;
using ls::CsvReader;
using ls::CsvRecord;
using ls::detect_delimiter;

const char* to_text(FileStatus s) {
    switch (s) {
        case FileStatus::loaded: return "loaded";
        case FileStatus::unchanged: return "unchanged";
        case FileStatus::failed: return "failed";
    }
    return "";
}

const char* to_text(CacheStatus s) {
    switch (s) {
        case CacheStatus::none: return "";
        case CacheStatus::refreshed: return "refreshed";
        case CacheStatus::fresh: return "fresh";
        case CacheStatus::skipped: return "skipped";
        case CacheStatus::failed: return "failed";
    }
    return "";
}

bool LoadSummary::ok() const {
    for (const auto& f : files)
        if (f.status == FileStatus::failed) return false;
    return true;
}
// Totals over the files whose rows are in the tables (a failed file's counts
// describe lines that were rolled back).
long long LoadSummary::loaded() const {
    long long n = 0;
    for (const auto& f : files)
        if (f.status != FileStatus::failed) n += f.loaded;
    return n;
}
long long LoadSummary::rejected() const {
    long long n = 0;
    for (const auto& f : files)
        if (f.status != FileStatus::failed) n += f.rejected;
    return n;
}

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

// "1234567" → "1,234,567"
std::string grouped(long long v) {
    std::string s = std::to_string(v < 0 ? -v : v), out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (i && (s.size() - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return (v < 0 ? "-" : "") + out;
}

// Progress bar on stderr, redrawn at most ten times a second.
class Progress {
public:
    Progress(bool enabled, long long total) : on_(enabled && isatty(STDERR_FILENO)), total_(total > 0 ? total : 1) {}
    void update(const std::string& file, long long done_in_file) {
        if (!on_) return;
        auto now = Clock::now();
        if (now - last_ < std::chrono::milliseconds(100)) return;
        last_ = now;
        draw(file, base_ + done_in_file);
    }
    void file_done(long long bytes) {
        base_ += bytes;
        clear();
    }
    void clear() {
        if (on_) std::fprintf(stderr, "\r\033[K");
    }

private:
    void draw(const std::string& file, long long done) {
        double frac = std::min(1.0, double(done) / double(total_));
        int width = 30, filled = int(frac * width);
        std::string bar(size_t(filled), '=');
        if (filled < width) bar += '>', bar += std::string(size_t(width - filled - 1), ' ');
        std::fprintf(stderr, "\r\033[K[%s] %3d%%  %.1f/%.1f MB  %s", bar.c_str(), int(frac * 100), done / 1e6,
                     total_ / 1e6, file.c_str());
        std::fflush(stderr);
    }
    bool on_;
    long long total_, base_ = 0;
    Clock::time_point last_{};
};

// COPY text format: backslash, tab, newline and carriage return are escaped.
void append_copy(std::string& out, std::string_view v) {
    for (char c : v) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            default: out += c;
        }
    }
}

// Invalid UTF-8 bytes and NULs become U+FFFD so any line can be stored in load_rejects.
std::string sanitize(std::string_view s) {
    if (ls::norm::valid_utf8(s) && s.find('\0') == std::string_view::npos) return std::string(s);
    std::string out;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        if (c != 0 && len && i + len <= s.size() && ls::norm::valid_utf8(s.substr(i, len))) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

// At most `max` bytes of v, not cutting a UTF-8 character.
std::string_view prefix(std::string_view v, size_t max) {
    size_t cut = std::min(v.size(), max);
    while (cut < v.size() && cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) --cut;
    return v.substr(0, cut);
}

std::string excerpt(std::string_view v) {
    std::string_view p = prefix(v, 60);
    return "\"" + sanitize(p) + (p.size() < v.size() ? "…\"" : "\"");
}

// A file that fails as a whole: nothing of it is kept (its transaction is
// rolled back, or was never begun). `details` are shown under the message.
struct FileFailure : std::runtime_error {
    explicit FileFailure(const std::string& msg, std::vector<std::string> d = {}) : std::runtime_error(msg), details(std::move(d)) {}
    std::vector<std::string> details;
};

// Rejected lines are spooled to a temporary file (they may be many) and
// streamed into load_rejects after the table's COPY. It also keeps the most
// frequent kinds of reasons, which is what the user sees of the rejects of a
// file that fails (they are not stored: load_rejects keeps describing the rows
// in the table).
class RejectSpool {
public:
    explicit RejectSpool(std::string file) : file_(std::move(file)), f_(std::tmpfile()) {
        if (!f_) throw std::runtime_error("cannot create a temporary file for rejected lines");
    }
    ~RejectSpool() { std::fclose(f_); }
    void add(long long line, std::string_view raw, const std::string& reason) {
        buf_.clear();
        append_copy(buf_, file_);
        buf_ += '\t';
        buf_ += std::to_string(line);
        buf_ += '\t';
        append_copy(buf_, sanitize(raw));
        buf_ += '\t';
        append_copy(buf_, sanitize(reason));
        buf_ += '\n';
        if (std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) throw std::runtime_error("cannot spool rejected lines");
        ++count_;
        // Kind of reason: up to its first ':' or '(' ("created_at", "expected 5 fields, found 4",
        // "duplicate key "); a bounded number of kinds, the rest counted together.
        std::string kind = reason.substr(0, std::min(reason.find(':'), reason.find('(')));
        auto it = kinds_.find(kind);
        if (it == kinds_.end()) {
            if (kinds_.size() >= 32) kind = "other reasons";
            it = kinds_.emplace(kind, Kind{0, line, sanitize(reason), excerpt(raw)}).first;
        }
        ++it->second.count;
    }
    long long count() const { return count_; }
    // The `top` most frequent kinds: "  1,234 × <first reason> (first on line 7: "<raw>")".
    std::vector<std::string> summary(size_t top) const;
    void stream(PgConn& conn, const std::string& qualified_table) {
        if (count_ == 0) return;
        std::rewind(f_);
        std::vector<char> chunk(1 << 20);
        conn.copy_in("COPY " + qualified_table + " (file, line_number, raw_line, reason) FROM STDIN",
                     [&](const PgConn::Sink& sink) {
                         size_t n = std::fread(chunk.data(), 1, chunk.size(), f_);
                         if (n) sink(chunk.data(), n);
                         return n == chunk.size();
                     });
    }

private:
    struct Kind {
        long long count;
        long long first_line;
        std::string first_reason, first_raw;
    };
    std::string file_;
    FILE* f_;
    std::string buf_;
    long long count_ = 0;
    std::map<std::string, Kind> kinds_;
};

std::vector<std::string> RejectSpool::summary(size_t top) const {
    std::vector<const Kind*> all;
    for (const auto& [k, v] : kinds_) all.push_back(&v);
    std::stable_sort(all.begin(), all.end(), [](const Kind* a, const Kind* b) { return a->count > b->count; });
    std::vector<std::string> out;
    for (size_t i = 0; i < all.size() && i < top; ++i)
        out.push_back(grouped(all[i]->count) + " × " + std::string(prefix(all[i]->first_reason, 160)) + " (first on line " +
                      std::to_string(all[i]->first_line) + ": " + all[i]->first_raw + ")");
    if (all.size() > top) {
        long long rest = 0;
        for (size_t i = top; i < all.size(); ++i) rest += all[i]->count;
        out.push_back(grouped(rest) + " × other reasons");
    }
    return out;
}

// Column mapping of one file: for each spec column, its index among the CSV
// fields (-1: absent, NULL).
struct Mapping {
    std::vector<int> src;
    size_t nfields = 0;
    std::vector<std::string> ignored_headers;
};

// Maps the header onto the spec's columns. A column the spec requires and the
// header lacks, a column of the header no spec column accepts (unless
// allow_extra), or two headers for one column fail the file, before anything
// is written: such a header means the export changed, and loading its lines
// would reject every one of them (or, worse, put a column's values into another).
Mapping map_header(const FileSpec& spec, const CsvRecord& header, bool allow_extra) {
    if (!header.error.empty()) throw FileFailure("malformed header line: " + header.error);
    if (!ls::norm::valid_utf8(header.raw)) throw FileFailure("header line is not valid UTF-8");
    Mapping m;
    m.nfields = header.fields.size();
    std::vector<std::string> norm;
    for (auto f : header.fields) norm.push_back(normalize_header(f));
    std::vector<bool> used(norm.size(), false);
    std::string missing;
    for (const auto& col : spec.columns) {
        std::set<std::string> accepted{normalize_header(col.column)};
        for (const auto& h : col.headers) accepted.insert(normalize_header(h));
        int found = -1;
        for (size_t k = 0; k < norm.size(); ++k) {
            if (!accepted.count(norm[k])) continue;
            if (found >= 0)
                throw FileFailure("column " + col.column + " matches two headers: \"" + std::string(header.fields[size_t(found)]) +
                                  "\" and \"" + std::string(header.fields[k]) + "\"");
            if (used[k]) continue;
            found = int(k);
        }
        if (found >= 0) used[size_t(found)] = true;
        else if (!col.may_be_absent) missing += (missing.empty() ? "" : ", ") + col.column + " (e.g. \"" + col.headers.front() + "\")";
        m.src.push_back(found);
    }
    std::string unexpected;
    size_t n_unexpected = 0;
    for (size_t k = 0; k < norm.size(); ++k) {
        if (used[k]) continue;
        m.ignored_headers.emplace_back(header.fields[k]);
        unexpected += (unexpected.empty() ? "" : ", ") + excerpt(header.fields[k]) + " (column " + std::to_string(k + 1) + ")";
        ++n_unexpected;
    }
    if (missing.empty() && (n_unexpected == 0 || allow_extra)) return m;
    std::string msg;
    if (!missing.empty()) msg = "header has no column for " + missing;
    if (n_unexpected && !allow_extra)
        msg += std::string(msg.empty() ? "header has " : "; it has ") + (n_unexpected == 1 ? "an unexpected column " : "unexpected columns ") +
               unexpected;
    std::string expected;
    for (const auto& c : spec.columns) expected += (expected.empty() ? "" : ", ") + c.column + (c.may_be_absent ? " (optional)" : "");
    msg += "; header is: " + excerpt(header.raw) + "; expected: " + expected + " (or a spelling listed in docs/loading.md)";
    if (missing.empty()) msg += "; --allow-extra-columns loads the file ignoring the unexpected columns";
    throw FileFailure(msg);
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

std::string percent(double share) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %%", share * 100);
    return buf;
}

std::string ratio_text(double r) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", r);
    return buf;
}

FileLoadResult failed(FileLoadResult res, const std::string& error, std::vector<std::string> details = {}) {
    res.status = FileStatus::failed;
    res.error = error;
    res.details = std::move(details);
    return res;
}

FileLoadResult load_file(PgConn& conn, const FileSpec& spec, const fs::path& path, const std::string& schema,
                         const LoadOptions& opts, Progress& progress) {
    FileLoadResult res;
    res.file = path.filename().string();
    res.table = spec.table;
    auto t0 = Clock::now();
    const std::string qs = conn.ident(schema);
    const std::string qtable = conn.qualified(schema, spec.table);

    CsvReader reader(path.string());
    res.bytes = static_cast<long long>(reader.size());
    auto tp = t0;

    // Encoding, then the header: a file that is not UTF-8 text or whose header
    // does not match changes nothing in the database. (The encoding comes first:
    // a header in another code page would only say "not valid UTF-8".)
    CsvRecord rec;
    Mapping map;
    ls::text::Utf8Scan scan;
    long long data_line_bound = 0;  // physical lines after the header: no file has more data lines
    try {
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
    } catch (const FileFailure& e) {
        progress.file_done(res.bytes);
        return failed(res, e.what(), e.details);
    }

    conn.exec("BEGIN");
    tp = Clock::now();
    try {
        // One loader per table at a time; readers are not blocked until TRUNCATE.
        conn.exec("LOCK TABLE " + qtable + " IN SHARE ROW EXCLUSIVE MODE");
        auto prev = conn.query("SELECT sha256, lines_read, loaded, rejected, blank_lines, bytes FROM " + qs +
                                   ".load_log WHERE file = $1",
                               {res.file});
        // The checksum decides; it is computed up front only when the size
        // matches the last load (else the file has changed for sure and is
        // hashed by a second thread while it loads).
        std::future<std::string> sha_async;
        bool same_size = prev.rows() == 1 && !prev.is_null(0, 5) && prev.get(0, 5) == std::to_string(res.bytes);
        if (!opts.force && same_size) {
            res.sha256 = sha256_hex(reader.data());
            trace(res.file, "sha256", tp);
        } else {
            sha_async = std::async(std::launch::async, [&reader]() { return sha256_hex(reader.data()); });
        }
        if (!opts.force && same_size && prev.get(0, 0) == res.sha256) {
            conn.exec("COMMIT");
            res.status = FileStatus::unchanged;
            res.read = std::stoll(prev.get(0, 1));
            res.loaded = std::stoll(prev.get(0, 2));
            res.rejected = std::stoll(prev.get(0, 3));
            res.blank = std::stoll(prev.get(0, 4));
            res.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
            progress.file_done(res.bytes);
            return res;
        }
        // Whether the table has rows now: a file with nothing to load may not empty it.
        const bool had_rows = !opts.allow_empty && conn.query("SELECT EXISTS (SELECT 1 FROM " + qtable + ")").get(0, 0) == "t";
        conn.exec("TRUNCATE " + qtable);
        conn.query("DELETE FROM " + qs + ".load_rejects WHERE file = $1", {res.file});
        // Secondary indexes are dropped and rebuilt after the COPY (in this
        // transaction): one sort per index is much cheaper than a btree
        // insertion per row on large files. Constraint indexes (keys) stay.
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

        RejectSpool rejects(res.file);
        const size_t ncols = spec.columns.size();
        std::vector<FieldValue> row(ncols);
        std::unordered_map<std::string, long long> seen_keys;
        std::vector<size_t> key_idx;
        for (const auto& k : spec.key)
            for (size_t c = 0; c < ncols; ++c)
                if (spec.columns[c].column == k) key_idx.push_back(c);
        trace(res.file, "prepare", tp);
        std::string out, key;
        out.reserve(1 << 21);
        bool eof = false;
        // More rejects than the ratio allows of every line the file has: the
        // file fails whatever follows, so reading stops here.
        bool hopeless = false;
        const double reject_limit = opts.max_reject_ratio * double(data_line_bound);

        auto convert = [&](const CsvRecord& r) -> std::string {
            if (!r.error.empty()) return "malformed CSV: " + r.error;
            if (!ls::norm::valid_utf8(r.raw)) return "invalid UTF-8";
            if (r.fields.size() != map.nfields)
                return "expected " + std::to_string(map.nfields) + " fields, found " + std::to_string(r.fields.size());
            for (size_t c = 0; c < ncols; ++c) {
                const ColumnSpec& col = spec.columns[c];
                std::string_view raw = map.src[c] >= 0 ? r.fields[size_t(map.src[c])] : std::string_view();
                std::string why = col.convert(raw, row[c]);
                if (!why.empty()) return col.column + ": " + why;
                if (col.not_null && row[c].null) return col.column + ": missing value " + excerpt(raw);
            }
            if (!key_idx.empty()) {
                key.clear();
                for (size_t c : key_idx) key += row[c].text, key += '\x1f';
                auto [it, fresh] = seen_keys.emplace(key, r.line);
                if (!fresh) {
                    std::string k;
                    for (size_t c : key_idx) k += (k.empty() ? "" : ", ") + spec.columns[c].column + "=" + row[c].text;
                    return "duplicate key (" + k + "), first on line " + std::to_string(it->second);
                }
            }
            if (spec.row_check) return spec.row_check(row);
            return {};
        };

        conn.copy_in("COPY " + qtable + " (" + list_columns(conn, spec) + ") FROM STDIN WITH (FREEZE)",
                     [&](const PgConn::Sink& sink) {
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
                             std::string why = convert(rec);
                             if (!why.empty()) {
                                 rejects.add(rec.line, rec.raw, why);
                                 if (double(rejects.count()) > reject_limit) {
                                     hopeless = true;
                                     eof = true;
                                     break;
                                 }
                                 continue;
                             }
                             for (size_t c = 0; c < ncols; ++c) {
                                 if (c) out += '\t';
                                 if (row[c].null) out += "\\N";
                                 else append_copy(out, row[c].text);
                             }
                             out += '\n';
                             ++res.loaded;
                         }
                         if (!out.empty()) sink(out.data(), out.size());
                         progress.update(res.file, static_cast<long long>(reader.position()));
                         return !eof;
                     });
        trace(res.file, "copy", tp);
        res.rejected = rejects.count();
        // The file's verdict, before anything else is written.
        if (hopeless || (res.read > 0 && double(res.rejected) > opts.max_reject_ratio * double(res.read))) {
            std::string msg = hopeless
                ? "stopped at line " + std::to_string(rec.line) + ": " + grouped(res.rejected) + " of the first " +
                      grouped(res.read) + " data lines rejected, already more than " + percent(opts.max_reject_ratio) +
                      " of the file's " + grouped(data_line_bound) + " lines"
                : grouped(res.rejected) + " of " + grouped(res.read) + " data lines rejected (" +
                      percent(double(res.rejected) / double(res.read)) + "), more than the " + percent(opts.max_reject_ratio) +
                      " allowed";
            msg += " (--max-reject-ratio " + ratio_text(opts.max_reject_ratio) + ")";
            std::vector<std::string> details = rejects.summary(5);
            if (scan.bad_lines > 0 && scan.bad_lines * 2 >= res.rejected) {  // the encoding explains most rejects
                ls::text::EncodingGuess g = ls::text::guess_encoding(reader.data());
                if (g.iconv) details.push_back(ls::text::not_utf8_message(res.file, scan, g));
            }
            throw FileFailure(msg, std::move(details));
        }
        if (res.loaded == 0 && had_rows)
            throw FileFailure(std::string(res.read == 0 ? "no data lines (header only)" : "none of its data lines loaded") +
                                  ": loading it would empty " + schema + "." + spec.table +
                                  ", which has rows (--allow-empty loads it anyway)",
                              rejects.summary(5));
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
    res.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    progress.file_done(res.bytes);
    return res;
}

}  // namespace

std::string format_result(const FileLoadResult& r) {
    char buf[512];
    if (r.status == FileStatus::failed) {
        std::snprintf(buf, sizeof buf, "  %-28s FAILED: ", r.file.c_str());
        std::string s = buf + r.error;
        for (const auto& d : r.details) s += "\n      " + d;
        s += "\n      " + (r.table.empty() ? std::string("its table") : r.table) +
             " is unchanged: nothing of this file was written (table rows, load_rejects, load_log)";
        return s;
    }
    double rate = r.seconds > 0 ? double(r.read) / r.seconds : 0;
    std::snprintf(buf, sizeof buf, "  %-28s → %-24s read %10s  loaded %10s  rejected %6s  %7.2f s  %10s rows/s%s",
                  r.file.c_str(), r.table.c_str(), grouped(r.read).c_str(), grouped(r.loaded).c_str(),
                  grouped(r.rejected).c_str(), r.seconds, r.status == FileStatus::unchanged ? "-" : grouped((long long)rate).c_str(),
                  r.status == FileStatus::unchanged ? (std::string("  (") + to_text(r.status) + ", skipped)").c_str() : "");
    std::string s = buf;
    if (r.blank) s += "  (" + grouped(r.blank) + " blank lines)";
    return s;
}

namespace {

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
    auto st = conn.query("SELECT bool_and(fresh) FROM " + conn.qualified(schema, "analyst_view_cache"));
    if (st.rows() == 1 && st.get(0, 0) == "t") {
        c.status = CacheStatus::fresh;
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

}  // namespace

std::string format_cache(const CacheRefresh& c) {
    char buf[160];
    const std::string& how = c.retry;
    if (c.status == CacheStatus::refreshed) {
        std::snprintf(buf, sizeof buf, "dataset_h cache: %s rows in %.1f s", grouped(c.rows).c_str(), c.seconds);
        return buf;
    }
    if (c.status == CacheStatus::fresh) return "dataset_h cache: fresh (its source tables did not change)";
    if (c.status == CacheStatus::skipped)
        return "dataset_h cache: not refreshed (" + c.detail + "); dataset_h reads the live query until " + how;
    if (c.status == CacheStatus::failed)
        return "dataset_h cache: refresh FAILED, dataset_h reads the live query (correct, slower): " + c.detail;
    return "";
}

LoadSummary load_directory(PgConn& conn, const std::string& dir, const std::string& schema, const LoadOptions& opts) {
    if (schema.empty()) throw std::invalid_argument("--schema must not be empty");
    if (!fs::is_directory(dir)) throw std::invalid_argument("not a directory: " + dir);
    LoadSummary sum;
    sum.schema = schema;

    // Known files present in the folder, in registry order.
    std::vector<std::pair<const FileSpec*, fs::path>> todo;
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) entries.push_back(e.path());
    std::sort(entries.begin(), entries.end());
    std::set<std::string> datasets;
    for (const auto& spec : file_specs()) {
        for (const auto& p : entries)
            if (ls::norm::fold_case(p.filename().string()) == ls::norm::fold_case(spec.file)) {
                todo.emplace_back(&spec, p);
                datasets.insert(spec.dataset);
                break;
            }
    }
    for (const auto& p : entries) {
        std::string name = p.filename().string();
        if (!find_file_spec(name) && ls::norm::fold_case(p.extension().string()) == ".csv") sum.ignored.push_back(name);
    }
    for (const auto& spec : file_specs()) {
        if (!datasets.count(spec.dataset)) continue;
        bool found = std::any_of(todo.begin(), todo.end(), [&](const auto& t) { return t.first == &spec; });
        if (!found) sum.missing.push_back(spec.file);
    }
    if (todo.empty()) {
        std::string known;
        for (const auto& s : file_specs()) known += (known.empty() ? "" : ", ") + s.file;
        throw std::runtime_error("no known CSV file in " + dir + " (known: " + known + ")");
    }

    conn.exec("SET client_min_messages = warning; SET client_encoding = 'UTF8'; SET datestyle = 'ISO, YMD'");
    auto ext = conn.query("SELECT 1 FROM pg_extension WHERE extname = 'learnerscore'");
    if (ext.rows() == 0) {
        try {
            conn.exec("CREATE EXTENSION IF NOT EXISTS learnerscore");
        } catch (const PgError& e) {
            throw std::runtime_error(std::string("the learnerscore extension is not installed in this database and could not be created (") +
                                     e.what() + "); ask a DBA to run CREATE EXTENSION learnerscore");
        }
    }
    for (const auto& name : datasets) {
        const DatasetSpec* ds = find_dataset_spec(name);
        if (!ds) throw std::logic_error("file spec refers to unknown data set " + name);
        std::string sql = ds->create_sql;
        size_t at = sql.find("%s");
        if (at != std::string::npos) sql.replace(at, 2, conn.literal(schema));
        conn.exec(sql);
    }
    conn.query("SELECT learnerscore._create_load_tables($1)", {schema});

    long long total = 0;
    for (const auto& t : todo) total += static_cast<long long>(fs::file_size(t.second));
    Progress progress(opts.progress, total);
    for (const auto& [spec, path] : todo) {
        throw_if_interrupted();
        FileLoadResult r = load_file(conn, *spec, path, schema, opts, progress);
        progress.clear();
        if (opts.out) {
            std::fprintf(opts.out, "%s\n", format_result(r).c_str());
            std::fflush(opts.out);
        }
        sum.files.push_back(std::move(r));
    }
    throw_if_interrupted();
    // Fresh statistics for the tables just replaced: the views' plans (and
    // the cache refresh below) depend on them, and autovacuum may not have
    // got there yet (a refresh on never-analyzed tables took 2x as long).
    std::string loaded_tables;
    for (const auto& f : sum.files)
        if (f.status == FileStatus::loaded && !f.table.empty())
            loaded_tables += (loaded_tables.empty() ? "" : ", ") + conn.qualified(schema, f.table);
    if (!loaded_tables.empty()) conn.exec("ANALYZE " + loaded_tables);
    if (!opts.refresh) {
        sum.cache.status = CacheStatus::skipped;
        sum.cache.detail = "--no-refresh";
    } else if (!sum.ok()) {
        sum.cache.status = CacheStatus::skipped;
        sum.cache.detail = "a file failed";
    } else {
        sum.cache = refresh_cache(conn, schema);
    }
    sum.cache.retry = refresh_sql(conn, schema);
    if (opts.out && sum.cache.status != CacheStatus::none) {
        // Only say "skipped" when there is a cache to skip.
        bool has_cache = sum.cache.status != CacheStatus::skipped ||
            conn.query("SELECT to_regclass($1) IS NOT NULL", {conn.qualified(schema, "analyst_view_cache")}).get(0, 0) == "t";
        if (has_cache) {
            std::fprintf(opts.out, "%s\n", format_cache(sum.cache).c_str());
            std::fflush(opts.out);
        }
    }
    return sum;
}

}  // namespace lscli
