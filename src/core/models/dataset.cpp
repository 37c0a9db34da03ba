#include "core/models/dataset.h"

#include "core/base/error.h"

#include <algorithm>

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

}  // namespace ls::models
