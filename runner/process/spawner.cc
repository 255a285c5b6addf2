#include "runner/process/spawner.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>

namespace mprun::runner {

namespace {

// In the child: the program's own process, from fork to exec.
[[noreturn]] void ExecProgram(const std::vector<char*>& args, const ProgramSpec& spec,
                              const char* exec_failed, int out_fd, int err_fd, pid_t parent,
                              char* const* envp) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the parent died before prctl
  const sched_param normal = {};
  sched_setscheduler(0, SCHED_OTHER, &normal);  // a driver worker is SCHED_BATCH, not the tests
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0) dup2(null, STDIN_FILENO);
  if (!spec.dir.empty() && chdir(spec.dir.c_str()) != 0) {
    std::fprintf(stderr, "mprun: cannot enter %s: %s\n", spec.dir.c_str(), std::strerror(errno));
    _exit(127);
  }
  if (envp != nullptr) {
    execve(args[0], args.data(), envp);
  } else {
    execv(args[0], args.data());
  }
  std::fprintf(stderr, "%s: %s\n", exec_failed, std::strerror(errno));
  _exit(127);
}

// In the child: the shim, which starts the program, waits for it, and ends
// the way it ended (the same signal, without a core file of its own).
[[noreturn]] void RunShim(const std::vector<char*>& args, const ProgramSpec& spec,
                          const char* exec_failed, int out_fd, int err_fd, char* const* envp) {
  const pid_t shim = getpid();
  const pid_t child = fork();
  if (child < 0) {
    // Into the pipe, where the worker looks for it.
    dprintf(out_fd, "%s%s\n", kShimForkFailed, std::strerror(errno));
    _exit(kShimFailed);
  }
  if (child == 0) ExecProgram(args, spec, exec_failed, out_fd, err_fd, shim, envp);
  close(out_fd);
  if (err_fd != out_fd) close(err_fd);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    const struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(WTERMSIG(status), SIG_DFL);
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_UNBLOCK, &all, nullptr);
    raise(WTERMSIG(status));
    _exit(128 + WTERMSIG(status));
  }
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

// This process's environment with `changes` (ProgramSpec::env) made, as
// strings in `storage` and the pointers execve takes in `envp`.
void ChangedEnvironment(const std::vector<std::string>& changes, std::vector<std::string>* storage,
                        std::vector<char*>* envp) {
  for (char** e = environ; *e != nullptr; ++e) storage->push_back(*e);
  for (const std::string& c : changes) {
    const std::string name = c.substr(0, c.find('='));
    std::erase_if(*storage, [&name](const std::string& e) {
      return e.size() > name.size() && e[name.size()] == '=' &&
             e.compare(0, name.size(), name) == 0;
    });
    if (c.find('=') != std::string::npos) storage->push_back(c);
  }
  for (std::string& e : *storage) envp->push_back(e.data());
  envp->push_back(nullptr);
}

// At most how many descriptors are free once `lowest_free` is taken: each
// new descriptor gets the lowest free number, so every one below it is in
// use. (Ones in use above it are not counted: the figure may be higher
// than the truth, never lower.)
long DescriptorsLeftAbove(int lowest_free) {
  struct rlimit files {};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) return LONG_MAX;
  return static_cast<long>(files.rlim_cur) - 1 - lowest_free;
}

bool Fail(const char* what, std::string* err, int* error_number) {
  *error_number = errno;
  *err = std::string(what) + ": " + std::strerror(errno);
  return false;
}

}  // namespace

