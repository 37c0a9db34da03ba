// Training data as read from PostgreSQL (or built in tests): one contiguous
// buffer per feature column plus the target. Numeric NULL = NaN; a text
// column is dictionary-encoded (code -1 = NULL) so rows hold no strings.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ls::models {

struct Column {
    std::string name;
    bool categorical = false;
    std::vector<double> num;           // numeric values, NaN for NULL
    std::vector<std::int32_t> code;    // categorical codes, -1 for NULL
    std::vector<std::string> levels;   // code -> level text
    std::unordered_map<std::string, std::int32_t> index;

    std::int32_t code_of(std::string_view level);  // adds unseen levels
    bool is_null(std::size_t row) const { return categorical ? code[row] < 0 : num[row] != num[row]; }
};

struct Dataset {
    std::vector<Column> features;
    std::vector<double> y;
    std::size_t rows() const { return y.size(); }
    // Throws unless every column has rows() values.
    void check_shape() const;
};

// One raw input value at prediction time.
struct RawValue {
    enum Kind : std::uint8_t { Null, Number, Text } kind = Null;
    double number = 0;
    std::string_view text;
    static RawValue null() { return {}; }
    static RawValue num(double v) { RawValue r; r.kind = Number; r.number = v; return r; }
    static RawValue str(std::string_view s) { RawValue r; r.kind = Text; r.text = s; return r; }
};

}  // namespace ls::models
