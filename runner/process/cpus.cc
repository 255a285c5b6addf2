#include "runner/process/cpus.h"

#include <sched.h>

#include "core/file_io.h"
#include "core/rules/cpu_quota.h"

namespace mprun::runner {

std::vector<int> AffinityCpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

int UsableCores() {
  return core::UsableCores(static_cast<int>(AffinityCpus().size()),
                           core::CgroupCpuLimit("/", core::ReadWholeFile("/proc/self/cgroup")));
}

}  // namespace mprun::runner
