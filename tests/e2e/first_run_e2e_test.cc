// A first run, as a new user's on a fresh CI machine: default options, no
// history, plain GoogleTest binaries (tests/fixtures/first_run_test.cc).
// No healthy test is killed by the default limit, a long one is announced
// as slow, and long tests that sit together in one suite do not end up one
// after the other on one worker while the other idles (facts from the run's
// report; how close to the lower bound it ends is tools/bench's to say).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kMprun[] = MPRUN_BINARY;
const char kLong[] = MPRUN_FIRST_RUN_LONG;
const char kShort[] = MPRUN_FIRST_RUN_SHORT;
const char kSlow[] = MPRUN_FIRST_RUN_SLOW;
const char kLongLinked[] = MPRUN_FIRST_RUN_LONG_LINKED;

// Nothing of the caller's environment changes the defaults under test.
std::map<std::string, std::string> Defaults(std::map<std::string, std::string> more = {}) {
  for (const char* v :
       {"MPRUN_PROCESS_TIMEOUT", "MPRUN_SLOW_AFTER", "MPRUN_HISTORY_FROM", "MPRUN_PROCESSES"}) {
    more.emplace(v, "\x01unset");
  }
  return more;
}

// The report's tests as name -> the test's object.
std::map<std::string, const rapidjson::Value*> Tests(const rapidjson::Document& doc) {
  std::map<std::string, const rapidjson::Value*> tests;
  for (const rapidjson::Value& t : doc["tests"].GetArray()) tests[t["name"].GetString()] = &t;
  return tests;
}

