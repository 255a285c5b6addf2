// Spawner: every process mprun starts, signals, stops and reaps goes through
// here. Worker processes (forks of mprun that run the worker's body) are
// the supervisor's; test binaries (a driver-mode launch under its shim, a
// listing with --gtest_list_tests) are started by a driver worker or by the
// supervisor before the run. The real one (ForkSpawner) forks; the
// supervisor's tests use a fake that lets them play the worker's part in
// the segment by hand.
#ifndef MPRUN_RUNNER_PROCESS_SPAWNER_H_
#define MPRUN_RUNNER_PROCESS_SPAWNER_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/outcome.h"

namespace mprun::runner {

struct LaunchedWorker {
  pid_t pid = -1;
  int wait_fd = -1;  // readable once the process has ended (a pidfd)
  // The supervisor's handle on the worker's captured output: the same open
  // file as the worker's stdout and stderr, so its offset is where the
  // worker's output ends.
  int output_fd = -1;
};

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
  // Changes to the environment it inherits: "NAME=VALUE" sets NAME,
  // "NAME" alone unsets it (mprun ctest's ENVIRONMENT properties).
  std::vector<std::string> env;
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

class Spawner {
 public:
  virtual ~Spawner() = default;

  // --- Worker processes.
  // Starts the process for `slot` holding `lease`.
  virtual bool Launch(uint32_t slot, uint32_t lease, LaunchedWorker* out, std::string* err) = 0;
  // Sends `signal` to the worker process alone.
  virtual void SignalWorker(const LaunchedWorker& worker, int signal) = 0;
  // SIGKILLs the worker and everything in its process group (tests' children).
  virtual void KillGroup(const LaunchedWorker& worker) = 0;
  // Sends `signal` to the worker's whole process group (SIGSTOP/SIGCONT when
  // mprun is suspended and resumed).
  virtual void SignalGroup(const LaunchedWorker& worker, int signal) { (void)worker, (void)signal; }

  // Stops the supervisor itself (SIGTSTP was taken through its signalfd) and
  // returns once it is continued (the shell's `fg`).
  virtual void StopSupervisor() = 0;
  // Collects a process whose wait_fd became readable (or that was killed)
  // and closes wait_fd; output_fd stays open for the supervisor to read.
  virtual core::ProcessEnd Reap(LaunchedWorker* worker) = 0;

  // --- Test binaries. The program gets a process group of its own (its
  // pid), dies with the process that started it (PR_SET_PDEATHSIG), reads
  // /dev/null and writes into pipes.

  // False with `err` ("fork: ...") and the failed call's errno in
  // `*error_number`.
  virtual bool StartProgram(const ProgramSpec& spec, Program* out, std::string* err,
                            int* error_number) = 0;
  // Sends `signal` to the program alone, or to its whole group. The group
  // id stays reserved while the program is unreaped, so neither reaches a
  // stranger before WaitProgram.
  virtual void SignalProgram(pid_t pid, int signal) = 0;
  virtual void SignalProgramGroup(pid_t group, int signal) = 0;
  // Waits for the program to end: its wait status.
  virtual int WaitProgram(pid_t pid) = 0;
  // Whether it has ended (then reaped, with its wait status), without waiting.
  virtual bool ProgramEnded(pid_t pid, int* status) = 0;
};

// Descriptors a worker launch leaves free for the supervisor's own work
// while every worker runs: a progress copy of the JSON report, a driver
// worker's pipes to its test binary (a fork shares the table's use), the
// sanitizers' own pipe. A launch that would leave fewer fails as if the
// descriptors had run out, and the run goes on with fewer workers; but not
// while none of the spawner's workers is alive: one worker with less room
// beats none.
inline constexpr int kReservedDescriptors = 8;

// The real one. `body` runs in a worker child after fork and must not
// return; a spawner without one starts test binaries only.
class ForkSpawner : public Spawner {
 public:
  using Body = std::function<void(uint32_t slot, uint32_t lease, int output_fd)>;
  ForkSpawner() = default;
  // `output_span`: the size given to each worker's (sparse) output file.
  ForkSpawner(Body body, uint64_t output_span)
      : body_(std::move(body)), output_span_(output_span) {}

  bool Launch(uint32_t slot, uint32_t lease, LaunchedWorker* out, std::string* err) override;
  void SignalWorker(const LaunchedWorker& worker, int signal) override;
  void KillGroup(const LaunchedWorker& worker) override;
  void SignalGroup(const LaunchedWorker& worker, int signal) override;
  void StopSupervisor() override;
  core::ProcessEnd Reap(LaunchedWorker* worker) override;
  bool StartProgram(const ProgramSpec& spec, Program* out, std::string* err,
                    int* error_number) override;
  void SignalProgram(pid_t pid, int signal) override;
  void SignalProgramGroup(pid_t group, int signal) override;
  int WaitProgram(pid_t pid) override;
  bool ProgramEnded(pid_t pid, int* status) override;

 private:
  Body body_;
  uint64_t output_span_ = 0;
  int live_workers_ = 0;  // launched and not yet reaped
};

// How a process ended, from its wait status.
core::ProcessEnd EndOf(int wait_status);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_PROCESS_SPAWNER_H_
