// Tests that reach outside themselves (tests/fixtures/escape_test.cc), end
// to end through the real supervisor: a test that kills its process group
// or its parent is blamed exactly (crashed, and no other test with it), and
// a daemon a test leaves is killed at the end of the run, with a warning in
// the summary and the JSON report.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kMprun[] = MPRUN_BINARY;
const char kEscapeLinked[] = MPRUN_ESCAPE_BINARY;
const char kEscapePlain[] = MPRUN_ESCAPE_PLAIN;

class EscapeE2ETest : public ::testing::TestWithParam<bool> {};

TEST_P(EscapeE2ETest, KillersAreBlamedExactlyAndDaemonsDieWithAWarning) {
  const bool driver = GetParam();
  ScratchDir dir;
  const std::string token = "escape" + std::to_string(getpid()) + (driver ? "d" : "l");
  const std::string report = dir.File("r.json");
  std::vector<std::string> argv;
  if (driver) {
    argv = {kMprun, "-j3", "--process-timeout=30", "--json=" + report, kEscapePlain};
  } else {
    // In linked mode the parent of a test's process is the supervisor.
    argv = {kEscapeLinked, "--processes=3", "--process-timeout=30", "--json=" + report,
            "--gtest_filter=-Escape.KillsItsParent"};
  }
  const Proc p = testing_util::Run(argv, {{"ESCAPE_TOKEN", token}}, dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  auto rows = testing_util::ParseReport(testing_util::ReadFile(report), &doc);
  ASSERT_EQ(rows.size(), driver ? 15u : 14u) << p.out << p.err;
  for (const auto& [name, row] : rows) {
    if (name == "Escape.KillsItsProcessGroup") {
      EXPECT_EQ(row.outcome, "crashed") << row.message;
      EXPECT_EQ(row.signal, "SIGKILL") << row.message;
    } else if (name == "Escape.KillsItsParent") {
      EXPECT_EQ(row.outcome, "crashed") << row.message;
    } else {
      EXPECT_EQ(row.outcome, "passed") << name << ": " << row.message;
    }
  }
  EXPECT_EQ(doc["errors"].Size(), 0u) << p.out << p.err;
  bool warned = false;
  for (const auto& w : doc["warnings"].GetArray()) {
    warned |=
        std::string(w.GetString()).find("left running outside their worker") != std::string::npos;
  }
  EXPECT_TRUE(warned) << "the daemon's death is said in the report";
  EXPECT_NE(p.out.find("left running outside their worker (daemonised)"), std::string::npos)
      << p.out;
  EXPECT_TRUE(testing_util::WaitFor(
      [&] { return testing_util::ProcessesWithEnv("ESCAPE_TOKEN", token).empty(); }, 5000))
      << "the daemon outlived the run";
}

INSTANTIATE_TEST_SUITE_P(Modes, EscapeE2ETest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return std::string(i.param ? "Driver" : "Linked");
                         });

}  // namespace
}  // namespace mprun
