// Reports and the terminal end to end: the JSON report survives
// a SIGKILLed supervisor, SIGUSR1 shows what runs, the trace and JUnit files
// of a real run, colours only where asked.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kMisbehave[] = MPRUN_MISBEHAVE_BINARY;
const char kOutput[] = MPRUN_OUTPUT_BINARY;

bool ReadJson(const std::string& path, rapidjson::Document* d) {
  const std::string text = testing_util::ReadFile(path);
  if (text.empty()) return false;
  d->Parse(text.c_str());
  return !d->HasParseError();
}

TEST(ReportsTest, ARunKilledFromOutsideLeavesAReportOfWhatFinished) {
  ScratchDir dir;
  const std::string token = "kill" + std::to_string(getpid());
  const pid_t pid =
      testing_util::Start({kMisbehave, "--processes=2", "--process-timeout=0",
                           "--json=" + dir.File("r.json"), "--gtest_filter=Many/*:Misbehave.Hangs"},
                          {{"MISBEHAVE_TOKEN", token}}, dir);
  // The report is rewritten at most once a second while results arrive.
  rapidjson::Document d;
  ASSERT_TRUE(testing_util::WaitFor(
      [&] { return ReadJson(dir.File("r.json"), &d) && d["summary"]["passed"].GetInt() > 0; },
      10000));
  kill(pid, SIGKILL);
  testing_util::Finish(pid, dir);
  ASSERT_TRUE(ReadJson(dir.File("r.json"), &d));
  EXPECT_FALSE(d["complete"].GetBool());
  EXPECT_EQ(d["summary"]["total"].GetInt(), 21);
  int passed = 0;
  for (const auto& t : d["tests"].GetArray()) {
    const std::string name = t["name"].GetString(), outcome = t["outcome"].GetString();
    if (name == "Misbehave.Hangs") {
      EXPECT_EQ(outcome, "not_run");
    }
    EXPECT_TRUE(outcome == "passed" || outcome == "not_run") << name << " " << outcome;
    passed += outcome == "passed";
  }
  EXPECT_EQ(passed, d["summary"]["passed"].GetInt());
  EXPECT_GT(passed, 0);
  // The workers die with their supervisor.
  EXPECT_TRUE(testing_util::WaitFor(
      [&] { return testing_util::ProcessesWithEnv("MISBEHAVE_TOKEN", token).empty(); }, 5000));
}

