#include "core/features/activity_status.h"

#include <string>

#include "core/base/error.h"

namespace ls::features {

void StatusThresholds::validate() const {
    if (falling_asleep_days <= 0 || asleep_days <= falling_asleep_days) {
        fail(ErrorKind::InvalidParameter,
             "invalid activity thresholds: falling_asleep_days = " + std::to_string(falling_asleep_days) +
                 ", asleep_days = " + std::to_string(asleep_days),
             "Use 0 < falling_asleep_days < asleep_days (defaults 7 and 20).");
    }
}

ActivityStatus classify(std::optional<int> days_inactive, const StatusThresholds& t) {
    if (!days_inactive) return ActivityStatus::Unknown;
    if (*days_inactive < t.falling_asleep_days) return ActivityStatus::Active;
    if (*days_inactive < t.asleep_days) return ActivityStatus::FallingAsleep;
    return ActivityStatus::Asleep;
}

const char* status_name(ActivityStatus s) {
    switch (s) {
        case ActivityStatus::Active: return "active";
        case ActivityStatus::FallingAsleep: return "falling_asleep";
        case ActivityStatus::Asleep: return "asleep";
        case ActivityStatus::Unknown: break;
    }
    return nullptr;
}

}  // namespace ls::features
