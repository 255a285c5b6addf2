// RunHistory: the history of a whole run, one History per test binary (each
// has its section in the file, core/history.h), over the run's one table of
// tests: what placement expects of each test, the mean duration, which
// durations moved, and this run's records. Pure apart from the file it
// loads and saves. Supervisor only.
#ifndef MPRUN_CORE_RUN_HISTORY_H_
#define MPRUN_CORE_RUN_HISTORY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/history.h"
#include "core/perf.h"
#include "core/plan.h"
#include "core/results.h"

namespace mprun::core {

struct MergedReports;

// --history-from: what an earlier run's report says of the tests `expected`
// knows nothing of (cost_ms 0), matched by binary file name and full name
// (by full name alone when the report's binaries have other names). Each
// such test gets the report's duration as its cost and its longest, and
// goes first only if it failed there. Returns how many tests it filled.
size_t FillFromReport(const MergedReports& report, const RunInfo& run,
                      std::vector<Expectation>* expected);
// The mean expected cost in ns when at least half of the tests have one;
// else 0. At least 1 us.
double MeanExpectedNs(const std::vector<Expectation>& expected);

class RunHistory {
 public:
  // Each binary's section of `path` for `run`'s tests; `run.tests` must
  // outlive the RunHistory. What cannot be read is ignored and said in
  // `warnings` (one line each).
  void Load(const std::string& path, const RunInfo& run, std::vector<std::string>* warnings);
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
  // Every binary's section, merged into `path`; false with one line per
  // binary that was not saved in `errors`.
  bool Save(const std::string& path, std::vector<std::string>* errors) const;

 private:
  struct Part {
    uint32_t first = 0;  // its first test in the run's table
    uint32_t count = 0;
    std::unique_ptr<std::vector<TestName>> own;  // its tests, unless they are the whole table
    History history;
  };
  std::vector<Part> parts_;
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_RUN_HISTORY_H_
