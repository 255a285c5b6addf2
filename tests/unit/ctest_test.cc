#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/input/ctest_listing.h"

namespace mprun::core {
namespace {

// The shape ctest 3.25 writes for --show-only=json-v1 (backtraces cut).
constexpr char kListing[] = R"({
  "kind": "ctestInfo", "version": {"major": 1, "minor": 0},
  "backtraceGraph": {"commands": [], "files": [], "nodes": []},
  "tests": [
    {"name": "Discovered.Passes", "config": "",
     "command": ["/b/discovered", "--gtest_filter=Discovered.Passes",
                 "--gtest_also_run_disabled_tests"],
     "properties": [
       {"name": "SKIP_REGULAR_EXPRESSION", "value": ["\\[  SKIPPED \\]"]},
       {"name": "WORKING_DIRECTORY", "value": "/b"}]},
    {"name": "fixture_user", "command": ["/bin/sh", "-c", "exit 0"],
     "properties": [
       {"name": "FIXTURES_REQUIRED", "value": ["db"]},
       {"name": "TIMEOUT", "value": 2.5},
       {"name": "WILL_FAIL", "value": true},
       {"name": "SKIP_RETURN_CODE", "value": 4},
       {"name": "LABELS", "value": ["fast", "db"]},
       {"name": "ENVIRONMENT", "value": ["A=1", "B=2"]},
       {"name": "RESOURCE_LOCK", "value": ["port"]},
       {"name": "MEASUREMENT", "value": "x=1"}]},
    {"name": "db_setup", "command": ["/bin/true"],
     "properties": [{"name": "FIXTURES_SETUP", "value": ["db"]}]},
    {"name": "db_cleanup", "command": ["/bin/true"],
     "properties": [{"name": "FIXTURES_CLEANUP", "value": "db"}]},
    {"name": "not_built"}
  ]
})";

std::vector<CtestTest> Parsed() {
  std::vector<CtestTest> tests;
  std::string err;
  EXPECT_TRUE(ParseCtestJson(kListing, &tests, &err)) << err;
  return tests;
}

TEST(CtestJsonTest, ReadsCommandsAndProperties) {
  const std::vector<CtestTest> t = Parsed();
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[0].name, "Discovered.Passes");
  EXPECT_EQ(t[0].command.size(), 3u);
  EXPECT_EQ(t[0].working_directory, "/b");
  ASSERT_EQ(t[0].skip_regex.size(), 1u);
  EXPECT_EQ(t[0].skip_regex[0], kGtestSkipRegex);
  EXPECT_FALSE(t[0].timeout_s.has_value());
  EXPECT_EQ(t[1].timeout_s.value_or(0), 2.5);
  EXPECT_TRUE(t[1].will_fail);
  EXPECT_EQ(t[1].skip_return_code.value_or(0), 4);
  EXPECT_EQ(t[1].labels, (std::vector<std::string>{"fast", "db"}));
  EXPECT_EQ(t[1].environment, (std::vector<std::string>{"A=1", "B=2"}));
  EXPECT_EQ(t[1].resource_locks, std::vector<std::string>{"port"});
  EXPECT_EQ(t[1].fixtures_required, std::vector<std::string>{"db"});
  EXPECT_EQ(t[1].unhonoured, std::vector<std::string>{"MEASUREMENT"});
  EXPECT_EQ(t[3].fixtures_cleanup, std::vector<std::string>{"db"});  // a plain string
  EXPECT_TRUE(t[4].command.empty());
}

TEST(CtestJsonTest, RefusesWhatIsNotCtestsListing) {
  std::vector<CtestTest> tests;
  std::string err;
  EXPECT_FALSE(ParseCtestJson("Test project /b\n", &tests, &err));
  EXPECT_EQ(err, "not JSON");
  EXPECT_FALSE(ParseCtestJson(R"({"kind": "ctestInfo", "version": {"major": 2}})", &tests, &err));
  EXPECT_FALSE(ParseCtestJson(
      R"({"kind": "ctestInfo", "version": {"major": 1}, "tests": [{"command": []}]})", &tests,
      &err));
  EXPECT_EQ(err, "a test without a name");
  EXPECT_TRUE(ParseCtestJson(R"({"kind": "ctestInfo", "version": {"major": 1}})", &tests, &err));
  EXPECT_TRUE(tests.empty());
}