bool ForkSpawner::Launch(uint32_t slot, uint32_t lease, LaunchedWorker* out, std::string* err) {
  if (!body_) {
    *err = "this spawner starts test binaries only";
    return false;
  }
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
  if (const long left = DescriptorsLeftAbove(spare);
      live_workers_ > 0 && left < kReservedDescriptors) {
    *err = "too few file descriptors: a worker would leave " + std::to_string(left < 0 ? 0 : left) +
           " of the limit (ulimit -n) for the supervisor's own, which needs " +
           std::to_string(kReservedDescriptors);
    close(spare);
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
  ++live_workers_;
  return true;
}

void ForkSpawner::SignalWorker(const LaunchedWorker& worker, int signal) {
  if (worker.pid > 0) kill(worker.pid, signal);
}

void ForkSpawner::KillGroup(const LaunchedWorker& worker) {
  // The group id is the worker's pid; while the worker is unreaped (even as
  // a zombie) that id cannot be reused, so this never hits a stranger.
  if (worker.pid > 0) kill(-worker.pid, SIGKILL);
}

void ForkSpawner::SignalGroup(const LaunchedWorker& worker, int signal) {
  if (worker.pid > 0) kill(-worker.pid, signal);  // as KillGroup: never a stranger
}

void ForkSpawner::SignalProgram(pid_t pid, int signal) {
  if (pid > 0) kill(pid, signal);
}

void ForkSpawner::SignalProgramGroup(pid_t group, int signal) {
  if (group > 1) kill(-group, signal);
}

int ForkSpawner::WaitProgram(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

bool ForkSpawner::ProgramEnded(pid_t pid, int* status) {
  const pid_t r = waitpid(pid, status, WNOHANG);
  return r == pid || (r < 0 && errno == ECHILD);
}

void ForkSpawner::StopSupervisor() {
  // SIGTSTP is blocked (it comes through the signalfd), so stop for real
  // with SIGSTOP; SIGCONT continues from here.
  raise(SIGSTOP);
}

core::ProcessEnd ForkSpawner::Reap(LaunchedWorker* worker) {
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
  if (worker->pid > 0 && live_workers_ > 0) --live_workers_;
  worker->wait_fd = -1;
  worker->pid = -1;
  return end;
}

bool ForkSpawner::StartProgram(const ProgramSpec& spec, Program* out, std::string* err,
                               int* error_number) {
  int outp[2], errp[2] = {-1, -1};
  if (pipe2(outp, O_CLOEXEC) != 0) return Fail("pipe", err, error_number);
  if (spec.separate_stderr && pipe2(errp, O_CLOEXEC) != 0) {
    close(outp[0]);
    close(outp[1]);
    return Fail("pipe", err, error_number);
  }
  const int child_err = spec.separate_stderr ? errp[1] : outp[1];
  std::vector<char*> args;
  for (const std::string& a : spec.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Composed here: the child only calls what is safe after fork.
  const std::string exec_failed =
      spec.exec_failed.empty() ? "mprun: cannot run " + spec.argv[0] : spec.exec_failed;
  std::vector<std::string> env_storage;
  std::vector<char*> envp;
  if (!spec.env.empty()) ChangedEnvironment(spec.env, &env_storage, &envp);
  char* const* env = spec.env.empty() ? nullptr : envp.data();
  const pid_t parent = getpid();
  std::fflush(nullptr);  // no buffered output may be written twice
  const pid_t pid = fork();
  if (pid < 0) {
    const bool failed = Fail("fork", err, error_number);
    for (int fd : {outp[0], outp[1], errp[0], errp[1]}) {
      if (fd >= 0) close(fd);
    }
    return failed;
  }
  if (pid == 0) {
    setpgid(0, 0);
    close(outp[0]);
    if (errp[0] >= 0) close(errp[0]);
    if (!spec.under_shim) {
      ExecProgram(args, spec, exec_failed.c_str(), outp[1], child_err, parent, env);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    RunShim(args, spec, exec_failed.c_str(), outp[1], child_err, env);
  }
  setpgid(pid, pid);  // also here, so that the group exists at once (either call wins)
  close(outp[1]);
  if (errp[1] >= 0) close(errp[1]);
  out->pid = pid;
  out->out_fd = outp[0];
  out->err_fd = errp[0];
  return true;
}

core::ProcessEnd EndOf(int wait_status) {
  core::ProcessEnd end;
  end.signaled = WIFSIGNALED(wait_status);
  end.code = end.signaled ? WTERMSIG(wait_status) : WEXITSTATUS(wait_status);
  return end;
}

}  // namespace mprun::runner
