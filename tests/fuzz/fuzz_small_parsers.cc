// The small parsers of outside text: gtest filter patterns (--gtest_filter,
// --exclusive), kernel CPU lists (sysfs), --shard values, cgroup CPU quotas.
// The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/rules/cpu_quota.h"
#include "core/rules/gtest_filter.h"
#include "core/rules/shard.h"
#include "core/rules/topology.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      const size_t bar = text.find('|');
      const mprun::core::GtestFilter filter(text.substr(0, bar));
      (void)filter.Matches(bar == std::string::npos ? "Suite.Name" : text.substr(bar + 1));
      break;
    }
    case 1: {
      std::vector<int> cpus;
      if (mprun::core::ParseCpuList(text, &cpus)) {
        for (size_t i = 1; i < cpus.size(); ++i) {
          if (cpus[i] < 0) std::abort();
        }
      }
      break;
    }
    case 2: {
      mprun::core::Shard shard;
      std::string err;
      if (mprun::core::ParseShardFlag(text, &shard, &err)) {
        if (shard.total == 0 || shard.index >= shard.total) std::abort();
      } else if (err.empty()) {
        std::abort();
      }
      break;
    }
    case 3: {
      const size_t bar = text.find('|');
      if (mprun::core::CoresFromCpuMax(text) < 0) std::abort();
      if (bar != std::string::npos &&
          mprun::core::CoresFromCfsQuota(text.substr(0, bar), text.substr(bar + 1)) < 0) {
        std::abort();
      }
      break;
    }
  }
  return 0;
}
