#include "core/input/run_history.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/report/junit_reader.h"
#include "core/report/report_reader.h"
#include "tests/e2e/e2e_util.h"

namespace mprun::core {
namespace {

using testing_util::ScratchDir;

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Two binaries' tests in one table: a/A.x, a/A.y, then b/B.z.
RunInfo TwoBinaries() {
  RunInfo run;
  run.binaries = {"/bin/a", "/bin/b"};
  run.tests = {{0, "A", "x"}, {0, "A", "y"}, {1, "B", "z"}};
  return run;
}

TestResult Result(Outcome outcome, double ms) {
  TestResult r;
  r.outcome = outcome;
  r.duration_ns = static_cast<uint64_t>(ms * 1e6);
  return r;
}

// One run of `run` with the given results (by test; kNotRun: not finished),
// recorded in and saved to `path`.
void RunOnce(const std::string& path, const RunInfo& run, const std::vector<TestResult>& results) {
  RunHistory history;
  std::vector<std::string> warnings;
  history.Load(path, run, &warnings);
  EXPECT_TRUE(warnings.empty());
  Ledger ledger(run.tests.size());
  for (uint32_t t = 0; t < results.size(); ++t) {
    if (results[t].outcome != Outcome::kNotRun) ledger.Record(t, results[t]);
  }
  history.Record(ledger);
  std::vector<std::string> errors;
  ASSERT_TRUE(history.Save(path, &errors));
  EXPECT_TRUE(errors.empty());
}

RunHistory Loaded(const std::string& path, const RunInfo& run) {
  RunHistory history;
  std::vector<std::string> warnings;
  history.Load(path, run, &warnings);
  EXPECT_TRUE(warnings.empty());
  return history;
}

TEST(RunHistoryTest, WithoutAFileEveryTestIsUnknownAndGoesFirst) {
  ScratchDir dir;
  const RunInfo run = TwoBinaries();
  const RunHistory history = Loaded(dir.File("h.json"), run);
  const std::vector<Expectation> expected = history.Expected(run.tests.size());
  ASSERT_EQ(expected.size(), 3u);
  for (const Expectation& e : expected) {
    EXPECT_EQ(e.cost_ms, 0);
    EXPECT_TRUE(e.first);
  }
  EXPECT_EQ(history.MeanNs(run.tests.size()), 0);
}

// A shard keeps some tests: each kept test finds its own history, and the
// shard never records nor writes it.
TEST(RunHistoryTest, AShardsHistoryFollowsItsTestsAndIsNeverWritten) {
  ScratchDir dir;
  const std::string path = dir.File("h.json");
  const RunInfo run = TwoBinaries();
  RunOnce(path, run,
          {Result(Outcome::kPassed, 4), Result(Outcome::kFailed, 6), Result(Outcome::kPassed, 8)});
  const std::string before = testing_util::ReadFile(path);
  RunHistory history = Loaded(path, run);
  history.KeepOnly({0, 2});
  const std::vector<Expectation> expected = history.Expected(2);
  EXPECT_DOUBLE_EQ(expected[0].cost_ms, 4);
  EXPECT_DOUBLE_EQ(expected[1].cost_ms, 8);
  Ledger ledger(2);
  ledger.Record(0, Result(Outcome::kPassed, 40));
  ledger.Record(1, Result(Outcome::kPassed, 80));
  history.Record(ledger);
  std::vector<std::string> errors;
  EXPECT_FALSE(history.Save(path, &errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("shard"), std::string::npos) << errors[0];
  EXPECT_EQ(testing_util::ReadFile(path), before);
}

TEST(RunHistoryTest, EachBinarysTestsAreFoundAtTheirPlaceInTheTable) {
  ScratchDir dir;
  const RunInfo run = TwoBinaries();
  RunOnce(dir.File("h.json"), run,
          {Result(Outcome::kPassed, 4), Result(Outcome::kFailed, 6), Result(Outcome::kPassed, 8)});
  const std::vector<Expectation> expected =
      Loaded(dir.File("h.json"), run).Expected(run.tests.size());
  EXPECT_DOUBLE_EQ(expected[0].cost_ms, 4);
  EXPECT_FALSE(expected[0].first);
  EXPECT_DOUBLE_EQ(expected[1].cost_ms, 6);
  EXPECT_TRUE(expected[1].first);  // failed last time
  EXPECT_DOUBLE_EQ(expected[2].cost_ms, 8);
  EXPECT_FALSE(expected[2].first);
}

TEST(RunHistoryTest, TestsThatDidNotFinishAreNotRecorded) {
  ScratchDir dir;
  const RunInfo run = TwoBinaries();
  RunOnce(dir.File("h.json"), run,
          {Result(Outcome::kPassed, 4), TestResult{}, Result(Outcome::kPassed, 8)});
  const std::vector<Expectation> expected =
      Loaded(dir.File("h.json"), run).Expected(run.tests.size());
  EXPECT_EQ(expected[1].cost_ms, 0);
  EXPECT_TRUE(expected[1].first);
}

TEST(RunHistoryTest, MeanNeedsAtLeastHalfTheTestsKnownAndIsAtLeastAMicrosecond) {
  ScratchDir dir;
  RunInfo run = TwoBinaries();
  RunOnce(dir.File("h.json"), run,
          {Result(Outcome::kPassed, 2), Result(Outcome::kPassed, 4), TestResult{}});
  EXPECT_DOUBLE_EQ(Loaded(dir.File("h.json"), run).MeanNs(3), 3e6);  // 2 of 3 known
  EXPECT_EQ(Loaded(dir.File("h.json"), run).MeanNs(5), 0);           // 2 of 5
  ScratchDir tiny;
  RunOnce(tiny.File("h.json"), run,
          {Result(Outcome::kPassed, 0), Result(Outcome::kPassed, 0), Result(Outcome::kPassed, 0)});
  EXPECT_DOUBLE_EQ(Loaded(tiny.File("h.json"), run).MeanNs(3), 1000);
}

TEST(RunHistoryTest, AnUnreadableFileIsOneWarningAndAnEmptyHistory) {
  ScratchDir dir;
  WriteText(dir.File("h.json"), "{not json");
  const RunInfo run = TwoBinaries();
  RunHistory history;
  std::vector<std::string> warnings;
  history.Load(dir.File("h.json"), run, &warnings);
  EXPECT_EQ(warnings.size(), 1u);  // the file is read once, whatever the binaries
  EXPECT_EQ(history.MeanNs(3), 0);
}

TEST(RunHistoryTest, SavingWhereNoFileCanBeWrittenSaysWhyOnce) {
  ScratchDir dir;
  WriteText(dir.File("file"), "");
  const RunInfo run = TwoBinaries();
  RunHistory history = Loaded(dir.File("h.json"), run);
  std::vector<std::string> errors;
  EXPECT_FALSE(history.Save(dir.File("file/h.json"), &errors));  // a file as directory
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("file/h.json"), std::string::npos) << errors[0];
}

// The same program run two ways (mprun ctest: other arguments or folders),
// or two binaries of one file name: one section holds both's tests.
TEST(RunHistoryTest, BinariesOfOneFileNameShareASectionAndKeepTheirOwnTests) {
  ScratchDir dir;
  RunInfo run;
  run.binaries = {"/one/t", "/other/t", "/bin/u"};
  run.tests = {{0, "A", "x"}, {1, "A", "y"}, {2, "A", "x"}, {1, "B", "z"}};
  RunOnce(dir.File("h.json"), run,
          {Result(Outcome::kPassed, 4), Result(Outcome::kPassed, 6), Result(Outcome::kPassed, 8),
           Result(Outcome::kFailed, 10)});
  const std::vector<Expectation> expected =
      Loaded(dir.File("h.json"), run).Expected(run.tests.size());
  EXPECT_DOUBLE_EQ(expected[0].cost_ms, 4);
  EXPECT_DOUBLE_EQ(expected[1].cost_ms, 6);
  EXPECT_DOUBLE_EQ(expected[2].cost_ms, 8) << "u's A.x is not t's";
  EXPECT_DOUBLE_EQ(expected[3].cost_ms, 10);
  EXPECT_TRUE(expected[3].first);
  std::ifstream in(dir.File("h.json"));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("\"t\""), text.rfind("\"t\"")) << "one section for t: " << text;
}

TEST(RunHistoryTest, JudgesOnlyPassedTestsWithEnoughHistoryAndFailsBigSlowdowns) {
  ScratchDir dir;
  const RunInfo run = TwoBinaries();
  for (int i = 0; i < 4; ++i) {  // A.x 10 ms, A.y 10 ms, B.z twice only
    RunOnce(dir.File("h.json"), run,
            {Result(Outcome::kPassed, 10), Result(Outcome::kPassed, 10),
             i < 2 ? Result(Outcome::kPassed, 10) : TestResult{}});
  }
  const RunHistory history = Loaded(dir.File("h.json"), run);
  Ledger ledger(3);
  ledger.Record(0, Result(Outcome::kPassed, 20));  // twice as slow
  ledger.Record(1, Result(Outcome::kFailed, 50));  // not judged: failed
  ledger.Record(2, Result(Outcome::kPassed, 30));  // too little history
  const PerfReport report = history.Judge(ledger, 50);
  EXPECT_TRUE(report.wanted);
  EXPECT_EQ(report.judged, 1u);
  EXPECT_EQ(report.without_history, 1u);
  ASSERT_EQ(report.changes.size(), 1u);
  EXPECT_EQ(report.changes[0].test, 0u);
  EXPECT_EQ(report.changes[0].verdict.move, PerfMove::kSlower);
  EXPECT_TRUE(report.changes[0].fails);
  EXPECT_EQ(report.changes[0].history_ms, std::vector<double>(4, 10.0));
  EXPECT_FALSE(history.Judge(ledger, 0).changes[0].fails);
  EXPECT_FALSE(history.Judge(ledger, 150).changes[0].fails);  // +100% < 150%
}

TEST(RunHistoryTest, ChangesAreSortedBiggestSlowdownFirst) {
  ScratchDir dir;
  const RunInfo run = TwoBinaries();
  for (int i = 0; i < 3; ++i) {
    RunOnce(
        dir.File("h.json"), run,
        {Result(Outcome::kPassed, 10), Result(Outcome::kPassed, 10), Result(Outcome::kPassed, 10)});
  }
  Ledger ledger(3);
  ledger.Record(0, Result(Outcome::kPassed, 15));
  ledger.Record(1, Result(Outcome::kPassed, 40));
  ledger.Record(2, Result(Outcome::kPassed, 2));
  const PerfReport report = Loaded(dir.File("h.json"), run).Judge(ledger, 0);
  ASSERT_EQ(report.changes.size(), 3u);
  EXPECT_EQ(report.changes[0].test, 1u);
  EXPECT_EQ(report.changes[1].test, 0u);
  EXPECT_EQ(report.changes[2].test, 2u);
  EXPECT_EQ(report.changes[2].verdict.move, PerfMove::kFaster);
}

// --history-from: a test the history does not know takes the report's
// duration (as its cost and its longest); one the history knows keeps its
// own; names match with the binary's file name, or alone where unique.
TEST(EarlierReportTest, FillsOnlyWhatTheHistoryDoesNotKnow) {
  const RunInfo run = TwoBinaries();
  MergedReports report;
  report.run.binaries = {"/elsewhere/a", "/elsewhere/other"};
  report.run.tests = {{0, "A", "x"}, {0, "A", "y"}, {1, "B", "z"}};
  report.results = {Result(Outcome::kPassed, 40), Result(Outcome::kFailed, 7),
                    Result(Outcome::kTimedOut, 900)};
  std::vector<Expectation> expected(3);
  expected[0].cost_ms = 5;  // the history's
  expected[0].longest_ms = 6;
  EXPECT_EQ(FillFromReport(report, run, &expected), 2u);
  EXPECT_EQ(expected[0].cost_ms, 5);
  EXPECT_EQ(expected[0].longest_ms, 6);
  EXPECT_EQ(expected[1].cost_ms, 7);
  EXPECT_EQ(expected[1].longest_ms, 7);
  EXPECT_TRUE(expected[1].first) << "it failed there";
  EXPECT_EQ(expected[2].cost_ms, 900) << "by name alone: another binary's file name";
  EXPECT_EQ(expected[2].longest_ms, 0) << "a timeout's duration is its limit";
  EXPECT_GT(MeanExpectedNs(expected), 0);
}

TEST(EarlierReportTest, ReadsGoogleTestsAndMprunsJunitXml) {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="3" name="AllTests">
  <testsuite name="A" tests="2">
    <testcase name="x" status="run" result="completed" time="0.04" classname="A" />
    <testcase name="y" classname="A" time="0.007"><failure message="m">boom</failure></testcase>
  </testsuite>
  <testsuite name="B"><testcase name="z" classname="B" time="1.5"><skipped/></testcase></testsuite>
</testsuites>)";
  MergedReports report;
  std::string err;
  ASSERT_TRUE(ReadJunit("g.xml", xml, &report, &err)) << err;
  ASSERT_EQ(report.run.tests.size(), 3u);
  EXPECT_EQ(report.run.tests[1].FullName(), "A.y");
  EXPECT_EQ(report.results[0].outcome, Outcome::kPassed);
  EXPECT_EQ(report.results[0].duration_ns, 40'000'000u);
  EXPECT_EQ(report.results[1].outcome, Outcome::kFailed);
  EXPECT_EQ(report.results[2].outcome, Outcome::kSkipped);
  std::vector<Expectation> expected(3);
  EXPECT_EQ(FillFromReport(report, TwoBinaries(), &expected), 2u) << "a skipped test says nothing";
  EXPECT_FALSE(ReadJunit("bad.xml", "<a><b></a>", &report, &err));
  EXPECT_NE(err.find("bad.xml: not XML"), std::string::npos) << err;
  EXPECT_FALSE(ReadJunit("empty.xml", "<testsuites/>", &report, &err));
  EXPECT_NE(err.find("no <testcase>"), std::string::npos) << err;
}

// Suites nested as deep as a file can make them: read without recursion
// (a recursive reader overflows the stack long before this depth).
TEST(EarlierReportTest, ASuiteNestedAMillionDeepIsRead) {
  constexpr int kDepth = 1'000'000;
  std::string xml;
  for (int i = 0; i < kDepth; ++i) xml += "<s>";
  xml += R"(<testcase name="deep" classname="D" time="2"/>)";
  for (int i = 0; i < kDepth; ++i) xml += "</s>";
  MergedReports report;
  std::string err;
  ASSERT_TRUE(ReadJunit("deep.xml", xml, &report, &err)) << err;
  ASSERT_EQ(report.run.tests.size(), 1u);
  EXPECT_EQ(report.run.tests[0].FullName(), "D.deep");
}

}  // namespace
}  // namespace mprun::core
