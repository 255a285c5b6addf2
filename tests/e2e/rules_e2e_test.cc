// nose's distribution rules and gtest's flags over a parallel run,
// end to end with tests/fixtures/rules_test.cc (its own main() calling
// mprun::RunAllTests) and the misbehaving fixture.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <pugixml.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kRules[] = MPRUN_RULES_BINARY;
const char kMisbehave[] = MPRUN_MISBEHAVE_BINARY;

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(testing_util::ReadFile(path));
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::set<std::string> Distinct(const std::vector<std::string>& lines) {
  return {lines.begin(), lines.end()};
}

struct Interval {
  long long start, end;
  std::string pid, name;
};

std::vector<Interval> Intervals(const std::string& path) {
  std::vector<Interval> out;
  for (const std::string& line : Lines(path)) {
    std::istringstream in(line);
    Interval i;
    in >> i.start >> i.end >> i.pid >> i.name;
    out.push_back(i);
  }
  return out;
}

Proc RunRules(const ScratchDir& dir, std::vector<std::string> args,
              std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), kRules);
  env["RULES_DIR"] = dir.path();
  return testing_util::Run(args, env, dir);
}

TEST(RulesTest, ASuiteWithSuiteFixturesRunsInOneWorkerWithOneSetUp) {
#if !MPRUN_GTEST_DIRECT
  GTEST_SKIP() << "a -DMPRUN_GTEST_DIRECT=OFF build cannot see suite fixtures (use --dist=suite)";
#endif
  ScratchDir dir;
  const Proc p =
      RunRules(dir, {"--processes=4", "--gtest_filter=WithFixture.*:SplitFixture.*:Many/*"});
  ASSERT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_EQ(Lines(dir.File("fixture_setups")).size(), 1u);
  EXPECT_EQ(Distinct(Lines(dir.File("fixture_tests"))).size(), 1u) << "the suite was split";
  // The split suite may spread: one set-up in each worker that ran it.
  EXPECT_EQ(Distinct(Lines(dir.File("split_setups"))), Distinct(Lines(dir.File("split_tests"))));
}

TEST(RulesTest, DistTestSplitsEvenSuitesWithFixtures) {
  ScratchDir dir;
  const Proc p = RunRules(dir, {"--processes=4", "--dist=test", "--gtest_filter=WithFixture.*"});
  ASSERT_EQ(p.status, 0) << p.out << p.err;
  const std::set<std::string> workers = Distinct(Lines(dir.File("fixture_tests")));
  EXPECT_GT(workers.size(), 1u) << "8 tests of 3 ms over 4 workers all went to one";
  // Each worker that ran some of the suite ran its set-up itself.
  EXPECT_EQ(Distinct(Lines(dir.File("fixture_setups"))), workers);
}

TEST(RulesTest, DistSuiteKeepsEvenSuitesWithoutFixturesWhole) {
  ScratchDir dir;
  const Proc p = RunRules(dir, {"--processes=4", "--dist=suite", "--gtest_filter=SplitFixture.*"});
  ASSERT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_EQ(Lines(dir.File("split_setups")).size(), 1u);
}

TEST(RulesTest, SerialSuiteRunsAfterTheOthersWithNothingElseRunning) {
  ScratchDir dir;
  const Proc p = RunRules(dir, {"--processes=3", "--gtest_filter=SerialSuite.*:Many/*"});
  ASSERT_EQ(p.status, 0) << p.out << p.err;
  const std::vector<Interval> serial = Intervals(dir.File("serial"));
  const std::vector<Interval> plain = Intervals(dir.File("plain"));
  ASSERT_EQ(serial.size(), 2u);
  ASSERT_EQ(plain.size(), 16u);
  for (const Interval& s : serial) {
    for (const Interval& o : plain) {
      EXPECT_TRUE(s.end <= o.start || o.end <= s.start)
          << s.name << " [" << s.start << "," << s.end << ") overlaps " << o.name << " [" << o.start
          << "," << o.end << ")";
    }
  }
  EXPECT_TRUE(serial[0].end <= serial[1].start || serial[1].end <= serial[0].start);
  // And after every other test: the serial phase is the run's last.
  long long last_plain_end = 0;
  for (const Interval& o : plain) last_plain_end = std::max(last_plain_end, o.end);
  for (const Interval& s : serial) EXPECT_GE(s.start, last_plain_end) << s.name;
}

