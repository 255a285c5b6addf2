// Golden console output (STYLE.md): what people read at the end of a run
// and from --list -v, rendered from fixed inputs (no timing, no colour) and
// compared byte for byte with the files in tests/golden/.
//
// After a change to the console on purpose, regenerate them and review the
// diff:
//   MPRUN_UPDATE_GOLDEN=1 build/tests/core_tests --gtest_filter='ConsoleGolden*'
//   git diff tests/golden/
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/input/options.h"
#include "core/report/console_reporter.h"
#include "runner/run/run_setup.h"

namespace mprun {
namespace {

std::string GoldenPath(const std::string& name) {
  return std::string(MPRUN_GOLDEN_DIR) + "/" + name;
}

// Compares `text` with tests/golden/`name`, or with MPRUN_UPDATE_GOLDEN=1
// writes it there.
void ExpectGolden(const std::string& name, const std::string& text) {
  const std::string path = GoldenPath(name);
  const char* update = std::getenv("MPRUN_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << text;
    GTEST_SKIP() << "wrote " << path;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << path << " is missing (MPRUN_UPDATE_GOLDEN=1 writes it)";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(text, golden.str()) << "differs from " << path
                                << " (after a change on purpose: MPRUN_UPDATE_GOLDEN=1)";
}

// What `print` writes to a FILE.
template <typename Print>
std::string Captured(Print&& print) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* out = open_memstream(&buf, &len);
  print(out);
  std::fclose(out);
  std::string text(buf, len);
  std::free(buf);
  return text;
}

core::TestResult Result(core::Outcome outcome, int worker, uint64_t ms, std::string message = "",
                        std::string output = "") {
  core::TestResult r;
  r.outcome = outcome;
  r.worker = worker;
  r.duration_ns = ms * 1'000'000;
  r.message = std::move(message);
  r.output = std::move(output);
  return r;
}

// A run with every kind of end: passed, failed with output, crashed,
// timed out, skipped, flaky after two retries, not run after an interrupt,
// and one test that never finished; a run error and a warning.
std::string RenderRun(core::ConsoleOptions options) {
  core::RunInfo run;
  run.binaries = {"unit_tests"};
  run.workers = 2;
  run.tests = {{0, "Math", "Adds"},       {0, "Math", "Divides"}, {0, "Io", "Crashes"},
               {0, "Io", "Hangs"},        {0, "Io", "Skipped"},   {0, "Net", "Flaky"},
               {0, "Net", "Interrupted"}, {0, "Net", "NeverRan"}};
  return Captured([&](FILE* out) {
    core::ConsoleReporter console(out, options);
    core::Ledger ledger(run.tests.size());
    console.OnRunStart(run);
    auto finish = [&](uint32_t t, core::TestResult r) {
      ledger.Record(t, std::move(r));
      console.OnTestFinished(run, t, ledger.Get(t));
    };
    finish(0, Result(core::Outcome::kPassed, 0, 3));
    finish(1, Result(core::Outcome::kFailed, 1, 12,
                     "math_test.cc:20: Failure\nExpected equality of these values:\n  1\n  2\n",
                     "dividing 1 by 2\n"));
    finish(2, Result(core::Outcome::kCrashed, 0, 40, "crashed: SIGSEGV (Segmentation fault)",
                     "opening /tmp/x\n"));
    finish(3, Result(core::Outcome::kTimedOut, 1, 2000,
                     "timed out after 2.000 s (--process-timeout)\nbacktrace:\n  #0 sleep\n"));
    finish(4, Result(core::Outcome::kSkipped, 0, 1, "io_test.cc:9: Skipped\nno disk\n"));
    core::TestResult first = Result(core::Outcome::kFailed, 0, 5, "net_test.cc:7: Failure\nlost");
    console.OnTestRetried(run, 5, first);
    core::TestResult second = Result(core::Outcome::kCrashed, 1, 6, "crashed: SIGABRT (Aborted)");
    second.attempts = 2;
    console.OnTestRetried(run, 5, second);
    core::TestResult flaky = Result(core::Outcome::kPassed, 0, 7);
    flaky.attempts = 3;
    flaky.flaky = true;
    for (const core::TestResult& a : {first, second}) {
      flaky.earlier.push_back({a.outcome, a.message, a.output, a.duration_ns, a.worker});
    }
    finish(5, flaky);
    finish(6, Result(core::Outcome::kNotRun, -1, 0));
    core::RunSummary summary;
    summary.wall_seconds = 2.5;
    summary.interrupted = true;
    summary.errors = {"a suite's TearDownTestSuite() failed: Net"};
    summary.warnings = {"2 workers asked for, 1 started"};
    console.OnRunEnd(run, ledger, summary);
  });
}

TEST(ConsoleGoldenTest, EndOfRunInDots) {
  core::ConsoleOptions options;
  options.durations = 3;
  ExpectGolden("run_end_dots.txt", RenderRun(options));
}

TEST(ConsoleGoldenTest, EndOfRunVerbose) {
  core::ConsoleOptions options;
  options.verbosity = 2;
  ExpectGolden("run_end_verbose.txt", RenderRun(options));
}

TEST(ConsoleGoldenTest, EndOfRunQuiet) {
  core::ConsoleOptions options;
  options.verbosity = 0;
  options.mode = core::ConsoleOptions::Mode::kNone;
  ExpectGolden("run_end_quiet.txt", RenderRun(options));
}

// Suite traits by suite name, as linked mode would find them.
class FakeWayIn : public runner::WayIn {
 public:
  explicit FakeWayIn(const core::RunInfo& run) : run_(run) {}
  core::SuiteTraits SuiteTraitsAt(uint32_t first) const override {
    core::SuiteTraits traits;
    const std::string& suite = run_.tests[first].suite;
    traits.has_fixtures = suite == "Db" || suite == "Server";
    traits.serial = suite == "Serial";
    traits.exclusive = suite == "Server";
    return traits;
  }
  void Prepare(const core::RunInfo&, runner::EngineSpec*) override {}

 private:
  const core::RunInfo& run_;
};

std::string RenderList(std::vector<std::string> binaries, int verbosity) {
  core::RunInfo run;
  run.binaries = std::move(binaries);
  const uint32_t last = static_cast<uint32_t>(run.binaries.size() - 1);
  run.tests = {{0, "Db", "Opens"},     {0, "Db", "Closes"},      {0, "Math", "Adds"},
               {0, "Math", "Timed"},   {0, "Serial", "One"},     {0, "Serial", "Two"},
               {last, "Server", "Up"}, {last, "Server", "Down"}, {last, "Plain", "Works"}};
  core::Options opts;
  opts.exclusive = "Math.Timed";
  const FakeWayIn way(run);
  const core::Plan plan = runner::PlanTests(run, opts, way);
  return Captured([&](FILE* out) { runner::PrintTestList(out, run, plan, verbosity); });
}

TEST(ConsoleGoldenTest, ListVerboseGroupsUnitsAndMarksSerialAndExclusive) {
  ExpectGolden("list_verbose.txt", RenderList({"unit_tests"}, 2));
}

TEST(ConsoleGoldenTest, ListIsOneTestALine) {
  ExpectGolden("list.txt", RenderList({"unit_tests"}, 1));
}

TEST(ConsoleGoldenTest, ListVerboseOfSeveralBinariesNamesEachTestsBinary) {
  ExpectGolden("list_verbose_binaries.txt", RenderList({"./a_tests", "./b_tests"}, 2));
}

}  // namespace
}  // namespace mprun
