#include "cli/load/reject_spool.h"

namespace lscli {

std::vector<std::string> RejectSpool::summary(size_t top) const {
    std::vector<const Kind*> all;
    for (const auto& [k, v] : kinds_) all.push_back(&v);
    std::stable_sort(all.begin(), all.end(), [](const Kind* a, const Kind* b) { return a->count > b->count; });
    std::vector<std::string> out;
    for (size_t i = 0; i < all.size() && i < top; ++i)
        out.push_back(grouped(all[i]->count) + " × " + std::string(prefix(all[i]->first_reason, 160)) + " (first on line " +
                      std::to_string(all[i]->first_line) + ": " + all[i]->first_raw + ")");
    if (all.size() > top) {
        long long rest = 0;
        for (size_t i = top; i < all.size(); ++i) rest += all[i]->count;
        out.push_back(grouped(rest) + " × other reasons");
    }
    return out;
}

}  // namespace lscli
