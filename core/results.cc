#include "core/results.h"

namespace mprun::core {

bool Ledger::Record(uint32_t test, TestResult result) {
  if (test >= where_.size() || where_[test] != kNone) return false;
  if (results_.capacity() == 0) results_.reserve(where_.size());
  ++counts_[static_cast<int>(result.outcome)];
  flaky_ += result.flaky;
  where_[test] = static_cast<uint32_t>(results_.size());
  results_.push_back(std::move(result));
  return true;
}

ExitStatus StatusOf(const Ledger& ledger, const RunSummary& summary) {
  if (summary.interrupted) return ExitStatus::kInterrupted;
  if (summary.setup_error) return ExitStatus::kUsage;
  if (!summary.errors.empty() || summary.perf.failing() > 0) return ExitStatus::kTestsFailed;
  for (Outcome o : {Outcome::kFailed, Outcome::kCrashed, Outcome::kTimedOut, Outcome::kNotRun}) {
    if (ledger.Count(o) > 0) return ExitStatus::kTestsFailed;
  }
  return ExitStatus::kSuccess;
}

}  // namespace mprun::core
