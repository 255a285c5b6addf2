// The run's test table and ledger: what was selected and what became of
// each test. Owned by the supervisor (the only process that decides
// outcomes); reporters read it.
#ifndef MPRUN_CORE_RESULTS_H_
#define MPRUN_CORE_RESULTS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/outcome.h"
#include "core/rules/perf.h"
#include "core/rules/shard.h"

namespace mprun::core {

struct TestName {
  uint32_t binary = 0;  // index into RunInfo::binaries
  std::string suite;
  std::string name;
  // `mprun ctest`: the ctest test this one is or belongs to ("" otherwise).
  // A ctest test that is no GoogleTest test has no suite: its name is the
  // ctest name.
  std::string ctest_name = {};  // (initialised: aggregates of three fields stay warning-free)
  std::string FullName() const { return suite.empty() ? name : suite + "." + name; }
};

// An earlier attempt of a test that was run again (--retries).
struct Attempt {
  Outcome outcome = Outcome::kFailed;
  std::string message;
  std::string output;
  uint64_t duration_ns = 0;
  int worker = -1;
};

struct TestResult {
  Outcome outcome = Outcome::kNotRun;
  uint64_t start_ns = 0;  // since the run started
  uint64_t duration_ns = 0;
  int worker = -1;
  uint32_t attempts = 1;
  std::string message;          // failures with file:line, skip reason, or why it crashed
  std::string signal;           // "SIGSEGV" when a signal ended it
  std::string output;           // captured stdout+stderr (kept for tests that did not pass)
  uint64_t output_dropped = 0;  // bytes of output cut to keep `output` bounded
  bool flaky = false;           // failed, then passed on a later attempt
  // Driver mode: how long its suite's SetUpTestSuite took before it (ms),
  // when it began its suite in its launch, else 0; -1 outside driver mode.
  double suite_set_up_ms = -1;
  std::vector<Attempt> earlier;  // the attempts before this one (--retries)
  // --repeat-each: every run's duration, in the order they ran (then
  // `duration_ns` is their median); empty otherwise.
  std::vector<uint64_t> samples_ns;
};

// Every test ends with exactly one final result.
//
// Results are stored in arrival order and allocated on the first Record: in
// linked mode that is after the workers were forked, so the supervisor
// writes fresh pages instead of copy-on-write ones (each such fault cost
// ~15 us and a TLB shootdown on the machines measured).
class Ledger {
 public:
  explicit Ledger(size_t tests) : where_(tests, kNone) {}

  // False if the test already has its final result (the first one stands).
  bool Record(uint32_t test, TestResult result);
  bool Finished(uint32_t test) const { return where_[test] != kNone; }
  const TestResult& Get(uint32_t test) const { return results_[where_[test]]; }
  size_t finished() const { return results_.size(); }
  size_t size() const { return where_.size(); }
  bool Complete() const { return results_.size() == where_.size(); }
  // Counts by outcome, indexed by the Outcome value.
  size_t Count(Outcome o) const { return counts_[static_cast<int>(o)]; }
  size_t flaky() const { return flaky_; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  std::vector<uint32_t> where_;
  std::vector<TestResult> results_;
  size_t counts_[kOutcomeCount + 1] = {};
  size_t flaky_ = 0;
};

struct ShardBasis;  // core/report/shard_cover.h

struct RunInfo {
  std::vector<std::string> binaries;
  std::vector<TestName> tests;
  int workers = 0;
  Shard shard;  // the shard of a sharded run (total 0: the whole run)
  // A sharded run: what its split was computed from (for the JSON report,
  // so that `mprun merge` can check the cover). Shared: it holds every test
  // selected before the split.
  std::shared_ptr<const ShardBasis> shard_basis;
  // Where the run happened, for the reports' readers (empty or 0: unknown,
  // e.g. a run merged from saved reports).
  std::vector<std::string> command_line;
  int host_cpus = 0;    // CPUs online on the host
  int usable_cpus = 0;  // of those, what the affinity mask and CPU quota allow
  std::string pinning;  // the pinning plan in words (core/rules/topology.h)
  // A test that ran at least this long is slow (--slow-after; 0: none).
  double slow_after_s = 0;
};

struct RunSummary {
  double wall_seconds = 0;
  bool interrupted = false;
  // Failures outside any test (a suite's TearDownTestSuite, workers that keep
  // dying before running a test); each makes the run fail.
  std::vector<std::string> errors;
  // What made the run worse but not wrong (e.g. fewer workers than asked).
  std::vector<std::string> warnings;
  bool setup_error = false;  // the run could not proceed (exit status 2)
  // Results that arrived for an attempt whose verdict was already decided
  // (a test that finished after its timeout): dropped, never counted.
  uint64_t late_results_dropped = 0;
  // --perf-report/--fail-on-slowdown: durations that moved; a slowdown past
  // --fail-on-slowdown fails the run.
  PerfReport perf;
};

// Whether `r` ran for the run's slow_after_s or longer.
inline bool IsSlow(const RunInfo& run, const TestResult& r) {
  return run.slow_after_s > 0 && static_cast<double>(r.duration_ns) >= run.slow_after_s * 1e9;
}

// The exit status the contract promises for a finished run.
ExitStatus StatusOf(const Ledger& ledger, const RunSummary& summary);

}  // namespace mprun::core

#endif  // MPRUN_CORE_RESULTS_H_
