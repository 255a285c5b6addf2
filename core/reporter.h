// Reporter: the one event interface every report listens on (console, JSON,
// later JUnit, trace, history). Called by the supervisor only, in lifecycle
// order.
#ifndef MPRUN_CORE_REPORTER_H_
#define MPRUN_CORE_REPORTER_H_

#include <cstdint>
#include <string>

#include "core/results.h"

namespace mprun::core {

class Reporter {
 public:
  virtual ~Reporter() = default;
  // Tests are selected and workers are about to start.
  virtual void OnRunStart(const RunInfo& run) { (void)run; }
  // A test has its final result (once per test).
  virtual void OnTestFinished(const RunInfo& run, uint32_t test, const TestResult& result) {
    (void)run, (void)test, (void)result;
  }
  // The supervisor finished a round of results; a good moment to flush.
  virtual void OnTick() {}
  // Every test has its result (or the run was stopped); the summary is final.
  virtual void OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) {
    (void)run, (void)ledger, (void)summary;
  }
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORTER_H_
