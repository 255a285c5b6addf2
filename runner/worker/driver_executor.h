// The driver-mode executor: in a worker process (a forked mprun), runs the
// tests of each batch by launching their binary once, unmodified, with an
// exact --gtest_filter, and follows what it prints. Worker processes only.
//
// Progress comes from GoogleTest's console stream (stdout and stderr of the
// child into one pipe, --gtest_color=no), not --gtest_stream_result_to:
// every gtest version prints it, it needs no socket, and it carries the
// tests' output in order. Its limits: a test that prints a line looking
// exactly like gtest's end marker for itself ("[       OK ] Suite.Name")
// ends early in mprun's eyes; output a test writes to stderr after its last
// stdout line may be attributed to it even if written later by a thread.
//
// The binary runs under a shim (a forked copy of the worker that starts it,
// waits, and ends as it ended), both in a process group of their own and
// each with PR_SET_PDEATHSIG: a test that kills its parent or its group
// takes only the shim, so the worker lives to read which test it was; a
// timeout (the supervisor kills the worker's group) or a dead worker takes
// both. When the binary dies in a test, that test is crashed and the tests
// of the batch it never reached go back on the deque at once; the worker
// goes on. A launch's leftover processes are killed with its group.
#ifndef MPRUN_RUNNER_WORKER_DRIVER_EXECUTOR_H_
#define MPRUN_RUNNER_WORKER_DRIVER_EXECUTOR_H_

#include <functional>
#include <string>
#include <vector>

#include "core/results.h"
#include "runner/framework/test_framework.h"
#include "runner/process/spawner.h"
#include "runner/worker/worker.h"

namespace mprun::runner {

struct DriverSetup {
  const core::RunInfo* run = nullptr;
  // What to execute for each of run->binaries (absolute paths).
  std::vector<std::string> exec_paths;
  // The framework of each of run->binaries' tests (empty: GoogleTest for
  // all): how a launch is asked for its tests and followed.
  std::vector<const TestFramework*> frameworks;
  // Arguments after the selection for every launch: the framework's flags
  // passed through, then the user's arguments after `--`.
  std::vector<std::string> extra_args;
  bool also_run_disabled = false;
  // Per test: how many tests its suite has in the table when that is every
  // test `Suite.*` would run in its binary, else 0. A batch holding all of
  // them names the suite by that wildcard (a shorter selection: less for
  // the binary to parse and match).
  std::vector<uint32_t> whole_suite_size;
  // Starts, signals and waits for the binaries (in the worker process: the
  // supervisor's copy, inherited by fork).
  Spawner* spawner = nullptr;
  bool chdir_to_binary = false;
  // A binary that dies before running any test this many times in a row
  // (in one worker) fails the tests it was given.
  int max_launches_without_a_test = 3;
  // mprun ctest, per binary (empty: none for any): the working directory
  // ("" = as above), changes to the environment (ProgramSpec::env) and
  // arguments before extra_args that its ctest tests give it.
  std::vector<std::string> binary_dirs;
  std::vector<std::vector<std::string>> binary_env;
  std::vector<std::vector<std::string>> binary_args;
  // mprun ctest, per binary (empty: none): its tests are commands of their
  // own, no GoogleTest binary's. They are run by `run_commands` (a group of
  // them, started, in table order), never given a gtest flag.
  std::vector<bool> commands;
  std::function<void(const std::vector<uint32_t>& tests, WorkerRuntime& runtime)> run_commands;
};

void RunDriverWorker(const DriverSetup& setup, WorkerRuntime& runtime);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_WORKER_DRIVER_EXECUTOR_H_
