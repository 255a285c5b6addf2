// Reporter: the one event interface every report listens on (console, JSON,
// JUnit, gtest's own format, trace). Called by the supervisor only, in
// lifecycle order: OnRunStart, then any number of OnWorkerStarted,
// OnTestFinished, OnSlow, OnTimeout, OnWorkerEnded, OnTick and OnStatusRequest,
// then OnRunEnd.
#ifndef MPRUN_CORE_REPORT_REPORTER_H_
#define MPRUN_CORE_REPORT_REPORTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/outcome.h"
#include "core/results.h"

namespace mprun::core {

// A test running at the moment of a tick.
struct RunningTest {
  uint32_t test;
  int worker;
  uint64_t elapsed_ns;
  std::string output;  // what it printed so far (only for OnStatusRequest)
};

// The state of the run at a tick: time since the start, what runs now, and
// how many deque steals each worker made so far.
struct Progress {
  uint64_t elapsed_ns = 0;
  std::vector<RunningTest> running;
  std::vector<uint32_t> steals;  // per worker slot
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  // Tests are selected; workers are about to start.
  virtual void OnRunStart(const RunInfo& run) { (void)run; }
  // Worker `worker` got a new process (the first, or a replacement).
  virtual void OnWorkerStarted(int worker, uint64_t at_ns) { (void)worker, (void)at_ns; }
  // A test has its final result (once per test).
  virtual void OnTestFinished(const RunInfo& run, uint32_t test, const TestResult& result) {
    (void)run, (void)test, (void)result;
  }
  // An attempt of `test` failed and it will run again (--retries); its
  // final result comes later through OnTestFinished.
  virtual void OnTestRetried(const RunInfo& run, uint32_t test, const TestResult& attempt) {
    (void)run, (void)test, (void)attempt;
  }
  // The supervisor sent the timeout signal to the worker running `test`.
  virtual void OnTimeout(int worker, uint32_t test, uint64_t at_ns) {
    (void)worker, (void)test, (void)at_ns;
  }
  // `test` has run for RunInfo::slow_after_s and is still running (once
  // per attempt).
  virtual void OnSlow(int worker, uint32_t test, uint64_t at_ns) {
    (void)worker, (void)test, (void)at_ns;
  }
  // The quiet phase began: serial and exclusive tests now run one at a time
  // with nothing else running.
  virtual void OnQuietPhase(uint64_t at_ns) { (void)at_ns; }
  // A worker process ended; `normal` when it left because work ran out.
  virtual void OnWorkerEnded(int worker, const ProcessEnd& end, bool normal, uint64_t at_ns) {
    (void)worker, (void)end, (void)normal, (void)at_ns;
  }
  // After each round of the supervisor's loop (tens of times a second at
  // most): flush, redraw, rewrite incremental reports.
  virtual void OnTick(const RunInfo& run, const Ledger& ledger, const Progress& progress) {
    (void)run, (void)ledger, (void)progress;
  }
  // Someone asked what is running (SIGUSR1, or `t` on the terminal); each
  // running test comes with its output so far.
  virtual void OnStatusRequest(const RunInfo& run, const Progress& progress) {
    (void)run, (void)progress;
  }
  // Every test has its result (or the run was stopped); the summary is final.
  virtual void OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) {
    (void)run, (void)ledger, (void)summary;
  }
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORT_REPORTER_H_
