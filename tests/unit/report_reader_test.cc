#include "core/report/report_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/outcome.h"

namespace mprun::core {
namespace {

// A report with the given tests (JSON objects) and extra top-level fields.
std::string Report(const std::vector<std::string>& tests, const std::string& extra = "") {
  std::string text = R"({"mprun_version": "0.1.0", "processes": 2, "wall_seconds": 1.5)" + extra +
                     R"(, "tests": [)";
  for (size_t i = 0; i < tests.size(); ++i) text += (i ? "," : "") + tests[i];
  return text + "]}";
}

std::string TestEntry(const std::string& name, const std::string& outcome,
                      const std::string& extra = "") {
  return R"({"binary": "/b/t", "name": ")" + name + R"(", "outcome": ")" + outcome + "\"" + extra +
         "}";
}

bool HasError(const MergedReports& m, const std::string& text) {
  for (const std::string& e : m.summary.errors) {
    if (e.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(ReportReaderTest, ReadsEveryOutcomeByItsContractName) {
  for (int b = 1; b <= kOutcomeCount; ++b) {
    Outcome o;
    ASSERT_TRUE(OutcomeFromByte(static_cast<uint8_t>(b), &o));
    ReportReader reader;
    std::string err;
    ASSERT_TRUE(reader.Add("r.json", Report({TestEntry("S.T", std::string(OutcomeName(o)))}), &err))
        << err;
    const MergedReports m = reader.Finish();
    ASSERT_EQ(m.results.size(), 1u);
    EXPECT_EQ(m.results[0].outcome, o);
  }
}

TEST(ReportReaderTest, RefusesATestWithoutAKnownOutcome) {
  for (const std::string outcome : {"", "unknown", "PASSED", "pass"}) {
    ReportReader reader;
    std::string err;
    EXPECT_FALSE(reader.Add("r.json", Report({TestEntry("S.T", outcome)}), &err));
    EXPECT_EQ(err, "r.json: S.T has no known outcome") << outcome;
  }
}

TEST(ReportReaderTest, RefusesWhatIsNotAReport) {
  for (const std::string text : {"", "{", "[]", R"({"tests": []})",
                                 R"({"mprun_version": "1", "tests": {}})", R"({"hello": 1})"}) {
    ReportReader reader;
    std::string err;
    EXPECT_FALSE(reader.Add("x.json", text, &err)) << text;
    EXPECT_EQ(err, "x.json: not an mprun JSON report") << text;
  }
}

TEST(ReportReaderTest, ReadsATestsFieldsAndSplitsItsName) {
  ReportReader reader;
  std::string err;
  ASSERT_TRUE(reader.Add("r.json",
                         Report({TestEntry("Suite.Name", "failed",
                                           R"(, "duration_ms": 2.5, "start_ms": 1, "worker": 3,
                                      "attempts": 2, "flaky": true, "message": "m",
                                      "signal": "SIGSEGV", "output": "o",
                                      "repeat": {"samples_ms": [1, -1, 2]})")}),
                         &err))
      << err;
  const MergedReports m = reader.Finish();
  ASSERT_EQ(m.run.tests.size(), 1u);
  EXPECT_EQ(m.run.binaries, std::vector<std::string>{"/b/t"});
  EXPECT_EQ(m.run.tests[0].suite, "Suite");
  EXPECT_EQ(m.run.tests[0].name, "Name");
  EXPECT_EQ(m.run.workers, 2);
  EXPECT_EQ(m.summary.wall_seconds, 1.5);
  const TestResult& r = m.results[0];
  EXPECT_EQ(r.duration_ns, 2500000u);
  EXPECT_EQ(r.start_ns, 1000000u);
  EXPECT_EQ(r.worker, 3);
  EXPECT_EQ(r.attempts, 2u);
  EXPECT_TRUE(r.flaky);
  EXPECT_EQ(r.message, "m");
  EXPECT_EQ(r.signal, "SIGSEGV");
  EXPECT_EQ(r.output, "o");
  EXPECT_EQ(r.samples_ns, (std::vector<uint64_t>{1000000, 2000000}));  // the negative one dropped
  EXPECT_TRUE(m.summary.errors.empty());
}

TEST(ReportReaderTest, AbsurdNumbersAreClampedNotCast) {
  ReportReader reader;
  std::string err;
  ASSERT_TRUE(reader.Add(
      "r.json", Report({TestEntry("S.T", "passed", R"(, "duration_ms": -5, "start_ms": 1e300)")}),
      &err));
  const MergedReports m = reader.Finish();
  EXPECT_EQ(m.results[0].duration_ns, 0u);
  EXPECT_EQ(m.results[0].start_ns, uint64_t{1} << 62);
}

TEST(ReportReaderTest, TheFirstReportOfATestStands) {
  ReportReader reader;
  std::string err;
  ASSERT_TRUE(reader.Add("a.json", Report({TestEntry("S.T", "failed")}), &err));
  ASSERT_TRUE(reader.Add("b.json", Report({TestEntry("S.T", "passed")}), &err));
  const MergedReports m = reader.Finish();
  ASSERT_EQ(m.results.size(), 1u);
  EXPECT_EQ(m.results[0].outcome, Outcome::kFailed);
  EXPECT_FALSE(m.summary.errors.empty());  // reported twice: the cover says so
}

TEST(ReportReaderTest, KilledAndInterruptedRunsAreErrorsOfTheCombinedRun) {
  ReportReader reader;
  std::string err;
  ASSERT_TRUE(reader.Add("a.json", Report({}, R"(, "complete": false)"), &err));
  ASSERT_TRUE(reader.Add("b.json", Report({}, R"(, "interrupted": true)"), &err));
  const MergedReports m = reader.Finish();
  EXPECT_TRUE(HasError(m, "a.json is incomplete")) << testing::PrintToString(m.summary.errors);
  EXPECT_TRUE(HasError(m, "b.json: its run was interrupted"));
}

TEST(ReportReaderTest, NamesMissingDuplicatedAndMismatchedShards) {
  ReportReader reader;
  std::string err;
  ASSERT_TRUE(reader.Add("1.json", Report({}, R"(, "shard": {"index": 1, "total": 4})"), &err));
  ASSERT_TRUE(reader.Add("1b.json", Report({}, R"(, "shard": {"index": 1, "total": 4})"), &err));
  ASSERT_TRUE(reader.Add("2.json", Report({}, R"(, "shard": {"index": 2, "total": 3})"), &err));
  const MergedReports m = reader.Finish();
  EXPECT_TRUE(HasError(m, "shard 1 twice: 1.json and 1b.json"));
  EXPECT_TRUE(HasError(m, "2.json is a shard of 3, others of 4"));
  EXPECT_TRUE(HasError(m, "shard 3 of 4 is missing"));
  EXPECT_TRUE(HasError(m, "shard 4 of 4 is missing"));
}

TEST(ReportReaderTest, AHugeShardTotalListsTenMissingShards) {
  ReportReader reader;
  std::string err;
  ASSERT_TRUE(
      reader.Add("1.json", Report({}, R"(, "shard": {"index": 1, "total": 4000000000})"), &err));
  const MergedReports m = reader.Finish();
  EXPECT_EQ(m.summary.errors.size(), 11u);
  EXPECT_TRUE(HasError(m, "and 3999999989 more shards of 4000000000 are missing"));
}

TEST(ReportReaderTest, ReadReportsNamesTheFileItCannotRead) {
  MergedReports m;
  std::string err;
  EXPECT_FALSE(ReadReports({"/nonexistent/r.json"}, &m, &err));
  EXPECT_EQ(err.rfind("/nonexistent/r.json: cannot be read: ", 0), 0u) << err;
}

}  // namespace
}  // namespace mprun::core
