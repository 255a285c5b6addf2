// mprun ctest end to end: tests/ctest_project (gtest_discover_tests, a
// whole-binary add_test, catch_discover_tests and doctest_discover_tests
// and their binaries whole, scripts, WILL_FAIL, a
// fixture pair and a broken one, RUN_SERIAL, a RESOURCE_LOCK pair, SKIP_RETURN_CODE, ENVIRONMENT,
// PASS_REGULAR_EXPRESSION, DISABLED) is configured and built once, run by
// ctest and by mprun ctest, and every ctest test must end the same way in
// both. Then bad input: each exits 2 with a message naming it.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <set>
#include <sstream>
#include <string>

#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kMprun[] = MPRUN_BINARY;
const char kProject[] = MPRUN_CTEST_PROJECT;
const char kCmake[] = MPRUN_CMAKE;
const char kCtest[] = MPRUN_CTEST;

// ctest's folder first on PATH: mprun ctest asks the ctest it finds there.
std::map<std::string, std::string> Env() {
  std::string ctest_dir = kCtest;
  ctest_dir.erase(ctest_dir.rfind('/'));
  const char* path = std::getenv("PATH");
  return {{"PATH", ctest_dir + ":" + (path ? path : "/usr/bin:/bin")},
          {"MPRUN_PROCESSES", "\x01unset"},
          {"MPRUN_PROCESS_TIMEOUT", "\x01unset"}};
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Per ctest test, how ctest's own run ended, from its progress lines
// ("  3/23 Test  #3: Discovered.Skips ....   Skipped   0.00 sec").
std::map<std::string, std::string> CtestOutcomes(const std::string& out) {
  // Read by hand: std::regex trips gcc 12's -Wmaybe-uninitialized under ASan.
  std::map<std::string, std::string> outcomes;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) {
    const size_t test = l.find("Test ");
    const size_t colon = l.find(": ", test == std::string::npos ? 0 : test);
    const size_t sec = l.rfind(" sec");
    if (test == std::string::npos || l.find('#', test) > colon || colon == std::string::npos ||
        sec == std::string::npos || sec + 4 != l.size()) {
      continue;
    }
    // Names may hold spaces (Catch2's): the name ends where ctest's padding
    // of dots (or its *** right after the name) begins.
    size_t name_end = l.find(" .", colon + 2);
    name_end = std::min(name_end, l.find(" ***", colon + 2));
    if (name_end == std::string::npos) continue;
    const std::string name = l.substr(colon + 2, name_end - colon - 2);
    const size_t word = l.find_first_not_of(" .*", name_end);
    size_t word_end = l.find_last_not_of("0123456789.", sec - 1);  // before the seconds
    word_end = l.find_last_not_of(' ', word_end);
    const std::string w = l.substr(word, word_end + 1 - word);
    outcomes[name] = w == "Passed"                ? "passed"
                     : w.rfind("Skipped", 0) == 0 ? "skipped"
                     : w == "Not Run (Disabled)"  ? "skipped"
                                                  : "failed";  // Failed, Not Run, Timeout...
  }
  return outcomes;
}

// Per ctest test, how mprun's run ended: a ctest test run as GoogleTest
// tests failed if any of them failed, was skipped if all were; and failed
// if an error of the run names it (its program, run whole after its split
// run disagreed with itself, failed).
std::map<std::string, std::string> MprunOutcomes(const std::string& report) {
  rapidjson::Document doc;
  doc.Parse(report.c_str());
  std::map<std::string, std::string> outcomes;
  if (!doc.IsObject() || !doc.HasMember("tests")) return outcomes;
  for (const auto& t : doc["tests"].GetArray()) {
    const std::string name = t["ctest_name"].GetString();
    std::string o = t["outcome"].GetString();
    if (o == "crashed" || o == "timed_out") o = "failed";
    std::string& seen = outcomes[name];
    if (seen.empty() || o == "failed" || (o == "passed" && seen == "skipped")) seen = o;
  }
  for (const auto& e : doc["errors"].GetArray()) {
    const std::string error = e.GetString();
    const size_t colon = error.find(": ");
    if (error.rfind("ctest test ", 0) != 0 || colon == std::string::npos) continue;
    const std::string name = error.substr(11, colon - 11);
    if (outcomes.count(name) != 0) outcomes[name] = "failed";
  }
  return outcomes;
}

class CtestE2eTest : public ::testing::Test {
 protected:
  // One build of the project for every test here (a suite with a set-up
  // runs on one worker).
  static void SetUpTestSuite() {
    build_ = std::make_unique<ScratchDir>();
    const Proc config = testing_util::Run(
        {kCmake, "-S", kProject, "-B", build_->path(), "-G", MPRUN_CMAKE_GENERATOR,
         "-DCMAKE_MAKE_PROGRAM=" MPRUN_CMAKE_MAKE_PROGRAM, "-DCMAKE_BUILD_TYPE=Debug"},
        Env(), *build_);
    const Proc build = testing_util::Run({kCmake, "--build", build_->path()}, Env(), *build_);
    built_ = config.status == 0 && build.status == 0;
    why_ = config.out + config.err + build.out + build.err;
  }
  static void TearDownTestSuite() { build_.reset(); }
  void SetUp() override { ASSERT_TRUE(built_) << "the project did not build:\n" << why_; }

  static std::unique_ptr<ScratchDir> build_;
  static bool built_;
  static std::string why_;
};
std::unique_ptr<ScratchDir> CtestE2eTest::build_;
bool CtestE2eTest::built_ = false;
std::string CtestE2eTest::why_;

