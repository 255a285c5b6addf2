// Linked mode end to end: the misbehaving fixture binary (linked with
// mprun::gtest_main) run for real with 1, 2 and 8 workers, through both
// executors. Every test's outcome, the summary, the exit status, the JSON
// report, and that no process or file of the run is left.
#include <dirent.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "core/outcome.h"
#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kMisbehave[] = MPRUN_MISBEHAVE_BINARY;
using testing_util::kDeadlySignalsKill;

using testing_util::ParseReport;

std::vector<std::string> DevShm() {
  std::vector<std::string> out;
  if (DIR* d = opendir("/dev/shm")) {
    while (dirent* e = readdir(d)) out.push_back(e->d_name);
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Case {
  int workers;
  const char* executor;
};

class MisbehaveE2eTest : public ::testing::TestWithParam<Case> {};

TEST_P(MisbehaveE2eTest, EveryTestGetsItsExactOutcomeAndNothingIsLeftBehind) {
  const auto [workers, executor] = GetParam();
  ScratchDir dir;
  mkdir(dir.File("tmp").c_str(), 0700);
  const std::string token =
      "run" + std::to_string(getpid()) + "x" + std::to_string(workers) + executor;
  const std::vector<std::string> shm_before = DevShm();
  const Proc p = testing_util::Run({kMisbehave, "--processes=" + std::to_string(workers),
                                    "--process-timeout=1", "--json=" + dir.File("report.json")},
                                   {{"MPRUN_EXECUTOR", executor},
                                    // In sanitizer builds, deadly signals kill
                                    // the worker as without ASan (which would
                                    // report and exit 1 instead).
                                    {"ASAN_OPTIONS", kDeadlySignalsKill},
                                    {"MISBEHAVE_PID_FILE", dir.File("children")},
                                    {"MISBEHAVE_TOKEN", token},
                                    {"TMPDIR", dir.File("tmp")}},
                                   dir);

  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  std::map<std::string, testing_util::ReportRow> rows =
      ParseReport(testing_util::ReadFile(dir.File("report.json")), &doc);
  ASSERT_EQ(rows.size(), 30u);
  testing_util::ExpectMisbehaveOutcomes(rows);
  // In the worker's own process: what the hanging test printed, and its
  // backtrace.
  EXPECT_NE(rows["Misbehave.Hangs"].output.find("hanging now"), std::string::npos)
      << rows["Misbehave.Hangs"].output;
  EXPECT_NE(rows["Misbehave.Hangs"].output.find("backtrace"), std::string::npos);
  std::set<int> used;
  for (const auto& [name, row] : rows) used.insert(row.worker);
  EXPECT_LE(used.size(), static_cast<size_t>(workers));
  const auto& s = doc["summary"];
  EXPECT_EQ(s["total"].GetInt(), 30);
  EXPECT_EQ(s["passed"].GetInt(), 23);
  EXPECT_EQ(s["failed"].GetInt(), 1);
  EXPECT_EQ(s["skipped"].GetInt(), 1);
  EXPECT_EQ(s["crashed"].GetInt(), 4);
  EXPECT_EQ(s["timed_out"].GetInt(), 1);
  EXPECT_EQ(s["not_run"].GetInt(), 0);
  EXPECT_EQ(doc["processes"].GetInt(), workers);

  // Console: one symbol per test, the summary lines of the contract.
  EXPECT_NE(p.out.find("Ran 30 tests in "), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("\nmprun: 23 passed, 6 failed, 1 skipped\n"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("(failed: 1, crashed: 4, timed out: 1, not run: 0)"), std::string::npos);
  const std::string first_lines = p.out.substr(0, p.out.find("\n\n"));
  for (char c : {'.', 'F', 'S', 'C', 'T'}) {
    EXPECT_NE(first_lines.find(c), std::string::npos) << "no '" << c << "' in " << first_lines;
  }
  EXPECT_EQ(std::count(first_lines.begin(), first_lines.end(), 'C'), 4);

  // Nothing left: no process of the run, no temp dir, nothing in /dev/shm.
  for (const std::string& line : {testing_util::ReadFile(dir.File("children"))}) {
    std::istringstream pids(line);
    pid_t child;
    while (pids >> child) {
      EXPECT_TRUE(testing_util::WaitFor([&] { return testing_util::ProcessGone(child); }, 2000))
          << "lingering child " << child << " survived the run";
    }
  }
  EXPECT_TRUE(testing_util::WaitFor(
      [&] { return testing_util::ProcessesWithEnv("MISBEHAVE_TOKEN", token).empty(); }, 2000));
  EXPECT_TRUE(dir.List("tmp").empty()) << "left in TMPDIR: " << dir.List("tmp").front();
  EXPECT_EQ(DevShm(), shm_before);
}

INSTANTIATE_TEST_SUITE_P(Workers, MisbehaveE2eTest,
                         ::testing::Values(Case{1, "direct"}, Case{2, "direct"}, Case{8, "direct"},
                                           Case{1, "filter"}, Case{2, "filter"}, Case{8, "filter"}),
                         [](const auto& p) {
                           return std::to_string(p.param.workers) + "Workers_" + p.param.executor;
                         });

TEST(LinkedModeTest, WithoutProcessesTheBinaryIsPlainGoogleTest) {
  ScratchDir dir;
  const Proc p = testing_util::Run({kMisbehave, "--gtest_filter=Misbehave.Passes:Misbehave.Fails"},
                                   {{"MPRUN_PROCESSES", "\x01unset"}}, dir);
  EXPECT_EQ(p.status, 1);
  EXPECT_NE(p.out.find("[  FAILED  ] Misbehave.Fails"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("[       OK ] Misbehave.Passes"), std::string::npos) << p.out;
  EXPECT_EQ(p.out.find("mprun:"), std::string::npos) << p.out;
}

TEST(LinkedModeTest, EnvironmentVariableTurnsParallelismOn) {
  ScratchDir dir;
  const Proc p = testing_util::Run({kMisbehave, "--gtest_filter=Misbehave.Passes:Many/*"},
                                   {{"MPRUN_PROCESSES", "2"}}, dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("mprun: 21 tests, 2 workers"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("mprun: 21 passed, 0 failed, 0 skipped"), std::string::npos) << p.out;
}

TEST(LinkedModeTest, BadOptionValuesExitTwoNamingTheFlag) {
  ScratchDir dir;
  struct Bad {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string names;
  };
  for (const Bad& bad : std::vector<Bad>{
           {{"--processes=abc"}, {}, "--processes"},
           {{"-j"}, {}, "--processes"},
           {{"--process-timeout=-1"}, {}, "--process-timeout"},
           {{"--process-timeout=soon"}, {}, "--process-timeout"},
           {{}, {{"MPRUN_PROCESSES", "many"}}, "MPRUN_PROCESSES"},
           {{"--processes=2"},
            {{"MPRUN_PROCESS_RESTARTWORKER", "perhaps"}},
            "MPRUN_PROCESS_RESTARTWORKER"},
           {{"--process-restartworker=1"}, {}, "--process-restartworker"},
       }) {
    std::vector<std::string> argv = {kMisbehave};
    argv.insert(argv.end(), bad.args.begin(), bad.args.end());
    const Proc p = testing_util::Run(argv, bad.env, dir);
    EXPECT_EQ(p.status, 2) << bad.names << ": " << p.out << p.err;
    EXPECT_NE(p.err.find("mprun: error: " + bad.names), std::string::npos) << p.err;
  }
}

class InterruptTest : public ::testing::TestWithParam<int> {};

TEST_P(InterruptTest, StopsTheRunReportsAndExits130) {
  ScratchDir dir;
  const std::string token = "int" + std::to_string(getpid()) + "s" + std::to_string(GetParam());
  const pid_t pid = testing_util::Start(
      {kMisbehave, "--processes=2", "--process-timeout=0", "--json=" + dir.File("report.json"),
       "--gtest_filter=Misbehave.Hangs:Misbehave.Passes:Many/*"},
      {{"MISBEHAVE_TOKEN", token}}, dir);
  // Interrupt once the run has started (its first line is out).
  ASSERT_TRUE(testing_util::WaitFor(
      [&] {
        return testing_util::ReadFile(dir.File("stdout")).find("workers") != std::string::npos;
      },
      10000));
  kill(pid, GetParam());
  const Proc p = testing_util::Finish(pid, dir);
  EXPECT_EQ(p.status, 130) << p.out << p.err;
  EXPECT_NE(p.out.find("mprun: interrupted"), std::string::npos) << p.out;
  rapidjson::Document doc;
  auto rows = ParseReport(testing_util::ReadFile(dir.File("report.json")), &doc);
  EXPECT_EQ(rows.size(), 22u);
  EXPECT_EQ(rows["Misbehave.Hangs"].outcome, "not_run");
  EXPECT_TRUE(doc["interrupted"].GetBool());
  for (const auto& [name, row] : rows) {
    EXPECT_TRUE(row.outcome == "passed" || row.outcome == "not_run") << name << " " << row.outcome;
  }
  EXPECT_TRUE(testing_util::WaitFor(
      [&] { return testing_util::ProcessesWithEnv("MISBEHAVE_TOKEN", token).empty(); }, 2000));
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptTest, ::testing::Values(SIGINT, SIGTERM, SIGHUP),
                         [](const auto& p) { return core::SignalName(p.param).substr(3); });

std::set<std::string> DistinctLines(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.insert(line);
  return out;
}

TEST(LinkedModeTest, WorkersThatKeepDyingInSetUpStopTheRunWithExitTwo) {
  for (const char* executor : {"direct", "filter"}) {
    ScratchDir dir;
    const Proc p = testing_util::Run(
        {kMisbehave, "--processes=2", "--json=" + dir.File("r.json"), "--gtest_filter=Many/*"},
        {{"MISBEHAVE_ENV", "crash"},
         {"MPRUN_EXECUTOR", executor},
         {"ASAN_OPTIONS", kDeadlySignalsKill}},
        dir);
    EXPECT_EQ(p.status, 2) << p.out << p.err;
    EXPECT_NE(p.out.find("workers keep dying before running any test (3 in a row)"),
              std::string::npos)
        << p.out;
    EXPECT_NE(p.out.find("SIGSEGV"), std::string::npos) << p.out;
    rapidjson::Document doc;
    auto rows = ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
    EXPECT_EQ(rows.size(), 20u);
    for (const auto& [name, row] : rows) EXPECT_EQ(row.outcome, "not_run") << name;
  }
}

TEST(LinkedModeTest, AFailingGlobalEnvironmentFailsTheWorkersTestsWithItsMessage) {
  for (const char* executor : {"direct", "filter"}) {
    ScratchDir dir;
    const Proc p = testing_util::Run(
        {kMisbehave, "--processes=2", "--json=" + dir.File("r.json"), "--gtest_filter=Many/*"},
        {{"MISBEHAVE_ENV", "fail"}, {"MPRUN_EXECUTOR", executor}}, dir);
    EXPECT_EQ(p.status, 1) << p.out << p.err;
    rapidjson::Document doc;
    auto rows = ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
    ASSERT_EQ(rows.size(), 20u);
    for (const auto& [name, row] : rows) {
      EXPECT_EQ(row.outcome, "failed") << name;
      EXPECT_NE(row.message.find("the test database is not reachable"), std::string::npos)
          << executor << " " << name << ": " << row.message;
    }
  }
}

TEST(LinkedModeTest, ShardsOfAParallelRunAreDisjointAndCoverIt) {
  ScratchDir dir;
  std::map<std::string, int> seen;
  // With the history on: a shard reads it but never writes it (the next
  // shard would split by other durations), and says what it split.
  const std::string history = dir.File("h.json");
  std::set<std::string> digests;
  for (int k = 1; k <= 2; ++k) {
    const std::string report = dir.File("s" + std::to_string(k) + ".json");
    const Proc p =
        testing_util::Run({kMisbehave, "--processes=2", "--shard=" + std::to_string(k) + "/2",
                           "--json=" + report, "--gtest_filter=Many/*", "--history=" + history},
                          {{"MPRUN_NO_HISTORY", "\x01unset"}}, dir);
    EXPECT_EQ(p.status, 0) << p.out << p.err;
    rapidjson::Document doc;
    for (const auto& [name, row] : ParseReport(testing_util::ReadFile(report), &doc)) ++seen[name];
    ASSERT_TRUE(doc.HasMember("shard") && doc["shard"].HasMember("tests_digest"));
    EXPECT_EQ(doc["shard"]["selected"].GetInt(), 20);
    digests.insert(doc["shard"]["tests_digest"].GetString());
  }
  EXPECT_EQ(seen.size(), 20u);
  for (const auto& [name, count] : seen) EXPECT_EQ(count, 1) << name;
  EXPECT_EQ(digests.size(), 1u);
  EXPECT_NE(access(history.c_str(), F_OK), 0) << "a sharded run wrote the history";
  // Without --processes the binary is plain gtest, which knows no --shard.
  const Proc p =
      testing_util::Run({kMisbehave, "--shard=1/2"}, {{"MPRUN_PROCESSES", "\x01unset"}}, dir);
  EXPECT_EQ(p.status, 2);
  EXPECT_NE(p.err.find("--shard needs --processes"), std::string::npos) << p.err;
}

TEST(LinkedModeTest, RestartWorkerGivesEveryBatchAFreshProcess) {
  ScratchDir dir;
  const std::string filter = "--gtest_filter=Many/*:Misbehave.Segfaults";
  Proc p = testing_util::Run(
      {kMisbehave, "--processes=2", filter},
      {{"MISBEHAVE_PID_LOG", dir.File("plain")}, {"ASAN_OPTIONS", kDeadlySignalsKill}}, dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  // Without the option: the two workers, plus one replacement for the crash.
  EXPECT_LE(DistinctLines(testing_util::ReadFile(dir.File("plain"))).size(), 3u);

  // No history: with the first run's durations, first batches would be large.
  p = testing_util::Run({kMisbehave, "--processes=2", "--process-restartworker", "--no-history",
                         "--json=" + dir.File("r.json"), filter},
                        {{"MISBEHAVE_PID_LOG", dir.File("restart")}}, dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  auto rows = ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_EQ(rows.size(), 21u);
  EXPECT_EQ(rows["Misbehave.Segfaults"].outcome, "crashed");
  EXPECT_NE(p.out.find("mprun: 20 passed, 1 failed, 0 skipped"), std::string::npos) << p.out;
  // A first batch is one test until durations are known, so 20 tests took
  // at least 5 worker processes.
  EXPECT_GE(DistinctLines(testing_util::ReadFile(dir.File("restart"))).size(), 5u);
}

TEST(LinkedModeTest, FailingTestsKeepTheirOutputAfterLongSilentStretches) {
  ScratchDir dir;
  const Proc p = testing_util::Run(
      {MPRUN_OUTPUT_BINARY, "--processes=1", "--json=" + dir.File("r.json")}, {}, dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  auto rows = ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  ASSERT_EQ(rows.size(), 403u);
  // Each failing test gets exactly its own output, whatever ran before it:
  // a printing pass right before, or 200 silent tests.
  EXPECT_EQ(rows["One/FailAfterPrinting.PrintsC/0"].output, "C\n");
  EXPECT_EQ(rows["One/FailAfterSilence.PrintsB/0"].output, "B\n");
}

}  // namespace
}  // namespace mprun
