// The ground-truth folder `_truth/` of a generated 1T data set: the planted
// learner parameters, the daily latent states as spells, the malformed and
// duplicate lines the raw files carry, and the summary of the whole run.
#pragma once
#include <cstdio>
#include <string>

#include "core/gen/gen_1t.h"
#include "core/gen/gen_1t_csv.h"

namespace ls::gen1t {

class TruthFiles {
public:
    explicit TruthFiles(const std::string& truth_dir);  // creates the four per-line files

    // Where the raw files record their planted malformed and duplicate lines.
    TruthSinks* sinks() { return &sinks_; }
    // learners.csv and state_spells.csv lines of one learner; adds it to `sum`.
    void add_learner(const Course& C, const Learner& L, const std::string& uid, Summary& sum);
    // summary.csv, then flushes every truth file. Throws ls::Error when one cannot be written.
    void finish(const Options& opt, const Summary& sum);

private:
    void write_learner_line(const Course& C, const Learner& L, const std::string& uid, int active_days, int agree);
    void write_spells(const Course& C, const Learner& L, const std::string& uid);

    // Closed on destruction, also when a later one cannot be created.
    struct OwnedFile {
        std::FILE* f = nullptr;
        OwnedFile() = default;
        OwnedFile(const OwnedFile&) = delete;
        OwnedFile& operator=(const OwnedFile&) = delete;
        ~OwnedFile() {
            if (f) std::fclose(f);
        }
    };

    std::string dir_;
    OwnedFile malformed_, duplicates_, learners_, spells_, summary_;
    TruthSinks sinks_;
    std::string line_;  // reused buffer
};

}  // namespace ls::gen1t
