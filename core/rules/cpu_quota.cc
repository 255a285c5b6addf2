#include "core/rules/cpu_quota.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "core/file_io.h"

namespace mprun::core {

namespace {

bool ParsePositive(std::string_view s, long long* out) {
  std::string t(s);
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  if (t.empty()) return false;
  char* end = nullptr;
  const long long v = std::strtoll(t.c_str(), &end, 10);
  if (*end != '\0' || v <= 0) return false;
  *out = v;
  return true;
}

// Both positive. (quota + period - 1) / period would overflow for a quota
// near LLONG_MAX (found by tests/fuzz/fuzz_small_parsers).
int Ceil(long long quota, long long period) {
  const long long cores = quota / period + (quota % period != 0 ? 1 : 0);
  return static_cast<int>(std::min<long long>(cores, 1 << 20));
}

// Tightest limit walking from `dir` up to `top` (both under the same root).
template <typename LimitAt>
int Tightest(std::string dir, const std::string& top, LimitAt limit_at) {
  int best = 0;
  for (;;) {
    const int l = limit_at(dir);
    if (l > 0) best = best == 0 ? l : std::min(best, l);
    if (dir.size() <= top.size()) break;
    const size_t slash = dir.find_last_of('/');
    if (slash == std::string::npos || slash < top.size()) break;
    dir.resize(slash);
  }
  return best;
}

}  // namespace

int CoresFromCpuMax(std::string_view cpu_max) {
  const size_t space = cpu_max.find(' ');
  if (space == std::string_view::npos) return 0;
  long long quota, period;
  if (!ParsePositive(cpu_max.substr(0, space), &quota)) return 0;  // "max"
  if (!ParsePositive(cpu_max.substr(space + 1), &period)) return 0;
  return Ceil(quota, period);
}

int CoresFromCfsQuota(std::string_view quota_us, std::string_view period_us) {
  long long quota, period;
  if (!ParsePositive(quota_us, &quota) || !ParsePositive(period_us, &period)) return 0;
  return Ceil(quota, period);
}

int CgroupCpuLimit(const std::string& sys_root, std::string_view proc_cgroup) {
  std::string root = sys_root;
  if (!root.empty() && root.back() == '/') root.pop_back();
  int best = 0;
  auto take = [&best](int l) {
    if (l > 0) best = best == 0 ? l : std::min(best, l);
  };
  std::istringstream lines{std::string(proc_cgroup)};
  std::string line;
  while (std::getline(lines, line)) {
    // "hierarchy-id:controllers:path"
    const size_t a = line.find(':');
    const size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (path == "/") path.clear();
    if (line.compare(0, a, "0") == 0 && controllers.empty()) {  // cgroup v2
      const std::string top = root + "/sys/fs/cgroup";
      take(Tightest(top + path, top, [](const std::string& dir) {
        return CoresFromCpuMax(ReadWholeFile(dir + "/cpu.max"));
      }));
      continue;
    }
    std::istringstream names(controllers);
    std::string name;
    bool has_cpu = false;
    while (std::getline(names, name, ',')) has_cpu |= name == "cpu";
    if (!has_cpu) continue;
    for (const char* mount : {"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu"}) {
      const std::string top = root + mount;
      take(Tightest(top + path, top, [](const std::string& dir) {
        return CoresFromCfsQuota(ReadWholeFile(dir + "/cpu.cfs_quota_us"),
                                 ReadWholeFile(dir + "/cpu.cfs_period_us"));
      }));
    }
  }
  return best;
}

int UsableCores(int affinity_cpus, int cgroup_limit) {
  int n = std::max(affinity_cpus, 1);
  if (cgroup_limit > 0) n = std::min(n, cgroup_limit);
  return n;
}

}  // namespace mprun::core
