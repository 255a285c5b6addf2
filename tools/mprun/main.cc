// The mprun command: driver mode over unmodified GoogleTest binaries, and
// `mprun merge` for the reports of a sharded run, `mprun report` for the
// HTML page of saved reports, `mprun ctest` for a build folder's CTest suite.
#include "core/options.h"
#include "runner/ctest.h"
#include "runner/driver.h"
#include "runner/merge.h"
#include "runner/report.h"

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
