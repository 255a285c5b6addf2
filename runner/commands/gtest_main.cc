// main() for test binaries linked with mprun::gtest_main.
#include <mprun/mprun.h>

#include "runner/process/fast_exit.h"

int main(int argc, char** argv) {
  const int status = mprun::RunAllTests(argc, argv);
  // After a parallel run the supervisor skips its teardown (fast_exit.h).
  if (mprun::runner::RanInParallel()) mprun::runner::ExitWithoutTeardown(status);
  return status;
}