// A healthy 20 s test, with nose's 10 s default it would have been killed:
// it passes, and it is announced as slow while it runs (-v), listed as slow
// at the end, and marked slow in the JSON report.
TEST(FirstRunTest, ATwentySecondTestPassesWithTheDefaultsAndIsReportedSlow) {
  ScratchDir dir;
  const Proc p = testing_util::Run(
      {kMprun, "-j2", "-v", "--json=" + dir.File("r.json"), kSlow, kShort}, Defaults(), dir);
  ASSERT_EQ(p.status, 0) << p.out << p.err;
  rapidjson::Document doc;
  auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_EQ(rows["Slow.Twenty"].outcome, "passed") << rows["Slow.Twenty"].message;
  auto tests = Tests(doc);
  ASSERT_TRUE(tests.count("Slow.Twenty"));
  const rapidjson::Value& twenty = *tests["Slow.Twenty"];
  ASSERT_TRUE(twenty.HasMember("slow")) << "the 20 s test is not marked slow";
  EXPECT_TRUE(twenty["slow"].GetBool());
  EXPECT_GE(twenty["duration_ms"].GetDouble(), 20000);
  EXPECT_FALSE(tests["Slow.Quick"]->HasMember("slow"));
  // Announced while it ran: the SLOW line comes before its PASSED line.
  const size_t slow = p.out.find("SLOW      Slow.Twenty");
  const size_t passed = p.out.find("PASSED    Slow.Twenty");
  ASSERT_NE(slow, std::string::npos) << p.out;
  ASSERT_NE(passed, std::string::npos) << p.out;
  EXPECT_LT(slow, passed) << p.out;
  EXPECT_NE(p.out.find("still running after 10s"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("Slow (10s or longer): 1 test"), std::string::npos) << p.out;
}

// Runs `argv` (with --json=DIR/r.json) and checks the fact a balanced
// first run shows, whatever the machine's speed (a sanitizer build, a busy
// machine): the two long tests that sit together in one suite ran on
// different workers. Dealt in table order with no neighbour queue (the old
// code), they ran one after the other on one worker.
void ExpectLongTestsSideBySide(const std::vector<std::string>& argv, const ScratchDir& dir,
                               const std::map<std::string, std::string>& env = {}) {
  const Proc p = testing_util::Run(argv, Defaults(env), dir);
  const std::string out = p.out + p.err;
  EXPECT_EQ(p.status, 0) << out;
  rapidjson::Document doc;
  auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  auto tests = Tests(doc);
  int worker[2];
  for (int i = 0; i < 2; ++i) {
    const std::string name = "Mixed.Long" + std::to_string(i);
    ASSERT_EQ(rows[name].outcome, "passed") << name << "\n" << out;
    worker[i] = (*tests[name])["worker"].GetInt();
  }
  EXPECT_NE(worker[0], worker[1]) << "both long tests ran on worker " << worker[0] << "\n" << out;
}

// Driver mode: the long suite (3 s and 2 s side by side among 200 short
// tests) and a binary of short tests, at 2 workers without history. (How
// close to the lower bound it ends is measured by tools/bench's "cluster"
// workload, beside its peers; a functional test asserts facts.)
TEST(FirstRunTest, DriverModeBalancesLongTestsThatSitTogether) {
  ScratchDir dir;
  ExpectLongTestsSideBySide({kMprun, "-j2", "-q", "--json=" + dir.File("r.json"), kLong, kShort},
                            dir);
}

// The CTestTestfile.cmake gtest_discover_tests would write for `binaries`:
// one ctest test per GoogleTest test, run with its exact filter.
void WriteDiscovered(const std::string& dir, const std::vector<std::string>& binaries) {
  std::ofstream out(dir + "/CTestTestfile.cmake");
  for (const std::string& b : binaries) {
    const Proc list = testing_util::Run({b, "--gtest_list_tests"}, Defaults(), ScratchDir());
    std::istringstream lines(list.out);
    std::string suite;
    for (std::string l; std::getline(lines, l);) {
      if (l.empty() || l.rfind("Running main", 0) == 0) continue;
      const std::string name = l.substr(0, l.find_first_of(" #", 2));
      if (l[0] != ' ') {
        suite = name;
        continue;
      }
      const std::string test = suite + name.substr(2);
      out << "add_test([=[" << test << "]=] \"" << b << "\" [=[--gtest_filter=" << test << "]=])\n";
    }
  }
}

// mprun ctest over the tests gtest_discover_tests would register for the
// same two binaries, as a first run: the same bound as driver mode.
TEST(FirstRunTest, CtestModeBalancesLongTestsThatSitTogether) {
  ScratchDir dir;
  const std::string b = dir.File("b");
  mkdir(b.c_str(), 0700);
  WriteDiscovered(b, {kLong, kShort});
  // The ctest of this build first on PATH: mprun ctest asks the one it finds.
  std::string ctest_dir = MPRUN_CTEST;
  ctest_dir.erase(ctest_dir.rfind('/'));
  const char* path = std::getenv("PATH");
  ExpectLongTestsSideBySide({kMprun, "ctest", "--test-dir", b, "-j2", "-q", "--no-history",
                             "--json=" + dir.File("r.json")},
                            dir, {{"PATH", ctest_dir + ":" + (path ? path : "/usr/bin:/bin")}});
}

// Linked mode: the long suite alone, the same facts.
TEST(FirstRunTest, LinkedModeBalancesLongTestsThatSitTogether) {
  ScratchDir dir;
  ExpectLongTestsSideBySide({kLongLinked, "--processes=2", "-q", "--json=" + dir.File("r.json")},
                            dir);
}

// --history-from: the durations of an earlier run's report, mprun's JSON or
// GoogleTest's own XML (what a CI job already keeps), for a run without
// history; a report not there yet is a warning, one that is not a report
// is an error (exit 2) naming the option and the file.
TEST(FirstRunTest, HistoryFromTakesAnEarlierRunsReport) {
  ScratchDir dir;
  Proc p = testing_util::Run({kMprun, "-j2", "-q", "--json=" + dir.File("a.json"), kShort},
                             Defaults(), dir);
  ASSERT_EQ(p.status, 0) << p.out << p.err;
  p = testing_util::Run({kShort, "--gtest_output=xml:" + dir.File("g.xml")}, Defaults(), dir);
  ASSERT_EQ(p.status, 0) << p.out << p.err;
  for (const char* report : {"a.json", "g.xml"}) {
    p = testing_util::Run({kMprun, "-j2", "-v", "--history-from=" + dir.File(report), kShort},
                          Defaults(), dir);
    EXPECT_EQ(p.status, 0) << p.out << p.err;
    EXPECT_NE(p.out.find("durations for 100 tests"), std::string::npos) << report << "\n" << p.out;
  }
  p = testing_util::Run({kMprun, "-j2", "-q", "--history-from=" + dir.File("none.json"), kShort},
                        Defaults(), dir);
  EXPECT_EQ(p.status, 0) << p.err;
  EXPECT_NE(p.err.find("warning: --history-from: " + dir.File("none.json")), std::string::npos)
      << p.err;
  std::ofstream(dir.File("junk.txt")) << "not a report\n";
  p = testing_util::Run({kMprun, "-j2", "-q", "--history-from=" + dir.File("junk.txt"), kShort},
                        Defaults(), dir);
  EXPECT_EQ(p.status, 2) << p.out << p.err;
  EXPECT_NE(p.err.find("--history-from: " + dir.File("junk.txt")), std::string::npos) << p.err;
}

}  // namespace
}  // namespace mprun
