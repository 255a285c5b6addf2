#include "core/report/console_reporter.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/rules/decisions.h"

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

std::string ConsoleReporter::Paint(const std::string& text, Outcome o) const {
  if (!opt_.color) return text;
  const char* code = "";
  switch (o) {
    case Outcome::kPassed:
      code = "\x1b[32m";
      break;
    case Outcome::kSkipped:
    case Outcome::kNotRun:
      code = "\x1b[33m";
      break;
    case Outcome::kFailed:
      code = "\x1b[31m";
      break;
    case Outcome::kCrashed:
    case Outcome::kTimedOut:
      code = "\x1b[1;31m";
      break;
  }
  return code + text + "\x1b[0m";
}

void ConsoleReporter::ClearStatusLine() {
  if (!status_drawn_) return;
  std::fputs("\r\x1b[2K", out_);
  status_drawn_ = false;
}

void ConsoleReporter::OnRunStart(const RunInfo& run) {
  run_ = &run;
  if (opt_.verbosity < 1) return;
  std::string shard;
  if (run.shard.total > 0) {
    shard = " (shard " + std::to_string(run.shard.index + 1) + " of " +
            std::to_string(run.shard.total) + ")";
  }
  std::fprintf(out_, "mprun: %zu test%s%s, %d worker%s\n", run.tests.size(),
               run.tests.size() == 1 ? "" : "s", shard.c_str(), run.workers,
               run.workers == 1 ? "" : "s");
  std::fflush(out_);
}

void ConsoleReporter::OnTestFinished(const RunInfo& run, uint32_t test, const TestResult& r) {
  failures_ += IsFailure(r.outcome);
  if (opt_.verbosity >= 2) {
    ClearStatusLine();
    std::string heading = Heading(r.outcome);
    heading.resize(std::max<size_t>(heading.size(), 9), ' ');
    std::fprintf(out_, "%s %s (%s, worker %d)\n", Paint(heading, r.outcome).c_str(),
                 run.tests[test].FullName().c_str(), Duration(r.duration_ns).c_str(), r.worker);
    return;
  }
  if (opt_.mode == ConsoleOptions::Mode::kDots && opt_.verbosity == 1 &&
      r.outcome != Outcome::kNotRun) {
    std::fputs(Paint(std::string(1, OutcomeSymbol(r.outcome)), r.outcome).c_str(), out_);
    if (++column_ == kDotsPerLine) {
      std::fputc('\n', out_);
      column_ = 0;
    }
  }
}

void ConsoleReporter::OnTestRetried(const RunInfo& run, uint32_t test, const TestResult& r) {
  if (opt_.verbosity < 2) return;
  ClearStatusLine();
  std::fprintf(out_, "%s %s (attempt %u %s, running it again)\n",
               Paint("RETRY    ", Outcome::kSkipped).c_str(), run.tests[test].FullName().c_str(),
               r.attempts, std::string(OutcomeName(r.outcome)).c_str());
}

void ConsoleReporter::OnSlow(int worker, uint32_t test, uint64_t at_ns) {
  (void)at_ns;
  if (opt_.verbosity < 2 || run_ == nullptr || test >= run_->tests.size()) return;
  ClearStatusLine();
  std::fprintf(out_, "%s %s (worker %d, still running after %s)\n",
               Paint("SLOW     ", Outcome::kSkipped).c_str(), run_->tests[test].FullName().c_str(),
               worker, Seconds(run_->slow_after_s).c_str());
  std::fflush(out_);
}

