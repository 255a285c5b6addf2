// Sharding a run across machines (Bazel, Kubernetes Indexed Jobs, CI
// matrices): which shard this run is, from --shard=K/N or the environment
// protocols those engines speak, and which tests belong to it. Pure; the
// supervisor calls it before building the run's table.
//
// Every shard computes the same split from the same test list and history:
// with durations, longest-processing-time-first over units (suites kept
// whole stay whole) with ties in table order; without, a stable hash of each
// unit's binary file name and first test, so a test keeps its shard when
// others come and go. Every test is in exactly one shard.
#ifndef MPRUN_CORE_RULES_SHARD_H_
#define MPRUN_CORE_RULES_SHARD_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/rules/plan.h"

namespace mprun::core {

struct Shard {
  uint32_t index = 0;  // 0-based
  uint32_t total = 0;  // 0: not sharded
  bool operator==(const Shard&) const = default;
};

// "K/N" with 1 <= K <= N.
bool ParseShardFlag(const std::string& text, Shard* out, std::string* err);

// The shard asked for by `flag` (total 0 if not given) and by the
// environment: GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX, Bazel's
// TEST_TOTAL_SHARDS/TEST_SHARD_INDEX, and MPRUN_TOTAL_SHARDS with
// Kubernetes' JOB_COMPLETION_INDEX (all 0-based). Half a pair, a value out
// of range, or two settings that disagree: false, with `err` naming them.
// `status_file` gets TEST_SHARD_STATUS_FILE (Bazel asks that it be touched).
bool ResolveShard(const Shard& flag, const std::function<const char*(const char*)>& getenv,
                  Shard* out, std::string* status_file, std::string* err);

// The environment variables above: none is passed on to test binaries.
const std::vector<const char*>& ShardVariables();

// Per unit of `plan`: whether it belongs to `shard`. `unit_key(first_test)`
// names a unit stably across machines.
std::vector<bool> UnitsOfShard(const Plan& plan, const std::vector<Expectation>& expected,
                               const std::function<std::string(uint32_t)>& unit_key, Shard shard);

}  // namespace mprun::core

#endif  // MPRUN_CORE_RULES_SHARD_H_
