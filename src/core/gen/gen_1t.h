// "1T" is the learning platform whose CSV export the 1T scoring specification (the
// customer's document) describes; this generator writes synthetic data in that
// platform's export formats: the nine raw CSV files of docs/loading.md, plus a
// ground-truth folder `_truth/` (planted learner parameters, daily latent
// states as spells, malformed and duplicate lines). Deterministic for a seed.
// The model is documented in docs/generator-1t.md.
#pragma once
#include <string>
#include <vector>

#include "core/gen/gen_1t_learner.h"

namespace ls::gen1t {

struct Options {
    long long learners = 2734;      // the 1T scoring specification's cohort size
    unsigned long long seed = 42;
    double malformed_rate = 0.001;  // per good line of the files that take them; 0 disables
    double duplicate_rate = 0.002;  // exact duplicate event lines; 0 disables
    // Flows (docs/generator-1t.md "Flows"): flows > 1 writes that many flows per course,
    // flow k (1-based) starting (k-1) * flow_gap_days after flow 1, learners spread
    // uniformly over them, and cuts the export off cutoff_day days after the last
    // flow's start: no event at or after the cut-off, and a learner still running at
    // it (flow start + 210 days > cut-off) has users.csv's "Нет данных" / "Не сдана";
    // _truth/flows.csv has every learner's flow and true outcome. flows = 1: the files
    // of earlier versions, byte for byte.
    int flows = 1;
    int flow_gap_days = 147;
    int cutoff_day = 70;
    // Contacts (docs/generator-1t.md "Contacts"; needs flows > 1): tutors per course, each
    // contacting up to tutor_capacity learners of the last (running) flow on every
    // contact day (days 14, 21, ... of the flow before the cut-off); a random holdout
    // share of the eligible learners is never contacted. Writes contacts.csv and
    // _truth/contacts_truth.csv; the contact changes the latent process (ContactEffect).
    bool contacts = false;
    // --contact-flows all: the same contact process in every flow (each within its own days,
    // day < 210 and before the cut-off), plus contact_assignments.csv; false (last): only the
    // last flow, the files of earlier versions byte for byte.
    bool contact_all_flows = false;
    int tutors = 4;
    int tutor_capacity = 5;
    double holdout = 0.2;
    ContactEffect effect;
    HazardParams hazard;
    void (*progress)(long long done, long long total) = nullptr;  // called every 1,000 learners
};

struct FileStats {
    std::string name;
    long long data_lines = 0;  // physical lines after the header
    long long good = 0;        // lines a strict loader accepts (duplicates included)
    long long malformed = 0;
    long long duplicates = 0;
    long long bytes = 0;
};

struct Summary {
    std::vector<FileStats> files;
    long long learners = 0, no_show = 0, late_joiners = 0, offline = 0, without_tags = 0;
    long long completed = 0, dropout = 0, asleep_at_end = 0, no_data = 0, attested = 0;
    long long learner_days = 0, agreeing_days = 0;
    long long running = 0;
    long long contacted = 0, holdout = 0;          // learners of a flow still running at the cut-off (flows > 1)
    long long cutoff_ts = 0;        // the cut-off, seconds since the epoch (local time); 0: none
    long long confusion[3][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};  // [planted][observed]
    double agreement() const { return learner_days ? static_cast<double>(agreeing_days) / learner_days : 0.0; }
    long long total_malformed() const;
    long long total_data_lines() const;
};

// Writes everything into `out_dir` (created if missing). Throws ls::Error.
Summary generate(const Options& options, const std::string& out_dir);

// The nine raw files in docs/loading.md order.
const std::vector<std::string>& raw_file_names();

}  // namespace ls::gen1t
