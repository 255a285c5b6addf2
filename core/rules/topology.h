// Topology: how the CPUs mprun may use are laid out (packages, NUMA nodes,
// physical cores, SMT siblings), read from sysfs, and the pinning plan the
// workers get from it (--pin=auto|cores|none). Pure but for reading files
// under a root given by the caller (tests pass a fake sysfs folder).
// Supervisor only, before any fork.
//
// The layout comes from /sys/devices/system/cpu/cpuN/topology/
// {physical_package_id, die_id, core_id} and /sys/devices/system/node/
// nodeM/cpulist. What is missing (containers often hide parts of sysfs)
// degrades to the plainest reading: package 0, node 0, each CPU its own
// core — never an error, since pinning is an optimisation.
#ifndef MPRUN_CORE_RULES_TOPOLOGY_H_
#define MPRUN_CORE_RULES_TOPOLOGY_H_

#include <string>
#include <string_view>
#include <vector>

namespace mprun::core {

struct CpuPlace {
  int cpu = 0;      // the kernel's CPU number
  int package = 0;  // physical_package_id
  int node = 0;     // NUMA node
  int core = 0;     // index of its physical core in Topology (0..cores()-1)
};

struct Topology {
  std::vector<CpuPlace> cpus;  // the usable CPUs, by CPU number
  int packages = 0;
  int nodes = 0;
  int cores = 0;  // physical cores with at least one usable CPU
  // "2 packages, 2 NUMA nodes, 32 cores, 64 CPUs (SMT)"
  std::string Describe() const;
};

// The layout of `cpus` (CPU numbers, e.g. the affinity mask) as sysfs under
// `root` (normally "/sys") tells it.
Topology ReadTopology(const std::string& root, const std::vector<int>& cpus);

// Parses a kernel CPU list ("0-3,8,10-11"); false on anything else.
bool ParseCpuList(std::string_view text, std::vector<int>* out);

enum class PinMode { kAuto, kCores, kNone };
bool ParsePinMode(std::string_view text, PinMode* out);

struct PinPlan {
  // The CPU each worker slot is pinned to; empty: workers are not pinned.
  std::vector<int> worker_cpus;
  // Where the worker of the quiet phase (exclusive and serial tests, nothing
  // else running) is pinned: the first CPU of the last physical core, away
  // from CPU 0 where interrupts and housekeeping tend to land; -1 for none.
  int quiet_cpu = -1;
  // One line for -v: what was pinned where, and why not when not.
  std::string description;
};

// How `workers` workers are pinned on `topo` (with `usable` cores allowed by
// the cgroup quota):
//  - none: never;
//  - cores: each worker its own physical core (its first usable CPU), the
//    SMT siblings left idle; more workers than cores is an error (`err`);
//  - auto: only when workers <= usable: one per physical core while there
//    are enough, then the siblings.
// Cores are taken round-robin over NUMA nodes (then packages), so that a few
// workers spread their memory traffic and heat; within a node in core order.
bool PlanPins(const Topology& topo, int workers, int usable, PinMode mode, PinPlan* plan,
              std::string* err);

}  // namespace mprun::core

#endif  // MPRUN_CORE_RULES_TOPOLOGY_H_
