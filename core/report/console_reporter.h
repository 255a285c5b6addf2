// ConsoleReporter: what people read (README, "Outcomes and exit status"). Supervisor only.
//
// While running, by mode: a dot per test (`.` pass, `F` fail, `C` crash,
// `T` timeout, `S` skip) — the default when the output is not a terminal, so
// CI logs get no control characters; or one status line redrawn in place on
// a terminal: done/total, failures, elapsed, ETA, and the tests running
// longer than a few seconds; or nothing. With -v, one line per test. At the
// end: every failure with its message and captured output, the slowest tests
// if asked, `Ran N tests in S.SSSs`, the breakdown of crashes and timeouts,
// and `mprun: N passed, N failed, N skipped`.
#ifndef MPRUN_CORE_REPORT_CONSOLE_REPORTER_H_
#define MPRUN_CORE_REPORT_CONSOLE_REPORTER_H_

#include <cstdio>
#include <string>

#include "core/report/reporter.h"

namespace mprun::core {

struct ConsoleOptions {
  enum class Mode { kDots, kStatusLine, kNone };
  Mode mode = Mode::kDots;
  int verbosity = 1;         // 0 failures and summary only, 1 default, 2 a line per test
  bool color = false;        // ANSI colours
  int durations = 0;         // list the N slowest tests at the end
  int width = 80;            // of the terminal, for the status line
  double slow_after_s = 10;  // the status line (and -v) names tests running longer
};

class ConsoleReporter : public Reporter {
 public:
  ConsoleReporter(FILE* out, ConsoleOptions options) : out_(out), opt_(options) {}
  // The historical two-argument form: dots, or a line per test with -v.
  ConsoleReporter(FILE* out, int verbosity) : out_(out) { opt_.verbosity = verbosity; }

  void OnRunStart(const RunInfo& run) override;
  void OnTestFinished(const RunInfo& run, uint32_t test, const TestResult& result) override;
  void OnTestRetried(const RunInfo& run, uint32_t test, const TestResult& attempt) override;
  void OnSlow(int worker, uint32_t test, uint64_t at_ns) override;
  void OnTick(const RunInfo& run, const Ledger& ledger, const Progress& progress) override;
  void OnStatusRequest(const RunInfo& run, const Progress& progress) override;
  void OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) override;

  // Output shown per failing test is cut to this many bytes (its tail).
  static constexpr size_t kMaxShownOutput = 16 * 1024;
  // The status line as it would be drawn (exposed for tests).
  std::string StatusLine(const RunInfo& run, const Ledger& ledger, const Progress& progress) const;

 private:
  // The end of the run, in the order printed.
  void PrintPassingOutput(const RunInfo& run, const Ledger& ledger);
  void PrintFailure(const RunInfo& run, uint32_t test, const TestResult& r);
  void PrintFlaky(const RunInfo& run, const Ledger& ledger);
  void PrintNotRun(const RunInfo& run, const Ledger& ledger, size_t not_run);
  void PrintSlowest(const RunInfo& run, const Ledger& ledger);
  void PrintSlow(const RunInfo& run, const Ledger& ledger);
  void ClearStatusLine();
  void PrintRepeats(const RunInfo& run, const Ledger& ledger);
  void PrintPerf(const RunInfo& run, const PerfReport& perf);
  void PrintTotals(const RunInfo& run, const Ledger& ledger, const RunSummary& summary,
                   size_t not_run);
  void PrintMakespan(const RunInfo& run, const Ledger& ledger, const RunSummary& summary);
  std::string Paint(const std::string& text, Outcome o) const;

  FILE* out_;
  ConsoleOptions opt_;
  int column_ = 0;
  bool status_drawn_ = false;
  uint64_t last_draw_ns_ = 0;
  size_t failures_ = 0;
  const RunInfo* run_ = nullptr;  // from OnRunStart, for OnSlow's names
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORT_CONSOLE_REPORTER_H_
