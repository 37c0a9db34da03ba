// The nine raw files of the 1T platform's export: their layouts (headers exactly
// as the 1T scoring specification shows them) and the rows the generator writes
// into them for the catalog and for each learner.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/gen/gen_1t_catalog.h"
#include "core/gen/gen_1t_csv.h"
#include "core/gen/gen_1t_learner.h"

namespace ls::gen1t {

enum FileNo { kUat = 0, kAuth, kSchedule, kViews, kWebinars, kResults, kUsersLogs, kUsers, kGuide, kFileCount };

// In docs/loading.md order; indexed by FileNo.
extern const FileSpec kFileSpecs[kFileCount];

using RawFiles = std::vector<std::unique_ptr<CsvFile>>;  // indexed by FileNo

// Sets a field to the decimal digits of v.
void set_int(std::string& s, long long v);

// schedule.csv and activities_guide.csv for every course of the catalog.
void write_catalog(const Catalog& cat, CsvFile& schedule, CsvFile& guide);
// Flows (docs/generator-1t.md "Flows"): the schedule rows of flow `flow` (1-based, its
// catalogue shifted to the flow's start), and activities_guide only when `with_guide`.
void write_catalog_flow(const Catalog& cat, int flow, bool with_guide, CsvFile& schedule, CsvFile& guide);

// Every raw line of one learner; `uid` is its user id as written.
void write_learner_rows(const Course& C, const Learner& L, const std::string& uid, RawFiles& files, int flow = 1);

}  // namespace ls::gen1t
