// TraceReporter: `--trace=F`, the run as Chrome trace-event JSON, which
// chrome://tracing and Perfetto open. Supervisor only; written at the end.
//
// One track per worker slot (thread "worker N" of process "mprun"); a slice
// per test (name, binary, outcome, attempt); instant markers for worker
// processes starting and ending (a restart is an end then a start), deque
// steals (seen at the supervisor's ticks) and timeouts.
#ifndef MPRUN_CORE_REPORT_TRACE_REPORTER_H_
#define MPRUN_CORE_REPORT_TRACE_REPORTER_H_

#include <functional>
#include <string>
#include <vector>

#include "core/report/json.h"
#include "core/report/reporter.h"

namespace mprun::core {

class TraceReporter : public Reporter {
 public:
  explicit TraceReporter(std::string path) : path_(std::move(path)) {}
  void OnRunStart(const RunInfo& run) override;
  void OnWorkerStarted(int worker, uint64_t at_ns) override;
  void OnTestFinished(const RunInfo& run, uint32_t test, const TestResult& result) override;
  void OnTestRetried(const RunInfo& run, uint32_t test, const TestResult& attempt) override;
  void OnTimeout(int worker, uint32_t test, uint64_t at_ns) override;
  void OnWorkerEnded(int worker, const ProcessEnd& end, bool normal, uint64_t at_ns) override;
  void OnTick(const RunInfo& run, const Ledger& ledger, const Progress& progress) override;
  void OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) override;

  std::string Render() const;
  const std::string& error() const { return error_; }

 private:
  // A marker on the worker's track; `args` writes the members of its
  // "args" object.
  void Instant(int worker, uint64_t at_ns, const char* name,
               const std::function<void(JsonWriter*)>& args = nullptr);

  std::string path_;
  std::string error_;
  std::string events_;  // JSON objects, one a line (LineWriter)
  std::vector<uint32_t> steals_;
  int iteration_ = 0;
  // With --gtest_repeat, each repetition's times start at 0: later ones are
  // shifted past the end of the earlier ones.
  uint64_t offset_ns_ = 0;
  uint64_t end_ns_ = 0;
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORT_TRACE_REPORTER_H_
