#include "core/rules/shard.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <numeric>

namespace mprun::core {

namespace {

bool ParseCount(const std::string& what, const char* text, uint32_t lo, uint32_t* out,
                std::string* err) {
  errno = 0;
  char* end = nullptr;
  const unsigned long v = std::strtoul(text, &end, 10);
  if (*text == '\0' || *text == '-' || *end != '\0' || errno == ERANGE || v < lo || v > 1000000) {
    *err =
        what + ": '" + text + "' is not a whole number from " + std::to_string(lo) + " to 1000000";
    return false;
  }
  *out = static_cast<uint32_t>(v);
  return true;
}

std::string Describe(const Shard& s) {
  return std::to_string(s.index + 1) + " of " + std::to_string(s.total);
}

uint64_t Fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

bool ParseShardFlag(const std::string& text, Shard* out, std::string* err) {
  const size_t slash = text.find('/');
  uint32_t k = 0, n = 0;
  if (slash == std::string::npos) {
    *err = "--shard: '" + text + "' is not K/N (this shard's number, 1 to N, and the count)";
    return false;
  }
  if (!ParseCount("--shard", text.substr(0, slash).c_str(), 1, &k, err) ||
      !ParseCount("--shard", text.substr(slash + 1).c_str(), 1, &n, err)) {
    return false;
  }
  if (k > n) {
    *err = "--shard: '" + text + "': the shard's number is above the count";
    return false;
  }
  *out = {k - 1, n};
  return true;
}

const std::vector<const char*>& ShardVariables() {
  static const std::vector<const char*> vars = {
      "GTEST_TOTAL_SHARDS",     "GTEST_SHARD_INDEX",      "TEST_TOTAL_SHARDS",
      "TEST_SHARD_INDEX",       "MPRUN_TOTAL_SHARDS",     "JOB_COMPLETION_INDEX",
      "TEST_SHARD_STATUS_FILE", "GTEST_SHARD_STATUS_FILE"};
  return vars;
}

bool ResolveShard(const Shard& flag, const std::function<const char*(const char*)>& getenv,
                  Shard* out, std::string* status_file, std::string* err) {
  std::vector<std::pair<std::string, Shard>> asked;
  if (flag.total > 0)
    asked.push_back(
        {"--shard=" + std::to_string(flag.index + 1) + "/" + std::to_string(flag.total), flag});
  struct Pair {
    const char* total;
    const char* index;
    bool index_alone_is_fine;  // Kubernetes sets the index for every indexed job
  };
  for (const Pair& p : {Pair{"GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX", false},
                        Pair{"TEST_TOTAL_SHARDS", "TEST_SHARD_INDEX", false},
                        Pair{"MPRUN_TOTAL_SHARDS", "JOB_COMPLETION_INDEX", true}}) {
    const char* t = getenv(p.total);
    const char* i = getenv(p.index);
    const bool has_t = t != nullptr && *t != '\0';
    const bool has_i = i != nullptr && *i != '\0';
    if (!has_t && (!has_i || p.index_alone_is_fine)) continue;
    if (!has_t || !has_i) {
      *err = std::string(has_t ? p.total : p.index) + " is set but " + (has_t ? p.index : p.total) +
             " is not: both say which shard this is";
      return false;
    }
    Shard s;
    if (!ParseCount(p.total, t, 1, &s.total, err) || !ParseCount(p.index, i, 0, &s.index, err)) {
      return false;
    }
    if (s.index >= s.total) {
      *err = std::string(p.index) + "=" + i + " is not below " + p.total + "=" + t +
             " (the index counts from 0)";
      return false;
    }
    asked.push_back({std::string(p.total) + "/" + p.index, s});
  }
  *out = asked.empty() ? Shard{} : asked.front().second;
  for (size_t k = 1; k < asked.size(); ++k) {
    if (!(asked[k].second == asked[0].second)) {
      *err = asked[0].first + " (shard " + Describe(asked[0].second) + ") and " + asked[k].first +
             " (shard " + Describe(asked[k].second) + ") disagree";
      return false;
    }
  }
  if (const char* f = getenv("TEST_SHARD_STATUS_FILE"); f && *f) *status_file = f;
  return true;
}

std::vector<bool> UnitsOfShard(const Plan& plan, const std::vector<Expectation>& expected,
                               const std::function<std::string(uint32_t)>& unit_key, Shard shard) {
  const size_t n = plan.units.size();
  std::vector<bool> mine(n, shard.total <= 1);
  if (shard.total <= 1) return mine;
  double known_sum = 0;
  size_t known = 0;
  for (const Expectation& e : expected) {
    if (e.cost_ms > 0) known_sum += e.cost_ms, ++known;
  }
  if (known == 0) {
    for (size_t u = 0; u < n; ++u) {
      mine[u] = Fnv1a(unit_key(plan.units[u].first)) % shard.total == shard.index;
    }
    return mine;
  }
  // Tests never timed count as the mean of those that were.
  const double unknown = known_sum / static_cast<double>(known);
  std::vector<double> cost(n, 0);
  for (size_t u = 0; u < n; ++u) {
    for (uint32_t t = plan.units[u].first; t < plan.units[u].end; ++t) {
      cost[u] += t < expected.size() && expected[t].cost_ms > 0 ? expected[t].cost_ms : unknown;
    }
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return cost[a] > cost[b]; });
  std::vector<double> load(shard.total, 0);
  for (size_t u : order) {
    const auto s = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[s] += cost[u];
    mine[u] = s == shard.index;
  }
  return mine;
}

}  // namespace mprun::core