TEST_F(CtestE2eTest, EveryTestEndsAsUnderCtest) {
  ScratchDir dir;
  const Proc ctest = testing_util::Run({kCtest, "--test-dir", build_->path(), "-j4"}, Env(), dir);
  const std::map<std::string, std::string> want = CtestOutcomes(ctest.out);
  // 25 of GoogleTest and commands; 7 programs with their own main();
  // 23 Catch2 and 25 doctest cases, each one by one, and each binary
  // whole; doctest's twins share one name.
  ASSERT_EQ(want.size(), 81u) << ctest.out;
  EXPECT_NE(ctest.status, 0);  // the project holds failing tests
  std::map<std::string, std::string> env = Env();
  env["FRAMEWORK_LAUNCHES"] = dir.File("launches");
  const Proc p = testing_util::Run({kMprun, "ctest", "--test-dir", build_->path(), "-j4",
                                    "--no-history", "--json=" + dir.File("r.json")},
                                   env, dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  std::map<std::string, std::string> got =
      MprunOutcomes(testing_util::ReadFile(dir.File("r.json")));
  // The one verdict mprun gives finer than ctest: gtest skipped every test
  // of this program (its global environment's SetUp() skipped) and exited
  // 0, which ctest calls passed.
  EXPECT_EQ(want.at("own_main_environment_skips"), "passed");
  EXPECT_EQ(got["own_main_environment_skips"], "skipped");
  got["own_main_environment_skips"] = "passed";
  // And one it will not hide: a test failed, but the program's main()
  // returned 0, which is all ctest reads.
  EXPECT_EQ(want.at("exit_check_ignores_result"), "passed");
  EXPECT_EQ(got["exit_check_ignores_result"], "failed");
  got["exit_check_ignores_result"] = "passed";
  // Programs whose exit says more than their tests: run whole, as ctest
  // runs them, after their split run disagreed with itself.
  EXPECT_EQ(want.at("exit_check_fails_at_exit"), "failed");
  EXPECT_EQ(want.at("exit_check_runs_whole_only"), "passed");
  EXPECT_EQ(got, want) << p.out << p.err;
  // Per framework, the 23 discovered tests and the whole binary's 23 cases:
  // in batches, not a launch per ctest test (ctest's 24).
  std::map<std::string, size_t> launches;
  std::istringstream lines(testing_util::ReadFile(dir.File("launches")));
  for (std::string l; std::getline(lines, l);) ++launches[l];
  for (const char* framework : {"catch2", "doctest"}) {
    EXPECT_GE(launches[framework], 2u) << framework;
    EXPECT_LE(launches[framework], 12u) << framework << "\n" << p.out;
  }
  // Spot checks of what the comparison could hide: ctest's verdicts.
  EXPECT_EQ(want.at("will_fail"), "passed");
  EXPECT_EQ(want.at("skipped_by_code"), "skipped");
  EXPECT_EQ(want.at("db_user"), "passed");
  EXPECT_EQ(want.at("broken_user"), "failed");
  EXPECT_EQ(want.at("lock_a"), "passed");
  EXPECT_EQ(want.at("Prefix/Param.IsSmall/30"), "failed");
  EXPECT_EQ(want.at("times_out"), "failed");
  EXPECT_EQ(want.at("within_its_timeout"), "passed");
  EXPECT_EQ(want.at("catch2:with, a comma [and brackets]"), "passed");
  EXPECT_EQ(want.at("doctest:with, a comma [and brackets]"), "passed");
  EXPECT_EQ(want.at("catch2:fails"), "failed");
  EXPECT_EQ(want.at("doctest:throws"), "failed");
  EXPECT_EQ(want.at("whole_catch"), "failed");
  EXPECT_EQ(want.at("whole_doctest"), "failed");
  EXPECT_EQ(want.at("doctest:twin"), "failed");  // each runs both twins
  // TIMEOUT is the test's own limit: timed_out at 1 s, not at the 5 s of
  // the other nor at any run-wide limit.
  rapidjson::Document doc;
  doc.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
  ASSERT_TRUE(doc.IsObject());
  // The twins: each ctest test runs both cases, as ctest runs it, so each
  // fails (the second twin fails): neither stands for one case alone.
  int twins = 0;
  for (const auto& t : doc["tests"].GetArray()) {
    if (std::string(t["ctest_name"].GetString()) != "doctest:twin") continue;
    ++twins;
    EXPECT_EQ(std::string(t["outcome"].GetString()), "failed");
  }
  EXPECT_EQ(twins, 2);
  for (const auto& t : doc["tests"].GetArray()) {
    if (std::string(t["name"].GetString()) != "times_out") continue;
    EXPECT_EQ(std::string(t["outcome"].GetString()), "timed_out");
    EXPECT_NE(std::string(t["message"].GetString()).find("still running after 1s (its own limit)"),
              std::string::npos)
        << t["message"].GetString();
    EXPECT_LT(t["duration_ms"].GetDouble(), 4000);
  }
}

TEST_F(CtestE2eTest, GoogleTestTestsAreNamedByGtestWithTheirCtestNameBeside) {
  ScratchDir dir;
  const Proc p = testing_util::Run(
      {kMprun, "ctest", "--test-dir", build_->path(), "--no-history", "-R",
       "^(whole|Prefix/Param.IsSmall/30|script_passes)$", "--json=" + dir.File("r.json")},
      Env(), dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  const auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  std::map<std::string, std::string> ctest_names;
  for (const auto& t : doc["tests"].GetArray()) {
    ctest_names[t["name"].GetString()] = t["ctest_name"].GetString();
  }
  // gtest_discover_tests names a parameterised test by its value.
  EXPECT_EQ(ctest_names, (std::map<std::string, std::string>{
                             {"Prefix/Param.IsSmall/2", "Prefix/Param.IsSmall/30"},
                             {"Whole.One", "whole"},
                             {"Whole.Two", "whole"},
                             {"Whole.Three", "whole"},
                             {"script_passes", "script_passes"}}));
  EXPECT_EQ(rows.at("Whole.Two").outcome, "passed");
  EXPECT_EQ(rows.at("Prefix/Param.IsSmall/2").outcome, "failed");
}

TEST_F(CtestE2eTest, ListsWithDashNAndPullsInAFixturesSetUp) {
  ScratchDir dir;
  const Proc p = testing_util::Run(
      {kMprun, "ctest", "--test-dir", build_->path(), "-N", "-R", "db_user|^Other"}, Env(), dir);
  EXPECT_EQ(p.status, 0) << p.err;
  EXPECT_EQ(p.out, "Other.Passes\ndb_setup\ndb_user\ndb_cleanup\n");
  // The plan: RUN_SERIAL in the serial phase, the lock's tests on one worker.
  const Proc v = testing_util::Run(
      {kMprun, "ctest", "--test-dir", build_->path(), "-N", "-v", "-R", "^serial$|^lock_"}, Env(),
      dir);
  EXPECT_EQ(v.status, 0) << v.err;
  EXPECT_EQ(v.out,
            "serial [serial]\n"
            "ctest:lock_a: 2 tests kept together (RESOURCE_LOCK, FIXTURES_* or DEPENDS)\n"
            "  lock_a\n  lock_b\n");
}

// Programs with their own main(): one that cannot be listed runs whole, as
// ctest runs it (-v says why), and the next run remembers that instead of
// listing it again; one whose global environment skips has its tests
// skipped, not failed for running none.
TEST_F(CtestE2eTest, AProgramThatCannotBeListedRunsWholeAndIsNotListedAgain) {
  ScratchDir dir;
  std::map<std::string, std::string> env = Env();
  env["OWN_MAIN_RUNS"] = dir.File("runs");
  auto run = [&] {
    unlink(dir.File("runs").c_str());
    return testing_util::Run(
        {kMprun, "ctest", "--test-dir", build_->path(), "-R", "^own_main_", "-v",
         "--history=" + dir.File("h/history.json"), "--json=" + dir.File("r.json")},
        env, dir);
  };
  for (int round = 0; round < 2; ++round) {
    const Proc p = run();
    EXPECT_EQ(p.status, 0) << p.out << p.err;
    for (const char* whole : {"own_main_refuses_arguments", "own_main_own_options"}) {
      EXPECT_NE(p.err.find(std::string("ctest test ") + whole + " runs whole, as ctest runs it"),
                std::string::npos)
          << p.err;
    }
    // Per ctest test, its tests' outcomes (the programs share test names).
    rapidjson::Document doc;
    doc.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("tests")) << p.out << p.err;
    std::map<std::string, std::multiset<std::string>> outcomes;
    for (const auto& t : doc["tests"].GetArray()) {
      const std::string o = t["outcome"].GetString();
      outcomes[t["ctest_name"].GetString()].insert(t["name"].GetString() + (" " + o));
      if (o != "skipped") continue;
      EXPECT_NE(std::string(t["message"].GetString()).find("no device on this machine"),
                std::string::npos);
    }
    using Set = std::multiset<std::string>;
    EXPECT_EQ(
        outcomes,
        (std::map<std::string, Set>{
            {"own_main_refuses_arguments", Set{"own_main_refuses_arguments passed"}},
            {"own_main_own_options", Set{"own_main_own_options passed"}},
            {"own_main_prints_first", Set{"OwnMain.One passed", "OwnMain.Two passed"}},
            {"own_main_environment_skips", Set{"OwnMain.One skipped", "OwnMain.Two skipped"}}}));
    // Starts: the first round lists all four programs and runs the two
    // that cannot be listed whole; the second lists none of them again.
    std::map<std::string, int> listings, wholes;
    std::istringstream lines(testing_util::ReadFile(dir.File("runs")));
    for (std::string l; std::getline(lines, l);) {
      const std::string program = l.substr(l.rfind('/') + 1, l.find(' ') - l.rfind('/') - 1);
      if (l.find(" --gtest_list_tests") != std::string::npos) ++listings[program];
      if (l.find(' ') == std::string::npos) ++wholes[program];
    }
    EXPECT_EQ(listings.size(), round == 0 ? 4u : 0u) << round;
    EXPECT_EQ(wholes, (std::map<std::string, int>{{"own_main_refuses_arguments", 1},
                                                  {"own_main_own_options", 1}}))
        << round;
  }
}

// A program whose split run disagrees with its exit (its main() checks
// it ran whole; a check at exit fails) runs whole at once, as ctest runs
// it, and its verdict is that run's; from the next run on it runs whole
// (the listing cache remembers). One whose main() returns 0 though a test
// failed keeps the failure, with a warning that ctest calls it passed.
TEST_F(CtestE2eTest, AProgramWhoseExitDisagreesWithItsSplitTestsRunsWholeAsUnderCtest) {
  ScratchDir dir;
  std::map<std::string, std::string> env = Env();
  env["OWN_MAIN_RUNS"] = dir.File("runs");
  const std::vector<std::string> selection = {"--test-dir", build_->path(), "-R", "^exit_check_"};
  std::vector<std::string> ctest_argv = {kCtest};
  ctest_argv.insert(ctest_argv.end(), selection.begin(), selection.end());
  const Proc ctest = testing_util::Run(ctest_argv, env, dir);
  const std::map<std::string, std::string> want = CtestOutcomes(ctest.out);
  ASSERT_EQ(want, (std::map<std::string, std::string>{{"exit_check_fails_at_exit", "failed"},
                                                      {"exit_check_runs_whole_only", "passed"},
                                                      {"exit_check_ignores_result", "passed"}}))
      << ctest.out;
  std::vector<std::string> argv = {kMprun, "ctest"};
  argv.insert(argv.end(), selection.begin(), selection.end());
  argv.insert(argv.end(), {"-j2", "-v", "--history=" + dir.File("h/history.json"),
                           "--json=" + dir.File("r.json")});
  for (int round = 0; round < 2; ++round) {
    unlink(dir.File("runs").c_str());
    const Proc p = testing_util::Run(argv, env, dir);
    EXPECT_EQ(p.status, 1) << p.out << p.err;
    std::map<std::string, std::string> got =
        MprunOutcomes(testing_util::ReadFile(dir.File("r.json")));
    EXPECT_EQ(got["exit_check_ignores_result"], "failed");
    got["exit_check_ignores_result"] = "passed";
    EXPECT_EQ(got, want) << round << "\n" << p.out << p.err;
    rapidjson::Document doc;
    doc.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
    ASSERT_TRUE(doc.IsObject()) << p.out << p.err;
    std::string warnings;
    for (const auto& w : doc["warnings"].GetArray()) warnings += w.GetString() + std::string("\n");
    EXPECT_NE(warnings.find("calls ctest test exit_check_ignores_result passed"), std::string::npos)
        << warnings;
    EXPECT_EQ(
        warnings.find("ctest test exit_check_runs_whole_only passes whole") != std::string::npos,
        round == 0)
        << round << "\n"
        << warnings;
    // Whole runs (a start without arguments): in the first round after
    // the split run, in the second instead of it, and no listing then.
    std::map<std::string, int> wholes, listings;
    std::istringstream lines(testing_util::ReadFile(dir.File("runs")));
    for (std::string l; std::getline(lines, l);) {
      const std::string program = l.substr(l.rfind('/') + 1, l.find(' ') - l.rfind('/') - 1);
      if (l.find(' ') == std::string::npos) ++wholes[program];
      if (l.find(" --gtest_list_tests") != std::string::npos) ++listings[program];
    }
    EXPECT_EQ(wholes, (std::map<std::string, int>{{"exit_check_fails_at_exit", 1},
                                                  {"exit_check_runs_whole_only", 1}}))
        << round;
    EXPECT_EQ(listings.size(), round == 0 ? 3u : 0u) << round;
    // ctest's record of failures names the program that failed whole.
    const std::string failed_log =
        testing_util::ReadFile(build_->File("Testing/Temporary/LastTestsFailed.log"));
    EXPECT_NE(failed_log.find(":exit_check_fails_at_exit\n"), std::string::npos) << failed_log;
    EXPECT_NE(failed_log.find(":exit_check_ignores_result\n"), std::string::npos) << failed_log;
  }
}

// What a dashboard's Test.xml says of each test: its status, its folder
// and command line; with the tag Testing/TAG names (it must name one).
struct Dashboard {
  std::string tag, model;
  std::map<std::string, std::string> status, where;
  std::vector<std::string> listed;  // <TestList>
};
Dashboard ReadDashboard(const std::string& build) {
  Dashboard d;
  std::istringstream tag(testing_util::ReadFile(build + "/Testing/TAG"));
  std::getline(tag, d.tag);
  std::getline(tag, d.model);
  pugi::xml_document doc;
  const std::string path = build + "/Testing/" + d.tag + "/Test.xml";
  EXPECT_TRUE(doc.load_file(path.c_str())) << path;
  const pugi::xml_node testing = doc.child("Site").child("Testing");
  for (const pugi::xml_node t : testing.child("TestList").children("Test")) {
    d.listed.push_back(t.text().get());
  }
  for (const pugi::xml_node t : testing.children("Test")) {
    const std::string name = t.child_value("Name");
    d.status[name] = t.attribute("Status").value();
    d.where[name] =
        std::string(t.child_value("FullName")) + " | " + t.child_value("FullCommandLine");
  }
  return d;
}

// -T Test: the dashboard record ctest writes (Testing/TAG, then
// Testing/<tag>/Test.xml), with ctest's tests, statuses, names and command
// lines; -T Start alone starts a tag and runs nothing; the other
// dashboard steps are refused.
TEST_F(CtestE2eTest, DashboardTestXmlAsCtestWritesIt) {
  ScratchDir dir;
  const std::string b = build_->path();
  const std::vector<std::string> selection = {
      "-R", "exit_check_fails|exit_check_runs|^whole$|skipped_by|times_out|will_fail|catch2:fails"};
  auto clean = [&] {
    // ctest reads its tagged logs while Testing/TAG names a tag: the other
    // tests of the build must not see them.
    const Proc rm = testing_util::Run(
        {"/bin/sh", "-c", "cd \"$0\" && rm -rf Testing/TAG Testing/2* Testing/Temporary/*_2*.log",
         b},
        Env(), dir);
    ASSERT_EQ(rm.status, 0) << rm.err;
  };
  clean();
  std::vector<std::string> ctest = {kCtest, "--test-dir", b, "-T", "Test"};
  ctest.insert(ctest.end(), selection.begin(), selection.end());
  const Proc want_p = testing_util::Run(ctest, Env(), dir);
  const Dashboard want = ReadDashboard(b);
  clean();
  ASSERT_EQ(want.status.size(), 7u) << want_p.out;
  std::vector<std::string> mprun = {kMprun, "ctest", "--test-dir", b, "-T", "test", "--no-history"};
  mprun.insert(mprun.end(), selection.begin(), selection.end());
  const Proc p = testing_util::Run(mprun, Env(), dir);
  EXPECT_EQ(p.status, want_p.status) << p.out << p.err;
  const Dashboard got = ReadDashboard(b);
  EXPECT_EQ(got.model, "Experimental");
  EXPECT_EQ(got.tag.size(), std::string("20261207-2314").size()) << got.tag;
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.where, want.where);
  std::vector<std::string> sorted_want = want.listed, sorted_got = got.listed;
  std::sort(sorted_want.begin(), sorted_want.end());
  std::sort(sorted_got.begin(), sorted_got.end());
  EXPECT_EQ(sorted_got, sorted_want);
  clean();
  // -T Start: a tag, and no test run (no record of one).
  const Proc start =
      testing_util::Run({kMprun, "ctest", "--test-dir", b, "-T", "Start"}, Env(), dir);
  EXPECT_EQ(start.status, 0) << start.err;
  EXPECT_NE(start.out.find("Create new tag: "), std::string::npos) << start.out;
  EXPECT_EQ(testing_util::ReadFile(b + "/Testing/TAG").size(), 13u + 1 + 2 * 13);
  clean();
  const Proc submit =
      testing_util::Run({kMprun, "ctest", "--test-dir", b, "-T", "Submit"}, Env(), dir);
  EXPECT_EQ(submit.status, 2);
  EXPECT_NE(submit.err.find("Submit: mprun ctest runs tests, not dashboards"), std::string::npos)
      << submit.err;
}

