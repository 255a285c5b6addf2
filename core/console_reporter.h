// ConsoleReporter: what people read (DESIGN.md §3 "Console"). Supervisor only.
//
// While running: a dot per test (`.` pass, `F` fail, `C` crash, `T` timeout,
// `S` skip), or with -v one line per test. At the end: every failure with its
// message and captured output, `Ran N tests in S.SSSs`, the breakdown of
// crashes and timeouts, and `mprun: N passed, N failed, N skipped`.
#ifndef MPRUN_CORE_CONSOLE_REPORTER_H_
#define MPRUN_CORE_CONSOLE_REPORTER_H_

#include <cstdio>

#include "core/reporter.h"

namespace mprun::core {

class ConsoleReporter : public Reporter {
 public:
  // verbosity: 0 summary only, 1 dots, 2 a line per test.
  ConsoleReporter(FILE* out, int verbosity) : out_(out), verbosity_(verbosity) {}

  void OnRunStart(const RunInfo& run) override;
  void OnTestFinished(const RunInfo& run, uint32_t test, const TestResult& result) override;
  void OnTick() override;
  void OnRunEnd(const RunInfo& run, const Ledger& ledger, const RunSummary& summary) override;

  // Output shown per failing test is cut to this many bytes (its tail).
  static constexpr size_t kMaxShownOutput = 16 * 1024;

 private:
  void PrintFailure(const RunInfo& run, uint32_t test, const TestResult& r);

  FILE* out_;
  int verbosity_;
  int column_ = 0;
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_CONSOLE_REPORTER_H_
