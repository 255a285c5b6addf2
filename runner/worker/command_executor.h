// The command executor of `mprun ctest`: in a worker process, runs a ctest
// test that is no GoogleTest test as ctest runs it -- its command, once, in
// its working directory and environment -- and judges it as ctest does
// (core::JudgeCommand). Its output goes into the worker's output (the
// test's captured output). Worker processes only.
//
// The command runs under the shim, in a process group of its own, like a
// driver-mode launch: a timeout kills the worker's group and the test's
// group with it; what the command leaves behind is killed when it ends.
// Tests of one fixture come as one group, in order (set-ups first, clean-ups
// last): a test that requires a fixture whose set-up failed in the group is
// failed without being run, as ctest does.
#ifndef MPRUN_RUNNER_WORKER_COMMAND_EXECUTOR_H_
#define MPRUN_RUNNER_WORKER_COMMAND_EXECUTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/input/ctest_listing.h"
#include "runner/process/spawner.h"
#include "runner/worker/worker.h"

namespace mprun::runner {

struct CommandTest {
  const core::CtestTest* ctest = nullptr;  // its properties (never null)
  std::vector<std::string> argv;           // argv[0] absolute
  std::string dir;                         // "" = mprun's
  std::vector<std::string> env;            // ProgramSpec::env
  // Not run, and failed with this (ctest's "Not Run": its RESOURCE_GROUPS
  // cannot fit the resource spec); "" to run it.
  std::string refused;
};

struct CommandSetup {
  // Per test of the run's table: what to run (argv empty for GoogleTest
  // tests, which never come here).
  std::vector<CommandTest> tests;
  Spawner* spawner = nullptr;
};

// Runs `tests` (started by the caller, in table order), one after another.
void RunCommands(const CommandSetup& setup, const std::vector<uint32_t>& tests,
                 WorkerRuntime& runtime);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_WORKER_COMMAND_EXECUTOR_H_
