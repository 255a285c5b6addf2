#include "core/rules/shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>

namespace mprun::core {
namespace {

using Env = std::map<std::string, std::string>;

bool Resolve(const Env& env, Shard flag, Shard* out, std::string* err,
             std::string* status = nullptr) {
  std::string ignored;
  return ResolveShard(
      flag,
      [&env](const char* n) -> const char* {
        const auto it = env.find(n);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      out, status ? status : &ignored, err);
}

TEST(ShardTest, FlagIsKOfNCountedFromOne) {
  Shard s;
  std::string err;
  ASSERT_TRUE(ParseShardFlag("2/4", &s, &err)) << err;
  EXPECT_EQ(s, (Shard{1, 4}));
  for (const char* bad : {"0/4", "5/4", "2", "a/4", "2/0", "-1/4", "2/4x", "/4", ""}) {
    EXPECT_FALSE(ParseShardFlag(bad, &s, &err)) << bad;
    EXPECT_EQ(err.rfind("--shard: ", 0), 0u) << err;
  }
}

TEST(ShardTest, EachEnvironmentProtocolAndTheirConflicts) {
  Shard s;
  std::string err, status;
  ASSERT_TRUE(Resolve({}, {}, &s, &err));
  EXPECT_EQ(s.total, 0u);
  ASSERT_TRUE(Resolve({{"GTEST_TOTAL_SHARDS", "3"}, {"GTEST_SHARD_INDEX", "2"}}, {}, &s, &err));
  EXPECT_EQ(s, (Shard{2, 3}));
  ASSERT_TRUE(Resolve({{"TEST_TOTAL_SHARDS", "4"},
                       {"TEST_SHARD_INDEX", "0"},
                       {"TEST_SHARD_STATUS_FILE", "/tmp/status"}},
                      {}, &s, &err, &status));
  EXPECT_EQ(s, (Shard{0, 4}));
  EXPECT_EQ(status, "/tmp/status");
  ASSERT_TRUE(Resolve({{"MPRUN_TOTAL_SHARDS", "5"}, {"JOB_COMPLETION_INDEX", "4"}}, {}, &s, &err));
  EXPECT_EQ(s, (Shard{4, 5}));
  // Kubernetes sets JOB_COMPLETION_INDEX for any indexed job: alone, not a shard.
  ASSERT_TRUE(Resolve({{"JOB_COMPLETION_INDEX", "4"}}, {}, &s, &err));
  EXPECT_EQ(s.total, 0u);
  // Bazel may set both its own and gtest's: agreeing is fine.
  ASSERT_TRUE(Resolve({{"GTEST_TOTAL_SHARDS", "2"},
                       {"GTEST_SHARD_INDEX", "1"},
                       {"TEST_TOTAL_SHARDS", "2"},
                       {"TEST_SHARD_INDEX", "1"}},
                      Shard{1, 2}, &s, &err));

  EXPECT_FALSE(Resolve({{"GTEST_TOTAL_SHARDS", "3"}}, {}, &s, &err));
  EXPECT_EQ(err,
            "GTEST_TOTAL_SHARDS is set but GTEST_SHARD_INDEX is not: both say which shard this is");
  EXPECT_FALSE(Resolve({{"MPRUN_TOTAL_SHARDS", "3"}}, {}, &s, &err));
  EXPECT_NE(err.find("JOB_COMPLETION_INDEX is not"), std::string::npos) << err;
  EXPECT_FALSE(Resolve({{"TEST_TOTAL_SHARDS", "3"}, {"TEST_SHARD_INDEX", "3"}}, {}, &s, &err));
  EXPECT_NE(err.find("TEST_SHARD_INDEX=3 is not below TEST_TOTAL_SHARDS=3"), std::string::npos);
  EXPECT_FALSE(Resolve({{"GTEST_TOTAL_SHARDS", "x"}, {"GTEST_SHARD_INDEX", "0"}}, {}, &s, &err));
  EXPECT_NE(err.find("GTEST_TOTAL_SHARDS: 'x'"), std::string::npos) << err;
  EXPECT_FALSE(
      Resolve({{"GTEST_TOTAL_SHARDS", "3"}, {"GTEST_SHARD_INDEX", "0"}}, Shard{1, 3}, &s, &err));
  EXPECT_EQ(err,
            "--shard=2/3 (shard 2 of 3) and GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX (shard 1 of 3) "
            "disagree");
}

Plan UnitsOfSizes(const std::vector<uint32_t>& sizes) {
  Plan plan;
  uint32_t t = 0;
  for (uint32_t n : sizes) {
    plan.units.push_back({t, t + n, n > 1, false, false, ""});
    t += n;
  }
  return plan;
}

std::string Key(uint32_t t) { return "bin/Suite.Test" + std::to_string(t); }

TEST(ShardTest, EveryUnitIsInExactlyOneShardWithOrWithoutHistory) {
  std::vector<uint32_t> sizes;
  for (uint32_t i = 0; i < 97; ++i) sizes.push_back(1 + (i * 7) % 5);
  const Plan plan = UnitsOfSizes(sizes);
  const uint32_t tests = plan.units.back().end;
  std::vector<Expectation> none(tests), timed(tests);
  for (uint32_t t = 0; t < tests; ++t) timed[t].cost_ms = t % 3 == 0 ? 0 : 1.0 + (t * 37) % 200;
  for (const auto* expected : {&none, &timed}) {
    for (uint32_t n = 1; n <= 6; ++n) {
      std::vector<int> owners(plan.units.size(), 0);
      for (uint32_t k = 0; k < n; ++k) {
        const std::vector<bool> mine = UnitsOfShard(plan, *expected, Key, Shard{k, n});
        for (size_t u = 0; u < mine.size(); ++u) owners[u] += mine[u];
        EXPECT_EQ(mine, UnitsOfShard(plan, *expected, Key, Shard{k, n})) << "deterministic";
      }
      for (size_t u = 0; u < owners.size(); ++u)
        EXPECT_EQ(owners[u], 1) << "unit " << u << " of " << n;
    }
  }
}

TEST(ShardTest, WithHistoryShardsAreBalancedWithinTheLongestUnit) {
  const Plan plan = UnitsOfSizes(std::vector<uint32_t>(60, 1));
  std::vector<Expectation> expected(60);
  double total = 0, longest = 0;
  for (uint32_t t = 0; t < 60; ++t) {
    expected[t].cost_ms = t < 3 ? 400 : 10 + t;  // three long poles
    total += expected[t].cost_ms;
    longest = std::max(longest, expected[t].cost_ms);
  }
  const uint32_t n = 4;
  for (uint32_t k = 0; k < n; ++k) {
    const std::vector<bool> mine = UnitsOfShard(plan, expected, Key, Shard{k, n});
    double load = 0;
    for (uint32_t t = 0; t < 60; ++t) load += mine[t] ? expected[t].cost_ms : 0;
    EXPECT_LE(load, total / n + longest) << "shard " << k;
    EXPECT_GE(load, total / n - longest) << "shard " << k;
  }
}

TEST(ShardTest, RandomListsAreExactCoversAndWithHistoryWithinOneUnitOfTheLptBound) {
  std::mt19937 rng(20261126);
  for (int round = 0; round < 10; ++round) {
    std::vector<uint32_t> sizes(1 + rng() % 120);
    for (uint32_t& s : sizes) s = 1 + (rng() % 8 == 0 ? rng() % 6 : 0);  // some suites kept whole
    const Plan plan = UnitsOfSizes(sizes);
    const uint32_t tests = plan.units.back().end;
    const bool timed = round % 2 == 1;
    std::vector<Expectation> expected(tests);
    double known = 0, known_n = 0;
    for (Expectation& e : expected) {
      // Heavy-tailed durations; a few tests never seen.
      const double u = (rng() % 10000 + 1) / 10001.0;
      e.cost_ms = timed && rng() % 10 != 0 ? 1.0 / (u * u) : 0;
      if (e.cost_ms > 0) known += e.cost_ms, ++known_n;
    }
    const double mean = known_n > 0 ? known / known_n : 0;
    std::vector<double> unit_cost;
    double total = 0;
    for (const Unit& u : plan.units) {
      double c = 0;
      for (uint32_t t = u.first; t < u.end; ++t)
        c += expected[t].cost_ms > 0 ? expected[t].cost_ms : mean;
      unit_cost.push_back(c);
      total += c;
    }
    const double longest = *std::max_element(unit_cost.begin(), unit_cost.end());
    for (uint32_t n = 1; n <= 64; ++n) {
      std::vector<int> owners(plan.units.size(), 0);
      double largest = 0;
      for (uint32_t k = 0; k < n; ++k) {
        const std::vector<bool> mine = UnitsOfShard(plan, expected, Key, Shard{k, n});
        double load = 0;
        for (size_t u = 0; u < mine.size(); ++u) {
          owners[u] += mine[u];
          load += mine[u] ? unit_cost[u] : 0;
        }
        largest = std::max(largest, load);
      }
      for (size_t u = 0; u < owners.size(); ++u) {
        ASSERT_EQ(owners[u], 1) << "round " << round << ", unit " << u << " of " << n << " shards";
      }
      if (timed) {
        EXPECT_LE(largest, total / n + longest + 1e-6)
            << "round " << round << ", " << n << " shards";
      }
    }
  }
}

TEST(ShardTest, WithoutHistoryATestKeepsItsShardWhenOthersComeAndGo) {
  const Plan small = UnitsOfSizes(std::vector<uint32_t>(50, 1));
  const Plan big = UnitsOfSizes(std::vector<uint32_t>(80, 1));
  for (uint32_t k = 0; k < 3; ++k) {
    const std::vector<bool> a = UnitsOfShard(small, {}, Key, Shard{k, 3});
    const std::vector<bool> b = UnitsOfShard(big, {}, Key, Shard{k, 3});
    for (size_t u = 0; u < a.size(); ++u) EXPECT_EQ(a[u], b[u]) << u;
  }
}

}  // namespace
}  // namespace mprun::core