TEST(ReportsTest, Sigusr1ShowsEveryRunningTestWithItsOutputSoFar) {
  ScratchDir dir;
  const pid_t pid = testing_util::Start(
      {kMisbehave, "--processes=2", "--process-timeout=0", "--gtest_filter=Misbehave.Hangs"}, {},
      dir);
  ASSERT_TRUE(testing_util::WaitFor(
      [&] {
        return testing_util::ReadFile(dir.File("stdout")).find("1 worker") != std::string::npos;
      },
      10000));
  // Ask until the hanging test has started and printed.
  bool shown = false;
  for (int i = 0; i < 50 && !shown; ++i) {
    kill(pid, SIGUSR1);
    shown = testing_util::WaitFor(
        [&] {
          return testing_util::ReadFile(dir.File("stdout")).find("| hanging now") !=
                 std::string::npos;
        },
        200);
  }
  kill(pid, SIGINT);
  const Proc p = testing_util::Finish(pid, dir);
  EXPECT_TRUE(shown) << p.out;
  EXPECT_NE(p.out.find("1 test running"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("  Misbehave.Hangs (worker "), std::string::npos) << p.out;
  EXPECT_EQ(p.status, 130) << "SIGUSR1 must not end the run; SIGINT does";
}

TEST(ReportsTest, TraceHasATrackPerWorkerWithNonOverlappingSlices) {
  ScratchDir dir;
  const Proc p = testing_util::Run(
      {kMisbehave, "--processes=2", "--process-timeout=1", "--trace=" + dir.File("t.json")},
      {{"ASAN_OPTIONS", "handle_segv=0:handle_abort=0"}}, dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document d;
  ASSERT_TRUE(ReadJson(dir.File("t.json"), &d));
  std::map<int, std::vector<std::pair<double, double>>> slices;
  std::set<int> tracks;
  std::map<std::string, int> instants;
  size_t tests = 0;
  for (const auto& e : d["traceEvents"].GetArray()) {
    const std::string ph = e["ph"].GetString();
    if (ph == "M" && std::string(e["name"].GetString()) == "thread_name")
      tracks.insert(e["tid"].GetInt());
    if (ph == "X") {
      slices[e["tid"].GetInt()].emplace_back(e["ts"].GetDouble(), e["dur"].GetDouble());
      ++tests;
      EXPECT_TRUE(e["args"].HasMember("outcome"));
      EXPECT_TRUE(e["args"].HasMember("binary"));
    }
    if (ph == "i") ++instants[e["name"].GetString()];
  }
  EXPECT_EQ(tracks, (std::set<int>{0, 1}));
  EXPECT_EQ(tests, 30u);
  for (auto& [tid, s] : slices) {
    std::sort(s.begin(), s.end());
    for (size_t i = 1; i < s.size(); ++i) {
      // 1 us of slack: a crashed test's start comes from the worker slot,
      // which keeps microseconds.
      EXPECT_LE(s[i - 1].first + s[i - 1].second, s[i].first + 1.0) << "track " << tid;
    }
  }
  EXPECT_EQ(instants["timeout"], 1);
  EXPECT_GE(instants["worker died"], 5) << "four crashes and the timeout";
  EXPECT_EQ(instants["worker started"], instants["worker died"] + instants["worker done"]);
}

TEST(ReportsTest, JunitOfARealRun) {
  ScratchDir dir;
  const Proc p = testing_util::Run(
      {kMisbehave, "--processes=2", "--process-timeout=1", "--junit-xml=" + dir.File("j.xml")},
      {{"ASAN_OPTIONS", "handle_segv=0:handle_abort=0"}}, dir);
  EXPECT_EQ(p.status, 1);
  const std::string xml = testing_util::ReadFile(dir.File("j.xml"));
  EXPECT_NE(
      xml.find("<testsuites name=\"mprun\" tests=\"30\" failures=\"1\" errors=\"5\" skipped=\"1\""),
      std::string::npos)
      << xml.substr(0, 300);
  EXPECT_NE(xml.find("type=\"timed_out\""), std::string::npos);
  EXPECT_NE(xml.find("type=\"crashed\""), std::string::npos);
}

TEST(ReportsTest, NoControlCharactersUnlessColourIsAskedFor) {
  ScratchDir dir;
  const std::vector<std::string> base = {kMisbehave, "--processes=2",
                                         "--gtest_filter=Misbehave.Fails:Many/*"};
  Proc p = testing_util::Run(base, {}, dir);
  EXPECT_EQ(p.out.find('\x1b'), std::string::npos) << "a control character in a non-terminal log";
  std::vector<std::string> colour = base;
  colour.push_back("--color=always");
  p = testing_util::Run(colour, {}, dir);
  EXPECT_NE(p.out.find("\x1b[31mFAILED\x1b[0m"), std::string::npos) << p.out;
  colour.push_back("--progress=dots");
  p = testing_util::Run(colour, {{"NO_COLOR", "1"}}, dir);
  EXPECT_NE(p.out.find("\x1b["), std::string::npos) << "--color=always wins over NO_COLOR";
}

TEST(ReportsTest, ShowOutputAllShowsWhatPassingTestsPrinted) {
  ScratchDir dir;
  Proc p =
      testing_util::Run({kOutput, "--processes=1", "--gtest_filter=One/PrintingPass.*"}, {}, dir);
  EXPECT_EQ(p.out.find("OUTPUT:"), std::string::npos) << p.out;
  p = testing_util::Run(
      {kOutput, "--processes=1", "--show-output=all", "--gtest_filter=One/PrintingPass.*"}, {},
      dir);
  EXPECT_NE(p.out.find("OUTPUT: One/PrintingPass.PrintsA/0 (PASSED)"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("\nA\n"), std::string::npos) << p.out;
}

TEST(ReportsTest, BadReportOptionsExitTwoNamingTheFlag) {
  ScratchDir dir;
  for (const std::string bad : {"--progress=fancy", "--color=sometimes", "--durations=many",
                                "--show-output=some", "--junit-xml=", "--trace="}) {
    const Proc p = testing_util::Run({kMisbehave, "--processes=2", bad}, {}, dir);
    EXPECT_EQ(p.status, 2) << bad;
    EXPECT_NE(p.err.find("mprun: error: " + bad.substr(0, bad.find('='))), std::string::npos)
        << p.err;
  }
}

}  // namespace
}  // namespace mprun
