#include "core/trace_reporter.h"

#include <algorithm>
#include <cstdio>

#include "core/json.h"

namespace mprun::core {

namespace {

std::string Micros(uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e3);
  return buf;
}

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

}  // namespace

void TraceReporter::OnRunStart(const RunInfo& run) {
  ++iteration_;
  offset_ns_ = end_ns_;
  if (iteration_ > 1) return;  // tracks are named once
  events_.push_back(
      R"({"name": "process_name", "ph": "M", "pid": 1, "tid": 0, "args": {"name": "mprun"}})");
  for (int w = 0; w < run.workers; ++w) {
    events_.push_back(R"({"name": "thread_name", "ph": "M", "pid": 1, "tid": )" +
                      std::to_string(w) + R"(, "args": {"name": "worker )" + std::to_string(w) +
                      "\"}}");
  }
  steals_.assign(static_cast<size_t>(run.workers), 0);
}

void TraceReporter::Instant(int worker, uint64_t at_ns, const std::string& name,
                            const std::string& args_json) {
  at_ns += offset_ns_;
  end_ns_ = std::max(end_ns_, at_ns);
  events_.push_back(R"({"name": )" + Quoted(name) +
                    R"(, "cat": "worker", "ph": "i", "s": "t", "pid": 1, "tid": )" +
                    std::to_string(worker) + R"(, "ts": )" + Micros(at_ns) + R"(, "args": )" +
                    args_json + "}");
}

void TraceReporter::OnWorkerStarted(int worker, uint64_t at_ns) {
  Instant(worker, at_ns, "worker started", "{}");
}

void TraceReporter::OnTestFinished(const RunInfo& run, uint32_t test, const TestResult& r) {
  if (r.worker < 0 || r.outcome == Outcome::kNotRun) return;  // never ran on a track
  const TestName& name = run.tests[test];
  const uint64_t start = r.start_ns + offset_ns_;
  end_ns_ = std::max(end_ns_, start + r.duration_ns);
  std::string args =
      R"({"binary": )" + Quoted(run.binaries.empty() ? "" : run.binaries[name.binary]) +
      R"(, "outcome": )" + Quoted(OutcomeName(r.outcome)) + R"(, "attempt": )" +
      std::to_string(r.attempts) + R"(, "iteration": )" + std::to_string(iteration_) + "}";
  events_.push_back(R"({"name": )" + Quoted(name.FullName()) +
                    R"(, "cat": "test", "ph": "X", "pid": 1, "tid": )" + std::to_string(r.worker) +
                    R"(, "ts": )" + Micros(start) + R"(, "dur": )" + Micros(r.duration_ns) +
                    R"(, "args": )" + args + "}");
}

void TraceReporter::OnTestRetried(const RunInfo& run, uint32_t test, const TestResult& attempt) {
  OnTestFinished(run, test, attempt);  // every attempt is a slice on its worker's track
}

void TraceReporter::OnTimeout(int worker, uint32_t test, uint64_t at_ns) {
  Instant(worker, at_ns, "timeout", R"({"test": )" + std::to_string(test) + "}");
}

void TraceReporter::OnWorkerEnded(int worker, const ProcessEnd& end, bool normal, uint64_t at_ns) {
  Instant(worker, at_ns, normal ? "worker done" : "worker died",
          R"({"end": )" + Quoted(DescribeEnd(end)) + "}");
}

void TraceReporter::OnTick(const RunInfo&, const Ledger&, const Progress& progress) {
  for (size_t w = 0; w < progress.steals.size() && w < steals_.size(); ++w) {
    if (progress.steals[w] > steals_[w]) {
      Instant(static_cast<int>(w), progress.elapsed_ns, "steal",
              R"({"steals": )" + std::to_string(progress.steals[w]) + "}");
    }
    steals_[w] = progress.steals[w];
  }
}

std::string TraceReporter::Render() const {
  std::string j = "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [";
  for (size_t i = 0; i < events_.size(); ++i) j += (i ? ",\n  " : "\n  ") + events_[i];
  j += "\n]}\n";
  return j;
}

void TraceReporter::OnRunEnd(const RunInfo&, const Ledger&, const RunSummary&) {
  if (!WriteFileAtomically(path_, Render(), &error_)) {
    std::fprintf(stderr, "mprun: error: --trace: %s\n", error_.c_str());
  }
}

}  // namespace mprun::core
