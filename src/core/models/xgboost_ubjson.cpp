#include "core/models/xgboost_ubjson.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "core/base/error.h"

namespace ls::models {

namespace {

// Mirrors the grammar of xgboost::UBJReader (src/common/json.cc, 1.7) but
// reads nothing it cannot bound: a position, never a copy. With `out`, it also
// writes the same document as JSON text (what XGBoost's save_json would give),
// for the native tree evaluator: bytes nobody vouches for never reach libxgboost.
class UbjsonReader {
public:
    UbjsonReader(const unsigned char* p, std::size_t n, std::string* out) : p_(p), n_(n), out_(out) {}

    void run() {
        if (n_ == 0 || p_[0] != '{') bad("the booster is not a UBJSON object");
        value(0);
        if (pos_ != n_) bad("trailing bytes after the booster");
    }

private:
    [[noreturn]] void bad(const std::string& why) const {
        fail(ErrorKind::DataException, "corrupted model: XGBoost booster: " + why + " (at byte " + std::to_string(pos_) + ")",
             "The model bytes were altered; drop the model and train it again.");
    }
    std::size_t left() const { return n_ - pos_; }
    void skip(std::size_t k) {
        if (k > left()) bad("truncated");
        pos_ += k;
    }
    unsigned char next() {
        if (left() < 1) bad("truncated");
        return p_[pos_++];
    }
    unsigned char peek() {
        if (left() < 1) bad("truncated");
        return p_[pos_];
    }
    void expect(unsigned char c) {
        if (next() != c) bad(std::string("expected '") + static_cast<char>(c) + "'");
    }
    // A big-endian unsigned integer of k bytes at the position (checked).
    std::uint64_t big_endian(std::size_t k) {
        if (left() < k) bad("truncated");
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < k; ++i) v = (v << 8) | p_[pos_ + i];
        pos_ += k;
        return v;
    }
    // 'L' then a big-endian int64: every length and count XGBoost writes.
    std::uint64_t length(std::size_t unit) {
        expect('L');
        const std::uint64_t v = big_endian(8);
        if (v >> 63) bad("negative length");
        // Each unit takes at least `unit` bytes of what is left: larger is a lie.
        if (v > left() / unit) bad("length " + std::to_string(v) + " runs past the end");
        return v;
    }
    void emit(const char* s) {
        if (out_) *out_ += s;
    }
    void emit_string(std::size_t len) {
        const std::size_t at = pos_;
        skip(len);
        if (!out_) return;
        *out_ += '"';
        for (std::size_t i = at; i < at + len; ++i) {
            const unsigned char c = p_[i];
            if (c == '"' || c == '\\') {
                *out_ += '\\';
                *out_ += static_cast<char>(c);
            } else if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                *out_ += buf;
            } else {
                *out_ += static_cast<char>(c);
            }
        }
        *out_ += '"';
    }
    // A number of the given marker: integers as written, float32 with 9
    // significant digits (strtof gives back the same float), non-finite quoted.
    void number(unsigned char type) {
        char buf[40];
        switch (type) {
            case 'i': std::snprintf(buf, sizeof buf, "%d", static_cast<int>(static_cast<std::int8_t>(big_endian(1)))); break;
            case 'U': std::snprintf(buf, sizeof buf, "%u", static_cast<unsigned>(big_endian(1))); break;
            case 'I': std::snprintf(buf, sizeof buf, "%d", static_cast<int>(static_cast<std::int16_t>(big_endian(2)))); break;
            case 'l': std::snprintf(buf, sizeof buf, "%ld", static_cast<long>(static_cast<std::int32_t>(big_endian(4)))); break;
            case 'L': std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(static_cast<std::int64_t>(big_endian(8)))); break;
            case 'd': {
                const auto bits = static_cast<std::uint32_t>(big_endian(4));
                float f;
                std::memcpy(&f, &bits, sizeof f);
                if (std::isfinite(f)) std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(f));
                else std::snprintf(buf, sizeof buf, "\"%s\"", std::isnan(f) ? "nan" : (f > 0 ? "inf" : "-inf"));
                break;
            }
            default: bad(std::string("unknown number marker 0x") + hex(type));
        }
        emit(buf);
    }
    void value(int depth) {
        if (depth > kMaxUbjsonDepth) bad("nested deeper than " + std::to_string(kMaxUbjsonDepth));
        const unsigned char c = next();
        switch (c) {
            case '{': {
                emit("{");
                bool first = true;
                while (peek() != '}') {
                    if (!first) emit(",");
                    first = false;
                    emit_string(length(1));  // the key
                    emit(":");
                    value(depth + 1);
                }
                ++pos_;
                emit("}");
                return;
            }
            case '[':
                emit("[");
                array(depth);
                emit("]");
                return;
            case 'Z': emit("null"); return;
            case 'T': emit("true"); return;
            case 'F': emit("false"); return;
            case 'C': emit_string(1); return;
            case 'i': case 'U': case 'I': case 'l': case 'L': case 'd': number(c); return;
            case 'S': emit_string(length(1)); return;
            default: bad(std::string("unknown marker 0x") + hex(c));
        }
    }
    void array(int depth) {
        const unsigned char m = peek();
        if (m == '$') {
            ++pos_;
            const unsigned char type = next();
            std::size_t width = 0;
            switch (type) {
                case 'd': case 'l': width = 4; break;
                case 'U': width = 1; break;
                case 'L': width = 8; break;
                default: bad(std::string("typed array of unsupported type 0x") + hex(type));
            }
            expect('#');
            const std::uint64_t n = length(width);
            if (!out_) {
                skip(n * width);
                return;
            }
            for (std::uint64_t i = 0; i < n; ++i) {
                if (i) emit(",");
                number(type);
            }
            return;
        }
        if (m == '#') {
            ++pos_;
            const std::uint64_t n = length(1);  // every element is at least one byte
            for (std::uint64_t i = 0; i < n; ++i) {
                if (i) emit(",");
                value(depth + 1);
            }
            return;
        }
        bool first = true;
        while (peek() != ']') {
            if (!first) emit(",");
            first = false;
            value(depth + 1);
        }
        ++pos_;
    }
    static std::string hex(unsigned char c) {
        const char* d = "0123456789abcdef";
        return std::string{d[c >> 4], d[c & 15]};
    }

    const unsigned char* p_;
    std::size_t n_;
    std::string* out_;
    std::size_t pos_ = 0;
};

}  // namespace

void check_xgboost_ubjson(const char* data, std::size_t size) {
    UbjsonReader(reinterpret_cast<const unsigned char*>(data), size, nullptr).run();
}

std::string xgboost_ubjson_to_json(const char* data, std::size_t size) {
    std::string json;
    json.reserve(size * 2);
    UbjsonReader(reinterpret_cast<const unsigned char*>(data), size, &json).run();
    return json;
}

}  // namespace ls::models
