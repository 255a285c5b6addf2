// `mprun report --html=FILE [--history=FILE] REPORT.json...`: the page of
// `--html` made from saved JSON reports. One report is shown as it is
// (its perf section, worker restarts and host facts included); several (a
// sharded run's) are first combined as `mprun merge` combines them, cover
// errors and all. --history adds to each test whose duration moved the
// durations the history recorded for it, when the report has none.
// Exit status 0 when the page was written, 2 for bad usage, a file that
// cannot be read or is not an mprun report, or a page that cannot be written.
#ifndef MPRUN_RUNNER_COMMANDS_REPORT_COMMAND_H_
#define MPRUN_RUNNER_COMMANDS_REPORT_COMMAND_H_

namespace mprun::runner {

// argv[0] is "report".
int RunReport(int argc, char** argv);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_COMMANDS_REPORT_COMMAND_H_