// The tests that ran slow_after_s or longer, longest first (ten named).
void ConsoleReporter::PrintSlow(const RunInfo& run, const Ledger& ledger) {
  std::vector<uint32_t> slow;
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    if (ledger.Finished(t) && IsSlow(run, ledger.Get(t))) slow.push_back(t);
  }
  if (slow.empty()) return;
  std::sort(slow.begin(), slow.end(), [&](uint32_t a, uint32_t b) {
    return ledger.Get(a).duration_ns > ledger.Get(b).duration_ns;
  });
  std::fprintf(out_, "%s\nSlow (%s or longer): %zu test%s\n", kHeavyRule,
               Seconds(run.slow_after_s).c_str(), slow.size(), slow.size() == 1 ? "" : "s");
  const size_t shown = std::min<size_t>(slow.size(), 10);
  for (size_t i = 0; i < shown; ++i) {
    const TestResult& r = ledger.Get(slow[i]);
    std::fprintf(out_, "  %9s  %s (%s)\n", Duration(r.duration_ns).c_str(),
                 run.tests[slow[i]].FullName().c_str(),
                 std::string(OutcomeName(r.outcome)).c_str());
  }
  if (shown < slow.size()) std::fprintf(out_, "  ... and %zu more\n", slow.size() - shown);
}

std::string ConsoleReporter::StatusLine(const RunInfo& run, const Ledger& ledger,
                                        const Progress& progress) const {
  char buf[128];
  const double elapsed = static_cast<double>(progress.elapsed_ns) / 1e9;
  std::snprintf(buf, sizeof buf, "[%zu/%zu] %zu failed, %.1fs", ledger.finished(), ledger.size(),
                failures_, elapsed);
  std::string line = buf;
  if (ledger.finished() > 0 && ledger.finished() < ledger.size()) {
    const double eta = elapsed * static_cast<double>(ledger.size() - ledger.finished()) /
                       static_cast<double>(ledger.finished());
    std::snprintf(buf, sizeof buf, ", ETA %.0fs", eta + 0.5);
    line += buf;
  }
  // The tests running for longest, if beyond the threshold.
  std::vector<const RunningTest*> slow;
  for (const RunningTest& r : progress.running) {
    if (static_cast<double>(r.elapsed_ns) / 1e9 >= opt_.slow_after_s) slow.push_back(&r);
  }
  std::sort(slow.begin(), slow.end(), [](const RunningTest* a, const RunningTest* b) {
    return a->elapsed_ns > b->elapsed_ns;
  });
  for (size_t i = 0; i < slow.size(); ++i) {
    std::snprintf(buf, sizeof buf, " (w%d, %.0fs)", slow[i]->worker,
                  static_cast<double>(slow[i]->elapsed_ns) / 1e9);
    line += (i == 0 ? " · slow: " : ", ") + run.tests[slow[i]->test].FullName() + buf;
  }
  if (opt_.width > 4 && line.size() > static_cast<size_t>(opt_.width - 1)) {
    line = line.substr(0, static_cast<size_t>(opt_.width - 4)) + "...";
  }
  return line;
}

void ConsoleReporter::OnTick(const RunInfo& run, const Ledger& ledger, const Progress& progress) {
  if (opt_.mode == ConsoleOptions::Mode::kStatusLine &&
      (progress.elapsed_ns >= last_draw_ns_ + 100'000'000 || last_draw_ns_ == 0)) {
    last_draw_ns_ = progress.elapsed_ns;
    std::fputs(("\r\x1b[2K" + StatusLine(run, ledger, progress)).c_str(), out_);
    status_drawn_ = true;
  }
  std::fflush(out_);
}

