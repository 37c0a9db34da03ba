#pragma once
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cli/base/pg_conn.h"
#include "cli/load/load_text.h"

namespace lscli {

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

}  // namespace lscli