// mprun's verdicts in ctest's words: the ones it gives finer (every test of
// the program skipped by its global environment, which ctest calls passed;
// a failed test of a program whose main() returns 0, which ctest calls
// passed).
std::map<std::string, std::string> InCtestsWords(std::map<std::string, std::string> got) {
  if (auto it = got.find("own_main_environment_skips"); it != got.end() && it->second == "skipped")
    it->second = "passed";
  if (auto it = got.find("exit_check_ignores_result"); it != got.end() && it->second == "failed")
    it->second = "passed";
  return got;
}

// Each of ctest's options beside real ctest, on the same build: the same
// ctest tests run, each ends the same, and the exit status is 0 for both
// or for neither.
TEST_F(CtestE2eTest, EachOptionSelectsAndEndsAsUnderCtest) {
  const std::vector<std::vector<std::string>> rows = {
      {"-I", "2,5"},
      {"--tests-information", "1,30,7"},
      {"-U", "-I", "1,3", "-R", "^whole$"},
      {"-FA", "db", "-R", "^db_user$"},
      {"-FS", "db", "-R", "^db_"},
      {"-FC", "db", "-R", "^db_"},
      {"-R", "^Discovered", "-j"},  // ctest 3.25 takes what follows -j as its count
      {"--parallel", "2", "-R", "^Other|^Prefix"},
      {"--schedule-random", "-R", "^(catch2|doctest):"},
      {"--repeat-until-fail", "2", "-R", "^script_"},
      {"-E", "catch|doctest|times_out|within|Prefix", "-j1"},
      {"--max-width", "40", "--no-label-summary", "--no-subproject-summary", "-R", "^whole$"},
      {"--test-output-size-failed", "100", "--test-output-truncation", "head", "-R", "fails$"},
      {"--interactive-debug-mode", "0", "--output-on-failure", "-R", "^own_main"},
      {"--no-tests=error", "-R", "^nothing$"},
      {"--no-tests=ignore", "-R", "^nothing$"},
      {"-R", "^nothing$"},
  };
  for (const std::vector<std::string>& options : rows) {
    std::string shown;
    for (const std::string& o : options) shown += " " + o;
    ScratchDir dir;
    std::vector<std::string> argv = {kCtest, "--test-dir", build_->path()};
    argv.insert(argv.end(), options.begin(), options.end());
    const Proc ctest = testing_util::Run(argv, Env(), dir);
    argv[0] = kMprun;
    argv.insert(argv.begin() + 1, "ctest");
    argv.insert(argv.end(), {"--no-history", "--json=" + dir.File("r.json")});
    const Proc p = testing_util::Run(argv, Env(), dir);
    EXPECT_EQ(p.status != 0, ctest.status != 0) << shown << "\n" << ctest.out << p.out << p.err;
    EXPECT_NE(p.status, 2) << shown << "\n" << p.err;
    const std::map<std::string, std::string> want = CtestOutcomes(ctest.out);
    EXPECT_EQ(InCtestsWords(MprunOutcomes(testing_util::ReadFile(dir.File("r.json")))), want)
        << shown << "\n"
        << ctest.out << p.out << p.err;
    if (options[0] == "--no-tests=error") {
      EXPECT_NE(p.err.find("No tests were found"), std::string::npos) << p.err;
    }
  }
}

