// The mprun command: driver mode over unmodified GoogleTest binaries, and
// `mprun merge` for the reports of a sharded run, `mprun report` for the
// HTML page of saved reports, `mprun ctest` for a build folder's CTest suite.
#include <cstdio>
#include <cstring>

#include "core/input/options.h"
#include "core/version.h"
#include "runner/commands/ctest_command.h"
#include "runner/commands/driver_command.h"
#include "runner/commands/merge_command.h"
#include "runner/commands/report_command.h"

namespace {

// `mprun --version`, and after a command's word (`mprun ctest --version`).
bool AsksVersion(int argc, char** argv, mprun::core::Command command) {
  const int at = command == mprun::core::Command::kRun ? 1 : 2;
  return argc > at && std::strcmp(argv[at], "--version") == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (AsksVersion(argc, argv, mprun::core::CommandOf(argc, argv))) {
    std::printf("mprun %s\n", mprun::core::kMprunVersion);
    return 0;
  }
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
