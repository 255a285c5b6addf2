#include "runner/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mprun::runner {

namespace {

// In the child: the program's own process, from fork to exec.
[[noreturn]] void ExecProgram(const std::vector<char*>& args, const ProgramSpec& spec,
                              const char* exec_failed, int out_fd, int err_fd, pid_t parent) {
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
  execv(args[0], args.data());
  std::fprintf(stderr, "%s: %s\n", exec_failed, std::strerror(errno));
  _exit(127);
}

// In the child: the shim, which starts the program, waits for it, and ends
// the way it ended (the same signal, without a core file of its own).
[[noreturn]] void RunShim(const std::vector<char*>& args, const ProgramSpec& spec,
                          const char* exec_failed, int out_fd, int err_fd) {
  const pid_t shim = getpid();
  const pid_t child = fork();
  if (child < 0) {
    // Into the pipe, where the worker looks for it.
    dprintf(out_fd, "%s%s\n", kShimForkFailed, std::strerror(errno));
    _exit(kShimFailed);
  }
  if (child == 0) ExecProgram(args, spec, exec_failed, out_fd, err_fd, shim);
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

bool Fail(const char* what, std::string* err, int* error_number) {
  *error_number = errno;
  *err = std::string(what) + ": " + std::strerror(errno);
  return false;
}

}  // namespace

bool StartProgram(const ProgramSpec& spec, Program* out, std::string* err, int* error_number) {
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
    if (!spec.under_shim) ExecProgram(args, spec, exec_failed.c_str(), outp[1], child_err, parent);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    RunShim(args, spec, exec_failed.c_str(), outp[1], child_err);
  }
  setpgid(pid, pid);  // also here, so that the group exists at once (either call wins)
  close(outp[1]);
  if (errp[1] >= 0) close(errp[1]);
  out->pid = pid;
  out->out_fd = outp[0];
  out->err_fd = errp[0];
  return true;
}

}  // namespace mprun::runner
