// Buffered CSV output for the synthetic 1T files, with deterministic planting
// of exact duplicate lines and malformed lines (recorded in the truth files).
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "core/gen/gen_1t_rng.h"

namespace ls::gen1t {

// Kinds of planted malformed lines (docs/generator-1t.md).
enum class Malformed { BadDate = 0, BadId = 1, FieldCount = 2, InvalidUtf8 = 3 };
const char* malformed_name(Malformed k);

struct FileSpec {
    const char* name;     // file name, e.g. "authorization.csv"
    const char* header;   // raw header line, exactly as the platform exports it
    int fields;           // field count
    int id_field;         // a required integer id (user id); -1: none
    int ts_field;         // a required timestamp; -1: none
    char ts_style;        // 'i' ISO 2023-12-05 11:00:00, 'd' 23.12.2023 12:10
    bool may_duplicate;   // plant exact duplicate lines
    bool may_malform;     // plant malformed lines
};

// Sinks of the truth files shared by all data files.
struct TruthSinks {
    std::FILE* malformed = nullptr;   // file,line,kind,detail
    std::FILE* duplicates = nullptr;  // file,line,duplicate_of
};

// Appends one field, quoted when it holds a comma, quote, CR/LF or an edge space.
void append_csv_field(std::string& out, const std::string& field);

class CsvFile {
public:
    CsvFile(const std::string& dir, const FileSpec& spec, unsigned long long seed, int file_no,
            double malformed_rate, double duplicate_rate, TruthSinks* truth);
    ~CsvFile();
    CsvFile(const CsvFile&) = delete;
    CsvFile& operator=(const CsvFile&) = delete;

    // Fields of the next good line; fill the first spec.fields entries, then write().
    std::vector<std::string>& row() { return row_; }
    void write();
    void close();

    const FileSpec& spec() const { return spec_; }
    long long physical_lines() const { return line_; }   // including the header
    long long good_lines() const { return good_; }       // data lines a strict loader accepts
    long long malformed_lines() const { return malformed_; }
    long long duplicate_lines() const { return duplicates_; }
    long long bytes() const { return bytes_; }

private:
    void put_line(const std::vector<std::string>& fields, int n);
    void plant_malformed();
    void flush();

    FileSpec spec_;
    std::string path_;
    std::FILE* f_ = nullptr;
    std::string buf_;
    std::vector<std::string> row_, bad_;
    Rng dup_rng_, bad_rng_;
    double malformed_rate_, duplicate_rate_;
    TruthSinks* truth_;
    long long line_ = 0, good_ = 0, malformed_ = 0, duplicates_ = 0, bytes_ = 0;
};

}  // namespace ls::gen1t
