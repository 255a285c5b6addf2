// Strays: processes a run's tests left behind that escaped their worker's
// process group (a daemon: fork, setsid, fork). Supervisor only.
//
// While a run is on, the supervisor is a child subreaper
// (PR_SET_CHILD_SUBREAPER): a process whose parent dies is reparented to it
// rather than to init, wherever it moved its session or group. After the
// last worker has ended, every child of the supervisor that was not its
// child when the run began is such a stray; each is killed with its process
// group and reaped, until none is left. Processes the binary itself started
// before the run (a shared environment's server) are left alone.
#ifndef MPRUN_RUNNER_PROCESS_STRAYS_H_
#define MPRUN_RUNNER_PROCESS_STRAYS_H_

#include <sys/types.h>

#include <set>

namespace mprun::runner {

class StrayReaper {
 public:
  // Becomes a subreaper and notes the children there are now.
  StrayReaper();
  // Restores the previous subreaper setting.
  ~StrayReaper();
  StrayReaper(const StrayReaper&) = delete;
  StrayReaper& operator=(const StrayReaper&) = delete;

  // Kills and reaps the children that came since (call with no worker
  // alive); how many there were.
  int KillStrays();

 private:
  int was_subreaper_ = 0;
  std::set<pid_t> before_;
};

// The current children of this process (from /proc).
std::set<pid_t> ChildrenOfSelf();

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_PROCESS_STRAYS_H_
