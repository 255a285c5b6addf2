#include "core/results.h"

namespace mprun::core {

bool Ledger::Record(uint32_t test, TestResult result) {
  if (test >= results_.size() || results_[test]) return false;
  ++counts_[static_cast<int>(result.outcome)];
  results_[test] = std::move(result);
  ++finished_;
  return true;
}

ExitStatus StatusOf(const Ledger& ledger, const RunSummary& summary) {
  if (summary.interrupted) return ExitStatus::kInterrupted;
  if (summary.setup_error) return ExitStatus::kUsage;
  if (!summary.errors.empty()) return ExitStatus::kTestsFailed;
  for (Outcome o : {Outcome::kFailed, Outcome::kCrashed, Outcome::kTimedOut, Outcome::kNotRun}) {
    if (ledger.Count(o) > 0) return ExitStatus::kTestsFailed;
  }
  return ExitStatus::kSuccess;
}

}  // namespace mprun::core
