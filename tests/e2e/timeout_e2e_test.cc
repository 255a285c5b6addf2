// A timeout is final (end to end, both modes): every way a real test hangs
// (tests/fixtures/hangs.h: blocked in a call that a handled signal ends, or
// fighting the runner's signals) ends timed_out, twenty times each, with the
// duration of the limit (plus the backtrace's grace for the ones that keep
// the dump signal from the worker), and nothing else in the run is lost.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <string>
#include <vector>

#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kMprun[] = MPRUN_BINARY;
const char kHangLinked[] = MPRUN_HANG_BINARY;
const char kHangPlain[] = MPRUN_HANG_PLAIN;

// The kinds whose test keeps the dump signal from reaching the worker's
// handler (as LetsTheDumpSignalThrough says): killed at the grace's end.
bool FightsTheSignal(const std::string& name) {
  return name.find(".BlockSignals/") != std::string::npos ||
         name.find(".IgnoreSignals/") != std::string::npos ||
         name.find(".HandleSignals/") != std::string::npos;
}

class TimeoutE2ETest : public ::testing::TestWithParam<bool> {};

TEST_P(TimeoutE2ETest, EveryKindOfHangTimesOutOnTime) {
  const bool driver = GetParam();
  ScratchDir dir;
  const std::string report = dir.File("r.json");
  std::vector<std::string> argv;
  if (driver) {
    argv = {kMprun, "-j44", "--process-timeout=1", "--json=" + report, kHangPlain};
  } else {
    argv = {kHangLinked, "--processes=44", "--process-timeout=1", "--json=" + report};
  }
  const Proc p = testing_util::Run(argv, {}, dir);
  EXPECT_EQ(p.status, 1) << p.err;
  rapidjson::Document doc;
  const std::map<std::string, testing_util::ReportRow> rows =
      testing_util::ParseReport(testing_util::ReadFile(report), &doc);
  ASSERT_EQ(rows.size(), 11u * 20 + 1);
  ASSERT_TRUE(doc["errors"].IsArray());
  std::string errors;  // what the run said went wrong, to tell a flake from a bug
  for (const auto& e : doc["errors"].GetArray()) errors += std::string(e.GetString()) + "\n";
  EXPECT_EQ(doc["errors"].Size(), 0u) << errors << p.err;
  const int grace_ms = driver ? 0 : 1000;
  int fighters = 0;
  for (const auto& t : doc["tests"].GetArray()) {
    const std::string name = t["name"].GetString();
    const std::string outcome = t["outcome"].GetString();
    const double ms = t["duration_ms"].GetDouble();
    if (name == "Quick.Passes") {
      EXPECT_EQ(outcome, "passed");
      continue;
    }
    EXPECT_EQ(outcome, "timed_out") << name << " after " << ms << " ms";
    const bool fights = FightsTheSignal(name);
    fighters += fights;
    // The limit is a floor; the grace (and this machine's load) the rest.
    EXPECT_GE(ms, 1000) << name;
    EXPECT_LE(ms, 1000 + (fights ? grace_ms : 0) + 4000) << name;
    const std::string message = t["message"].GetString();
    if (driver) continue;
    if (fights) {
      EXPECT_NE(message.find("no backtrace"), std::string::npos) << name << ": " << message;
    } else {
      EXPECT_NE(rows.at(name).output.find("this test timed out; backtrace"), std::string::npos)
          << name << ": " << rows.at(name).output;
      EXPECT_GE(ms, 1000) << name;
      EXPECT_LT(ms, 1000 + 4000) << name;
    }
  }
  EXPECT_EQ(fighters, 60);
  if (!driver) {
    // Each HandleSignals test returned from its sleep and passed: dropped.
    EXPECT_GT(doc["late_results_dropped"].GetUint64(), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, TimeoutE2ETest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return std::string(i.param ? "Driver" : "Linked");
                         });

}  // namespace
}  // namespace mprun