// ctest's record of failed tests, both ways: what mprun ctest writes,
// `ctest --rerun-failed` reruns; what ctest wrote, mprun ctest reruns.
TEST_F(CtestE2eTest, RerunFailedWorksWithCtestInBothDirections) {
  ScratchDir dir;
  const std::string log = build_->File("Testing/Temporary/LastTestsFailed.log");
  auto ctest = [&](std::vector<std::string> options) {
    options.insert(options.begin(), {kCtest, "--test-dir", build_->path()});
    return testing_util::Run(options, Env(), dir);
  };
  auto mprun = [&](std::vector<std::string> options) {
    options.insert(options.begin(), {kMprun, "ctest", "--test-dir", build_->path(), "--no-history",
                                     "--json=" + dir.File("r.json")});
    return testing_util::Run(options, Env(), dir);
  };
  const std::string selection = "^(will_fail|skipped_by_code|Discovered.Fails|broken_user|whole)$";
  // What ctest writes for this selection, then what mprun writes.
  ctest({"-R", selection});
  const std::string ctest_wrote = testing_util::ReadFile(log);
  ASSERT_NE(ctest_wrote.find(":Discovered.Fails\n"), std::string::npos) << ctest_wrote;
  unlink(log.c_str());
  Proc p = mprun({"-R", selection});
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  EXPECT_EQ(testing_util::ReadFile(log), ctest_wrote);
  // ctest reruns what mprun recorded.
  Proc c = ctest({"--rerun-failed"});
  std::map<std::string, std::string> want = CtestOutcomes(c.out);
  EXPECT_EQ(want, (std::map<std::string, std::string>{{"Discovered.Fails", "failed"},
                                                      {"broken_setup", "failed"},
                                                      {"broken_user", "failed"}}))
      << c.out;
  // A run without failures leaves the record as it was (as ctest does).
  p = mprun({"-R", "^whole$"});
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_EQ(testing_util::ReadFile(log), ctest_wrote);
  // mprun reruns what ctest recorded.
  c = ctest({"-R", "^script_"});
  p = mprun({"--rerun-failed"});
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  EXPECT_EQ(MprunOutcomes(testing_util::ReadFile(dir.File("r.json"))),
            (std::map<std::string, std::string>{{"script_fails", "failed"}}));
  EXPECT_EQ(CtestOutcomes(ctest({"--rerun-failed"}).out),
            (std::map<std::string, std::string>{{"script_fails", "failed"}}));
}

