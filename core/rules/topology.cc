#include "core/rules/topology.h"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <tuple>

#include "core/file_io.h"

namespace mprun::core {

namespace {

// The first line of a small sysfs file; false when it cannot be read.
bool ReadLine(const std::string& path, std::string* out) {
  std::string ignored;  // a missing file degrades the layout, as any unreadable one
  if (!ReadFile(path, out, &ignored)) return false;
  out->resize(std::min(out->find('\n'), out->size()));
  return true;
}

bool ReadInt(const std::string& path, int* out) {
  std::string line;
  if (!ReadLine(path, &line) || line.empty()) return false;
  char* end = nullptr;
  const long v = std::strtol(line.c_str(), &end, 10);
  if (end == line.c_str() || *end != '\0' || v < -1 || v > 1 << 20) return false;
  *out = static_cast<int>(v);
  return true;
}

std::string Plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

bool ParseCpuList(std::string_view text, std::vector<int>* out) {
  out->clear();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (text.empty()) return true;  // a node without CPUs
  size_t i = 0;
  auto number = [&](int* v) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
    long n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i++] - '0');
      if (n > 1 << 20) return false;
    }
    *v = static_cast<int>(n);
    return true;
  };
  while (true) {
    int lo, hi;
    if (!number(&lo)) return false;
    hi = lo;
    if (i < text.size() && text[i] == '-') {
      ++i;
      if (!number(&hi) || hi < lo) return false;
    }
    for (int c = lo; c <= hi; ++c) out->push_back(c);
    if (i == text.size()) return true;
    if (text[i++] != ',') return false;
  }
}

Topology ReadTopology(const std::string& root, const std::vector<int>& cpus) {
  Topology topo;
  // NUMA nodes: which node each CPU is on.
  std::map<int, int> node_of;
  const std::string nodes_dir = root + "/devices/system/node";
  if (DIR* d = opendir(nodes_dir.c_str())) {
    while (const dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.rfind("node", 0) != 0 || name.size() == 4 ||
          name.find_first_not_of("0123456789", 4) != std::string::npos) {
        continue;
      }
      const int node = std::atoi(name.c_str() + 4);
      std::string line;
      std::vector<int> list;
      if (!ReadLine(nodes_dir + "/" + name + "/cpulist", &line) || !ParseCpuList(line, &list)) {
        continue;
      }
      for (int c : list) node_of[c] = node;
    }
    closedir(d);
  }
  std::map<std::tuple<int, int, int>, int> core_index;  // (package, die, core_id) -> index
  std::set<int> packages, nodes;
  for (int cpu : cpus) {
    const std::string dir = root + "/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    CpuPlace p;
    p.cpu = cpu;
    int die = 0, core_id = -1;
    if (!ReadInt(dir + "physical_package_id", &p.package) || p.package < 0) p.package = 0;
    if (!ReadInt(dir + "die_id", &die) || die < 0) die = 0;
    // Without a core id, the CPU is a core of its own (keyed apart from
    // every real core id by a negative number).
    if (!ReadInt(dir + "core_id", &core_id) || core_id < 0) core_id = -1 - cpu;
    const auto it = node_of.find(cpu);
    p.node = it == node_of.end() ? 0 : it->second;
    const auto key = std::make_tuple(p.package, die, core_id);
    const auto [slot, added] = core_index.emplace(key, static_cast<int>(core_index.size()));
    p.core = slot->second;
    packages.insert(p.package);
    nodes.insert(p.node);
    topo.cpus.push_back(p);
  }
  std::sort(topo.cpus.begin(), topo.cpus.end(),
            [](const CpuPlace& a, const CpuPlace& b) { return a.cpu < b.cpu; });
  topo.packages = static_cast<int>(packages.size());
  topo.nodes = static_cast<int>(nodes.size());
  topo.cores = static_cast<int>(core_index.size());
  return topo;
}

std::string Topology::Describe() const {
  std::string s = Plural(packages, "package") + ", " + Plural(nodes, "NUMA node") + ", " +
                  Plural(cores, "core") + ", " + Plural(static_cast<int>(cpus.size()), "CPU");
  if (static_cast<int>(cpus.size()) > cores) s += " (SMT)";
  return s;
}

bool ParsePinMode(std::string_view text, PinMode* out) {
  if (text == "auto") return *out = PinMode::kAuto, true;
  if (text == "cores") return *out = PinMode::kCores, true;
  if (text == "none") return *out = PinMode::kNone, true;
  return false;
}

bool PlanPins(const Topology& topo, int workers, int usable, PinMode mode, PinPlan* plan,
              std::string* err) {
  *plan = PinPlan{};
  if (mode == PinMode::kNone || topo.cpus.empty()) {
    plan->description = mode == PinMode::kNone ? "workers not pinned (--pin=none)"
                                               : "workers not pinned (no CPU list)";
    return true;
  }
  // Each core's usable CPUs in CPU order; cores in order of their first CPU.
  std::vector<std::vector<int>> threads(static_cast<size_t>(topo.cores));
  std::vector<int> core_node(static_cast<size_t>(topo.cores), 0);
  std::vector<int> core_package(static_cast<size_t>(topo.cores), 0);
  for (const CpuPlace& p : topo.cpus) {
    threads[p.core].push_back(p.cpu);
    core_node[p.core] = p.node;
    core_package[p.core] = p.package;
  }
  // Round-robin over (node, package) groups, each in core order.
  std::map<std::pair<int, int>, std::vector<int>> groups;
  for (int c = 0; c < topo.cores; ++c) groups[{core_node[c], core_package[c]}].push_back(c);
  std::vector<int> core_order;
  for (size_t round = 0; core_order.size() < static_cast<size_t>(topo.cores); ++round) {
    for (const auto& [where, cores] : groups) {
      if (round < cores.size()) core_order.push_back(cores[round]);
    }
  }
  plan->quiet_cpu = threads[core_order.back()].front();
  const int physical = topo.cores;
  if (mode == PinMode::kCores && workers > physical) {
    *err = "--pin=cores: " + Plural(workers, "worker") + " but only " +
           Plural(physical, "physical core") + " among the " +
           Plural(static_cast<int>(topo.cpus.size()), "CPU") + " mprun may use (" +
           topo.Describe() + "); use --processes=" + std::to_string(physical) +
           " or fewer, or --pin=auto";
    return false;
  }
  if (mode == PinMode::kAuto &&
      (workers > usable || workers > static_cast<int>(topo.cpus.size()))) {
    plan->description =
        "workers not pinned: " + Plural(workers, "worker") + " for " +
        Plural(std::min<int>(usable, static_cast<int>(topo.cpus.size())), "usable core");
    return true;
  }
  // First threads of every core in core order, then second threads, ...
  for (size_t level = 0; plan->worker_cpus.size() < static_cast<size_t>(workers); ++level) {
    for (int c : core_order) {
      if (level < threads[c].size() && plan->worker_cpus.size() < static_cast<size_t>(workers)) {
        plan->worker_cpus.push_back(threads[c][level]);
      }
    }
  }
  std::string list;
  for (int cpu : plan->worker_cpus) list += (list.empty() ? "" : ",") + std::to_string(cpu);
  const bool own_cores = workers <= physical;
  plan->description = "pinned " + Plural(workers, "worker") +
                      (own_cores ? " one per physical core" : " to CPUs, SMT siblings shared") +
                      " (CPUs " + list + ") on " + topo.Describe();
  return true;
}

}  // namespace mprun::core
