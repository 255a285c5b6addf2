#include "core/console_reporter.h"

#include <string>

namespace mprun::core {

namespace {

constexpr int kDotsPerLine = 80;
const char kHeavyRule[] = "======================================================================";
const char kLightRule[] = "----------------------------------------------------------------------";

std::string Duration(uint64_t ns) {
  char buf[32];
  if (ns < 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.0f us", static_cast<double>(ns) / 1e3);
  } else if (ns < 1'000'000'000) {
    std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(ns) / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(ns) / 1e9);
  }
  return buf;
}

const char* Heading(Outcome o) {
  switch (o) {
    case Outcome::kFailed:
      return "FAILED";
    case Outcome::kCrashed:
      return "CRASHED";
    case Outcome::kTimedOut:
      return "TIMED OUT";
    case Outcome::kNotRun:
      return "NOT RUN";
    case Outcome::kSkipped:
      return "SKIPPED";
    case Outcome::kPassed:
      return "PASSED";
  }
  return "?";
}

}  // namespace

void ConsoleReporter::OnRunStart(const RunInfo& run) {
  if (verbosity_ < 1) return;
  std::fprintf(out_, "mprun: %zu test%s, %d worker%s\n", run.tests.size(),
               run.tests.size() == 1 ? "" : "s", run.workers, run.workers == 1 ? "" : "s");
  std::fflush(out_);
}

void ConsoleReporter::OnTestFinished(const RunInfo& run, uint32_t test, const TestResult& r) {
  if (verbosity_ >= 2) {
    std::fprintf(out_, "%-9s %s (%s, worker %d)\n", Heading(r.outcome),
                 run.tests[test].FullName().c_str(), Duration(r.duration_ns).c_str(), r.worker);
    return;
  }
  if (verbosity_ == 1 && r.outcome != Outcome::kNotRun) {
    std::fputc(OutcomeSymbol(r.outcome), out_);
    if (++column_ == kDotsPerLine) {
      std::fputc('\n', out_);
      column_ = 0;
    }
  }
}

void ConsoleReporter::OnTick() { std::fflush(out_); }

void ConsoleReporter::PrintFailure(const RunInfo& run, uint32_t test, const TestResult& r) {
  std::fprintf(out_, "%s\n%s: %s", kHeavyRule, Heading(r.outcome),
               run.tests[test].FullName().c_str());
  if (run.binaries.size() > 1)
    std::fprintf(out_, " [%s]", run.binaries[run.tests[test].binary].c_str());
  if (r.worker >= 0) {
    std::fprintf(out_, " (worker %d, %s)\n", r.worker, Duration(r.duration_ns).c_str());
  } else {
    std::fputc('\n', out_);
  }
  std::fprintf(out_, "%s\n", kLightRule);
  if (!r.message.empty()) {
    std::fputs(r.message.c_str(), out_);
    if (r.message.back() != '\n') std::fputc('\n', out_);
  }
  if (!r.output.empty()) {
    std::fprintf(out_, "-------------------------- captured output ---------------------------\n");
    std::string_view shown = r.output;
    uint64_t cut = r.output_dropped;
    if (shown.size() > kMaxShownOutput) {
      cut += shown.size() - kMaxShownOutput;
      shown = shown.substr(shown.size() - kMaxShownOutput);
    }
    if (cut > 0)
      std::fprintf(out_, "[... %llu bytes of output cut ...]\n",
                   static_cast<unsigned long long>(cut));
    std::fwrite(shown.data(), 1, shown.size(), out_);
    if (shown.back() != '\n') std::fputc('\n', out_);
  }
}

void ConsoleReporter::OnRunEnd(const RunInfo& run, const Ledger& ledger,
                               const RunSummary& summary) {
  if (column_ > 0) std::fputc('\n', out_);
  column_ = 0;
  if (verbosity_ >= 1) std::fputc('\n', out_);
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    if (ledger.Finished(t) && IsFailure(ledger.Get(t).outcome)) PrintFailure(run, t, ledger.Get(t));
  }
  for (const std::string& e : summary.errors) {
    std::fprintf(out_, "%s\nERROR: %s\n", kHeavyRule, e.c_str());
  }
  const size_t not_run = ledger.size() - ledger.finished() + ledger.Count(Outcome::kNotRun);
  if (not_run > 0 && verbosity_ >= 1) {
    std::fprintf(out_, "%s\nNot run (%zu):", kHeavyRule, not_run);
    size_t listed = 0;
    for (uint32_t t = 0; t < ledger.size() && listed < 50; ++t) {
      if (!ledger.Finished(t) || ledger.Get(t).outcome == Outcome::kNotRun) {
        std::fprintf(out_, "%s%s", listed++ ? ", " : " ", run.tests[t].FullName().c_str());
      }
    }
    std::fprintf(out_, "%s\n", not_run > listed ? ", ..." : "");
  }
  std::fprintf(out_, "%s\n", kLightRule);
  const size_t ran = ledger.finished() - ledger.Count(Outcome::kNotRun);
  std::fprintf(out_, "Ran %zu test%s in %.3fs\n", ran, ran == 1 ? "" : "s", summary.wall_seconds);
  const size_t crashed = ledger.Count(Outcome::kCrashed),
               timed_out = ledger.Count(Outcome::kTimedOut);
  if (crashed + timed_out + not_run > 0) {
    std::fprintf(out_, "(failed: %zu, crashed: %zu, timed out: %zu, not run: %zu)\n",
                 ledger.Count(Outcome::kFailed), crashed, timed_out, not_run);
  }
  if (summary.interrupted) std::fprintf(out_, "mprun: interrupted\n");
  std::fprintf(out_, "mprun: %zu passed, %zu failed, %zu skipped\n", ledger.Count(Outcome::kPassed),
               ledger.Count(Outcome::kFailed) + crashed + timed_out,
               ledger.Count(Outcome::kSkipped));
  std::fflush(out_);
}

}  // namespace mprun::core
