// Training data as read from PostgreSQL (or built in tests): one contiguous
// buffer per feature column plus the target. Numeric NULL = NaN; a text
// column is dictionary-encoded (code -1 = NULL) so rows hold no strings.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ls::models {

// A numeric column: its own growable buffer, or a slot of a block shared by
// several columns (the reader fills the block so that it already is the
// column-major design matrix and training needs no second copy of the data).
// Reads go through one pointer either way.
class NumColumn {
public:
    NumColumn() = default;
    NumColumn(const NumColumn& o) { *this = o; }
    NumColumn(NumColumn&& o) noexcept { *this = std::move(o); }
    NumColumn& operator=(const NumColumn& o);
    NumColumn& operator=(NumColumn&& o) noexcept;
    NumColumn& operator=(std::vector<double> values);

    // Uses [slot, slot + capacity) of `block` (kept alive by this column); empties the column.
    void use_block(std::shared_ptr<double[]> block, double* slot, std::size_t capacity);
    bool in_block(const double* block) const { return block_ && block_.get() == block; }

    void push_back(double v) {
        if (n_ == cap_) grow(n_ + 1);
        p_[n_++] = v;
    }
    void reserve(std::size_t c) { if (c > cap_) grow(c); }
    std::size_t size() const { return n_; }
    std::size_t capacity() const { return cap_; }
    bool empty() const { return n_ == 0; }
    double* data() { return p_; }
    const double* data() const { return p_; }
    double operator[](std::size_t i) const { return p_[i]; }
    double& operator[](std::size_t i) { return p_[i]; }
    const double* begin() const { return p_; }
    const double* end() const { return p_ + n_; }

private:
    void grow(std::size_t at_least);  // moves the values into an own buffer
    std::vector<double> own_;
    std::shared_ptr<double[]> block_;
    double* p_ = nullptr;
    std::size_t n_ = 0, cap_ = 0;
};

struct Column {
    std::string name;
    bool categorical = false;
    NumColumn num;                     // numeric values, NaN for NULL
    std::vector<std::int32_t> code;    // categorical codes, -1 for NULL
    std::vector<std::string> levels;   // code -> level text
    std::unordered_map<std::string, std::int32_t> index;

    std::int32_t code_of(std::string_view level);  // adds unseen levels
    bool is_null(std::size_t row) const { return categorical ? code[row] < 0 : num[row] != num[row]; }
};

struct Dataset {
    std::vector<Column> features;
    std::vector<double> y;
    // When every feature is numeric the reader may fill one column-major block:
    // column 0 all ones (the intercept), column j + 1 = feature j, each
    // `block_stride` doubles apart. Encoder::design_view() then maps it.
    std::shared_ptr<double[]> block;
    std::size_t block_stride = 0;
    // Whether some numeric feature value is NULL (NaN), when the producer
    // knows (the reader does); unknown means "look".
    std::optional<bool> numeric_null;
    std::size_t rows() const { return y.size(); }
    // Bytes the buffers hold: capacities, the shared block once, the level
    // dictionaries. With `more` > 0: as they would be once `more` rows are
    // appended (a buffer that must grow doubles, and its old copy lives
    // during the move), so a bound can be checked before growing.
    std::size_t held_bytes(std::size_t more = 0) const;
    // Throws unless every column has rows() values.
    void check_shape() const;
};

// The rows (all when `rows` is empty) ordered by their content — target, then
// every feature in order, numbers ascending with NULL last, text by its level
// text (not by its code, which follows arrival order) with NULL last. Rows
// equal in every value are interchangeable, so anything computed over the rows
// in this order (XGBoost's row subsampling and sketches, the k-fold
// assignment) is the same whatever order the source returned them in.
std::vector<std::size_t> content_order(const Dataset& data, const std::vector<std::size_t>& rows = {});

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
