#include "runner/process/strays.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "core/file_io.h"

namespace mprun::runner {

namespace {

// The state letter of /proc/PID/stat ('Z' for a zombie), or 0.
char StateOf(pid_t pid) {
  const std::string stat = core::ReadWholeFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() ? stat[close + 2] : 0;
}

// The children of every thread of this process, from the kernel's own list
// (/proc/self/task/TID/children, where the kernel has CONFIG_PROC_CHILDREN):
// as many reads as there are children, not one per process on the machine.
// False when the kernel does not have it.
bool ChildrenFromTasks(std::set<pid_t>* out) {
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return false;
  bool any_file = false;
  while (const dirent* e = readdir(tasks)) {
    if (e->d_name[0] == '.') continue;
    std::string text;
    std::string ignored;  // a thread gone since readdir, or no such file in this kernel
    if (!core::ReadFile(std::string("/proc/self/task/") + e->d_name + "/children", &text,
                        &ignored)) {
      continue;
    }
    any_file = true;
    std::istringstream in(text);
    long pid = 0;
    while (in >> pid) out->insert(static_cast<pid_t>(pid));
  }
  closedir(tasks);
  return any_file;
}

// Every process's parent, from /proc/PID/stat: works on every kernel.
std::set<pid_t> ChildrenByScan() {
  std::set<pid_t> out;
  const pid_t self = getpid();
  DIR* d = opendir("/proc");
  if (d == nullptr) return out;
  while (const dirent* e = readdir(d)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    const std::string stat = core::ReadWholeFile(std::string("/proc/") + e->d_name + "/stat");
    // "pid (comm) state ppid ...": comm may hold anything but ends at the last ')'.
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid == self) out.insert(static_cast<pid_t>(pid));
  }
  closedir(d);
  return out;
}

}  // namespace

std::set<pid_t> ChildrenOfSelf() {
  std::set<pid_t> out;
  if (ChildrenFromTasks(&out)) return out;
  return ChildrenByScan();
}

StrayReaper::StrayReaper() {
  prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper_);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  before_ = ChildrenOfSelf();
}

StrayReaper::~StrayReaper() {
  if (!was_subreaper_) prctl(PR_SET_CHILD_SUBREAPER, 0);
}

int StrayReaper::KillStrays() {
  int killed = 0;
  // A stray's own children come to us once it dies: a few rounds.
  for (int round = 0; round < 16; ++round) {
    int found = 0;
    for (pid_t pid : ChildrenOfSelf()) {
      if (before_.count(pid)) continue;
      // Already dead (killed with its worker's group, then handed to us):
      // only to be reaped.
      const bool dead = StateOf(pid) == 'Z';
      ++found;
      killed += dead ? 0 : 1;
      // Its group (a daemon leads its own) and itself; it is our unreaped
      // child, so the pid cannot have been reused.
      const pid_t group = getpgid(pid);
      if (group > 1 && group != getpgrp()) kill(-group, SIGKILL);
      kill(pid, SIGKILL);
      while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    if (found == 0) break;
  }
  return killed;
}

}  // namespace mprun::runner
