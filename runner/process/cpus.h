// The CPUs this process may use. Any process.
#ifndef MPRUN_RUNNER_PROCESS_CPUS_H_
#define MPRUN_RUNNER_PROCESS_CPUS_H_

#include <vector>

namespace mprun::runner {

// CPU numbers in this process's affinity mask, in order.
std::vector<int> AffinityCpus();
// min(affinity mask, cgroup CPU quota rounded up), at least 1.
int UsableCores();

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_PROCESS_CPUS_H_
