// How many CPUs a run may use: the affinity mask, limited by a cgroup CPU
// quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us`/`cpu.cfs_period_us`), rounded
// up. Reads files only; any process.
#ifndef MPRUN_CORE_RULES_CPU_QUOTA_H_
#define MPRUN_CORE_RULES_CPU_QUOTA_H_

#include <string>
#include <string_view>

namespace mprun::core {

// "max 100000" -> 0 (no limit); "150000 100000" -> 2. 0 for anything unreadable.
int CoresFromCpuMax(std::string_view cpu_max);
// quota -1 -> 0 (no limit); 250000/100000 -> 3.
int CoresFromCfsQuota(std::string_view quota_us, std::string_view period_us);

// The tightest CPU limit of the cgroup (and its ancestors) that `proc_cgroup`
// (the text of /proc/self/cgroup) names, reading files under `sys_root`
// (normally "/"). 0 when there is no limit or nothing can be read.
int CgroupCpuLimit(const std::string& sys_root, std::string_view proc_cgroup);

// min(affinity, limit), where a limit of 0 means none; at least 1.
int UsableCores(int affinity_cpus, int cgroup_limit);

}  // namespace mprun::core

#endif  // MPRUN_CORE_RULES_CPU_QUOTA_H_