void ConsoleReporter::OnStatusRequest(const RunInfo& run, const Progress& progress) {
  ClearStatusLine();
  if (column_ > 0) std::fputc('\n', out_);
  column_ = 0;
  std::fprintf(out_, "mprun: %zu test%s running at %.1fs\n", progress.running.size(),
               progress.running.size() == 1 ? "" : "s",
               static_cast<double>(progress.elapsed_ns) / 1e9);
  for (const RunningTest& r : progress.running) {
    std::fprintf(out_, "  %s (worker %d, %.1fs)\n", run.tests[r.test].FullName().c_str(), r.worker,
                 static_cast<double>(r.elapsed_ns) / 1e9);
    // The last lines of its output so far, indented.
    std::vector<std::string_view> lines;
    std::string_view rest = r.output;
    while (!rest.empty()) {
      const size_t nl = rest.find('\n');
      lines.push_back(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    constexpr size_t kTailLines = 10;
    for (size_t i = lines.size() > kTailLines ? lines.size() - kTailLines : 0; i < lines.size();
         ++i) {
      std::fprintf(out_, "    | %.*s\n", static_cast<int>(lines[i].size()), lines[i].data());
    }
  }
  std::fflush(out_);
}

void ConsoleReporter::PrintFailure(const RunInfo& run, uint32_t test, const TestResult& r) {
  std::fprintf(out_, "%s\n%s: %s", kHeavyRule, Paint(Heading(r.outcome), r.outcome).c_str(),
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

void ConsoleReporter::PrintRepeats(const RunInfo& run, const Ledger& ledger) {
  std::vector<uint32_t> repeated;
  size_t runs = 0;
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    if (!ledger.Finished(t) || ledger.Get(t).samples_ns.size() < 2) continue;
    repeated.push_back(t);
    runs = std::max(runs, ledger.Get(t).samples_ns.size());
  }
  if (repeated.empty()) return;
  // Perf suites are small; a big suite run for flakiness shows its widest
  // spreads (every test is in the JSON report).
  const size_t limit = opt_.verbosity >= 2 ? repeated.size() : 50;
  auto spread = [&](uint32_t t) {
    const Spread s = SpreadOf(ledger.Get(t).samples_ns);
    return s.median_ns > 0 ? static_cast<double>(s.max_ns - s.min_ns) / s.median_ns : 0.0;
  };
  if (repeated.size() > limit) {
    std::stable_sort(repeated.begin(), repeated.end(),
                     [&](uint32_t a, uint32_t b) { return spread(a) > spread(b); });
  }
  std::fprintf(out_, "%s\nDurations over %zu runs each (median [min, max]):\n", kHeavyRule, runs);
  for (size_t i = 0; i < std::min(limit, repeated.size()); ++i) {
    const uint32_t t = repeated[i];
    const Spread s = SpreadOf(ledger.Get(t).samples_ns);
    std::fprintf(out_, "  %9s  [%s, %s]  %s\n", Duration(s.median_ns).c_str(),
                 Duration(s.min_ns).c_str(), Duration(s.max_ns).c_str(),
                 run.tests[t].FullName().c_str());
  }
  if (repeated.size() > limit) {
    std::fprintf(out_, "  ... %zu more with narrower spreads (-v: all; all in --json)\n",
                 repeated.size() - limit);
  }
}

void ConsoleReporter::PrintPerf(const RunInfo& run, const PerfReport& perf) {
  if (!perf.wanted) return;
  std::fprintf(out_,
               "%s\nDurations against history (median and MAD of the recent runs; moved: beyond "
               "3 sigma and %g%%):\n",
               kHeavyRule, perf.min_relative_pct);
  for (const PerfChange& c : perf.changes) {
    const PerfVerdict& v = c.verdict;
    const bool slower = v.move == PerfMove::kSlower;
    const std::string word =
        Paint(slower ? "SLOWER" : "FASTER", slower ? Outcome::kFailed : Outcome::kPassed);
    std::fprintf(out_, "  %s %+7.1f%%  %s: %.3f ms, was %.3f ms +- %.3f ms (%zu runs)%s\n",
                 word.c_str(), v.change_pct, run.tests[c.test].FullName().c_str(), v.now_ms,
                 v.median_ms, v.sigma_ms, v.history,
                 c.fails ? "  [fails: --fail-on-slowdown]" : "");
  }
  size_t slower = 0;
  for (const PerfChange& c : perf.changes) slower += c.verdict.move == PerfMove::kSlower;
  std::fprintf(out_, "mprun: perf: %zu of %zu tests with history moved (%zu slower, %zu faster)",
               perf.changes.size(), perf.judged, slower, perf.changes.size() - slower);
  if (perf.without_history > 0) {
    std::fprintf(out_, "; %zu without enough history (3 runs)", perf.without_history);
  }
  std::fprintf(out_, "\n");
  if (perf.failing() > 0) {
    std::fprintf(out_,
                 "mprun: %zu slowdown%s of %g%% or more (--fail-on-slowdown): the run fails\n",
                 perf.failing(), perf.failing() == 1 ? "" : "s", perf.fail_on_slowdown_pct);
  }
}

// Tests that passed with output to show (--show-output=all kept it).
void ConsoleReporter::PrintPassingOutput(const RunInfo& run, const Ledger& ledger) {
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    if (!ledger.Finished(t) || IsFailure(ledger.Get(t).outcome)) continue;
    const TestResult& r = ledger.Get(t);
    if (r.output.empty()) continue;
    std::fprintf(out_, "%s\nOUTPUT: %s (%s)\n%s\n", kLightRule, run.tests[t].FullName().c_str(),
                 Paint(Heading(r.outcome), r.outcome).c_str(), kLightRule);
    std::fwrite(r.output.data(), 1, r.output.size(), out_);
    if (r.output.back() != '\n') std::fputc('\n', out_);
  }
}

void ConsoleReporter::PrintFlaky(const RunInfo& run, const Ledger& ledger) {
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    if (!ledger.Finished(t) || !ledger.Get(t).flaky) continue;
    const TestResult& r = ledger.Get(t);
    std::fprintf(out_, "%s\n%s: %s (passed on attempt %u)\n", kHeavyRule,
                 Paint("FLAKY", Outcome::kSkipped).c_str(), run.tests[t].FullName().c_str(),
                 r.attempts);
    for (size_t i = 0; i < r.earlier.size(); ++i) {
      const std::string& m = r.earlier[i].message;
      std::fprintf(out_, "  attempt %zu %s: %s\n", i + 1,
                   std::string(OutcomeName(r.earlier[i].outcome)).c_str(),
                   m.substr(0, m.find('\n')).c_str());
    }
  }
}

// The first 50 of the `not_run` tests that never ran.
void ConsoleReporter::PrintNotRun(const RunInfo& run, const Ledger& ledger, size_t not_run) {
  std::fprintf(out_, "%s\nNot run (%zu):", kHeavyRule, not_run);
  size_t listed = 0;
  for (uint32_t t = 0; t < ledger.size() && listed < 50; ++t) {
    if (!ledger.Finished(t) || ledger.Get(t).outcome == Outcome::kNotRun) {
      std::fprintf(out_, "%s%s", listed++ ? ", " : " ", run.tests[t].FullName().c_str());
    }
  }
  std::fprintf(out_, "%s\n", not_run > listed ? ", ..." : "");
}

// --durations=N: the N slowest tests that ran.
void ConsoleReporter::PrintSlowest(const RunInfo& run, const Ledger& ledger) {
  std::vector<uint32_t> order;
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    if (ledger.Finished(t) && ledger.Get(t).outcome != Outcome::kNotRun) order.push_back(t);
  }
  const size_t n = std::min(order.size(), static_cast<size_t>(opt_.durations));
  std::partial_sort(order.begin(), order.begin() + static_cast<long>(n), order.end(),
                    [&](uint32_t a, uint32_t b) {
                      return ledger.Get(a).duration_ns > ledger.Get(b).duration_ns;
                    });
  std::fprintf(out_, "%s\nSlowest %zu test%s:\n", kHeavyRule, n, n == 1 ? "" : "s");
  for (size_t i = 0; i < n; ++i) {
    const TestResult& r = ledger.Get(order[i]);
    std::fprintf(out_, "  %9s  %s (worker %d)\n", Duration(r.duration_ns).c_str(),
                 run.tests[order[i]].FullName().c_str(), r.worker);
  }
}