TEST(RulesTest, SharedEnvironmentIsSetUpOnceInTheSupervisorAndWorkersSeeIt) {
  ScratchDir dir;
  const pid_t pid = testing_util::Start({kRules, "--processes=3", "--gtest_filter=Many/*"},
                                        {{"RULES_DIR", dir.path()}}, dir);
  const Proc p = testing_util::Finish(pid, dir);
  ASSERT_EQ(p.status, 0) << p.out << p.err;  // Plain tests check the server's variable
  EXPECT_EQ(Lines(dir.File("shared_setup")), std::vector<std::string>{std::to_string(pid)});
  EXPECT_EQ(Lines(dir.File("shared_teardown")), std::vector<std::string>{std::to_string(pid)});
}

TEST(RulesTest, SharedEnvironmentThatFailsRunsNoTestAndSaysWhy) {
  ScratchDir dir;
  const Proc p =
      RunRules(dir, {"--processes=2", "--json=" + dir.File("r.json"), "--gtest_filter=Many/*"},
               {{"RULES_SHARED_FAIL", "1"}});
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  EXPECT_NE(p.out.find("the shared server did not start"), std::string::npos) << p.out;
  EXPECT_TRUE(Lines(dir.File("plain")).empty()) << "a test ran";
  EXPECT_EQ(Lines(dir.File("shared_teardown")).size(), 1u) << "torn down all the same";
  rapidjson::Document d;
  d.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(d["summary"]["not_run"].GetInt(), 16);
}

TEST(RulesTest, SharedEnvironmentIsTornDownWhenTheRunIsInterrupted) {
  ScratchDir dir;
  const pid_t pid = testing_util::Start(
      {kRules, "--processes=2", "--process-timeout=0", "--gtest_filter=Hang.*:Many/*"},
      {{"RULES_DIR", dir.path()}}, dir);
  ASSERT_TRUE(testing_util::WaitFor(
      [&] {
        return Lines(dir.File("shared_setup")).size() == 1 &&
               testing_util::ReadFile(dir.File("stdout")).find("workers") != std::string::npos;
      },
      10000));
  kill(pid, SIGINT);
  const Proc p = testing_util::Finish(pid, dir);
  EXPECT_EQ(p.status, 130) << p.out << p.err;
  EXPECT_EQ(Lines(dir.File("shared_teardown")), std::vector<std::string>{std::to_string(pid)});
}

TEST(RulesTest, SharedEnvironmentIsAnOrdinaryOneInAPlainRun) {
  ScratchDir dir;
  const Proc p = RunRules(dir, {"--gtest_filter=Many/Plain.SeesItsWorkerAndPrivateTempDir/0"},
                          {{"MPRUN_WORKER_ID", "0"},
                           {"MPRUN_WORKER_COUNT", "1"},
                           {"TMPDIR", dir.path()},
                           {"TEST_TMPDIR", dir.path()}});
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_EQ(Lines(dir.File("shared_setup")).size(), 1u);
  EXPECT_NE(p.out.find("[  PASSED  ] 1 test"), std::string::npos) << p.out;
}

TEST(RulesTest, DeathTestsOfBothStylesWorkInWorkers) {
  for (const char* executor : {"direct", "filter"}) {
    ScratchDir dir;
    const Proc p = RunRules(dir, {"--processes=2", "--gtest_filter=DeathTest.*"},
                            {{"MPRUN_EXECUTOR", executor}});
    EXPECT_EQ(p.status, 0) << executor << "\n" << p.out << p.err;
    EXPECT_NE(p.out.find("mprun: 2 passed, 0 failed, 0 skipped"), std::string::npos) << p.out;
  }
}

TEST(RulesTest, TheBinarysListenersSeeEachWorkersTestsAndNothingElse) {
  for (const char* executor : {"direct", "filter"}) {
    ScratchDir dir;
    const Proc p = RunRules(dir, {"--processes=3", "--gtest_filter=Many/*:WithFixture.*"},
                            {{"MPRUN_EXECUTOR", executor}});
    ASSERT_EQ(p.status, 0) << p.out << p.err;
    std::multiset<std::string> tests;
    for (const std::string& line : Lines(dir.File("listener_tests"))) {
      tests.insert(line.substr(line.find(' ') + 1));
    }
    EXPECT_EQ(tests.size(), 24u) << executor;
    EXPECT_EQ(std::set<std::string>(tests.begin(), tests.end()).size(), 24u) << "a test seen twice";
    EXPECT_EQ(tests.count("MprunWorkerLoop.Run"), 0u) << "mprun's own hidden test leaked";
  }
}

