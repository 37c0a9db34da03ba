#include "core/gen/gen_1t_csv.h"

#include <cerrno>
#include <cstring>

#include "core/base/error.h"

namespace ls::gen1t {

const char* malformed_name(Malformed k) {
    switch (k) {
        case Malformed::BadDate: return "bad_date";
        case Malformed::BadId: return "bad_id";
        case Malformed::FieldCount: return "field_count";
        default: return "invalid_utf8";
    }
}

void append_csv_field(std::string& out, const std::string& field) {
    bool quote = !field.empty() && (field.front() == ' ' || field.back() == ' ');
    for (char c : field)
        if (c == ',' || c == '"' || c == '\n' || c == '\r') {
            quote = true;
            break;
        }
    if (!quote) {
        out += field;
        return;
    }
    out.push_back('"');
    for (char c : field) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

CsvFile::CsvFile(const std::string& dir, const FileSpec& spec, unsigned long long seed, int file_no,
                 double malformed_rate, double duplicate_rate, TruthSinks* truth)
    : spec_(spec),
      path_(dir + "/" + spec.name),
      row_(static_cast<size_t>(spec.fields)),
      dup_rng_(seed, 0xd0b1e000ULL + static_cast<unsigned>(file_no)),
      bad_rng_(seed, 0xbad00000ULL + static_cast<unsigned>(file_no)),
      malformed_rate_(spec.may_malform ? malformed_rate : 0.0),
      duplicate_rate_(spec.may_duplicate ? duplicate_rate : 0.0),
      truth_(truth) {
    f_ = std::fopen(path_.c_str(), "wb");
    if (!f_) fail(ErrorKind::InvalidParameter, "cannot create " + path_ + ": " + std::strerror(errno));
    buf_.reserve(1 << 20);
    buf_ += spec.header;
    buf_ += '\n';
    line_ = 1;
}

CsvFile::~CsvFile() {
    if (f_) std::fclose(f_);
}

void CsvFile::put_line(const std::vector<std::string>& fields, int n) {
    for (int i = 0; i < n; ++i) {
        if (i) buf_.push_back(',');
        append_csv_field(buf_, fields[static_cast<size_t>(i)]);
    }
    buf_.push_back('\n');
    ++line_;
    if (buf_.size() >= (1u << 20)) flush();
}

void CsvFile::write() {
    put_line(row_, spec_.fields);
    ++good_;
    long long original = line_;
    if (duplicate_rate_ > 0 && dup_rng_.bernoulli(duplicate_rate_)) {
        put_line(row_, spec_.fields);
        ++good_;
        ++duplicates_;
        if (truth_ && truth_->duplicates) std::fprintf(truth_->duplicates, "%s,%lld,%lld\n", spec_.name, line_, original);
    }
    if (malformed_rate_ > 0 && bad_rng_.bernoulli(malformed_rate_)) plant_malformed();
}

// A corrupted copy of the line just written; the good line stays, so the
// clean data is the same whatever the malformed rate.
void CsvFile::plant_malformed() {
    Rng& r = bad_rng_;
    bad_ = row_;
    int n = spec_.fields;
    Malformed kind;
    std::string detail;
    if (spec_.ts_field >= 0) {
        kind = static_cast<Malformed>(r.integer(0, 3));
    } else {
        kind = r.bernoulli(0.5) ? Malformed::BadId : Malformed::FieldCount;
    }
    switch (kind) {
        case Malformed::BadDate: {
            static const char* iso[] = {"2023-02-31 12:00:00", "2024-01-15 25:61:00", "31.02.2023 25:61", "2024-13-01 10:00:00"};
            static const char* dmy[] = {"31.02.2023 25:61", "30.02.2024 10:00", "15.01.2024 25:61", "2023-02-31 12:00:00"};
            const char* v = spec_.ts_style == 'd' ? dmy[r.integer(0, 3)] : iso[r.integer(0, 3)];
            bad_[static_cast<size_t>(spec_.ts_field)] = v;
            detail = std::string("timestamp ") + v;
            break;
        }
        case Malformed::BadId: {
            std::string& id = bad_[static_cast<size_t>(spec_.id_field)];
            switch (r.integer(0, 3)) {
                case 0: id += "x"; break;
                case 1: id = "n/a"; break;
                case 2: id.clear(); break;
                default: id = "#" + id; break;
            }
            detail = "user id '" + id + "'";
            break;
        }
        case Malformed::FieldCount: {
            switch (r.integer(0, 2)) {
                case 0: n -= 1; detail = "last field missing"; break;
                case 1: bad_.push_back("лишнее поле"); n += 1; detail = "one extra field"; break;
                default:
                    bad_.assign(1, "ERROR: export interrupted");
                    n = 1;
                    detail = "a single garbage field";
                    break;
            }
            break;
        }
        case Malformed::InvalidUtf8: {
            // An invalid byte sequence inside a required field, so the line is
            // rejected both as invalid UTF-8 and as an unparsable value.
            int fld = spec_.ts_field >= 0 ? spec_.ts_field : spec_.id_field;
            std::string& v = bad_[static_cast<size_t>(fld)];
            size_t at = v.size() > 4 ? 4 : v.size();
            v.insert(at, "\xff\xfe");
            detail = "bytes FF FE in a required field";
            break;
        }
    }
    put_line(bad_, n);
    ++malformed_;
    if (truth_ && truth_->malformed)
        std::fprintf(truth_->malformed, "%s,%lld,%s,%s\n", spec_.name, line_, malformed_name(kind), detail.c_str());
}

void CsvFile::flush() {
    if (!f_ || buf_.empty()) return;
    if (std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size())
        fail(ErrorKind::InvalidParameter, "cannot write " + path_ + ": " + std::strerror(errno));
    bytes_ += static_cast<long long>(buf_.size());
    buf_.clear();
}

void CsvFile::close() {
    flush();
    if (f_) {
        if (std::fclose(f_) != 0) {
            f_ = nullptr;
            fail(ErrorKind::InvalidParameter, "cannot write " + path_ + ": " + std::strerror(errno));
        }
        f_ = nullptr;
    }
}

}  // namespace ls::gen1t
