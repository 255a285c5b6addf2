// JsonReporter: the `--json=F` report (its fields: docs/reports.md).
// Supervisor only. Written from the start of the run, each write atomic.
#ifndef MPRUN_CORE_REPORT_JSON_REPORTER_H_
#define MPRUN_CORE_REPORT_JSON_REPORTER_H_

#include <memory>
#include <string>
#include <vector>

#include "core/report/json.h"
#include "core/report/reporter.h"
#include "core/version.h"

namespace mprun::core {

// The report as text (exposed for tests).
std::string RenderJsonReport(const RunInfo& run, const Ledger& ledger, const RunSummary& summary);

// One report per process run; with --gtest_repeat, each repetition's tests
// are added to it (field "iteration") and the summary counts them all.
//
// Early and incremental: a placeholder (every test not_run, "complete":
// false) is written when the run starts, rewritten at most once a second as
// results arrive, and completed at the end; each write goes through a
// temporary file and rename(2), so a run killed from outside (even by
// SIGKILL) leaves a parseable report that says which tests finished.
class JsonReporter : public Reporter {
 public:
  // What goes into the file: the report's text as is, or made from it
  // (HtmlReporter writes a page around it, so the two cannot disagree).
  using Shape = std::string (*)(const std::string& report);

  explicit JsonReporter(std::string path, Shape shape = nullptr, const char* flag = "--json")
      : path_(std::move(path)), shape_(shape), flag_(flag) {}
  void OnRunStart(const RunInfo& run) override;
  void OnWorkerStarted(int worker, uint64_t at_ns) override;
  void OnQuietPhase(uint64_t at_ns) override;
  void OnTick(const RunInfo& run, const Ledger& ledger, const Progress& progress) override;
  void OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) override;
  // Empty when the last write that completed the report (the end of the
  // run, or of a --gtest_repeat repetition) succeeded; failed progress
  // writes only warn.
  const std::string& error() const { return error_; }

  void Add(const RunInfo& run, const Ledger& ledger, const RunSummary& summary);
  // The report so far, plus a repetition still in progress if given.
  std::string Render(const RunInfo* run = nullptr, const Ledger* partial = nullptr) const;

 private:
  void Write(const std::string& report, bool completes);
  // Where the run happened: command line, CPUs, pinning.
  static void WriteHost(const JsonReporter& r, JsonWriter* w);

  std::string path_;
  Shape shape_;
  const char* flag_;  // in messages
  std::string error_;
  bool progress_warned_ = false;
  uint64_t last_write_ns_ = 0;
  size_t last_written_finished_ = 0;
  int iterations_ = 0;
  int processes_ = 0;
  Shard shard_;
  std::shared_ptr<const ShardBasis> shard_basis_;
  double wall_seconds_ = 0;
  bool interrupted_ = false;
  size_t total_ = 0;
  size_t flaky_ = 0;
  uint64_t late_results_dropped_ = 0;
  size_t counts_[kOutcomeCount + 1] = {};
  std::vector<std::string> errors_;
  std::string tests_;  // one test a line (see LineWriter in the .cc)
  std::vector<std::string> warnings_;
  std::string perf_;  // --perf-report: one object per repetition
  // Events of the timeline, as JSON objects: each worker process's start,
  // the deque steals (seen per tick), the start of the quiet phase.
  std::string worker_starts_;
  std::string steals_;
  std::string quiet_phase_;
  std::vector<uint32_t> steals_seen_;  // per worker slot, of its process now
  std::vector<std::string> command_line_;
  int host_cpus_ = 0;
  int usable_cpus_ = 0;
  std::string pinning_;
  int exit_status_ = 0;  // the worst of the repetitions'
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORT_JSON_REPORTER_H_
