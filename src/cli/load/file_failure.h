#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace lscli {

// A file that fails as a whole: nothing of it is kept (its transaction is
// rolled back, or was never begun). `details` are shown under the message.
struct FileFailure : std::runtime_error {
    explicit FileFailure(const std::string& msg, std::vector<std::string> d = {}) : std::runtime_error(msg), details(std::move(d)) {}
    std::vector<std::string> details;
};

}  // namespace lscli
