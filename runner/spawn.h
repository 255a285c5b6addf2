// StartProgram: the one way mprun starts a test binary (a driver-mode launch
// under its shim, a listing with --gtest_list_tests). The program gets a
// process group of its own, dies with the process that started it
// (PR_SET_PDEATHSIG), reads /dev/null, and writes into pipes.
//
// Worker processes (forks of mprun itself) start through WorkerLauncher
// (runner/launcher.h); that is the seam the supervisor's tests fake.
#ifndef MPRUN_RUNNER_SPAWN_H_
#define MPRUN_RUNNER_SPAWN_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace mprun::runner {

struct ProgramSpec {
  std::vector<std::string> argv;  // argv[0]: the path executed
  std::string dir;                // working directory; "" = this one's
  // stderr into a pipe of its own (else into stdout's).
  bool separate_stderr = false;
  // A test may kill its parent or its process group, and a worker killed so
  // could not say which test did it. Under a shim (a forked copy of this
  // process that starts the program, waits, and ends the way it ended, both
  // in the group) only the shim is lost. `pid` is then the shim's.
  bool under_shim = false;
  // What the child prints (then ": " and the error) when exec fails; ""
  // for "mprun: cannot run PATH".
  std::string exec_failed;
};

struct Program {
  pid_t pid = -1;  // also its process group's id
  int out_fd = -1;
  int err_fd = -1;  // with separate_stderr
};

// What a shim prints into the pipe (and its exit status) when it cannot
// fork the program: the machine is short of processes.
inline constexpr char kShimForkFailed[] = "mprun: fork: ";
inline constexpr int kShimFailed = 127;

// False with `err` ("fork: ...") and the failed call's errno in
// `*error_number`.
bool StartProgram(const ProgramSpec& spec, Program* out, std::string* err, int* error_number);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_SPAWN_H_
