// The gtest executor (RunGtestWorker): runs claimed tests inside a worker process, in the
// already-initialised test binary (linked mode). Worker processes only.
//
// Two ways, one listener:
//  - direct (default): the worker enters RUN_ALL_TESTS once, filtered to a
//    hidden no-op test, so GoogleTest sets up the global environments once
//    per worker and fires the program-level events; the work loop runs as the
//    last environment's SetUp and calls TestSuite::Run on each suite with its
//    test list narrowed to the batch (gtest_access.h), ~1 us per test.
//  - filter (fallback, or -DMPRUN_GTEST_DIRECT=OFF, or MPRUN_EXECUTOR=filter):
//    one RUN_ALL_TESTS per suite of a batch with an exact --gtest_filter.
//    Public API only; environments run per call and the filter costs
//    O(all tests).
// Either way a group is marked started just before it runs, so tests that
// wait behind a long one can be handed back (the direct executor does this
// test by test for split suites).
// The listener turns GoogleTest events into WorkerRuntime calls.
#ifndef MPRUN_RUNNER_WORKER_GTEST_EXECUTOR_H_
#define MPRUN_RUNNER_WORKER_GTEST_EXECUTOR_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runner/worker/worker.h"

namespace mprun::runner {

// One selected test of this binary; the index in the vector is its index in
// the run's table.
struct GtestTest {
  testing::TestSuite* suite;
  testing::TestInfo* info;
};

// The tests RUN_ALL_TESTS would run, as `selects` (gtest's rules: see
// runner/run/run_setup.h) tells them, in its order, and the way back from a
// TestInfo to its index. Built by the supervisor
// before forking; workers only read it (so its pages are never copied).
struct GtestTests {
  std::vector<GtestTest> tests;
  std::unordered_map<const testing::TestInfo*, uint32_t> index;
};
GtestTests SelectGtestTests(
    const std::function<bool(std::string_view suite, std::string_view name)>& selects);

// True when the suite's fixture defines SetUpTestSuite or TearDownTestSuite.
// Only a build with the direct executor can tell; otherwise false (use
// --dist=suite to keep suites whole).
bool SuiteHasFixtures(const testing::TestSuite* suite);

// True when this build can run tests directly (MPRUN_GTEST_DIRECT=ON) and
// MPRUN_EXECUTOR does not ask for the filter path.
bool UseDirectExecutor();

// Runs batches until WorkerRuntime has none left. Returns normally; the
// caller ends the process with _exit.
void RunGtestWorker(const GtestTests& tests, WorkerRuntime& runtime, bool direct);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_WORKER_GTEST_EXECUTOR_H_
