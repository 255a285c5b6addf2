// The mprun command: driver mode over unmodified GoogleTest binaries, and
// `mprun merge` for the reports of a sharded run, `mprun report` for the
// HTML page of saved reports.
#include <cstring>

#include "runner/driver.h"
#include "runner/merge.h"
#include "runner/report.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "merge") == 0) {
    return mprun::runner::RunMerge(argc - 1, argv + 1);
  }
  if (argc > 1 && std::strcmp(argv[1], "report") == 0) {
    return mprun::runner::RunReport(argc - 1, argv + 1);
  }
  return mprun::runner::RunDriver(argc, argv);
}
