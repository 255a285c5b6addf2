#include "runner/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mprun::runner {

bool ForkLauncher::Launch(uint32_t slot, uint32_t lease, LaunchedWorker* out, std::string* err) {
  const std::string name = "mprun-worker-" + std::to_string(slot);
  const int output = memfd_create(name.c_str(), MFD_CLOEXEC);
  if (output < 0) {
    *err = std::string("memfd_create: ") + std::strerror(errno);
    return false;
  }
  // Sparse: costs nothing until written; lets the worker map it whole.
  if (ftruncate(output, static_cast<off_t>(output_span_)) != 0) {
    *err = std::string("ftruncate of the output file: ") + std::strerror(errno);
    close(output);
    return false;
  }
  // A descriptor held for the pidfd: once the child runs it takes tests, so
  // a pidfd_open refused for want of descriptors would cost a kill and a
  // recovery (the supervisor's RecoverFailedLaunch).
  const int spare = fcntl(output, F_DUPFD_CLOEXEC, 0);
  if (spare < 0) {
    *err = std::string("no descriptor for the worker's pidfd: ") + std::strerror(errno);
    close(output);
    return false;
  }
  const pid_t parent = getpid();
  std::fflush(nullptr);  // no buffered output may be written twice
  const pid_t pid = fork();
  if (pid < 0) {
    *err = std::string("fork: ") + std::strerror(errno);
    close(spare);
    close(output);
    return false;
  }
  if (pid == 0) {
    // Own process group: the terminal's ^C reaches only the supervisor, and
    // the supervisor can kill a test's children with the worker.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the supervisor died before prctl
    close(spare);
    body_(slot, lease, output);
    _exit(0);
  }
  setpgid(pid, pid);  // also here, so that KillGroup works at once (either call wins)
  close(spare);       // the supervisor is one thread: nothing takes it meanwhile
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    *err = std::string("pidfd_open: ") + std::strerror(errno);
    kill(-pid, SIGKILL);  // the child and what it started, as KillGroup
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(output);
    return false;
  }
  out->pid = pid;
  out->wait_fd = pidfd;
  out->output_fd = output;
  return true;
}

void ForkLauncher::SignalWorker(const LaunchedWorker& worker, int signal) {
  if (worker.pid > 0) kill(worker.pid, signal);
}

void ForkLauncher::KillGroup(const LaunchedWorker& worker) {
  // The group id is the worker's pid; while the worker is unreaped (even as
  // a zombie) that id cannot be reused, so this never hits a stranger.
  if (worker.pid > 0) kill(-worker.pid, SIGKILL);
}

void ForkLauncher::SignalGroup(const LaunchedWorker& worker, int signal) {
  if (worker.pid > 0) kill(-worker.pid, signal);  // as KillGroup: never a stranger
}

void ForkLauncher::SignalBinaryGroup(uint32_t group, int signal) {
  // The worker keeps the group id reserved (its shim is unreaped) while it
  // is published in the slot, so this never reaches a stranger.
  if (group > 1) kill(-static_cast<pid_t>(group), signal);
}

void ForkLauncher::StopSupervisor() {
  // SIGTSTP is blocked (it comes through the signalfd), so stop for real
  // with SIGSTOP; SIGCONT continues from here.
  raise(SIGSTOP);
}

core::ProcessEnd ForkLauncher::Reap(LaunchedWorker* worker) {
  core::ProcessEnd end;
  siginfo_t info = {};
  while (waitid(P_PID, static_cast<id_t>(worker->pid), &info, WEXITED) != 0 && errno == EINTR) {
  }
  if (info.si_code == CLD_EXITED) {
    end.code = info.si_status;
  } else {
    end.signaled = true;
    end.code = info.si_status;
  }
  if (worker->wait_fd >= 0) close(worker->wait_fd);
  worker->wait_fd = -1;
  worker->pid = -1;
  return end;
}

}  // namespace mprun::runner