// How close the run came to the best any schedule could do.
void ConsoleReporter::PrintMakespan(const RunInfo& run, const Ledger& ledger,
                                    const RunSummary& summary) {
  uint64_t total = 0, longest = 0;
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    if (!ledger.Finished(t)) continue;
    total += ledger.Get(t).duration_ns;
    longest = std::max(longest, ledger.Get(t).duration_ns);
  }
  const double bound =
      std::max(static_cast<double>(total) / run.workers, static_cast<double>(longest)) / 1e9;
  if (bound > 0) {
    std::fprintf(out_, "makespan %.3fs; lower bound max(total/%d, longest) %.3fs: %.0f%%\n",
                 summary.wall_seconds, run.workers, bound, 100 * summary.wall_seconds / bound);
  }
}

// `Ran N tests in S.SSSs`, the breakdown, and the closing line.
void ConsoleReporter::PrintTotals(const RunInfo& run, const Ledger& ledger,
                                  const RunSummary& summary, size_t not_run) {
  std::fprintf(out_, "%s\n", kLightRule);
  const size_t ran = ledger.finished() - ledger.Count(Outcome::kNotRun);
  std::fprintf(out_, "Ran %zu test%s in %.3fs\n", ran, ran == 1 ? "" : "s", summary.wall_seconds);
  const size_t crashed = ledger.Count(Outcome::kCrashed),
               timed_out = ledger.Count(Outcome::kTimedOut);
  if (ledger.flaky() > 0) std::fprintf(out_, "(flaky: %zu, see above)\n", ledger.flaky());
  if (opt_.verbosity >= 2 && run.workers > 0) PrintMakespan(run, ledger, summary);
  if (crashed + timed_out + not_run > 0) {
    std::fprintf(out_, "(failed: %zu, crashed: %zu, timed out: %zu, not run: %zu)\n",
                 ledger.Count(Outcome::kFailed), crashed, timed_out, not_run);
  }
  if (summary.interrupted) std::fprintf(out_, "mprun: interrupted\n");
  std::fprintf(out_, "mprun: %zu passed, %zu failed, %zu skipped\n", ledger.Count(Outcome::kPassed),
               ledger.Count(Outcome::kFailed) + crashed + timed_out,
               ledger.Count(Outcome::kSkipped));
}