TEST(RulesTest, ListPrintsTheSelectedTestsAndWithVerboseTheirUnits) {
  ScratchDir dir;
  Proc p = RunRules(dir, {"--list", "--gtest_filter=WithFixture.*:SerialSuite.*"});
  EXPECT_EQ(p.status, 0);
  EXPECT_EQ(std::count(p.out.begin(), p.out.end(), '\n'), 10) << p.out;
  EXPECT_NE(p.out.find("WithFixture.A\n"), std::string::npos);
  p = RunRules(dir, {"--list", "-v", "--gtest_filter=WithFixture.*:SerialSuite.*:SplitFixture.A"});
#if MPRUN_GTEST_DIRECT
  EXPECT_NE(p.out.find("WithFixture: 8 tests kept together (SetUpTestSuite/TearDownTestSuite)"),
            std::string::npos)
      << p.out;
#endif
  EXPECT_NE(p.out.find("SerialSuite.One [serial]"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("SplitFixture.A\n"), std::string::npos) << p.out;
  EXPECT_TRUE(Lines(dir.File("plain")).empty()) << "--list ran a test";
}

TEST(RulesTest, FailFastStopsAtTheFirstFailureAndReportsTheRestNotRun) {
  for (const char* flag : {"--gtest_fail_fast", "-x"}) {
    ScratchDir dir;
    const Proc p = testing_util::Run(
        {kMisbehave, "--processes=2", flag, "--process-timeout=0", "--json=" + dir.File("r.json"),
         "--gtest_filter=Misbehave.Fails:Misbehave.Hangs"},
        {}, dir);
    EXPECT_EQ(p.status, 1) << p.out << p.err;
    rapidjson::Document d;
    d.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
    ASSERT_FALSE(d.HasParseError());
    EXPECT_EQ(d["summary"]["failed"].GetInt(), 1) << flag;
    EXPECT_EQ(d["summary"]["not_run"].GetInt(), 1) << flag << ": the hanging test was stopped";
    EXPECT_FALSE(d["interrupted"].GetBool());
  }
}

TEST(RulesTest, ShuffleUsesOneSeedForTheRunAndSaysWhich) {
  ScratchDir dir;
  const Proc p = RunRules(dir, {"--processes=2", "--gtest_shuffle", "--gtest_random_seed=77",
                                "--gtest_filter=Many/*:WithFixture.*"});
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("--gtest_random_seed=77"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("mprun: 24 passed, 0 failed, 0 skipped"), std::string::npos) << p.out;
}

TEST(RulesTest, ShuffleChangesTheOrderAndTheSameSeedGivesTheSameOrder) {
  // One worker runs the tests in the order they were dealt.
  auto order = [](const std::string& seed) {
    ScratchDir dir;
    const Proc p = RunRules(dir, {"--processes=1", "--gtest_shuffle", "--gtest_random_seed=" + seed,
                                  "--gtest_filter=Many/*"});
    EXPECT_EQ(p.status, 0) << p.out << p.err;
    std::vector<Interval> ran = Intervals(dir.File("plain"));
    std::sort(ran.begin(), ran.end(),
              [](const Interval& a, const Interval& b) { return a.start < b.start; });
    std::vector<std::string> names;
    for (const Interval& i : ran) names.push_back(i.name);
    return names;
  };
  ScratchDir dir;
  const Proc plain = RunRules(dir, {"--processes=1", "--gtest_filter=Many/*"});
  ASSERT_EQ(plain.status, 0) << plain.out << plain.err;
  std::vector<Interval> in_order = Intervals(dir.File("plain"));
  std::vector<std::string> table;
  for (const Interval& i : in_order) table.push_back(i.name);
  const std::vector<std::string> a = order("77"), again = order("77"), other = order("78");
  ASSERT_EQ(a.size(), 16u);
  EXPECT_NE(a, table) << "shuffled, the order is not the table's";
  EXPECT_EQ(a, again) << "the same seed deals the same order";
  EXPECT_NE(a, other) << "another seed, another order";
  std::vector<std::string> sorted_a = a, sorted_table = table;
  std::sort(sorted_a.begin(), sorted_a.end());
  std::sort(sorted_table.begin(), sorted_table.end());
  EXPECT_EQ(sorted_a, sorted_table) << "the same tests, each once";
}

// What a gtest report says, in a form both reports can be compared in.
struct ReportView {
  int tests = -1, failures = -1;
  std::map<std::string, std::string> results;                // Suite.Test -> result
  std::map<std::string, std::vector<std::string>> messages;  // failure/skip messages
};

ReportView ReadXml(std::string text) {
  ReportView v;
  pugi::xml_document doc;
  if (!doc.load_string(text.c_str())) return v;
  const pugi::xml_node root = doc.child("testsuites");
  if (!root) return v;
  v.tests = root.attribute("tests").as_int(-1);
  v.failures = root.attribute("failures").as_int(-1);
  for (const pugi::xml_node suite : root.children("testsuite")) {
    for (const pugi::xml_node tc : suite.children("testcase")) {
      const std::string name =
          std::string(tc.attribute("classname").value()) + "." + tc.attribute("name").value();
      v.results[name] = tc.attribute("result").value();
      for (const pugi::xml_node m : tc.children()) {
        v.messages[name].push_back(std::string(m.name()) + ": " + m.attribute("message").value());
      }
    }
  }
  return v;
}

ReportView ReadJson(const std::string& text) {
  ReportView v;
  rapidjson::Document d;
  d.Parse(text.c_str());
  if (d.HasParseError()) return v;
  v.tests = d["tests"].GetInt();
  v.failures = d["failures"].GetInt();
  for (const auto& suite : d["testsuites"].GetArray()) {
    for (const auto& tc : suite["testsuite"].GetArray()) {
      const std::string name =
          std::string(tc["classname"].GetString()) + "." + tc["name"].GetString();
      v.results[name] = tc["result"].GetString();
      if (tc.HasMember("failures")) {
        for (const auto& f : tc["failures"].GetArray())
          v.messages[name].push_back(f["failure"].GetString());
      }
    }
  }
  return v;
}

TEST(GtestOutputTest, OneMergedFileThatSaysWhatGtestsOwnSays) {
  for (const char* format : {"xml", "json"}) {
    ScratchDir dir;
    const std::string filter =
        "--gtest_filter=Misbehave.Passes:Misbehave.Fails:Misbehave.Skips:Many/*";
    const std::string plain = dir.File(std::string("plain.") + format);
    const std::string merged = dir.File(std::string("merged.") + format);
    Proc p = testing_util::Run(
        {kMisbehave, filter, std::string("--gtest_output=") + format + ":" + plain}, {}, dir);
    ASSERT_EQ(p.status, 1) << p.out;
    p = testing_util::Run({kMisbehave, "--processes=3", filter,
                           std::string("--gtest_output=") + format + ":" + merged},
                          {}, dir);
    ASSERT_EQ(p.status, 1) << p.out << p.err;
    const std::string a = testing_util::ReadFile(plain), b = testing_util::ReadFile(merged);
    const ReportView want = std::string(format) == "xml" ? ReadXml(a) : ReadJson(a);
    const ReportView got = std::string(format) == "xml" ? ReadXml(b) : ReadJson(b);
    EXPECT_EQ(want.tests, 23) << format;
    EXPECT_EQ(got.tests, want.tests) << format;
    EXPECT_EQ(got.failures, want.failures) << format;
    EXPECT_EQ(got.results, want.results) << format;
    EXPECT_EQ(got.messages, want.messages) << format;
    EXPECT_EQ(dir.List().size(), 4u) << "workers wrote files of their own";
  }
}

TEST(GtestOutputTest, FilterAndDisabledTestsSelectWhatPlainGtestSelects) {
  ScratchDir dir;
  const std::vector<std::string> flags = {"--gtest_filter=Many/*:Disabled.*:-Many/Plain.*/3",
                                          "--gtest_also_run_disabled_tests"};
  std::vector<std::string> plain = {kRules, "--gtest_output=xml:" + dir.File("plain.xml")};
  std::vector<std::string> merged = {kRules, "--processes=2",
                                     "--gtest_output=xml:" + dir.File("merged.xml")};
  plain.insert(plain.end(), flags.begin(), flags.end());
  merged.insert(merged.end(), flags.begin(), flags.end());
  const std::map<std::string, std::string> env = {{"RULES_DIR", dir.path()},
                                                  {"MPRUN_WORKER_ID", "0"},
                                                  {"MPRUN_WORKER_COUNT", "1"},
                                                  {"TMPDIR", dir.path()},
                                                  {"TEST_TMPDIR", dir.path()}};
  ASSERT_EQ(testing_util::Run(plain, env, dir).status, 0);
  ASSERT_EQ(testing_util::Run(merged, {{"RULES_DIR", dir.path()}}, dir).status, 0);
  const ReportView want = ReadXml(testing_util::ReadFile(dir.File("plain.xml")));
  const ReportView got = ReadXml(testing_util::ReadFile(dir.File("merged.xml")));
  EXPECT_EQ(got.results, want.results);
  EXPECT_EQ(got.results.count("Disabled.DISABLED_RunsOnlyWhenAskedTo"), 1u);
  EXPECT_EQ(got.tests, 16);
}

TEST(GtestOutputTest, BadSpecExitsTwo) {
  ScratchDir dir;
  const Proc p = testing_util::Run({kMisbehave, "--processes=2", "--gtest_output=yaml:x"}, {}, dir);
  EXPECT_EQ(p.status, 2);
  EXPECT_NE(p.err.find("--gtest_output: 'yaml:x'"), std::string::npos) << p.err;
}

TEST(RepeatTest, EachRepetitionIsAFullParallelPassReportedPerIteration) {
  ScratchDir dir;
  const Proc p =
      testing_util::Run({kMisbehave, "--processes=2", "--gtest_repeat=3",
                         "--gtest_filter=Many/*:Misbehave.Fails", "--json=" + dir.File("r.json")},
                        {}, dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  EXPECT_NE(p.out.find("mprun: repetition 3"), std::string::npos) << p.out;
  rapidjson::Document d;
  d.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(d["iterations"].GetInt(), 3);
  EXPECT_EQ(d["summary"]["total"].GetInt(), 63);
  EXPECT_EQ(d["summary"]["failed"].GetInt(), 3);
  std::map<int, int> per_iteration;
  for (const auto& t : d["tests"].GetArray()) ++per_iteration[t["iteration"].GetInt()];
  EXPECT_EQ(per_iteration, (std::map<int, int>{{1, 21}, {2, 21}, {3, 21}}));
}

TEST(HistoryTest, RunsRecordDurationsAndAnUnreadableHistoryIsOnlyAWarning) {
  ScratchDir dir;
  const std::string history = dir.File("h/history.json");
  const std::map<std::string, std::string> use_history = {{"MPRUN_NO_HISTORY", "\x01unset"}};
  Proc p = testing_util::Run(
      {kMisbehave, "--processes=2", "--history=" + history, "--gtest_filter=Many/*"}, use_history,
      dir);
  ASSERT_EQ(p.status, 0) << p.out << p.err;
  std::string text = testing_util::ReadFile(history);
  EXPECT_NE(text.find("\"misbehave_test\":{\"tests\":[\"Many/Ordinary.Passes/0\""),
            std::string::npos)
      << text.substr(0, 300);
  EXPECT_NE(text.find("\"mprun-history\""), std::string::npos);
  // A second run reads it (placement) and adds to it.
  p = testing_util::Run(
      {kMisbehave, "--processes=2", "--history=" + history, "--gtest_filter=Many/*", "-v"},
      use_history, dir);
  ASSERT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("makespan "), std::string::npos) << "-v reports the makespan";
  // Garbage in the file: a warning naming it, and the run goes on.
  { std::ofstream(history) << "{ this is not a history"; }
  p = testing_util::Run(
      {kMisbehave, "--processes=2", "--history=" + history, "--gtest_filter=Many/*"}, use_history,
      dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.err.find("mprun: warning: ignoring history " + history), std::string::npos) << p.err;
  EXPECT_NE(testing_util::ReadFile(history).find("mprun-history"), std::string::npos)
      << "rewritten";
  // --no-history neither reads nor writes.
  const std::string other = dir.File("other.json");
  p = testing_util::Run(
      {kMisbehave, "--processes=2", "--history=" + other, "--no-history", "--gtest_filter=Many/*"},
      use_history, dir);
  EXPECT_EQ(testing_util::ReadFile(other), "");
}

TEST(HandBackTest, TestsWaitingBehindALongOneOfTheirSuiteRunElsewhere) {
#if !MPRUN_GTEST_DIRECT
  GTEST_SKIP() << "the filter executor starts a suite's tests of a batch together";
#endif
  ScratchDir dir;
  // Two workers and one batch-sized deal: the long test's mates sit in its
  // worker's batch; it passes only if they run elsewhere while it runs.
  const Proc p = RunRules(
      dir, {"--processes=2", "--json=" + dir.File("r.json"), "--gtest_filter=WaitsForMates.*"});
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  const std::vector<std::string> mates = Lines(dir.File("mates"));
  EXPECT_EQ(mates.size(), 6u);
  rapidjson::Document d;
  d.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
  ASSERT_FALSE(d.HasParseError());
  for (const auto& t : d["tests"].GetArray()) EXPECT_EQ(t["attempts"].GetInt(), 1);
}

TEST(RetriesTest, ATestThatFailsOnceThenPassesIsFlakyWithTwoAttempts) {
  ScratchDir dir;
  const std::string report = "--json=" + dir.File("r.json");
  const Proc p =
      RunRules(dir, {"--processes=2", "--retries=2", report, "--junit-xml=" + dir.File("j.xml"),
                     "--gtest_filter=Flaky.*:Many/Plain.*/1"});
  EXPECT_EQ(p.status, 1) << p.out << p.err;  // AlwaysFails still fails
  EXPECT_NE(p.out.find("FLAKY: Flaky.FailsOnceThenPasses (passed on attempt 2)"), std::string::npos)
      << p.out;
  rapidjson::Document d;
  d.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(d["summary"]["flaky"].GetInt(), 1);
  EXPECT_EQ(d["summary"]["passed"].GetInt(), 2);
  EXPECT_EQ(d["summary"]["failed"].GetInt(), 1);
  std::map<std::string, std::pair<int, bool>> attempts;
  for (const auto& t : d["tests"].GetArray()) {
    attempts[t["name"].GetString()] = {t["attempts"].GetInt(), t["flaky"].GetBool()};
  }
  EXPECT_EQ(attempts["Flaky.FailsOnceThenPasses"], std::make_pair(2, true));
  EXPECT_EQ(attempts["Flaky.AlwaysFails"], std::make_pair(3, false)) << "1 + 2 retries";
  EXPECT_EQ(attempts["Many/Plain.SeesItsWorkerAndPrivateTempDir/1"], std::make_pair(1, false));
  const std::string junit = testing_util::ReadFile(dir.File("j.xml"));
  EXPECT_NE(junit.find("<flakyFailure message="), std::string::npos);
  size_t reruns = 0;
  for (size_t at = 0; (at = junit.find("<rerunFailure ", at)) != std::string::npos; ++at) ++reruns;
  EXPECT_EQ(reruns, 2u);
}

TEST(RetriesTest, FlakyFailsMakesAFlakyTestFailTheRun) {
  ScratchDir dir;
  const Proc p = RunRules(dir, {"--processes=2", "--retries=1", "--flaky-fails",
                                "--gtest_filter=Flaky.FailsOnceThenPasses"});
  EXPECT_EQ(p.status, 1) << p.out;
  EXPECT_NE(p.out.find("flaky (--flaky-fails): passed on attempt 2"), std::string::npos) << p.out;
}

TEST(RetriesTest, ACrashIsRunAgainToo) {
  ScratchDir dir;
  const Proc p =
      testing_util::Run({kMisbehave, "--processes=2", "--retries=1", "--json=" + dir.File("r.json"),
                         "--gtest_filter=Misbehave.Segfaults:Many/*"},
                        {{"ASAN_OPTIONS", "handle_segv=0"}}, dir);
  EXPECT_EQ(p.status, 1);
  rapidjson::Document d;
  d.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
  ASSERT_FALSE(d.HasParseError());
  for (const auto& t : d["tests"].GetArray()) {
    if (std::string(t["name"].GetString()) == "Misbehave.Segfaults") {
      EXPECT_EQ(t["attempts"].GetInt(), 2);
      EXPECT_STREQ(t["outcome"].GetString(), "crashed");
    }
  }
}

}  // namespace
}  // namespace mprun
