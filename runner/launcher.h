// WorkerLauncher: how the supervisor starts, signals and reaps worker
// processes. Supervisor only. The real one forks; tests use a fake that
// lets them play the worker's part in the segment by hand.
#ifndef MPRUN_RUNNER_LAUNCHER_H_
#define MPRUN_RUNNER_LAUNCHER_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

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

class WorkerLauncher {
 public:
  virtual ~WorkerLauncher() = default;
  // Starts the process for `slot` holding `lease`.
  virtual bool Launch(uint32_t slot, uint32_t lease, LaunchedWorker* out, std::string* err) = 0;
  // Sends `signal` to the worker process alone.
  virtual void SignalWorker(const LaunchedWorker& worker, int signal) = 0;
  // SIGKILLs the worker and everything in its process group (tests' children).
  virtual void KillGroup(const LaunchedWorker& worker) = 0;
  // Sends `signal` to the worker's whole process group (SIGSTOP/SIGCONT when
  // mprun is suspended and resumed).
  virtual void SignalGroup(const LaunchedWorker& worker, int signal) { (void)worker, (void)signal; }
  // Driver mode: sends `signal` to `group`, the process group of the test
  // binary a worker runs now (it has a group of its own).
  virtual void SignalBinaryGroup(uint32_t group, int signal) { (void)group, (void)signal; }
  // Stops the supervisor itself (SIGTSTP was taken through its signalfd) and
  // returns once it is continued (the shell's `fg`).
  virtual void StopSupervisor() = 0;
  // Collects a process whose wait_fd became readable (or that was killed)
  // and closes wait_fd; output_fd stays open for the supervisor to read.
  virtual core::ProcessEnd Reap(LaunchedWorker* worker) = 0;
};

// The real launcher. `body` runs in the child after fork and must not return.
class ForkLauncher : public WorkerLauncher {
 public:
  using Body = std::function<void(uint32_t slot, uint32_t lease, int output_fd)>;
  // `output_span`: the size given to each worker's (sparse) output file.
  ForkLauncher(Body body, uint64_t output_span)
      : body_(std::move(body)), output_span_(output_span) {}

  bool Launch(uint32_t slot, uint32_t lease, LaunchedWorker* out, std::string* err) override;
  void SignalWorker(const LaunchedWorker& worker, int signal) override;
  void KillGroup(const LaunchedWorker& worker) override;
  void SignalGroup(const LaunchedWorker& worker, int signal) override;
  void SignalBinaryGroup(uint32_t group, int signal) override;
  void StopSupervisor() override;
  core::ProcessEnd Reap(LaunchedWorker* worker) override;

 private:
  Body body_;
  uint64_t output_span_;
};

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_LAUNCHER_H_
