#include "core/models/dataset.h"

#include <algorithm>

#include "core/base/error.h"
#include "core/base/interrupt.h"

namespace ls::models {

NumColumn& NumColumn::operator=(const NumColumn& o) {
    if (this == &o) return *this;
    if (o.block_) {  // share the block: copies stay cheap and valid
        own_.clear();
        block_ = o.block_;
        p_ = o.p_;
    } else {
        own_.assign(o.p_, o.p_ + o.n_);
        own_.reserve(o.cap_);
        block_.reset();
        p_ = own_.data();
    }
    n_ = o.n_;
    cap_ = o.block_ ? o.cap_ : own_.capacity();
    return *this;
}

NumColumn& NumColumn::operator=(NumColumn&& o) noexcept {
    if (this == &o) return *this;
    own_ = std::move(o.own_);  // a moved vector keeps its buffer: p_ stays valid
    block_ = std::move(o.block_);
    p_ = o.p_;
    n_ = o.n_;
    cap_ = o.cap_;
    o.own_.clear();
    o.block_.reset();
    o.p_ = nullptr;
    o.n_ = o.cap_ = 0;
    return *this;
}

NumColumn& NumColumn::operator=(std::vector<double> values) {
    own_ = std::move(values);
    block_.reset();
    p_ = own_.data();
    n_ = own_.size();
    cap_ = own_.capacity();
    return *this;
}

void NumColumn::use_block(std::shared_ptr<double[]> block, double* slot, std::size_t capacity) {
    own_ = {};
    block_ = std::move(block);
    p_ = slot;
    n_ = 0;
    cap_ = capacity;
}

void NumColumn::grow(std::size_t at_least) {
    std::vector<double> bigger;
    bigger.reserve(std::max(at_least, cap_ * 2));
    bigger.assign(p_, p_ + n_);
    own_ = std::move(bigger);
    block_.reset();
    p_ = own_.data();
    cap_ = own_.capacity();
}

std::int32_t Column::code_of(std::string_view level) {
    auto it = index.find(std::string(level));
    if (it != index.end()) return it->second;
    if (levels.size() >= 100000)
        fail(ErrorKind::ProgramLimitExceeded, "feature \"" + name + "\" has more than 100000 distinct values",
             "A text feature is one-hot encoded; use a numeric feature or group rare values.");
    auto code = static_cast<std::int32_t>(levels.size());
    levels.emplace_back(level);
    index.emplace(levels.back(), code);
    return code;
}

std::size_t Dataset::held_bytes(std::size_t more) const {
    auto grown = [more](std::size_t size, std::size_t cap, std::size_t elem) {
        if (more == 0 || size + more <= cap) return cap * elem;
        return (std::max(size + more, cap * 2) + cap) * elem;
    };
    std::size_t total = grown(y.size(), y.capacity(), sizeof(double));
    if (block) total += block_stride * (features.size() + 1) * sizeof(double);
    for (const auto& c : features) {
        if (c.categorical) {
            total += grown(c.code.size(), c.code.capacity(), sizeof(std::int32_t));
            // a level: its text, the string in `levels` and in the index map's node
            for (const auto& l : c.levels) total += 2 * (l.size() + sizeof(std::string)) + 32;
        } else if (block && c.num.in_block(block.get())) {
            // the block column moves into its own buffer when the rows outgrow it
            if (more && c.num.size() + more > c.num.capacity())
                total += std::max(c.num.size() + more, c.num.capacity() * 2) * sizeof(double);
        } else {
            total += grown(c.num.size(), c.num.capacity(), sizeof(double));
        }
    }
    return total;
}

void Dataset::check_shape() const {
    for (const auto& c : features) {
        std::size_t n = c.categorical ? c.code.size() : c.num.size();
        if (n != rows()) fail(ErrorKind::Internal, "column " + c.name + " has a different length than the target");
    }
}

namespace {

// -1, 0, 1 for numbers with NULL (NaN) after every number; -0.0 equals 0.0.
int compare_number(double a, double b) {
    const bool na = a != a, nb = b != b;
    if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
    return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace

std::vector<std::size_t> content_order(const Dataset& data, const std::vector<std::size_t>& rows) {
    std::vector<std::size_t> order = rows;
    if (order.empty()) {
        order.resize(data.rows());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    }
    // Text levels ranked by their text once, so comparing two rows compares ranks.
    std::vector<std::vector<std::int32_t>> rank(data.features.size());
    for (std::size_t j = 0; j < data.features.size(); ++j) {
        const Column& c = data.features[j];
        if (!c.categorical) continue;
        std::vector<std::int32_t> by_text(c.levels.size());
        for (std::size_t l = 0; l < by_text.size(); ++l) by_text[l] = static_cast<std::int32_t>(l);
        std::sort(by_text.begin(), by_text.end(), [&](std::int32_t a, std::int32_t b) { return c.levels[a] < c.levels[b]; });
        rank[j].resize(c.levels.size());
        for (std::size_t r = 0; r < by_text.size(); ++r) rank[j][by_text[r]] = static_cast<std::int32_t>(r);
    }
    std::size_t compared = 0;
    auto less = [&](std::size_t a, std::size_t b) {
        if ((++compared & 0xFFFFF) == 0) check_interrupts();
        if (int c = compare_number(data.y[a], data.y[b])) return c < 0;
        for (std::size_t j = 0; j < data.features.size(); ++j) {
            const Column& col = data.features[j];
            if (col.categorical) {
                const std::int32_t ca = col.code[a], cb = col.code[b];
                if (ca == cb) continue;
                if (ca < 0 || cb < 0) return cb < 0;  // NULL last
                return rank[j][ca] < rank[j][cb];
            }
            if (int c = compare_number(col.num[a], col.num[b])) return c < 0;
        }
        return false;
    };
    std::stable_sort(order.begin(), order.end(), less);
    return order;
}

}  // namespace ls::models
