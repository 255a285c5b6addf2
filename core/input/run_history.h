// RunHistory: the history of a whole run over its one table of tests, read
// and written once whatever the number of test binaries (each has its
// section in the file, core/input/history_file.h): what placement expects of each
// test, the mean duration, which durations moved, and this run's records.
// Pure apart from the file it loads and saves. Supervisor only.
#ifndef MPRUN_CORE_INPUT_RUN_HISTORY_H_
#define MPRUN_CORE_INPUT_RUN_HISTORY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/input/history_file.h"
#include "core/results.h"
#include "core/rules/perf.h"
#include "core/rules/plan.h"

namespace mprun::core {

// The mean expected cost in ns when at least half of the tests have one;
// else 0. At least 1 us.
double MeanExpectedNs(const std::vector<Expectation>& expected);

// Loaded once per run (runner/run/run_setup.cc) and carried to whoever
// needs it: the shard split, --list, the engine's placement and limits.
class RunHistory {
 public:
  // Each binary's section of `path` for `run`'s tests; `run.tests` must
  // outlive the RunHistory. What cannot be read is ignored and said in
  // `warnings` (one line each).
  void Load(const std::string& path, const RunInfo& run, std::vector<std::string>* warnings);
  // A shard keeps only the tests `kept` (ascending indices into the table
  // as loaded): test i of the history is then kept[i] of before. A shard
  // never writes the history (a later shard must split by the same one),
  // so from here on Record does nothing and Save refuses.
  void KeepOnly(const std::vector<uint32_t>& kept);
  // Whether Load was called (not with --no-history); a missing file loads
  // as an empty history.
  bool loaded() const { return loaded_; }
  // Per test of the table (`tests` of them): its expected cost, and whether
  // it goes first (failed last time, or never seen).
  std::vector<Expectation> Expected(size_t tests) const;
  // The mean duration of the tests the history knows, when it knows at
  // least half of `tests`; else 0. At least 1 us.
  double MeanNs(size_t tests) const;
  // Which passed tests of this run moved beyond the noise of their history;
  // a slowdown of `fail_on_slowdown_pct` or more (0: none) fails the run.
  PerfReport Judge(const Ledger& ledger, double fail_on_slowdown_pct) const;
  // This run's results (again per --gtest_repeat repetition).
  void Record(const Ledger& ledger);
  // Every binary's section, merged into `path` in one write; false with
  // the reason in `errors`.
  bool Save(const std::string& path, std::vector<std::string>* errors) const;

 private:
  // What earlier runs said about tests[test] of the run.
  bool Find(uint32_t test, TestHistory* out) const;

  // Where a test of the table is in the history: its section (one per
  // binary file name) and its row there.
  struct Place {
    uint32_t section = 0;
    uint32_t row = 0;
    bool known = false;  // its binary is one of the run's
  };
  std::vector<Place> place_;                                   // by test of the table
  std::vector<std::unique_ptr<std::vector<TestName>>> owned_;  // sections' tests, when copies
  History history_;
  bool loaded_ = false;
  bool narrowed_ = false;  // KeepOnly: a shard's, never recorded nor saved
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_INPUT_RUN_HISTORY_H_
