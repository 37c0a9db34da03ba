// The hashtag log of one learner (users_logs.csv of the 1T platform): the format
// tag set at enrolment, unknown tags that come and go, payment and completion tags.
#pragma once
#include "core/gen/gen_1t_learner.h"
#include "core/gen/gen_1t_rng.h"

namespace ls::gen1t {

// Fills L.tags, sorted by time and cut at the horizon; needs the learner's
// attributes and outcome. Draws from `r` after the daily process (draw order is
// part of the byte-identical output).
void write_tag_log(const Course& C, Rng& r, Learner& L);

}  // namespace ls::gen1t