TEST(CtestSelectionTest, NamesAndLabelsAndPullsInFixtures) {
  const std::vector<CtestTest> t = Parsed();
  std::vector<bool> selected;
  std::string err;
  ASSERT_TRUE(SelectCtestTests(t, {"user", "", "", ""}, &selected, &err)) << err;
  // The user requires fixture db: its set-up and clean-up come along.
  EXPECT_EQ(selected, (std::vector<bool>{false, true, true, true, false}));
  ASSERT_TRUE(SelectCtestTests(t, {"", "^db_|Disc", "", ""}, &selected, &err));
  EXPECT_EQ(selected, (std::vector<bool>{false, true, true, true, true}));
  ASSERT_TRUE(SelectCtestTests(t, {"", "", "^fa", ""}, &selected, &err));
  EXPECT_EQ(selected, (std::vector<bool>{false, true, true, true, false}));
  ASSERT_TRUE(SelectCtestTests(t, {"", "", "", "db"}, &selected, &err));
  EXPECT_EQ(selected, (std::vector<bool>{true, false, true, true, true}));
  EXPECT_FALSE(SelectCtestTests(t, {"(", "", "", ""}, &selected, &err));
  EXPECT_EQ(err.rfind("-R: '(' is not a regular expression", 0), 0u) << err;
}

struct JudgeCase {
  const char* what;
  CtestTest test;
  ProcessEnd end;
  const char* output;
  Outcome expected;
};

TEST(CtestJudgeTest, FollowsCtestsRules) {
  CtestTest plain;
  CtestTest will_fail;
  will_fail.will_fail = true;
  CtestTest skip_code;
  skip_code.skip_return_code = 4;
  CtestTest pass_re;
  pass_re.pass_regex = {"all good"};
  CtestTest fail_re;
  fail_re.fail_regex = {"ERROR"};
  CtestTest skip_re;
  skip_re.skip_regex = {"skip th"};
  const JudgeCase cases[] = {
      {"exit 0 passes", plain, {false, 0}, "", Outcome::kPassed},
      {"exit 1 fails", plain, {false, 1}, "", Outcome::kFailed},
      {"a signal crashes", plain, {true, 11}, "", Outcome::kCrashed},
      {"WILL_FAIL: exit 1 passes", will_fail, {false, 1}, "", Outcome::kPassed},
      {"WILL_FAIL: exit 0 fails", will_fail, {false, 0}, "", Outcome::kFailed},
      {"WILL_FAIL: a signal still crashes", will_fail, {true, 6}, "", Outcome::kCrashed},
      {"SKIP_RETURN_CODE skips", skip_code, {false, 4}, "", Outcome::kSkipped},
      {"another code fails", skip_code, {false, 5}, "", Outcome::kFailed},
      {"PASS_REGULAR_EXPRESSION ignores the status",
       pass_re,
       {false, 1},
       "x all good",
       Outcome::kPassed},
      {"PASS_REGULAR_EXPRESSION unmatched fails", pass_re, {false, 0}, "bad", Outcome::kFailed},
      {"FAIL_REGULAR_EXPRESSION matched fails", fail_re, {false, 0}, "an ERROR", Outcome::kFailed},
      {"FAIL_REGULAR_EXPRESSION unmatched passes", fail_re, {false, 3}, "fine", Outcome::kPassed},
      {"SKIP_REGULAR_EXPRESSION skips", skip_re, {false, 1}, "a\nskip this", Outcome::kSkipped},
  };
  for (const JudgeCase& c : cases) {
    EXPECT_EQ(JudgeCommand(c.test, c.end, c.output).outcome, c.expected) << c.what;
  }
}

}  // namespace
}  // namespace mprun::core

namespace mprun::core {
namespace {

TEST(CtestEnvironmentTest, SetsThenModifiesInOrder) {
  CtestTest t;
  t.environment = {"A=1", "B=two"};
  t.environment_modification = {
      "PATH=path_list_prepend:/opt/bin", "A=string_append:x", "B=unset:", "HOME=reset:",
      "C=cmake_list_append:v",           "D=frobnicate:1",    "nonsense"};
  std::vector<std::string> bad;
  const auto env = CtestEnvironment(
      t,
      [](const char* n) -> const char* {
        return std::string(n) == "PATH" ? "/usr/bin" : std::string(n) == "HOME" ? "/h" : nullptr;
      },
      &bad);
  EXPECT_EQ(env,
            (std::vector<std::string>{"A=1x", "B", "PATH=/opt/bin:/usr/bin", "HOME=/h", "C=v"}));
  EXPECT_EQ(bad, (std::vector<std::string>{"D=frobnicate:1", "nonsense"}));
}

}  // namespace
}  // namespace mprun::core
