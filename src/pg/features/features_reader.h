// Reads a learning schema for the feature engine through SPI: the course
// catalog (schedule + activities_guide, small) once, then learners one by one
// by merging six cursors ordered by user_id, so backend memory holds one
// learner's events (plus a fetch batch per cursor), never the cohort.
// Must be used between SPI_connect and SPI_finish; every SPI call goes
// through lspg::pg_call, so a PostgreSQL ERROR (cancel, timeout) unwinds C++.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/features/feature_engine.h"

namespace lspg {

// Checks that the schema exists and holds every table the engine reads;
// throws a clear error naming what is missing.
void check_learning_schema(const std::string& schema);

ls::features::CourseCatalog read_course_catalog(const std::string& schema);

class SpiCursor;

class LearnerStream {
public:
    // Events with a timestamp >= cutoff are never read.
    LearnerStream(const std::string& schema, ls::features::Micros cutoff);
    ~LearnerStream();
    // Next learner of `users` (ascending user_id) with its events; false at the end.
    bool next(ls::features::Learner& learner, ls::features::LearnerEvents& events);
    void close();  // closes the cursors (normal path only)

private:
    std::unique_ptr<SpiCursor> users_, auth_, views_, results_, webinars_, tags_;
};

}  // namespace lspg
