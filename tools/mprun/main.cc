// The mprun command: driver mode over unmodified GoogleTest binaries, and
// `mprun merge` for the reports of a sharded run, `mprun report` for the
// HTML page of saved reports, `mprun ctest` for a build folder's CTest suite.
#include "core/input/options.h"
#include "runner/commands/ctest_command.h"
#include "runner/commands/driver_command.h"
#include "runner/commands/merge_command.h"
#include "runner/commands/report_command.h"

int main(int argc, char** argv) {
  switch (mprun::core::CommandOf(argc, argv)) {
    case mprun::core::Command::kMerge:
      return mprun::runner::RunMerge(argc - 1, argv + 1);
    case mprun::core::Command::kReport:
      return mprun::runner::RunReport(argc - 1, argv + 1);
    case mprun::core::Command::kCtest:
      return mprun::runner::RunCtest(argc - 1, argv + 1);
    case mprun::core::Command::kRun:
      break;
  }
  return mprun::runner::RunDriver(argc, argv);
}
