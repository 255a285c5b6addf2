#include "core/report/console_reporter.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace mprun::core {
namespace {

std::string Render(int verbosity) {
  RunInfo run;
  run.binaries = {"t"};
  run.workers = 2;
  run.tests = {{0, "S", "ok"}, {0, "S", "bad"}, {0, "S", "boom"}, {0, "S", "skip"}};
  Ledger ledger(4);
  char* buf = nullptr;
  size_t len = 0;
  FILE* out = open_memstream(&buf, &len);
  ConsoleReporter console(out, verbosity);
  console.OnRunStart(run);
  auto finish = [&](uint32_t t, Outcome o, std::string msg, std::string output = "") {
    TestResult r;
    r.outcome = o;
    r.worker = static_cast<int>(t % 2);
    r.duration_ns = 2'000'000;
    r.message = std::move(msg);
    r.output = std::move(output);
    ledger.Record(t, r);
    console.OnTestFinished(run, t, ledger.Get(t));
  };
  finish(0, Outcome::kPassed, "");
  finish(1, Outcome::kFailed, "f.cc:1: Failure\nwrong\n", "printed\n");
  finish(2, Outcome::kCrashed, "crashed: SIGSEGV (Segmentation fault)");
  finish(3, Outcome::kSkipped, "f.cc:9: Skipped\n");
  RunSummary summary;
  summary.wall_seconds = 1.25;
  console.OnRunEnd(run, ledger, summary);
  fclose(out);
  std::string text(buf, len);
  free(buf);
  return text;
}

TEST(ConsoleReporterTest, DotsThenFailuresThenTheContractSummary) {
  EXPECT_EQ(Render(1),
            "mprun: 4 tests, 2 workers\n"
            ".FCS\n"
            "\n"
            "======================================================================\n"
            "FAILED: S.bad (worker 1, 2.0 ms)\n"
            "----------------------------------------------------------------------\n"
            "f.cc:1: Failure\n"
            "wrong\n"
            "-------------------------- captured output ---------------------------\n"
            "printed\n"
            "======================================================================\n"
            "CRASHED: S.boom (worker 0, 2.0 ms)\n"
            "----------------------------------------------------------------------\n"
            "crashed: SIGSEGV (Segmentation fault)\n"
            "----------------------------------------------------------------------\n"
            "Ran 4 tests in 1.250s\n"
            "(failed: 1, crashed: 1, timed out: 0, not run: 0)\n"
            "mprun: 1 passed, 2 failed, 1 skipped\n");
}

TEST(ConsoleReporterTest, VerboseGivesALinePerTest) {
  const std::string text = Render(2);
  EXPECT_NE(text.find("PASSED    S.ok (2.0 ms, worker 0)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("CRASHED   S.boom (2.0 ms, worker 0)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find(".FCS"), std::string::npos);
}

TEST(ConsoleReporterTest, QuietPrintsOnlyTheEnd) {
  const std::string text = Render(0);
  EXPECT_EQ(text.find("mprun: 4 tests"), std::string::npos);
  EXPECT_EQ(text.rfind("FAILED: S.bad", 0) == std::string::npos,
            text.find("FAILED") != std::string::npos);
  EXPECT_NE(text.find("mprun: 1 passed, 2 failed, 1 skipped\n"), std::string::npos);
}

TEST(ConsoleReporterTest, StatusLineCountsEstimatesAndNamesSlowTests) {
  RunInfo run;
  run.workers = 2;
  run.tests = {{0, "S", "a"}, {0, "S", "b"}, {0, "S", "slow"}, {0, "S", "d"}};
  Ledger ledger(4);
  ConsoleOptions o;
  o.mode = ConsoleOptions::Mode::kStatusLine;
  o.slow_after_s = 5;
  ConsoleReporter console(stdout, o);
  TestResult failed;
  failed.outcome = Outcome::kFailed;
  ledger.Record(0, failed);
  console.OnTestFinished(run, 0, ledger.Get(0));
  Progress p;
  p.elapsed_ns = 10'000'000'000;
  p.running = {{2, 1, 8'000'000'000, ""}, {3, 0, 1'000'000'000, ""}};
  EXPECT_EQ(console.StatusLine(run, ledger, p),
            "[1/4] 1 failed, 10.0s, ETA 30s · slow: S.slow (w1, 8s)");
}

TEST(ConsoleReporterTest, DurationsListTheSlowestTests) {
  RunInfo run;
  run.workers = 1;
  run.tests = {{0, "S", "a"}, {0, "S", "b"}, {0, "S", "c"}};
  Ledger ledger(3);
  for (uint32_t t = 0; t < 3; ++t) {
    TestResult r;
    r.outcome = Outcome::kPassed;
    r.duration_ns = (t + 1) * 1'000'000;
    r.worker = 0;
    ledger.Record(t, r);
  }
  char* buf = nullptr;
  size_t len = 0;
  FILE* out = open_memstream(&buf, &len);
  ConsoleOptions o;
  o.verbosity = 0;
  o.mode = ConsoleOptions::Mode::kNone;
  o.durations = 2;
  ConsoleReporter console(out, o);
  console.OnRunEnd(run, ledger, RunSummary{});
  fclose(out);
  const std::string text(buf, len);
  free(buf);
  EXPECT_NE(
      text.find("Slowest 2 tests:\n     3.0 ms  S.c (worker 0)\n     2.0 ms  S.b (worker 0)\n"),
      std::string::npos)
      << text;
}

}  // namespace
}  // namespace mprun::core
