// JsonReporter: the `--json=F` report in the schema of DESIGN.md §3.
// Supervisor only. Written atomically at the end of the run.
#ifndef MPRUN_CORE_JSON_REPORTER_H_
#define MPRUN_CORE_JSON_REPORTER_H_

#include <string>
#include <vector>

#include "core/reporter.h"

namespace mprun::core {

inline constexpr char kMprunVersion[] = "0.1.0";

// The report as text (exposed for tests).
std::string RenderJsonReport(const RunInfo& run, const Ledger& ledger, const RunSummary& summary);

// One report per process run; with --gtest_repeat, each repetition's tests
// are added to it (field "iteration") and the summary counts them all.
class JsonReporter : public Reporter {
 public:
  explicit JsonReporter(std::string path) : path_(std::move(path)) {}
  void OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) override;
  // Empty when the report was written.
  const std::string& error() const { return error_; }

  void Add(const RunInfo& run, const Ledger& ledger, const RunSummary& summary);
  std::string Render() const;

 private:
  std::string path_;
  std::string error_;
  int iterations_ = 0;
  int processes_ = 0;
  double wall_seconds_ = 0;
  bool interrupted_ = false;
  size_t total_ = 0;
  size_t counts_[kOutcomeCount + 1] = {};
  std::vector<std::string> errors_;
  std::string tests_;
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_JSON_REPORTER_H_
