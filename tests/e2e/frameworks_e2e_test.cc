// Driver mode over a Catch2 v2 binary (tests/fixtures/catch2_probe.cc, built
// against Debian's catch2), alone and beside a GoogleTest binary: every
// case's verdict, the launches a few per worker rather than one per case,
// a hang timed out with its batch-mates run elsewhere, and the listing.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <sstream>
#include <string>

#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;
using Row = testing_util::ReportRow;

const char kMprun[] = MPRUN_BINARY;
const char kCatch2[] = MPRUN_CATCH2_PROBE;
const char kOrdinaryA[] = MPRUN_ORDINARY_A;

size_t Lines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n' ? 1 : 0;
  return n;
}

// The probe's cases that are neither short passes nor the hang.
void ExpectTheBadCasesVerdicts(std::map<std::string, Row>& rows) {
  EXPECT_EQ(rows["sections all pass"].outcome, "passed");
  EXPECT_EQ(rows["a section fails"].outcome, "failed");
  EXPECT_NE(rows["a section fails"].message.find("in section: bad one"), std::string::npos)
      << rows["a section fails"].message;
  EXPECT_EQ(rows["fails a check"].outcome, "failed");
  EXPECT_NE(rows["fails a check"].message.find("2 == 21"), std::string::npos);
  EXPECT_EQ(rows["throws"].outcome, "failed");
  EXPECT_NE(rows["throws"].message.find("thrown on purpose"), std::string::npos);
  EXPECT_EQ(rows["segfaults"].outcome, "crashed");
  EXPECT_EQ(rows["segfaults"].signal, "SIGSEGV");
  EXPECT_EQ(rows["aborts"].outcome, "crashed");
  EXPECT_EQ(rows["aborts"].signal, "SIGABRT");
  // Catch2 never reported its end: not passed, whatever the exit status.
  EXPECT_EQ(rows["exits 0 in the middle"].outcome, "crashed");
  EXPECT_NE(rows["exits 0 in the middle"].output.find("leaving now"), std::string::npos);
  for (const char* name : {"a, b [not a tag] ~ * ?", "comma,no space",
                           "quote \" and backslash \\ here", "#starts with a hash", "prints"}) {
    EXPECT_EQ(rows[name].outcome, "passed") << name << ": " << rows[name].message;
  }
}

class Catch2DriverTest : public ::testing::TestWithParam<int> {};

TEST_P(Catch2DriverTest, EveryCaseExactInAFewLaunchesPerWorker) {
  const int workers = GetParam();
  ScratchDir dir;
  const Proc p =
      testing_util::Run({kMprun, "-j", std::to_string(workers), "--json=" + dir.File("r.json"),
                         "--gtest_filter=-hangs*", kCatch2},
                        {{"ASAN_OPTIONS", "handle_segv=0:handle_abort=0"},
                         {"CATCH_PROBE_LAUNCHES", dir.File("launches")}},
                        dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  std::map<std::string, Row> rows =
      testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  // 200 short cases, 12 others; not the hang (filtered), not the hidden one.
  ASSERT_EQ(rows.size(), 212u) << p.out;
  EXPECT_EQ(rows.count("hidden case"), 0u);
  for (int i = 0; i < 200; ++i) {
    std::ostringstream name;
    name << "many " << (i < 100 ? 'a' : 'b') << (i % 100 / 10) << (i % 10);
    EXPECT_EQ(rows[name.str()].outcome, "passed") << name.str();
    EXPECT_EQ(rows[name.str()].binary, kCatch2);
  }
  ExpectTheBadCasesVerdicts(rows);
  // Each worker's first launch, one more for each of the three deaths, and
  // a few for the batches history-less driver mode cuts: never one a case.
  const size_t launches = Lines(testing_util::ReadFile(dir.File("launches")));
  EXPECT_GE(launches, 4u);
  EXPECT_LE(launches, 3u + 4u * static_cast<size_t>(workers)) << p.out;
}

INSTANTIATE_TEST_SUITE_P(Workers, Catch2DriverTest, ::testing::Values(1, 3));

TEST(Catch2DriverTest, AHangIsTimedOutAndTheCasesBehindItRunElsewhere) {
  ScratchDir dir;
  const Proc p =
      testing_util::Run({kMprun, "-j2", "--process-timeout=2", "--json=" + dir.File("r.json"),
                         "--gtest_filter=hangs*:many a*", kCatch2},
                        {}, dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  std::map<std::string, Row> rows =
      testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  ASSERT_EQ(rows.size(), 101u) << p.out;
  EXPECT_EQ(rows["hangs in poll"].outcome, "timed_out");
  for (const auto& [name, row] : rows) {
    if (name != "hangs in poll") {
      EXPECT_EQ(row.outcome, "passed") << name;
    }
  }
}

TEST(Catch2DriverTest, ACatch2AndAGoogleTestBinaryShareOneRun) {
  ScratchDir dir;
  const Proc p = testing_util::Run({kMprun, "-j2", "--json=" + dir.File("r.json"),
                                    "--gtest_filter=many b*:APlain.*", kCatch2, kOrdinaryA},
                                   {}, dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  rapidjson::Document doc;
  std::map<std::string, Row> rows =
      testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  ASSERT_EQ(rows.size(), 104u) << p.out;
  EXPECT_EQ(rows["many b42"].binary, kCatch2);
  EXPECT_EQ(rows["APlain.Adds"].binary, kOrdinaryA);
  for (const auto& [name, row] : rows) EXPECT_EQ(row.outcome, "passed") << name;
}

TEST(Catch2DriverTest, ListsTheCasesCatch2WouldRunAndNotTheHiddenOne) {
  ScratchDir dir;
  const Proc p = testing_util::Run({kMprun, "--list", kCatch2}, {}, dir);
  EXPECT_EQ(p.status, 0) << p.err;
  EXPECT_NE(p.out.find("a, b [not a tag] ~ * ?"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("many b99"), std::string::npos);
  EXPECT_EQ(p.out.find("hidden case"), std::string::npos);
}

}  // namespace
}  // namespace mprun
