// `mprun merge [--json=F] [--junit-xml=F] [-q|-v] REPORT.json...`: the JSON
// reports of a run's shards (or of any runs) as one: one JSON report, one
// JUnit XML file and one summary on the console. A test in two reports, a
// shard missing from 1..N, or a report left incomplete (its run was killed)
// is an error of the merged run. Exit status as for a run: 0 all passed or
// skipped, 1 a failure or one of those errors, 2 a file that is not an mprun
// report or bad usage.
#ifndef MPRUN_RUNNER_MERGE_H_
#define MPRUN_RUNNER_MERGE_H_

namespace mprun::runner {

// argv[0] is "merge".
int RunMerge(int argc, char** argv);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_MERGE_H_
