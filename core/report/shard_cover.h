// Whether the shards of a run can form, and did form, an exact cover. A
// sharded run records what its split was computed from (ShardBasis, in its
// JSON report); `mprun merge` checks that every shard's basis agrees and
// names the tests reported twice and those no shard ran (CheckCover). Pure;
// the supervisor makes the basis, merge checks the reports.
//
// The split (core/rules/shard.h) is a function of the selected tests in table
// order, their units and the per-test costs from the history. Two shards
// with the same basis cannot overlap or leave a gap; two with different
// bases can do both, which is why a sharded run never writes the history
// it split by.
#ifndef MPRUN_CORE_REPORT_SHARD_COVER_H_
#define MPRUN_CORE_REPORT_SHARD_COVER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/results.h"
#include "core/rules/plan.h"

namespace mprun::core {

struct ShardBasis {
  // The tests selected before the split, in table order; `binary` indexes
  // `binaries`, which holds file names (the key the split and the history
  // use, the same wherever a machine keeps the binary).
  std::vector<std::string> binaries;
  std::vector<TestName> tests;
  std::string tests_digest;  // of their keys, in order
  std::string costs_digest;  // of the costs the split used; "" when it used none (hash split)
};

// "file/Suite.Test": a test's name across machines.
std::string ShardKey(const std::string& binary_file, const TestName& test);
// What `run`'s split is computed from with these costs (one per test).
ShardBasis MakeShardBasis(const RunInfo& run, const std::vector<Expectation>& expected);

// A 64-bit FNV-1a digest as 16 hex digits.
class Digest {
 public:
  void Add(const std::string& text);
  std::string Hex() const;

 private:
  uint64_t h_ = 14695981039346656037ull;  // FNV-1a 64 offset basis
};

// What merge read from one report.
struct CoverReport {
  std::string path;
  uint32_t shard = 0;  // 1-based; 0 when the report is not a shard's
  // The report's basis; `has_basis` false for reports of older mprun
  // versions, which did not record it.
  bool has_basis = false;
  uint64_t selected = 0;
  std::string tests_digest, costs_digest;
  std::vector<std::string> selected_keys;  // ShardKey()s, in table order
  // The tests it reported, as ShardKey()s, with their --gtest_repeat
  // iteration.
  std::vector<std::pair<std::string, uint32_t>> ran;
};

// The errors of a set of reports, each one line: that the shards were
// computed from different inputs (which differ, in what), the tests
// reported twice and the selected tests no report holds, at most
// `max_named` of each named with their count. None: an exact cover (as far
// as older reports let it be known).
std::vector<std::string> CheckCover(const std::vector<CoverReport>& reports, size_t max_named = 10);

// "2,057".
std::string WithThousands(uint64_t n);
// "A, B, C (and 2,047 more)": the first of `names` (all of them when at most
// `max_named`), and how many of `total` are left out.
std::string NameSome(const std::vector<std::string>& names, uint64_t total, size_t max_named);

}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORT_SHARD_COVER_H_
