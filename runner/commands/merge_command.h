// `mprun merge [--json=F] [--junit-xml=F] [--history=F] [-q|-v] REPORT.json...`:
// the JSON reports of a run's shards (or of any runs) as one: one JSON
// report, one JUnit XML file and one summary on the console. Shards whose
// splits were computed from different inputs, a test in two reports, a
// selected test in none, a shard missing from 1..N, or a report left
// incomplete (its run was killed) is an error of the merged run, each told
// in one line (core/report/shard_cover.h). --history records the merged durations
// (sharded runs never write the history). Exit status as for a run: 0 all
// passed or skipped, 1 a failure or one of those errors, 2 a file that is
// not an mprun report, a history that cannot be written, or bad usage.
#ifndef MPRUN_RUNNER_COMMANDS_MERGE_COMMAND_H_
#define MPRUN_RUNNER_COMMANDS_MERGE_COMMAND_H_

namespace mprun::runner {

// argv[0] is "merge".
int RunMerge(int argc, char** argv);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_COMMANDS_MERGE_COMMAND_H_
