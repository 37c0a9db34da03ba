// Activity status of a learner on a day (the 1T scoring specification): active, falling asleep,
// asleep, from the whole days since the last activity event.
#pragma once
#include <optional>

namespace ls::features {

enum class ActivityStatus { Unknown, Active, FallingAsleep, Asleep };

struct StatusThresholds {
    int falling_asleep_days = 7;  // idle >= this -> falling_asleep
    int asleep_days = 20;         // idle >= this -> asleep
    // Throws ls::Error(InvalidParameter) unless 0 < falling_asleep_days < asleep_days.
    void validate() const;
};

ActivityStatus classify(std::optional<int> days_inactive, const StatusThresholds& t);

// "active", "falling_asleep", "asleep"; nullptr for Unknown.
const char* status_name(ActivityStatus s);

}  // namespace ls::features
