// Streaming RFC 4180 CSV reader over a memory-mapped file: quoted fields with
// embedded delimiters, line breaks and doubled quotes, LF or CRLF line ends, a
// leading UTF-8 BOM. Each record carries its 1-based physical line number and
// its raw text, so a rejected line can be stored verbatim (docs/loading.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ls {

struct CsvRecord {
    std::vector<std::string_view> fields;  // valid until the next call of next()
    std::string_view raw;                  // the record's text without its final line break
    long long line = 0;                    // physical line where the record starts (1-based)
    long long lines = 1;                   // physical lines it spans
    std::string error;                     // non-empty: malformed (quotes); fields unreliable
};

class CsvReader {
public:
    explicit CsvReader(const std::string& path);  // throws std::runtime_error
    ~CsvReader();
    CsvReader(const CsvReader&) = delete;
    CsvReader& operator=(const CsvReader&) = delete;

    // Reads the next record; false at end of file.
    bool next(CsvRecord& rec);

    // Once known (after the header), a record spanning several physical lines
    // whose field count differs from `n` is taken to be a stray quote: only its
    // first physical line is returned (as malformed) and reading resumes on
    // the next line, so one bad quote cannot swallow the following records.
    void set_expected_fields(size_t n) { expected_fields_ = n; }
    void set_delimiter(char d) { delim_ = d; }

    std::uint64_t size() const { return size_; }
    std::uint64_t position() const { return pos_; }
    std::string_view data() const { return {data_, size_}; }  // the whole file

private:
    bool parse_at(size_t start, CsvRecord& rec, bool single_line);

    const char* data_ = nullptr;
    size_t size_ = 0;
    size_t pos_ = 0;
    long long line_ = 1;  // physical line number at pos_
    char delim_ = ',';
    size_t expected_fields_ = 0;
    std::string scratch_;                               // unescaped quoted fields
    std::vector<std::pair<size_t, size_t>> spans_;     // field offsets
    std::vector<bool> in_scratch_;
};

// Picks the delimiter of a header line: ',' unless the line has none and has
// ';' or a tab.
char detect_delimiter(std::string_view header_line);

}  // namespace ls