// --preset: ctest selects the preset's tests; its settings (jobs, the
// environment, noTestsAction) apply unless the command line says otherwise.
// `argv` run in `dir`'s folder (where ctest looks for presets).
Proc In(const ScratchDir& dir, std::vector<std::string> argv,
        const std::map<std::string, std::string>& env, const ScratchDir& scratch) {
  argv.insert(argv.begin(), {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", dir.path()});
  return testing_util::Run(argv, env, scratch);
}

TEST_F(CtestE2eTest, APresetSelectsAndSetsAsUnderCtest) {
  ScratchDir dir;  // the source folder, where presets are looked for
  WriteFile(dir.File("CMakePresets.json"),
            R"js({"version": 3, "configurePresets": [{"name": "b", "binaryDir": ")js" +
                build_->path() + R"js("}],
  "testPresets": [
    {"name": "base", "hidden": true, "configurePreset": "b", "execution": {"jobs": 1},
     "environment": {"OWN_MAIN_RUNS": "${sourceDir}/runs-${presetName}.txt"}},
    {"name": "ci", "inherits": "base",
     "filter": {"include": {"name": "^(own_main|Discovered)"}, "exclude": {"name": "Skips"}}},
    {"name": "none", "inherits": "base", "filter": {"include": {"name": "^nothing$"}},
     "execution": {"noTestsAction": "error"}}]})js");
  const Proc c = In(dir, {kCtest, "--preset", "ci"}, Env(), dir);
  const std::map<std::string, std::string> want = CtestOutcomes(c.out);
  EXPECT_EQ(want.size(), 6u) << c.out << c.err;
  EXPECT_EQ(want.count("Discovered.Skips"), 0u);
  Proc p =
      In(dir, {kMprun, "ctest", "--preset", "ci", "--no-history", "--json=" + dir.File("r.json")},
         Env(), dir);
  EXPECT_EQ(p.status != 0, c.status != 0) << p.out << p.err;
  EXPECT_EQ(InCtestsWords(MprunOutcomes(testing_util::ReadFile(dir.File("r.json")))), want)
      << p.out << p.err;
  EXPECT_NE(p.out.find(", 1 worker\n"), std::string::npos) << p.out;  // the preset's jobs
  // The preset's environment reached the tests (each own_main program
  // notes its start where OWN_MAIN_RUNS says).
  EXPECT_NE(testing_util::ReadFile(dir.File("runs-ci.txt")).find("own_main_"), std::string::npos);
  p = In(dir, {kMprun, "ctest", "--preset", "ci", "-j2", "--no-history"}, Env(), dir);
  EXPECT_NE(p.out.find(", 2 workers\n"), std::string::npos) << p.out;  // the command line wins
  p = In(dir, {kMprun, "ctest", "--preset=none", "--no-history"}, Env(), dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  EXPECT_NE(p.err.find("No tests were found!!!"), std::string::npos) << p.err;
  p = In(dir, {kMprun, "ctest", "--preset", "nope"}, Env(), dir);
  EXPECT_EQ(p.status, 2);
  EXPECT_NE(p.err.find("test preset 'nope': no such preset (in " + dir.path()), std::string::npos)
      << p.err;
  p = In(dir, {kMprun, "ctest", "--preset", "base"}, Env(), dir);
  EXPECT_EQ(p.status, 2);
  EXPECT_NE(p.err.find("Cannot use hidden test preset"), std::string::npos) << p.err;
  EXPECT_EQ(In(dir, {kMprun, "ctest", "--list-presets"}, Env(), dir).out,
            In(dir, {kCtest, "--list-presets"}, Env(), dir).out);
  const Proc json = In(dir, {kMprun, "ctest", "--preset", "ci", "--show-only=json-v1"}, Env(), dir);
  EXPECT_EQ(json.status, 0) << json.err;
  EXPECT_EQ(json.out, In(dir, {kCtest, "--preset", "ci", "--show-only=json-v1"}, Env(), dir).out);
}

// What only ctest prints is ctest's own; CTEST_PARALLEL_LEVEL sets the
// workers; -O writes a log a person can read; every option of the
// installed ctest's --help is taken or refused with a reason.
TEST_F(CtestE2eTest, CtestsOwnListingsVariablesLogAndEveryOptionOfItsHelp) {
  ScratchDir dir;
  for (const std::vector<std::string>& ask : std::vector<std::vector<std::string>>{
           {"--show-only=json-v1", "-R", "^db_user$"}, {"--print-labels"}}) {
    std::vector<std::string> argv = {kCtest, "--test-dir", build_->path()};
    argv.insert(argv.end(), ask.begin(), ask.end());
    const Proc c = testing_util::Run(argv, Env(), dir);
    argv[0] = kMprun;
    argv.insert(argv.begin() + 1, "ctest");
    const Proc p = testing_util::Run(argv, Env(), dir);
    EXPECT_EQ(p.status, c.status) << ask[0];
    // ctest says where --test-dir took it; mprun runs it there.
    const std::string moved = "Internal ctest changing into directory: " + build_->path() + "\n";
    EXPECT_EQ(p.out, c.out.rfind(moved, 0) == 0 ? c.out.substr(moved.size()) : c.out) << ask[0];
  }
  std::map<std::string, std::string> env = Env();
  env["CTEST_PARALLEL_LEVEL"] = "1";
  Proc p = testing_util::Run({kMprun, "ctest", "--test-dir", build_->path(), "-R", "^whole$",
                              "--no-history", "-O", dir.File("log.txt")},
                             env, dir);
  EXPECT_EQ(p.status, 0) << p.err;
  EXPECT_NE(p.out.find("3 tests, 1 worker\n"), std::string::npos) << p.out;
  const std::string log = testing_util::ReadFile(dir.File("log.txt"));
  EXPECT_NE(log.find("PASSED    Whole.Two"), std::string::npos) << log;
  EXPECT_NE(log.find("mprun: 3 passed, 0 failed, 0 skipped"), std::string::npos) << log;
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << "no colour in the log";

  const Proc help = testing_util::Run({kCtest, "--help"}, Env(), dir);
  std::istringstream lines(help.out);
  // A value each option that takes one accepts.
  const std::map<std::string, std::string> values = {{"-j", "2"},
                                                     {"--parallel", "2"},
                                                     {"--repeat", "until-fail:2"},
                                                     {"--repeat-until-fail", "2"},
                                                     {"-I", "1,2"},
                                                     {"--tests-information", "1,2"},
                                                     {"--max-width", "80"},
                                                     {"--test-output-size-passed", "100"},
                                                     {"--test-output-size-failed", "100"},
                                                     {"--test-output-truncation", "tail"},
                                                     {"--interactive-debug-mode", "0"},
                                                     {"--timeout", "5"},
                                                     {"--no-tests", "error"},
                                                     {"-N", ""},
                                                     {"--show-only", ""}};
  size_t checked = 0;
  for (std::string l; std::getline(lines, l);) {
    if (l.size() < 3 || l.rfind("  ", 0) != 0 || (l[2] != '-' && l[2] != '/')) continue;
    std::istringstream words(l.substr(0, l.find(" = ")));
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    for (size_t k = 0; k < w.size(); ++k) {
      std::string spellings = w[k];
      if (spellings[0] != '-' && spellings[0] != '/') continue;
      if (spellings.back() == ',') spellings.pop_back();
      const bool takes_value =
          (k + 1 < w.size() && w[k + 1][0] == '<') || spellings.find("=<") != std::string::npos;
      std::istringstream parts(spellings);
      for (std::string o; std::getline(parts, o, ',');) {
        o = o.substr(0, o.find_first_of("=["));
        if (o.empty() || (o[0] != '-' && o[0] != '/')) continue;
        std::vector<std::string> argv = {kMprun, "ctest", o};
        const auto v = values.find(o);
        if (v != values.end() && !v->second.empty()) argv.push_back(v->second);
        if (v == values.end() && takes_value) argv.push_back("x");
        argv.push_back("--help");  // parsed, then nothing is run
        const Proc r = testing_util::Run(argv, Env(), dir);
        ++checked;
        // Taken, or refused by name with a reason (not as unknown).
        EXPECT_TRUE(r.status == 0 ||
                    (r.status == 2 && r.err.rfind("mprun ctest: error: -", 0) == 0 &&
                     r.err.find("unknown") == std::string::npos))
            << o << ": " << r.status << " " << r.err;
      }
    }
  }
  EXPECT_GT(checked, 90u) << help.out;
}

