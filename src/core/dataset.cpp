#include "core/dataset.h"

#include "core/error.h"

namespace ls::models {

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

void Dataset::check_shape() const {
    for (const auto& c : features) {
        std::size_t n = c.categorical ? c.code.size() : c.num.size();
        if (n != rows()) fail(ErrorKind::Internal, "column " + c.name + " has a different length than the target");
    }
}

}  // namespace ls::models
