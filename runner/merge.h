// `mprun merge [--json=F] [--junit-xml=F] [--history=F] [-q|-v] REPORT.json...`:
// the JSON reports of a run's shards (or of any runs) as one: one JSON
// report, one JUnit XML file and one summary on the console. Shards whose
// splits were computed from different inputs, a test in two reports, a
// selected test in none, a shard missing from 1..N, or a report left
// incomplete (its run was killed) is an error of the merged run, each told
// in one line (core/shard_cover.h). --history records the merged durations
// (sharded runs never write the history). Exit status as for a run: 0 all
// passed or skipped, 1 a failure or one of those errors, 2 a file that is
// not an mprun report, a history that cannot be written, or bad usage.
#ifndef MPRUN_RUNNER_MERGE_H_
#define MPRUN_RUNNER_MERGE_H_

#include <string>
#include <vector>

#include "core/results.h"

namespace mprun::runner {

// Reports read back and combined: a test of several reports (and the same
// iteration) stands as the first report has it; the cover's errors are in
// `summary.errors`.
struct MergedReports {
  core::RunInfo run;
  std::vector<core::TestResult> results;  // per test of run.tests
  core::RunSummary summary;
};
// False, after saying why on stderr as `WHO: error: ...`, when a file
// cannot be read or is not an mprun JSON report.
bool ReadReports(const std::vector<std::string>& inputs, const char* who, MergedReports* out);

// argv[0] is "merge".
int RunMerge(int argc, char** argv);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_MERGE_H_
