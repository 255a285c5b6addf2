// JsonReporter: the `--json=F` report in the schema of DESIGN.md §3.
// Supervisor only. Written atomically at the end of the run.
#ifndef MPRUN_CORE_JSON_REPORTER_H_
#define MPRUN_CORE_JSON_REPORTER_H_

#include <string>

#include "core/reporter.h"

namespace mprun::core {

inline constexpr char kMprunVersion[] = "0.1.0";

// The report as text (exposed for tests).
std::string RenderJsonReport(const RunInfo& run, const Ledger& ledger, const RunSummary& summary);

class JsonReporter : public Reporter {
 public:
  explicit JsonReporter(std::string path) : path_(std::move(path)) {}
  void OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) override;
  // Empty when the report was written.
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  std::string error_;
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_JSON_REPORTER_H_
