#include "core/files/csv_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ls {

CsvReader::CsvReader(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        throw std::runtime_error("cannot stat " + path + ": " + std::strerror(e));
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
        void* m = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            ::close(fd);
            throw std::runtime_error("cannot map " + path + ": " + std::strerror(e));
        }
        madvise(m, size_, MADV_SEQUENTIAL);
        data_ = static_cast<const char*>(m);
    }
    ::close(fd);
    if (size_ >= 3 && std::memcmp(data_, "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
}

CsvReader::~CsvReader() {
    if (data_) munmap(const_cast<char*>(data_), size_);
}

bool CsvReader::next(CsvRecord& rec) {
    if (pos_ >= size_) return false;
    size_t start = pos_;
    long long start_line = line_;
    bool ok = parse_at(start, rec, false);
    if (rec.lines > 1 && expected_fields_ && (!ok || rec.fields.size() != expected_fields_)) {
        // A stray quote made the record run over line breaks: reject just the first line.
        pos_ = start;
        line_ = start_line;
        parse_at(start, rec, true);
        if (rec.error.empty()) rec.error = "unbalanced quote";
    }
    return true;
}

// Parses one record starting at `start`; advances pos_/line_. With
// `single_line` the record ends at the first line break whatever the quotes.
bool CsvReader::parse_at(size_t start, CsvRecord& rec, bool single_line) {
    rec.fields.clear();
    rec.error.clear();
    rec.line = line_;
    rec.lines = 1;
    scratch_.clear();
    spans_.clear();
    in_scratch_.clear();

    const char* d = data_;
    size_t i = start, n = size_;
    size_t raw_end = n;
    bool done = false;
    while (!done) {
        // --- one field starting at i
        if (i < n && d[i] == '"') {
            ++i;
            size_t off = scratch_.size();
            bool closed = false;
            while (i < n) {
                char c = d[i];
                if (c == '"') {
                    if (i + 1 < n && d[i + 1] == '"') {
                        scratch_ += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    closed = true;
                    break;
                }
                if (c == '\n') {
                    if (single_line) break;
                    ++rec.lines;
                }
                scratch_ += c;
                ++i;
            }
            spans_.emplace_back(off, scratch_.size() - off);
            in_scratch_.push_back(true);
            if (!closed) {
                if (rec.error.empty()) rec.error = single_line ? "unbalanced quote" : "unterminated quoted field";
                // skip to the end of this physical line (single_line) or of the file
                while (i < n && d[i] != '\n') ++i;
            } else if (i < n && d[i] == '\r' && (i + 1 == n || d[i + 1] == '\n')) {
                ++i;  // CRLF after a closing quote: the '\r' is part of the line end, not a record of its own
            } else if (i < n && d[i] != delim_ && d[i] != '\n') {
                if (rec.error.empty()) rec.error = "text after a closing quote";
                while (i < n && d[i] != delim_ && d[i] != '\n') ++i;
            }
        } else {
            size_t s = i;
            while (i < n && d[i] != delim_ && d[i] != '\n') {
                if (d[i] == '"' && rec.error.empty()) rec.error = "quote inside an unquoted field";
                ++i;
            }
            size_t e = i;
            if (e > s && d[e - 1] == '\r' && (e == n || d[e] == '\n')) --e;  // CRLF
            spans_.emplace_back(s, e - s);
            in_scratch_.push_back(false);
        }
        // --- separator
        if (i >= n) {
            raw_end = n;
            pos_ = n;
            done = true;
        } else if (d[i] == delim_) {
            ++i;
        } else {  // '\n'
            raw_end = i;
            pos_ = i + 1;
            done = true;
        }
    }
    if (raw_end > start && d[raw_end - 1] == '\r') --raw_end;
    line_ = rec.line + rec.lines;
    rec.raw = std::string_view(d + start, raw_end - start);
    rec.fields.reserve(spans_.size());
    for (size_t k = 0; k < spans_.size(); ++k)
        rec.fields.emplace_back(in_scratch_[k] ? std::string_view(scratch_).substr(spans_[k].first, spans_[k].second)
                                               : std::string_view(d + spans_[k].first, spans_[k].second));
    return rec.error.empty();
}

char detect_delimiter(std::string_view header) {
    if (header.find(',') != std::string_view::npos) return ',';
    if (header.find(';') != std::string_view::npos) return ';';
    if (header.find('\t') != std::string_view::npos) return '\t';
    return ',';
}

}  // namespace ls