void Copy(const std::string& from, const std::string& to) {
  unlink(to.c_str());
  std::ofstream(to, std::ios::binary) << std::ifstream(from, std::ios::binary).rdbuf();
  chmod(to.c_str(), 0755);
}

// The listing of a whole binary is kept beside the history, and a binary
// that changed is listed again.
TEST_F(CtestE2eTest, KeepsTheListingOfAnUnchangedBinaryOnly) {
  ScratchDir dir;
  const std::string bin = dir.File("bin");
  Copy(build_->File("whole"), bin);
  mkdir(dir.File("b").c_str(), 0700);
  WriteFile(dir.File("b/CTestTestfile.cmake"), "add_test(w \"" + bin + "\")\n");
  auto run = [&] {
    return testing_util::Run(
        {kMprun, "ctest", "--test-dir", dir.File("b"), "-v",
         "--history=" + dir.File("h/history.json"), "--json=" + dir.File("r.json")},
        Env(), dir);
  };
  const char kFromCache[] = "1 of 1 binaries' listings from the cache";
  Proc p = run();
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_EQ(p.err.find(kFromCache), std::string::npos) << p.err;
  p = run();
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.err.find(kFromCache), std::string::npos) << p.err;
  Copy(build_->File("discovered"), bin);  // another binary at the same path
  p = run();
  EXPECT_EQ(p.err.find(kFromCache), std::string::npos) << p.err;
  rapidjson::Document doc;
  const auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_EQ(rows.count("Discovered.Passes"), 1u) << p.out;
  EXPECT_EQ(rows.count("Whole.One"), 0u) << p.out;
}

// A build folder of one hand-written CTestTestfile.cmake (ctest runs it as
// a script: it may fail or hang).
std::string Folder(const ScratchDir& dir, const std::string& name, const std::string& script) {
  const std::string folder = dir.File(name);
  mkdir(folder.c_str(), 0700);
  WriteFile(folder + "/CTestTestfile.cmake", script);
  return folder;
}

// --stop-time: no test runs past the stop time (one still running then
// times out, as ctest's deadline says), and none starts after it.
TEST(CtestStopTimeTest, NoTestRunsPastTheStopTime) {
  ScratchDir dir;
  const std::string b = Folder(dir, "b",
                               "add_test(long \"/bin/sleep\" \"20\")\n"
                               "add_test(later \"/bin/true\")\n"
                               "set_tests_properties(later PROPERTIES DEPENDS long)\n");
  char at[16];
  const time_t soon = time(nullptr) + 3;
  struct tm utc;
  gmtime_r(&soon, &utc);
  std::strftime(at, sizeof at, "%H:%M:%S", &utc);
  const Proc p =
      testing_util::Run({kMprun, "ctest", "--test-dir", b, "-j1", "--no-history", "--stop-time",
                         std::string(at) + " UTC", "--json=" + dir.File("r.json")},
                        Env(), dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  const auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  ASSERT_EQ(rows.size(), 2u) << p.out;
  // The long test was stopped at the stop time (or, on a machine too
  // busy to start it in 3 s, never started); the one after it never ran.
  const std::string& long_outcome = rows.at("long").outcome;
  EXPECT_TRUE(long_outcome == "timed_out" || long_outcome == "not_run") << long_outcome;
  if (long_outcome == "timed_out") {
    EXPECT_NE(rows.at("long").message.find("(the stop time, --stop-time)"), std::string::npos)
        << rows.at("long").message;
  }
  EXPECT_EQ(rows.at("later").outcome, "not_run");
  ASSERT_GE(doc["errors"].Size(), 1u);
  EXPECT_EQ(std::string(doc["errors"][0].GetString()).rfind("the stop time passed", 0), 0u);
}

// --test-load: while the load average (ctest's fake one for tests, here
// far above the limit) is too high, no test starts beside a running one:
// one worker runs them all (ctest would wait for ever). Each test fails if
// another is running when it starts.
TEST(CtestTestLoadTest, AHighLoadAverageHoldsNewTestsBack) {
  ScratchDir dir;
  WriteFile(dir.File("alone.sh"),
            "mkdir \"$1/running\" 2>/dev/null || { echo another test is running; exit 1; }\n"
            "sleep 0.3\n"
            "rmdir \"$1/running\"\n");
  std::string tests;
  for (int i = 0; i < 4; ++i) {
    tests += "add_test(t" + std::to_string(i) + " \"/bin/sh\" \"" + dir.File("alone.sh") + "\" \"" +
             dir.path() + "\")\n";
  }
  // The serial phase starts once the other workers are gone: two workers
  // that wait must not wait for each other (3 workers), and the serial
  // phase's, the only one alive, must not wait for the load.
  tests += "set_tests_properties(t3 PROPERTIES RUN_SERIAL TRUE)\n";
  const std::string b = Folder(dir, "b", tests);
  std::map<std::string, std::string> env = Env();
  env["__CTEST_FAKE_LOAD_AVERAGE_FOR_TESTING"] = "99";
  for (const char* way : {"--test-load=1", "CTEST_TEST_LOAD"}) {
    std::vector<std::string> argv = {
        kMprun, "ctest", "--test-dir", b, "-j3", "--no-history", "--json=" + dir.File("r.json")};
    std::map<std::string, std::string> with = env;
    if (std::string(way) == "CTEST_TEST_LOAD") {
      with["CTEST_TEST_LOAD"] = "1";
    } else {
      argv.push_back(way);
    }
    const Proc p = testing_util::Run(argv, with, dir);
    EXPECT_EQ(p.status, 0) << way << "\n" << p.out << p.err;
    rapidjson::Document doc;
    const auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
    EXPECT_EQ(rows.size(), 4u) << way;
    for (const auto& [name, row] : rows) {
      EXPECT_EQ(row.outcome, "passed") << way << " " << name;
      if (name != "t3") {
        EXPECT_EQ(row.worker, 0) << way << " " << name;
      }
    }
  }
}

// ctest's own listing is kept beside the history and used again until a
// file it read, a program its tests run, or the environment changes; a
// folder whose files do more than CMake writes is asked every run.
TEST(CtestCacheTest, KeepsCtestsListingUntilWhatItDependsOnChanges) {
  ScratchDir dir;
  const std::string b = Folder(dir, "b", "add_test(one \"/bin/true\")\nsubdirs(\"sub\")\n");
  mkdir((b + "/sub").c_str(), 0700);
  WriteFile(b + "/sub/CTestTestfile.cmake", "add_test(two \"" + dir.File("prog") + "\")\n");
  WriteFile(dir.File("prog"), "#!/bin/sh\nexit 0\n");
  chmod(dir.File("prog").c_str(), 0755);
  const char kCached[] = "ctest's listing from the cache";
  const char kNotKept[] = "ctest's listing is not kept";
  auto run = [&](std::map<std::string, std::string> env = {}) {
    for (const auto& [k, v] : Env()) env.emplace(k, v);
    return testing_util::Run(
        {kMprun, "ctest", "--test-dir", b, "-v", "--history=" + dir.File("h/history.json"),
         "--json=" + dir.File("r.json")},
        env, dir);
  };
  auto ran = [&](const char* name) {
    return testing_util::ReadFile(dir.File("r.json")).find(std::string("\"") + name + "\"") !=
           std::string::npos;
  };
  Proc p = run();
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_EQ(p.err.find(kCached), std::string::npos) << p.err;
  p = run();
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.err.find(kCached), std::string::npos) << p.err;
  EXPECT_TRUE(ran("one") && ran("two"));

  // A subdirectory's file changes (as cmake rewrites it): a new test.
  WriteFile(b + "/sub/CTestTestfile.cmake",
            "add_test(two \"" + dir.File("prog") + "\")\nadd_test(three \"/bin/true\")\n");
  p = run();
  EXPECT_EQ(p.err.find(kCached), std::string::npos) << p.err;
  EXPECT_TRUE(ran("three")) << p.out;
  EXPECT_NE(run().err.find(kCached), std::string::npos);

  EXPECT_EQ(run({{"SOME_SETTING", "1"}}).err.find(kCached), std::string::npos)
      << "another environment";

  // A program gone: ctest has no command for it any more, and says so.
  unlink(dir.File("prog").c_str());
  p = run();
  EXPECT_EQ(p.status, 2) << p.out << p.err;
  EXPECT_NE(p.err.find("ctest test two: ctest found no program to run"), std::string::npos)
      << p.err;

  // A test not built yet (left out by -R): ctest would find its program
  // once it is built, so nothing is kept.
  WriteFile(b + "/CTestTestfile.cmake",
            "add_test(one \"/bin/true\")\nadd_test(ghost \"" + dir.File("ghost") + "\")\n");
  p = testing_util::Run({kMprun, "ctest", "--test-dir", b, "-v", "-R", "one",
                         "--history=" + dir.File("h/history.json")},
                        Env(), dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.err.find("ctest test ghost has no program"), std::string::npos) << p.err;
  WriteFile(dir.File("ghost"), "#!/bin/sh\nexit 0\n");
  chmod(dir.File("ghost").c_str(), 0755);
  p = run();
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_TRUE(ran("ghost"));

  // A build that rewrites a file while ctest lists (here a ctest on PATH
  // that does it before it lists): that listing is not kept.
  WriteFile(dir.File("ctest"), "#!/bin/sh\necho 'add_test(late \"/bin/true\")' >> " + b +
                                   "/CTestTestfile.cmake\nexec " + kCtest + " \"$@\"\n");
  chmod(dir.File("ctest").c_str(), 0755);
  p = run({{"PATH", dir.path() + ":" + Env()["PATH"]}});
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.err.find("changed while it listed"), std::string::npos) << p.err;
  EXPECT_TRUE(ran("late"));

  // A script of the user's: asked every run.
  WriteFile(b + "/CTestTestfile.cmake", "set(ENV{X} 1)\nadd_test(one \"/bin/true\")\n");
  p = run();
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.err.find(kNotKept), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("set()"), std::string::npos) << p.err;
  EXPECT_EQ(run().err.find(kCached), std::string::npos);
}

