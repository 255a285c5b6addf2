// RunEngine: a parallel run from a prepared test table, the same for both
// ways in. The caller (linked mode's RunAllTests, driver mode's mprun CLI)
// says which tests there are, how they group into units, and what a worker
// process does with the batches it takes; the engine maps the segment, deals
// the units (by history when there is one), starts the supervisor with the
// reporters the options ask for, repeats, and saves the history (unless
// the run is a shard: see RunEngine).
// Supervisor process only, single-threaded.
#ifndef MPRUN_RUNNER_RUN_ENGINE_H_
#define MPRUN_RUNNER_RUN_ENGINE_H_

#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/input/options.h"
#include "core/input/run_history.h"
#include "core/report/shard_cover.h"
#include "core/results.h"
#include "core/rules/plan.h"
#include "runner/run/supervisor.h"
#include "runner/worker/worker.h"

namespace mprun::runner {

struct EngineSpec {
  core::RunInfo run;  // binaries and tests; `workers` is set by the engine
  core::Plan plan;    // units over run.tests
  // The history, loaded once for the run (not loaded with --no-history),
  // over run.tests; what could not be read of it, for the engine to say.
  core::RunHistory history;
  std::vector<std::string> history_warnings;
  // Runs in each worker process: takes batches until there are none.
  std::function<void(WorkerRuntime&)> work;
  // --gtest_output: one merged file in gtest's schema ("" for none).
  std::string gtest_output_format, gtest_output_path;
  std::optional<uint32_t> shuffle_seed;  // one seed for the run
  int repeat = 1;                        // --gtest_repeat (negative: until interrupted)
  bool fail_fast = false;                // --gtest_fail_fast, besides -x
  bool brief = false;                    // --gtest_brief
  // How long a worker has to write a backtrace after the timeout signal
  // (0: none is written; the process group is killed at once).
  int dump_grace_ms = 1000;
  // Driver mode: workers launch test binaries (SupervisorOptions::driver_launches).
  bool driver_launches = false;
  // Batch sizing for the workers (WorkerConfig).
  double batch_time_ns = 2e6;
  uint32_t max_batch = 64;
  // Without durations, a first batch is one test, or with this set, this
  // fraction (1/N) of a worker's share: the rest stays to be stolen.
  uint32_t first_batch_share_divisor = 0;
  // Without durations, the units are dealt in this order (core::DealOrder).
  core::DealOrder order_without_durations = core::DealOrder::kTable;
  // Per test of the final table, its own time limit in seconds (a CTest
  // TIMEOUT): 0 for none, negative (or past the end) for the run's rule
  // (--process-timeout, or the history's automatic limit).
  std::vector<double> test_limits_s;
  // ctest's --stop-time (Unix time): no test runs past it; 0: none.
  time_t stop_at = 0;
  // ctest's --test-load (WorkerConfig::test_load); 0: none.
  int test_load = 0;
  // Per test of the final table, its expected duration in ms where the
  // history has none (CTest's COST; 0: none), for placement.
  std::vector<double> cost_ms;
  // Before the first repetition (e.g. shared environments' SetUp): false,
  // with why, means no test runs. After the last, whatever happened.
  std::function<bool(std::string* why)> before_run;
  std::function<void(Supervisor*)> after_run;
};

// The one launch-batch policy of the ways whose workers launch test
// binaries (driver mode, mprun ctest), from the slowest start-up seen
// (a listing's time; 0: none measured, taken as 5 ms). The child's start-up
// is paid once per batch: batches aim at twenty times it, so that it stays
// about 5% of the run. A launch per test would cost a start-up per test:
// without durations, a first batch is a quarter of a worker's share (the
// rest can be stolen). A launch cannot hand back the tests its filter
// names, so without durations each suite's units are dealt spread out
// (core::DealOrder::kSpread): long tests that sit together in a suite end
// up in different launches, and the supervisor moves a long test's
// neighbours to another worker. Timeouts kill the worker's group at once
// (the worker's own backtrace would say nothing about the test).
void UseLaunchBatches(uint64_t startup_ns, EngineSpec* spec);

// The usable number of workers for `processes` (negative: all usable cores),
// at least 1 and at most one per test.
int WorkerCount(int processes, size_t tests);

// A sharded run (opts.shard.total > 0) keeps only its shard's tests: the
// indices of `run.tests` to keep, in table order, placed by what the
// history `expected` of each test when it has durations
// (core/rules/shard.h), and in `basis` what that split was computed from
// (for the report). Touches TEST_SHARD_STATUS_FILE. Unsharded: every index.
std::vector<uint32_t> SelectShard(const core::Options& opts, const core::RunInfo& run,
                                  const core::Plan& plan,
                                  const std::vector<core::Expectation>& expected,
                                  std::shared_ptr<const core::ShardBasis>* basis = nullptr);

// The whole run; returns the exit status. A sharded run reads the history
// but never writes it: the next shard of the same run must split by the
// same history (`mprun merge --history` records the shards' durations).
int RunEngine(const core::Options& opts, int processes, EngineSpec& spec);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_RUN_ENGINE_H_