void ConsoleReporter::OnRunEnd(const RunInfo& run, const Ledger& ledger,
                               const RunSummary& summary) {
  ClearStatusLine();
  if (column_ > 0) std::fputc('\n', out_);
  column_ = 0;
  if (opt_.verbosity >= 1 && opt_.mode == ConsoleOptions::Mode::kDots) std::fputc('\n', out_);
  PrintPassingOutput(run, ledger);
  for (uint32_t t = 0; t < ledger.size(); ++t) {
    if (ledger.Finished(t) && IsFailure(ledger.Get(t).outcome)) PrintFailure(run, t, ledger.Get(t));
  }
  PrintFlaky(run, ledger);
  for (const std::string& e : summary.errors) {
    std::fprintf(out_, "%s\nERROR: %s\n", kHeavyRule, e.c_str());
  }
  for (const std::string& w : summary.warnings) {
    std::fprintf(out_, "%s\nWARNING: %s\n", kHeavyRule, w.c_str());
  }
  const size_t not_run = ledger.size() - ledger.finished() + ledger.Count(Outcome::kNotRun);
  if (not_run > 0 && opt_.verbosity >= 1) PrintNotRun(run, ledger, not_run);
  if (opt_.verbosity >= 1) PrintSlow(run, ledger);
  if (opt_.durations > 0) PrintSlowest(run, ledger);
  PrintRepeats(run, ledger);
  PrintPerf(run, summary.perf);
  PrintTotals(run, ledger, summary, not_run);
  std::fflush(out_);
}

}  // namespace mprun::core