TEST(CtestBadInputTest, ExitsTwoNamingTheProblem) {
  ScratchDir dir;
  mkdir(dir.File("empty").c_str(), 0700);
  const struct {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"--test-dir", dir.File("nowhere")}, dir.File("nowhere") + ": not a build folder"},
      {{"--test-dir", dir.File("empty")}, dir.File("empty") + ": no CTestTestfile.cmake"},
      {{"--test-dir", Folder(dir, "fails", "message(FATAL_ERROR \"no listing today\")\n")},
       "--show-only=json-v1 exited with status"},
      {{"--test-dir", Folder(dir, "hangs", "execute_process(COMMAND sleep 60)\n"),
        "--list-timeout=0.5"},
       "--show-only=json-v1 did not finish within 0.5 s (--list-timeout); killed"},
      {{"--test-dir",
        Folder(dir, "missing", "add_test(gone \"" + dir.File("no-such-prog") + "\")\n")},
       "ctest test gone: ctest found no program to run"},
      {{"--test-dir", dir.File("empty"), "--schedule-randomly"},
       "--schedule-randomly: unknown ctest option"},
      {{"--test-dir", dir.File("empty"), "-T", "Coverage"}, "runs tests, not dashboards"},
      {{"--test-dir", dir.File("empty"), "--stop-time", "7pm"},
       "--stop-time: '7pm' is not a time of day"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {kMprun, "ctest"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const Proc p = testing_util::Run(argv, Env(), dir);
    EXPECT_EQ(p.status, 2) << c.message << "\n" << p.err;
    EXPECT_NE(p.err.find("mprun ctest: error: "), std::string::npos) << p.err;
    EXPECT_NE(p.err.find(c.message), std::string::npos) << p.err;
  }
}

TEST(CtestBadInputTest, AProgramThatIsNoGoogleTestBinaryIsNeverGivenAGtestFlag) {
  ScratchDir dir;
  // /bin/echo is an ELF program that takes any argument: listed with
  // --gtest_list_tests it would print that and "pass". It must run once,
  // as written.
  const std::string folder = Folder(dir, "echo",
                                    "add_test(says /bin/echo hello)\n"
                                    "set_tests_properties(says PROPERTIES "
                                    "FAIL_REGULAR_EXPRESSION \"gtest\" PASS_REGULAR_EXPRESSION "
                                    "\"^hello\")\n");
  const Proc p =
      testing_util::Run({kMprun, "ctest", "--test-dir", folder, "--no-history", "-v"}, Env(), dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("mprun: 1 passed, 0 failed, 0 skipped"), std::string::npos) << p.out;
}

// A test that counts its runs in $REPEAT_DIR/KIND and acts by the count.
const char kNthRun[] = R"(f="$REPEAT_DIR/$1"
n=$(( $(cat "$f" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$f"
case "$1" in
  fails_first) [ "$n" -gt 1 ] ;;
  fails_second) [ "$n" -ne 2 ] ;;
  hangs_first) if [ "$n" -eq 1 ]; then exec sleep 30; fi ;;
esac
)";

// ctest's --repeat, each mode: every test runs as often as under ctest and
// ends as it does there (until-fail stops a test at its first failure,
// until-pass at its first pass, after-timeout retries timeouts only).
TEST(CtestRepeatTest, EveryTestRunsAsOftenAsUnderCtestAndEndsTheSame) {
  ScratchDir dir;
  const std::string script = dir.File("nth_run.sh");
  WriteFile(script, kNthRun);
  const std::vector<std::string> kinds = {"steady", "fails_first", "fails_second", "hangs_first"};
  std::string file;
  for (const std::string& k : kinds)
    file += "add_test(" + k + " sh \"" + script + "\" " + k + ")\n";
  file += "set_tests_properties(hangs_first PROPERTIES TIMEOUT 1)\n";
  const std::string folder = Folder(dir, "b", file);
  auto runs = [&](const std::string& counts) {
    std::map<std::string, std::string> n;
    for (const std::string& k : kinds) n[k] = testing_util::ReadFile(counts + "/" + k);
    return n;
  };
  const std::vector<std::string> modes = {"until-fail:3", "until-pass:3", "after-timeout:3"};
  for (const std::string& mode : modes) {
    const std::string c = dir.File("ctest-" + mode), m = dir.File("mprun-" + mode);
    mkdir(c.c_str(), 0700);
    mkdir(m.c_str(), 0700);
    std::map<std::string, std::string> env = Env();
    env["REPEAT_DIR"] = c;
    const Proc ctest =
        testing_util::Run({kCtest, "--test-dir", folder, "-j2", "--repeat", mode}, env, dir);
    const std::map<std::string, std::string> want = CtestOutcomes(ctest.out);
    ASSERT_EQ(want.size(), kinds.size()) << ctest.out;
    env["REPEAT_DIR"] = m;
    const Proc p = testing_util::Run({kMprun, "ctest", "--test-dir", folder, "-j2", "--repeat",
                                      mode, "--no-history", "--json=" + dir.File("r.json")},
                                     env, dir);
    EXPECT_EQ(p.status != 0, ctest.status != 0) << mode << "\n" << p.out << p.err;
    EXPECT_EQ(MprunOutcomes(testing_util::ReadFile(dir.File("r.json"))), want) << mode << "\n"
                                                                               << p.out << p.err;
    EXPECT_EQ(runs(m), runs(c)) << mode << ": how often each test ran";
  }
}

