// RunSetup: the one way from listed tests to a run, for both ways in
// (linked mode's RunAllTests, driver mode's mprun CLI): gtest's selection
// rules, the plan, the shard, `--list`, --gtest_output and the shuffle seed,
// then the engine (runner/run/engine.h). The ways in differ only in how they
// list tests and how a worker executes them (WayIn). Supervisor process
// only, single-threaded, before any fork.
#ifndef MPRUN_RUNNER_RUN_RUN_SETUP_H_
#define MPRUN_RUNNER_RUN_RUN_SETUP_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/input/options.h"
#include "core/results.h"
#include "core/rules/gtest_filter.h"
#include "core/rules/plan.h"
#include "runner/run/engine.h"

namespace mprun::runner {

using core::GtestFlags;  // core/input/options.h

// gtest's selection rules: what --gtest_filter and DISABLED_ leave.
class TestSelector {
 public:
  explicit TestSelector(const GtestFlags& flags);
  // What `Suite.*` would run: not disabled, unless those are asked for.
  bool Runnable(std::string_view suite, std::string_view name) const;
  // Runnable, and matched by the filter.
  bool Selects(std::string_view suite, std::string_view name) const;

 private:
  core::GtestFilter filter_;
  bool match_all_;
  bool also_run_disabled_;
};

// A way in: what only it knows about its tests, and what its workers do.
class WayIn {
 public:
  virtual ~WayIn() = default;
  // The traits of the suite whose first test is run.tests[first] (driver
  // mode cannot see fixtures: none).
  virtual core::SuiteTraits SuiteTraitsAt(uint32_t first) const {
    (void)first;
    return {};
  }
  // A shard keeps only `kept` (ascending indices into the table as it
  // was); the way in narrows what it holds per test to match.
  virtual void KeepTests(const std::vector<uint32_t>& kept) { (void)kept; }
  // Whether its workers launch test binaries (driver mode, mprun ctest):
  // then suites whose set-up an earlier run saw are kept whole
  // (core::KeepSuitesWithSetUps), which --list shows too.
  virtual bool Launches() const { return false; }
  // Its part of the engine's spec, for the final table `run`: what a worker
  // does with its batches, batch sizing, what happens before and after.
  virtual void Prepare(const core::RunInfo& run, EngineSpec* spec) = 0;
};

// The run's tests as units: suites in table order (a suite's tests are
// consecutive and share binary and suite name), traits from `way`,
// --exclusive and --dist from `opts`.
core::Plan PlanTests(const core::RunInfo& run, const core::Options& opts, const WayIn& way);

// --list: the selected tests, one a line, in plan order; with verbosity 2,
// the units kept together under a heading and [serial]/[exclusive] marks.
// With several binaries each test line starts with its binary (unless it
// is a ctest test: its names are ctest's).
void PrintTestList(FILE* out, const core::RunInfo& run, const core::Plan& plan, int verbosity);

// The whole run of `run`'s selected tests (binaries and tests set, in table
// order); `output_name` names the --gtest_output file for "xml:DIR/".
// Returns the exit status.
int RunTests(const core::Options& opts, int processes, const GtestFlags& flags,
             const std::string& output_name, core::RunInfo run, WayIn& way);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_RUN_RUN_SETUP_H_
