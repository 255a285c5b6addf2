#include "core/json_reporter.h"

#include "core/json.h"

namespace mprun::core {

std::string RenderJsonReport(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) {
  std::string j;
  j += "{\"mprun_version\": ";
  AppendJsonString(&j, kMprunVersion);
  j += ", \"processes\": " + std::to_string(run.workers);
  j += ", \"wall_seconds\": ";
  AppendJsonNumber(&j, summary.wall_seconds);
  j += ", \"interrupted\": ";
  j += summary.interrupted ? "true" : "false";
  const size_t unfinished = ledger.size() - ledger.finished();
  j += ",\n \"summary\": {\"total\": " + std::to_string(ledger.size());
  for (Outcome o : {Outcome::kPassed, Outcome::kFailed, Outcome::kSkipped, Outcome::kCrashed,
                    Outcome::kTimedOut, Outcome::kNotRun}) {
    j += ", \"" + std::string(OutcomeName(o)) + "\": ";
    j += std::to_string(ledger.Count(o) + (o == Outcome::kNotRun ? unfinished : 0));
  }
  j += ", \"flaky\": 0},\n \"errors\": [";
  for (size_t i = 0; i < summary.errors.size(); ++i) {
    if (i) j += ", ";
    AppendJsonString(&j, summary.errors[i]);
  }
  j += "],\n \"tests\": [";
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    const TestName& name = run.tests[t];
    static const TestResult kUnfinished;
    const TestResult& r = ledger.Finished(t) ? ledger.Get(t) : kUnfinished;
    j += t ? ",\n  " : "\n  ";
    j += "{\"binary\": ";
    AppendJsonString(&j, run.binaries.empty() ? "" : run.binaries[name.binary]);
    j += ", \"name\": ";
    AppendJsonString(&j, name.FullName());
    j += ", \"outcome\": ";
    AppendJsonString(&j, OutcomeName(r.outcome));
    j += ", \"duration_ms\": ";
    AppendJsonNumber(&j, static_cast<double>(r.duration_ns) / 1e6);
    j += ", \"worker\": " + std::to_string(r.worker);
    j += ", \"attempts\": " + std::to_string(r.attempts);
    j += ", \"start_ms\": ";
    AppendJsonNumber(&j, static_cast<double>(r.start_ns) / 1e6);
    j += ", \"message\": ";
    AppendJsonString(&j, r.message);
    j += ", \"signal\": ";
    AppendJsonString(&j, r.signal);
    if (!r.output.empty()) {
      j += ", \"output\": ";
      AppendJsonString(&j, r.output);
    }
    j += "}";
  }
  j += "\n]}\n";
  return j;
}

void JsonReporter::OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) {
  if (!WriteFileAtomically(path_, RenderJsonReport(run, ledger, summary), &error_)) {
    std::fprintf(stderr, "mprun: error: --json: %s\n", error_.c_str());
  }
}

}  // namespace mprun::core