TEST(CtestCommandTest, GetsTheWorkersTmpdirAndAnUnhonouredPropertyIsNamed) {
  ScratchDir dir;
  const std::string folder =
      Folder(dir, "misc",
             "add_test(tmpdir /bin/sh -c \"test -d \\\"$TMPDIR\\\" && test \\\"$TMPDIR\\\" = "
             "\\\"$TEST_TMPDIR\\\" && test \\\"$TMPDIR\\\" != \\\"$OUTER_TMPDIR\\\"\")\n"
             "add_test(measured /bin/true)\n"
             "set_tests_properties(measured PROPERTIES MEASUREMENT x=1)\n");
  std::map<std::string, std::string> env = Env();
  env["OUTER_TMPDIR"] = env["TMPDIR"] = dir.path();
  const Proc p =
      testing_util::Run({kMprun, "ctest", "--test-dir", folder, "--no-history", "-j2"}, env, dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("mprun: 2 passed, 0 failed, 0 skipped"), std::string::npos) << p.out;
  EXPECT_NE(p.err.find("mprun ctest: warning: test measured: property MEASUREMENT is not "
                       "honoured by mprun ctest"),
            std::string::npos)
      << p.err;
}

// RESOURCE_GROUPS with --resource-spec-file, beside ctest -j1 (each test
// alone, as mprun runs them): the same CTEST_RESOURCE_GROUP_* variables,
// the same verdicts; two tests that need every gpu slot never overlap at
// -j4; one that cannot fit is not run. Without the spec file, both ignore
// them.
TEST(CtestResourcesTest, TestsGetCtestsVariablesAndNeverShareASlot) {
  ScratchDir dir;
  const std::string spec = dir.File("spec.json");
  WriteFile(spec, R"({"version": {"major": 1, "minor": 0}, "local": [{
      "gpus": [{"id": "0", "slots": 2}, {"id": "1", "slots": 4}],
      "crypto_chips": [{"id": "card_a"}, {"id": "card_b", "slots": 3}]}]})");
  // Each writes its variables to $RG_OUT/NAME; a hog holds $RG_OUT/lock.
  const std::string vars = "env | grep ^CTEST_RESOURCE | sort > \\\"$RG_OUT/$0\\\"";
  const std::string hog = "mkdir \\\"$RG_OUT/lock\\\" && sleep 0.3 && rmdir \\\"$RG_OUT/lock\\\"";
  std::string file;
  for (const char* name : {"gpu2", "mixed", "plain"}) {
    file += std::string("add_test(") + name + " sh -c \"" + vars + "\" " + name + ")\n";
  }
  for (const char* name : {"hog_a", "hog_b"}) {
    file += std::string("add_test(") + name + " sh -c \"" + hog + "\")\n";
  }
  file += "add_test(big sh -c \"exit 0\")\n";
  file += "set_tests_properties(gpu2 PROPERTIES RESOURCE_GROUPS \"2,gpus:2;crypto_chips:1\")\n";
  file +=
      "set_tests_properties(mixed PROPERTIES RESOURCE_GROUPS "
      "\"gpus:1,crypto_chips:2,gpus:1;crypto_chips:1\")\n";
  file += "set_tests_properties(hog_a hog_b PROPERTIES RESOURCE_GROUPS \"gpus:4,gpus:2\")\n";
  file += "set_tests_properties(big PROPERTIES RESOURCE_GROUPS \"gpus:5\")\n";
  const std::string folder = Folder(dir, "b", file);
  for (const bool with_spec : {true, false}) {
    std::map<std::string, std::string> env = Env();
    std::map<std::string, std::map<std::string, std::string>> seen;  // tool -> test -> vars
    std::map<std::string, std::string> want;
    for (const std::string tool : {"ctest", "mprun"}) {
      const std::string out = dir.File(tool + (with_spec ? "-spec" : "-none"));
      mkdir(out.c_str(), 0700);
      env["RG_OUT"] = out;
      std::vector<std::string> argv = {kCtest, "--test-dir", folder, "-j1"};
      if (tool == "mprun") {
        // Without the spec the hogs may overlap (in ctest -j4 too): -j1.
        argv = {kMprun,
                "ctest",
                "--test-dir",
                folder,
                with_spec ? "-j4" : "-j1",
                "--no-history",
                "--json=" + dir.File("r.json")};
      }
      if (with_spec) argv.insert(argv.end(), {"--resource-spec-file", spec});
      const Proc p = testing_util::Run(argv, env, dir);
      if (tool == "ctest") {
        want = CtestOutcomes(p.out);
        EXPECT_EQ(want.size(), 6u) << p.out;
      } else {
        EXPECT_EQ(MprunOutcomes(testing_util::ReadFile(dir.File("r.json"))), want)
            << with_spec << "\n"
            << p.out << p.err;
      }
      for (const char* name : {"gpu2", "mixed", "plain"}) {
        seen[tool][name] = testing_util::ReadFile(out + "/" + name);
      }
    }
    EXPECT_EQ(seen["mprun"], seen["ctest"]) << with_spec;
    EXPECT_EQ(want["hog_a"], "passed");
    EXPECT_EQ(want["hog_b"], "passed");
    EXPECT_EQ(want["big"], with_spec ? "failed" : "passed");
    // With a spec, ctest tells a test without groups that it has none.
    EXPECT_EQ(seen["ctest"]["plain"], with_spec ? "CTEST_RESOURCE_GROUP_COUNT=0\n" : "");
    if (with_spec) {
      EXPECT_EQ(seen["ctest"]["gpu2"],
                "CTEST_RESOURCE_GROUP_0=gpus\nCTEST_RESOURCE_GROUP_0_GPUS=id:1,slots:2\n"
                "CTEST_RESOURCE_GROUP_1=gpus\nCTEST_RESOURCE_GROUP_1_GPUS=id:1,slots:2\n"
                "CTEST_RESOURCE_GROUP_2=crypto_chips\n"
                "CTEST_RESOURCE_GROUP_2_CRYPTO_CHIPS=id:card_b,slots:1\n"
                "CTEST_RESOURCE_GROUP_COUNT=3\n");
    }
  }
  // A spec that is not one: exit 2 naming the file and the problem.
  WriteFile(dir.File("bad.json"), R"({"version": {"major": 2, "minor": 0}, "local": []})");
  const Proc bad = testing_util::Run(
      {kMprun, "ctest", "--test-dir", folder, "--resource-spec-file", dir.File("bad.json")}, Env(),
      dir);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--resource-spec-file: " + dir.File("bad.json") +
                         ": version 2.0 (ctest reads 1.0)"),
            std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace mprun
