#include "core/models/xgboost_ubjson.h"

#include <cstdint>

#include "core/base/error.h"

namespace ls::models {

namespace {

// Mirrors the grammar of xgboost::UBJReader (src/common/json.cc, 1.7) but
// reads nothing it cannot bound: a position, never a copy.
class UbjsonChecker {
public:
    UbjsonChecker(const unsigned char* p, std::size_t n) : p_(p), n_(n) {}

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
    // 'L' then a big-endian int64: every length and count XGBoost writes.
    std::uint64_t length(std::size_t unit) {
        expect('L');
        if (left() < 8) bad("truncated");
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | p_[pos_ + i];
        pos_ += 8;
        if (v >> 63) bad("negative length");
        // Each unit takes at least `unit` bytes of what is left: larger is a lie.
        if (v > left() / unit) bad("length " + std::to_string(v) + " runs past the end");
        return v;
    }
    void value(int depth) {
        if (depth > kMaxUbjsonDepth) bad("nested deeper than " + std::to_string(kMaxUbjsonDepth));
        const unsigned char c = next();
        switch (c) {
            case '{':
                while (peek() != '}') {
                    skip(length(1));  // the key
                    value(depth + 1);
                }
                ++pos_;
                return;
            case '[':
                array(depth);
                return;
            case 'Z': case 'T': case 'F': return;
            case 'i': case 'U': case 'C': skip(1); return;
            case 'I': skip(2); return;
            case 'l': case 'd': skip(4); return;
            case 'L': skip(8); return;
            case 'S': skip(length(1)); return;
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
            skip(length(width) * width);
            return;
        }
        if (m == '#') {
            ++pos_;
            const std::uint64_t n = length(1);  // every element is at least one byte
            for (std::uint64_t i = 0; i < n; ++i) value(depth + 1);
            return;
        }
        while (peek() != ']') value(depth + 1);
        ++pos_;
    }
    static std::string hex(unsigned char c) {
        const char* d = "0123456789abcdef";
        return std::string{d[c >> 4], d[c & 15]};
    }

    const unsigned char* p_;
    std::size_t n_;
    std::size_t pos_ = 0;
};

}  // namespace

void check_xgboost_ubjson(const char* data, std::size_t size) {
    UbjsonChecker(reinterpret_cast<const unsigned char*>(data), size).run();
}

}  // namespace ls::models
