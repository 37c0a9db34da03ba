// One learner of the synthetic 1T scenario: latent traits, the daily latent
// engagement process (active -> falling asleep -> asleep, with recovery), the
// events it emits, and the module-2 outcome. See docs/generator-1t.md.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/gen/gen_1t_catalog.h"

namespace ls::gen1t {

enum class State : std::uint8_t { Active = 0, FallingAsleep = 1, Asleep = 2 };
const char* state_name(State s);  // active, falling_asleep, asleep

enum class Kind : std::uint8_t { Regular = 0, NoShow = 1, LateJoiner = 2 };
const char* kind_name(Kind k);

struct AuthEvent { long long ts; int agent; int window; };
struct ViewEvent { long long ts; int task; int activity; };  // activity < 0: the lesson page (занятие) of `task`
struct ResultEvent { long long ts; int activity; int result; bool success; };  // result < 0: Пропуск
struct WebinarEvent { long long ts; int webinar; bool connect; bool online; };
struct TagEvent { long long ts; std::string comment; };

// Parameters of the hazard of leaving the active state (per day, log scale).
struct HazardParams {
    double base = 0.0025;           // daily hazard of an average learner with no risk factors
    double motivation = -0.55;      // per SD of motivation
    double behind = 1.8;            // progress: share of opened result-bearing activities not passed
    double missed_deadline = 0.07;  // deadlines: per deadline missed in the last 14 days
    double early_failure = 1.6;     // early success: share of failed first attempts among the first 5
    double irregularity = 0.6;      // regularity: per 0.1 below the typical daily activity probability 0.74
};

// A tutor's contact planted into the latent process (docs/generator-1t.md "Contacts"):
// at the start of day `day` (after the day's transition), a learner falling asleep
// wakes up (back to active) with probability wake_falling_asleep and then has its hazard
// of leaving the active state multiplied by woken_hazard_factor for the rest of the
// course; an active one has it multiplied by active_hazard_factor; an asleep one is
// unaffected. day < 0: no contact.
struct ContactEffect {
    int day = -1;
    double wake_falling_asleep = 0.9;
    double woken_hazard_factor = 0.5;
    double active_hazard_factor = 0.85;
    unsigned long long draw = 0;  // seeds the contact's own draw (the wake-up)
};

struct Learner {
    // identity and static attributes
    int index = 0;
    int user_id = 0;
    long long unti_id = 0;
    int course = 0;  // index into Catalog::courses
    int age = 0;     // 0: no users_age_timezone row
    std::string time_zone;
    int tg_bot = 0;  // 0 none (written —), 1 connected, 2 stopped
    bool offline = false;
    bool has_tags = true;
    Kind kind = Kind::Regular;
    int join_day = 0;
    // latent traits
    double motivation = 0, ability = 0, regularity = 0, pace = 0, base_hazard = 0;
    // latent process and its summary
    std::array<State, kHorizonDays> state{};
    std::vector<std::uint8_t> activity_day;  // 1 when the learner emitted an activity event that day
    int first_falling_asleep = -1, first_asleep = -1, recoveries = 0;
    double early_fail_share = 0;
    int early_attempts = 0;
    // outcome
    int m2_progress = -1;     // -1: Нет данных
    int m2_attestation = -1;  // -1: Не сдана
    long long m2_attestation_ts = 0;
    bool completed = false;
    bool dropout = false;
    // emitted events, each sorted by time
    std::vector<AuthEvent> auths;
    std::vector<ViewEvent> views;
    std::vector<ResultEvent> results;
    std::vector<WebinarEvent> webinars;
    std::vector<TagEvent> tags;
};

extern const char* const kUserAgents[];
extern const int kUserAgentCount;
extern const char* const kWindowSizes[];
extern const int kWindowSizeCount;

// Simulates learner `index` of the cohort for `seed`; depends only on
// (seed, index), so a larger cohort extends a smaller one. Reuses `out`'s buffers.
void simulate_learner(const Catalog& catalog, unsigned long long seed, int index, const HazardParams& hp, Learner& out,
                      const ContactEffect& contact = ContactEffect{});

// Compares the planted state with the activity status of docs/features.md computed
// from the learner's emitted activity days (calendar days since the last
// activity day, or since the course start date when none yet: <7 active,
// 7-19 falling asleep, >=20 asleep) on each of the 210 days; adds them to
// confusion[planted][observed] and returns the number of agreeing days.
int add_agreement(const Learner& l, long long confusion[3][3]);

}  // namespace ls::gen1t
